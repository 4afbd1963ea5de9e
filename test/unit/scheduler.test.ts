import { describe, it, expect, afterEach } from 'vitest';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempConfig, type TempConfig } from '../helpers/config.js';
import { until } from '../helpers/cli.js';
import { openStore, buildDaemon, schedulerSettings, type DoorStore } from '../../src/main.js';
import { systemAt } from '../../src/adapters/os/system.js';
import { createLogger } from '../../src/adapters/log/pino.js';
import { ClockGuard, TIMESYNC_FLAG } from '../../src/app/clock.js';
import { Scheduler } from '../../src/app/scheduler.js';
import { LAST_HEALTH_KEY, loadReaderHealth } from '../../src/app/health/checklist.js';
import { SimDoorIo } from '../../src/adapters/sim/sim-door-io.js';
import { SimCardReader } from '../../src/adapters/sim/sim-reader.js';
import type { Store } from '../../src/adapters/sqlite/store.js';

const DAY = 86_400_000;
const temps: TempConfig[] = [];
const stores: Store[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) if (s.db.open) s.db.close();
  for (const t of temps.splice(0)) t.cleanup();
});
const log = createLogger('silent');

function setup(clock?: ClockGuard): { t: TempConfig; store: Store; root: string } {
  const t = tempConfig({ backup: { keep: 2, hour: 2 }, health: { intervalDays: 30, readerSilentDays: 14 } });
  temps.push(t);
  const store = openStore(t.config, clock ? { clock } : {});
  stores.push(store);
  const root = join(t.dir, 'root');
  mkdirSync(join(root, 'proc'), { recursive: true });
  writeFileSync(join(root, 'proc/uptime'), '100.0 50.0\n');
  return { t, store, root };
}

describe('maintenance scheduler', () => {
  it('a new door runs health soon after its first start (issue 16), then every intervalDays; nightly backup once per day; clock sync confirmed', async () => {
    let now = Date.parse('2026-12-01T01:00:00+07:00');
    // The store's guard runs on the test's clock (wall and monotonic), so the month skipped below is not a clock jump.
    const clock = new ClockGuard({ probe: () => false, now: () => now, mono: () => now });
    const { t, store, root } = setup(clock);
    const env = { ...systemAt(root), run: () => null, statfs: () => ({ bsize: 4096, blocks: 1e7, bavail: 5e6 }), now: () => now };
    // The first run comes firstHealthDelayMs after the first start (the timer), not health.intervalDays later.
    const s = new Scheduler({ store, settings: schedulerSettings(t.config), log, env, clock, tickMs: 3_600_000, firstHealthDelayMs: 50 });
    s.start();
    expect(store.meta(LAST_HEALTH_KEY)).toBeNull();
    await until(() => store.meta(LAST_HEALTH_KEY) !== null, 'the first health run', 10_000);
    await s.tick();
    expect(store.meta(LAST_HEALTH_KEY)).toBe(String(now));
    const kinds = (): string[] => store.events.since(0).map((e) => e.type).filter((x) => x !== 'alarm.health');
    expect(kinds()).toEqual(['health.report']); // no backup before 02:00
    expect(store.events.since(0)[0]!.data).toMatchObject({ trigger: 'schedule' });
    mkdirSync(join(root, 'run/systemd/timesync'), { recursive: true });
    writeFileSync(join(root, TIMESYNC_FLAG), '');
    now += 2 * 3_600_000; // 03:00 WIB
    await s.tick();
    expect(clock.synced()).toBe(true);
    expect(kinds()).toEqual(['health.report', 'backup.made']); // health not due again
    const backups = readdirSync(join(t.config.dataDir, 'backups'));
    expect(backups).toEqual(['pintu-20261201-030000.db']);
    now += 30 * DAY;
    await s.tick();
    const types = kinds();
    expect(types.slice(2)).toContain('health.report');
    expect(types.filter((x) => x === 'backup.made')).toHaveLength(2);
    const report = store.events.since(0).find((e) => e.type === 'health.report')!;
    expect(report.data).toMatchObject({ trigger: 'schedule' });
    await s.stop();
  });

  it('a door upgraded within its first interval (the old first start wrote a last-run time, no run) also runs health soon', async () => {
    const now = Date.parse('2026-12-01T01:00:00+07:00');
    const { t, store, root } = setup();
    store.setMeta(LAST_HEALTH_KEY, String(now - 3 * DAY)); // what the previous version wrote at its first start
    const env = { ...systemAt(root), run: () => null, statfs: () => ({ bsize: 4096, blocks: 1e7, bavail: 5e6 }), now: () => now };
    const s = new Scheduler({ store, settings: schedulerSettings(t.config), log, env, tickMs: 3_600_000, firstHealthDelayMs: 50 });
    s.start();
    await until(() => store.meta(LAST_HEALTH_KEY) === String(now), 'the first health run', 10_000);
    expect(store.events.since(0).filter((e) => e.type === 'health.report')).toHaveLength(1);
    await s.tick();
    expect(store.events.since(0).filter((e) => e.type === 'health.report')).toHaveLength(1); // then every intervalDays
    await s.stop();
  });

  it('the daemon writes reader health with its status, starts the scheduler and stops it before closing the database', async () => {
    const t = tempConfig();
    temps.push(t);
    const rin = new SimCardReader('in', 'in');
    const rout = new SimCardReader('out', 'out');
    const daemon = await buildDaemon(t.config, log, { io: new SimDoorIo(), readers: [rin, rout] });
    await daemon.start();
    rin.tap('0A1B2C3D4E');
    daemon.writeStatus(); // what the heartbeat does every second (taps no longer pay for a second commit)
    const snap = loadReaderHealth(daemon.parts.store);
    expect(snap?.readers.map((r) => [r.id, r.open, r.lastHeardAt !== null])).toEqual([['in', true, true], ['out', true, false]]);
    expect(JSON.stringify(snap)).not.toContain('0A1B2C3D4E');
    await daemon.stop();
    expect((daemon.parts.store as DoorStore).db.open).toBe(false);
    expect(existsSync(join(t.config.dataDir, 'pintu.db'))).toBe(true);
  });
});
