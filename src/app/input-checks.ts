/**
 * Checks of what officers type (text fields, devices, card UIDs), refusing with a `UserError` that names the input in
 * domain words and carries a stable `code` (`text.length`, `text.required`, `uid.format`, …) for the console's own words.
 */
import { UserError, type InputField } from '../domain/errors.js';
import { textProblem, type TextKind } from '../domain/text.js';
import { personalDataProblem, type VisitorFacts } from '../domain/free-text.js';
import { RANDOM_UID_PROBLEM, UID_RULE, checkUid, isRandomUid } from '../domain/uid.js';
import type { Device } from '../domain/types.js';

/** Refuse a text field that is too long or holds control characters (src/domain/text.ts), naming it in domain words. */
export function checkText(value: string | null | undefined, field: InputField, subject: string, kind: TextKind): void {
  if (value === null || value === undefined) return;
  const p = textProblem(value, kind);
  if (p) throw new UserError(`${subject}: ${p.detail}`, { field, subject, code: p.code, params: p.params });
}

/**
 * Refuse free text that goes into an event (kept for ever, sent to the centre) when it holds a NIK, a phone number or
 * the visit's own visitor name/NIK/phone (src/domain/free-text.ts); the message names the field and what was found,
 * never the data. A purged visit's placeholders are not facts about anyone.
 */
export function checkEventText(value: string | null | undefined, field: InputField, subject: string, visitor: VisitorFacts = {}): void {
  if (value === null || value === undefined || !value.trim()) return;
  const facts = visitor.name === PURGED ? {} : visitor;
  const p = personalDataProblem(value, facts);
  if (p) throw new UserError(`${subject} ${p.detail}`, { field, subject, code: p.code, params: {} });
}

/** What a purged visit holds in place of the visitor's name (app/maintenance/purge.ts PURGED). */
const PURGED = '[purged]';

/** Refuse a field that is empty or only spaces. */
export function required(value: string | null | undefined, field: InputField, subject: string): void {
  if (!value || !value.trim()) throw new UserError(`${subject} must not be empty`, { field, subject, code: 'text.required' });
}

/** Refuse devices whose description or serial is too long or holds control characters. */
export function checkDevices(devices: readonly Device[] | undefined, field: 'devices' | 'devicesOut'): void {
  const which = field === 'devices' ? 'brought in' : 'carried out';
  for (const d of devices ?? []) {
    checkText(d.description, `${field}.description`, `description of a device ${which}`, 'deviceDescription');
    checkText(d.serial, `${field}.serial`, `serial of a device ${which}`, 'deviceSerial');
  }
}

/**
 * A card UID typed by an officer in canonical form (src/domain/uid.ts), or a UserError about `field`. A KTP chip UID
 * is personal data and is not repeated in the message.
 */
export function cardUid(input: string, field: 'badge' | 'uid' | 'ktpUid', subject: string): string {
  const r = checkUid(input);
  if (!r.ok) throw new UserError(`${subject}${field === 'ktpUid' ? '' : ` "${input}"`} must be ${UID_RULE}: ${r.problem}`, { field, subject, code: 'uid.format' });
  refuseRandomUid(r.uid, field, subject);
  return r.uid;
}

/**
 * Refuse a random UID (src/domain/uid.ts `isRandomUid`) as a card's identity: it would never match again. For a KTP
 * the officer records the KTP by hand (no chip link); a badge needs another card.
 */
export function refuseRandomUid(uid: string, field: 'badge' | 'uid' | 'ktpUid', subject: string): void {
  if (!isRandomUid(uid)) return;
  const what = field === 'ktpUid' ? 'record the KTP manually (without its chip)' : 'use another card as the badge';
  throw new UserError(`${subject}: ${RANDOM_UID_PROBLEM}; ${what}`, { field, subject, code: field === 'ktpUid' ? 'uid.random.ktp' : 'uid.random.badge' });
}
