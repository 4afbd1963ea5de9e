/**
 * Opening the SQLite database: WAL mode, durability setting, busy timeout (the CLI and the daemon share the file),
 * and numbered migrations.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { MIGRATIONS, type Migration } from './migrations.js';

/** An open better-sqlite3 database. */
export type Db = Database.Database;

/** Options for opening the database. */
export interface OpenOptions {
  /** `full` (fsync on every commit: survives power loss) or `normal` (survives process crashes). */
  synchronous: 'full' | 'normal';
  /** Open read-only (no migrations). */
  readonly?: boolean;
  /** Milliseconds to wait for another process's write lock. */
  busyTimeoutMs?: number;
  /**
   * Page cache of this connection (KiB); SQLite's build default (better-sqlite3: 16 MiB) when absent. Reads beyond it
   * come from the OS page cache, which the kernel can reclaim; the process's own cache cannot be given back.
   */
  cacheKiB?: number;
  /** Run on the open connection before any migration or write: throws to refuse the database (a wrong data key). */
  beforeMigrate?: (db: Db) => void;
}

/** Open (creating if needed) and migrate the database at `path`. */
export function openDatabase(path: string, opts: OpenOptions, migrations: readonly Migration[] = MIGRATIONS): Db {
  if (!opts.readonly) mkdirSync(dirname(path), { recursive: true, mode: 0o750 });
  let db: Db;
  try {
    db = new Database(path, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false });
  } catch (err) {
    throw new Error(`cannot open database ${path}: ${(err as Error).message}`);
  }
  db.pragma(`busy_timeout = ${opts.busyTimeoutMs ?? 5000}`);
  if (opts.cacheKiB !== undefined) db.pragma(`cache_size = -${Math.max(64, Math.floor(opts.cacheKiB))}`);
  if (opts.beforeMigrate) {
    try { opts.beforeMigrate(db); } catch (err) { db.close(); throw err; }
  }
  if (!opts.readonly) {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${opts.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    db.pragma('foreign_keys = ON');
    // A visit's row is rewritten at every SOP step: FAST zeroes the old copy left in the page (no extra I/O), so a value
    // erased later (retention, a subject's erasure) does not survive as a stale copy in the file (issue 14).
    db.pragma('secure_delete = FAST');
    migrate(db, migrations);
  }
  return db;
}

/** Apply the migrations newer than the database's user_version, each in its own transaction. */
export function migrate(db: Db, migrations: readonly Migration[] = MIGRATIONS): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = migrations.at(-1)?.version ?? 0;
  if (current > latest) {
    throw new Error(`database schema version ${current} is newer than this pintu (${latest}); upgrade pintu or restore a matching backup`);
  }
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.transaction(() => {
      // Re-read under the write lock: another process (daemon or CLI) may have migrated meanwhile.
      if ((db.pragma('user_version', { simple: true }) as number) >= m.version) return;
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
  return latest;
}
