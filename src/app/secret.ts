/**
 * Keyed hashes of card UIDs (HMAC-SHA256 with the per-site secret, loaded by `src/adapters/os/secret-file.ts`). KTP
 * chip UIDs, and unknown cards that may be KTPs, are only ever stored in this form.
 */
import { createHmac } from 'node:crypto';

/** Keyed hash of a card UID (KTP chips, unknown cards): the only form in which such UIDs are stored. */
export function keyedHash(secret: Buffer, uid: string): string {
  return createHmac('sha256', secret).update(uid.toUpperCase()).digest('hex');
}
