/**
 * A minimal PCD (reader side) for testing the virtual NTAG 424 DNA itself: select, AuthenticateEV2First, secure-messaging
 * commands, built on the card helper's crypto. It is NOT the product's reader (src/adapters/pcsc/ntag424), which is
 * tested against NXP's tables on its own; this one only exercises the card in unit and vpcd tests.
 */
import { randomBytes } from 'node:crypto';
import { cbcDecrypt, cbcEncrypt, cmac, counterBytes, macT, messageIv, padM2, rotateLeft, sv1, sv2, unpadM2 } from './ntag424-card-crypto.js';
import type { Ntag424CardSession } from './ntag424-card.js';

/** ISOSelectFile of the NTAG 424 DNA NDEF application by DF name. */
export const SELECT_NDEF_APP = Buffer.from('00A4040C07D276000085010100', 'hex');

/** Sends one C-APDU and returns the R-APDU (sync for unit tests, async through PC/SC). */
export type Transmit = (apdu: Buffer) => Buffer | Promise<Buffer>;

/** The status word of an R-APDU in upper-case hex. */
export function statusOf(rapdu: Buffer): string {
  return rapdu.subarray(-2).toString('hex').toUpperCase();
}

/** AuthenticateEV2First part 1 for key `keyNo` (no PCDcap2). */
export function authFirstApdu(keyNo: number): Buffer {
  return Buffer.from([0x90, 0x71, 0x00, 0x00, 0x02, keyNo, 0x00, 0x00]);
}

/** Authenticate with `key` (after a SELECT): the session the PCD derived, or the failing status word. */
export async function authenticate(transmit: Transmit, keyNo: number, key: Buffer): Promise<Ntag424CardSession | string> {
  const zero = Buffer.alloc(16);
  const first = await transmit(authFirstApdu(keyNo));
  if (statusOf(first) !== '91AF' || first.length !== 18) return statusOf(first);
  const rndB = cbcDecrypt(key, zero, first.subarray(0, 16));
  const rndA = randomBytes(16);
  const part2 = cbcEncrypt(key, zero, Buffer.concat([rndA, rotateLeft(rndB)]));
  const second = await transmit(Buffer.concat([Buffer.from('90AF000020', 'hex'), part2, Buffer.from([0x00])]));
  if (statusOf(second) !== '9100' || second.length !== 34) return statusOf(second);
  const plain = cbcDecrypt(key, zero, second.subarray(0, 32));
  if (!plain.subarray(4, 20).equals(rotateLeft(rndA))) return 'RndA mismatch';
  return { keyNo, ti: plain.subarray(0, 4), cmdCtr: 0, encKey: cmac(key, sv1(rndA, rndB)), macKey: cmac(key, sv2(rndA, rndB)) };
}

/** A CommMode.MAC (plain = null) or CommMode.Full command in session `s`; advances the session's counter. */
export function secureApdu(s: Ntag424CardSession, ins: number, header: Buffer, plain: Buffer | null): Buffer {
  const enc = plain ? cbcEncrypt(s.encKey, messageIv(s.encKey, 'command', s.ti, s.cmdCtr), padM2(plain)) : Buffer.alloc(0);
  const mac = macT(s.macKey, Buffer.concat([Buffer.from([ins]), counterBytes(s.cmdCtr), s.ti, header, enc]));
  s.cmdCtr++;
  const data = Buffer.concat([header, enc, mac]);
  return Buffer.concat([Buffer.from([0x90, ins, 0x00, 0x00, data.length]), data, Buffer.from([0x00])]);
}

/** Check a response's MACt (counter already advanced) and return its data part; null when the MAC is wrong. */
export function checkResponseMac(s: Ntag424CardSession, rapdu: Buffer): Buffer | null {
  const data = rapdu.subarray(0, rapdu.length - 10);
  const mac = rapdu.subarray(rapdu.length - 10, rapdu.length - 2);
  const expected = macT(s.macKey, Buffer.concat([Buffer.from([0x00]), counterBytes(s.cmdCtr), s.ti, data]));
  return expected.equals(mac) ? data : null;
}

/** GetCardUID in session `s`: the UID the card reports, or the failing status / 'bad MAC' / 'bad padding'. */
export async function getCardUid(transmit: Transmit, s: Ntag424CardSession): Promise<Buffer | string> {
  const r = await transmit(secureApdu(s, 0x51, Buffer.alloc(0), null));
  if (statusOf(r) !== '9100' || r.length !== 26) return statusOf(r);
  const data = checkResponseMac(s, r);
  if (!data) return 'bad MAC';
  return unpadM2(cbcDecrypt(s.encKey, messageIv(s.encKey, 'response', s.ti, s.cmdCtr), data)) ?? 'bad padding';
}
