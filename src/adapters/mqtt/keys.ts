/**
 * Ed25519 keys for the central-office link: a door's key (and the centre's) is made at first start in the data dir
 * (PKCS#8 PEM, mode 0600) and never leaves it. How public keys travel as text, and signing itself, are protocol
 * (src/protocol/signing.ts).
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { publicKeyToText } from '../../protocol/signing.js';

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
