/**
 * The central store's logic written once for both databases: row mapping, the ingest rules (which events of each
 * message are stored, the alerts they raise, the door heads they leave), the event filter and the command records.
 * A backend (`SqliteCentralStore`, `PgCentralStore`) supplies only the SQL primitives and the ingest transaction.
 * SQL here uses `?` placeholders; a backend with numbered parameters rewrites them (`numberedParams`).
 */
import { GENESIS_HASH } from '../protocol/chain.js';
import { z } from 'zod';
import { CLOCK_STATES, HEALTH_STATES, healthFactSchema, readerFactSchema, type StatusFacts, type WireEvent } from '../protocol/messages.js';
import type { SqlDialect, SqlRunner } from './sql-runner.js';
import type { DoorEvents } from './projections.js';
import { alertOf, checkBatch, type Alert, type CentralEvent, type CentralStore, type CommandRecord, type DoorRecord, type EventFilter, type IngestBatch, type IngestResult } from './store.js';

/** A `doors` row as either database returns it (PostgreSQL BIGINTs come back as strings). */
export interface DoorRow {
  site: string; door: string; public_key: string; enrolled_at: number | string; last_seq: number | string; last_hash: string; state: DoorRecord['state'];
  status_at: number | string | null; reported_last_seq: number | string | null; last_seen_at: number | string | null;
  app_version?: string | null; os?: string | null; clock_state?: string | null; readers?: string | null; health_state?: string | null; health_failing?: string | null; seal_key?: string | null;
}
/** An `events` row. */
export interface EventRow { site: string; door: string; seq: number | string; type: string; at: string; data: string; prev_hash: string; hash: string; received_at: number | string }
/** A `commands` row. */
export interface CommandRow { id: string; site: string; door: string; counter: number | string; action: string; issued_at: number | string; reply: string | null }
/** An `alerts` row. */
export interface AlertRow { id: number | string; at: number | string; site: string; door: string; kind: string; detail: string }

const num = (v: number | string): number => Number(v);
const numOrNull = (v: number | string | null): number | null => (v === null ? null : Number(v));

/** A JSON column's value if it passes its schema, else null (a row written by hand or by a future version stays readable). */
/** The readers column's schema, built once (not per row: the fleet page maps hundreds of rows). */
const READER_FACTS = z.array(readerFactSchema);

function jsonColumn<T>(text: string | null | undefined, schema: z.ZodType<T>): T | null {
  if (!text) return null;
  try {
    const r = schema.safeParse(JSON.parse(text));
    return r.success ? r.data : null;
  } catch { return null; }
}

/** Map a door row. */
export function doorFrom(r: DoorRow): DoorRecord {
  const clock = CLOCK_STATES.find((c) => c === r.clock_state) ?? null;
  const health = HEALTH_STATES.find((h) => h === r.health_state);
  return {
    site: r.site, door: r.door, publicKey: r.public_key, enrolledAt: num(r.enrolled_at), lastSeq: num(r.last_seq), lastHash: r.last_hash,
    state: r.state, statusAt: numOrNull(r.status_at), reportedLastSeq: numOrNull(r.reported_last_seq), lastSeenAt: numOrNull(r.last_seen_at),
    app: r.app_version ?? null, os: r.os ?? null, clock, readers: jsonColumn(r.readers, READER_FACTS),
    health: health ? { state: health, failing: jsonColumn(r.health_failing, healthFactSchema.shape.failing) ?? [] } : null,
    sealKey: r.seal_key ?? null,
  };
}

/** Map an event row. */
export function eventFrom(r: EventRow): CentralEvent {
  return {
    site: r.site, door: r.door, seq: num(r.seq), type: r.type, at: r.at, data: JSON.parse(r.data) as Record<string, unknown>,
    prevHash: r.prev_hash, hash: r.hash, receivedAt: num(r.received_at),
  };
}

/** Map a command row. */
export function commandFrom(r: CommandRow): CommandRecord {
  return { id: r.id, site: r.site, door: r.door, counter: num(r.counter), action: r.action, issuedAt: num(r.issued_at), reply: r.reply };
}

/** Map an alert row. */
export function alertFrom(r: AlertRow): Alert {
  return { id: num(r.id), at: num(r.at), site: r.site, door: r.door, kind: r.kind, detail: r.detail };
}

/** Rewrite `?` placeholders as `$1`, `$2`, … (the SQL here has no `?` inside string literals). */
export function numberedParams(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** A door's chain head inside one ingest transaction. */
export interface DoorHead {
  /** Site id. */
  site: string;
  /** Door id. */
  door: string;
  /** Highest seq stored so far. */
  lastSeq: number;
  /** Hash of that event. */
  lastHash: string;
  /** Highest seq whose event the summaries hold (`projections.ts`); behind lastSeq while the backfill catches up. */
  summarizedSeq: number;
}

/** A door's new events for the summaries (the door's summaries were up to date before them). */
export interface Summarize extends DoorEvents {
  /** Its events are `IngestBatch` events. */
  events: IngestBatch['events'];
}

/** One accepted event to insert, with the alert it raises (or null). */
export type StoreEvent = (site: string, door: string, e: IngestBatch['events'][number], alert: { kind: string; detail: string } | null) => void;

/**
 * Apply the ingest rules to several messages inside the caller's transaction: each door's head is read once
 * (`headOf`; null: not enrolled), each message is checked by `checkBatch` against what the messages before it left,
 * and every accepted event goes to `store` in order. Returns each message's result, the heads to write back, and the
 * new events of the doors whose summaries were up to date (`summarize`: the caller projects them in the same
 * transaction, and the heads' summarizedSeq follows; a door still being backfilled is left to the backfill).
 */
export function applyBatches(batches: readonly IngestBatch[], headOf: (site: string, door: string) => DoorHead | null, store: StoreEvent): { results: IngestResult[]; heads: DoorHead[]; summarize: Summarize[] } {
  const heads = new Map<string, DoorHead | null>();
  const summarize = new Map<string, Summarize>();
  const results = batches.map(({ site, door, events }): IngestResult => {
    const k = `${site}\n${door}`;
    let h = heads.get(k);
    if (h === undefined) {
      h = headOf(site, door);
      heads.set(k, h);
      if (h && h.summarizedSeq === h.lastSeq) summarize.set(k, { site, door, events: [] });
    }
    if (!h) return { outcome: 'unknown-door', stored: 0, lastSeq: 0, lastHash: GENESIS_HASH };
    const { accept, outcome, detail } = checkBatch(door, h.lastSeq, h.lastHash, events);
    // Door alarms become alerts in the same transaction: once per event, however often it is redelivered.
    for (const e of accept) store(site, door, e, alertOf(e));
    const last = accept.at(-1);
    if (last) { h.lastSeq = last.seq; h.lastHash = last.hash; }
    const s = summarize.get(k);
    if (s && accept.length) { for (const e of accept) (s.events as IngestBatch['events'][number][]).push(e); h.summarizedSeq = h.lastSeq; }
    return { outcome, stored: accept.length, lastSeq: h.lastSeq, lastHash: h.lastHash, ...(detail ? { detail } : {}) };
  });
  return { results, heads: [...heads.values()].filter((h): h is DoorHead => h !== null), summarize: [...summarize.values()].filter((s) => s.events.length > 0) };
}

/** What a head writes to summarized_seq after the ingest: its new last seq when the summaries kept up, else null (unchanged). */
export function summarizedAfter(h: DoorHead): number | null {
  return h.summarizedSeq === h.lastSeq ? h.lastSeq : null;
}

/** The central store over a SQL database: every method but the ingest transaction, written once. */
export abstract class SqlCentralStore implements CentralStore {
  /** Rows of a query (`?` placeholders). */
  protected abstract rows<R>(sql: string, args: readonly unknown[]): Promise<R[]>;
  /** Run a statement (`?` placeholders); the number of rows it changed. */
  protected abstract run(sql: string, args: readonly unknown[]): Promise<number>;
  /** The condition "type starts with the parameter(s)" in this database's SQL, and its arguments for `prefix`. */
  protected abstract typeStartsWith(prefix: string): { sql: string; args: unknown[] };
  /** Store several messages in one transaction (see `applyBatches`). */
  abstract ingestMany(batches: readonly IngestBatch[], at: number): Promise<IngestResult[]>;
  /** Close the connection. */
  abstract close(): Promise<void>;
  /**
   * Bring one door's summaries forward by at most `maxEvents` events (the backfill, `summaries.ts`), in one transaction
   * holding the door's row, so the ingest of the same door waits and nothing is counted twice. Returns the events
   * summarized (0: the door is up to date, or the summaries have no time zone yet).
   */
  abstract summarizeStep(site: string, door: string, maxEvents: number): Promise<number>;
  /** Empty the summaries and set their time zone, in one transaction; every door is then behind until the backfill runs. */
  abstract resetSummaries(timeZone: string): Promise<void>;
  /** The database behind this store. */
  protected abstract readonly dialect: SqlDialect;

  /** The store's database as a small SQL interface, for the dashboard's storage modules. */
  get sql(): SqlRunner {
    return { dialect: this.dialect, rows: (q, a) => this.rows(q, a), run: (q, a) => this.run(q, a) };
  }

  /** Enrol or re-key a door. */
  async enroll(site: string, door: string, publicKey: string, at: number): Promise<void> {
    await this.run('INSERT INTO doors (site, door, public_key, enrolled_at) VALUES (?, ?, ?, ?) ON CONFLICT (site, door) DO UPDATE SET public_key = excluded.public_key, seal_key = CASE WHEN doors.public_key = excluded.public_key THEN doors.seal_key END', [site, door, publicKey, at]);
  }

  /** One door. */
  async door(site: string, door: string): Promise<DoorRecord | null> {
    const r = (await this.rows<DoorRow>('SELECT * FROM doors WHERE site = ? AND door = ?', [site, door]))[0];
    return r ? doorFrom(r) : null;
  }

  /** All doors. */
  async doors(): Promise<DoorRecord[]> {
    return (await this.rows<DoorRow>('SELECT * FROM doors ORDER BY site, door', [])).map(doorFrom);
  }

  /** Store a message's events in one transaction. */
  async ingest(site: string, door: string, events: readonly WireEvent[], at: number): Promise<IngestResult> {
    return (await this.ingestMany([{ site, door, events }], at))[0]!;
  }

  /** Record a status message; the facts it carries replace the stored ones, facts it leaves out stay. */
  async setStatus(site: string, door: string, state: 'online' | 'offline', statusAt: number, reportedLastSeq: number | null, facts: StatusFacts = {}): Promise<void> {
    await this.run(`UPDATE doors SET state = ?, status_at = ?, reported_last_seq = COALESCE(?, reported_last_seq), last_seen_at = ?,
      app_version = COALESCE(?, app_version), os = COALESCE(?, os), clock_state = COALESCE(?, clock_state), readers = COALESCE(?, readers),
      health_state = COALESCE(?, health_state), health_failing = COALESCE(?, health_failing), seal_key = COALESCE(?, seal_key) WHERE site = ? AND door = ?`,
    [state, statusAt, reportedLastSeq, Date.now(), facts.app ?? null, facts.os ?? null, facts.clock ?? null, facts.readers ? JSON.stringify(facts.readers) : null,
      facts.health?.state ?? null, facts.health ? JSON.stringify(facts.health.failing) : null, facts.sealKey ?? null, site, door]);
  }

  /** Mark a silent online door offline (atomic: one receiver of several wins). */
  async markSilent(site: string, door: string, silentSince: number): Promise<boolean> {
    return (await this.run("UPDATE doors SET state = 'offline' WHERE site = ? AND door = ? AND state = 'online' AND COALESCE(last_seen_at, 0) < ?", [site, door, silentSince])) === 1;
  }

  /** Raise an alert. */
  async alert(site: string, door: string, kind: string, detail: string, at: number): Promise<void> {
    await this.run('INSERT INTO alerts (at, site, door, kind, detail) VALUES (?, ?, ?, ?, ?)', [at, site, door, kind, detail]);
  }

  /** Alerts, newest first. */
  async alerts(limit = 100): Promise<Alert[]> {
    return (await this.rows<AlertRow>('SELECT id, at, site, door, kind, detail FROM alerts ORDER BY id DESC LIMIT ?', [limit])).map(alertFrom);
  }

  /** Stored events, in site, door, seq order. */
  async events(f: EventFilter): Promise<CentralEvent[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (f.site) { where.push('site = ?'); args.push(f.site); }
    if (f.door) { where.push('door = ?'); args.push(f.door); }
    if (f.type) { const p = this.typeStartsWith(f.type); where.push(p.sql); args.push(...p.args); }
    if (f.from) { where.push('at >= ?'); args.push(f.from); }
    if (f.to) { where.push('at < ?'); args.push(f.to); }
    args.push(f.limit ?? 10_000);
    const sql = `SELECT * FROM events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY site, door, seq LIMIT ?`;
    return (await this.rows<EventRow>(sql, args)).map(eventFrom);
  }

  /** Take the next command counter (atomically). */
  async nextCounter(site: string, door: string): Promise<number> {
    const r = (await this.rows<{ command_counter: number | string }>('UPDATE doors SET command_counter = command_counter + 1 WHERE site = ? AND door = ? RETURNING command_counter', [site, door]))[0];
    if (!r) throw new Error(`door ${site}/${door} is not enrolled`);
    return Number(r.command_counter);
  }

  /** Record a sent command. */
  async recordCommand(c: Omit<CommandRecord, 'reply'>): Promise<void> {
    await this.run('INSERT INTO commands (id, site, door, counter, action, issued_at) VALUES (?, ?, ?, ?, ?, ?)', [c.id, c.site, c.door, c.counter, c.action, c.issuedAt]);
  }

  /** Record a reply. */
  async recordReply(id: string, reply: string, at: number): Promise<void> {
    await this.run('UPDATE commands SET reply = ?, replied_at = ? WHERE id = ?', [reply, at, id]);
  }

  /** A command by id. */
  async command(id: string): Promise<CommandRecord | null> {
    const r = (await this.rows<CommandRow>('SELECT * FROM commands WHERE id = ?', [id]))[0];
    return r ? commandFrom(r) : null;
  }
}
