/**
 * Ed25519 keys for the central-office link: a door's key (and the centre's) is made at first start in the data dir
 * (PKCS#8 PEM, mode 0600) and never leaves it. How public keys travel as text, and signing itself, are protocol
 * (src/protocol/signing.ts). The door's X25519 sealing key (issue 14: the centre seals personal fields to it) is its
 * own file outside the data dir (`central.sealKeyFile`, default /etc/pintu/seal.key), made the same way.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { publicKeyToText } from '../../protocol/signing.js';
import { sealKeyToText } from '../../protocol/sealing.js';

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

/** Default file of the door's X25519 sealing key, relative to the config file's folder (/etc/pintu/seal.key). */
export const SEAL_KEY_FILE = 'seal.key';

/**
 * Load the door's X25519 sealing key at `path`, creating it (mode 0600, its folder 0750) on first use. Throws an
 * error naming the file when it cannot be created or read.
 */
export function loadOrCreateSealKey(path: string): KeyPair {
  if (!existsSync(path)) {
    try {
      mkdirSync(dirname(path), { recursive: true, mode: 0o750 });
      const { privateKey } = generateKeyPairSync('x25519');
      writeFileSync(path, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new Error(`cannot create the door's sealing key ${path}: ${(err as Error).message} (create it as the service user, or set central.sealKeyFile)`);
    }
  }
  let privateKey: KeyObject;
  try {
    chmodSync(path, 0o600);
    privateKey = createPrivateKey(readFileSync(path));
  } catch (err) {
    throw new Error(`${path} is not a readable sealing key (${(err as Error).message}); remove it to make a new one (the centre learns it from the next status)`);
  }
  if (privateKey.asymmetricKeyType !== 'x25519') throw new Error(`${path} is not an X25519 key`);
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, publicKeyText: sealKeyToText(publicKey) };
}
