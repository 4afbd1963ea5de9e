/**
 * What a door reader proved about a card, and the rules that turn a missing or failed proof into a refusal
 * (issue 15). Pure: decide() calls {@link proofRefusal} before it looks at visits or officers.
 *
 * A secure reader (`readers[].secure: ntag424`) authenticates an NTAG 424 DNA badge with AES (AuthenticateEV2First,
 * a key diversified from the site's badge master key with the card's UID) and reads the card's UID again over the
 * secure channel (GetCardUID). A plain reader (EM4100, or PC/SC without `secure`) only reads a UID anyone can copy.
 */
import type { DenyReason } from './types.js';

/** Why a card did not prove it holds its site key. */
export type ProofFailure =
  /** AuthenticateEV2First failed: the card does not know the key diversified for this UID (a clone, or a foreign card). */
  | 'wrong-key'
  /** The card is no NTAG 424 DNA (no such application, or it refused the command set). */
  | 'not-secure-card'
  /** The card claims a key version the site never had (or deleted). */
  | 'unknown-key-version'
  /** GetCardUID over the secure channel named another UID than the anticollision UID. */
  | 'uid-mismatch'
  /** The card still has its factory key (never enrolled, or reset). */
  | 'factory-key'
  /** A malformed answer, a bad MAC in a response, or an unexpected status word. */
  | 'protocol';

/** All proof failures. */
export const PROOF_FAILURES: readonly ProofFailure[] = ['wrong-key', 'not-secure-card', 'unknown-key-version', 'uid-mismatch', 'factory-key', 'protocol'];

/** What the reader proved about a card beyond reading its UID. */
export type CardProof =
  /** Only the UID was read (EM4100, or a PC/SC reader without `secure`): anyone with a copier can present it. */
  | { kind: 'uid-only' }
  /** The card proved it holds the key diversified for its UID under site key version `keyVersion`. */
  | {
      kind: 'authenticated';
      /** The key version the card holds (1–255). */
      keyVersion: number;
      /** That version is still accepted at the door (false: rotated out, the badge must be re-enrolled at the desk). */
      keyAccepted: boolean;
    }
  /** The card did not prove it. */
  | {
      kind: 'failed';
      /** Why not. */
      why: ProofFailure;
    };

/** What the store knows about a card's enrolment (null: a plain badge, known by UID alone, or no badge at all). */
export interface SecureBadge {
  /** Card UID (upper-case hex, 7 bytes for NTAG 424 DNA). */
  uid: string;
  /** Key version written at the last enrolment. */
  keyVersion: number;
  /** Whose card: the visitor-badge pool or an officer's own badge. */
  holder: 'pool' | 'officer';
  /** When it was enrolled (ms). */
  enrolledAt: number;
}

/** Everything {@link proofRefusal} looks at. */
export interface ProofCheck {
  /** The card's enrolment record, or null when it has none. */
  enrolled: SecureBadge | null;
  /** What the reader proved (absent on the tap: `uid-only`; from a reader that is not `secure`, counted as `uid-only`). */
  proof: CardProof;
  /** The reader authenticates cards (`secure: ntag424`). */
  readerSecure: boolean;
  /** Whose card the UID names, if anyone's. */
  holder: 'visitor' | 'officer' | 'unknown';
  /** `badges.visitorsNeedSecureReader`: visitors are refused at readers that only read UIDs. */
  visitorsNeedSecureReader: boolean;
}

/**
 * The refusal a card's proof (or its absence) calls for, or null when the tap may go on to the visit and officer rules.
 * - An enrolled card must authenticate, with an accepted key version no older than its enrolment's, at a secure
 *   reader: anything else is `clone-suspected` (alarm), or `badge-key-retired` when it authenticated with a version
 *   rotated out. A proof reported
 *   by a reader the site did not declare secure counts for nothing (the config, not the reader, says what may open).
 * - At a secure reader a card that is not enrolled is refused (`insecure-badge`), whoever it belongs to; an unknown
 *   card falls through to `unknown-badge`.
 * - At a plain reader a visitor is refused (`insecure-reader`) when the site asks for it.
 */
export function proofRefusal(c: ProofCheck): DenyReason | null {
  if (c.enrolled) {
    if (!c.readerSecure || c.proof.kind !== 'authenticated') return 'clone-suspected';
    if (!c.proof.keyAccepted) return 'badge-key-retired';
    // Enrolment only moves a card on to the current version (rotations number upwards), and records it: a card proving
    // an older version than that is not the badge but a copy made with its former key, even while that version is accepted.
    return c.proof.keyVersion < c.enrolled.keyVersion ? 'clone-suspected' : null;
  }
  if (c.holder === 'unknown') return null;
  if (c.readerSecure) return 'insecure-badge';
  if (c.holder === 'visitor' && c.visitorsNeedSecureReader) return 'insecure-reader';
  return null;
}

/**
 * Whether a card tapped on the desk reader must be refused as the enrolled badge its UID names (issue 15): a desk
 * reader that authenticates cards (`secure: ntag424`) counts a tap of an enrolled UID as that badge only when the card
 * passes the door's own rule ({@link proofRefusal} at a secure reader). A key version rotated out is fine here (the
 * card is genuine, only old: it comes back or is re-keyed at the desk). A desk reader that reads UIDs only cannot
 * tell, and cards that are not enrolled are not its to judge: both keep the UID-only desk (false).
 */
export function deskTapUnproven(c: { enrolled: SecureBadge | null; proof: CardProof | undefined; deskSecure: boolean }): boolean {
  if (!c.deskSecure || !c.enrolled) return false;
  const refusal = proofRefusal({
    enrolled: c.enrolled, proof: c.proof ?? { kind: 'uid-only' }, readerSecure: true,
    holder: c.enrolled.holder === 'officer' ? 'officer' : 'visitor', visitorsNeedSecureReader: false,
  });
  return refusal !== null && refusal !== 'badge-key-retired';
}
