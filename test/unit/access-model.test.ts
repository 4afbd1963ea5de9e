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
import { silentLogger } from '../../src/app/logger.js';
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
      const store = new Store(openDatabase(join(dir, 'p.db'), { synchronous: 'normal' }), 'd1');
      let now = Date.UTC(2026, 10, 23, 1, 0, 0);
      const strikes: GrantRef[] = [];
      const visits = new VisitService(store, { standards: DEFAULT_STANDARDS, defaultValidity: 2, timeZone: 'Asia/Jakarta', secret: Buffer.alloc(32, 1), now: () => now });
      const access = new AccessService(store, { grant: (g) => strikes.push(g) }, {
        policy: { escortRequired: true, escortWindowMs: WINDOW, officerRoles: ['staff', 'coordinator', 'head'], antiPassback },
        repeatWindowMs: 0, readers: new Map([['in', 'in'], ['out', 'out']]), secret: Buffer.alloc(32, 1), now: () => now,
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
          if (i < 2) visits.issue(v.id, BADGES[i]!, 'O3'); // the third stays approved without a badge
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
            if (a.kind === 'reissue') attempt(() => visits.issue(id, BADGES[2]!, 'O3'));
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
      ] as Action[][]).map((a) => [a, true] as [Action[], boolean]),
    });
    // The generator must actually reach grants and the interesting refusals, or the property proves nothing.
    expect(reached.visitorGrants, JSON.stringify([...reached.denials])).toBeGreaterThan(20);
    for (const r of ['unknown-badge', 'revoked', 'returned', 'lost', 'expired', 'door-disabled', 'not-approved']) expect([...reached.denials]).toContain(r);
  }, 60_000);
});
