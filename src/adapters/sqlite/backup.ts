/**
 * Backups with the SQLite online backup API (consistent while the daemon writes), the nightly backup files of a
 * directory (`pintu-YYYYMMDD-HHMMSS.db`; when they are due is `src/app/maintenance/backup.ts`), and restore of a
 * verified backup (only while the daemon is stopped; the caller checks that).
 */
import Database from 'better-sqlite3';
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Db } from './db.js';
import { MIGRATIONS } from './migrations.js';
import { backupInWorker, chainProblems, checkDatabaseFile } from './db-check.js';
import type { BackupResult } from '../../ports/store.js';

export type { BackupResult } from '../../ports/store.js';
const NIGHTLY = /^pintu-(\d{8})-(\d{6})\.db$/;

/** `PRAGMA integrity_check` of a database file, opened read-only: `['ok']` when sound. */
export function integrityCheck(file: string): string[] {
  let db: Db;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (err) {
    return [`cannot open ${file}: ${(err as Error).message}`];
  }
  try {
    return (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check);
  } catch (err) {
    return [(err as Error).message];
  } finally {
    db.close();
  }
}

/**
 * Copy the open database's file to `file` with the online backup API (a consistent snapshot even while another process
 * writes), switch the copy to a self-contained rollback journal and verify it — all in a worker thread with its own
 * connection, so the caller's event loop (the daemon's taps) is never held up — then move it into place.
 * The copy is mode 0600 from its first byte (its personal fields are sealed, but its officers, times and events are
 * not for others to read), and a backup directory it creates is 0700.
 */
export async function backupTo(db: Db, file: string): Promise<BackupResult> {
  const t0 = Date.now();
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.partial`;
  // Renaming and deleting a file of hundreds of megabytes can take the file system a while (ext4 allocates and flushes
  // its blocks): done on the thread pool, never on the event loop that reads the readers.
  await rm(tmp, { force: true });
  try {
    // Created empty with mode 0600 (an empty file is an empty database to SQLite): the copy is never readable by others.
    closeSync(openSync(tmp, 'wx', 0o600));
    const check = await backupInWorker(db.name, tmp);
    if (check.length !== 1 || check[0] !== 'ok') throw new Error(`backup failed its integrity check: ${check.slice(0, 3).join('; ')}`);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  return { file, bytes: (await stat(file)).size, ms: Date.now() - t0 };
}

/** Nightly backup files in `dir`, newest first. */
export function nightlyBackups(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => NIGHTLY.test(f)).sort().reverse().map((f) => join(dir, f));
}

/** Delete all but the newest `keep` nightly backups (on the thread pool); returns the deleted files. */
export async function rotate(dir: string, keep: number): Promise<string[]> {
  const old = nightlyBackups(dir).slice(keep);
  for (const f of old) await rm(f, { force: true });
  return old;
}

/**
 * Check that `file` is a sound pintu database this version can open, with an unbroken event chain, whose sealed
 * personal fields `checkKey` (the data key's check) can open; throws a clear error otherwise.
 */
export function verifyBackupFile(file: string, checkKey: (db: Db) => void = () => undefined): void {
  if (!existsSync(file)) throw new Error(`${file} does not exist`);
  const check = integrityCheck(file);
  if (check.length !== 1 || check[0] !== 'ok') throw new Error(`${file} failed its integrity check (${check.slice(0, 3).join('; ')}); choose another backup`);
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const version = db.pragma('user_version', { simple: true }) as number;
    const latest = MIGRATIONS.at(-1)?.version ?? 0;
    const hasEvents = db.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'events'").get() as { n: number };
    if (version < 1 || !hasEvents.n) throw new Error(`${file} is not a pintu database`);
    if (version > latest) throw new Error(`${file} has schema version ${version}, newer than this pintu (${latest}); upgrade pintu first`);
    try { checkKey(db); } catch (err) { throw new Error(`${file}: ${(err as Error).message}`); }
  } finally {
    db.close();
  }
  // SQLite's check passes on a file whose events were edited: the hash chain is what shows it.
  const chain = checkDatabaseFile(file, { pragma: null, chain: 'all' });
  if (chain.error !== null) throw new Error(`${file}: cannot verify the event log: ${chain.error}`);
  const broken = chainProblems(chain);
  if (broken.length) {
    throw new Error(`${file}: the event log's hash chain does not verify (${broken.join('; ')}): its events were altered after they were written; choose another backup and keep this one for investigation`);
  }
}

/**
 * Replace the database at `dbPath` with a verified copy of `file`. The current database (if any) is checkpointed and
 * kept beside it as `pintu.db.before-restore-<time>`. The daemon must be stopped (the caller checks).
 */
export function restoreFile(file: string, dbPath: string, now = Date.now(), checkKey?: (db: Db) => void): { aside: string | null } {
  verifyBackupFile(file, checkKey);
  // The copy is made first: a copy that fails (full disk) must leave the live database where it is, not renamed aside.
  const tmp = `${dbPath}.restoring`;
  try {
    copyFileSync(file, tmp);
  } catch (err) {
    try { rmSync(tmp, { force: true }); } catch { /* not ours to remove (a directory): the error below says what failed */ }
    throw new Error(`cannot copy ${file} beside the database (${(err as Error).message}); the live database is unchanged`);
  }
  let aside: string | null = null;
  if (existsSync(dbPath)) {
    const cur = new Database(dbPath);
    try { cur.pragma('wal_checkpoint(TRUNCATE)'); } finally { cur.close(); }
    aside = `${dbPath}.before-restore-${new Date(now).toISOString().replace(/[:.]/g, '-')}`;
    renameSync(dbPath, aside);
  }
  for (const ext of ['-wal', '-shm']) rmSync(`${dbPath}${ext}`, { force: true });
  renameSync(tmp, dbPath);
  return { aside };
}
