/**
 * Review of issue 9 §1: an officer whose grant was never used (the strike ran out and the door was never opened:
 * `access.unused`) did not enter. They must not count as inside, so they escort nobody: a visitor tapping right after
 * is not let in on the strength of an officer who stayed outside.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { silentLogger } from '../../src/adapters/log/pino.js';
import { buildDaemon, visitService } from '../../src/main.js';
import { SimDoorIo } from '../../src/adapters/sim/sim-door-io.js';
import { SimCardReader } from '../../src/adapters/sim/sim-reader.js';
import { seedIssuedVisit, tempConfig } from '../helpers/config.js';

const OFFICER = '0A01';
const BADGE = '1B01';
const OFFICER2 = '0A02';
const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

async function setup() {
  // Strike 1 s, escort window 30 s: the visitor taps well within the window of the officer's (unused) grant.
  const tc = tempConfig({ escort: { required: true, windowSeconds: 30 } });
  dirs.push(tc.dir);
  const io = new SimDoorIo();
  const rin = new SimCardReader('in', 'in');
  const rout = new SimCardReader('out', 'out');
  const daemon = await buildDaemon(tc.config, silentLogger(), { io, readers: [rin, rout] });
  await daemon.start();
  const store = daemon.parts.store;
  const visits = visitService(tc.config, store);
  const visitId = seedIssuedVisit(visits, { head: '0A00', staff: OFFICER, badge: BADGE });
  visits.addOfficer('T', 'staff', OFFICER2);
  const types = (): string[] => store.events.since(0, 10_000).map((e) => e.type);
  return { io, rin, rout, daemon, store, visitId, types };
}

async function waitFor(cond: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('review: an unused officer grant is no escort', () => {
  it('officer taps in but never opens the door (access.unused); a visitor tapping next is not let in alone', async () => {
    const { rin, daemon, store, visitId, types } = await setup();
    try {
      rin.tap(OFFICER);
      await waitFor(() => types().includes('access.unused'));
      // The officer never went through the door.
      const officerAfterUnused = store.officer('O2')?.presence;
      rin.tap(BADGE);
      await waitFor(() => types().filter((t) => t.startsWith('access.')).length >= 3);
      const last = store.events.since(0, 10_000).filter((e) => e.type.startsWith('access.')).at(-1)!;
      expect(last.type).toBe('access.awaiting_escort');
      expect(store.visit(visitId)?.presence).toBe('outside');
      expect(officerAfterUnused).toBe('outside');
    } finally {
      await daemon.stop('test end');
    }
  }, 40_000);

  it('the last officer "inside" turns out never to have entered while a visitor is inside: alarm.visitor_unescorted', async () => {
    const { io, rin, rout, daemon, store, visitId, types } = await setup();
    try {
      rin.tap(OFFICER);
      rin.tap(BADGE);
      await waitFor(() => store.visit(visitId)?.presence === 'inside');
      io.openDoor(); // both enter through one opening
      io.closeDoor();
      rin.tap(OFFICER2); // O3 taps in but never opens the door
      rout.tap(OFFICER); // O2 leaves at once: O3 still counts as inside, so no alarm yet
      await waitFor(() => store.events.since(0, 10_000).some((e) => e.type === 'access.unused' && e.data.officerOutside === 'O3'));
      await waitFor(() => types().includes('alarm.visitor_unescorted'));
      expect(store.officersInside()).toEqual([]);
    } finally {
      await daemon.stop('test end');
    }
  }, 40_000);
});

describe('an unused visitor grant', () => {
  it('puts the visitor back outside: no time inside, no false alarm, and the next entry is not refused as passback', async () => {
    const { io, rin, daemon, store, visitId } = await setup();
    try {
      rin.tap(OFFICER);
      rin.tap(BADGE);
      expect(store.visit(visitId)?.presence).toBe('inside');
      // Nobody opens the door: both grants run out.
      await waitFor(() => store.events.since(0, 10_000).some((e) => e.type === 'access.unused' && e.data.visitorOutside === visitId));
      const v = store.visit(visitId)!;
      expect(v.presence).toBe('outside');
      expect(v.at.firstEntry).toBeUndefined();
      expect(store.events.since(0, 10_000).map((e) => e.type)).not.toContain('alarm.visitor_unescorted');
      // This time they go through together.
      rin.tap(OFFICER);
      rin.tap(BADGE);
      expect(store.visit(visitId)?.presence).toBe('inside');
      io.openDoor();
      io.closeDoor();
      await new Promise((r) => setTimeout(r, 2500)); // past the strike: nothing is unused now
      expect(store.visit(visitId)?.presence).toBe('inside');
      expect(store.officer('O2')?.presence).toBe('inside');
    } finally {
      await daemon.stop('test end');
    }
  }, 40_000);
});
