/**
 * The daemon's fsync, off the write lock and off the event loop. With `synchronous: full` the daemon commits at NORMAL
 * (crash-safe: the WAL frames are written at commit) and makes its commits power-safe by an fdatasync of the WAL file on
 * the thread pool. A FULL commit would fsync inside the write transaction on the main thread: every other writer (the
 * CLI) waits for it, and while a backup floods the page cache that fsync waits for ext4 to commit a journal transaction
 * that first writes the backup's data — measured at up to 375 ms, the tap stall of the nightly backup.
 *
 * SQLite syncs the WAL itself before each checkpoint copies it into the database file, and the database file after,
 * so what sits in the WAL file is all that needs this fsync. The file is opened for each sync (by path): a WAL file
 * deleted and created again (restore, last connection closed) is never synced through a stale descriptor.
 */
import { close, fdatasync, open } from 'node:fs';

/** Coalesces fsync requests of one WAL file; each request is covered by an fdatasync that started after it. */
export class WalSync {
  private inFlight = false;
  private again = false;
  /** Commits counted so far (`committed`), and the count the running or last fdatasync covers. */
  private commits = 0;
  private covered = 0;
  /** Waiters of the next fdatasync to start (it covers every write made before it). */
  private nextWaiters: Array<() => void> = [];
  /** Waiters of the fdatasync running now. */
  private currentWaiters: Array<() => void> = [];
  /** fdatasyncs completed (tests and benches read it). */
  completed = 0;

  /** Sync the WAL at `walPath`; `onError` gets failures (the next sync tries again). */
  constructor(private readonly walPath: string, private readonly onError: (err: Error) => void) {}

  /** A commit was written to the WAL: sync it (returns at once). */
  committed(): void {
    this.commits += 1;
    this.request();
  }

  /** Request an fdatasync covering everything committed so far (nothing to do if one that started after it runs); returns at once. */
  request(): void {
    if (this.commits <= this.covered && this.inFlight) return;
    this.again = true;
    if (!this.inFlight) this.start();
  }

  /** Whether a sync is requested or running. */
  get pending(): boolean {
    return this.inFlight || this.again;
  }

  /** Call `fn` once everything written before this call is on disk (at once when nothing is pending). */
  whenSynced(fn: () => void): void {
    if (!this.pending) { fn(); return; }
    // A sync that is already running may have started before the caller's last write: wait for one that starts later.
    this.nextWaiters.push(fn);
    this.again = true;
  }

  private start(): void {
    this.again = false;
    this.covered = this.commits;
    this.inFlight = true;
    this.currentWaiters = this.nextWaiters;
    this.nextWaiters = [];
    open(this.walPath, 'r', (err, fd) => {
      if (err) {
        // No WAL file (nothing written since the last checkpoint truncated it away): nothing to sync.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') { this.onError(err); this.failed(); return; }
        this.finish();
        return;
      }
      fdatasync(fd, (syncErr) => {
        if (syncErr) this.onError(syncErr);
        else this.completed += 1;
        close(fd, () => (syncErr ? this.failed() : this.finish()));
      });
    });
  }

  /**
   * The fdatasync failed: nothing it was to cover is known to be on disk, so its waiters (events to send to the centre,
   * the daemon's stop) keep waiting, for a sync tried again `retryMs` later; the failure went to `onError`.
   */
  private failed(): void {
    this.nextWaiters = [...this.currentWaiters, ...this.nextWaiters];
    this.currentWaiters = [];
    this.covered = 0;
    this.again = true;
    setTimeout(() => { this.inFlight = false; this.start(); }, this.retryMs).unref();
  }
  /** Delay before a failed fdatasync is tried again (ms). */
  retryMs = 1000;

  private finish(): void {
    this.inFlight = false;
    const waiters = this.currentWaiters;
    this.currentWaiters = [];
    for (const w of waiters) w();
    if (this.again) this.start();
  }
}
