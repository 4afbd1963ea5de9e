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
import { applyBatches, SqlCentralStore, summarizedAfter } from './sql-store.js';
import { DayOf, projectEvents, type SummaryRows } from './projections.js';
import { summaryStatements, summaryTablesSql } from './summary-sql.js';
import { VISIT_OF_EVENT_SQLITE } from './visit-events.js';
import { DEFAULT_SUMMARY_TIME_ZONE, eventsToProject, type BackfillEventRow, type SummaryStoreOptions } from './summaries.js';
import { HEALTH_REPORTS_DDL } from './health-reports.js';

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
  {
    version: 4,
    name: 'central: summaries (visit index, daily counts, step times) kept by the ingest',
    sql: summaryTablesSql('INTEGER', ' WITHOUT ROWID'),
  },
  {
    version: 5,
    name: 'central: events of one visit by index (the dashboard\'s visit timeline)',
    // Partial: only events that name a visit get an entry (taps of officers, door and health events do not).
    sql: `CREATE INDEX events_visit ON events(site, door, ${VISIT_OF_EVENT_SQLITE}, seq) WHERE ${VISIT_OF_EVENT_SQLITE} IS NOT NULL;`,
  },
  {
    version: 6,
    name: 'central: alert webhook cursors, alert queue indexes',
    sql: `
      CREATE TABLE webhook_cursors (
        hook TEXT PRIMARY KEY, last_id INTEGER NOT NULL, delivered INTEGER NOT NULL DEFAULT 0, failures INTEGER NOT NULL DEFAULT 0,
        last_error TEXT, owner TEXT, lease_until BIGINT, changed_at BIGINT NOT NULL
      );
      CREATE INDEX alerts_open_site ON alerts(site, id) WHERE acked_at IS NULL;
      CREATE INDEX alerts_acked_site ON alerts(site, id) WHERE acked_at IS NOT NULL;
    `,
  },
  {
    version: 7,
    name: 'central: SOP 002 monthly health report chain (submit, review, approve, return)',
    sql: HEALTH_REPORTS_DDL,
  },
  {
    version: 8,
    name: 'central: the last TOTP time step each account used (a code is accepted once)',
    sql: `
      ALTER TABLE central_users ADD COLUMN totp_step INTEGER;
    `,
  },
  {
    version: 9,
    name: 'central: each door\'s X25519 sealing key from its signed status (personal data is sent sealed to it)',
    sql: `
      ALTER TABLE doors ADD COLUMN seal_key TEXT;
    `,
  },
];

/** A door's head as the ingest reads it, with the summaries' time zone (null: none set yet). */
interface HeadRow { last_seq: number; last_hash: string; summarized_seq: number; time_zone: string | null }

/** The central store in a SQLite file. */
export class SqliteCentralStore extends SqlCentralStore {
  /** The open database. */
  readonly db: Db;
  /** Prepared statements by SQL text (better-sqlite3 does not cache them). */
  private readonly prepared = new Map<string, Statement<unknown[], unknown>>();
  private stmts: { door: Statement<[string, string], HeadRow>; ins: Statement; alert: Statement; head: Statement } | null = null;
  /** Local dates in the summaries' time zone (kept while it stays the same). */
  private days: DayOf | null = null;

  /** Open (creating and migrating) the file; a new file's summaries count days in `o.timeZone` (default Asia/Jakarta). */
  constructor(path: string, o: SummaryStoreOptions = {}) {
    super();
    this.db = openDatabase(path, { synchronous: 'full' }, CENTRAL_MIGRATIONS);
    this.db.prepare('INSERT INTO summary_state (id, time_zone) VALUES (1, ?) ON CONFLICT (id) DO NOTHING').run(o.timeZone ?? DEFAULT_SUMMARY_TIME_ZONE);
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
      door: this.db.prepare<[string, string], HeadRow>('SELECT d.last_seq, d.last_hash, d.summarized_seq, s.time_zone FROM doors d LEFT JOIN summary_state s ON s.id = 1 WHERE d.site = ? AND d.door = ?'),
      ins: this.db.prepare('INSERT INTO events (site, door, seq, type, at, data, prev_hash, hash, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)'),
      alert: this.db.prepare('INSERT INTO alerts (at, site, door, kind, detail) VALUES (?, ?, ?, ?, ?)'),
      head: this.db.prepare('UPDATE doors SET last_seq = ?, last_hash = ?, last_seen_at = ?, summarized_seq = COALESCE(?, summarized_seq) WHERE site = ? AND door = ?'),
    };
    return this.db.transaction((): IngestResult[] => {
      let timeZone: string | null = null;
      const { results, heads, summarize } = applyBatches(batches, (site, door) => {
        const d = s.door.get(site, door);
        if (!d) return null;
        timeZone = d.time_zone;
        // No time zone yet: the summaries wait for one (and the backfill), so this door counts as behind.
        return { site, door, lastSeq: d.last_seq, lastHash: d.last_hash, summarizedSeq: d.time_zone === null ? -1 : d.summarized_seq };
      }, (site, door, e, alert) => {
        s.ins.run(site, door, e.seq, e.type, e.at, dataJsonOf(e), e.prevHash, e.hash, at);
        if (alert) s.alert.run(at, site, door, alert.kind, alert.detail);
      });
      if (summarize.length && timeZone !== null) this.write(projectEvents(summarize, this.dayOf(timeZone)));
      for (const h of heads) s.head.run(h.lastSeq, h.lastHash, at, summarizedAfter(h), h.site, h.door);
      return results;
    }).immediate();
  }

  /** Bring one door's summaries forward (see `SqlCentralStore.summarizeStep`), in an IMMEDIATE transaction. */
  async summarizeStep(site: string, door: string, maxEvents: number): Promise<number> {
    return this.db.transaction((): number => {
      const d = this.statement('SELECT d.last_seq, d.summarized_seq, s.time_zone FROM doors d LEFT JOIN summary_state s ON s.id = 1 WHERE d.site = ? AND d.door = ?')
        .get(site, door) as Omit<HeadRow, 'last_hash'> | undefined;
      if (!d || d.time_zone === null || d.summarized_seq >= d.last_seq) return 0;
      const upTo = Math.min(d.last_seq, d.summarized_seq + maxEvents);
      const rows = this.statement('SELECT seq, type, at, data FROM events WHERE site = ? AND door = ? AND seq > ? AND seq <= ? ORDER BY seq')
        .all(site, door, d.summarized_seq, upTo) as BackfillEventRow[];
      this.write(projectEvents([{ site, door, events: eventsToProject(rows) }], this.dayOf(d.time_zone)));
      this.statement('UPDATE doors SET summarized_seq = ? WHERE site = ? AND door = ?').run(upTo, site, door);
      return upTo - d.summarized_seq;
    }).immediate();
  }

  /** Empty the summaries and set their time zone (one transaction). */
  async resetSummaries(timeZone: string): Promise<void> {
    this.db.transaction(() => {
      for (const t of ['daily_counts', 'step_daily', 'visit_index']) this.db.prepare(`DELETE FROM ${t}`).run();
      this.db.prepare('UPDATE doors SET summarized_seq = 0').run();
      this.db.prepare('INSERT INTO summary_state (id, time_zone) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET time_zone = excluded.time_zone').run(timeZone);
    }).immediate();
  }

  /** Write summary rows (inside the caller's transaction), one prepared statement per row. */
  private write(rows: SummaryRows): void {
    for (const st of summaryStatements(rows, 'sqlite', 1)) this.statement(st.sql).run(...st.args);
  }

  private dayOf(timeZone: string): DayOf {
    if (this.days?.timeZone !== timeZone) this.days = new DayOf(timeZone);
    return this.days;
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
