/**
 * Checks of the configured `dataDir` made when a command loads the config (after dropping to the data dir's owner,
 * see src/adapters/os/privileges.ts): it must be a usable directory for this user, so that a bad one is refused with a
 * message naming `dataDir` (exit 2) instead of a raw errno later, or a hang on a pseudo file system.
 */
import { accessSync, constants, existsSync, realpathSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UserError } from '../domain/errors.js';

/** Kernel pseudo file systems: a database there never works (and /proc can hang). */
const PSEUDO_ROOTS = ['/proc', '/sys', '/dev'];

/** Files pintu keeps in the data dir, and the access each needs. */
const FILES: [string, number][] = [
  ['pintu.db', constants.R_OK | constants.W_OK],
  ['pintu.db-wal', constants.R_OK | constants.W_OK],
  ['pintu.db-shm', constants.R_OK | constants.W_OK],
  ['site.secret', constants.R_OK],
  ['door.key', constants.R_OK],
];

function under(path: string, root: string): boolean {
  return path === root || path.startsWith(`${root}/`);
}

function who(): string {
  return typeof process.getuid === 'function' ? `uid ${process.getuid()}` : 'this user';
}

function why(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EROFS') return 'is on a read-only file system';
  if (code === 'EACCES' || code === 'EPERM') return `is not writable by ${who()}`;
  return `cannot be used (${code ?? (err as Error).message})`;
}

const FIX = 'run pintu as the data dir\'s owner (sudo -u pintu pintu …) or fix the ownership (sudo chown -R pintu: DIR)';

/** Refuse a dataDir that is not a writable directory (or cannot be created), naming the key; never throws a raw errno. */
export function checkDataDir(dataDir: string): void {
  // The nearest existing ancestor, resolved through symlinks, decides where the data would really live.
  let existing = dataDir;
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
  let real = existing;
  try { real = realpathSync(existing); } catch { /* judged below */ }
  for (const root of PSEUDO_ROOTS) {
    if (under(dataDir, root) || under(real, root)) throw new UserError(`dataDir: ${dataDir} is under ${root}, a kernel pseudo file system; use a real directory (e.g. /var/lib/pintu)`);
  }
  let st;
  try { st = statSync(existing); } catch (err) { throw new UserError(`dataDir: ${dataDir} ${why(err)}`); }
  if (!st.isDirectory()) {
    throw new UserError(existing === dataDir
      ? `dataDir: ${dataDir} is a file, not a directory`
      : `dataDir: ${dataDir} cannot be created: ${existing} is a file, not a directory`);
  }
  try {
    accessSync(existing, constants.R_OK | constants.W_OK | constants.X_OK);
  } catch (err) {
    throw new UserError(existing === dataDir
      ? `dataDir: ${dataDir} ${why(err)}; ${FIX.replace('DIR', dataDir)}`
      : `dataDir: ${dataDir} cannot be created: ${existing} ${why(err)}`);
  }
  if (existing !== dataDir) return;
  for (const [file, mode] of FILES) {
    const path = join(dataDir, file);
    if (!existsSync(path)) continue;
    try {
      accessSync(path, mode);
    } catch (err) {
      const owner = (() => { try { return ` (owned by uid ${statSync(path).uid})`; } catch { return ''; } })();
      const code = (err as NodeJS.ErrnoException).code;
      const what = code === 'EROFS' ? 'is on a read-only file system' : `is not ${mode & constants.W_OK ? 'readable and writable' : 'readable'} by ${who()}${owner}`;
      throw new UserError(`dataDir: ${path} ${what}; ${FIX.replace('DIR', dataDir)}`);
    }
  }
}
