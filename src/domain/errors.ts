/**
 * Errors meant for the person at the keyboard: bad input, a refused transition, a bad config. They speak the
 * domain ("officer "O9" does not exist", "visitor name must not be empty"), never a front end's syntax (a CLI flag):
 * the same message reaches the centre in a command reply and the officers' console. A front end that names its
 * inputs differently uses `field` (which input) and `subject` (the words for it at the start of the message).
 * The CLI prints them (with its flag for the field) and exits with code 2; anything else is a bug or an outage (exit 1).
 */

/**
 * The input an error is about, named as the officer-side commands and the centre's command arguments name it
 * (a dotted path for a part of a list item, e.g. `devices.serial`).
 */
export type InputField =
  | 'by' | 'officer' | 'visit' | 'name' | 'role' | 'badge' | 'uid' | 'label'
  | 'nik' | 'org' | 'phone' | 'purpose' | 'letterRef' | 'plannedMinutes' | 'kind' | 'ktpUid'
  | 'devices' | 'devices.description' | 'devices.serial' | 'devicesOut' | 'devicesOut.description' | 'devicesOut.serial'
  | 'disposition' | 'disposition.orderedBy' | 'disposition.reference' | 'disposition.date'
  | 'checklist' | 'checklist.item' | 'checklist.note' | 'reason' | 'note' | 'from' | 'until' | 'pin'
  | 'day' | 'state' | 'alarm' | 'password';

/** What an error says about the input it concerns. */
export interface UserErrorInput {
  /** The input the error is about. */
  field?: InputField;
  /** The words naming that input at the start of the message (e.g. "visitor name"), if the message starts with them. */
  subject?: string;
  /** A stable key for the refusal (e.g. `nik.length`, `visit.state`, `role`), so a front end can say it in its own language. */
  code?: string;
  /** The facts the refusal names (ids, states, limits), for the front end's translation of `code`; never personal data. */
  params?: ErrorParams;
}

/** The facts a refusal names, for translating its `code`. */
export type ErrorParams = Readonly<Record<string, string | number>>;

/** An error whose message is safe and useful to show to an officer or installer. */
export class UserError extends Error {
  /** The input the error is about, if one (machine-readable: a console highlights it, the CLI names its flag). */
  readonly field: InputField | undefined;
  /** The words naming the input at the start of `message`, if it starts with them. */
  readonly subject: string | undefined;
  /** A stable key for the refusal (e.g. `nik.length`, `visit.state`), if one was given; the message stays the English text. */
  readonly code: string | undefined;
  /** The facts the refusal names, for translating `code`. */
  readonly params: ErrorParams | undefined;

  /** Create with a message naming what was wrong, and the input it is about. */
  constructor(message: string, input: UserErrorInput = {}) {
    super(message);
    this.name = 'UserError';
    this.field = input.field;
    this.subject = input.subject !== undefined && message.startsWith(input.subject) ? input.subject : undefined;
    this.code = input.code;
    this.params = input.params;
  }
}

/** Something the input names does not exist (an officer, a visit, a badge). */
export class NotFound extends UserError {
  /** The kind of thing that was looked for. */
  readonly thing: 'officer' | 'visit' | 'badge';

  /** Create for a missing `thing`, naming the input that named it. */
  constructor(thing: 'officer' | 'visit' | 'badge', message: string, input: UserErrorInput = {}) {
    super(message, { code: `notfound.${thing}`, ...input });
    this.name = 'NotFound';
    this.thing = thing;
  }
}

/** The input is well-formed but a rule refuses it (a role, a visit's state, a badge already in use). */
export class Refused extends UserError {
  /** Create with the rule's reason. */
  constructor(message: string, input: UserErrorInput = {}) {
    super(message, input);
    this.name = 'Refused';
  }
}
