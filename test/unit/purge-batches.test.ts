/**
 * The daemon's purge runs in bounded batches (issue 14, item 3): with thousands of visits due at once (an upgrade, a
 * shortened privacy.retentionDays) it never holds the event loop for more than one batch — a tap, a timer, the console
 * get their turn between batches — every erased visit is covered by a destruction record committed with it, and a stop
 * between batches (the daemon shutting down) leaves whole visits and their records, no batch after the store closes.
 * Real store (encrypted at rest), the real scheduler on a fake clock; batch bounds by count only, so nothing depends on
 * how fast the machine is.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempConfig, testNik, type TempConfig } from '../helpers/config.js';
import { filler } from '../helpers/events.js';
import { openStore, schedulerSettings, type DoorStore } from '../../src/main.js';
import { systemAt } from '../../src/adapters/os/system.js';
import { createLogger } from '../../src/adapters/log/pino.js';
import { ClockGuard, TIMESYNC_FLAG } from '../../src/app/clock.js';
import { Scheduler } from '../../src/app/scheduler.js';
import { HEALTH_SUMMARY_KEY, LAST_HEALTH_KEY } from '../../src/app/health/checklist.js';
import { PURGED, purgeInBatches, purgePersonalData } from '../../src/app/maintenance/purge.js';
import { destructionRecords, formatDestructionRecords, newestDestructionRecords } from '../../src/cli/purge-report.js';
import type { StoredEvent } from '../../src/ports/store.js';
import type { Visit, VisitState } from '../../src/domain/types.js';

const DAY = 86_400_000;
const NOW = Date.parse('2027-06-01T03:00:00Z');
const DUE = 2000;
/** Small batches, ended by count only (no time budget): 2,000 due visits are 20 batches whatever the machine. */
const BATCH = { maxVisits: 100, budgetMs: Number.POSITIVE_INFINITY, minVisits: 1, pageSize: 64 };
const temps: TempConfig[] = [];
const stores: DoorStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) if (s.db.open) s.db.close();
  for (const t of temps.splice(0)) t.cleanup();
});

/** Visit n, closed `closedDaysAgo` days before NOW in `state` (issued: still inside, never due). */
function visit(n: number, state: VisitState, closedDaysAgo: number): Visit {
  const closed = NOW - closedDaysAgo * DAY;
  const at = state === 'denied' ? { decided: closed } : state === 'cancelled' ? { cancelled: closed } : state === 'issued' ? {} : { checkedOut: closed, archived: closed };
  return {
    id: `V-20260101-${String(n).padStart(4, '0')}`, kind: 'visit', state, presence: state === 'issued' ? 'inside' : 'outside',
    visitor: { name: `Pengunjung Nomor${n}`, nik: testNik(n), org: 'PT Contoh', phone: `0812${String(n).padStart(8, '0')}` },
    purpose: `keperluan ${n}`, plannedMinutes: 60, devicesIn: [], devicesOut: state === 'issued' ? null : [],
    letterRef: null, ktpHash: `hash${n}`, ktpHeld: state === 'issued', badgeUid: null, validFrom: null, validUntil: null,
    at: { requested: closed - 3_600_000, ...at }, by: {}, denyReason: state === 'denied' ? `alasan ${n}` : null, revokeReason: null, disposition: null,
  };
}

/** A door with DUE visits past a 30-day retention (archived, denied, cancelled mixed), 50 recent ones and 10 inside. */
function door(): { t: TempConfig; store: DoorStore; scheduler: (o?: { onEvents?: (e: StoredEvent[]) => void; clock?: ClockGuard }) => Scheduler } {
  const t = tempConfig({ privacy: { retentionDays: 30, expireUndecidedDays: 14 }, backup: { keep: 0, hour: 2 } });
  temps.push(t);
  const clock = new ClockGuard({ probe: () => true, now: () => NOW, mono: () => NOW });
  const store = openStore(t.config, { clock });
  stores.push(store);
  store.tx(() => {
    for (let n = 1; n <= DUE; n++) store.saveVisit(visit(n, n % 7 === 0 ? 'denied' : n % 11 === 0 ? 'cancelled' : 'archived', 40 + (n % 300)));
    for (let n = DUE + 1; n <= DUE + 50; n++) store.saveVisit(visit(n, 'archived', 5)); // within retention
    for (let n = DUE + 51; n <= DUE + 60; n++) store.saveVisit(visit(n, 'issued', 400)); // inside: open, never due
  });
  // The health checklist is not due: only the purge runs (a run writes both keys; issue 16: without a summary it never ran).
  store.setMeta(LAST_HEALTH_KEY, String(NOW));
  store.setMeta(HEALTH_SUMMARY_KEY, JSON.stringify({ state: 'ok', failing: [] }));
  const root = join(t.dir, 'root');
  mkdirSync(join(root, 'proc'), { recursive: true });
  writeFileSync(join(root, 'proc/uptime'), '100.0 50.0\n');
  mkdirSync(join(root, 'run/systemd/timesync'), { recursive: true });
  writeFileSync(join(root, TIMESYNC_FLAG), '');
  const env = { ...systemAt(root), run: () => null, statfs: () => ({ bsize: 4096, blocks: 1e7, bavail: 5e6 }), now: () => NOW };
  return {
    t, store,
    scheduler: (o = {}) => new Scheduler({ store, settings: schedulerSettings(t.config), log: createLogger('silent'), env, clock, tickMs: 3_600_000, purgeBatch: BATCH, ...o }),
  };
}

const records = (store: DoorStore): StoredEvent[] => store.eventsOfType('privacy.purged', 100_000);
const countOf = (e: StoredEvent): number => (e.data as { count: number }).count;
const erased = (store: DoorStore): number => store.db.prepare('SELECT COUNT(*) FROM visits WHERE purged_at IS NOT NULL').pluck().get() as number;

/** Every visit is either wholly erased (with purged_at) or wholly intact: never half-erased. */
function expectWholeVisits(store: DoorStore): void {
  for (let n = 1; n <= DUE + 60; n++) {
    const v = store.visit(visit(n, 'archived', 0).id)!;
    if (v.purged) {
      expect([v.visitor.name, v.visitor.nik, v.visitor.phone, v.ktpHash, v.purpose], v.id).toEqual([PURGED, '', null, null, PURGED]);
      if (v.state === 'denied') expect(v.denyReason, v.id).toBe(PURGED);
    } else {
      expect([v.visitor.name, v.visitor.nik, v.ktpHash, v.purpose], v.id).toEqual([`Pengunjung Nomor${n}`, testNik(n), `hash${n}`, `keperluan ${n}`]);
    }
  }
}

describe('the daemon purges in bounded batches', () => {
  it('2,000 due visits: 20 batches, the event loop\'s turn between every two (a tap written between each), every erased visit in a record', async () => {
    const { store, scheduler } = door();
    let done = false;
    // A "tap" queued on the event loop meanwhile, again and again: it writes to the same log, so the log's order shows
    // where it ran. And a timer, as the door's strike and heldOpen timers are.
    let taps = 0;
    const tap = (): void => {
      if (done) return;
      store.tx(() => store.events.append([filler('test.note', { tap: ++taps })], NOW));
      setImmediate(tap);
    };
    const timerSaw: number[] = [];
    const timer = (): void => {
      if (done) return;
      timerSaw.push(records(store).length);
      setTimeout(timer, 0);
    };
    const s = scheduler();
    setImmediate(tap);
    setTimeout(timer, 0);
    await s.tick();
    done = true;

    const recs = records(store);
    expect(recs.map(countOf)).toEqual(Array(20).fill(100));
    expect(recs.map((e) => (e.data as { batch: number }).batch)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(new Set(recs.map((e) => (e.data as { run: string }).run))).toEqual(new Set([new Date(NOW).toISOString()]));
    // Between any two batches the event loop ran the tap queued meanwhile: never two batches in one turn.
    const log = store.events.since(0, 100_000).map((e) => e.type as string).filter((type) => type === 'privacy.purged' || type === 'test.note');
    const first = log.indexOf('privacy.purged');
    const runLog = log.slice(first, log.lastIndexOf('privacy.purged') + 1);
    for (let i = 1; i < runLog.length; i++) expect(runLog[i - 1] === 'privacy.purged' && runLog[i] === 'privacy.purged', `batches ${i} and ${i + 1} back to back`).toBe(false);
    // The timer ran while the purge was under way, not only after it.
    expect(timerSaw.some((n) => n > 0 && n < 20)).toBe(true);
    // Every erased visit is covered by a record: the records' counts add up to the visits erased, per category too.
    expect(erased(store)).toBe(DUE);
    expect(recs.reduce((sum, e) => sum + countOf(e), 0)).toBe(DUE);
    const cats = recs.map((e) => (e.data as { categories: Record<string, number> }).categories);
    expect(cats.reduce((sum, c) => sum + c.identity!, 0)).toBe(DUE);
    expect(cats.reduce((sum, c) => sum + c.ktpHash!, 0)).toBe(DUE);
    expectWholeVisits(store);
    expect(store.visit(visit(DUE + 1, 'archived', 0).id)!.purged).toBeUndefined(); // within retention: kept
    expect(store.events.verify()).toBeNull();

    // pintu purge --report: the run is one record, its 20 batches merged.
    const report = destructionRecords(recs);
    expect(report).toHaveLength(1);
    expect(report[0]).toMatchObject({ seq: recs[0]!.seq, lastSeq: recs.at(-1)!.seq, hash: recs.at(-1)!.hash, batches: 20, data: { count: DUE, ranBy: 'daemon' } });
    const states = (report[0]!.data as { states: Record<string, number> }).states;
    expect(Object.values(states).reduce((a, b) => a + b, 0)).toBe(DUE);
    expect(states.denied).toBe(Math.floor(DUE / 7));
    const text = formatDestructionRecords(report, { door: 'door-1', site: 'test-site', timeZone: 'Asia/Jakarta' });
    expect(text).toMatch(new RegExp(`peristiwa no\\. ${recs[0]!.seq}–${recs.at(-1)!.seq}, 20 tahap`));
    expect(text).toMatch(/Jumlah kunjungan\s+: 2000 \(/);
    expect(text).toMatch(/identitas \(nama, NIK, nomor telepon\)\s+: 2000 kunjungan/);

    // The next tick finds nothing due: no record.
    await s.tick();
    expect(records(store)).toHaveLength(20);
    await s.stop();
  });

  it('a stop between batches: the run ends after the batch under way, whole visits, each erased one in a record; no batch after the store closes; the next start goes on', async () => {
    const { t, store, scheduler } = door();
    let s: Scheduler | null = null;
    let stopping: Promise<void> | null = null;
    s = scheduler({
      onEvents: (ev) => {
        // The daemon is told to stop while its purge is under way (after the third batch's record).
        if (ev.some((e) => e.type === 'privacy.purged' && (e.data as { batch: number }).batch === 3)) stopping ??= s!.stop();
      },
    });
    await s.tick();
    expect(stopping).not.toBeNull();
    await stopping;
    // stop() resolved once the job ended: no batch comes later, however many turns the event loop takes.
    await new Promise((r) => setTimeout(r, 50));
    expect(records(store).map(countOf)).toEqual([100, 100, 100]);
    expect(erased(store)).toBe(300);
    expectWholeVisits(store);
    expect(store.events.verify()).toBeNull();
    // No nightly backup started once stopping, and no job after stop().
    expect(store.events.since(0, 100_000).some((e) => e.type === 'backup.made')).toBe(false);
    await s.tick();
    expect(records(store)).toHaveLength(3);
    // The daemon's lifecycle closes the store after the scheduler's stop: nothing of the purge runs after.
    store.db.close();
    await new Promise((r) => setTimeout(r, 50));

    // A restart: the next run purges the rest; every erased visit is covered by a record; two runs in the report.
    const again = openStore(t.config, { clock: new ClockGuard({ probe: () => true, now: () => NOW + 60_000, mono: () => NOW + 60_000 }) });
    stores.push(again);
    expect(records(again)).toHaveLength(3);
    const r = await purgeInBatches(again, { retentionDays: 30, now: NOW + 60_000, run: { ranBy: 'daemon' }, limits: BATCH });
    expect([r.count, r.batches, r.interrupted]).toEqual([DUE - 300, 17, null]);
    const recs = records(again);
    expect(recs.reduce((sum, e) => sum + countOf(e), 0)).toBe(DUE);
    expect(erased(again)).toBe(DUE);
    const report = newestDestructionRecords((n) => again.eventsOfType('privacy.purged', n), 10);
    expect(report.map((x) => [x.batches, x.data.count])).toEqual([[3, 300], [17, DUE - 300]]);
    // --limit 1: the newest run whole, though its 17 batches are more events than the limit.
    expect(newestDestructionRecords((n) => again.eventsOfType('privacy.purged', n), 1).map((x) => [x.batches, x.data.count])).toEqual([[17, DUE - 300]]);
  });

  it('asks the clock before each batch: a clock no longer trusted ends the run between batches; refused from the start, nothing is erased and the due visits are counted', async () => {
    const { t, store, scheduler } = door();
    let asked = 0;
    const r = await purgeInBatches(store, {
      retentionDays: 30, now: NOW, limits: BATCH, refusal: () => (++asked > 2 ? ['the clock jumped forward'] : []),
    });
    expect([r.count, r.batches]).toEqual([200, 2]);
    expect(r.interrupted).toEqual({ by: 'clock', reasons: ['the clock jumped forward'] });
    expect(records(store).map(countOf)).toEqual([100, 100]);
    expectWholeVisits(store);

    // The scheduler on an untrusted clock (never synchronised): nothing erased, the due visits counted (by pages, no visit read).
    rmSync(join(t.dir, 'root', TIMESYNC_FLAG));
    const untrusted = new ClockGuard({ probe: () => false, now: () => NOW, mono: () => NOW });
    const s = scheduler({ clock: untrusted });
    await s.tick();
    const refused = store.events.since(0, 100_000).filter((e) => e.type === 'privacy.purge_refused');
    expect(refused.map((e) => e.data.due)).toEqual([DUE - 200]);
    expect(erased(store)).toBe(200);
  });

  it('pintu purge (no event loop to share) runs the same batches back to back: one record per batch, the visits listed', () => {
    const { store } = door();
    const r = purgePersonalData(store, { retentionDays: 30, now: NOW, dryRun: false, run: { ranBy: 'cli', officer: 'O1' }, limits: BATCH });
    expect([r.count, r.batches, r.visits.length]).toEqual([DUE, 20, DUE]);
    expect(new Set(r.visits.map((v) => v.visit)).size).toBe(DUE);
    expect(records(store).map(countOf)).toEqual(Array(20).fill(100));
    expect(records(store).every((e) => e.data.ranBy === 'cli' && e.data.officer === 'O1')).toBe(true);
    expectWholeVisits(store);
    expect(purgePersonalData(store, { retentionDays: 30, now: NOW, dryRun: false }).count).toBe(0);
  });
});
