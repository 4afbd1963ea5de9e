/**
 * Is the pintu daemon running on this database? Used by commands that must not run beside it (restore, hw test).
 * The door_status row holds the daemon's pid and heartbeat; the pid must also be alive, and the row must be from this
 * boot (a pid recorded before a reboot may since belong to another process). The system is seen through `ProcessEnv`
 * (`realProcessEnv` in `src/adapters/os/system.ts`).
 */
import type { DoorStatusRepository } from '../ports/store.js';
import type { ProcessEnv } from '../ports/system.js';
import { UserError } from '../domain/errors.js';

/** The running daemon's pid, or null when none holds the status row. */
export function runningDaemonPid(store: DoorStatusRepository, env: ProcessEnv): number | null {
  const s = store.doorStatus();
  if (s.daemonPid === null) return null;
  const boot = env.bootTime();
  if (boot !== null && s.heartbeatAt !== null && s.heartbeatAt < boot) return null; // row left over from before a reboot
  return env.alive(s.daemonPid) ? s.daemonPid : null;
}

/**
 * What is known of the daemon: `running` (pid alive, heartbeat fresh), `not responding` (pid alive, heartbeat stale),
 * `crashed` (a pid is recorded but that process is gone: killed without its clean stop) or `not running` (stopped
 * cleanly, or never started).
 */
export type DaemonState = 'running' | 'not responding' | 'crashed' | 'not running';

/** How stale a heartbeat may be before the daemon counts as not responding (ms). */
export const HEARTBEAT_STALE_MS = 10_000;

/** The daemon's state from the status row, the pid and the heartbeat's age. */
export function daemonState(store: DoorStatusRepository, env: ProcessEnv, now: number): DaemonState {
  const s = store.doorStatus();
  if (s.daemonPid === null) return 'not running';
  if (runningDaemonPid(store, env) === null) return 'crashed';
  return s.heartbeatAt !== null && now - s.heartbeatAt < HEARTBEAT_STALE_MS ? 'running' : 'not responding';
}

/** Throw a clear UserError when the daemon runs (`what` names the refused command). */
export function refuseWhileDaemonRuns(store: DoorStatusRepository, what: string, env: ProcessEnv): void {
  const pid = runningDaemonPid(store, env);
  if (pid !== null) {
    throw new UserError(`${what} refused: the pintu daemon is running on this database (pid ${pid}). Stop it first: sudo systemctl stop pintu`);
  }
}
