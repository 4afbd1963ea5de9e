/**
 * The central store in PostgreSQL (`store: postgres://…`), for several receivers sharing the load. Each ingest
 * locks its doors' rows (SELECT … FOR UPDATE, in site and door order), so receivers never store an event twice and
 * never deadlock; UNIQUE (site, door, seq) backs that up. The logic is `SqlCentralStore`'s; the schema is versioned
 * (`pg-migrations.ts`) and migrated when the store opens.
 */
import pg from 'pg';
import { dataJsonOf, type IngestBatch, type IngestResult } from './store.js';
import { applyBatches, numberedParams, SqlCentralStore, type DoorHead } from './sql-store.js';
import { migratePg } from './pg-migrations.js';

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
  private constructor(private readonly pool: pg.Pool) {
    super();
  }

  /** Connect and bring the schema to the latest version (refusing a database newer than this code). */
  static async open(url: string): Promise<PgCentralStore> {
    const pool = new pg.Pool({ connectionString: url, max: 4 });
    // An idle connection dropped by the server (restart, failover) must not crash the receiver; the pool reconnects.
    pool.on('error', () => undefined);
    try {
      const client = await pool.connect();
      try {
        await migratePg(client);
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
      const locked = await c.query<{ site: string; door: string; last_seq: string; last_hash: string }>(
        `SELECT site, door, last_seq, last_hash FROM doors WHERE (site, door) IN (${wanted.map((_, i) => `($${2 * i + 1}, $${2 * i + 2})`).join(', ')}) ORDER BY site, door FOR UPDATE`,
        wanted.flatMap((b) => [b.site, b.door]));
      const lockedHeads = new Map<string, DoorHead>(locked.rows.map((r) => [`${r.site}\n${r.door}`, { site: r.site, door: r.door, lastSeq: Number(r.last_seq), lastHash: r.last_hash }]));
      const rows: unknown[][] = [];
      const alerts: unknown[][] = [];
      const { results, heads } = applyBatches(batches, (site, door) => lockedHeads.get(`${site}\n${door}`) ?? null, (site, door, e, alert) => {
        rows.push([site, door, e.seq, e.type, e.at, dataJsonOf(e), e.prevHash, e.hash, at]);
        if (alert) alerts.push([at, site, door, alert.kind, alert.detail]);
      });
      await insertRows(c, 'events (site, door, seq, type, at, data, prev_hash, hash, received_at)', rows);
      await insertRows(c, 'alerts (at, site, door, kind, detail)', alerts);
      for (const h of heads) {
        await c.query('UPDATE doors SET last_seq = $1, last_hash = $2, last_seen_at = $3 WHERE site = $4 AND door = $5', [h.lastSeq, h.lastHash, at, h.site, h.door]);
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

  /** Close the pool. */
  async close(): Promise<void> {
    await this.pool.end();
  }
}
