/**
 * fsync of the database's write-ahead log off the event loop. With deferred sync the daemon commits at NORMAL
 * (crash-safe: the WAL frames are written before the commit returns) and then makes them power-safe by fsyncing the
 * WAL file — on libuv's thread pool, so a disk that is slow to flush (a backup writing hundreds of megabytes on the
 * same SD card) never stalls the taps. Syncs that are asked for while one runs are coalesced into one more.
 */
import { closeSync, fstatSync, fsync, openSync, statSync } from 'node:fs';

/** Async, coalescing fsync of one SQLite database's `-wal` file. */
export class WalSync {
  private fd: number | null = null;
  private ino: number | null = null;
  private running: Promise<void> | null = null;
  private next: Promise<void> | null = null;

  /** For the database file at `dbPath` (its WAL is `dbPath-wal`). */
  constructor(private readonly dbPath: string) {}

  /**
   * Make every commit made before this call durable. Resolves once an fsync that started after the call has finished;
   * rejects if it failed (the commits stay crash-safe; the next sync retries).
   */
  sync(): Promise<void> {
    if (this.running) {
      // One more fsync after the running one covers every caller that asked meanwhile.
      this.next ??= this.running.catch(() => undefined).then(() => { this.next = null; return this.sync(); });
      return this.next;
    }
    const run = this.fsyncOnce().finally(() => { this.running = null; });
    this.running = run;
    return run;
  }

  /** Release the file descriptor. */
  close(): void {
    if (this.fd !== null) try { closeSync(this.fd); } catch { /* already gone */ }
    this.fd = null;
    this.ino = null;
  }

  private fsyncOnce(): Promise<void> {
    const fd = this.walFd();
    if (fd === null) return Promise.resolve(); // no WAL yet: nothing was committed through it
    return new Promise((resolve, reject) => fsync(fd, (err) => (err ? reject(err) : resolve())));
  }

  /** The WAL's descriptor, reopened if the file was replaced (another inode at the same path). */
  private walFd(): number | null {
    const path = `${this.dbPath}-wal`;
    let ino: number;
    try { ino = statSync(path).ino; } catch { this.close(); return null; }
    if (this.fd !== null && this.ino === ino) return this.fd;
    this.close();
    this.fd = openSync(path, 'r');
    this.ino = fstatSync(this.fd).ino;
    return this.fd;
  }
}
