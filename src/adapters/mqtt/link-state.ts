/**
 * The door's side of the central link as stored in SQLite (migration 2): the highest seq the centre has
 * acknowledged, whether the link is up (for `pintu status`), and the last accepted command counter (replay guard).
 * Survives restarts and power loss like every other row.
 */
import type { Db } from '../sqlite/db.js';

interface Row { acked_seq: number; acked_at: number | null; connected: number; changed_at: number | null; command_counter: number }

/** A snapshot of the link row. */
export interface LinkSnapshot {
  /** Highest seq the centre has committed. */
  ackedSeq: number;
  /** When the last ack arrived (ms), or null. */
  ackedAt: number | null;
  /** The daemon's MQTT connection is up. */
  connected: boolean;
  /** When `connected` last changed (ms), or null. */
  changedAt: number | null;
  /** Highest command counter accepted. */
  commandCounter: number;
}

/** Reads and writes the `central_link` row of one door. */
export class LinkState {
  private readonly getStmt;

  /** Bind to the database and door. */
  constructor(private readonly db: Db, readonly door: string) {
    db.prepare('INSERT OR IGNORE INTO central_link (door) VALUES (?)').run(door);
    this.getStmt = db.prepare<[string], Row>('SELECT acked_seq, acked_at, connected, changed_at, command_counter FROM central_link WHERE door = ?');
  }

  /** The current row. */
  get(): LinkSnapshot {
    const r = this.getStmt.get(this.door);
    if (!r) return { ackedSeq: 0, ackedAt: null, connected: false, changedAt: null, commandCounter: 0 };
    return { ackedSeq: r.acked_seq, ackedAt: r.acked_at, connected: r.connected === 1, changedAt: r.changed_at, commandCounter: r.command_counter };
  }

  /** Record an acknowledgement (only ever moves forward). */
  setAcked(upTo: number, at: number): void {
    this.db.prepare('UPDATE central_link SET acked_seq = ?, acked_at = ? WHERE door = ? AND acked_seq < ?').run(upTo, at, this.door, upTo);
  }

  /** Record whether the link is up. */
  setConnected(connected: boolean, at: number): void {
    this.db.prepare('UPDATE central_link SET connected = ?, changed_at = ? WHERE door = ?').run(connected ? 1 : 0, at, this.door);
  }

  /** Accept a command counter if it is higher than every earlier one; false means a replay. */
  takeCounter(counter: number): boolean {
    const r = this.db.prepare('UPDATE central_link SET command_counter = ? WHERE door = ? AND command_counter < ?').run(counter, this.door, counter);
    return r.changes === 1;
  }

  /** Events not yet acknowledged, given the log's last seq. */
  backlog(lastSeq: number): number {
    return Math.max(0, lastSeq - this.get().ackedSeq);
  }

  /** Delete acknowledged events older than `before` (ms), always keeping the newest event (it anchors seq and the chain). */
  pruneAcked(before: number): number {
    const acked = this.get().ackedSeq;
    const r = this.db.prepare(
      `DELETE FROM events WHERE door = ? AND seq <= ? AND at < ? AND seq < (SELECT MAX(seq) FROM events WHERE door = ?)`,
    ).run(this.door, acked, new Date(before).toISOString(), this.door);
    return r.changes;
  }
}

/** The link row for a door, read without creating anything (for `pintu status` on a read path). */
export function readLink(db: Db, door: string): LinkSnapshot | null {
  const hasTable = db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'central_link'").get();
  if (!hasTable?.n) return null;
  const r = db.prepare<[string], Row>('SELECT acked_seq, acked_at, connected, changed_at, command_counter FROM central_link WHERE door = ?').get(door);
  return r ? { ackedSeq: r.acked_seq, ackedAt: r.acked_at, connected: r.connected === 1, changedAt: r.changed_at, commandCounter: r.command_counter } : null;
}
