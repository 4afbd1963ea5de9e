/**
 * The alert queue stays fast with many alerts (issue 13, item 6; the issue's goal: alert queue server time p99 ≤ 100 ms):
 * 60,000 alerts over 20 sites (two thirds acknowledged), on SQLite and PostgreSQL. Each query the queue makes walks an
 * index in id order (no sort of all matching rows, checked on SQLite's plan); the server's time (Server-Timing) and the
 * round trip over loopback are printed, and the server's p99 is held to the goal with room for a loaded 2-core runner.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadavg } from 'node:os';
import { startDashboard, type TestDashboard } from '../helpers/dashboard.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import type { SqliteCentralStore } from '../../src/central/sqlite-store.js';

const N = 60_000;
const KINDS = ['door.forced', 'door.held', 'offline', 'gap', 'alarm.visitor_unescorted', 'alarm.reader_down', 'visit.device_mismatch', 'alarm.health', 'chain-break', 'alarm.clock_rollback'];

/** Fill the alerts table in one statement: site-01…20, door d1…d5, kinds in turn; ids ≤ 45,000 acknowledged except every tenth. */
async function seed(d: TestDashboard): Promise<void> {
  const pg = d.store.sql.dialect === 'pg';
  const kinds = KINDS.map((k) => `'${k}'`).join(', ');
  const kindOf = pg ? `(ARRAY[${kinds}])[(i % ${KINDS.length}) + 1]` : `json_extract('[${KINDS.map((k) => `"${k}"`).join(', ')}]', '$[' || (i % ${KINDS.length}) || ']')`;
  const pad = pg ? "lpad(((i % 20) + 1)::text, 2, '0')" : "substr('0' || ((i % 20) + 1), -2)";
  const from = pg ? `generate_series(1, ${N}) AS g(i)` : `(WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${N}) SELECT i FROM n)`;
  await d.store.sql.run(`INSERT INTO alerts (at, site, door, kind, detail, acked_at, acked_by, ack_note)
    SELECT 1764547200000 + i * 1000, 'site-' || ${pad}, 'd' || ((i % 5) + 1), ${kindOf}, 'seq ' || i || ': {"detail":"<b>x</b>"}',
      CASE WHEN i <= 45000 AND i % 10 <> 0 THEN 1764547200000 + i * 1000 + 60000 END,
      CASE WHEN i <= 45000 AND i % 10 <> 0 THEN 'ani' END,
      CASE WHEN i <= 45000 AND i % 10 <> 0 THEN 'dicek' END
    FROM ${from}`, []);
  for (let s = 1; s <= 20; s++) await d.store.enroll(`site-${String(s).padStart(2, '0')}`, 'd1', 'A'.repeat(43) + '=', 0);
  if (pg) await d.store.sql.run('ANALYZE alerts', []);
  else await d.store.sql.run('ANALYZE', []);
}

/** A figure: p50 and p99 (ms) of the server's time (its Server-Timing header) and of the round trip over loopback. */
type Figure = { server: { p50: number; p99: number }; loopback: { p50: number; p99: number } };

const pct = (ms: number[]): { p50: number; p99: number } => {
  const s = [...ms].sort((a, b) => a - b);
  return { p50: Math.round(s[Math.floor(s.length / 2)]! * 10) / 10, p99: Math.round(s[Math.ceil(s.length * 0.99) - 1]! * 10) / 10 };
};

/** Figures of `n` GETs of each path by `user`. */
async function timings(d: TestDashboard, user: string, paths: string[], n = 60): Promise<Record<string, Figure>> {
  const c = await d.signedIn(user);
  const out: Record<string, Figure> = {};
  for (const path of paths) {
    for (let i = 0; i < 5; i++) expect((await c.get(path)).status, path).toBe(200); // warm
    const loop: number[] = [];
    const server: number[] = [];
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      const r = await c.get(path, path.includes('/rows') ? { 'hx-request': 'true' } : {});
      loop.push(performance.now() - t);
      expect(r.status).toBe(200);
      server.push(Number(/dur=([\d.]+)/.exec(r.headers.get('server-timing') ?? '')![1]));
    }
    out[`${user} ${path}`] = { server: pct(server), loopback: pct(loop) };
  }
  return out;
}

/** The figures as lines: path, server p50/p99, loopback p50/p99. */
const table = (f: Record<string, Figure>): string => Object.entries(f).map(([p, x]) => `  ${p.padEnd(62)} server ${x.server.p50} / ${x.server.p99}   loopback ${x.loopback.p50} / ${x.loopback.p99}`).join('\n');

const PATHS = ['/alerts', '/alerts/rows', '/alerts/rows?state=all', '/alerts/rows?state=acked', '/alerts/rows?site=site-07', '/alerts/rows?group=link', '/alerts/rows?site=site-03&group=alarm&state=all'];
/** Room for a loaded 2-core runner over the goal's 100 ms (the figures printed are what to read). */
const LIMIT_MS = 250;

describe('alert queue at scale', () => {
  it('SQLite, 60,000 alerts: every query walks an index in id order, and pages stay within the goal', async () => {
    const d = await startDashboard();
    try {
      await seed(d);
      const db = (d.store as SqliteCentralStore).db;
      const plan = (sql: string, args: unknown[]): string => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as { detail: string }[]).map((r) => r.detail).join(' | ');
      const cols = 'SELECT id FROM alerts WHERE';
      for (const [sql, args] of [
        [`${cols} acked_at IS NULL ORDER BY id DESC LIMIT 51`, []],
        [`${cols} acked_at IS NULL AND site = ? ORDER BY id DESC LIMIT 51`, ['site-07']],
        [`${cols} acked_at IS NOT NULL ORDER BY id DESC LIMIT 51`, []],
        [`${cols} acked_at IS NULL AND site IN (?, ?) ORDER BY id DESC LIMIT 51`, ['site-01', 'site-02']],
      ] as [string, unknown[]][]) {
        expect(plan(sql, args), sql).not.toContain('TEMP B-TREE');
      }
      await d.addUser('ani', 'analyst');
      await d.addUser('sa', 'analyst', { sites: ['site-01', 'site-02'] });
      const all = await timings(d, 'ani', PATHS);
      const scoped = await timings(d, 'sa', ['/alerts', '/alerts/rows?state=all']);
      console.log(`alert queue, SQLite, 60,000 alerts (ms; load ${loadavg()[0]!.toFixed(1)}):\n${table({ ...all, ...scoped })}`);
      for (const [p, t] of Object.entries({ ...all, ...scoped })) expect(t.server.p99, p).toBeLessThan(LIMIT_MS);
    } finally {
      await d.close();
    }
  }, 240_000);

  describe('PostgreSQL', () => {
    let postgres: TestPostgres;
    beforeAll(async () => { postgres = await startPostgres(); }, 60_000);
    afterAll(async () => { await postgres?.cleanup(); });

    it('60,000 alerts: pages stay within the goal', async () => {
      const d = await startDashboard({ store: await postgres.database() });
      try {
        await seed(d);
        await d.addUser('ani', 'analyst');
        await d.addUser('sa', 'analyst', { sites: ['site-01', 'site-02'] });
        const all = await timings(d, 'ani', PATHS);
        const scoped = await timings(d, 'sa', ['/alerts', '/alerts/rows?state=all']);
        console.log(`alert queue, PostgreSQL, 60,000 alerts (ms; load ${loadavg()[0]!.toFixed(1)}):\n${table({ ...all, ...scoped })}`);
        for (const [p, t] of Object.entries({ ...all, ...scoped })) expect(t.server.p99, p).toBeLessThan(LIMIT_MS);
      } finally {
        await d.close();
      }
    }, 240_000);
  });
});
