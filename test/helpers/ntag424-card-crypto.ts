/**
 * The card side's own cryptography for the virtual NTAG 424 DNA (test/helpers/ntag424-card.ts), written from the
 * NXP datasheet NT4H2421Gx §9 (secure messaging) and AN12196 on node:crypto alone. It deliberately shares nothing
 * with src/adapters/pcsc/ntag424 (the reader side): the two are checked against each other and against NXP's tables.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';

/** AES block size in bytes. */
export const BLOCK = 16;

/** AES-128 encryption of exactly one 16-byte block (ECB, no padding). */
export function aesBlock(key: Buffer, block: Buffer): Buffer {
  const c = createCipheriv('aes-128-ecb', key, null);
  c.setAutoPadding(false);
  return Buffer.concat([c.update(block), c.final()]);
}

/** AES-128-CBC encryption without padding (data a multiple of 16 bytes). */
export function cbcEncrypt(key: Buffer, iv: Buffer, data: Buffer): Buffer {
  const c = createCipheriv('aes-128-cbc', key, iv);
  c.setAutoPadding(false);
  return Buffer.concat([c.update(data), c.final()]);
}

/** AES-128-CBC decryption without padding (data a multiple of 16 bytes). */
export function cbcDecrypt(key: Buffer, iv: Buffer, data: Buffer): Buffer {
  const d = createDecipheriv('aes-128-cbc', key, iv);
  d.setAutoPadding(false);
  return Buffer.concat([d.update(data), d.final()]);
}

/** Shift a 16-byte value left by one bit (for the CMAC subkeys, NIST SP 800-38B). */
function shiftLeft1(b: Buffer): Buffer {
  const out = Buffer.alloc(b.length);
  for (let i = 0; i < b.length; i++) out[i] = ((b[i]! << 1) | (i + 1 < b.length ? b[i + 1]! >> 7 : 0)) & 0xff;
  return out;
}

/** The CMAC subkey derivation step: L << 1, XOR 0x87 into the last byte if L's top bit was set. */
function nextSubkey(l: Buffer): Buffer {
  const k = shiftLeft1(l);
  if ((l[0]! & 0x80) !== 0) k[BLOCK - 1]! ^= 0x87;
  return k;
}

/** AES-128 CMAC (NIST SP 800-38B), the full 16 bytes. */
export function cmac(key: Buffer, message: Buffer): Buffer {
  const k1 = nextSubkey(aesBlock(key, Buffer.alloc(BLOCK)));
  const k2 = nextSubkey(k1);
  const blocks = Math.max(1, Math.ceil(message.length / BLOCK));
  const complete = message.length > 0 && message.length % BLOCK === 0;
  const last = Buffer.alloc(BLOCK);
  message.copy(last, 0, (blocks - 1) * BLOCK);
  if (!complete) last[message.length - (blocks - 1) * BLOCK] = 0x80;
  const sub = complete ? k1 : k2;
  for (let i = 0; i < BLOCK; i++) last[i]! ^= sub[i]!;
  let x: Buffer = Buffer.alloc(BLOCK);
  for (let b = 0; b < blocks; b++) {
    const m = b === blocks - 1 ? last : message.subarray(b * BLOCK, (b + 1) * BLOCK);
    const y = Buffer.alloc(BLOCK);
    for (let i = 0; i < BLOCK; i++) y[i] = x[i]! ^ m[i]!;
    x = aesBlock(key, y);
  }
  return x;
}

/** MACt: the 8 even-numbered bytes S14…S0 of a CMAC (0-based indices 1, 3, …, 15; datasheet §9.1.9). */
export function truncateMac(full: Buffer): Buffer {
  const out = Buffer.alloc(8);
  for (let i = 0; i < 8; i++) out[i] = full[2 * i + 1]!;
  return out;
}

/** MACt of a message under a session MAC key. */
export function macT(key: Buffer, message: Buffer): Buffer {
  return truncateMac(cmac(key, message));
}

/** ISO/IEC 9797-1 padding method 2: append 0x80 then zeros to the next multiple of 16 (always at least one byte). */
export function padM2(data: Buffer): Buffer {
  const len = (Math.floor(data.length / BLOCK) + 1) * BLOCK;
  const out = Buffer.alloc(len);
  data.copy(out);
  out[data.length] = 0x80;
  return out;
}

/** Remove ISO/IEC 9797-1 method 2 padding; null when the padding is malformed. */
export function unpadM2(data: Buffer): Buffer | null {
  let i = data.length - 1;
  while (i >= 0 && data[i] === 0x00) i--;
  if (i < 0 || data[i] !== 0x80 || data.length - i > BLOCK) return null;
  return data.subarray(0, i);
}

/** Rotate a buffer left by one byte (RndA', RndB' of the authentication). */
export function rotateLeft(b: Buffer): Buffer {
  return Buffer.concat([b.subarray(1), b.subarray(0, 1)]);
}

/** XOR two buffers of the same length. */
export function xor(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.alloc(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}

/** The AuthenticateEV2First session vector with the given 2-byte label (A5 5A for SV1, 5A A5 for SV2), datasheet §9.1.7. */
export function sessionVector(label: Buffer, rndA: Buffer, rndB: Buffer): Buffer {
  return Buffer.concat([
    label,
    Buffer.from([0x00, 0x01, 0x00, 0x80]),
    rndA.subarray(0, 2),
    xor(rndA.subarray(2, 8), rndB.subarray(0, 6)),
    rndB.subarray(6, 16),
    rndA.subarray(8, 16),
  ]);
}

/** SV1 (for SesAuthENCKey) of an AuthenticateEV2First. */
export function sv1(rndA: Buffer, rndB: Buffer): Buffer {
  return sessionVector(Buffer.from([0xa5, 0x5a]), rndA, rndB);
}

/** SV2 (for SesAuthMACKey) of an AuthenticateEV2First. */
export function sv2(rndA: Buffer, rndB: Buffer): Buffer {
  return sessionVector(Buffer.from([0x5a, 0xa5]), rndA, rndB);
}

/** CmdCtr as the 2 little-endian bytes secure messaging puts in IVs and MAC inputs. */
export function counterBytes(cmdCtr: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(cmdCtr);
  return b;
}

/** The IV of an encrypted command (label A5 5A) or response (label 5A A5): E(SesAuthENCKey, label ‖ TI ‖ CmdCtr ‖ 0^8). */
export function messageIv(encKey: Buffer, label: 'command' | 'response', ti: Buffer, cmdCtr: number): Buffer {
  const head = label === 'command' ? [0xa5, 0x5a] : [0x5a, 0xa5];
  return aesBlock(encKey, Buffer.concat([Buffer.from(head), ti, counterBytes(cmdCtr), Buffer.alloc(8)]));
}

const CRC_TABLE = ((): Uint32Array => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC32 as ChangeKey carries it for the new key: the IEEE 802.3 polynomial, preset FFFFFFFF, no final inversion, little-endian. */
export function changeKeyCrc(data: Buffer): Buffer {
  let c = 0xffffffff;
  for (const byte of data) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  const out = Buffer.alloc(4);
  out.writeUInt32LE(c >>> 0);
  return out;
}
