/**
 * The CLI's side of input errors: its syntax for devices and checklist items, and how an error about a domain input
 * (`UserError.field`) is told in the CLI's words, naming the flag the officer typed (`--by`, `--badge`, ...).
 * The app and the domain never name a flag: their messages go to the centre and the console too.
 */
import { NotFound, Refused, UserError, type InputField } from '../domain/errors.js';
import type { ChecklistItem, Device } from '../domain/types.js';
import { UID_RULE, checkUid } from '../domain/uid.js';

/** The flag (and, for a part of a repeated flag's value, its part) that gives each input on the command line. */
export const CLI_FLAGS: Readonly<Partial<Record<InputField, string>>> = {
  by: '--by', name: '--name', role: '--role', badge: '--badge', uid: '--uid', label: '--label', nik: '--nik', org: '--org',
  phone: '--phone', purpose: '--purpose', letterRef: '--letter', plannedMinutes: '--duration', kind: '--kind', ktpUid: '--ktp-uid',
  devices: '--device', 'devices.description': '--device description', 'devices.serial': '--device serial',
  devicesOut: '--device-out', 'devicesOut.description': '--device-out description', 'devicesOut.serial': '--device-out serial',
  'disposition.orderedBy': '--disposition-by', 'disposition.reference': '--disposition-ref', 'disposition.date': '--disposition-date',
  checklist: '--item', 'checklist.item': '--item', 'checklist.note': '--item note',
  reason: '--reason', note: '--note', visit: '--visit', from: '--from', until: '--until',
};

/** What the officer can do next when a badge is not in the pool (CLI commands, so said only by the CLI). */
const NO_SUCH_BADGE_HINT = ' (see pintu badge list; add one with pintu badge add --uid UID --label L)';

/**
 * An error's message as the CLI prints it. For an input given by a flag of this command (`hasFlag`), the words
 * naming the input become the flag ("visitor name must not be empty" → "--name must not be empty"); an error
 * about an input without such words is prefixed with the flag ("--by: no officer with id "O9""). A refusal by a
 * rule is about the state of things, not the typing, and is printed as it is.
 */
export function cliMessage(err: UserError, hasFlag: (flag: string) => boolean = () => true): string {
  const hint = err instanceof NotFound && err.thing === 'badge' ? NO_SUCH_BADGE_HINT : '';
  const flag = err.field !== undefined ? CLI_FLAGS[err.field] : undefined;
  if (flag === undefined || err instanceof Refused || !hasFlag(flag.split(' ')[0]!)) return err.message + hint;
  if (err.subject !== undefined) return flag + err.message.slice(err.subject.length) + hint;
  return `${flag}: ${err.message}${hint}`;
}

/** A card UID typed at a prompt (`what` names it), checked at once by the domain rule; the message does not repeat it. */
export function typedUid(input: string, what: string): string {
  const r = checkUid(input);
  if (!r.ok) throw new UserError(`${what} must be ${UID_RULE}: ${r.problem}`);
  return r.uid;
}

/** Parse "description:serial" as given to --device / --device-out (`option` names the flag in the error). */
export function parseDevice(spec: string, option = '--device'): Device {
  const i = spec.lastIndexOf(':');
  const description = i > 0 ? spec.slice(0, i).trim() : '';
  const serial = i > 0 ? spec.slice(i + 1).trim() : '';
  if (!description || !serial) throw new UserError(`${option} "${spec}" must be "description:serial" (e.g. "Laptop Dell:5CG1234XYZ")`);
  return { description, serial };
}

/** Parse "item:ok|degraded|failed[:note]" as given to --item. */
export function parseChecklistItem(spec: string): ChecklistItem {
  const [item, status, ...rest] = spec.split(':');
  if (!item?.trim() || (status !== 'ok' && status !== 'degraded' && status !== 'failed')) {
    throw new UserError(`--item "${spec}" must be "item:ok|degraded|failed[:note]" (e.g. "UPS battery:degraded:runtime 6 min")`);
  }
  return { item: item.trim(), status, note: rest.join(':').trim() || null };
}
