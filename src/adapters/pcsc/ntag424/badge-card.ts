/**
 * What pintu does with an NTAG 424 DNA badge (issue 15): prove it at the door, key it at the desk, reset it.
 *
 * Only key 0 (the application master key) is used: it is diversified per card from the site's badge master key of
 * a key version (AN10922, M = UID ‖ 00 ‖ "pintu/badge") and its key version on the card names the site key version.
 * Keys 1–4 keep their factory values and grant nothing here. Card UIDs and keys are never logged.
 *
 * A card answer that does not prove the badge becomes a {@link CardProof} failure (door) or a
 * {@link CardAnswerError} (desk); anything the channel throws (card removed, timeout) propagates unchanged, so the
 * reader can report "present the card again" rather than a refusal.
 */
import { randomBytes as cryptoRandomBytes } from 'node:crypto';
import type { CardProof } from '../../../domain/badge-proof.js';
import type { BadgeKeyring } from '../../../ports/badge-keys.js';
import type { EnrolledCard } from '../../../ports/hardware.js';
import { ZERO_KEY, badgeKey } from './crypto.js';
import { CardAnswerError, type CardChannel, authenticateEv2First, changeKey0, getCardUid, getKeyVersion, selectApplication } from './ntag424.js';

/** The channel and the two card errors, for the readers that call the operations below. */
export { CardAnswerError, NoCardAnswerError, type CardChannel } from './ntag424.js';

/** Options of the card operations (tests fix the reader's challenge). */
export interface CardOptions {
  /** Source of RndA; default node:crypto randomBytes (fresh for every authentication). */
  randomBytes?: (n: number) => Buffer;
  /**
   * Enrolment: the UID is enrolled already, so a card showing it with the factory key is a copy, refused before the
   * authentication (the key written to it would be the enrolled badge's own key, readable by a card emulator).
   */
  refuseFactoryKey?: boolean;
}

/** The keys a card operation may use: key 0 of a card per site key version. */
export interface CardKeys {
  /** The key version enrolment writes. */
  current: number;
  /** Key 0 of the card with this UID at site key version `version` (≥ 1), or null when the site has no such version. */
  key(version: number, uid: Buffer): Buffer | null;
  /** Whether a card holding this version still opens the door. */
  accepted(version: number): boolean;
}

/** The {@link CardKeys} of a site keyring: key 0 diversified from the version's master key with the card's UID. */
export function keyringCardKeys(keyring: BadgeKeyring): CardKeys {
  return {
    current: keyring.current,
    key(version, uid) {
      const master = keyring.master(version);
      return master ? badgeKey(master, uid, 0) : null;
    },
    accepted: (version) => keyring.accepted(version),
  };
}

/** The anticollision UID as 7 bytes, or null (4-byte random UID, 10-byte UID, not hex). */
function sevenByteUid(uidHex: string): Buffer | null {
  return /^[0-9a-fA-F]{14}$/.test(uidHex) ? Buffer.from(uidHex, 'hex') : null;
}

/** A channel that counts the APDUs sent through it. */
function counting(ch: CardChannel): { ch: CardChannel; count: () => number } {
  let n = 0;
  return {
    ch: {
      transmit(apdu) {
        n++;
        return ch.transmit(apdu);
      },
    },
    count: () => n,
  };
}

/** Selects the application, reads key 0's version and authenticates with that version's key; returns the session. */
async function openKeyed(ch: CardChannel, uid: Buffer, keys: CardKeys, rnd: (n: number) => Buffer) {
  await selectApplication(ch);
  const keyVersion = await getKeyVersion(ch, 0);
  if (keyVersion === 0) throw new CardAnswerError('factory-key', 'the card still has its factory key (key version 0)');
  const key = keys.key(keyVersion, uid);
  if (!key) throw new CardAnswerError('unknown-key-version', `the card holds key version ${keyVersion}, which the site does not have`);
  const session = await authenticateEv2First(ch, 0, key, rnd(16));
  return { keyVersion, session };
}

/** Reads the UID over the secure channel and checks it is the anticollision UID. */
async function realUid(ch: CardChannel, session: Awaited<ReturnType<typeof openKeyed>>['session'], uid: Buffer): Promise<Buffer> {
  const real = await getCardUid(ch, session);
  if (!real.equals(uid)) throw new CardAnswerError('uid-mismatch', 'GetCardUID named another UID than the anticollision UID');
  return real;
}

/**
 * The door's proof with explicit {@link CardKeys} (the steps of {@link proveBadge}); exported so that the published
 * worked examples, whose keys are not diversified, can be replayed through the same code.
 */
export async function proveCard(ch: CardChannel, uidHex: string, keys: CardKeys, opts: CardOptions = {}): Promise<{ proof: CardProof; apdus: number }> {
  const uid = sevenByteUid(uidHex);
  if (!uid) return { proof: { kind: 'failed', why: 'not-secure-card' }, apdus: 0 };
  const counted = counting(ch);
  try {
    const { keyVersion, session } = await openKeyed(counted.ch, uid, keys, opts.randomBytes ?? cryptoRandomBytes);
    await realUid(counted.ch, session, uid);
    return { proof: { kind: 'authenticated', keyVersion, keyAccepted: keys.accepted(keyVersion) }, apdus: counted.count() };
  } catch (err) {
    if (err instanceof CardAnswerError) return { proof: { kind: 'failed', why: err.why }, apdus: counted.count() };
    throw err;
  }
}

/**
 * Proves an NTAG 424 DNA badge at the door, given the UID the reader read by anticollision (GET DATA):
 * select the application, read key 0's version (0: factory), AuthenticateEV2First with key 0 diversified for that
 * UID under that site key version (fresh RndA), then GetCardUID over the secure channel (must name the same UID).
 * Card answers map to a failed proof; channel errors (card gone, timeout) are rethrown unchanged.
 */
export function proveBadge(ch: CardChannel, uidHex: string, keyring: BadgeKeyring, opts: CardOptions = {}): Promise<{ proof: CardProof; apdus: number }> {
  return proveCard(ch, uidHex, keyringCardKeys(keyring), opts);
}

/** Enrolment with explicit {@link CardKeys} (see {@link enrollCard}). */
export async function enrollWithKeys(ch: CardChannel, uidHex: string, keys: CardKeys, opts: CardOptions = {}): Promise<EnrolledCard> {
  const uid = sevenByteUid(uidHex);
  if (!uid) throw new CardAnswerError('not-secure-card', 'the card shows no 7-byte UID (a random UID is refused: the door could not diversify its key)');
  const rnd = opts.randomBytes ?? cryptoRandomBytes;
  await selectApplication(ch);
  const previousKeyVersion = await getKeyVersion(ch, 0);
  if (previousKeyVersion === 0 && opts.refuseFactoryKey) {
    throw new CardAnswerError('factory-key', 'this card shows the UID of an enrolled badge but holds the factory key: an enrolled badge holds a site key, so this is a copy of its UID; nothing was written to it');
  }
  const oldKey = previousKeyVersion === 0 ? ZERO_KEY : keys.key(previousKeyVersion, uid);
  if (!oldKey) throw new CardAnswerError('unknown-key-version', `the card holds key version ${previousKeyVersion}, which the site does not have`);
  const session = await authenticateEv2First(ch, 0, oldKey, rnd(16));
  const real = await realUid(ch, session, uid);
  const newKey = keys.key(keys.current, real);
  if (!newKey) throw new Error(`the site keyring has no master key for its current version ${keys.current}`);
  await changeKey0(ch, session, newKey, keys.current);
  return { uid: real.toString('hex').toUpperCase(), keyVersion: keys.current, previousKeyVersion };
}

/**
 * Keys a badge at the desk: a factory card (key version 0, authenticated with the zero key) or a badge holding a site
 * key version (current or older, authenticated with that version's key) gets key 0 = the current version's key
 * diversified with its real UID (GetCardUID), and key version = the current version.
 * Throws {@link CardAnswerError} for a card that cannot be keyed; channel errors propagate unchanged.
 */
export function enrollCard(ch: CardChannel, uidHex: string, keyring: BadgeKeyring, opts: CardOptions = {}): Promise<EnrolledCard> {
  return enrollWithKeys(ch, uidHex, keyringCardKeys(keyring), opts);
}

/** Reset with explicit {@link CardKeys} (see {@link resetCard}). */
export async function resetWithKeys(ch: CardChannel, uidHex: string, keys: CardKeys, opts: CardOptions = {}): Promise<{ uid: string; previousKeyVersion: number }> {
  const uid = sevenByteUid(uidHex);
  if (!uid) throw new CardAnswerError('not-secure-card', 'the card shows no 7-byte UID');
  const { keyVersion, session } = await openKeyed(ch, uid, keys, opts.randomBytes ?? cryptoRandomBytes);
  const real = await realUid(ch, session, uid);
  await changeKey0(ch, session, ZERO_KEY, 0);
  return { uid: real.toString('hex').toUpperCase(), previousKeyVersion: keyVersion };
}

/**
 * Takes a badge out of the site's use: authenticates with its site key, then puts key 0 back to the factory value
 * (16 zero bytes, key version 0). A factory card is refused ('factory-key'). Channel errors propagate unchanged.
 */
export function resetCard(ch: CardChannel, uidHex: string, keyring: BadgeKeyring, opts: CardOptions = {}): Promise<{ uid: string; previousKeyVersion: number }> {
  return resetWithKeys(ch, uidHex, keyringCardKeys(keyring), opts);
}
