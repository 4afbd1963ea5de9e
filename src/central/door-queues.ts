/**
 * The receiver's waiting messages, one FIFO queue per door, and the fair choice of what goes into the next store
 * transaction: every door's small messages at the head of its queue (live traffic: a tap or two) in a short
 * transaction of their own whenever there are any; otherwise one message per door per round, round-robin from a
 * start that moves on each time, until the group is full. A door's
 * messages are only ever taken from the head of its queue, so per-door order holds; a door's live events wait for at
 * most the transaction in progress, never behind other doors' backlogs.
 *
 * Messages put back to wait (a gap: an earlier message may still be on its way) are held apart, in seq order, until
 * their time; what arrives meanwhile is taken at once, since it may be the missing earlier message (after a broker
 * restart a door's resent backlog can arrive behind messages its client had queued).
 */

/** A waiting message. */
export interface Waiting {
  /** Its size (bytes); what fills a group. */
  bytes: number;
}

/** Limits of one group (one store transaction). */
export interface GroupLimits {
  /** At most this many messages. */
  maxMessages: number;
  /** Stop adding once this many bytes are in (one larger message still goes alone). */
  maxBytes: number;
  /** Messages up to this size count as live traffic and go first. */
  smallBytes: number;
}

/** Live-only groups in a row before a waiting backlog gets a round-robin group (which takes live messages too). */
const MAX_LIVE_STREAK = 4;

interface DoorQueue<T> { items: T[]; held: T[]; holdUntil: number; bytes: number; full?: boolean }

/** The message a door's queue gives next at `now`: held ones once their time has come, else the newest arrivals. */
function headList<T>(q: DoorQueue<T>, now: number): T[] | null {
  if (q.held.length && q.holdUntil <= now) return q.held;
  return q.items.length ? q.items : null;
}

/** Per-door queues with fair group selection. */
export class DoorQueues<T extends Waiting> {
  private readonly doors = new Map<string, DoorQueue<T>>();

  /** `seqOf`: the first seq a message carries, when known (held messages are kept in that order). */
  constructor(private readonly seqOf: (item: T) => number | undefined = () => undefined) {}
  private start = 0;
  /** Live-only groups taken in a row. */
  private liveStreak = 0;

  /** Messages waiting, all doors. */
  get size(): number {
    let n = 0;
    for (const q of this.doors.values()) n += q.items.length + q.held.length;
    return n;
  }

  /** Append a door's message; false (nothing queued) if the door's queue would then hold more than `maxBytes`. */
  push(door: string, item: T, maxBytes = Infinity): boolean {
    let q = this.doors.get(door);
    // Once full, a door's queue takes nothing until it is empty: what follows a dropped message would only be a gap.
    if (q && (q.items.length || q.held.length) && (q.full || q.bytes + item.bytes > maxBytes)) { q.full = true; return false; }
    if (!q) { q = { items: [], held: [], holdUntil: 0, bytes: 0 }; this.doors.set(door, q); }
    q.items.push(item);
    q.bytes += item.bytes;
    return true;
  }

  /** Put messages back to wait, not to be taken before `until` (ms); held messages stay in seq order (else their order). */
  requeue(door: string, items: readonly T[], until: number): void {
    let q = this.doors.get(door);
    if (!q) { q = { items: [], held: [], holdUntil: 0, bytes: 0 }; this.doors.set(door, q); }
    const key = (t: T): number => this.seqOf(t) ?? Number.MAX_SAFE_INTEGER;
    q.held = [...items, ...q.held].map((t, i) => ({ t, i })).sort((a, b) => key(a.t) - key(b.t) || a.i - b.i).map((x) => x.t);
    for (const it of items) q.bytes += it.bytes;
    q.holdUntil = until;
  }

  /** Ms until a held door may be taken again, or null if no door waits on a hold. */
  nextHoldEndsIn(now: number): number | null {
    let best: number | null = null;
    for (const q of this.doors.values()) if (q.held.length && q.holdUntil > now) best = Math.min(best ?? Infinity, q.holdUntil - now);
    return best;
  }

  /** A small (live) message waits at the head of a door's queue and may be taken now. */
  smallWaiting(now: number, smallBytes: number): boolean {
    for (const q of this.doors.values()) { const h = headList(q, now); if (h && h[0]!.bytes <= smallBytes) return true; }
    return false;
  }

  /** The next group, in the order to handle it (each door's messages in its own order); empty if nothing is ready. */
  take(now: number, limits: GroupLimits): { door: string; item: T }[] {
    const ready = [...this.doors.entries()].filter(([, q]) => headList(q, now) !== null);
    const head = (q: DoorQueue<T>): T | undefined => headList(q, now)?.[0];
    const out: { door: string; item: T }[] = [];
    let bytes = 0;
    const full = (): boolean => out.length >= limits.maxMessages || bytes >= limits.maxBytes;
    const takeHead = ([door, q]: [string, DoorQueue<T>]): void => {
      const item = headList(q, now)!.shift()!;
      q.bytes -= item.bytes;
      out.push({ door, item });
      bytes += item.bytes;
    };
    // Live traffic first, in a transaction of its own (short, so its acks go out at once): small messages at the head of
    // each queue. Not for ever: a door (or anyone publishing on its topic) that keeps small messages coming would hold
    // every other door's backlog back. After `MAX_LIVE_STREAK` live groups in a row, the next group takes each door's
    // live message first and then at least one backlog message, round-robin.
    const backlog = ready.some(([, q]) => head(q)!.bytes > limits.smallBytes);
    const forced = backlog && this.liveStreak >= MAX_LIVE_STREAK;
    for (const d of ready) {
      while (!full() && head(d[1]) !== undefined && head(d[1])!.bytes <= limits.smallBytes) {
        takeHead(d);
        if (forced) break;
      }
    }
    if (out.length && !forced) {
      this.liveStreak += 1;
      this.dropEmpty();
      return out;
    }
    this.liveStreak = 0;
    // Otherwise round-robin, one message per door per round, the first door moving on each group.
    if (ready.length) {
      const first = this.start % ready.length;
      this.start += 1;
      const order = [...ready.slice(first), ...ready.slice(0, first)];
      // A forced group holds at least one backlog message, even when the live messages filled it.
      let progressed = !forced;
      for (let more = true; more && !(full() && progressed);) {
        more = false;
        for (const d of order) {
          const h = head(d[1]);
          if (h === undefined) continue;
          const isBacklog = h.bytes > limits.smallBytes;
          if (full() && (progressed || !isBacklog)) continue;
          takeHead(d);
          more = true;
          if (isBacklog) progressed = true;
        }
      }
    }
    this.dropEmpty();
    return out;
  }

  private dropEmpty(): void {
    for (const [door, q] of this.doors) if (!q.items.length && !q.held.length) this.doors.delete(door);
  }
}
