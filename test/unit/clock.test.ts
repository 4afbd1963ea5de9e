import { describe, it, expect, afterEach } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILD_DATE_MS, ClockGuard, TIMESYNC_FLAG, UNSYNCED_MAX_VALIDITY_HOURS, clockSyncProbe } from '../../src/app/clock.js';
import { systemAt } from '../../src/adapters/os/system.js';
import { openDatabase } from '../../src/adapters/sqlite/db.js';
import { Store } from '../../src/adapters/sqlite/store.js';
import { EventLog, type StoredEvent } from '../../src/adapters/sqlite/event-log.js';
import { Scheduler } from '../../src/app/scheduler.js';
import { createLogger } from '../../src/adapters/log/pino.js';
import { dataCipher, openStore, schedulerSettings, visitService } from '../../src/main.js';
import { PURGED } from '../../src/app/maintenance/purge.js';
import { tempConfig, testNik } from '../helpers/config.js';
import { applyTestClockOffset } from '../../src/app/test-clock.js';
import { filler } from '../helpers/events.js';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });
const tmp = (): string => { const d = mkdtempSync(join(tmpdir(), 'pintu-clock-')); dirs.push(d); return d; };

const after = BUILD_DATE_MS + 86_400_000;

describe('ClockGuard', () => {

  it('marks events clockSynced:false until the probe confirms sync, then leaves them alone', () => {
    let synced = false;
    let now = after;
    const g = new ClockGuard({ probe: () => synced, now: () => now, recheckMs: 1000 });
    expect(g.stamp(now, null)).toEqual({ marks: { clockSynced: false }, at: now, before: [] });
    synced = true;
    expect(g.synced()).toBe(false); // not re-probed within recheckMs
    now += 1000;
    expect(g.stamp(now, null)).toEqual({ marks: {}, at: now, before: [] });
    synced = false;
    expect(g.synced()).toBe(true); // sticky once confirmed
  });

  it('never writes a time before the build date as real: raised to the build date, raw reading kept, even when "synced"', () => {
    const g = new ClockGuard({ probe: () => true, now: () => 0 });
    const s = g.stamp(86_400_000, null); // 1970-01-02
    expect(s.at).toBe(BUILD_DATE_MS);
    expect(s.marks).toEqual({ clockSynced: false, clockRaw: '1970-01-02T00:00:00.000Z' });
  });

  it('limits approvals given while unsynchronised', () => {
    const g = new ClockGuard({ probe: () => false, now: () => after });
    expect(g.limitValidity(after, after + 24 * 3_600_000)).toBe(after + UNSYNCED_MAX_VALIDITY_HOURS * 3_600_000);
    const ok = new ClockGuard({ probe: () => true, now: () => after });
    expect(ok.limitValidity(after, after + 24 * 3_600_000)).toBe(after + 24 * 3_600_000);
  });

  it('probe: timesyncd flag file under an injected root, else timedatectl via the injected runner', () => {
    const root = tmp();
    expect(clockSyncProbe(systemAt(root, null)).synced).toBe(false);
    expect(clockSyncProbe(systemAt(root, () => ({ code: 0, stdout: 'yes\n' })))).toEqual({ synced: true, source: 'timedatectl NTPSynchronized' });
    expect(clockSyncProbe(systemAt(root, () => ({ code: 0, stdout: 'no\n' }))).synced).toBe(false);
    mkdirSync(join(root, 'run/systemd/timesync'), { recursive: true });
    writeFileSync(join(root, TIMESYNC_FLAG), '');
    expect(clockSyncProbe(systemAt(root, () => ({ code: 0, stdout: 'no\n' }))).synced).toBe(true);
  });

  it('hooked into EventLog.append: stored events carry the mark and the hash chain still verifies', () => {
    const d = tmp();
    const g = new ClockGuard({ probe: () => false, now: () => 1000 });
    const store = new Store(openDatabase(join(d, 'p.db'), { synchronous: 'normal' }), 'door-1', g);
    try {
      const [e1] = store.tx(() => store.events.append([filler('daemon.started', { pid: 1 })], 1000));
      expect(store.events.clock).toBe(g);
      // The same door's log without a clock hook (an unguarded writer) continues the chain with unmarked events.
      const unguarded = new EventLog(store.db, 'door-1', null);
      store.tx(() => unguarded.append([filler('daemon.stopped')], after));
      expect(e1!.at).toBe(new Date(BUILD_DATE_MS).toISOString());
      const all = store.events.since(0);
      expect(all.map((e) => e.data)).toEqual([{ pid: 1, clockSynced: false, clockRaw: '1970-01-01T00:00:01.000Z' }, {}]);
      expect(store.events.verify()).toBeNull();
    } finally {
      store.db.close();
    }
  });
});

describe('the clock guard is an explicit dependency of the store (issue 11)', () => {
  it('a store is built with the guard that stamps its events: openStore\'s store carries it, attached once; a store without one must say so', () => {
    const tc = tempConfig();
    try {
      const g = new ClockGuard({ probe: () => false, now: () => after });
      const store = openStore(tc.config, { clock: g });
      try {
        expect(store.clock).toBe(g);
        expect(store.events.clock).toBe(g);
        const [e] = store.tx(() => store.events.append([filler('test.note')], after));
        expect(e!.data).toEqual({ clockSynced: false });
        expect(visitService(tc.config, store).timeZone).toBe(tc.config.visits.timeZone);
        // One store per guard: a second store cannot take over a guard already in use.
        expect(() => new Store(store.db, tc.config.door.id, g, dataCipher(tc.config))).toThrow(/already guards another store/);
        // Compile-time: a store (or log) built without saying which clock guards it, or an unguarded store handed to the
        // officer-side service, does not compile (`tsc -p tsconfig.test.json` fails if these lines compile).
        // @ts-expect-error the clock argument is required (left out here, before the data key the encrypted database needs)
        expect(() => new Store(store.db, tc.config.door.id, undefined, dataCipher(tc.config))).not.toThrow();
        // @ts-expect-error the clock argument is required
        expect(() => new EventLog(store.db, tc.config.door.id)).not.toThrow();
        // @ts-expect-error a store without a clock guard cannot back the visit service
        const unguardedService = (): unknown => visitService(tc.config, new Store(store.db, tc.config.door.id, null));
        expect(unguardedService).toBeTypeOf('function');
      } finally {
        store.db.close();
      }
    } finally {
      tc.cleanup();
    }
  });
});

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T = Date.parse('2026-12-01T02:00:00Z');

/** A door store on a fake clock: wall time `c.t` (set back and forward at will) and monotonic time `c.m`. */
function fakeClockDoor(probe: () => boolean = () => true) {
  const tc = tempConfig({ backup: { keep: 0, hour: 2 } });
  const c = { t: T, m: 0 };
  const guard = (): ClockGuard => new ClockGuard({ probe, now: () => c.t, mono: () => c.m });
  let store = openStore(tc.config, { clock: guard() });
  const r = {
    c, tc,
    get store() { return store; },
    get clock() { return store.clock; },
    visits: () => visitService(tc.config, store),
    /** Close and reopen the database with a new guard (a restart of the process). */
    restart() { store.db.close(); store = openStore(tc.config, { clock: guard() }); },
    /** Let time pass: both clocks advance. */
    pass(ms: number) { c.t += ms; c.m += ms; },
    note(text: string) { return store.tx(() => store.events.append([filler('test.note', { text })], c.t)); },
    events: (): StoredEvent[] => store.events.since(0, 10_000),
    close() { if (store.db.open) store.db.close(); tc.cleanup(); },
  };
  return r;
}
type FakeDoor = ReturnType<typeof fakeClockDoor>;
const doors: FakeDoor[] = [];
afterEach(() => { for (const d of doors.splice(0)) d.close(); });
const door = (probe?: () => boolean): FakeDoor => { const d = fakeClockDoor(probe); doors.push(d); return d; };

/** A visit approved at the current (fake) time until `until`, with its badge issued. */
function approvedVisit(d: FakeDoor, until: number): string {
  const v = d.visits();
  if (!d.store.officer('O1')) { v.addOfficer('Staf', 'staff', '0A00000001'); v.addOfficer('Kepala', 'head', '0A00000002'); v.addBadge('1B00000001', 'TAMU-01'); }
  const id = v.request({ name: 'Budi', nik: testNik(1), org: 'PT X', purpose: 'disk swap' }).id;
  v.check(id, 'O1');
  v.approve(id, 'O2', { until });
  v.issue(id, 'TAMU-01', 'O1', { rulesAcknowledged: true });
  return id;
}

function expectOrderedChain(d: FakeDoor): void {
  const all = d.events();
  for (let i = 1; i < all.length; i++) expect(Date.parse(all[i]!.at), `seq ${all[i]!.seq}`).toBeGreaterThanOrEqual(Date.parse(all[i - 1]!.at));
  expect(d.store.events.verify()).toBeNull();
}

describe('high-water mark of time: a clock that goes back and forward', () => {
  it('a clock set back a day never reopens an expired approval: effective time is max(clock, newest event) and ticks on', () => {
    const d = door();
    const id = approvedVisit(d, T + 2 * HOUR);
    d.pass(3 * HOUR);
    d.note('after expiry');
    const mark = T + 3 * HOUR;
    expect(d.clock.now()).toBe(mark);
    expect(d.clock.trusted()).toBe(true);
    const until = d.store.visit(id)!.validUntil!;
    d.c.t -= DAY; // fake-hwclock after a power cut: yesterday, inside the approval's window on the raw clock
    expect(d.c.t).toBeLessThan(until);
    expect(d.clock.now()).toBe(mark); // not the raw clock: the approval stays expired
    expect(d.clock.now()).toBeGreaterThanOrEqual(until);
    expect(d.clock.rolledBack()).toBe(true);
    expect(d.clock.trusted()).toBe(false);
    // Issuing is judged on the same time: refused as expired, although the raw clock is inside the window.
    const v = d.visits();
    const other = v.request({ name: 'Sari', nik: testNik(2), org: 'PT Y', purpose: 'audit' }).id;
    v.check(other, 'O1');
    // Approvals start at the effective time and are capped as for an unsynchronised clock.
    const approved = v.approve(other, 'O2');
    expect(approved.validFrom).toBeGreaterThanOrEqual(mark);
    expect(approved.validUntil! - approved.validFrom!).toBeLessThanOrEqual(UNSYNCED_MAX_VALIDITY_HOURS * HOUR);
    // Time keeps passing on the set-back clock: the effective time moves on from the mark by as much.
    d.pass(10 * 60_000);
    expect(d.clock.now()).toBeGreaterThanOrEqual(mark + 10 * 60_000);
    expect(d.clock.now()).toBeLessThan(mark + 11 * 60_000);
  });

  it('alarm.clock_rollback is raised once per episode: not on every event, not again after a restart while still behind; again after the clock was right and goes back again', () => {
    const d = door();
    d.note('before');
    d.pass(HOUR);
    d.note('at the mark');
    const mark = d.c.t;
    d.c.t -= DAY;
    d.note('behind 1');
    d.pass(5 * 60_000);
    d.note('behind 2');
    const alarms = (): StoredEvent[] => d.events().filter((e) => e.type === 'alarm.clock_rollback');
    expect(alarms()).toHaveLength(1);
    expect(alarms()[0]!.data).toMatchObject({ behindMs: DAY, newestAt: new Date(mark).toISOString(), clockSynced: false });
    const behind = d.events().filter((e) => e.data.text === 'behind 1' || e.data.text === 'behind 2');
    // Written at the effective time, never before the mark; the raw reading kept; marked unsynchronised.
    expect(behind.map((e) => e.at)).toEqual([new Date(mark).toISOString(), new Date(mark + 5 * 60_000).toISOString()]);
    expect(behind.map((e) => [e.data.clockRaw, e.data.clockSynced])).toEqual([
      [new Date(mark - DAY).toISOString(), false], [new Date(mark - DAY + 5 * 60_000).toISOString(), false]]);
    // Restart (a new process: monotonic time starts again) while still behind; downtime of 20 min on the raw clock.
    d.c.t += 20 * 60_000;
    d.c.m = 0;
    d.restart();
    expect(d.clock.now()).toBe(mark + 25 * 60_000); // the offset carried by the last event survives the restart
    d.note('behind after restart');
    expect(alarms()).toHaveLength(1);
    expect(d.events().at(-1)!.at).toBe(new Date(mark + 25 * 60_000).toISOString());
    // NTP corrects the clock: events are normal again and the episode is over.
    d.c.t = mark + 2 * HOUR;
    d.note('corrected');
    expect(d.events().at(-1)!.data).toEqual({ text: 'corrected' });
    expect(d.clock.trusted()).toBe(true);
    // A new rollback is a new episode.
    d.c.t -= HOUR;
    d.note('behind again');
    expect(alarms()).toHaveLength(2);
    expectOrderedChain(d);
  });

  it('within the tolerance nothing is raised; the log still never goes backwards', () => {
    const d = door();
    d.note('a');
    d.c.t -= 3000;
    d.note('b');
    expect(d.events().map((e) => e.type)).toEqual(['test.note', 'test.note']);
    expect(d.events()[1]!.data).toEqual({ text: 'b' });
    expectOrderedChain(d);
  });

  it('the purge never runs on a clock set back, and says why (scheduler: logged, one event, nothing purged)', async () => {
    const d = door();
    const id = approvedVisit(d, T + 2 * HOUR);
    d.visits().checkout(id, 'O1', []);
    d.pass(400 * DAY); // a normal year passes (wall and monotonic): the visit is due for the purge
    d.note('a year later');
    d.c.t -= DAY;
    expect(d.clock.maintenanceRefusal().join('; ')).toMatch(/1 d behind the newest event: it was set back/);
    const s = new Scheduler({ store: d.store, settings: schedulerSettings(d.tc.config), log: createLogger('silent'), clock: d.clock, env: { ...systemAt(d.tc.dir), run: () => null, statfs: () => ({ bsize: 4096, blocks: 1e7, bavail: 5e6 }), now: () => d.c.t } });
    await s.tick();
    await s.tick();
    expect(d.store.visit(id)!.visitor.name).toBe('Budi');
    const refused = d.events().filter((e) => e.type === 'privacy.purge_refused');
    expect(refused).toHaveLength(1);
    expect(refused[0]!.data).toMatchObject({ due: 1 });
    expect(String(refused[0]!.data.reasons)).toMatch(/set back/);
    // The clock right again: the purge runs.
    d.c.t += DAY + 60_000;
    await s.tick();
    expect(d.store.visit(id)!.visitor.name).toBe(PURGED);
    expectOrderedChain(d);
  });

  it('a forward jump far beyond what the log vouches for raises alarm.clock_jump once and pauses the purge, across restarts, until a head confirms', async () => {
    const d = door();
    const id = approvedVisit(d, T + 2 * HOUR);
    d.visits().checkout(id, 'O1', []);
    d.pass(HOUR);
    d.c.t += 400 * DAY; // a bad NTP source or a typo in `date -s`: no time passed on the monotonic clock
    expect(d.clock.maintenanceRefusal().join('; ')).toMatch(/jumped forward 400 d/);
    // The reason (also in privacy.purge_refused, sent to the centre) says what to do in domain words; the CLI says how.
    expect(d.clock.maintenanceRefusal().join('; ')).toMatch(/a head confirms the clock at the door$/);
    expect(d.clock.maintenanceRefusal().join('; ')).not.toMatch(/--by|pintu /);
    d.note('after the jump');
    const jumps = (): StoredEvent[] => d.events().filter((e) => e.type === 'alarm.clock_jump');
    expect(jumps()).toHaveLength(1);
    // A restart does not launder the jump (the log now holds the new time, but the jump is recorded until confirmed).
    d.pass(HOUR);
    d.c.m = 0;
    d.restart();
    d.note('after restart');
    expect(jumps()).toHaveLength(1);
    const s = new Scheduler({ store: d.store, settings: schedulerSettings(d.tc.config), log: createLogger('silent'), clock: d.clock, env: { ...systemAt(d.tc.dir), run: () => null, statfs: () => ({ bsize: 4096, blocks: 1e7, bavail: 5e6 }), now: () => d.c.t } });
    await s.tick();
    expect(d.store.visit(id)!.visitor.name).toBe('Budi');
    expect(d.events().filter((e) => e.type === 'privacy.purge_refused')).toHaveLength(1);
    // Events written meanwhile say the time is not trusted.
    expect(d.events().at(-1)!.data.clockSynced).toBe(false);
    d.store.tx(() => d.clock.confirmJump('O2'));
    expect(d.clock.maintenanceRefusal()).toEqual([]);
    await s.tick();
    expect(d.store.visit(id)!.visitor.name).toBe(PURGED);
    expectOrderedChain(d);
  });

  it('an unsynchronised clock refuses the purge, naming it; a legitimate day of downtime is not a jump', () => {
    const d = door(() => false);
    d.note('x');
    expect(d.clock.maintenanceRefusal()).toEqual([expect.stringMatching(/not synchronised/)]);
    const ok = door();
    ok.note('before downtime');
    ok.c.t += DAY; // the Pi was off for a day
    ok.c.m = 0;
    ok.restart();
    ok.note('after');
    expect(ok.clock.maintenanceRefusal()).toEqual([]);
    expect(ok.events().map((e) => e.type)).toEqual(['test.note', 'test.note']);
  });
});

describe('test-only clock offset (PINTU_TEST_CLOCK_OFFSET_MS)', () => {
  it('is ignored unless NODE_ENV=test, and a malformed value is refused naming the variable', () => {
    const before = Date.now;
    expect(applyTestClockOffset({ PINTU_TEST_CLOCK_OFFSET_MS: '-86400000', NODE_ENV: 'production' })).toBe(0);
    expect(applyTestClockOffset({})).toBe(0);
    expect(Date.now).toBe(before);
    expect(() => applyTestClockOffset({ PINTU_TEST_CLOCK_OFFSET_MS: '1d', NODE_ENV: 'test' })).toThrow(/PINTU_TEST_CLOCK_OFFSET_MS="1d" must be an integer/);
  });
});
