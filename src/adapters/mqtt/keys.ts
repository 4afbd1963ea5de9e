/**
 * Ed25519 keys for the central-office link: a door's key (and the centre's) is made at first start in the data dir
 * (PKCS#8 PEM, mode 0600) and never leaves it. Public keys travel as 32 raw bytes in base64 (easy to paste for
 * enrolment); PEM public keys are accepted too.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** File name of the door's private key inside its data dir. */
export const DOOR_KEY_FILE = 'door.key';
/** File name of the centre's private key inside its data dir. */
export const CENTRAL_KEY_FILE = 'central.key';

/** A loaded key pair. */
export interface KeyPair {
  /** Private key (never logged, never sent). */
  privateKey: KeyObject;
  /** Public key. */
  publicKey: KeyObject;
  /** Public key as base64 of its 32 raw bytes (what `keys show` prints and `enroll --key` takes). */
  publicKeyText: string;
}

/** Load the Ed25519 key in `dir/file`, creating it (mode 0600) on first use. */
export function loadOrCreateKeyPair(dir: string, file: string): KeyPair {
  const path = join(dir, file);
  if (!existsSync(path)) {
    mkdirSync(dir, { recursive: true, mode: 0o750 });
    const { privateKey } = generateKeyPairSync('ed25519');
    try {
      writeFileSync(path, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  chmodSync(path, 0o600);
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(readFileSync(path));
  } catch (err) {
    throw new Error(`${path} is not a readable private key (${(err as Error).message}); restore it from backup or re-enrol with a new key`);
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`${path} is not an Ed25519 key`);
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, publicKeyText: publicKeyToText(publicKey) };
}

/** Base64 of the 32 raw bytes of an Ed25519 public key. */
export function publicKeyToText(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' });
  if (!jwk.x) throw new Error('not an Ed25519 public key');
  return Buffer.from(jwk.x, 'base64url').toString('base64');
}

/** Parse a public key given as base64 raw bytes (32) or as PEM; throws with a readable message. */
export function publicKeyFromText(text: string): KeyObject {
  const t = text.trim();
  if (t.startsWith('-----BEGIN')) {
    const k = createPublicKey(t);
    if (k.asymmetricKeyType !== 'ed25519') throw new Error('public key is not Ed25519');
    return k;
  }
  const raw = Buffer.from(t, 'base64');
  if (raw.length !== 32 || raw.toString('base64').replace(/=+$/, '') !== t.replace(/=+$/, '')) {
    throw new Error('public key must be the 32-byte Ed25519 key in base64 (as printed by `keys show`) or a PEM block');
  }
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
}

/** Sign a text with an Ed25519 private key; base64 signature. */
export function signText(key: KeyObject, text: string): string {
  return sign(null, Buffer.from(text, 'utf8'), key).toString('base64');
}

/** Check an Ed25519 signature (base64) over a text; false for any malformed input. */
export function verifyText(key: KeyObject, text: string, signature: unknown): boolean {
  if (typeof signature !== 'string' || signature.length > 200) return false;
  try {
    const sig = Buffer.from(signature, 'base64');
    return sig.length === 64 && verify(null, Buffer.from(text, 'utf8'), key, sig);
  } catch {
    return false;
  }
}
