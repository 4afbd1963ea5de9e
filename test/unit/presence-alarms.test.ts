/**
 * Alarms about people inside that the officers must act on: a visitor still inside when the approval ends
 * (alarm.visit_overstay, once, and shown on the visit), a visit revoked while its visitor is inside
 * (alarm.revoked_inside) — and the visitor always gets out, the exit recorded with why it would have been refused.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/adapters/sqlite/db.js';
import { Store } from '../../src/adapters/sqlite/store.js';
import { AccessService } from '../../src/app/access-service.js';
import { VisitService } from '../../src/app/visit-service.js';
import { silentLogger } from '../../src/adapters/log/pino.js';
import { DEFAULT_STANDARDS } from '../../src/domain/sop.js';
import { buildDaemon, visitService } from '../../src/main.js';
import { SimDoorIo } from '../../src/adapters/sim/sim-door-io.js';
import { SimCardReader } from '../../src/adapters/sim/sim-reader.js';
import { seedIssuedVisit, tempConfig } from '../helpers/config.js';

const OFFICER = '0A01';
const BADGE = '1B01';
const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

function door() {
  const dir = mkdtempSync(join(tmpdir(), 'pintu-alarms-'));
  dirs.push(dir);
  const store = new Store(openDatabase(join(dir, 'p.db'), { synchronous: 'normal' }), 'd1', null);
  const clock = { now: Date.UTC(2026, 10, 23, 1, 0, 0) };
  const visits = new VisitService(store, { standards: DEFAULT_STANDARDS, defaultValidity: 1, timeZone: 'Asia/Jakarta', secret: Buffer.alloc(32, 1), now: () => clock.now });
  const strikes: unknown[] = [];
  const access = new AccessService(store, { grant: (g) => strikes.push(g) }, {
    policy: { escortRequired: true, escortWindowMs: 30_000, officerRoles: ['staff', 'coordinator', 'head'], antiPassback: true },
    repeatWindowMs: 0, readers: new Map([['in', { direction: 'in', secure: false }], ['out', { direction: 'out', secure: false }]]), secret: Buffer.alloc(32, 1), now: () => clock.now,
  }, silentLogger());
  const v = { id: seedIssuedVisit(visits, { head: '0A00', staff: OFFICER, badge: BADGE }) }; // approved for one hour
  const tap = (reader: 'in' | 'out', uid: string) => access.handleTap({ readerId: reader, uid, tech: 'sim', at: clock.now });
  tap('in', OFFICER);
  tap('in', BADGE);
  expect(store.visit(v.id)?.presence).toBe('inside');
  return { store, clock, visits, access, tap, strikes, id: v.id, types: () => store.events.since(0, 10_000).map((e) => e.type) };
}

describe('presence alarms', () => {
  it('alarm.visit_overstay once when the approval ends with the visitor inside; the visit shows it; the exit is still granted', () => {
    const d = door();
    expect(d.access.checkOverstay()).toEqual([]);
    d.clock.now += 60 * 60_000; // exactly at validUntil
    expect(d.access.checkOverstay()).toEqual([d.id]);
    expect(d.access.checkOverstay()).toEqual([]);
    expect(d.types().filter((t) => t === 'alarm.visit_overstay')).toHaveLength(1);
    expect(d.store.visit(d.id)?.overstayAt).toBe(d.clock.now);
    const strikes = d.strikes.length;
    const out = d.tap('out', BADGE);
    expect(out).toMatchObject({ outcome: 'grant', holder: 'visitor', lapsed: 'expired' });
    expect(d.strikes.length).toBe(strikes + 1);
    expect(d.store.visit(d.id)?.presence).toBe('outside');
    expect(d.store.events.since(0, 10_000).at(-1)?.data).toMatchObject({ visit: d.id, direction: 'out', lapsed: 'expired' });
    // Outside now: the badge no longer opens the door.
    expect(d.tap('in', BADGE)).toMatchObject({ outcome: 'deny', reason: 'expired' });
  });

  it('alarm.revoked_inside when a visit is revoked with the visitor inside, not when outside', () => {
    const d = door();
    d.visits.revoke(d.id, 'O1', 'left the escort');
    expect(d.types().filter((t) => t === 'alarm.revoked_inside')).toHaveLength(1);
    expect(d.tap('out', BADGE)).toMatchObject({ outcome: 'grant', lapsed: 'revoked' });
    const e = d.store.events.since(0, 10_000).filter((x) => x.type === 'alarm.revoked_inside');
    expect(e[0]?.data).toMatchObject({ visit: d.id, officer: 'O1', badge: BADGE });
  });

  it('the daemon raises alarm.visit_overstay by itself', async () => {
    const tc = tempConfig();
    dirs.push(tc.dir);
    const io = new SimDoorIo();
    const rin = new SimCardReader('in', 'in');
    const daemon = await buildDaemon(tc.config, silentLogger(), { io, readers: [rin, new SimCardReader('out', 'out')] });
    await daemon.start();
    try {
      const visits = visitService(tc.config, daemon.parts.store);
      const v = { id: seedIssuedVisit(visits, { head: '0A00', staff: OFFICER, badge: BADGE, until: Date.now() + 1500 }) };
      rin.tap(OFFICER);
      rin.tap(BADGE);
      io.openDoor(); // they go through (an unused grant would put them back outside)
      io.closeDoor();
      expect(daemon.parts.store.visit(v.id)?.presence).toBe('inside');
      const deadline = Date.now() + 20_000;
      while (!daemon.parts.store.visit(v.id)?.overstayAt && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(daemon.parts.store.events.since(0, 1000).filter((e) => e.type === 'alarm.visit_overstay').map((e) => e.data.visit)).toEqual([v.id]);
    } finally {
      await daemon.stop('test end');
    }
  }, 40_000);
});

describe('a wait left by a restart', () => {
  it('a visitor waiting for an escort when the daemon stopped is refused at the next start, once', async () => {
    const tc = tempConfig();
    dirs.push(tc.dir);
    const run = async () => {
      const rin = new SimCardReader('in', 'in');
      const daemon = await buildDaemon(tc.config, silentLogger(), { io: new SimDoorIo(), readers: [rin, new SimCardReader('out', 'out')] });
      await daemon.start();
      return { daemon, rin, store: daemon.parts.store };
    };
    const first = await run();
    const visits = visitService(tc.config, first.store);
    const v = { id: seedIssuedVisit(visits, { head: '0A00', staff: OFFICER, badge: BADGE }) };
    first.rin.tap(BADGE);
    expect(first.store.events.since(0, 1000).at(-1)?.type).toBe('access.awaiting_escort');
    await first.daemon.stop('power cut');
    for (let i = 0; i < 2; i++) {
      const again = await run();
      try {
        const refusals = again.store.events.since(0, 1000).filter((e) => e.type === 'access.denied' && e.data.visit === v.id);
        expect(refusals.map((e) => [e.data.reason, e.data.afterRestart])).toEqual([['escort-missing', true]]);
      } finally {
        await again.daemon.stop('test end');
      }
    }
  }, 40_000);
});
