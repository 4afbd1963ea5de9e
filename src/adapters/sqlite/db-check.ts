/**
 * Checks and copies of a pintu database: SQLite's own check (`PRAGMA integrity_check` / `quick_check`), the event log's
 * hash chain, and the online backup. On a large database each takes seconds (the backup's final fsync alone can take
 * half a second on an SD card), so the daemon runs them in a worker thread with its own connection
 * (`checkDatabaseInWorker`, `backupInWorker`): the event loop, and so the taps, are never held up by them.
 */
import Database from 'better-sqlite3';
import { closeSync, existsSync, fdatasyncSync, openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Db } from './db.js';
import { EventLog } from './event-log.js';
import type { DbCheckOptions, DbCheckResult, LinkSnapshot } from '../../ports/store.js';

export type { ChainCheck, DbCheckOptions, DbCheckResult } from '../../ports/store.js';

/** Run the checks on an open connection. Never throws: a failure is reported in `error`. */
export function checkDb(db: Db, o: DbCheckOptions): DbCheckResult {
  const out: DbCheckResult = { integrity: null, chains: [], error: null };
  try {
    if (o.pragma) out.integrity = (db.pragma(o.pragma) as Record<string, string>[]).map((r) => String(Object.values(r)[0]));
    if (o.chain && (o.pragma === null || (out.integrity?.length === 1 && out.integrity[0] === 'ok'))) {
      const doors = db.prepare<[], { door: string }>('SELECT DISTINCT door FROM events ORDER BY door').all();
      for (const { door } of doors) {
        const log = new EventLog(db, door, null);
        const lastSeq = log.lastSeq();
        const from = o.chain === 'all' ? 0 : Math.max(0, lastSeq - o.chain.tail);
        const acked = ackedSeq(db, door);
        // The centre holds events up to `acked`: a log that ends before it lost its newest events.
        const truncated = acked > lastSeq ? `the log ends at seq ${lastSeq} but the centre acknowledged seq ${acked}: its newest events were removed` : null;
        out.chains.push({ door, lastSeq, from, problem: truncated ?? log.verify(from, acked) });
      }
    }
  } catch (err) {
    out.error = (err as Error).message;
  }
  return out;
}

/** The seq the centre acknowledged for a door (retention may have deleted events up to it), 0 without a link row. */
export function ackedSeq(db: Db, door: string): number {
  const t = db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'central_link'").get();
  if (!t?.n) return 0;
  return db.prepare<[string], { acked_seq: number }>('SELECT acked_seq FROM central_link WHERE door = ?').get(door)?.acked_seq ?? 0;
}

/** The door's central link row, read without creating anything: `recorded` false when the database has no link table. */
export function linkStatus(db: Db, door: string): { recorded: boolean; row: LinkSnapshot | null } {
  const t = db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'central_link'").get();
  if (!t?.n) return { recorded: false, row: null };
  const r = db.prepare<[string], { acked_seq: number; acked_at: number | null; connected: number; changed_at: number | null; command_counter: number }>(
    'SELECT acked_seq, acked_at, connected, changed_at, command_counter FROM central_link WHERE door = ?',
  ).get(door);
  return { recorded: true, row: r ? { ackedSeq: r.acked_seq, ackedAt: r.acked_at, connected: r.connected === 1, changedAt: r.changed_at, commandCounter: r.command_counter } : null };
}

/** Run the checks on the database file `file`, opened read-only. */
export function checkDatabaseFile(file: string, o: DbCheckOptions): DbCheckResult {
  let db: Db;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    // A whole-file read (quick_check, the chain) needs no cache beyond SQLite's own small default (issue 10: memory).
    db.pragma('cache_size = -2000');
  } catch (err) {
    return { integrity: null, chains: [], error: `cannot open ${file}: ${(err as Error).message}` };
  }
  try {
    return checkDb(db, o);
  } finally {
    db.close();
  }
}

/** The chain problems of a result, one line per broken door (empty when every chain verifies). */
export function chainProblems(r: DbCheckResult): string[] {
  return r.chains.filter((c) => c.problem !== null).map((c) => `door ${c.door}: ${c.problem}`);
}

/** How a backup copies (defaults suit the daemon). */
export interface BackupOptions {
  /** Copy this many bytes per step, then fdatasync the copy (default 8 MiB). */
  stepBytes?: number;
  /** Called after each fdatasync of the copy with the bytes copied so far (tests). */
  onSync?: (bytes: number) => void;
}

/**
 * Copy the database `source` to `target` with SQLite's online backup API from a connection of its own, switch the copy
 * to a self-contained rollback journal, and return the copy's `integrity_check` rows.
 *
 * The copy is paced: `stepBytes` per step, each followed by an fdatasync of the copy, so that it never leaves hundreds
 * of MB of dirty page cache behind it. Unpaced, a 400 MB copy left 500 MB dirty; the journal commit that any fsync of
 * the file system (the daemon's WAL, a CLI commit) then waits for had to write all of it first: up to 375 ms.
 * All steps read one snapshot: the connection holds a read transaction from the first step to the last, so a writer
 * (in WAL mode never blocked by it) neither restarts the copy nor appears in it half-way.
 */
export async function backupDatabaseFile(source: string, target: string, o: BackupOptions = {}): Promise<string[]> {
  const src = new Database(source, { readonly: true, fileMustExist: true });
  try {
    src.pragma('busy_timeout = 5000');
    const pageSize = src.pragma('page_size', { simple: true }) as number;
    const pages = Math.max(1, Math.floor((o.stepBytes ?? 8 * 1024 * 1024) / pageSize));
    src.prepare('BEGIN').run();
    src.prepare('SELECT COUNT(*) FROM sqlite_master').get(); // the read transaction (the snapshot) starts here
    let fd: number | null = null;
    try {
      await src.backup(target, {
        progress: ({ totalPages, remainingPages }) => {
          fd ??= openSync(target, 'r');
          fdatasyncSync(fd);
          o.onSync?.((totalPages - remainingPages) * pageSize);
          return pages;
        },
      });
    } finally {
      if (fd !== null) closeSync(fd);
      src.prepare('COMMIT').run();
    }
  } finally {
    src.close();
  }
  const copy = new Database(target);
  try { copy.pragma('journal_mode = DELETE'); } finally { copy.close(); }
  const r = checkDatabaseFile(target, { pragma: 'integrity_check', chain: null });
  return r.error !== null ? [r.error] : r.integrity ?? [];
}

/** A job for the worker thread. */
export type DbWorkerTask =
  | { kind: 'check'; file: string; options: DbCheckOptions }
  | { kind: 'backup'; source: string; target: string };

/** The compiled worker module (beside this file; from the build when running from the TypeScript sources in tests). */
function workerFile(): URL {
  const here = new URL('./db-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  const built = new URL('../../../dist/src/adapters/sqlite/db-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(built))) return built;
  throw new Error(`the database worker ${fileURLToPath(here)} is missing: run "npm run build"`);
}

function runInWorker<T>(task: DbWorkerTask): Promise<T> {
  return new Promise((resolve, reject) => {
    let done = false;
    const worker = new Worker(workerFile(), { workerData: task });
    worker.once('message', (m: { ok: true; value: T } | { ok: false; error: string }) => {
      done = true;
      if (m.ok) resolve(m.value);
      else reject(new Error(m.error));
    });
    worker.once('error', (err) => { done = true; reject(err); });
    worker.once('exit', (code) => { if (!done) reject(new Error(`the database worker exited with code ${code}`)); });
  });
}

/** `checkDatabaseFile` in a worker thread, so that the caller's event loop keeps running. */
export function checkDatabaseInWorker(file: string, o: DbCheckOptions): Promise<DbCheckResult> {
  return runInWorker({ kind: 'check', file, options: o });
}

/** `backupDatabaseFile` in a worker thread, so that the caller's event loop keeps running. */
export function backupInWorker(source: string, target: string): Promise<string[]> {
  return runInWorker({ kind: 'backup', source, target });
}
