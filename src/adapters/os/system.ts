/**
 * The real operating system behind `SystemEnv` and `ProcessEnv`: files below a root directory (production `/`; tests
 * give a directory of their own), commands with a 5 s timeout, fs.statfsSync, signal 0 for a pid, /proc/uptime.
 */
import { existsSync, readFileSync, statfsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { CommandRunner, ProcessEnv, SystemEnv } from '../../ports/system.js';

/** Run a command synchronously (5 s at most): its exit code and stdout, or null when it could not run. */
export const runCommand: CommandRunner = (cmd, args) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 5000 });
  return r.error || r.status === null ? null : { code: r.status, stdout: r.stdout };
};

/** The system with its files below `root`; `run` (default: real commands) may be replaced, null runs nothing. */
export function systemAt(root: string, run: CommandRunner | null = runCommand): SystemEnv {
  return {
    readText: (rel) => {
      try { return readFileSync(join(root, rel), 'utf8'); } catch { return null; }
    },
    exists: (rel) => existsSync(join(root, rel)),
    run: run ?? (() => null),
    statfs: (path) => statfsSync(path),
    now: Date.now,
  };
}

/** The real system: `/`, real commands, fs.statfsSync, Date.now. */
export function realSystem(): SystemEnv {
  return systemAt('/');
}

/** The real system's processes: signal 0 (EPERM counts as alive), boot time from /proc/uptime under `root`. */
export function realProcessEnv(root = '/'): ProcessEnv {
  return {
    alive: (pid) => {
      try { process.kill(pid, 0); return true; } catch (err) { return (err as NodeJS.ErrnoException).code === 'EPERM'; }
    },
    bootTime: () => {
      try {
        const up = Number(readFileSync(join(root, 'proc/uptime'), 'utf8').trim().split(/\s+/)[0]);
        return Number.isFinite(up) ? Date.now() - up * 1000 : null;
      } catch { return null; }
    },
  };
}
