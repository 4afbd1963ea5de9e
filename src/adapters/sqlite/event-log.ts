/**
 * The append-only event log: a gap-free per-door sequence number and a SHA-256 hash chain, written inside the
 * caller's transaction so an event and the state change it records commit together or not at all.
 */
import { createHash } from 'node:crypto';
import type { Db } from './db.js';
import type { DomainEvent } from '../../domain/types.js';

/** A stored event. */
export interface StoredEvent {
  /** Door id. */
  door: string;
  /** Gap-free sequence number per door, from 1. */
  seq: number;
  /** Dotted type, e.g. `access.granted`. */
  type: string;
  /** ISO-8601 time with milliseconds. */
  at: string;
  /** Event fields (ids and facts, no personal data). */
  data: Record<string, unknown>;
  /** Hash of the previous event of this door (64 zeros for the first). */
  prevHash: string;
  /** SHA-256 over prevHash, door, seq, type, at and the data JSON. */
  hash: string;
}

/** Hash before the first event. */
export const GENESIS_HASH = '0'.repeat(64);

/** Compute an event's chain hash. */
export function eventHash(prevHash: string, door: string, seq: number, type: string, at: string, dataJson: string): string {
  return createHash('sha256').update(`${prevHash}\n${door}\n${seq}\n${type}\n${at}\n${dataJson}`).digest('hex');
}

interface Row { door: string; seq: number; type: string; at: string; data: string; prev_hash: string; hash: string }

function fromRow(r: Row): StoredEvent {
  return { door: r.door, seq: r.seq, type: r.type, at: r.at, data: JSON.parse(r.data) as Record<string, unknown>, prevHash: r.prev_hash, hash: r.hash };
}

/** Hook run on every event before it is hashed: may add data fields and adjust the time (the clock guard uses it). */
export type EventStamp = (type: string, data: Record<string, unknown>, at: number) => { data: Record<string, unknown>; at: number };

/** The event log of one door. */
export class EventLog {
  /** Optional hook applied to each appended event (see `ClockGuard.stamp`). */
  stamp: EventStamp | null = null;
  private readonly lastStmt;
  private readonly insertStmt;
  private readonly sinceStmt;

  /** Bind to the database and the door id. */
  constructor(private readonly db: Db, readonly door: string) {
    this.lastStmt = db.prepare<[string], { seq: number; hash: string }>('SELECT seq, hash FROM events WHERE door = ? ORDER BY seq DESC LIMIT 1');
    this.insertStmt = db.prepare('INSERT INTO events (door, seq, type, at, data, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.sinceStmt = db.prepare<[string, number, number], Row>('SELECT * FROM events WHERE door = ? AND seq > ? ORDER BY seq LIMIT ?');
  }

  /** Append events; must run inside a write transaction (see `Store.tx`). Returns the stored events. */
  append(events: readonly DomainEvent[], at: number): StoredEvent[] {
    if (!this.db.inTransaction) throw new Error('EventLog.append must run inside a transaction');
    const last = this.lastStmt.get(this.door);
    let seq = last?.seq ?? 0;
    let prev = last?.hash ?? GENESIS_HASH;
    const out: StoredEvent[] = [];
    for (const e of events) {
      seq += 1;
      const s = this.stamp ? this.stamp(e.type, e.data, at) : { data: e.data, at };
      const iso = new Date(s.at).toISOString();
      const json = JSON.stringify(s.data);
      const hash = eventHash(prev, this.door, seq, e.type, iso, json);
      this.insertStmt.run(this.door, seq, e.type, iso, json, prev, hash);
      out.push({ door: this.door, seq, type: e.type, at: iso, data: s.data, prevHash: prev, hash });
      prev = hash;
    }
    return out;
  }

  /** Events with seq greater than `since`, oldest first. */
  since(since: number, limit = 1000): StoredEvent[] {
    return this.sinceStmt.all(this.door, since, limit).map(fromRow);
  }

  /** The highest seq, or 0. */
  lastSeq(): number {
    return this.lastStmt.get(this.door)?.seq ?? 0;
  }

  /** Verify seq continuity and the hash chain from `since`; returns the first problem found, or null. */
  verify(since = 0): string | null {
    let expectSeq = since + 1;
    let prev: string | null = since === 0 ? GENESIS_HASH : null;
    for (;;) {
      const batch = this.since(expectSeq - 1, 5000);
      if (batch.length === 0) return null;
      for (const e of batch) {
        if (e.seq !== expectSeq) return `gap: expected seq ${expectSeq}, found ${e.seq}`;
        if (prev !== null && e.prevHash !== prev) return `chain broken at seq ${e.seq}`;
        if (eventHash(e.prevHash, e.door, e.seq, e.type, e.at, JSON.stringify(e.data)) !== e.hash) return `hash mismatch at seq ${e.seq}`;
        prev = e.hash;
        expectSeq += 1;
      }
    }
  }
}
