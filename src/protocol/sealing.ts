/**
 * Sealing personal data to one door (issue 14 item 5): the centre encrypts a command's personal fields (name, NIK,
 * phone, free text) to the door's X25519 public key, sealed-box style, so the broker, its logs and anything between
 * see only ciphertext (TLS protects the hop, not the broker). An ephemeral X25519 key agrees a secret with the door's
 * key; HKDF-SHA256 (salt: both public keys) makes the AES-256-GCM key; the additional data binds the ciphertext to one
 * site, door, command id and action, so a sealed blob cannot be replayed into another command or door. The door's
 * public key travels in its signed status (`sealKey`); loading and storing its private key is the adapters' job.
 * Text form: `s1.` + base64(ephemeral public key 32 | nonce 12 | tag 16 | ciphertext).
 */
import { createCipheriv, createDecipheriv, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';

/** Prefix of a sealed text (version 1 of the format). */
export const SEALED_PREFIX = 's1.';
const INFO = Buffer.from('pintu/seal/v1', 'utf8');

/** Base64 of the 32 raw bytes of an X25519 public key. */
export function sealKeyToText(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' });
  if (key.asymmetricKeyType !== 'x25519' || !jwk.x) throw new Error('not an X25519 public key');
  return Buffer.from(jwk.x, 'base64url').toString('base64');
}

/** Parse an X25519 public key given as base64 of its 32 raw bytes; throws with a readable message. */
export function sealKeyFromText(text: string): KeyObject {
  const t = text.trim();
  const raw = Buffer.from(t, 'base64');
  if (raw.length !== 32 || raw.toString('base64').replace(/=+$/, '') !== t.replace(/=+$/, '')) throw new Error('sealing key must be the 32-byte X25519 public key in base64');
  return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: raw.toString('base64url') }, format: 'jwk' });
}

/** The additional data a sealed command field is bound to: site, door, command id and action. */
export function sealContext(site: string, door: string, commandId: string, action: string): string {
  return `pintu/seal/v1\n${site}\n${door}\n${commandId}\n${action}`;
}

function aeadKey(shared: Buffer, ephemeral: Buffer, recipient: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', shared, Buffer.concat([ephemeral, recipient]), INFO, 32));
}

const raw = (k: KeyObject): Buffer => Buffer.from(sealKeyToText(k), 'base64');

/** Seal a text to a door's X25519 public key, bound to `context` (see `sealContext`). */
export function seal(recipient: KeyObject, plaintext: string, context: string): string {
  const eph = generateKeyPairSync('x25519');
  const epk = raw(eph.publicKey);
  const key = aeadKey(diffieHellman({ privateKey: eph.privateKey, publicKey: recipient }), epk, raw(recipient));
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return SEALED_PREFIX + Buffer.concat([epk, nonce, cipher.getAuthTag(), ct]).toString('base64');
}

/**
 * Open a sealed text with the door's X25519 private key (and its public key); throws `Error('sealed data could not be
 * opened …')` when it was not sealed to this key, was altered, or belongs to another command (context).
 */
export function openSealed(privateKey: KeyObject, publicKey: KeyObject, sealed: string, context: string): string {
  const fail = (): Error => new Error('sealed data could not be opened: not sealed to this door\'s key, altered, or meant for another command');
  if (!sealed.startsWith(SEALED_PREFIX)) throw fail();
  const buf = Buffer.from(sealed.slice(SEALED_PREFIX.length), 'base64');
  if (buf.length < 32 + 12 + 16) throw fail();
  const epk = buf.subarray(0, 32);
  try {
    const ephemeral = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: epk.toString('base64url') }, format: 'jwk' });
    const key = aeadKey(diffieHellman({ privateKey, publicKey: ephemeral }), epk, raw(publicKey));
    const decipher = createDecipheriv('aes-256-gcm', key, buf.subarray(32, 44));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(buf.subarray(44, 60));
    return Buffer.concat([decipher.update(buf.subarray(60)), decipher.final()]).toString('utf8');
  } catch {
    throw fail();
  }
}
