/**
 * Property: the door's tap handler (AccessService + real SQLite + the visit commands) never grants a visitor's badge
 * unless, at that moment, the badge was issued to an approved visit that was valid and not revoked, the door was
 * enabled, and an officer had been granted within the escort window — whatever sequence of taps, clock moves,
 * revocations, checkouts, lost badges and door disables comes first. And the strike is driven only for a grant.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/adapters/sqlite/db.js';
import { Store } from '../../src/adapters/sqlite/store.js';
import { AccessService, type GrantRef } from '../../src/app/access-service.js';
import { VisitService } from '../../src/app/visit-service.js';
import { silentLogger } from '../../src/adapters/log/pino.js';
import { DEFAULT_STANDARDS } from '../../src/domain/sop.js';
import type { Visit } from '../../src/domain/types.js';

const WINDOW = 30_000;
const OFFICERS = ['0A01', '0A02', '0A03'];
const BADGES = ['1B01', '1B02', '1B03'];

type Action =
  | { kind: 'tap'; reader: 'in' | 'out'; card: string }
  | { kind: 'wait'; ms: number }
  | { kind: 'revoke' | 'checkout' | 'lost' | 'reissue'; visit: number }
  | { kind: 'door'; disabled: boolean }
  | { kind: 'expire' };

const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('tap' as const), reader: fc.constantFrom('in' as const, 'out' as const), card: fc.constantFrom(...OFFICERS, ...BADGES, '0A04', '0DEAD1') }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('wait' as const), ms: fc.constantFrom(1000, 20_000, 40_000, 3_600_000, 3 * 3_600_000) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom('revoke' as const, 'checkout' as const, 'lost' as const, 'reissue' as const), visit: fc.integer({ min: 0, max: 2 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('door' as const), disabled: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('expire' as const) }) },
);

function attempt<T>(fn: () => T): T | null {
  try { return fn(); } catch { return null; }
}

describe('access handler model', () => {
  it('grants a visitor only with an issued, valid, unrevoked visit, an enabled door and an escort; strikes only on grants', () => {
    const reached = { visitorGrants: 0, denials: new Set<string>() };
    fc.assert(fc.property(fc.array(action, { minLength: 1, maxLength: 40 }), fc.boolean(), (actions, antiPassback) => {
      const dir = mkdtempSync(join(tmpdir(), 'pintu-model-'));
      const store = new Store(openDatabase(join(dir, 'p.db'), { synchronous: 'normal' }), 'd1', null);
      let now = Date.UTC(2026, 10, 23, 1, 0, 0);
      const strikes: GrantRef[] = [];
      const visits = new VisitService(store, { standards: DEFAULT_STANDARDS, defaultValidity: 2, timeZone: 'Asia/Jakarta', secret: Buffer.alloc(32, 1), now: () => now });
      const access = new AccessService(store, { grant: (g) => strikes.push(g) }, {
        policy: { escortRequired: true, escortWindowMs: WINDOW, officerRoles: ['staff', 'coordinator', 'head'], antiPassback },
        repeatWindowMs: 0, readers: new Map([['in', { direction: 'in', secure: false }], ['out', { direction: 'out', secure: false }]]), secret: Buffer.alloc(32, 1), now: () => now,
      }, silentLogger());
      try {
        visits.addOfficer('H', 'head', OFFICERS[0]!);
        visits.addOfficer('C', 'coordinator', OFFICERS[1]!);
        visits.addOfficer('S', 'staff', OFFICERS[2]!);
        visits.addOfficer('X', 'staff', '0A04');
        visits.setOfficerActive('O4', false, 'O1');
        for (const [i, b] of BADGES.entries()) visits.addBadge(b, `T${i}`);
        const ids: string[] = [];
        for (let i = 0; i < 3; i++) {
          const v = visits.request({ name: `V${i}`, nik: '3201011205900001', org: 'O', purpose: 'P' });
          ids.push(v.id);
          visits.check(v.id, 'O2');
          visits.approve(v.id, 'O1');
          if (i < 2) visits.issue(v.id, BADGES[i]!, 'O3', { rulesAcknowledged: true }); // the third stays approved without a badge
        }
        const officerGrants: number[] = [];
        for (const a of actions) {
          if (a.kind === 'wait') { now += a.ms; continue; }
          if (a.kind === 'door') { visits.setDoorMode(a.disabled ? 'disabled' : 'enabled', 'O1'); continue; }
          if (a.kind === 'expire') { access.expireEscorts(); continue; }
          if (a.kind !== 'tap') {
            const id = ids[a.visit]!;
            if (a.kind === 'revoke') attempt(() => visits.revoke(id, 'O1', 'r'));
            if (a.kind === 'checkout') attempt(() => visits.checkout(id, 'O3', []));
            if (a.kind === 'lost') attempt(() => visits.badgeLost(id, 'O3'));
            if (a.kind === 'reissue') attempt(() => visits.issue(id, BADGES[2]!, 'O3', { rulesAcknowledged: true }));
            continue;
          }
          // Snapshot what the card is before the tap, then check any visitor grant against it.
          const badge = store.badge(a.card);
          const before: Visit | null = badge?.visitId ? store.visit(badge.visitId) : null;
          const disabled = store.doorStatus().mode === 'disabled';
          const seq = store.events.lastSeq();
          const strikesBefore = strikes.length;
          access.handleTap({ readerId: a.reader, uid: a.card, tech: 'sim', at: now });
          const events = store.events.since(seq);
          const granted = events.filter((e) => e.type === 'access.granted');
          for (const e of events) if (e.type === 'access.denied') reached.denials.add(String(e.data.reason));
          expect(strikes.length - strikesBefore).toBe(granted.length);
          for (const g of granted) {
            if (g.data.holder === 'officer') {
              expect(disabled).toBe(false);
              if (g.data.direction === 'in') officerGrants.push(now);
              continue;
            }
            reached.visitorGrants += 1;
            const v = g.data.badge === a.card ? before : null;
            // A waiting visitor granted by this officer tap is checked against the store as it is now.
            const visit = v ?? store.visit(String(g.data.visit));
            expect(disabled).toBe(false);
            expect(visit).not.toBeNull();
            if (g.data.lapsed) {
              // Leaving is always possible: only out, only from inside, with the badge still held by the visit.
              expect(g.data.direction).toBe('out');
              expect(visit!.presence).toBe('inside');
              expect(['issued', 'revoked']).toContain(visit!.state);
              expect(visit!.badgeUid).toBe(g.data.badge);
              continue;
            }
            expect(visit!.state).toBe('issued');
            expect(visit!.badgeUid).toBe(g.data.badge);
            expect(store.badge(String(g.data.badge))?.status).toBe('issued');
            expect(now).toBeGreaterThanOrEqual(visit!.validFrom!);
            expect(now).toBeLessThan(visit!.validUntil!);
            if (g.data.direction === 'in') expect(officerGrants.some((t) => now - t <= WINDOW)).toBe(true);
          }
        }
        expect(store.events.verify()).toBeNull();
      } finally {
        access.stop();
        store.db.close();
        rmSync(dir, { recursive: true, force: true });
      }
    }), {
      numRuns: 150,
      // Always-run sequences that reach each refusal, so the reach check below never depends on the random draw.
      examples: ([
        [{ kind: 'tap', reader: 'in', card: '0DEAD1' }, { kind: 'tap', reader: 'in', card: '0A04' }, { kind: 'tap', reader: 'in', card: BADGES[2]! }],
        [{ kind: 'lost', visit: 0 }, { kind: 'tap', reader: 'in', card: BADGES[0]! }, { kind: 'revoke', visit: 1 }, { kind: 'tap', reader: 'in', card: BADGES[1]! }],
        [{ kind: 'checkout', visit: 0 }, { kind: 'tap', reader: 'in', card: BADGES[0]! }, { kind: 'wait', ms: 3 * 3_600_000 }, { kind: 'tap', reader: 'in', card: BADGES[1]! }],
        [{ kind: 'door', disabled: true }, { kind: 'tap', reader: 'in', card: OFFICERS[0]! }, { kind: 'door', disabled: false },
          { kind: 'tap', reader: 'in', card: OFFICERS[1]! }, { kind: 'tap', reader: 'in', card: BADGES[0]! }, { kind: 'tap', reader: 'out', card: BADGES[0]! }],
        // The draw that found the lapsed exit: in with an escort, the approval ends, out anyway.
        [{ kind: 'tap', reader: 'in', card: BADGES[0]! }, { kind: 'tap', reader: 'in', card: OFFICERS[0]! }, { kind: 'wait', ms: 3 * 3_600_000 }, { kind: 'tap', reader: 'out', card: BADGES[0]! }],
      ] as Action[][]).map((a) => [a, true] as [Action[], boolean]),
    });
    // The generator must actually reach grants and the interesting refusals, or the property proves nothing.
    expect(reached.visitorGrants, JSON.stringify([...reached.denials])).toBeGreaterThan(20);
    for (const r of ['unknown-badge', 'revoked', 'returned', 'lost', 'expired', 'door-disabled', 'not-approved']) expect([...reached.denials]).toContain(r);
  }, 60_000);
});

type PresenceAction =
  | { kind: 'tap'; reader: 'in' | 'out'; card: string }
  | { kind: 'wait'; ms: number }
  | { kind: 'deactivate' | 'activate'; officer: number }
  | { kind: 'revoke' | 'checkout'; visit: number }
  | { kind: 'fail' }
  | { kind: 'restart' }
  | { kind: 'expire' | 'overstay' };

const presenceAction: fc.Arbitrary<PresenceAction> = fc.oneof(
  { weight: 10, arbitrary: fc.record({ kind: fc.constant('tap' as const), reader: fc.constantFrom('in' as const, 'out' as const), card: fc.constantFrom(...OFFICERS, ...BADGES.slice(0, 2)) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('wait' as const), ms: fc.constantFrom(1000, 10_000, 40_000, 3 * 3_600_000) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom('deactivate' as const, 'activate' as const), officer: fc.integer({ min: 1, max: 2 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom('revoke' as const, 'checkout' as const), visit: fc.integer({ min: 0, max: 1 }) }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'fail' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'restart' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom('expire' as const, 'overstay' as const) }) },
);

describe('presence model', () => {
  it('no visitor is ever inside with no officer inside unless alarm.visitor_unescorted was raised at that moment; escorts are committed, active, inside officers', () => {
    const reached = { visitorEntries: 0, unescortedAlarms: 0, failedTaps: 0, lapsedExits: 0, awaited: 0 };
    fc.assert(fc.property(fc.array(presenceAction, { minLength: 1, maxLength: 50 }), (actions) => {
      const dir = mkdtempSync(join(tmpdir(), 'pintu-presence-'));
      const store = new Store(openDatabase(join(dir, 'p.db'), { synchronous: 'normal' }), 'd1', null);
      let now = Date.UTC(2026, 10, 23, 1, 0, 0);
      const strikes: GrantRef[] = [];
      const visits = new VisitService(store, { standards: DEFAULT_STANDARDS, defaultValidity: 2, timeZone: 'Asia/Jakarta', secret: Buffer.alloc(32, 1), now: () => now });
      const policy = { escortRequired: true, escortWindowMs: WINDOW, officerRoles: ['staff', 'coordinator', 'head'] as const, escortRoles: ['staff', 'coordinator'] as const, antiPassback: true };
      const makeAccess = (): AccessService => new AccessService(store, { grant: (g) => strikes.push(g) }, {
        policy: { ...policy, officerRoles: [...policy.officerRoles], escortRoles: [...policy.escortRoles] },
        repeatWindowMs: 0, readers: new Map([['in', { direction: 'in', secure: false }], ['out', { direction: 'out', secure: false }]]), secret: Buffer.alloc(32, 1), now: () => now,
      }, silentLogger());
      let access = makeAccess();
      try {
        visits.addOfficer('H', 'head', OFFICERS[0]!); // a head opens the door but is no escort here (escortRoles)
        visits.addOfficer('C', 'coordinator', OFFICERS[1]!);
        visits.addOfficer('S', 'staff', OFFICERS[2]!);
        for (const [i, b] of BADGES.entries()) visits.addBadge(b, `T${i}`);
        const ids: string[] = [];
        for (let i = 0; i < 2; i++) {
          const v = visits.request({ name: `V${i}`, nik: '3201011205900001', org: 'O', purpose: 'P' });
          ids.push(v.id);
          visits.check(v.id, 'O2');
          visits.approve(v.id, 'O1');
          visits.issue(v.id, BADGES[i]!, 'O3', { rulesAcknowledged: true });
        }
        const visitorsInside = (): string[] => store.visitsInside().filter((v) => v.state === 'issued' || v.state === 'revoked').map((v) => v.id);
        const unescorted = (): boolean => visitorsInside().length > 0 && store.officersInside().length === 0;
        let failNext = false;
        for (const a of actions) {
          const wasUnescorted = unescorted();
          const seq = store.events.lastSeq();
          const strikesBefore = strikes.length;
          if (a.kind === 'wait') { now += a.ms; continue; }
          if (a.kind === 'fail') { failNext = true; continue; }
          if (a.kind === 'restart') { access.stop(); access = makeAccess(); continue; }
          if (a.kind === 'expire') { access.expireEscorts(); }
          if (a.kind === 'overstay') { access.checkOverstay(); }
          if (a.kind === 'deactivate' || a.kind === 'activate') attempt(() => visits.setOfficerActive(`O${a.officer + 1}`, a.kind === 'activate', 'O1'));
          if (a.kind === 'revoke') attempt(() => visits.revoke(ids[a.visit]!, 'O1', 'r'));
          if (a.kind === 'checkout') attempt(() => visits.checkout(ids[a.visit]!, 'O3', []));
          if (a.kind === 'tap') {
            const raw = { readerId: a.reader, uid: a.card, tech: 'sim' as const, at: now };
            if (failNext) {
              // The commit fails (disk full, lock held past the timeout): nothing may change, in the store or in memory.
              failNext = false;
              reached.failedTaps += 1;
              const officersBefore = store.officers();
              const waitingBefore = [...access.waiting()];
              const append = store.events.append.bind(store.events);
              store.events.append = () => { throw new Error('SQLITE_FULL: database or disk is full'); };
              try {
                expect(() => access.handleTap(raw)).toThrow(/disk is full/);
              } finally {
                store.events.append = append;
              }
              expect(store.events.lastSeq()).toBe(seq);
              expect(strikes.length).toBe(strikesBefore);
              expect(store.officers()).toEqual(officersBefore);
              expect(access.waiting()).toEqual(waitingBefore);
              continue;
            }
            access.handleTap(raw);
          }
          const events = store.events.since(seq);
          const granted = events.filter((e) => e.type === 'access.granted');
          expect(strikes.length - strikesBefore).toBe(granted.length);
          if (events.some((e) => e.type === 'access.awaiting_escort')) reached.awaited += 1;
          for (const g of granted) {
            if (g.data.holder !== 'visitor') continue;
            if (g.data.lapsed) reached.lapsedExits += 1;
            if (g.data.direction !== 'in') continue;
            reached.visitorEntries += 1;
            // The escort is, now, an active officer with an escort role, inside, whose entry was recorded within the window.
            const escort = store.officer(String(g.data.escort));
            expect(escort, JSON.stringify(g.data)).not.toBeNull();
            expect(escort!.active).toBe(true);
            expect(escort!.presence).toBe('inside');
            expect(policy.escortRoles).toContain(escort!.role);
            expect(Math.abs(now - escort!.enteredAt!)).toBeLessThanOrEqual(WINDOW);
            const entries = store.events.since(0, 100_000).filter((e) => e.type === 'access.granted' && e.data.officer === escort!.id && e.data.direction === 'in');
            expect(entries.length).toBeGreaterThan(0);
          }
          const alarmed = events.some((e) => e.type === 'alarm.visitor_unescorted');
          if (alarmed) reached.unescortedAlarms += 1;
          // The promise: a visitor is never left inside with no officer unless the alarm was raised at that moment.
          if (unescorted() && !wasUnescorted) {
            expect(alarmed, `${JSON.stringify(a)} left ${visitorsInside().join(',')} alone`).toBe(true);
            // …and it can only happen by the last officer leaving, never by a visitor being let in.
            expect(granted.some((g) => g.data.holder === 'visitor' && g.data.direction === 'in')).toBe(false);
          }
        }
        expect(store.events.verify()).toBeNull();
      } finally {
        access.stop();
        store.db.close();
        rmSync(dir, { recursive: true, force: true });
      }
    }), {
      numRuns: 150,
      examples: [
        // The reported holes: officer in then out, then the visitor within the window; officer in then deactivated;
        // officer's tap fails to commit; and the last officer leaving a visitor inside.
        [[{ kind: 'tap', reader: 'in', card: OFFICERS[2]! }, { kind: 'tap', reader: 'out', card: OFFICERS[2]! }, { kind: 'tap', reader: 'in', card: BADGES[0]! }]],
        [[{ kind: 'tap', reader: 'in', card: OFFICERS[2]! }, { kind: 'deactivate', officer: 2 }, { kind: 'tap', reader: 'in', card: BADGES[0]! }]],
        [[{ kind: 'fail' }, { kind: 'tap', reader: 'in', card: OFFICERS[2]! }, { kind: 'tap', reader: 'in', card: BADGES[0]! }]],
        [[{ kind: 'tap', reader: 'in', card: OFFICERS[1]! }, { kind: 'tap', reader: 'in', card: BADGES[0]! }, { kind: 'tap', reader: 'out', card: OFFICERS[1]! },
          { kind: 'wait', ms: 3 * 3_600_000 }, { kind: 'overstay' }, { kind: 'tap', reader: 'out', card: BADGES[0]! }]],
      ] as [PresenceAction[]][],
    });
    expect(reached.visitorEntries, JSON.stringify(reached)).toBeGreaterThan(10);
    expect(reached.unescortedAlarms, JSON.stringify(reached)).toBeGreaterThan(0);
    expect(reached.failedTaps, JSON.stringify(reached)).toBeGreaterThan(5);
    expect(reached.lapsedExits, JSON.stringify(reached)).toBeGreaterThan(0);
  }, 120_000);
});
