/**
 * Keyed hashes of card UIDs (HMAC-SHA256 with the per-site secret, loaded by `src/adapters/os/secret-file.ts`). KTP
 * chip UIDs, and unknown cards that may be KTPs, are only ever stored in this form.
 */
import { createHmac } from 'node:crypto';

/** Keyed hash of a card UID (KTP chips, unknown cards): the only form in which such UIDs are stored. */
export function keyedHash(secret: Buffer, uid: string): string {
  return createHmac('sha256', secret).update(uid.toUpperCase()).digest('hex');
}

/**
 * Keyed hash of a NIK (HMAC-SHA256 with the per-site secret, domain-separated from card UIDs): how a NIK is matched
 * without being stored in clear — data-subject requests (`pintu subject find`) and the watchlist (issue 14).
 */
export function nikHash(secret: Buffer, nik: string): string {
  return createHmac('sha256', secret).update(`NIK:${nik.replace(/[\s.]/g, '')}`).digest('hex');
}
