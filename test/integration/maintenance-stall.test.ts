/**
 * The nightly backup and the health check's database checks do not block the event loop (issue 9, section 5): on a
 * database of a couple of hundred MB they take seconds, and the taps must not wait for them. A timer on the event loop
 * keeps firing throughout: its longest gap stays far below the time the whole job takes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempConfig, type TempConfig } from '../helpers/config.js';
import { openStore, schedulerSettings } from '../../src/main.js';
import { createLogger } from '../../src/adapters/log/pino.js';
import { Scheduler } from '../../src/app/scheduler.js';
import { LAST_HEALTH_KEY } from '../../src/app/health/checklist.js';
import { backupTo } from '../../src/adapters/sqlite/backup.js';
import { systemAt } from '../../src/adapters/os/system.js';
import type { Store } from '../../src/adapters/sqlite/store.js';
import { filler } from '../helpers/events.js';

/** Rows of 3,000 bytes in a scratch table: about 200 MB. */
const ROWS = 65_000;

let t: TempConfig;
let store: Store;
beforeAll(() => {
  t = tempConfig({ backup: { keep: 2, hour: 0 }, health: { intervalDays: 1, readerSilentDays: 14 } });
  mkdirSync(t.config.dataDir, { recursive: true });
  // Fill the file fast (no journal, no fsync), then open it as pintu does (WAL, migrations).
  const raw = new Database(join(t.config.dataDir, 'pintu.db'));
  raw.pragma('journal_mode = OFF');
  raw.pragma('synchronous = OFF');
  raw.exec(`CREATE TABLE scratch (id INTEGER PRIMARY KEY, b BLOB);
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${ROWS}) INSERT INTO scratch SELECT i, zeroblob(3000) FROM n`);
  raw.close();
  store = openStore(t.config);
  store.tx(() => store.events.append(Array.from({ length: 2000 }, (_, i) => filler('access.granted', { n: i })), Date.now()));
}, 120_000);
afterAll(() => {
  if (store?.db.open) store.db.close();
  t?.cleanup();
});

/** Run `job` while a 10 ms timer measures the longest time the event loop was blocked. */
async function measure(job: () => Promise<unknown>): Promise<{ ms: number; maxGapMs: number }> {
  let last = performance.now();
  let maxGapMs = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    maxGapMs = Math.max(maxGapMs, now - last);
    last = now;
  }, 10);
  const t0 = performance.now();
  try {
    await job();
  } finally {
    clearInterval(timer);
  }
  const end = performance.now();
  return { ms: end - t0, maxGapMs: Math.max(maxGapMs, end - last) };
}

describe('maintenance on a large database', () => {
  it('a backup leaves the event loop free', async () => {
    const r = await measure(() => backupTo(store.db, join(t.dir, 'manual.db')));
    expect(r.ms, 'the database is big enough that the job takes a while').toBeGreaterThan(1000);
    expect(r.maxGapMs, `longest stall ${Math.round(r.maxGapMs)} ms of ${Math.round(r.ms)} ms`).toBeLessThan(Math.min(500, r.ms / 4));
  }, 120_000);

  it('the scheduler\'s nightly backup and health check (quick_check, hash chain) leave the event loop free', async () => {
    const root = join(t.dir, 'root');
    mkdirSync(join(root, 'proc'), { recursive: true });
    writeFileSync(join(root, 'proc/uptime'), '100.0 50.0\n');
    store.setMeta(LAST_HEALTH_KEY, '0'); // health due
    const s = new Scheduler({ store, settings: schedulerSettings(t.config), log: createLogger('silent'), env: { ...systemAt(root), run: () => null, statfs: () => ({ bsize: 4096, blocks: 1e7, bavail: 5e6 }), now: Date.now } });
    const before = store.events.lastSeq();
    const r = await measure(() => s.tick());
    const types = store.events.since(before).map((e) => e.type);
    expect(types).toContain('backup.made');
    expect(types).toContain('health.report');
    const report = store.events.since(before).find((e) => e.type === 'health.report')!;
    expect((report.data.items as { item: string; status: string }[]).filter((i) => i.item === 'database' || i.item === 'event-chain').map((i) => i.status)).toEqual(['ok', 'ok']);
    expect(r.ms).toBeGreaterThan(1000);
    expect(r.maxGapMs, `longest stall ${Math.round(r.maxGapMs)} ms of ${Math.round(r.ms)} ms`).toBeLessThan(Math.min(500, r.ms / 4));
  }, 120_000);
});
