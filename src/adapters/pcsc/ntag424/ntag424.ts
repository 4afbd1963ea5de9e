/**
 * The NTAG 424 DNA commands pintu sends (issue 15), as ISO 7816-4 wrapped native commands over a {@link CardChannel}:
 * ISOSelectFile of the NDEF application, GetKeyVersion, AuthenticateEV2First, GetCardUID and ChangeKey of key 0.
 * Written from NT4H2421Gx §10 and AN12196. Card UIDs and keys are never logged.
 *
 * A card's answer that does not fit turns into a {@link CardAnswerError} naming the {@link ProofFailure} it amounts
 * to; anything the channel itself throws (card removed, timeout) propagates unchanged, and an answer without a status
 * word throws {@link NoCardAnswerError} (the card is gone, not wrong).
 */
import type { ProofFailure } from '../../../domain/badge-proof.js';
import { BLOCK } from './crypto.js';
import { Ev2Error, Ev2Session, authPart2, finishAuth, wrapNative } from './ev2.js';

/** One card in the reader's field: send an APDU, get the R-APDU (data ‖ SW1 SW2). */
export interface CardChannel {
  /** Sends one command APDU and resolves with the card's whole answer; rejects when the card is gone or silent. */
  transmit(apdu: Buffer): Promise<Buffer>;
}

/** The card answered, but not as a genuine, keyed NTAG 424 DNA would. */
export class CardAnswerError extends Error {
  /** What this answer means for the proof. */
  readonly why: ProofFailure;
  /** An error naming the command and what was wrong (no UID, no key). */
  constructor(why: ProofFailure, message: string) {
    super(message);
    this.name = 'CardAnswerError';
    this.why = why;
  }
}

/** The DF name of the NTAG 424 DNA application (NT4H2421Gx §8.2.2). */
export const NTAG424_DF_NAME: Buffer = Buffer.from('D2760000850101', 'hex');

/** ISOSelectFile by DF name, no FCI: 00 A4 04 0C 07 D2760000850101 00. */
export const SELECT_NTAG424_APP: Buffer = Buffer.concat([Buffer.from([0x00, 0xa4, 0x04, 0x0c, NTAG424_DF_NAME.length]), NTAG424_DF_NAME, Buffer.from([0x00])]);

/** Native command codes used here. */
const INS = { getKeyVersion: 0x64, authFirst: 0x71, additionalFrame: 0xaf, getCardUid: 0x51, changeKey: 0xc4 } as const;

/**
 * An R-APDU without even a status word: no card sends that, the transport lost the card (a reader or vpcd may hand
 * back an empty answer when the card leaves the field). Thrown like a channel error, so it means "no tap", not a
 * failed proof (a card pulled away must not raise a clone alarm).
 */
export class NoCardAnswerError extends Error {
  /** An error naming the command that got no answer. */
  constructor(message: string) {
    super(message);
    this.name = 'NoCardAnswerError';
  }
}

/** SW1 SW2 of an R-APDU as one number, and its data. */
function split(resp: Buffer, what: string): { sw: number; data: Buffer } {
  if (resp.length < 2) throw new NoCardAnswerError(`${what}: the card gave no answer (${resp.length} bytes, no status word)`);
  return { sw: resp.readUInt16BE(resp.length - 2), data: resp.subarray(0, resp.length - 2) };
}

/** The status word in hex, for messages. */
function hexSw(sw: number): string {
  return sw.toString(16).toUpperCase().padStart(4, '0');
}

/** A status saying the card does not know the command at all (ISO 6D00/6E00, native 91 1C): not an NTAG 424 DNA. */
function refusesCommandSet(sw: number): boolean {
  return sw === 0x6d00 || sw === 0x6e00 || sw === 0x911c;
}

/** Selects the NTAG 424 DNA application; a card without it is 'not-secure-card'. */
export async function selectApplication(ch: CardChannel): Promise<void> {
  const { sw } = split(await ch.transmit(SELECT_NTAG424_APP), 'ISOSelectFile');
  if (sw !== 0x9000) throw new CardAnswerError('not-secure-card', `ISOSelectFile of the NTAG 424 DNA application answered ${hexSw(sw)}`);
}

/** GetKeyVersion in CommMode.Plain (before authentication): the key's version, 0x00 on a factory card. */
export async function getKeyVersion(ch: CardChannel, keyNo: number): Promise<number> {
  const { sw, data } = split(await ch.transmit(wrapNative(INS.getKeyVersion, Buffer.from([keyNo]))), 'GetKeyVersion');
  if (sw !== 0x9100) throw new CardAnswerError(refusesCommandSet(sw) ? 'not-secure-card' : 'protocol', `GetKeyVersion answered ${hexSw(sw)}`);
  if (data.length !== 1) throw new CardAnswerError('protocol', `GetKeyVersion answered ${data.length} data bytes, not 1`);
  return data[0] ?? 0;
}

/**
 * AuthenticateEV2First with key `keyNo` (LenCap 00: no PCD capabilities). `rndA` is the reader's fresh 16-byte
 * challenge. A card that refuses part 2 (91 AE) or answers with another RndA' did not prove the key: 'wrong-key'.
 */
export async function authenticateEv2First(ch: CardChannel, keyNo: number, key: Buffer, rndA: Buffer): Promise<Ev2Session> {
  const first = split(await ch.transmit(wrapNative(INS.authFirst, Buffer.from([keyNo, 0x00]))), 'AuthenticateEV2First part 1');
  if (first.sw !== 0x91af) throw new CardAnswerError(refusesCommandSet(first.sw) ? 'not-secure-card' : 'protocol', `AuthenticateEV2First part 1 answered ${hexSw(first.sw)}`);
  if (first.data.length !== BLOCK) throw new CardAnswerError('protocol', `AuthenticateEV2First part 1 answered ${first.data.length} bytes, not 16`);
  const p2 = authPart2(key, first.data, rndA);
  const second = split(await ch.transmit(wrapNative(INS.additionalFrame, p2.cryptogram)), 'AuthenticateEV2First part 2');
  if (second.sw === 0x91ae) throw new CardAnswerError('wrong-key', 'AuthenticateEV2First part 2: the card refused our proof (91AE)');
  if (second.sw !== 0x9100) throw new CardAnswerError('protocol', `AuthenticateEV2First part 2 answered ${hexSw(second.sw)}`);
  if (second.data.length !== 2 * BLOCK) throw new CardAnswerError('protocol', `AuthenticateEV2First part 2 answered ${second.data.length} bytes, not 32`);
  try {
    return finishAuth(key, rndA, p2.rndB, second.data).session;
  } catch (err) {
    if (err instanceof Ev2Error) throw new CardAnswerError(err.kind === 'auth' ? 'wrong-key' : 'protocol', `AuthenticateEV2First: ${err.message}`);
    throw err;
  }
}

/** Checks a 91 00 answer carrying response data ‖ MACt in the session; anything else is 'protocol'. */
function acceptSecured(session: Ev2Session, resp: Buffer, mode: 'mac' | 'full', what: string): Buffer {
  const { sw, data } = split(resp, what);
  if (sw !== 0x9100) throw new CardAnswerError('protocol', `${what} answered ${hexSw(sw)}`);
  try {
    return session.acceptResponse(data, mode).data;
  } catch (err) {
    if (err instanceof Ev2Error) throw new CardAnswerError('protocol', `${what}: ${err.message}`);
    throw err;
  }
}

/** GetCardUID in CommMode.Full: the card's real UID (7 bytes), read over the secure channel. */
export async function getCardUid(ch: CardChannel, session: Ev2Session): Promise<Buffer> {
  const cmd = session.fullCommand(INS.getCardUid, Buffer.alloc(0), Buffer.alloc(0));
  const uid = acceptSecured(session, await ch.transmit(cmd.apdu), 'full', 'GetCardUID');
  if (uid.length !== 7) throw new CardAnswerError('protocol', `GetCardUID returned ${uid.length} bytes, not a 7-byte UID`);
  return uid;
}

/**
 * ChangeKey of key 0, the key the session was authenticated with (CommMode.Full, header = KeyNo 00, data = NewKey ‖
 * KeyVer, padded). The card ends the session on success and answers a bare 91 00, without a MAC (NT4H2421Gx §10.6.1).
 */
export async function changeKey0(ch: CardChannel, session: Ev2Session, newKey: Buffer, keyVersion: number): Promise<void> {
  if (newKey.length !== BLOCK) throw new Error(`new key must be ${BLOCK} bytes (got ${newKey.length})`);
  if (!Number.isInteger(keyVersion) || keyVersion < 0 || keyVersion > 255) throw new Error(`key version must be 0–255 (got ${keyVersion})`);
  const cmd = session.fullCommand(INS.changeKey, Buffer.from([0x00]), Buffer.concat([newKey, Buffer.from([keyVersion])]));
  const { sw, data } = split(await ch.transmit(cmd.apdu), 'ChangeKey');
  if (sw !== 0x9100) throw new CardAnswerError('protocol', `ChangeKey answered ${hexSw(sw)}`);
  if (data.length !== 0) throw new CardAnswerError('protocol', `ChangeKey of the authenticated key answered ${data.length} data bytes, not none`);
  session.cmdCtr = (session.cmdCtr + 1) & 0xffff;
}
