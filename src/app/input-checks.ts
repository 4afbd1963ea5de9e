/**
 * Checks of what officers type (text fields, devices, card UIDs), refusing with a `UserError` that names the input in
 * domain words and carries a stable `code` (`text.length`, `text.required`, `uid.format`, …) for the console's own words.
 */
import { UserError, type InputField } from '../domain/errors.js';
import { textProblem, type TextKind } from '../domain/text.js';
import { UID_RULE, checkUid } from '../domain/uid.js';
import type { Device } from '../domain/types.js';

/** Refuse a text field that is too long or holds control characters (src/domain/text.ts), naming it in domain words. */
export function checkText(value: string | null | undefined, field: InputField, subject: string, kind: TextKind): void {
  if (value === null || value === undefined) return;
  const p = textProblem(value, kind);
  if (p) throw new UserError(`${subject}: ${p.detail}`, { field, subject, code: p.code, params: p.params });
}

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
  return r.uid;
}
