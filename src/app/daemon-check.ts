/**
 * Is the pintu daemon running on this database? Used by commands that must not run beside it (restore, hw test).
 * The door_status row holds the daemon's pid and heartbeat; the pid must also be alive, and the row must be from this
 * boot (a pid recorded before a reboot may since belong to another process).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Store } from '../adapters/sqlite/store.js';
import { UserError } from '../domain/errors.js';

/** How the check sees the system (tests inject a fake). */
export interface ProcessEnv {
  /** Is a process with this pid alive? */
  alive: (pid: number) => boolean;
  /** Boot time, ms since the epoch, or null when unknown. */
  bootTime: () => number | null;
}

/** The real system: signal 0 (EPERM counts as alive), boot time from /proc/uptime under `root`. */
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

/** The running daemon's pid, or null when none holds the status row. */
export function runningDaemonPid(store: Store, env: ProcessEnv = realProcessEnv()): number | null {
  const s = store.doorStatus();
  if (s.daemonPid === null) return null;
  const boot = env.bootTime();
  if (boot !== null && s.heartbeatAt !== null && s.heartbeatAt < boot) return null; // row left over from before a reboot
  return env.alive(s.daemonPid) ? s.daemonPid : null;
}

/** Throw a clear UserError when the daemon runs (`what` names the refused command). */
export function refuseWhileDaemonRuns(store: Store, what: string, env: ProcessEnv = realProcessEnv()): void {
  const pid = runningDaemonPid(store, env);
  if (pid !== null) {
    throw new UserError(`${what} refused: the pintu daemon is running on this database (pid ${pid}). Stop it first: sudo systemctl stop pintu`);
  }
}
