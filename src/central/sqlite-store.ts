/**
 * The central store in SQLite (the default): one file, WAL, every ingest (one or several messages) in one IMMEDIATE
 * transaction so that several receiver processes sharing the file never store an event twice (UNIQUE site, door, seq).
 */
import { openDatabase, type Db } from '../adapters/sqlite/db.js';
import type { Migration } from '../adapters/sqlite/migrations.js';
import { GENESIS_HASH } from '../adapters/sqlite/event-log.js';
import type { WireEvent } from '../adapters/mqtt/protocol.js';
import type { Statement } from 'better-sqlite3';
import { alertOf, checkBatch, dataJsonOf, type Alert, type CentralEvent, type CentralStore, type CommandRecord, type DoorRecord, type EventFilter, type IngestBatch, type IngestResult } from './store.js';

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
];

interface DoorRow { site: string; door: string; public_key: string; enrolled_at: number; last_seq: number; last_hash: string; state: DoorRecord['state']; status_at: number | null; reported_last_seq: number | null; last_seen_at: number | null }
interface EventRow { site: string; door: string; seq: number; type: string; at: string; data: string; prev_hash: string; hash: string; received_at: number }

/** Map a door row (shared with the PostgreSQL store). */
export function doorFrom(r: DoorRow): DoorRecord {
  return {
    site: r.site, door: r.door, publicKey: r.public_key, enrolledAt: Number(r.enrolled_at), lastSeq: Number(r.last_seq), lastHash: r.last_hash,
    state: r.state, statusAt: r.status_at === null ? null : Number(r.status_at), reportedLastSeq: r.reported_last_seq === null ? null : Number(r.reported_last_seq),
    lastSeenAt: r.last_seen_at === null ? null : Number(r.last_seen_at),
  };
}

/** Map an event row (shared with the PostgreSQL store). */
export function eventFrom(r: EventRow): CentralEvent {
  return {
    site: r.site, door: r.door, seq: Number(r.seq), type: r.type, at: r.at, data: JSON.parse(r.data) as Record<string, unknown>,
    prevHash: r.prev_hash, hash: r.hash, receivedAt: Number(r.received_at),
  };
}

/** The central store in a SQLite file. */
export class SqliteCentralStore implements CentralStore {
  /** The open database. */
  readonly db: Db;
  private stmts: { door: Statement<[string, string], { last_seq: number; last_hash: string }>; ins: Statement; alert: Statement; head: Statement } | null = null;

  /** Open (creating and migrating) the file. */
  constructor(path: string) {
    this.db = openDatabase(path, { synchronous: 'full' }, CENTRAL_MIGRATIONS);
  }

  /** Enrol or re-key a door. */
  async enroll(site: string, door: string, publicKey: string, at: number): Promise<void> {
    this.db.prepare('INSERT INTO doors (site, door, public_key, enrolled_at) VALUES (?, ?, ?, ?) ON CONFLICT(site, door) DO UPDATE SET public_key = excluded.public_key')
      .run(site, door, publicKey, at);
  }

  /** One door. */
  async door(site: string, door: string): Promise<DoorRecord | null> {
    const r = this.db.prepare<[string, string], DoorRow>('SELECT * FROM doors WHERE site = ? AND door = ?').get(site, door);
    return r ? doorFrom(r) : null;
  }

  /** All doors. */
  async doors(): Promise<DoorRecord[]> {
    return this.db.prepare<[], DoorRow>('SELECT * FROM doors ORDER BY site, door').all().map(doorFrom);
  }

  /** Store a message's events in one transaction. */
  async ingest(site: string, door: string, events: readonly WireEvent[], at: number): Promise<IngestResult> {
    return (await this.ingestMany([{ site, door, events }], at))[0]!;
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
      // Per door in this transaction: its head as the messages before left it (null: not enrolled).
      const heads = new Map<string, { site: string; door: string; lastSeq: number; lastHash: string } | null>();
      const out = batches.map(({ site, door, events }): IngestResult => {
        const k = `${site}\n${door}`;
        let h = heads.get(k);
        if (h === undefined) {
          const d = s.door.get(site, door);
          h = d ? { site, door, lastSeq: d.last_seq, lastHash: d.last_hash } : null;
          heads.set(k, h);
        }
        if (!h) return { outcome: 'unknown-door', stored: 0, lastSeq: 0, lastHash: GENESIS_HASH };
        const { accept, outcome, detail } = checkBatch(door, h.lastSeq, h.lastHash, events);
        for (const e of accept) {
          s.ins.run(site, door, e.seq, e.type, e.at, dataJsonOf(e), e.prevHash, e.hash, at);
          const a = alertOf(e);
          if (a) s.alert.run(at, site, door, a.kind, a.detail);
        }
        const last = accept.at(-1);
        if (last) { h.lastSeq = last.seq; h.lastHash = last.hash; }
        return { outcome, stored: accept.length, lastSeq: h.lastSeq, lastHash: h.lastHash, ...(detail ? { detail } : {}) };
      });
      for (const h of heads.values()) if (h) s.head.run(h.lastSeq, h.lastHash, at, h.site, h.door);
      return out;
    }).immediate();
  }

  /** Record a status message. */
  async setStatus(site: string, door: string, state: 'online' | 'offline', statusAt: number, reportedLastSeq: number | null): Promise<void> {
    this.db.prepare('UPDATE doors SET state = ?, status_at = ?, reported_last_seq = COALESCE(?, reported_last_seq), last_seen_at = ? WHERE site = ? AND door = ?')
      .run(state, statusAt, reportedLastSeq, Date.now(), site, door);
  }

  /** Mark a silent online door offline (atomic: one receiver of several wins). */
  async markSilent(site: string, door: string, silentSince: number): Promise<boolean> {
    return this.db.prepare("UPDATE doors SET state = 'offline' WHERE site = ? AND door = ? AND state = 'online' AND COALESCE(last_seen_at, 0) < ?")
      .run(site, door, silentSince).changes === 1;
  }

  /** Raise an alert. */
  async alert(site: string, door: string, kind: string, detail: string, at: number): Promise<void> {
    this.db.prepare('INSERT INTO alerts (at, site, door, kind, detail) VALUES (?, ?, ?, ?, ?)').run(at, site, door, kind, detail);
  }

  /** Alerts, newest first. */
  async alerts(limit = 100): Promise<Alert[]> {
    return this.db.prepare<[number], Alert>('SELECT id, at, site, door, kind, detail FROM alerts ORDER BY id DESC LIMIT ?').all(limit);
  }

  /** Stored events. */
  async events(f: EventFilter): Promise<CentralEvent[]> {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (f.site) { where.push('site = ?'); args.push(f.site); }
    if (f.door) { where.push('door = ?'); args.push(f.door); }
    if (f.type) { where.push('substr(type, 1, ?) = ?'); args.push(f.type.length, f.type); }
    if (f.from) { where.push('at >= ?'); args.push(f.from); }
    if (f.to) { where.push('at < ?'); args.push(f.to); }
    args.push(f.limit ?? 10_000);
    const sql = `SELECT * FROM events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY site, door, seq LIMIT ?`;
    return this.db.prepare<(string | number)[], EventRow>(sql).all(...args).map(eventFrom);
  }

  /** Take the next command counter. */
  async nextCounter(site: string, door: string): Promise<number> {
    const r = this.db.prepare<[string, string], { command_counter: number }>('UPDATE doors SET command_counter = command_counter + 1 WHERE site = ? AND door = ? RETURNING command_counter').get(site, door);
    if (!r) throw new Error(`door ${site}/${door} is not enrolled`);
    return r.command_counter;
  }

  /** Record a sent command. */
  async recordCommand(c: Omit<CommandRecord, 'reply'>): Promise<void> {
    this.db.prepare('INSERT INTO commands (id, site, door, counter, action, issued_at) VALUES (?, ?, ?, ?, ?, ?)').run(c.id, c.site, c.door, c.counter, c.action, c.issuedAt);
  }

  /** Record a reply. */
  async recordReply(id: string, reply: string, at: number): Promise<void> {
    this.db.prepare('UPDATE commands SET reply = ?, replied_at = ? WHERE id = ?').run(reply, at, id);
  }

  /** A command by id. */
  async command(id: string): Promise<CommandRecord | null> {
    const r = this.db.prepare<[string], { id: string; site: string; door: string; counter: number; action: string; issued_at: number; reply: string | null }>('SELECT * FROM commands WHERE id = ?').get(id);
    return r ? { id: r.id, site: r.site, door: r.door, counter: r.counter, action: r.action, issuedAt: r.issued_at, reply: r.reply } : null;
  }

  /** Close the file. */
  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
