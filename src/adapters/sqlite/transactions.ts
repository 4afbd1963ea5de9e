/**
 * Transactions and durability of one SQLite connection: IMMEDIATE write transactions, the daemon's non-waiting and
 * self-retrying writes (it never sleeps in SQLite's busy handler), and the WAL's fsync after the commit (deferred to the
 * thread pool for the daemon, right after the commit for the CLI). `Store` adds the repositories.
 */
import { closeSync, fdatasyncSync, openSync } from 'node:fs';
import type { Db } from './db.js';
import { WalSync } from './wal-sync.js';
import type { Transactions } from '../../ports/store.js';

/** fdatasync the WAL file at `path` now (nothing to do when there is none). */
function syncWalFile(path: string): void {
  let fd: number;
  try { fd = openSync(path, 'r'); } catch (err) { if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; throw err; }
  try { fdatasyncSync(fd); } finally { closeSync(fd); }
}

/** The write transactions of one connection (the base of `Store`). */
export class SqliteTransactions implements Transactions {
  /** Wrap an open database. */
  constructor(readonly db: Db) {}

  /**
   * Run `fn` with this connection's busy timeout at zero: a transaction that cannot take the write lock at once
   * throws SQLITE_BUSY (see `isBusy`) instead of blocking the event loop; the daemon's write queue retries it.
   */
  noWait<T>(fn: () => T): T {
    if (this.noWaitDepth++ === 0 && !this.ownRetry) {
      this.busyTimeoutMs = this.db.pragma('busy_timeout', { simple: true }) as number;
      this.db.pragma('busy_timeout = 0');
    }
    try {
      return fn();
    } finally {
      if (--this.noWaitDepth === 0 && !this.ownRetry) this.db.pragma(`busy_timeout = ${this.busyTimeoutMs}`);
    }
  }
  private noWaitDepth = 0;
  private busyTimeoutMs = 5000;

  /**
   * The daemon's connection never sleeps in SQLite's busy handler (it sleeps 1, 2, 5, 10… ms, far past the moment the
   * lock is free): busy_timeout is 0 for good. Writes through the write queue (`noWait`) are retried by the queue
   * without blocking the event loop; the few writes outside it (scheduler, central link, commands) are retried by
   * `retry` every 0.1 ms for as long as the connection's busy timeout was.
   */
  retryOwnBusy(): void {
    if (this.ownRetry) return;
    this.busyTimeoutMs = this.db.pragma('busy_timeout', { simple: true }) as number;
    this.db.pragma('busy_timeout = 0');
    this.ownRetry = true;
  }
  private ownRetry = false;
  /** Times a write found the lock taken and was tried again by `retry` (tests and benches read it). */
  busyRetries = 0;

  /**
   * Run `fn` (a transaction or one writing statement: all or nothing), trying again while another connection holds the
   * write lock. Without `retryOwnBusy`, or inside `noWait`, it runs once (SQLite's own busy timeout applies, or none).
   */
  retry<T>(fn: () => T): T {
    if (!this.ownRetry || this.noWaitDepth > 0) return fn();
    const deadline = performance.now() + this.busyTimeoutMs;
    for (;;) {
      try {
        return fn();
      } catch (err) {
        if (!this.isBusy(err) || performance.now() >= deadline) throw err;
        this.busyRetries += 1;
        Atomics.wait(this.pause, 0, 0, 0.1);
      }
    }
  }
  private readonly pause = new Int32Array(new SharedArrayBuffer(4));

  /** Whether an error only means that another connection holds the lock (try again later; nothing was changed). */
  isBusy(err: unknown): boolean {
    const code = (err as { code?: unknown } | null)?.code;
    return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
  }

  /** Run `fn` in an IMMEDIATE write transaction (takes the write lock up front, so concurrent writers queue). */
  tx<T>(fn: () => T): T {
    const r = this.retry(() => this.db.transaction(fn).immediate());
    if (!this.db.inTransaction) {
      if (this.wal) this.wal.committed();
      else if (this.afterCommit) { syncWalFile(`${this.db.name}-wal`); this.afterCommitSyncs += 1; }
    }
    return r;
  }

  /**
   * Commit, then sync (the CLI with `storage.synchronous: full`): commits at NORMAL and fsyncs the WAL right after the
   * commit, before `tx` returns — as durable as a FULL commit when the command reports success, but the write lock (which
   * the daemon's taps wait for) is not held through the fsync.
   */
  syncAfterCommit(): void {
    this.db.pragma('synchronous = NORMAL');
    this.afterCommit = true;
  }
  private afterCommit = false;
  private afterCommitSyncs = 0;

  /**
   * Deferred sync (the daemon with `storage.synchronous: full`): the connection commits at NORMAL — crash-safe, no
   * fsync on the tap's path nor inside the write lock — and every commit is followed by an fdatasync of the WAL on the
   * thread pool (`WalSync`), which makes it and every earlier commit power-safe a few milliseconds later.
   */
  deferSync(onError: (err: Error) => void = () => undefined): void {
    this.db.pragma('synchronous = NORMAL');
    this.afterCommit = false;
    this.wal ??= new WalSync(`${this.db.name}-wal`, onError);
  }
  private wal: WalSync | null = null;

  /** A transaction whose commit (and everything committed before it) survives power loss (with deferred sync: once `whenDurable` calls back). */
  durableTx<T>(fn: () => T): T {
    return this.tx(fn);
  }

  /** Make everything committed so far durable (an fdatasync of the WAL on the thread pool); a no-op unless sync is deferred. */
  syncNow(): void {
    this.wal?.request();
  }

  /** Call `fn` once everything committed so far is durable (at once unless sync is deferred and an fsync is pending). */
  whenDurable(fn: () => void): void {
    if (this.wal) this.wal.whenSynced(fn);
    else fn();
  }

  /**
   * Like `whenDurable`, and also for what other connections (the CLI) committed: when the database changed through
   * another connection since the last call, an fdatasync is requested first. (The CLI fsyncs its commits itself, but
   * after it commits: an event it wrote can be read here a moment before that.)
   */
  whenDurableAll(fn: () => void): void {
    if (this.wal) {
      const v = this.db.pragma('data_version', { simple: true }) as number;
      if (v !== this.dataVersion) {
        this.dataVersion = v;
        this.wal.request();
      }
    }
    this.whenDurable(fn);
  }
  private dataVersion = -1;

  /** fdatasyncs of the WAL done by this store, deferred or after commit (tests and benches read it). */
  get walSyncs(): number {
    return (this.wal?.completed ?? 0) + this.afterCommitSyncs;
  }

}
