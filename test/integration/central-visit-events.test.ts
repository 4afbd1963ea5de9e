/**
 * A visit's timeline at the centre (the dashboard's visit page): the events naming one visit at one door, oldest first,
 * read through the events_visit partial expression index (migration step 5) on both stores — the planner takes the
 * index (PostgreSQL with sequential scans discouraged, as a large table would), other visits, doors and sites' events
 * and events naming no visit stay out, and a site out of scope reads nothing.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { SqliteCentralStore } from '../../src/central/sqlite-store.js';
import { PgCentralStore } from '../../src/central/pg-store.js';
import type { SqlCentralStore } from '../../src/central/sql-store.js';
import { visitEvents, visitEventsPlanSql } from '../../src/central/visit-events.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { doorChain } from '../helpers/visit-chain.js';

let postgres: TestPostgres;
const cleanups: (() => Promise<void> | void)[] = [];
beforeAll(async () => { postgres = await startPostgres(); }, 60_000);
afterAll(async () => { await postgres?.cleanup(); });
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

const stores: [string, () => Promise<{ store: SqlCentralStore; plan: () => Promise<string> }>][] = [
  ['SQLite', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pintu-visit-events-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const store = new SqliteCentralStore(join(dir, 'central.db'));
    cleanups.push(() => store.close());
    const plan = async (): Promise<string> => (store.db.prepare(`EXPLAIN QUERY PLAN ${visitEventsPlanSql('sqlite')}`).all('s1', 'd1', 'V-1') as Array<{ detail: string }>).map((r) => r.detail).join('\n');
    return { store, plan };
  }],
  ['PostgreSQL', async () => {
    const url = await postgres.database();
    const store = await PgCentralStore.open(url);
    cleanups.push(() => store.close());
    const plan = async (): Promise<string> => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        await c.query('ANALYZE events');
        await c.query('SET enable_seqscan = off');
        let n = 0;
        const text = visitEventsPlanSql('pg').replace(/\?/g, () => `$${++n}`);
        return (await c.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${text}`, ['s1', 'd1', 'V-1'])).rows.map((r) => r['QUERY PLAN']).join('\n');
      } finally { await c.end(); }
    };
    return { store, plan };
  }],
];

describe.each(stores)('visit timeline (%s store)', (_name, open) => {
  it('reads the events naming one visit at one door, in order, through events_visit; nothing of other visits, doors, sites or out of scope', async () => {
    const { store, plan } = await open();
    for (const [site, door] of [['s1', 'd1'], ['s1', 'd2'], ['s2', 'd1']] as const) await store.enroll(site, door, `key-${site}-${door}`, Date.now());
    const d1 = doorChain('d1');
    const d2 = doorChain('d2');
    const other = doorChain('d1');
    d1.add('visit.requested', { visit: 'V-1', kind: 'visit', step: 1, org: 'PT "A"', purpose: 'x', plannedMinutes: 60, devicesIn: [], letterRef: null, ktpRead: true });
    d1.add('access.granted', { reader: 'in', direction: 'in', badge: 'C1', holder: 'officer', officer: 'O1' });
    d1.add('visit.requested', { visit: 'V-10', kind: 'visit', step: 1, org: 'B', purpose: 'y', plannedMinutes: 60, devicesIn: [], letterRef: null, ktpRead: true });
    d1.add('visit.checked', { visit: 'V-1', officer: 'O1', step: 2, sopStep: 'check' });
    d1.add('access.granted', { reader: 'in', direction: 'in', badge: 'B1', holder: 'visitor', visit: 'V-1', escort: 'O1' });
    d1.add('alarm.visitor_unescorted', { officer: 'O1', visits: ['V-1'] });
    d2.add('visit.requested', { visit: 'V-1', kind: 'visit', step: 1, org: 'C', purpose: 'z', plannedMinutes: 60, devicesIn: [], letterRef: null, ktpRead: true });
    other.add('visit.requested', { visit: 'V-1', kind: 'visit', step: 1, org: 'D', purpose: 'w', plannedMinutes: 60, devicesIn: [], letterRef: null, ktpRead: true });
    expect((await store.ingest('s1', 'd1', d1.take(), Date.now())).outcome).toBe('stored');
    expect((await store.ingest('s1', 'd2', d2.take(), Date.now())).outcome).toBe('stored');
    expect((await store.ingest('s2', 'd1', other.take(), Date.now())).outcome).toBe('stored');

    const events = await visitEvents(store.sql, null, 's1', 'd1', 'V-1');
    expect(events.map((e) => [e.seq, e.type])).toEqual([[1, 'visit.requested'], [4, 'visit.checked'], [5, 'access.granted']]);
    expect(events[0]!.data.org).toBe('PT "A"');
    expect(await visitEvents(store.sql, ['s1'], 's1', 'd1', 'V-1')).toHaveLength(3);
    expect(await visitEvents(store.sql, ['s2'], 's1', 'd1', 'V-1')).toEqual([]);
    expect(await visitEvents(store.sql, [], 's1', 'd1', 'V-1')).toEqual([]);
    expect((await visitEvents(store.sql, null, 's2', 'd1', 'V-1')).map((e) => e.data.org)).toEqual(['D']);
    expect(await plan()).toMatch(/events_visit/);
  });
});
