/**
 * The report model and the visit index as the dashboard calls them: a known month of two sites (a maintenance visit
 * with its checklist, a visitor entering on two days, refused taps, alarms, an incident with its note and one without,
 * step times), read back per door, per site and in total; every query limited to the caller's sites in SQL (a
 * site-limited user sees nothing of another site, an empty scope sees nothing); visits filtered, searched and paged.
 * On SQLite and PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { SqliteCentralStore } from '../../src/central/sqlite-store.js';
import { PgCentralStore } from '../../src/central/pg-store.js';
import type { SqlCentralStore } from '../../src/central/sql-store.js';
import { buildMonthlyReport } from '../../src/central/report.js';
import { listVisits, visitById } from '../../src/central/visit-index.js';
import { B_INCIDENT_TEXT, fillReportFixture as fill } from '../helpers/report-fixture.js';

async function expectReportAndVisits(store: SqlCentralStore): Promise<void> {
  const r = await buildMonthlyReport(store.sql, { month: '2026-12', scope: null });
  expect(r).toMatchObject({ month: '2026-12', timeZone: 'Asia/Jakarta', from: '2026-11-30T17:00:00.000Z', to: '2026-12-31T17:00:00.000Z', complete: true });
  expect(r.doors.map((d) => `${d.site}/${d.door}`)).toEqual(['kanwil-a/d1', 'kanwil-a/d2', 'kanwil-b/d1']);
  const a1 = r.doors[0]!;
  expect(a1).toMatchObject({
    visitors: 1, requests: 1, maintenanceRequests: 1, visitsDenied: 0, entries: { visitor: 2, officer: 1 }, deniedAttempts: { 'unknown-badge': 2 },
    alarms: { 'door.forced': 1 }, forced: 1, held: 0, deviceMismatches: 0, incidents: 1,
    checklists: { recorded: 1, ok: 1, degraded: 1, failed: 0 }, healthChecks: { runs: 1, ok: 0, warn: 1, fail: 0 },
  });
  expect(a1.visitsPerDay).toHaveLength(31);
  expect(a1.visitsPerDay.filter((d) => d.visitors > 0)).toEqual([{ day: '2026-12-01', visitors: 1 }, { day: '2026-12-02', visitors: 1 }]);
  // Every SOP step is listed in order, measured or not, against its standard.
  expect(Object.keys(a1.steps)).toEqual(['request', 'check', 'decide', 'issue', 'inside', 'checkout', 'report', 'archive']);
  expect(a1.steps.decide).toEqual({ number: 3, count: 1, avgSeconds: 480, maxSeconds: 480, standardSeconds: 300, overStandard: 1 });
  expect(a1.steps.inside).toEqual({ number: 4, count: 1, avgSeconds: 1200, maxSeconds: 1200, standardSeconds: 900, overStandard: 1 });
  expect(a1.steps.archive).toEqual({ number: 7, count: 0, avgSeconds: 0, maxSeconds: 0, standardSeconds: 660, overStandard: 0 });
  // V-9 was requested in November (local time): not this month's.
  expect(r.doors[1]).toMatchObject({ requests: 1, visitsDenied: 1, held: 1, alarms: { 'door.held': 1 }, incidents: 1, visitors: 0 });
  expect(r.doors[2]).toMatchObject({ visitors: 1, deviceMismatches: 1, alarms: { 'visit.device_mismatch': 1 }, incidents: 1 });
  expect(r.sites.map((s) => [s.site, s.visitors, s.requests, s.incidents, s.doors.length])).toEqual([['kanwil-a', 1, 2, 2, 2], ['kanwil-b', 1, 1, 1, 1]]);
  expect(r.sites[0]!.steps.decide).toMatchObject({ count: 2, avgSeconds: 390, maxSeconds: 480, overStandard: 1 });
  expect(r.totals).toMatchObject({ visitors: 2, requests: 3, deviceMismatches: 1, forced: 1, held: 1, incidents: 3 });
  expect(r.incidentList).toEqual([
    { site: 'kanwil-a', door: 'd1', seq: 11, at: '2026-12-01T18:00:00.000Z', incident: 1, visit: 'V-1', text: 'cable tray left open' },
    { site: 'kanwil-a', door: 'd2', seq: 5, at: '2026-12-03T04:00:00.000Z', incident: 2, visit: null, text: null },
    { site: 'kanwil-b', door: 'd1', seq: 4, at: '2026-12-05T05:00:00.000Z', incident: 1, visit: 'V-1', text: B_INCIDENT_TEXT },
  ]);
  expect(r.checklistList).toEqual([{ site: 'kanwil-a', door: 'd1', at: '2026-12-01T04:00:00.000Z', visit: 'V-1', ok: 1, degraded: 1, failed: 0,
    items: [{ item: 'UPS', status: 'ok', note: null }, { item: 'AC', status: 'degraded', note: '27 °C' }] }]);

  // Scope: a user of site B sees only site B, also when asking for site A; an empty scope sees nothing.
  const b = await buildMonthlyReport(store.sql, { month: '2026-12', scope: ['kanwil-b'] });
  expect(b.doors.map((d) => `${d.site}/${d.door}`)).toEqual(['kanwil-b/d1']);
  expect(b.incidentList.map((i) => i.site)).toEqual(['kanwil-b']);
  expect(b.checklistList).toEqual([]);
  expect(b.totals.visitors).toBe(1);
  const sneaky = await buildMonthlyReport(store.sql, { month: '2026-12', scope: ['kanwil-b'], site: 'kanwil-a' });
  expect([sneaky.doors, sneaky.incidentList, sneaky.totals.requests]).toEqual([[], [], 0]);
  expect((await buildMonthlyReport(store.sql, { month: '2026-12', scope: [] })).doors).toEqual([]);
  expect((await buildMonthlyReport(store.sql, { month: '2026-12', scope: null, site: 'kanwil-a' })).doors.map((d) => d.door)).toEqual(['d1', 'd2']);
  expect((await buildMonthlyReport(store.sql, { month: '2026-11', scope: null })).doors.map((d) => [d.site, d.door, d.requests])).toEqual([['kanwil-a', 'd2', 1]]);
  await expect(buildMonthlyReport(store.sql, { month: '2026-13', scope: null })).rejects.toThrow('--month "2026-13" must be YYYY-MM');

  // Visits: newest change first, filtered in SQL, searched as literal text, paged, scoped.
  const all = await listVisits(store.sql, { scope: null });
  expect(all.total).toBe(4);
  expect(all.visits.map((v) => `${v.site}/${v.door}/${v.visit}:${v.state}`)).toEqual(['kanwil-b/d1/V-1:requested', 'kanwil-a/d2/V-2:denied', 'kanwil-a/d1/V-1:checked_out', 'kanwil-a/d2/V-9:requested']);
  expect(all.visits[2]).toEqual({ site: 'kanwil-a', door: 'd1', visit: 'V-1', state: 'checked_out', kind: 'maintenance', org: 'PT Jaringan_Nusantara', purpose: 'UPS 100% check',
    requestedAt: '2026-12-01T01:00:00.000Z', enteredAt: '2026-12-01T01:20:00.000Z', updatedAt: '2026-12-01T19:00:00.000Z' });
  expect((await listVisits(store.sql, { scope: ['kanwil-b'] })).visits.map((v) => v.site)).toEqual(['kanwil-b']);
  expect(await listVisits(store.sql, { scope: ['kanwil-b'], site: 'kanwil-a' })).toEqual({ visits: [], total: 0 });
  expect(await listVisits(store.sql, { scope: [] })).toEqual({ visits: [], total: 0 });
  expect((await listVisits(store.sql, { scope: null, state: 'denied' })).visits.map((v) => v.visit)).toEqual(['V-2']);
  expect((await listVisits(store.sql, { scope: null, site: 'kanwil-a', door: 'd2' })).total).toBe(2);
  expect((await listVisits(store.sql, { scope: null, from: '2026-12-01T00:00:00.000Z', to: '2026-12-04T00:00:00.000Z' })).visits.map((v) => v.visit)).toEqual(['V-2', 'V-1']);
  expect((await listVisits(store.sql, { scope: null, q: 'jaringan_' })).visits.map((v) => v.org)).toEqual(['PT Jaringan_Nusantara']);
  expect((await listVisits(store.sql, { scope: null, q: '100%' })).visits.map((v) => v.visit)).toEqual(['V-1']);
  expect((await listVisits(store.sql, { scope: null, q: '_' })).total).toBe(1);
  expect((await listVisits(store.sql, { scope: null, q: 'v-' })).total).toBe(4);
  const page = await listVisits(store.sql, { scope: null, limit: 2, offset: 2 });
  expect([page.total, page.visits.map((v) => v.visit)]).toEqual([4, ['V-1', 'V-9']]);
  expect(await visitById(store.sql, ['kanwil-b'], 'kanwil-a', 'd1', 'V-1')).toBeNull();
  expect((await visitById(store.sql, ['kanwil-a'], 'kanwil-a', 'd1', 'V-1'))?.state).toBe('checked_out');
}

describe('report model and visit index', () => {
  let dir: string;
  let postgres: TestPostgres;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pintu-report-'));
    postgres = await startPostgres();
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await postgres?.cleanup();
  });

  it('SQLite', async () => {
    const store = new SqliteCentralStore(join(dir, 'c.db'));
    try {
      await fill(store);
      await expectReportAndVisits(store);
    } finally {
      await store.close();
    }
  });

  it('PostgreSQL', async () => {
    const store = await PgCentralStore.open(await postgres.database());
    try {
      await fill(store);
      await expectReportAndVisits(store);
    } finally {
      await store.close();
    }
  });
});
