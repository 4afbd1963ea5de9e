/**
 * Card UIDs (officer badges, visitor badges, KTP chips): one rule for what the readers deliver and what officers
 * type. A UID is 2 to 16 whole bytes written as upper-case hex ("04A1B2C3D4E5F6"); a typed UID may use either case
 * and separate its bytes with spaces, ":" or "-". Readers build the canonical form directly (no work on the tap
 * path); everything typed goes through `checkUid`. Pure.
 */

/** Fewest bytes in a card UID (the shortest real ones, ISO 14443 single size, have 4; test cards use 2). */
export const UID_MIN_BYTES = 2;
/** Most bytes in a card UID (what a PC/SC reader may answer to GET UID). */
export const UID_MAX_BYTES = 16;
/** The rule in words, for messages. */
export const UID_RULE = `${UID_MIN_BYTES * 2}-${UID_MAX_BYTES * 2} hexadecimal characters, whole bytes (e.g. 0A1B2C3D4E; ":", "-" and spaces are ignored)`;

/** A UID in canonical form, or what is wrong with the input (never repeating it: it may be most of a real UID). */
export type UidCheck = { ok: true; uid: string } | { ok: false; problem: string };

/** Separators a typed UID may contain between its bytes. */
const SEPARATORS = /[\s:-]/g;

/** Normalise a typed or read UID to upper-case hex, or say what is wrong with it. */
export function checkUid(input: string): UidCheck {
  const uid = input.replace(SEPARATORS, '').toUpperCase();
  const bad = uid.search(/[^0-9A-F]/);
  if (uid.length === 0) return { ok: false, problem: 'it is empty' };
  if (bad >= 0) return { ok: false, problem: `character ${bad + 1} is not a hex digit` };
  if (uid.length % 2 !== 0) return { ok: false, problem: `it has an odd number (${uid.length}) of hex digits` };
  if (uid.length < UID_MIN_BYTES * 2) return { ok: false, problem: `it is shorter than ${UID_MIN_BYTES} bytes` };
  if (uid.length > UID_MAX_BYTES * 2) return { ok: false, problem: `it is longer than ${UID_MAX_BYTES} bytes` };
  return { ok: true, uid };
}

/** The canonical form of a UID, or null when the input is not one. */
export function normalizeUid(input: string): string | null {
  const r = checkUid(input);
  return r.ok ? r.uid : null;
}

/** Is `uid` already in canonical form (what a reader must deliver)? */
export function isCanonicalUid(uid: string): boolean {
  return normalizeUid(uid) === uid;
}

/**
 * Whether a UID is an ISO/IEC 14443-3 random ID: a single-size (4-byte) UID whose first byte is 0x08 is made up anew
 * at every power-up (NXP AN10927, "random UID"), so it names no card — such a card can never be a badge, and a KTP that
 * answers one cannot be linked by its chip (the officer records it by hand). Takes a canonical or typed UID.
 */
export function isRandomUid(uid: string): boolean {
  const u = normalizeUid(uid);
  return u !== null && u.length === 8 && u.startsWith('08');
}

/** Why a random UID is refused, in words (for the CLI and the app's messages; the console has its own catalogue text). */
export const RANDOM_UID_PROBLEM = 'this card gives a random UID (ISO 14443, 4 bytes starting 08): it changes at every tap and cannot identify the card';
