/**
 * Issue 15 at the desk: deskTapUnproven, the one rule the console's desk taps and `pintu desk` apply. A secure desk
 * reader counts a tap of an enrolled secure badge's UID as that badge only when the card passes the door's rule
 * (proofRefusal at a secure reader), a rotated-out key version being fine (genuine, only old); a plain desk reader and
 * cards not enrolled are not judged.
 */
import { describe, expect, it } from 'vitest';
import { PROOF_FAILURES, deskTapUnproven, type CardProof, type SecureBadge } from '../../src/domain/badge-proof.js';

const pool: SecureBadge = { uid: '04C1C2C3C4C5C6', keyVersion: 2, holder: 'pool', enrolledAt: 0 };
const officer: SecureBadge = { ...pool, holder: 'officer' };
const proved = (keyVersion: number, keyAccepted = true): CardProof => ({ kind: 'authenticated', keyVersion, keyAccepted });

describe('deskTapUnproven', () => {
  it('a secure desk takes an enrolled badge only with an authenticated proof of its key version or newer', () => {
    for (const enrolled of [pool, officer]) {
      expect(deskTapUnproven({ enrolled, proof: proved(2), deskSecure: true })).toBe(false);
      expect(deskTapUnproven({ enrolled, proof: proved(3), deskSecure: true })).toBe(false);
      // Rotated out: the card is genuine, only old (it comes back, or is re-keyed at the desk).
      expect(deskTapUnproven({ enrolled, proof: proved(2, false), deskSecure: true })).toBe(false);
      // An older version than the enrolment recorded: a copy made with the badge's former key.
      expect(deskTapUnproven({ enrolled, proof: proved(1), deskSecure: true })).toBe(true);
      expect(deskTapUnproven({ enrolled, proof: undefined, deskSecure: true })).toBe(true);
      expect(deskTapUnproven({ enrolled, proof: { kind: 'uid-only' }, deskSecure: true })).toBe(true);
      for (const why of PROOF_FAILURES) expect(deskTapUnproven({ enrolled, proof: { kind: 'failed', why }, deskSecure: true })).toBe(true);
    }
  });

  it('a plain desk reader cannot tell, and a card not enrolled is not the desk\'s to judge', () => {
    for (const proof of [undefined, { kind: 'failed', why: 'wrong-key' } as const, proved(1)]) {
      expect(deskTapUnproven({ enrolled: pool, proof, deskSecure: false })).toBe(false);
      expect(deskTapUnproven({ enrolled: null, proof, deskSecure: true })).toBe(false);
    }
  });
});
