/**
 * The central store in SQLite (the default): one file, WAL, every ingest (one or several messages) in one IMMEDIATE
 * transaction so that several receiver processes sharing the file never store an event twice (UNIQUE site, door, seq).
 * The logic is `SqlCentralStore`'s; this file has the schema (numbered migrations recorded in `PRAGMA user_version`,
 * each applied once in its own transaction, a file newer than the code refused) and the SQLite primitives.
 */
import { openDatabase, type Db } from '../adapters/sqlite/db.js';
import type { Migration } from '../adapters/sqlite/migrations.js';
import { GENESIS_HASH } from '../protocol/chain.js';
import type { Statement } from 'better-sqlite3';
import { dataJsonOf, type IngestBatch, type IngestResult } from './store.js';
import { applyBatches, SqlCentralStore } from './sql-store.js';

/** Schema of the central SQLite database. */
export const CENTRAL_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'central: doors, events, alerts, commands',
    sql: `
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
    `,
  },
  {
    version: 2,
    name: 'central: dashboard users, audit trail, alert acknowledgements',
    sql: `
      CREATE TABLE central_users (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, sites TEXT, password_hash TEXT NOT NULL,
        totp_secret TEXT, failed INTEGER NOT NULL DEFAULT 0, locked_until BIGINT, active INTEGER NOT NULL DEFAULT 1,
        created_at BIGINT NOT NULL, changed_at BIGINT NOT NULL
      );
      ALTER TABLE alerts ADD COLUMN acked_at BIGINT;
      ALTER TABLE alerts ADD COLUMN acked_by TEXT;
      ALTER TABLE alerts ADD COLUMN ack_note TEXT;
      CREATE INDEX alerts_open ON alerts(acked_at, id);
      CREATE INDEX alerts_site ON alerts(site, id);
      CREATE TABLE audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
        site TEXT, door TEXT, detail TEXT NOT NULL
      );
      CREATE INDEX audit_at ON audit(at);
      CREATE INDEX audit_site ON audit(site, at);
      CREATE TRIGGER audit_append_only BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
    `,
  },
  {
    version: 3,
    name: 'central: the doors\' facts from their status (version, OS, clock, readers, health)',
    sql: `
      ALTER TABLE doors ADD COLUMN app_version TEXT;
      ALTER TABLE doors ADD COLUMN os TEXT;
      ALTER TABLE doors ADD COLUMN clock_state TEXT;
      ALTER TABLE doors ADD COLUMN readers TEXT;
      ALTER TABLE doors ADD COLUMN health_state TEXT;
      ALTER TABLE doors ADD COLUMN health_failing TEXT;
    `,
  },
];

/** The central store in a SQLite file. */
export class SqliteCentralStore extends SqlCentralStore {
  /** The open database. */
  readonly db: Db;
  /** Prepared statements by SQL text (better-sqlite3 does not cache them). */
  private readonly prepared = new Map<string, Statement<unknown[], unknown>>();
  private stmts: { door: Statement<[string, string], { last_seq: number; last_hash: string }>; ins: Statement; alert: Statement; head: Statement } | null = null;

  /** Open (creating and migrating) the file. */
  constructor(path: string) {
    super();
    this.db = openDatabase(path, { synchronous: 'full' }, CENTRAL_MIGRATIONS);
  }

  /** The database behind this store. */
  protected readonly dialect = 'sqlite' as const;

  /** Rows of a query. */
  protected async rows<R>(sql: string, args: readonly unknown[]): Promise<R[]> {
    return this.statement(sql).all(...args) as R[];
  }

  /** Run a statement; rows changed. */
  protected async run(sql: string, args: readonly unknown[]): Promise<number> {
    return this.statement(sql).run(...args).changes;
  }

  /** SQLite has no starts_with: compare the prefix. */
  protected typeStartsWith(prefix: string): { sql: string; args: unknown[] } {
    return { sql: 'substr(type, 1, ?) = ?', args: [prefix.length, prefix] };
  }

  /** Store several messages in one IMMEDIATE transaction (one commit, one fsync), each checked after the ones before it. */
  async ingestMany(batches: readonly IngestBatch[], at: number): Promise<IngestResult[]> {
    const s = this.stmts ??= {
      door: this.db.prepare<[string, string], { last_seq: number; last_hash: string }>('SELECT last_seq, last_hash FROM doors WHERE site = ? AND door = ?'),
      ins: this.db.prepare('INSERT INTO events (site, door, seq, type, at, data, prev_hash, hash, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)'),
      alert: this.db.prepare('INSERT INTO alerts (at, site, door, kind, detail) VALUES (?, ?, ?, ?, ?)'),
      head: this.db.prepare('UPDATE doors SET last_seq = ?, last_hash = ?, last_seen_at = ? WHERE site = ? AND door = ?'),
    };
    return this.db.transaction((): IngestResult[] => {
      const { results, heads } = applyBatches(batches, (site, door) => {
        const d = s.door.get(site, door);
        return d ? { site, door, lastSeq: d.last_seq, lastHash: d.last_hash } : null;
      }, (site, door, e, alert) => {
        s.ins.run(site, door, e.seq, e.type, e.at, dataJsonOf(e), e.prevHash, e.hash, at);
        if (alert) s.alert.run(at, site, door, alert.kind, alert.detail);
      });
      for (const h of heads) s.head.run(h.lastSeq, h.lastHash, at, h.site, h.door);
      return results;
    }).immediate();
  }

  /** Close the file. */
  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  private statement(sql: string): Statement<unknown[], unknown> {
    let st = this.prepared.get(sql);
    if (!st) {
      st = this.db.prepare<unknown[], unknown>(sql);
      this.prepared.set(sql, st);
    }
    return st;
  }
}
