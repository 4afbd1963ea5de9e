/**
 * Field-level encryption at rest (issue 14 item 1): AES-256-GCM from node:crypto, a random 12-byte nonce per record,
 * the key's id in every ciphertext (rotation re-encrypts row by row and can stop and resume), and additional data
 * (AAD) naming the row and the field, so a ciphertext copied into another row or field does not open.
 *
 *   sealed = "pe1:" + keyId (8 hex) + ":" + base64url(nonce ‖ ciphertext ‖ tag)
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

/** Prefix of every sealed value of this format (version 1). */
export const SEALED_PREFIX = 'pe1:';
const KEY_ID_LEN = 8;
const NONCE_LEN = 12;
const TAG_LEN = 16;

/** One data key: its id (derived from the key, so a key file needs no separate id) and the 32 key bytes. */
export interface DataKey {
  /** 8 hex characters of SHA-256 over a label and the key: names the key in ciphertexts, reveals nothing of it. */
  id: string;
  /** The AES-256 key. */
  key: Buffer;
}

/** The id of a 32-byte data key. */
export function dataKeyId(key: Buffer): string {
  return createHash('sha256').update('pintu data key id\0').update(key).digest('hex').slice(0, KEY_ID_LEN);
}

/** A data key from its 32 bytes. */
export function dataKey(key: Buffer): DataKey {
  if (key.length !== 32) throw new Error('a data key is 32 bytes');
  return { id: dataKeyId(key), key };
}

/** What the store needs to seal and open personal fields. */
export interface FieldCipher {
  /** Id of the key new values are sealed with. */
  readonly keyId: string;
  /** Ids of every key this cipher can open (the current one first). */
  readonly keyIds: readonly string[];
  /** Seal `plain`, bound to `aad` (row and field). */
  seal(plain: string, aad: string): string;
  /** Open a sealed value bound to `aad`; throws when the key is unknown or the value was altered or moved. */
  open(sealed: string, aad: string): string;
  /** A 32-byte key derived from the sealing key by HKDF-SHA256 with `label` (its own label per use: the name index). */
  deriveKey(label: string): Buffer;
}

/** The key id of a sealed value, or null when `value` is not one. */
export function sealedKeyId(value: string): string | null {
  return value.startsWith(SEALED_PREFIX) && value.charAt(SEALED_PREFIX.length + KEY_ID_LEN) === ':'
    ? value.slice(SEALED_PREFIX.length, SEALED_PREFIX.length + KEY_ID_LEN) : null;
}

/** AES-256-GCM over a key ring: seals with the first key, opens with any. */
export class AesGcmFieldCipher implements FieldCipher {
  /** Id of the sealing key. */
  readonly keyId: string;
  /** Ids of all keys, the sealing one first. */
  readonly keyIds: readonly string[];
  private readonly keys = new Map<string, Buffer>();

  /** A cipher sealing with `keys[0]` and opening with any of `keys`. */
  constructor(keys: readonly DataKey[]) {
    if (keys.length === 0) throw new Error('no data key');
    for (const k of keys) this.keys.set(k.id, k.key);
    this.keyId = keys[0]!.id;
    this.keyIds = keys.map((k) => k.id);
  }

  /** Seal `plain` with the current key, bound to `aad`. */
  seal(plain: string, aad: string): string {
    const nonce = randomBytes(NONCE_LEN);
    const c = createCipheriv('aes-256-gcm', this.keys.get(this.keyId)!, nonce);
    c.setAAD(Buffer.from(aad, 'utf8'));
    const body = Buffer.concat([nonce, c.update(plain, 'utf8'), c.final(), c.getAuthTag()]);
    return `${SEALED_PREFIX}${this.keyId}:${body.toString('base64url')}`;
  }

  /** HKDF-SHA256 of the sealing key with `label` as info: a key for another purpose, useless for opening sealed values. */
  deriveKey(label: string): Buffer {
    return Buffer.from(hkdfSync('sha256', this.keys.get(this.keyId)!, Buffer.from('pintu data key', 'utf8'), Buffer.from(label, 'utf8'), 32));
  }

  /** Open a value sealed by any key of the ring, bound to `aad`. */
  open(sealed: string, aad: string): string {
    const id = sealedKeyId(sealed);
    if (id === null) throw new Error('not a sealed value');
    const key = this.keys.get(id);
    if (!key) throw new UnknownDataKeyError(id);
    const body = Buffer.from(sealed.slice(SEALED_PREFIX.length + KEY_ID_LEN + 1), 'base64url');
    if (body.length < NONCE_LEN + TAG_LEN) throw new Error('sealed value too short');
    const d = createDecipheriv('aes-256-gcm', key, body.subarray(0, NONCE_LEN));
    d.setAAD(Buffer.from(aad, 'utf8'));
    d.setAuthTag(body.subarray(body.length - TAG_LEN));
    try {
      return Buffer.concat([d.update(body.subarray(NONCE_LEN, body.length - TAG_LEN)), d.final()]).toString('utf8');
    } catch {
      throw new Error(`a value sealed with data key ${id} does not verify (altered, moved from another row, or a different key with the same id)`);
    }
  }
}

/** A value sealed with a key the cipher does not hold. */
export class UnknownDataKeyError extends Error {
  /** Build the error for key id `keyId`. */
  constructor(readonly keyId: string) {
    super(`data sealed with data key ${keyId}, which is not in the key file`);
  }
}
