/**
 * The central store in PostgreSQL (`store: postgres://…`), for several receivers sharing the load. Each ingest
 * locks its doors' rows (SELECT … FOR UPDATE, in site and door order), so receivers never store an event twice and
 * never deadlock; UNIQUE (site, door, seq) backs that up.
 */
import pg from 'pg';
import type { WireEvent } from '../adapters/mqtt/protocol.js';
import { GENESIS_HASH } from '../adapters/sqlite/event-log.js';
import { doorFrom, eventFrom } from './sqlite-store.js';
import { alertOf, checkBatch, dataJsonOf, type Alert, type CentralEvent, type CentralStore, type CommandRecord, type DoorRecord, type EventFilter, type IngestBatch, type IngestResult } from './store.js';

const SCHEMA = `
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
export class PgCentralStore implements CentralStore {
  private constructor(private readonly pool: pg.Pool) {}

  /** Connect and create the tables if needed. */
  static async open(url: string): Promise<PgCentralStore> {
    const pool = new pg.Pool({ connectionString: url, max: 4 });
    // An idle connection dropped by the server (restart, failover) must not crash the receiver; the pool reconnects.
    pool.on('error', () => undefined);
    const client = await pool.connect();
    try {
      await client.query('SELECT pg_advisory_lock(4242)');
      await client.query(SCHEMA);
      await client.query('SELECT pg_advisory_unlock(4242)');
    } finally {
      client.release();
    }
    return new PgCentralStore(pool);
  }

  /** Enrol or re-key a door. */
  async enroll(site: string, door: string, publicKey: string, at: number): Promise<void> {
    await this.pool.query('INSERT INTO doors (site, door, public_key, enrolled_at) VALUES ($1, $2, $3, $4) ON CONFLICT (site, door) DO UPDATE SET public_key = excluded.public_key', [site, door, publicKey, at]);
  }

  /** One door. */
  async door(site: string, door: string): Promise<DoorRecord | null> {
    const r = await this.pool.query('SELECT * FROM doors WHERE site = $1 AND door = $2', [site, door]);
    return r.rows[0] ? doorFrom(r.rows[0]) : null;
  }

  /** All doors. */
  async doors(): Promise<DoorRecord[]> {
    return (await this.pool.query('SELECT * FROM doors ORDER BY site, door')).rows.map(doorFrom);
  }

  /** Store a message's events in one transaction, holding the door's row lock. */
  async ingest(site: string, door: string, events: readonly WireEvent[], at: number): Promise<IngestResult> {
    return (await this.ingestMany([{ site, door, events }], at))[0]!;
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
      const heads = new Map(locked.rows.map((r) => [`${r.site}\n${r.door}`, { site: r.site, door: r.door, lastSeq: Number(r.last_seq), lastHash: r.last_hash }]));
      const rows: unknown[][] = [];
      const alerts: unknown[][] = [];
      const out = batches.map(({ site, door, events }): IngestResult => {
        const h = heads.get(`${site}\n${door}`);
        if (!h) return { outcome: 'unknown-door', stored: 0, lastSeq: 0, lastHash: GENESIS_HASH };
        const { accept, outcome, detail } = checkBatch(door, h.lastSeq, h.lastHash, events);
        for (const e of accept) {
          rows.push([site, door, e.seq, e.type, e.at, dataJsonOf(e), e.prevHash, e.hash, at]);
          // Door alarms become alerts in the same transaction: once per event, however often it is redelivered.
          const a = alertOf(e);
          if (a) alerts.push([at, site, door, a.kind, a.detail]);
        }
        const last = accept.at(-1);
        if (last) { h.lastSeq = last.seq; h.lastHash = last.hash; }
        return { outcome, stored: accept.length, lastSeq: h.lastSeq, lastHash: h.lastHash, ...(detail ? { detail } : {}) };
      });
      await insertRows(c, 'events (site, door, seq, type, at, data, prev_hash, hash, received_at)', rows);
      await insertRows(c, 'alerts (at, site, door, kind, detail)', alerts);
      for (const h of heads.values()) {
        await c.query('UPDATE doors SET last_seq = $1, last_hash = $2, last_seen_at = $3 WHERE site = $4 AND door = $5', [h.lastSeq, h.lastHash, at, h.site, h.door]);
      }
      await c.query('COMMIT');
      return out;
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      c.release();
    }
  }

  /** Record a status message. */
  async setStatus(site: string, door: string, state: 'online' | 'offline', statusAt: number, reportedLastSeq: number | null): Promise<void> {
    await this.pool.query('UPDATE doors SET state = $1, status_at = $2, reported_last_seq = COALESCE($3, reported_last_seq), last_seen_at = $4 WHERE site = $5 AND door = $6',
      [state, statusAt, reportedLastSeq, Date.now(), site, door]);
  }

  /** Mark a silent online door offline (atomic: one receiver of several wins). */
  async markSilent(site: string, door: string, silentSince: number): Promise<boolean> {
    const r = await this.pool.query("UPDATE doors SET state = 'offline' WHERE site = $1 AND door = $2 AND state = 'online' AND COALESCE(last_seen_at, 0) < $3", [site, door, silentSince]);
    return r.rowCount === 1;
  }

  /** Raise an alert. */
  async alert(site: string, door: string, kind: string, detail: string, at: number): Promise<void> {
    await this.pool.query('INSERT INTO alerts (at, site, door, kind, detail) VALUES ($1, $2, $3, $4, $5)', [at, site, door, kind, detail]);
  }

  /** Alerts, newest first. */
  async alerts(limit = 100): Promise<Alert[]> {
    const r = await this.pool.query('SELECT id, at, site, door, kind, detail FROM alerts ORDER BY id DESC LIMIT $1', [limit]);
    return r.rows.map((a: Alert) => ({ ...a, id: Number(a.id), at: Number(a.at) }));
  }

  /** Stored events. */
  async events(f: EventFilter): Promise<CentralEvent[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    const p = (v: unknown): string => { args.push(v); return `$${args.length}`; };
    if (f.site) where.push(`site = ${p(f.site)}`);
    if (f.door) where.push(`door = ${p(f.door)}`);
    if (f.type) where.push(`starts_with(type, ${p(f.type)})`);
    if (f.from) where.push(`at >= ${p(f.from)}`);
    if (f.to) where.push(`at < ${p(f.to)}`);
    const sql = `SELECT * FROM events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY site, door, seq LIMIT ${p(f.limit ?? 10_000)}`;
    return (await this.pool.query(sql, args)).rows.map(eventFrom);
  }

  /** Take the next command counter. */
  async nextCounter(site: string, door: string): Promise<number> {
    const r = await this.pool.query('UPDATE doors SET command_counter = command_counter + 1 WHERE site = $1 AND door = $2 RETURNING command_counter', [site, door]);
    if (!r.rows[0]) throw new Error(`door ${site}/${door} is not enrolled`);
    return Number(r.rows[0].command_counter);
  }

  /** Record a sent command. */
  async recordCommand(c: Omit<CommandRecord, 'reply'>): Promise<void> {
    await this.pool.query('INSERT INTO commands (id, site, door, counter, action, issued_at) VALUES ($1, $2, $3, $4, $5, $6)', [c.id, c.site, c.door, c.counter, c.action, c.issuedAt]);
  }

  /** Record a reply. */
  async recordReply(id: string, reply: string, at: number): Promise<void> {
    await this.pool.query('UPDATE commands SET reply = $1, replied_at = $2 WHERE id = $3', [reply, at, id]);
  }

  /** A command by id. */
  async command(id: string): Promise<CommandRecord | null> {
    const r = (await this.pool.query('SELECT * FROM commands WHERE id = $1', [id])).rows[0];
    return r ? { id: r.id, site: r.site, door: r.door, counter: Number(r.counter), action: r.action, issuedAt: Number(r.issued_at), reply: r.reply } : null;
  }

  /** Close the pool. */
  async close(): Promise<void> {
    await this.pool.end();
  }
}
