/**
 * Issue 15 at the desk: DeskCloneAlarms raises alarm.desk_clone_suspected for a refused copy of an enrolled badge
 * (ids only: the holder, the visit of an issued pool badge, the officer's id), once per card per quiet period, and
 * nothing for a card that is not enrolled. A failed write is not remembered: the next tap tries again.
 */
import { describe, expect, it } from 'vitest';
import { DESK_CLONE_QUIET_MS, DeskCloneAlarms, type DeskCloneStore } from '../../src/app/desk-clone-alarm.js';
import type { DomainEvent } from '../../src/domain/events.js';
import type { SecureBadge } from '../../src/domain/badge-proof.js';

const POOL = '04A1B2C3D4E5F6';
const OFFICER = '04A1B2C3D4E5F7';

function world(): { store: DeskCloneStore; written: DomainEvent[]; failNext: { on: boolean }; clock: { t: number } } {
  const written: DomainEvent[] = [];
  const failNext = { on: false };
  const enrolled: Record<string, SecureBadge> = {
    [POOL]: { uid: POOL, keyVersion: 1, holder: 'pool', enrolledAt: 0 },
    [OFFICER]: { uid: OFFICER, keyVersion: 1, holder: 'officer', enrolledAt: 0 },
  };
  const store = {
    tx: <T>(fn: () => T): T => fn(),
    secureBadge: (uid: string) => enrolled[uid] ?? null,
    badge: (uid: string) => (uid === POOL ? { uid, label: 'TAMU-07', status: 'issued', visitId: 'V-20261202-001' } : null),
    officerByBadge: (uid: string) => (uid === OFFICER ? { id: 'O3' } : null),
    events: { append: (events: DomainEvent[]) => { if (failNext.on) { failNext.on = false; throw new Error('disk full'); } written.push(...events); return []; } },
  } as unknown as DeskCloneStore;
  return { store, written, failNext, clock: { t: 1_000_000 } };
}

describe('DeskCloneAlarms', () => {
  it('one alarm per card per quiet period, naming ids only; again after it', () => {
    const w = world();
    const alarms = new DeskCloneAlarms(w.store, () => w.clock.t);
    expect(alarms.raise('desk', POOL, { kind: 'failed', why: 'not-secure-card' })).toBe(true);
    w.clock.t += DESK_CLONE_QUIET_MS - 1;
    expect(alarms.raise('desk', POOL, undefined)).toBe(false);
    expect(alarms.raise('desk', OFFICER, { kind: 'uid-only' })).toBe(true);
    w.clock.t += 1;
    expect(alarms.raise('desk', POOL, { kind: 'authenticated', keyVersion: 1, keyAccepted: true })).toBe(true);
    expect(w.written).toEqual([
      { type: 'alarm.desk_clone_suspected', data: { reader: 'desk', badge: POOL, holder: 'visitor', visit: 'V-20261202-001', why: 'not-secure-card' } },
      { type: 'alarm.desk_clone_suspected', data: { reader: 'desk', badge: OFFICER, holder: 'officer', officer: 'O3', why: 'uid-only' } },
      // Refused although it authenticated: an older key than its badge holds, not the badge's key.
      { type: 'alarm.desk_clone_suspected', data: { reader: 'desk', badge: POOL, holder: 'visitor', visit: 'V-20261202-001', why: 'wrong-key' } },
    ]);
  });

  it('nothing for a card that is not enrolled; a failed write is not remembered', () => {
    const w = world();
    const alarms = new DeskCloneAlarms(w.store, () => w.clock.t);
    expect(alarms.raise('desk', '04FFFFFFFFFFFF', undefined)).toBe(false);
    w.failNext.on = true;
    expect(() => alarms.raise('desk', POOL, undefined)).toThrow('disk full');
    expect(alarms.raise('desk', POOL, undefined)).toBe(true);
    expect(w.written).toHaveLength(1);
  });
});
