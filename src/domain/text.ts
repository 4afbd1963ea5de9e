/**
 * Free text typed by officers or sent by the centre (names, purposes, reasons, notes, device descriptions, …):
 * every field has a length limit, and control characters are refused. An ANSI escape in a name would repaint an
 * officer's terminal (`visit show`, `events`), a C1 control or a bidi override would make a printed record read
 * differently from what is stored, and an unbounded field could make an event too large to ever reach the centre.
 * Pure: no I/O.
 */

/** Length limits in characters (Unicode code points), generous for real use; documented in README "Text limits". */
export const TEXT_LIMITS = {
  /** A visitor's or officer's full name. */
  name: 100,
  /** The visitor's institution. */
  org: 200,
  /** A phone number. */
  phone: 32,
  /** Purpose of a visit. */
  purpose: 500,
  /** Reason for a denial, revocation or door disable. */
  reason: 500,
  /** An incident-book entry or a report note. */
  note: 1000,
  /** A device's description (make and model). */
  deviceDescription: 200,
  /** A device's serial number. */
  deviceSerial: 100,
  /** A request letter / helpdesk ticket reference. */
  letterRef: 100,
  /** Who ordered a maintenance visit. */
  dispositionBy: 100,
  /** The disposition's reference number. */
  dispositionRef: 100,
  /** A checklist item (the component checked). */
  checklistItem: 200,
  /** A checklist item's note. */
  checklistNote: 500,
  /** A badge's printed label. */
  label: 32,
} as const;

/** A kind of text field with a length limit. */
export type TextKind = keyof typeof TEXT_LIMITS;

/**
 * Characters refused anywhere in a text field: C0 controls (incl. ESC of ANSI sequences, tab and newline), DEL,
 * C1 controls, and the Unicode bidi controls (embeddings, overrides, isolates, marks) that reorder displayed text.
 */
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

/** What is wrong with a text field: a stable key (`text.control`, `text.length`, `text.unicode`) and the facts it names. */
export interface TextProblem {
  /** Stable key, for a front end's own words. */
  code: 'text.control' | 'text.length' | 'text.unicode';
  /** The facts: the limit and length, or the character's code point and position. */
  params: Record<string, string | number>;
  /** The English text after the field's name. */
  detail: string;
}

/** What is wrong with a text field of this kind, or null. */
export function textProblem(value: string, kind: TextKind): TextProblem | null {
  const bad = FORBIDDEN.exec(value);
  if (bad) {
    const cp = bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    const position = [...value.slice(0, bad.index)].length + 1;
    return { code: 'text.control', params: { codePoint: `U+${cp}`, position }, detail: `contains a control character (U+${cp}) at position ${position}; type plain text` };
  }
  const length = [...value].length;
  if (length > TEXT_LIMITS[kind]) return { code: 'text.length', params: { length, limit: TEXT_LIMITS[kind] }, detail: `is ${length} characters long; at most ${TEXT_LIMITS[kind]} are allowed` };
  if (/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(value)) return { code: 'text.unicode', params: {}, detail: 'is not valid Unicode text' };
  return null;
}

/** Why a text field was refused, naming the field in domain words (e.g. `visitor name: contains a control character (U+001B)`). */
export function textError(value: string, field: string, kind: TextKind): string | null {
  const p = textProblem(value, kind);
  return p ? `${field}: ${p.detail}` : null;
}
