/**
 * The daemon's writes (taps, door events, its own events), in arrival order, without ever sleeping in SQLite's busy
 * handler: each job runs with a non-waiting transaction; when another process (a CLI command, a backup) holds the
 * write lock, the job stays at the head of the queue and is retried while the event loop keeps reading the readers and
 * the door inputs: at first on every turn of the loop (a CLI command holds the lock for a millisecond or two, and a
 * 1 ms timer fires 1–2 ms late), each turn pausing 50 µs so as not to spin a core; after `spinMs` of waiting
 * (a long hold: a backup, a stuck process), every `retryMs`. A job that fails for any other reason changed nothing (its transaction
 * rolled back) and is dropped with an error log; the jobs behind it go on.
 */
import type { Log } from '../ports/log.js';
import type { WriteLock } from '../ports/store.js';

/** Options of the write queue. */
export interface WriteQueueOptions {
  /** Delay between attempts once the database has been locked for `spinMs` (ms; default 1). */
  retryMs?: number;
  /** For this long (ms; default 5) a job that finds the lock taken is tried again on every turn of the event loop. */
  spinMs?: number;
  /** Log a warning when a job has waited this long (ms; default 1000), then again every time as long. */
  warnAfterMs?: number;
  /** Clock (ms). */
  now?: () => number;
}

interface Job {
  name: string;
  run: () => void;
  since: number;
}

/** An ordered queue of the daemon's database writes. */
export class WriteQueue {
  private readonly jobs: Job[] = [];
  private timer: NodeJS.Timeout | NodeJS.Immediate | null = null;
  private busySince: number | null = null;
  private readonly spinMs: number;
  private readonly pause = new Int32Array(new SharedArrayBuffer(4));
  /** Attempts that found the lock taken (tests and benches read it). */
  busyAttempts = 0;
  private running = false;
  private warnedAt = 0;
  private readonly retryMs: number;
  private readonly warnAfterMs: number;
  private readonly now: () => number;
  private idle: Array<() => void> = [];

  /** Bind to the store's lock and a logger. */
  constructor(private readonly lock: WriteLock, private readonly log: Log, opts: WriteQueueOptions = {}) {
    this.retryMs = opts.retryMs ?? 1;
    this.spinMs = opts.spinMs ?? 5;
    this.warnAfterMs = opts.warnAfterMs ?? 1000;
    this.now = opts.now ?? Date.now;
  }

  /** Jobs waiting (including the one being retried). */
  get length(): number {
    return this.jobs.length;
  }

  /** How long the oldest job has waited (ms), 0 when empty: the watchdog's measure of a stuck database. */
  oldestWaitMs(): number {
    const head = this.jobs[0];
    return head ? this.now() - head.since : 0;
  }

  /** Queue a job; it runs now if nothing is ahead of it. */
  push(name: string, run: () => void): void {
    this.jobs.push({ name, run, since: this.now() });
    if (!this.running && !this.timer) this.drain();
  }

  /** Resolves once the queue is empty (at stop, before the database closes). */
  whenIdle(): Promise<void> {
    if (this.jobs.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /** Stop retrying; jobs still queued are run once more with waiting transactions by `flushBlocking`. */
  stop(): void {
    if (this.timer) { clearTimeout(this.timer as NodeJS.Timeout); clearImmediate(this.timer as NodeJS.Immediate); }
    this.timer = null;
  }

  /** Run what is left, waiting for the lock as long as the connection's busy timeout allows (shutdown only). */
  flushBlocking(): void {
    this.stop();
    while (this.jobs.length) {
      const job = this.jobs.shift()!;
      try { job.run(); } catch (err) { this.log.error({ job: job.name, err: (err as Error).message }, 'write failed at shutdown; nothing was changed'); }
    }
    this.settle();
  }

  private drain(): void {
    this.timer = null;
    this.running = true;
    try {
      while (this.jobs.length) {
        const job = this.jobs[0]!;
        try {
          this.lock.noWait(job.run);
        } catch (err) {
          if (this.lock.isBusy(err)) {
            const waited = this.now() - job.since;
            if (waited >= this.warnAfterMs && this.now() - this.warnedAt >= this.warnAfterMs) {
              this.warnedAt = this.now();
              this.log.warn({ job: job.name, waitedMs: waited, queued: this.jobs.length }, 'database locked by another process; writes wait in order');
            }
            this.busyAttempts += 1;
            const t = performance.now();
            this.busySince ??= t;
            if (t - this.busySince < this.spinMs) {
              Atomics.wait(this.pause, 0, 0, 0.05);
              this.timer = setImmediate(() => this.drain());
            } else {
              this.timer = setTimeout(() => this.drain(), this.retryMs);
            }
            return;
          }
          this.log.error({ job: job.name, err: (err as Error).message }, 'write failed; nothing was changed');
        }
        this.busySince = null;
        this.jobs.shift();
      }
      this.settle();
    } finally {
      this.running = false;
    }
  }

  private settle(): void {
    if (this.jobs.length) return;
    const waiters = this.idle;
    this.idle = [];
    for (const w of waiters) w();
  }
}
