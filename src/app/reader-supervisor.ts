/**
 * Keeps the door readers running without ever taking the door down with them. A reader that cannot open at start (unplugged,
 * wrong path, pcscd not running) does not stop the daemon: `alarm.reader_down` is raised once, the open is retried with
 * backoff, and `reader.restored` is recorded when it opens. A reader that closes while running (its adapter reconnects
 * by itself) is seen by `poll()` and raises the same pair of events. The exit button, the door alarms and the other
 * readers keep working meanwhile.
 */
import type { CardReader, RawTap } from '../ports/hardware.js';
import type { Log } from '../ports/log.js';
import type { EventData, EventType } from '../domain/events.js';
import type { ReaderFact } from '../protocol/messages.js';

/** Backoff of the attempts to open a reader that failed to open. */
export interface ReaderRetry {
  /** Delay before the first retry, ms (default 1000). */
  firstMs?: number;
  /** Longest delay between retries, ms (default 15000). */
  maxMs?: number;
}

/** What the supervisor needs. */
export interface ReaderSupervisorDeps {
  /** The door readers. */
  readers: CardReader[];
  /** Where taps go. */
  onTap: (tap: RawTap) => void;
  /** Append one event (alarm.reader_down, reader.restored); may throw (logged). */
  append: <K extends EventType>(type: K, data: EventData<K>) => void;
  /** Logger. */
  log: Log;
  /** Retry backoff. */
  retry?: ReaderRetry;
  /** Clock (ms). */
  now?: () => number;
}

interface ReaderState {
  reader: CardReader;
  /** start() has resolved (the adapter now reconnects by itself). */
  started: boolean;
  /** Down since (ms), or null while up. */
  downSince: number | null;
  /** Next retry delay (ms). */
  delay: number;
  timer: NodeJS.Timeout | null;
  lastError: string | null;
  /** When the last reader.restored was recorded (ms), or null. */
  restoredAt: number | null;
  /** How long a down reader must stay open before it is recorded restored (0: at once; doubles while it flaps). */
  holdMs: number;
  /** Open without a break since (ms) while still counted down, or null. */
  openSince: number | null;
}

/** A reader down again within this time of its restore is flapping: the next restore waits longer (ms). */
const FLAP_WINDOW_MS = 10 * 60_000;
/** The first wait of a flapping reader before it counts as restored, and the longest (ms). */
const FLAP_HOLD_FIRST_MS = 5_000;
const FLAP_HOLD_MAX_MS = 15 * 60_000;

/** Starts, watches and retries the door readers. */
export class ReaderSupervisor {
  private readonly states: ReaderState[];
  private readonly log: Log;
  private readonly now: () => number;
  private readonly firstMs: number;
  private readonly maxMs: number;
  private stopped = false;

  /** Create; nothing is opened until `start()`. */
  constructor(private readonly d: ReaderSupervisorDeps) {
    this.log = d.log.child({ component: 'readers' });
    this.now = d.now ?? Date.now;
    this.firstMs = d.retry?.firstMs ?? 1000;
    this.maxMs = Math.max(this.firstMs, d.retry?.maxMs ?? 15_000);
    this.states = d.readers.map((reader) => ({ reader, started: false, downSince: null, delay: this.firstMs, timer: null, lastError: null, restoredAt: null, holdMs: 0, openSince: null }));
  }

  /** Open every reader (in parallel). Never rejects: a reader that cannot open is reported down and retried. */
  async start(): Promise<void> {
    await Promise.all(this.states.map((s) => this.attempt(s)));
  }

  /** Ids of the readers that are down now. */
  down(): string[] {
    return this.states.filter((s) => s.downSince !== null).map((s) => s.reader.id);
  }

  /** Each door reader for the centre's status: its id, its direction, and whether it is up (not counted down) now. */
  facts(): ReaderFact[] {
    return this.states.map((s) => ({ id: s.reader.id, role: s.reader.direction, up: s.downSince === null }));
  }

  /** Check the started readers' health (called with the daemon's heartbeat): a closed one is down, a reopened one restored. */
  poll(): void {
    if (this.stopped) return;
    for (const s of this.states) {
      if (!s.started) continue;
      let open: boolean;
      let error: string | null = null;
      try {
        const h = s.reader.health();
        open = h.open;
        error = h.lastError;
      } catch (err) {
        open = false;
        error = (err as Error).message;
      }
      if (!open) s.openSince = null;
      if (!open && s.downSince === null) this.markDown(s, error ?? 'the device closed');
      else if (open && s.downSince !== null) {
        // A flapping reader (loose cable) counts as restored only once it stays open: two fsync'd events per flap
        // would write tens of thousands of events a day to the SD card.
        s.openSince ??= this.now();
        if (this.now() - s.openSince >= s.holdMs) this.markRestored(s);
      }
    }
  }

  /** Stop retrying and close every reader. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const s of this.states) {
      if (s.timer) clearTimeout(s.timer);
      s.timer = null;
    }
    await Promise.allSettled(this.states.map((s) => s.reader.stop()));
  }

  private async attempt(s: ReaderState): Promise<void> {
    const r = s.reader;
    try {
      await r.start(this.d.onTap, (err) => this.log.error({ reader: r.id, err: err.message }, 'reader error'));
    } catch (err) {
      if (this.stopped) return;
      const message = (err as Error).message;
      if (s.downSince === null) {
        this.log.error({ reader: r.id, err: message, retryInMs: s.delay }, 'reader cannot open: the door runs without it; retrying');
        this.markDown(s, message);
      } else if (message !== s.lastError) {
        this.log.warn({ reader: r.id, err: message }, 'reader still cannot open');
      } else {
        this.log.debug({ reader: r.id }, 'reader still cannot open');
      }
      s.lastError = message;
      this.schedule(s);
      return;
    }
    if (this.stopped) {
      await r.stop().catch(() => undefined);
      return;
    }
    s.started = true;
    s.delay = this.firstMs;
    this.log.info({ reader: r.id, direction: r.direction }, 'reader open');
    if (s.downSince !== null && s.holdMs === 0) this.markRestored(s);
    else if (s.downSince !== null) s.openSince = this.now();
  }

  private schedule(s: ReaderState): void {
    if (this.stopped || s.timer) return;
    const delay = s.delay;
    s.delay = Math.min(this.maxMs, s.delay * 2);
    s.timer = setTimeout(() => {
      s.timer = null;
      if (!this.stopped) void this.attempt(s);
    }, delay);
    s.timer.unref();
  }

  private markDown(s: ReaderState, error: string): void {
    s.downSince = this.now();
    s.openSince = null;
    s.holdMs = s.restoredAt !== null && s.downSince - s.restoredAt < FLAP_WINDOW_MS ? Math.min(FLAP_HOLD_MAX_MS, Math.max(FLAP_HOLD_FIRST_MS, s.holdMs * 2)) : 0;
    s.lastError = error;
    this.safeAppend('alarm.reader_down', { reader: s.reader.id, direction: s.reader.direction, error });
  }

  private markRestored(s: ReaderState): void {
    const since = s.downSince ?? this.now();
    s.downSince = null;
    s.lastError = null;
    s.openSince = null;
    s.restoredAt = this.now();
    this.log.info({ reader: s.reader.id }, 'reader restored');
    this.safeAppend('reader.restored', { reader: s.reader.id, direction: s.reader.direction, downSeconds: Math.round((this.now() - since) / 1000) });
  }

  private safeAppend<K extends EventType>(type: K, data: EventData<K>): void {
    try {
      this.d.append(type, data);
    } catch (err) {
      this.log.error({ err: (err as Error).message, event: type }, 'cannot record a reader event');
    }
  }
}
