/**
 * The door's side of the central link as stored in SQLite (migration 2): the highest seq the centre has
 * acknowledged, whether the link is up (for `pintu status`), and the last accepted command counter (replay guard).
 * Survives restarts and power loss like every other row.
 */
import type { Db } from '../sqlite/db.js';
import type { LinkSnapshot } from '../../ports/store.js';
import { linkStatus } from '../sqlite/db-check.js';

interface Row { acked_seq: number; acked_at: number | null; connected: number; changed_at: number | null; command_counter: number }

export type { LinkSnapshot } from '../../ports/store.js';

/** How the daemon runs the link row's writes (default: at once). */
export interface LinkWrites {
  /** Run one write now, retried while another connection holds the lock (`Store.retry`). */
  now?: <T>(fn: () => T) => T;
  /** Queue a write that nothing waits for (an ack: the daemon's write queue, which never blocks the event loop). */
  later?: (name: string, fn: () => void) => void;
}

/** Reads and writes the `central_link` row of one door. */
export class LinkState {
  private readonly getStmt;
  /** The highest ack seen, ahead of the row while its write waits in the queue. */
  private acked: { seq: number; at: number } | null = null;
  private readonly now: <T>(fn: () => T) => T;

  /** Bind to the database and door. */
  constructor(private readonly db: Db, readonly door: string, private readonly writes: LinkWrites = {}) {
    this.now = writes.now ?? ((fn) => fn());
    this.now(() => db.prepare('INSERT OR IGNORE INTO central_link (door) VALUES (?)').run(door));
    this.getStmt = db.prepare<[string], Row>('SELECT acked_seq, acked_at, connected, changed_at, command_counter FROM central_link WHERE door = ?');
  }

  /** The current row. */
  get(): LinkSnapshot {
    const r = this.getStmt.get(this.door);
    const s = r
      ? { ackedSeq: r.acked_seq, ackedAt: r.acked_at, connected: r.connected === 1, changedAt: r.changed_at, commandCounter: r.command_counter }
      : { ackedSeq: 0, ackedAt: null, connected: false, changedAt: null, commandCounter: 0 };
    if (this.acked && this.acked.seq > s.ackedSeq) return { ...s, ackedSeq: this.acked.seq, ackedAt: this.acked.at };
    return s;
  }

  /** Record an acknowledgement (only ever moves forward); with `later`, the row is written by the write queue. */
  setAcked(upTo: number, at: number): void {
    if (this.acked === null || upTo > this.acked.seq) this.acked = { seq: upTo, at };
    const write = (): void => { this.db.prepare('UPDATE central_link SET acked_seq = ?, acked_at = ? WHERE door = ? AND acked_seq < ?').run(upTo, at, this.door, upTo); };
    if (this.writes.later) this.writes.later('ack', write);
    else this.now(write);
  }

  /** Record whether the link is up. */
  setConnected(connected: boolean, at: number): void {
    this.now(() => this.db.prepare('UPDATE central_link SET connected = ?, changed_at = ? WHERE door = ?').run(connected ? 1 : 0, at, this.door));
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
    const r = this.now(() => this.db.prepare(
      `DELETE FROM events WHERE door = ? AND seq <= ? AND at < ? AND seq < (SELECT MAX(seq) FROM events WHERE door = ?)`,
    ).run(this.door, acked, new Date(before).toISOString(), this.door));
    return r.changes;
  }
}

/** The link row for a door, read without creating anything (for `pintu status` on a read path). */
export function readLink(db: Db, door: string): LinkSnapshot | null {
  return linkStatus(db, door).row;
}
