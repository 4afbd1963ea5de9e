/**
 * The central store in PostgreSQL (`store: postgres://…`), for several receivers sharing the load. Each ingest
 * locks its doors' rows (SELECT … FOR UPDATE, in site and door order), so receivers never store an event twice and
 * never deadlock; UNIQUE (site, door, seq) backs that up. The logic is `SqlCentralStore`'s; the schema is versioned
 * (`pg-migrations.ts`) and migrated when the store opens.
 */
import pg from 'pg';
import { dataJsonOf, type IngestBatch, type IngestResult } from './store.js';
import { applyBatches, numberedParams, SqlCentralStore, summarizedAfter, type DoorHead } from './sql-store.js';
import { migratePg } from './pg-migrations.js';
import { DayOf, projectEvents, type SummaryRows } from './projections.js';
import { PG_ROWS_PER_STATEMENT, summaryStatements } from './summary-sql.js';
import { DEFAULT_SUMMARY_TIME_ZONE, eventsToProject, type BackfillEventRow, type SummaryStoreOptions } from './summaries.js';

/** Multi-row INSERTs of `rows` into `into` ("table (columns)"), at most 5,000 rows a statement (PostgreSQL allows 65,535 parameters). */
async function insertRows(c: pg.PoolClient, into: string, rows: readonly unknown[][]): Promise<void> {
  for (let i = 0; i < rows.length; i += 5000) {
    const part = rows.slice(i, i + 5000);
    const values: unknown[] = [];
    const tuples = part.map((r) => `(${r.map((v) => { values.push(v); return `$${values.length}`; }).join(', ')})`);
    await c.query(`INSERT INTO ${into} VALUES ${tuples.join(', ')}`, values);
  }
}

/** The central store in PostgreSQL. */
export class PgCentralStore extends SqlCentralStore {
  /** Local dates in the summaries' time zone (kept while it stays the same). */
  private days: DayOf | null = null;

  private constructor(private readonly pool: pg.Pool) {
    super();
  }

  /**
   * Connect and bring the schema to the latest version (refusing a database newer than this code); a new database's
   * summaries count days in `o.timeZone` (default Asia/Jakarta).
   */
  static async open(url: string, o: SummaryStoreOptions = {}): Promise<PgCentralStore> {
    const pool = new pg.Pool({ connectionString: url, max: 4 });
    // An idle connection dropped by the server (restart, failover) must not crash the receiver; the pool reconnects.
    pool.on('error', () => undefined);
    try {
      const client = await pool.connect();
      try {
        await migratePg(client);
        await client.query('INSERT INTO summary_state (id, time_zone) VALUES (1, $1) ON CONFLICT (id) DO NOTHING', [o.timeZone ?? DEFAULT_SUMMARY_TIME_ZONE]);
      } finally {
        client.release();
      }
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw err;
    }
    return new PgCentralStore(pool);
  }

  /** The database behind this store. */
  protected readonly dialect = 'pg' as const;

  /** Rows of a query. */
  protected async rows<R>(sql: string, args: readonly unknown[]): Promise<R[]> {
    return (await this.pool.query(numberedParams(sql), [...args])).rows as R[];
  }

  /** Run a statement; rows changed. */
  protected async run(sql: string, args: readonly unknown[]): Promise<number> {
    return (await this.pool.query(numberedParams(sql), [...args])).rowCount ?? 0;
  }

  /** PostgreSQL's starts_with. */
  protected typeStartsWith(prefix: string): { sql: string; args: unknown[] } {
    return { sql: 'starts_with(type, ?)', args: [prefix] };
  }

  /**
   * Store several messages in one transaction, holding the row locks of their doors (taken in site, door order, so
   * receivers sharing the database never deadlock); each message is checked after the ones before it.
   */
  async ingestMany(batches: readonly IngestBatch[], at: number): Promise<IngestResult[]> {
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      const wanted = [...new Map(batches.map((b) => [`${b.site}\n${b.door}`, b])).values()];
      // The summaries' time zone rides along (no extra round trip); none set: every door counts as behind.
      const locked = await c.query<{ site: string; door: string; last_seq: string; last_hash: string; summarized_seq: string; time_zone: string | null }>(
        `SELECT d.site, d.door, d.last_seq, d.last_hash, d.summarized_seq, s.time_zone FROM doors d LEFT JOIN summary_state s ON s.id = 1
         WHERE (d.site, d.door) IN (${wanted.map((_, i) => `($${2 * i + 1}, $${2 * i + 2})`).join(', ')}) ORDER BY d.site, d.door FOR UPDATE OF d`,
        wanted.flatMap((b) => [b.site, b.door]));
      const timeZone = locked.rows[0]?.time_zone ?? null;
      const lockedHeads = new Map<string, DoorHead>(locked.rows.map((r) => [`${r.site}\n${r.door}`,
        { site: r.site, door: r.door, lastSeq: Number(r.last_seq), lastHash: r.last_hash, summarizedSeq: r.time_zone === null ? -1 : Number(r.summarized_seq) }]));
      const rows: unknown[][] = [];
      const alerts: unknown[][] = [];
      const { results, heads, summarize } = applyBatches(batches, (site, door) => lockedHeads.get(`${site}\n${door}`) ?? null, (site, door, e, alert) => {
        rows.push([site, door, e.seq, e.type, e.at, dataJsonOf(e), e.prevHash, e.hash, at]);
        if (alert) alerts.push([at, site, door, alert.kind, alert.detail]);
      });
      await insertRows(c, 'events (site, door, seq, type, at, data, prev_hash, hash, received_at)', rows);
      await insertRows(c, 'alerts (at, site, door, kind, detail)', alerts);
      if (summarize.length && timeZone !== null) await this.write(c, projectEvents(summarize, this.dayOf(timeZone)));
      for (const h of heads) {
        await c.query('UPDATE doors SET last_seq = $1, last_hash = $2, last_seen_at = $3, summarized_seq = COALESCE($4, summarized_seq) WHERE site = $5 AND door = $6',
          [h.lastSeq, h.lastHash, at, summarizedAfter(h), h.site, h.door]);
      }
      await c.query('COMMIT');
      return results;
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      c.release();
    }
  }

  /** Bring one door's summaries forward (see `SqlCentralStore.summarizeStep`), holding the door's row. */
  async summarizeStep(site: string, door: string, maxEvents: number): Promise<number> {
    return this.transaction(async (c) => {
      const d = (await c.query<{ last_seq: string; summarized_seq: string; time_zone: string | null }>(
        'SELECT d.last_seq, d.summarized_seq, s.time_zone FROM doors d LEFT JOIN summary_state s ON s.id = 1 WHERE d.site = $1 AND d.door = $2 FOR UPDATE OF d', [site, door])).rows[0];
      if (!d || d.time_zone === null || Number(d.summarized_seq) >= Number(d.last_seq)) return 0;
      const from = Number(d.summarized_seq);
      const upTo = Math.min(Number(d.last_seq), from + maxEvents);
      const rows = (await c.query<BackfillEventRow>('SELECT seq, type, at, data FROM events WHERE site = $1 AND door = $2 AND seq > $3 AND seq <= $4 ORDER BY seq',
        [site, door, from, upTo])).rows;
      await this.write(c, projectEvents([{ site, door, events: eventsToProject(rows) }], this.dayOf(d.time_zone)));
      await c.query('UPDATE doors SET summarized_seq = $1 WHERE site = $2 AND door = $3', [upTo, site, door]);
      return upTo - from;
    });
  }

  /** Empty the summaries and set their time zone, holding every door's row (in site, door order, as the ingest takes them). */
  async resetSummaries(timeZone: string): Promise<void> {
    await this.transaction(async (c) => {
      await c.query('SELECT 1 FROM doors ORDER BY site, door FOR UPDATE');
      await c.query('TRUNCATE daily_counts, step_daily, visit_index');
      await c.query('UPDATE doors SET summarized_seq = 0');
      await c.query('INSERT INTO summary_state (id, time_zone) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET time_zone = excluded.time_zone', [timeZone]);
    });
  }

  /** Write summary rows inside the caller's transaction, several rows a statement. */
  private async write(c: pg.PoolClient, rows: SummaryRows): Promise<void> {
    for (const st of summaryStatements(rows, 'pg', PG_ROWS_PER_STATEMENT)) await c.query(numberedParams(st.sql), st.args);
  }

  private dayOf(timeZone: string): DayOf {
    if (this.days?.timeZone !== timeZone) this.days = new DayOf(timeZone);
    return this.days;
  }

  /** Run `fn` in a transaction on one connection. */
  private async transaction<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      const r = await fn(c);
      await c.query('COMMIT');
      return r;
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      c.release();
    }
  }

  /** Close the pool. */
  async close(): Promise<void> {
    await this.pool.end();
  }
}
