/**
 * The append-only event log: a gap-free per-door sequence number and a SHA-256 hash chain, written inside the
 * caller's transaction so an event and the state change it records commit together or not at all.
 */
import type { Statement } from 'better-sqlite3';
import type { Db } from './db.js';
import type { DomainEvent } from '../../domain/types.js';
import type { EventLogPort, LogClock, NewestEvent, StoredEvent } from '../../ports/store.js';
import { eventDataText, eventHash, GENESIS_HASH, type StoredEventText } from '../../protocol/chain.js';

export type { ClockStamp, LogClock, NewestEvent, StoredEvent } from '../../ports/store.js';

/** An events row. */
export interface Row { door: string; seq: number; type: string; at: string; data: string; prev_hash: string; hash: string }

/** A row as a stored event: the log holds what the catalogue typed when it was written, so the type is trusted, not checked. */
export function fromRow(r: Row): StoredEvent {
  return { door: r.door, seq: r.seq, type: r.type, at: r.at, data: JSON.parse(r.data) as Record<string, unknown>, prevHash: r.prev_hash, hash: r.hash } as StoredEvent;
}

/** The event log of one door. */
export class EventLog implements EventLogPort {
  /** The clock hook applied to each append (the door's `ClockGuard`), fixed at construction; null: times written as given. */
  readonly clock: LogClock | null;
  private readonly lastStmt;
  private readonly insertStmt;
  private readonly sinceStmt;
  private readonly sinceTextStmt;
  private countStmt: Statement<[string, string, string], { n: number }> | null = null;

  /**
   * Bind to the database and the door id, with the clock hook that stamps every append. Required: a log built without
   * saying which clock guards it would silently write times the clock guard never saw (null says so explicitly: tools
   * that only read or verify, and tests of the log itself).
   */
  constructor(private readonly db: Db, readonly door: string, clock: LogClock | null) {
    this.clock = clock;
    this.lastStmt = db.prepare<[string], { seq: number; hash: string; at: string; raw: string | null }>(
      "SELECT seq, hash, at, json_extract(data, '$.clockRaw') AS raw FROM events WHERE door = ? ORDER BY seq DESC LIMIT 1",
    );
    this.insertStmt = db.prepare('INSERT INTO events (door, seq, type, at, data, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.sinceStmt = db.prepare<[string, number, number], Row>('SELECT * FROM events WHERE door = ? AND seq > ? ORDER BY seq LIMIT ?');
    this.sinceTextStmt = db.prepare<[string, number, number], StoredEventText>(
      'SELECT seq, type, at, data, prev_hash AS prevHash, hash FROM events WHERE door = ? AND seq > ? ORDER BY seq LIMIT ?',
    );
  }

  /** How many events of `type` this door logged at or after `fromIso` (for the health checklist's restart count). */
  countSince(type: string, fromIso: string): number {
    this.countStmt ??= this.db.prepare<[string, string, string], { n: number }>('SELECT COUNT(*) AS n FROM events WHERE door = ? AND type = ? AND at >= ?');
    return this.countStmt.get(this.door, type, fromIso)?.n ?? 0;
  }

  /** The newest stored event (one primary-key lookup), or null for an empty log. */
  newest(): NewestEvent | null {
    const r = this.lastStmt.get(this.door);
    if (!r) return null;
    const raw = typeof r.raw === 'string' ? Date.parse(r.raw) : NaN;
    return { seq: r.seq, hash: r.hash, at: Date.parse(r.at), raw: Number.isNaN(raw) ? null : raw };
  }

  /**
   * Append events; must run inside a write transaction (see `Store.tx`). Returns the stored events (with any the
   * clock hook put first). Time never goes backwards in the log: `at` is raised to the newest event's time if earlier.
   */
  append(events: readonly DomainEvent[], at: number): StoredEvent[] {
    if (!this.db.inTransaction) throw new Error('EventLog.append must run inside a transaction');
    const last = this.newest();
    const stamp = this.clock ? this.clock.stamp(at, last) : { at, marks: {}, before: [] };
    const time = last && stamp.at < last.at ? last.at : stamp.at;
    const iso = new Date(time).toISOString();
    let seq = last?.seq ?? 0;
    let prev = last?.hash ?? GENESIS_HASH;
    const out: StoredEvent[] = [];
    for (const e of [...stamp.before, ...events]) {
      seq += 1;
      const data = Object.keys(stamp.marks).length ? { ...e.data, ...stamp.marks } : e.data;
      const json = eventDataText(data);
      const hash = eventHash(prev, this.door, seq, e.type, iso, json);
      this.insertStmt.run(this.door, seq, e.type, iso, json, prev, hash);
      out.push({ door: this.door, seq, type: e.type, at: iso, data, prevHash: prev, hash } as StoredEvent);
      prev = hash;
    }
    return out;
  }

  /** Events with seq greater than `since`, oldest first. */
  since(since: number, limit = 1000): StoredEvent[] {
    return this.sinceStmt.all(this.door, since, limit).map(fromRow);
  }

  /**
   * Events with seq greater than `since`, oldest first, with the data as the stored JSON text (not parsed): what the
   * outbox sends, so a drain never builds an object per event.
   */
  sinceText(since: number, limit = 1000): StoredEventText[] {
    return this.sinceTextStmt.all(this.door, since, limit);
  }

  /** The highest seq, or 0. */
  lastSeq(): number {
    return this.lastStmt.get(this.door)?.seq ?? 0;
  }

  /**
   * Verify seq continuity and the hash chain from `since`; returns the first problem found, or null. Events up to
   * `prunedUpTo` (the centre's acknowledged seq: retention may have deleted them) may be missing at the head.
   */
  verify(since = 0, prunedUpTo = 0): string | null {
    let expectSeq = since + 1;
    let prev: string | null = since === 0 ? GENESIS_HASH : null;
    const first = since < prunedUpTo ? this.since(since, 1)[0] : undefined;
    if (first && first.seq > expectSeq && first.seq - 1 <= prunedUpTo) {
      expectSeq = first.seq;
      prev = null;
    }
    for (;;) {
      const batch = this.since(expectSeq - 1, 5000);
      if (batch.length === 0) return null;
      for (const e of batch) {
        if (e.seq !== expectSeq) return `gap: expected seq ${expectSeq}, found ${e.seq}`;
        if (prev !== null && e.prevHash !== prev) return `chain broken at seq ${e.seq}`;
        if (eventHash(e.prevHash, e.door, e.seq, e.type, e.at, eventDataText(e.data)) !== e.hash) return `hash mismatch at seq ${e.seq}`;
        prev = e.hash;
        expectSeq += 1;
      }
    }
  }
}
