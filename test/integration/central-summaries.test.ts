/**
 * The summaries the ingest keeps (visit index, daily counts, step times) equal a recomputation from the raw events,
 * whatever the events and however they arrive: random event sequences of three doors (fast-check), cut into messages,
 * interleaved, grouped into transactions, some delivered twice; and with the backfill: summaries emptied midway
 * (`resetSummaries`), events ingested while the doors are behind, the backfill run in small steps between ingests.
 * Checked against: the projection of each door's whole event list at once, the visit list of `visitsFrom` and the
 * monthly report computed from every event (`monthlyReport`, views.ts) — on SQLite and on a real PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { openDatabase } from '../../src/adapters/sqlite/db.js';
import { CENTRAL_MIGRATIONS } from '../../src/central/sqlite-store.js';
import { migratePg } from '../../src/central/pg-migrations.js';
import { PG_CENTRAL_MIGRATIONS } from '../../src/central/pg-migrations.js';
import { eventDataText } from '../../src/protocol/chain.js';
import { buildEvents, chunksOf, eventSpec, SUMMARY_DOORS } from '../helpers/summary-events.js';
import { SqliteCentralStore } from '../../src/central/sqlite-store.js';
import { PgCentralStore } from '../../src/central/pg-store.js';
import type { SqlCentralStore } from '../../src/central/sql-store.js';
import { projectEvents } from '../../src/central/projections.js';
import { catchUpSummaries, summaryStatus } from '../../src/central/summaries.js';
import { buildMonthlyReport } from '../../src/central/report.js';
import { listVisits } from '../../src/central/visit-index.js';
import { monthBounds, monthlyReport, visitsFrom } from '../../src/central/views.js';
import { zoneOffsetMs } from '../../src/domain/time.js';
import type { CentralEvent, IngestBatch } from '../../src/central/store.js';

const KEY = 'A'.repeat(43) + '=';
const ZONES = ['Asia/Jakarta', 'Asia/Makassar', 'Asia/Jayapura'];

/** One run: the events, how they are delivered, and whether the summaries are emptied and backfilled midway. */
const scenario = fc.record({
  specs: fc.array(eventSpec, { maxLength: 90 }),
  zone: fc.constantFrom(...ZONES),
  sizes: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 6 }),
  order: fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 8 }),
  group: fc.integer({ min: 1, max: 3 }),
  twice: fc.array(fc.nat(), { maxLength: 3 }),
  backfill: fc.option(fc.record({ resetAt: fc.nat(), steps: fc.array(fc.nat(), { maxLength: 4 }), batch: fc.integer({ min: 1, max: 7 }) }), { nil: null }),
});
/** A visit archived, then reported in a message of its own: it stays archived (the door's rule), as visitsFrom has it. */
const ARCHIVED_THEN_REPORTED: Scenario = {
  specs: [{ door: 0, what: 0, visit: 0, minute: 0, x: 1, flag: false }, { door: 0, what: 7, visit: 0, minute: 1, x: 1, flag: false }, { door: 0, what: 6, visit: 0, minute: 2, x: 1, flag: false }],
  zone: 'Asia/Jakarta', sizes: [1], order: [], group: 1, twice: [], backfill: null,
};
type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

/** Deliver a scenario's events into a fresh store. */
async function deliver(store: SqlCentralStore, s: Scenario): Promise<void> {
  for (const d of SUMMARY_DOORS) await store.enroll(d.site, d.door, KEY, 1);
  const perDoor = buildEvents(s.specs);
  const chunks = chunksOf(perDoor, s.sizes, s.order);
  const batches: IngestBatch[] = chunks.map((c) => ({ ...SUMMARY_DOORS[c.door]!, events: perDoor[c.door]!.slice(c.from, c.to) }));
  // Some messages arrive again later (a resend after a lost ack): nothing new, nothing counted twice.
  for (const t of s.twice) if (batches.length) batches.splice(Math.min(batches.length, (t % batches.length) + 1), 0, batches[t % batches.length]!);
  for (let i = 0; i < batches.length; i += s.group) {
    if (s.backfill && i === s.backfill.resetAt % (batches.length + 1)) await store.resetSummaries(s.zone);
    if (s.backfill?.steps.includes(i)) await catchUpSummaries(store, { batchEvents: s.backfill.batch });
    const results = await store.ingestMany(batches.slice(i, i + s.group), 1000 + i);
    for (const r of results) expect(['stored', 'duplicate']).toContain(r.outcome);
  }
  if (s.backfill) await catchUpSummaries(store, { batchEvents: s.backfill.batch });
}

const nums = <T extends Record<string, unknown>>(rows: T[], keys: (keyof T)[]): T[] => rows.map((r) => ({ ...r, ...Object.fromEntries(keys.map((k) => [k, Number(r[k])])) }));

/** The summaries equal a recomputation from the stored events. */
async function expectSummariesOfEvents(store: SqlCentralStore, zone: string): Promise<void> {
  expect(await summaryStatus(store.sql)).toEqual({ timeZone: zone, doorsBehind: 0, eventsBehind: 0 });
  const events = await store.events({ limit: 1_000_000 });
  const byDoor = SUMMARY_DOORS.map((d) => ({ ...d, events: events.filter((e) => e.site === d.site && e.door === d.door) }));
  const want = projectEvents(byDoor, zone);

  const counts = nums(await store.sql.rows<Record<string, unknown>>('SELECT site, door, day, metric, key, n FROM daily_counts ORDER BY site, door, day, metric, key', []), ['n']);
  expect(counts).toEqual(want.counts.map(({ site, door, day, metric, key, n }) => ({ site, door, day, metric, key, n })));
  const steps = nums(await store.sql.rows<Record<string, unknown>>(
    'SELECT site, door, day, step, n, sum_seconds, max_seconds, over_n, standard_seconds FROM step_daily ORDER BY site, door, day, step', []),
  ['n', 'sum_seconds', 'max_seconds', 'over_n', 'standard_seconds']);
  expect(steps).toEqual(want.steps.map((r) => ({ site: r.site, door: r.door, day: r.day, step: r.step, n: r.n, sum_seconds: r.sumSeconds, max_seconds: r.maxSeconds, over_n: r.overN, standard_seconds: r.standardSeconds })));

  // The visit index: state, institution, purpose and times as visitsFrom has them; kind from the request; the first
  // visitor entry after the request.
  const entered = new Map<string, string>();
  const kinds = new Map<string, string>();
  for (const e of events) {
    const k = `${e.site}/${e.door}/${String(e.data.visit)}`;
    if (e.type === 'visit.requested') kinds.set(k, String(e.data.kind));
    if (e.type === 'access.granted' && e.data.holder === 'visitor' && e.data.direction === 'in' && kinds.has(k) && !entered.has(k)) entered.set(k, e.at);
  }
  const expected = visitsFrom(events).map((v) => {
    const k = `${v.site}/${v.door}/${v.visit}`;
    return { ...v, kind: kinds.get(k) ?? null, enteredAt: entered.get(k) ?? null };
  });
  const got = (await listVisits(store.sql, { scope: null, limit: 1000 })).visits;
  const order = (a: { site: string; door: string; visit: string }, b: typeof a): number => `${a.site}/${a.door}/${a.visit}`.localeCompare(`${b.site}/${b.door}/${b.visit}`);
  expect([...got].sort(order)).toEqual([...expected].sort(order));

  // The monthly report from the summaries equals the one computed from every event of the month.
  for (const month of ['2026-11', '2026-12']) {
    const bounds = monthBounds(month, (at) => zoneOffsetMs(at, zone));
    const old = monthlyReport(events.filter((e: CentralEvent) => e.at >= bounds.from && e.at < bounds.to));
    const report = await buildMonthlyReport(store.sql, { month, scope: null });
    expect(report.complete).toBe(true);
    expect({ from: report.from, to: report.to }).toEqual(bounds);
    const order2 = (a: { site: string; door: string }, b: typeof a): number => `${a.site}/${a.door}`.localeCompare(`${b.site}/${b.door}`);
    expect(report.doors.map((d) => `${d.site}/${d.door}`)).toEqual([...old].sort(order2).map((d) => `${d.site}/${d.door}`));
    for (const o of old) {
      const d = report.doors.find((x) => x.site === o.site && x.door === o.door)!;
      expect({ visitors: d.visitors, requests: d.requests, visitsDenied: d.visitsDenied, deniedAttempts: d.deniedAttempts, forced: d.forced, held: d.held })
        .toEqual({ visitors: o.visitors, requests: o.requests, visitsDenied: o.visitsDenied, deniedAttempts: o.deniedAttempts, forced: o.forced, held: o.held });
      for (const [step, s] of Object.entries(d.steps)) {
        const os = o.steps[step];
        if (!os) { expect(s.count, step).toBe(0); continue; }
        expect({ count: s.count, maxSeconds: s.maxSeconds, standardSeconds: s.standardSeconds, overStandard: s.overStandard }, step)
          .toEqual({ count: os.count, maxSeconds: os.maxSeconds, standardSeconds: os.standardSeconds, overStandard: os.overStandard });
        expect(Math.abs(s.avgSeconds - os.avgSeconds), step).toBeLessThanOrEqual(1);
      }
      expect(d.visitsPerDay.reduce((a, x) => a + x.visitors, 0)).toBeGreaterThanOrEqual(d.visitors);
    }
  }
}

/** Random events of every door, as plain rows of a database from before the summaries (the schema steps before theirs). */
function oldDatabaseRows(): { doors: unknown[][]; events: unknown[][] } {
  const specs = fc.sample(fc.array(eventSpec, { minLength: 60, maxLength: 60 }), { numRuns: 1, seed: 13 })[0]!;
  const perDoor = buildEvents(specs);
  return {
    doors: SUMMARY_DOORS.map((d, i) => [d.site, d.door, KEY, 1, perDoor[i]!.length, perDoor[i]!.at(-1)?.hash ?? '0'.repeat(64)]),
    events: SUMMARY_DOORS.flatMap((d, i) => perDoor[i]!.map((e) => [d.site, d.door, e.seq, e.type, e.at, eventDataText(e.data), e.prevHash, e.hash, 5])),
  };
}

/** An upgraded database: every door behind until the backfill, which brings it level in batches, once. */
async function expectBackfilledOnce(store: SqlCentralStore, events: number): Promise<void> {
  expect(await summaryStatus(store.sql)).toEqual({ timeZone: 'Asia/Makassar', doorsBehind: SUMMARY_DOORS.length, eventsBehind: events });
  expect((await buildMonthlyReport(store.sql, { month: '2026-11', scope: null })).complete).toBe(false);
  const steps: number[] = [];
  expect(await catchUpSummaries(store, { batchEvents: 7, onProgress: (p) => steps.push(p.events) })).toEqual({ doors: SUMMARY_DOORS.length, events });
  expect(steps.length).toBeGreaterThanOrEqual(Math.ceil(events / 7));
  await expectSummariesOfEvents(store, 'Asia/Makassar');
  // Once: a second run finds nothing to do, and the ingest goes on keeping them.
  expect(await catchUpSummaries(store)).toEqual({ doors: 0, events: 0 });
  await expectSummariesOfEvents(store, 'Asia/Makassar');
}

describe('summaries equal a recomputation from the raw events', () => {
  let dir: string;
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'pintu-summaries-')); });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('SQLite: random events, deliveries, resends and backfills', async () => {
    let n = 0;
    await fc.assert(fc.asyncProperty(scenario, async (s) => {
      const store = new SqliteCentralStore(join(dir, `p${++n}.db`), { timeZone: s.zone });
      try {
        await deliver(store, s);
        await expectSummariesOfEvents(store, s.zone);
      } finally {
        await store.close();
      }
    }), { numRuns: 120, examples: [[ARCHIVED_THEN_REPORTED]] });
  }, 240_000);

  it('SQLite: a file from before the summaries is backfilled once, in batches', async () => {
    const file = join(dir, 'old.db');
    const old = openDatabase(file, { synchronous: 'full' }, CENTRAL_MIGRATIONS.slice(0, CENTRAL_MIGRATIONS.findIndex((m) => m.name.startsWith('central: summaries'))));
    const rows = oldDatabaseRows();
    for (const d of rows.doors) old.prepare('INSERT INTO doors (site, door, public_key, enrolled_at, last_seq, last_hash) VALUES (?, ?, ?, ?, ?, ?)').run(...d);
    for (const e of rows.events) old.prepare('INSERT INTO events (site, door, seq, type, at, data, prev_hash, hash, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)').run(...e);
    old.close();
    const store = new SqliteCentralStore(file, { timeZone: 'Asia/Makassar' });
    try {
      expect(new Database(file, { readonly: true }).pragma('user_version', { simple: true })).toBe(CENTRAL_MIGRATIONS.length);
      await expectBackfilledOnce(store, rows.events.length);
    } finally {
      await store.close();
    }
  });
});

describe('summaries equal a recomputation from the raw events: PostgreSQL', () => {
  let postgres: TestPostgres;
  beforeAll(async () => { postgres = await startPostgres(); });
  afterAll(async () => { await postgres?.cleanup(); });

  it('PostgreSQL: random events, deliveries, resends and backfills', async () => {
    await fc.assert(fc.asyncProperty(scenario, async (s) => {
      const store = await PgCentralStore.open(await postgres.database(), { timeZone: s.zone });
      try {
        await deliver(store, s);
        await expectSummariesOfEvents(store, s.zone);
      } finally {
        await store.close();
      }
    }), { numRuns: 25, examples: [[ARCHIVED_THEN_REPORTED]] });
  }, 240_000);

  it('PostgreSQL: a database from before the summaries is backfilled once, in batches', async () => {
    const url = await postgres.database();
    const rows = oldDatabaseRows();
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      await migratePg(c, PG_CENTRAL_MIGRATIONS.slice(0, CENTRAL_MIGRATIONS.findIndex((m) => m.name.startsWith('central: summaries'))));
      for (const d of rows.doors) await c.query('INSERT INTO doors (site, door, public_key, enrolled_at, last_seq, last_hash) VALUES ($1, $2, $3, $4, $5, $6)', d);
      for (const e of rows.events) await c.query('INSERT INTO events (site, door, seq, type, at, data, prev_hash, hash, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)', e);
    } finally {
      await c.end();
    }
    const store = await PgCentralStore.open(url, { timeZone: 'Asia/Makassar' });
    try {
      await expectBackfilledOnce(store, rows.events.length);
    } finally {
      await store.close();
    }
  });
});
