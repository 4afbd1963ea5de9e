/**
 * Every committed event of the door, once each and in order, for the parts that follow them live (the officers'
 * console): events the daemon commits are published as they commit; events committed by another process (a CLI
 * command) or outside the daemon's own paths are picked up by a poll of the log. Nothing here is on the tap path:
 * `publish` only compares a seq and calls the listeners.
 */
import type { EventLogPort, StoredEvent } from '../ports/store.js';
import type { Log } from '../ports/log.js';

/** A listener of committed events. */
export type EventListener = (events: readonly StoredEvent[]) => void;

/** The door's committed events, live. */
export class EventFeed {
  private readonly listeners = new Set<EventListener>();
  private last: number;
  private timer: NodeJS.Timeout | null = null;

  /** Starts after the newest event already in the log. */
  constructor(private readonly log: Pick<EventLogPort, 'since' | 'lastSeq'>, private readonly logger: Log) {
    this.last = log.lastSeq();
  }

  /** Follow events; returns the unsubscribe. */
  subscribe(fn: EventListener): () => void {
    this.listeners.add(fn);
    return () => { this.listeners.delete(fn); };
  }

  /** Events just committed (in seq order): those not yet published go to every listener. */
  publish(events: readonly StoredEvent[]): void {
    if (this.listeners.size === 0) { const top = events[events.length - 1]; if (top && top.seq > this.last) this.last = top.seq; return; }
    const first = events[0];
    // A gap (an event committed elsewhere in between): read from the log instead, so order and completeness hold.
    if (first && first.seq > this.last + 1) { this.poll(); return; }
    const fresh = events.filter((e) => e.seq > this.last);
    if (fresh.length === 0) return;
    this.last = fresh[fresh.length - 1]!.seq;
    this.emit(fresh);
  }

  /** Publish what the log holds beyond the last published event. */
  poll(): void {
    if (this.listeners.size === 0) { this.last = this.log.lastSeq(); return; }
    for (;;) {
      const batch = this.log.since(this.last, 500);
      if (batch.length === 0) return;
      this.last = batch[batch.length - 1]!.seq;
      this.emit(batch);
      if (batch.length < 500) return;
    }
  }

  /** Poll every `ms` until stopped. */
  start(ms = 1000): void {
    if (this.timer) return;
    this.timer = setInterval(() => { try { this.poll(); } catch (err) { this.logger.warn({ err: (err as Error).message }, 'reading new events failed'); } }, ms);
    this.timer.unref();
  }

  /** Stop polling and forget the listeners. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.listeners.clear();
  }

  private emit(events: readonly StoredEvent[]): void {
    for (const fn of this.listeners) {
      try { fn(events); } catch (err) { this.logger.error({ err: (err as Error).message }, 'an event listener failed'); }
    }
  }
}
