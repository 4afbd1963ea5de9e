/**
 * Versioned schemas of the central store on both backends: a fresh database gets the latest version, a database made
 * by the code before versioned migrations (its DDL copied here as it shipped) is upgraded in place with every row kept
 * and its chain continuing, opening again changes nothing, and a database newer than the code is refused clearly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { CENTRAL_MIGRATIONS, SqliteCentralStore } from '../../src/central/sqlite-store.js';
import { PgCentralStore } from '../../src/central/pg-store.js';
import { migratePg, PG_CENTRAL_MIGRATIONS } from '../../src/central/pg-migrations.js';
import type { CentralStore } from '../../src/central/store.js';
import { eventHash, GENESIS_HASH } from '../../src/protocol/chain.js';
import type { WireEvent } from '../../src/protocol/messages.js';

const SITE = 'kanwil-sulut';
const DOOR = 'srv-1';
const KEY = 'A'.repeat(43) + '=';

/** Events `from + 1` … `from + n` of door DOOR, chained after `prev`. */
function chain(from: number, n: number, prev: string): WireEvent[] {
  const out: WireEvent[] = [];
  for (let seq = from + 1; seq <= from + n; seq++) {
    const type = seq === 2 ? 'door.forced' : 'test.tick';
    const at = new Date(Date.UTC(2026, 11, 1, 8, 0, seq)).toISOString();
    const data = { seq };
    const hash = eventHash(prev, DOOR, seq, type, at, JSON.stringify(data));
    out.push({ seq, type, at, data, prevHash: prev, hash });
    prev = hash;
  }
  return out;
}

const OLD_EVENTS = chain(0, 3, GENESIS_HASH);

/** What a database made by the old code holds (written with plain SQL, as that code wrote it); `p(i)` names parameter i. */
function oldRows(p: (i: number) => string): { sql: string; args: unknown[] }[] {
  const last = OLD_EVENTS.at(-1)!;
  return [
    { sql: `INSERT INTO doors (site, door, public_key, enrolled_at, last_seq, last_hash, state, status_at, reported_last_seq, last_seen_at, command_counter) VALUES (${[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11].map(p).join(', ')})`,
      args: [SITE, DOOR, KEY, 1000, last.seq, last.hash, 'online', 2000, 3, 3000, 7] },
    ...OLD_EVENTS.map((e) => ({ sql: `INSERT INTO events (site, door, seq, type, at, data, prev_hash, hash, received_at) VALUES (${[1, 2, 3, 4, 5, 6, 7, 8, 9].map(p).join(', ')})`,
      args: [SITE, DOOR, e.seq, e.type, e.at, JSON.stringify(e.data), e.prevHash, e.hash, 4000] })),
    { sql: `INSERT INTO alerts (at, site, door, kind, detail) VALUES (${[1, 2, 3, 4, 5].map(p).join(', ')})`, args: [4000, SITE, DOOR, 'door.forced', 'seq 2'] },
    { sql: `INSERT INTO commands (id, site, door, counter, action, issued_at, reply, replied_at) VALUES (${[1, 2, 3, 4, 5, 6, 7, 8].map(p).join(', ')})`,
      args: ['c1', SITE, DOOR, 7, 'door.disable', 5000, '{"ok":true}', 6000] },
  ];
}

/** The old rows read back through the new code, and the chain continuing after them. */
async function expectOldRowsKept(store: CentralStore): Promise<void> {
  expect(await store.door(SITE, DOOR)).toEqual({
    site: SITE, door: DOOR, publicKey: KEY, enrolledAt: 1000, lastSeq: 3, lastHash: OLD_EVENTS[2]!.hash, state: 'online',
    statusAt: 2000, reportedLastSeq: 3, lastSeenAt: 3000,
    // The door's facts (issue 13) came later: an old row has none until the door's next status says them.
    app: null, os: null, clock: null, readers: null, health: null, sealKey: null,
  });
  expect((await store.events({ door: DOOR })).map((e) => ({ seq: e.seq, hash: e.hash, data: e.data, receivedAt: e.receivedAt })))
    .toEqual(OLD_EVENTS.map((e) => ({ seq: e.seq, hash: e.hash, data: e.data, receivedAt: 4000 })));
  expect(await store.alerts()).toEqual([{ id: 1, at: 4000, site: SITE, door: DOOR, kind: 'door.forced', detail: 'seq 2' }]);
  expect(await store.command('c1')).toEqual({ id: 'c1', site: SITE, door: DOOR, counter: 7, action: 'door.disable', issuedAt: 5000, reply: '{"ok":true}' });
  expect(await store.nextCounter(SITE, DOOR)).toBe(8);
  const next = chain(3, 2, OLD_EVENTS[2]!.hash);
  expect(await store.ingest(SITE, DOOR, next, 9000)).toMatchObject({ outcome: 'stored', stored: 2, lastSeq: 5, lastHash: next[1]!.hash });
  expect((await store.events({ door: DOOR })).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
}

describe('central store migrations: SQLite', () => {
  let dir: string;
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'pintu-central-mig-')); });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The central SQLite schema as the code before this change shipped it (version 1 in PRAGMA user_version). */
  const OLD_SQLITE_DDL = `
    CREATE TABLE doors (
      site TEXT NOT NULL, door TEXT NOT NULL, public_key TEXT NOT NULL, enrolled_at INTEGER NOT NULL,
      last_seq INTEGER NOT NULL DEFAULT 0, last_hash TEXT NOT NULL DEFAULT '${GENESIS_HASH}',
      state TEXT NOT NULL DEFAULT 'unknown', status_at INTEGER, reported_last_seq INTEGER, last_seen_at INTEGER,
      command_counter INTEGER NOT NULL DEFAULT 0,
      PRIMARY KEY (site, door)
    );
    CREATE TABLE events (
      id INTEGER PRIMARY KEY AUTOINCREMENT, site TEXT NOT NULL, door TEXT NOT NULL, seq INTEGER NOT NULL,
      type TEXT NOT NULL, at TEXT NOT NULL, data TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL,
      received_at INTEGER NOT NULL, UNIQUE (site, door, seq)
    );
    CREATE INDEX events_at ON events(at);
    CREATE INDEX events_type ON events(type, at);
    CREATE TRIGGER events_append_only BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
    CREATE TABLE alerts (id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, site TEXT NOT NULL, door TEXT NOT NULL, kind TEXT NOT NULL, detail TEXT NOT NULL);
    CREATE TABLE commands (
      id TEXT PRIMARY KEY, site TEXT NOT NULL, door TEXT NOT NULL, counter INTEGER NOT NULL, action TEXT NOT NULL,
      issued_at INTEGER NOT NULL, reply TEXT, replied_at INTEGER
    );
    PRAGMA user_version = 1;
  `;

  it('a fresh file gets every step, recorded in user_version, and opening it again changes nothing', async () => {
    const file = join(dir, 'fresh.db');
    const store = new SqliteCentralStore(file);
    expect(store.db.pragma('user_version', { simple: true })).toBe(CENTRAL_MIGRATIONS.length);
    await store.enroll(SITE, DOOR, KEY, 1000);
    await store.close();
    const again = new SqliteCentralStore(file);
    expect(again.db.pragma('user_version', { simple: true })).toBe(CENTRAL_MIGRATIONS.length);
    expect((await again.doors()).map((d) => d.door)).toEqual([DOOR]);
    await again.close();
  });

  it('a file made by the old code is upgraded in place: every row kept, the chain continues', async () => {
    const file = join(dir, 'old.db');
    const old = new Database(file);
    old.exec(OLD_SQLITE_DDL);
    for (const r of oldRows(() => '?')) old.prepare(r.sql).run(...r.args);
    old.close();
    const store = new SqliteCentralStore(file);
    try {
      expect(store.db.pragma('user_version', { simple: true })).toBe(CENTRAL_MIGRATIONS.length);
      await expectOldRowsKept(store);
    } finally {
      await store.close();
    }
  });

  it('refuses a file newer than this code, saying so, and leaves it untouched', () => {
    const file = join(dir, 'newer.db');
    const db = new Database(file);
    db.pragma(`user_version = ${CENTRAL_MIGRATIONS.length + 1}`);
    db.close();
    expect(() => new SqliteCentralStore(file)).toThrow(`database schema version ${CENTRAL_MIGRATIONS.length + 1} is newer than this pintu (${CENTRAL_MIGRATIONS.length}); upgrade pintu or restore a matching backup`);
    const after = new Database(file, { readonly: true });
    expect(after.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get()).toEqual({ n: 0 });
    after.close();
  });
});

describe('central store migrations: PostgreSQL', () => {
  let postgres: TestPostgres;
  beforeAll(async () => { postgres = await startPostgres(); });
  afterAll(async () => { await postgres?.cleanup(); });

  /** The central PostgreSQL schema as the code before versioned migrations created it (no version table). */
  const OLD_PG_DDL = `
    CREATE TABLE IF NOT EXISTS doors (
      site TEXT NOT NULL, door TEXT NOT NULL, public_key TEXT NOT NULL, enrolled_at BIGINT NOT NULL,
      last_seq BIGINT NOT NULL DEFAULT 0, last_hash TEXT NOT NULL DEFAULT '${GENESIS_HASH}',
      state TEXT NOT NULL DEFAULT 'unknown', status_at BIGINT, reported_last_seq BIGINT, last_seen_at BIGINT,
      command_counter BIGINT NOT NULL DEFAULT 0, PRIMARY KEY (site, door)
    );
    CREATE TABLE IF NOT EXISTS events (
      id BIGSERIAL PRIMARY KEY, site TEXT NOT NULL, door TEXT NOT NULL, seq BIGINT NOT NULL, type TEXT NOT NULL, at TEXT NOT NULL,
      data TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL, received_at BIGINT NOT NULL, UNIQUE (site, door, seq)
    );
    CREATE INDEX IF NOT EXISTS events_at ON events(at);
    CREATE INDEX IF NOT EXISTS events_type ON events(type, at);
    CREATE TABLE IF NOT EXISTS alerts (id BIGSERIAL PRIMARY KEY, at BIGINT NOT NULL, site TEXT NOT NULL, door TEXT NOT NULL, kind TEXT NOT NULL, detail TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS commands (
      id TEXT PRIMARY KEY, site TEXT NOT NULL, door TEXT NOT NULL, counter BIGINT NOT NULL, action TEXT NOT NULL,
      issued_at BIGINT NOT NULL, reply TEXT, replied_at BIGINT
    );
  `;

  /** Run `fn` with a plain client on `url`. */
  async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try { return await fn(c); } finally { await c.end(); }
  }

  const versions = (url: string): Promise<number[]> =>
    withClient(url, async (c) => (await c.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')).rows.map((r) => r.version));
  const tables = (url: string): Promise<string[]> =>
    withClient(url, async (c) => (await c.query<{ t: string }>("SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1")).rows.map((r) => r.t));

  it('a fresh database gets every step, recorded once, even with three receivers opening it at the same time', async () => {
    const url = await postgres.database();
    const stores = await Promise.all([1, 2, 3].map(() => PgCentralStore.open(url)));
    for (const s of stores) await s.close();
    expect(await versions(url)).toEqual(PG_CENTRAL_MIGRATIONS.map((m) => m.version));
    // Exactly the tables the steps create (no step left out, nothing else).
    const created = PG_CENTRAL_MIGRATIONS.flatMap((m) => [...m.sql.matchAll(/CREATE TABLE (?:IF NOT EXISTS )?(\w+)/g)].map((x) => x[1]!));
    expect(created).toEqual(expect.arrayContaining(['alerts', 'commands', 'doors', 'events']));
    expect(await tables(url)).toEqual([...created, 'schema_migrations'].sort());
    const again = await PgCentralStore.open(url);
    await again.enroll(SITE, DOOR, KEY, 1000);
    await again.close();
    expect(await versions(url)).toEqual(PG_CENTRAL_MIGRATIONS.map((m) => m.version));
  });

  it('a database made by the old code (no version table) is upgraded in place: every row kept, the chain continues', async () => {
    const url = await postgres.database();
    await withClient(url, async (c) => {
      await c.query(OLD_PG_DDL);
      for (const r of oldRows((i) => `$${i}`)) await c.query(r.sql, r.args);
    });
    const store = await PgCentralStore.open(url);
    try {
      expect(await versions(url)).toEqual(PG_CENTRAL_MIGRATIONS.map((m) => m.version));
      await expectOldRowsKept(store);
    } finally {
      await store.close();
    }
  });

  it('refuses a database newer than this code, saying so, and changes nothing', async () => {
    const url = await postgres.database();
    const newer = PG_CENTRAL_MIGRATIONS.length + 1;
    await withClient(url, async (c) => {
      await c.query('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)');
      await c.query("INSERT INTO schema_migrations VALUES ($1, 'from a newer pintu', 0)", [newer]);
    });
    await expect(PgCentralStore.open(url)).rejects.toThrow(`central database schema version ${newer} is newer than this pintu (${PG_CENTRAL_MIGRATIONS.length}); upgrade pintu or restore a matching backup`);
    expect(await tables(url)).toEqual(['schema_migrations']);
  });

  it('applies the pending steps in one transaction: a failing step leaves the database as it was', async () => {
    const url = await postgres.database();
    const steps = [...PG_CENTRAL_MIGRATIONS, { version: PG_CENTRAL_MIGRATIONS.length + 1, name: 'broken', sql: 'ALTER TABLE no_such_table ADD COLUMN x INTEGER' }];
    await withClient(url, async (c) => {
      await expect(migratePg(c, steps)).rejects.toThrow(/no_such_table/);
    });
    expect(await tables(url)).toEqual([]);
    await withClient(url, async (c) => {
      expect(await migratePg(c)).toBe(PG_CENTRAL_MIGRATIONS.length);
      expect(await migratePg(c)).toBe(PG_CENTRAL_MIGRATIONS.length);
    });
    expect(await versions(url)).toEqual(PG_CENTRAL_MIGRATIONS.map((m) => m.version));
  });
});
