/**
 * A badge re-keyed to a newer site key version no longer opens the door with its older key (review of issue 15).
 * Enrolment only ever moves a card to the current version, and the enrolment records the version written. So a card
 * that proves an OLDER version than its enrolment recorded is not that badge: it is a copy made with the badge's
 * former key (a key that leaked, which is why badges are re-keyed). While that older version is still accepted
 * (rotation with --keep-previous, before `badge key retire`), the door let such a copy in as the badge.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/adapters/sqlite/db.js';
import { Store } from '../../src/adapters/sqlite/store.js';
import { silentLogger } from '../../src/adapters/log/pino.js';
import { AccessService, type GrantRef } from '../../src/app/access-service.js';
import { VisitService } from '../../src/app/visit-service.js';
import { DEFAULT_STANDARDS } from '../../src/domain/sop.js';
import { decide, type AccessPolicy, type AccessState } from '../../src/domain/decide.js';
import type { CardProof, SecureBadge } from '../../src/domain/badge-proof.js';
import type { Officer, Tap } from '../../src/domain/types.js';

const NOW = Date.UTC(2026, 11, 2, 3, 0, 0);
const UID = '04A1B2C3D4E5F6';
const POLICY: AccessPolicy = { escortRequired: true, escortWindowMs: 60_000, officerRoles: ['head', 'staff'], antiPassback: true };
const officer: Officer = { id: 'O2', name: 'Staff', role: 'staff', badgeUid: UID, active: true, presence: 'outside', enteredAt: null };
const enrolledAt = (keyVersion: number): SecureBadge => ({ uid: UID, keyVersion, holder: 'officer', enrolledAt: NOW - 3_600_000 });
const state = (badge: SecureBadge): AccessState => ({ doorDisabled: false, card: { kind: 'officer', officer }, officersInside: [], secureBadge: badge });
const tap = (proof: CardProof): Tap => ({ readerId: 'sin', direction: 'in', uid: UID, at: NOW, readerSecure: true, proof });
const proved = (keyVersion: number, keyAccepted = true): CardProof => ({ kind: 'authenticated', keyVersion, keyAccepted });

describe('the key version a card proves against the one its enrolment recorded', () => {
  it('a badge re-keyed to version 2: a card proving version 1 (still accepted) is refused as a copy', () => {
    expect(decide(tap(proved(1)), state(enrolledAt(2)), NOW, POLICY)).toEqual({ outcome: 'deny', reason: 'clone-suspected', officerId: 'O2' });
  });

  it('the same version, or a newer one (a re-key whose record failed, a restored database), still opens; a retired one is badge-key-retired', () => {
    expect(decide(tap(proved(2)), state(enrolledAt(2)), NOW, POLICY)).toEqual({ outcome: 'grant', holder: 'officer', officerId: 'O2' });
    expect(decide(tap(proved(3)), state(enrolledAt(2)), NOW, POLICY)).toEqual({ outcome: 'grant', holder: 'officer', officerId: 'O2' });
    expect(decide(tap(proved(1, false)), state(enrolledAt(2)), NOW, POLICY)).toEqual({ outcome: 'deny', reason: 'badge-key-retired', officerId: 'O2' });
  });
});

describe('at the tap handler', () => {
  it('the copy is refused clone-suspected with its alarm (why: wrong-key, not the badge\'s key) and the strike never moves; the re-keyed badge opens', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pintu-proof-version-'));
    const store = new Store(openDatabase(join(dir, 'p.db'), { synchronous: 'normal' }), 'd1', null);
    try {
      const strikes: GrantRef[] = [];
      const visits = new VisitService(store, { standards: DEFAULT_STANDARDS, defaultValidity: 2, timeZone: 'Asia/Jakarta', secret: Buffer.alloc(32, 1), now: () => NOW });
      visits.addOfficer('H', 'head', UID);
      store.tx(() => store.saveSecureBadge({ uid: UID, keyVersion: 2, holder: 'officer', enrolledAt: NOW }, 'O1'));
      const access = new AccessService(store, { grant: (g) => strikes.push(g) }, {
        policy: POLICY, repeatWindowMs: 0, secret: Buffer.alloc(32, 1), now: () => NOW, readers: new Map([['sin', { direction: 'in', secure: true }]]),
      }, silentLogger());
      const seq = store.events.lastSeq();
      expect(access.handleTap({ readerId: 'sin', uid: UID, tech: 'iso14443', at: NOW, proof: proved(1) })).toMatchObject({ outcome: 'deny', reason: 'clone-suspected' });
      expect(strikes).toEqual([]);
      const alarm = store.events.since(seq).find((e) => e.type === 'alarm.clone_suspected');
      expect(alarm?.data).toMatchObject({ reader: 'sin', badge: UID, holder: 'officer', officer: 'O1', why: 'wrong-key' });
      expect(access.handleTap({ readerId: 'sin', uid: UID, tech: 'iso14443', at: NOW, proof: proved(2) })).toMatchObject({ outcome: 'grant' });
      expect(strikes).toHaveLength(1);
      access.stop();
    } finally {
      store.db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
