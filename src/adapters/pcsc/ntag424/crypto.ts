/**
 * AES-128 building blocks of NXP's secure messaging (issue 15), on node:crypto only.
 *
 * Written from the notes: NIST SP 800-38B / RFC 4493 (CMAC), ISO/IEC 9797-1 padding method 2, NXP AN10922 §2.2.1
 * (AES-128 key diversification), and the NTAG 424 DNA datasheet NT4H2421Gx §9.1 (MACt truncation). Nothing here logs:
 * the values are keys, session keys and card UIDs. Checked byte for byte in test/unit/ntag424-vectors.test.ts.
 */
import { createCipheriv, createDecipheriv, timingSafeEqual } from 'node:crypto';

/** AES block (and key) length in bytes. */
export const BLOCK = 16;

/** The 16 zero bytes: the factory key of every NTAG 424 DNA key, and the IV of the authentication. */
export const ZERO_KEY: Buffer = Buffer.alloc(BLOCK);

/** What AN10922 diversification labels our badge keys with (after UID and key number). */
export const BADGE_SYSTEM_IDENTIFIER: Buffer = Buffer.from('pintu/badge', 'ascii');

/** Throws unless `b` is an AES-128 key. */
function checkKey(key: Buffer): void {
  if (key.length !== BLOCK) throw new Error(`AES-128 key must be ${BLOCK} bytes (got ${key.length})`);
}

/** Throws unless `data` is a whole number of AES blocks. */
function checkBlocks(data: Buffer): void {
  if (data.length % BLOCK !== 0) throw new Error(`data must be a multiple of ${BLOCK} bytes (got ${data.length})`);
}

/** E(K, block): one AES-128 block encryption (ECB, one block). */
export function aesEncryptBlock(key: Buffer, block: Buffer): Buffer {
  checkKey(key);
  if (block.length !== BLOCK) throw new Error(`AES block must be ${BLOCK} bytes (got ${block.length})`);
  const c = createCipheriv('aes-128-ecb', key, null);
  c.setAutoPadding(false);
  return Buffer.concat([c.update(block), c.final()]);
}

/** AES-128-CBC encryption without padding (data already padded to whole blocks). */
export function aesCbcEncrypt(key: Buffer, iv: Buffer, data: Buffer): Buffer {
  checkKey(key);
  checkBlocks(data);
  const c = createCipheriv('aes-128-cbc', key, iv);
  c.setAutoPadding(false);
  return Buffer.concat([c.update(data), c.final()]);
}

/** AES-128-CBC decryption without padding removal. */
export function aesCbcDecrypt(key: Buffer, iv: Buffer, data: Buffer): Buffer {
  checkKey(key);
  checkBlocks(data);
  const d = createDecipheriv('aes-128-cbc', key, iv);
  d.setAutoPadding(false);
  return Buffer.concat([d.update(data), d.final()]);
}

/** x·2 in GF(2^128) (RFC 4493 §2.3): shift left one bit, fold the carry with 0x87. */
function double(block: Buffer): Buffer {
  const out = Buffer.alloc(BLOCK);
  for (let i = 0; i < BLOCK; i++) {
    const next = i + 1 < BLOCK ? (block[i + 1] ?? 0) : 0;
    out[i] = (((block[i] ?? 0) << 1) | (next >> 7)) & 0xff;
  }
  if (((block[0] ?? 0) & 0x80) !== 0) out[BLOCK - 1] = (out[BLOCK - 1] ?? 0) ^ 0x87;
  return out;
}

/** The CMAC subkeys of a key (AN10922 steps: K0 = E(K, 0¹²⁸), K1 = K0·2, K2 = K1·2). */
export interface CmacSubkeys {
  /** E(K, 16 zero bytes). */
  k0: Buffer;
  /** Subkey for a complete last block. */
  k1: Buffer;
  /** Subkey for a padded last block. */
  k2: Buffer;
}

/** K0, K1 and K2 of an AES-128 key (NIST SP 800-38B §6.1). */
export function cmacSubkeys(key: Buffer): CmacSubkeys {
  const k0 = aesEncryptBlock(key, ZERO_KEY);
  const k1 = double(k0);
  return { k0, k1, k2: double(k1) };
}

/** Byte-wise XOR of two equal-length buffers. */
export function xor(a: Buffer, b: Buffer): Buffer {
  if (a.length !== b.length) throw new Error('xor of buffers of different lengths');
  const out = Buffer.alloc(a.length);
  for (let i = 0; i < a.length; i++) out[i] = (a[i] ?? 0) ^ (b[i] ?? 0);
  return out;
}

/** ISO/IEC 9797-1 padding method 2: 0x80 then zeros up to a whole block; always adds at least one byte. */
export function padIso9797M2(data: Buffer): Buffer {
  const len = (Math.floor(data.length / BLOCK) + 1) * BLOCK;
  const out = Buffer.alloc(len);
  data.copy(out);
  out[data.length] = 0x80;
  return out;
}

/** Removes ISO/IEC 9797-1 method 2 padding; null when the padding is malformed. */
export function unpadIso9797M2(data: Buffer): Buffer | null {
  if (data.length === 0 || data.length % BLOCK !== 0) return null;
  let i = data.length - 1;
  while (i >= 0 && data[i] === 0x00 && data.length - i <= BLOCK) i--;
  if (i < 0 || data[i] !== 0x80 || data.length - i > BLOCK) return null;
  return data.subarray(0, i);
}

/** CMAC over already-formatted blocks: `last` is XORed with the subkey before the final encryption. */
function cmacBlocks(key: Buffer, blocks: Buffer, subkey: Buffer): Buffer {
  const body = Buffer.from(blocks);
  const lastAt = body.length - BLOCK;
  xor(body.subarray(lastAt), subkey).copy(body, lastAt);
  const chain = aesCbcEncrypt(key, ZERO_KEY, body);
  return chain.subarray(chain.length - BLOCK);
}

/** AES-CMAC (NIST SP 800-38B, RFC 4493): the full 16-byte MAC. */
export function cmac(key: Buffer, message: Buffer): Buffer {
  const { k1, k2 } = cmacSubkeys(key);
  const complete = message.length > 0 && message.length % BLOCK === 0;
  return complete ? cmacBlocks(key, message, k1) : cmacBlocks(key, padIso9797M2(message), k2);
}

/** MACt: the 8 even-numbered bytes (indices 1, 3, …, 15) of a 16-byte CMAC (NT4H2421Gx §9.1.3). */
export function truncateMac(mac: Buffer): Buffer {
  if (mac.length !== BLOCK) throw new Error(`MAC must be ${BLOCK} bytes (got ${mac.length})`);
  return Buffer.from([1, 3, 5, 7, 9, 11, 13, 15].map((i) => mac[i] ?? 0));
}

/** CMAC then MACt: the 8-byte MAC carried in APDUs. */
export function cmacT(key: Buffer, message: Buffer): Buffer {
  return truncateMac(cmac(key, message));
}

/** Constant-time equality of two byte strings (false when the lengths differ). */
export function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** RndB' / RndA': the 16 bytes rotated left by one byte. */
export function rotateLeft1(b: Buffer): Buffer {
  return Buffer.concat([b.subarray(1), b.subarray(0, 1)]);
}

/** The inverse of {@link rotateLeft1}. */
export function rotateRight1(b: Buffer): Buffer {
  return Buffer.concat([b.subarray(b.length - 1), b.subarray(0, b.length - 1)]);
}

/** Every intermediate value of one AN10922 AES-128 diversification (the note prints each). */
export interface An10922Result {
  /** CMAC subkeys of the master key. */
  subkeys: CmacSubkeys;
  /** D = 0x01 ‖ M ‖ padding: always 32 bytes. */
  d: Buffer;
  /** True when M was shorter than 31 bytes and D carries ISO 9797-1 M2 padding (then K2 is used, else K1). */
  padded: boolean;
  /** The diversified AES-128 key = CMAC(master, D) with the last block XORed with K2 (padded) or K1. */
  key: Buffer;
}

/** AN10922 §2.2.1 AES-128 key diversification of `master` with the diversification input M (1–31 bytes). */
export function an10922Diversify(master: Buffer, m: Buffer): An10922Result {
  checkKey(master);
  if (m.length < 1 || m.length > 31) throw new Error(`AN10922 diversification input must be 1–31 bytes (got ${m.length})`);
  const subkeys = cmacSubkeys(master);
  const padded = m.length < 31;
  const d = Buffer.alloc(2 * BLOCK);
  d[0] = 0x01;
  m.copy(d, 1);
  if (padded) d[1 + m.length] = 0x80;
  return { subkeys, d, padded, key: cmacBlocks(master, d, padded ? subkeys.k2 : subkeys.k1) };
}

/**
 * M for a badge key: UID (7 bytes) ‖ key number ‖ ASCII "pintu/badge". The key number keeps the five keys of a card
 * apart; the system identifier keeps pintu's keys apart from any other system diversifying from the same master.
 */
export function badgeDiversificationInput(uid: Buffer, keyNo: number): Buffer {
  if (uid.length !== 7) throw new Error(`badge UID must be 7 bytes (got ${uid.length})`);
  if (!Number.isInteger(keyNo) || keyNo < 0 || keyNo > 4) throw new Error(`key number must be 0–4 (got ${keyNo})`);
  return Buffer.concat([uid, Buffer.from([keyNo]), BADGE_SYSTEM_IDENTIFIER]);
}

/** The AES key of key number `keyNo` on the badge with this UID, diversified from a site master key. */
export function badgeKey(master: Buffer, uid: Buffer, keyNo: number): Buffer {
  return an10922Diversify(master, badgeDiversificationInput(uid, keyNo)).key;
}
