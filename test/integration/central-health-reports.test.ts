/**
 * The SOP 002 health report chain's storage on both central stores (SQLite and PostgreSQL, migration step of
 * `health_reports`): submit only after the month's end and once until returned, review and approve in order with
 * separation of duties, a return counted and its note kept, step times against 1 day / 30 minutes / 10 minutes, and
 * the month's chains limited to the caller's sites in SQL. Also the newest health checklist run of each door.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { SqliteCentralStore } from '../../src/central/sqlite-store.js';
import { PgCentralStore } from '../../src/central/pg-store.js';
import type { SqlCentralStore } from '../../src/central/sql-store.js';
import { HealthChainError, HealthReports, healthStepTimes, lastHealthRuns } from '../../src/central/health-reports.js';
import { SEED_MONTH, SEED_MONTH_END, seedMonth } from '../helpers/report-seed.js';

const ANI = { id: 'ani', name: 'Ani', role: 'analyst' };
const SUB = { id: 'kasubag', name: 'Kasubag', role: 'subhead' };
const HEAD = { id: 'kepala', name: 'Kepala', role: 'head' };
const MIN = 60_000;

async function refused(p: Promise<unknown>): Promise<string> {
  try { await p; } catch (err) { if (err instanceof HealthChainError) return err.reason; throw err; }
  throw new Error('not refused');
}

async function exercise(store: SqlCentralStore): Promise<void> {
  await seedMonth(store);
  const chains = new HealthReports(store.sql);
  expect(await chains.get('kanwil-a', SEED_MONTH)).toBeNull();
  expect(await refused(chains.submit('kanwil-a', SEED_MONTH, ANI, SEED_MONTH_END - 1, SEED_MONTH_END, {}))).toBe('not-over');
  const t5 = SEED_MONTH_END + 3 * 60 * MIN;
  await chains.submit('kanwil-a', SEED_MONTH, ANI, t5, SEED_MONTH_END, { checklists: 1 }, 'catatan');
  expect(await refused(chains.submit('kanwil-a', SEED_MONTH, ANI, t5 + 1, SEED_MONTH_END, {}))).toBe('not-submittable');
  expect(await refused(chains.approve('kanwil-a', SEED_MONTH, HEAD, t5 + 1))).toBe('not-reviewed');
  expect(await refused(chains.review('kanwil-a', SEED_MONTH, ANI, t5 + 1))).toBe('own-submission');
  expect(await refused(chains.returnToAnalyst('kanwil-a', SEED_MONTH, SUB, t5 + 1, 'submitted', ' '))).toBe('note-needed');
  await chains.returnToAnalyst('kanwil-a', SEED_MONTH, SUB, t5 + MIN, 'submitted', 'lengkapi');
  const back = await chains.get('kanwil-a', SEED_MONTH);
  expect(back).toMatchObject({ state: 'returned', returns: 1, returned: { id: 'kasubag', note: 'lengkapi' } });
  expect(healthStepTimes(back, SEED_MONTH_END).map((s) => s.seconds)).toEqual([null, null, null]);
  const t5b = SEED_MONTH_END + 30 * 60 * MIN;
  await chains.submit('kanwil-a', SEED_MONTH, ANI, t5b, SEED_MONTH_END, { checklists: 1 });
  await chains.review('kanwil-a', SEED_MONTH, SUB, t5b + 40 * MIN);
  expect(await refused(chains.approve('kanwil-a', SEED_MONTH, SUB, t5b + 41 * MIN))).toBe('own-review');
  const done = await chains.approve('kanwil-a', SEED_MONTH, HEAD, t5b + 45 * MIN);
  expect(done).toMatchObject({ state: 'approved', returns: 1, submitted: { id: 'ani', at: t5b }, reviewed: { id: 'kasubag' }, approved: { id: 'kepala', name: 'Kepala', role: 'head' }, content: { checklists: 1 } });
  expect(healthStepTimes(done, SEED_MONTH_END)).toEqual([
    { step: 5, seconds: 30 * 3600, standardSeconds: 86_400, over: true },
    { step: 6, seconds: 40 * 60, standardSeconds: 1800, over: true },
    { step: 7, seconds: 5 * 60, standardSeconds: 600, over: false },
  ]);
  await chains.submit('kanwil-b', SEED_MONTH, ANI, t5, SEED_MONTH_END, {});
  expect((await chains.ofMonth(SEED_MONTH, null)).map((r) => r.site)).toEqual(['kanwil-a', 'kanwil-b']);
  expect((await chains.ofMonth(SEED_MONTH, ['kanwil-b'])).map((r) => r.site)).toEqual(['kanwil-b']);
  expect(await chains.ofMonth(SEED_MONTH, [])).toEqual([]);
  const runs = await lastHealthRuns(store.sql, { from: '2026-10-31T17:00:00.000Z', to: '2026-11-30T17:00:00.000Z', scope: null, site: null });
  expect(runs).toEqual([{ site: 'kanwil-a', door: 'd1', at: '2026-11-05T00:00:00.000Z', status: 'warn', items: expect.arrayContaining([{ item: 'readers', status: 'ok', detail: 'semua pembaca aktif' }]) as unknown }]);
  expect(await lastHealthRuns(store.sql, { from: '2026-10-31T17:00:00.000Z', to: '2026-11-30T17:00:00.000Z', scope: ['kanwil-b'], site: null })).toEqual([]);
}

describe('health report chain storage', () => {
  let dir: string;
  let postgres: TestPostgres;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pintu-health-'));
    postgres = await startPostgres();
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await postgres?.cleanup();
  });

  it('SQLite', async () => {
    const store = new SqliteCentralStore(join(dir, 'c.db'));
    try { await exercise(store); } finally { await store.close(); }
  });

  it('PostgreSQL', async () => {
    const store = await PgCentralStore.open(await postgres.database());
    try { await exercise(store); } finally { await store.close(); }
  });
});
