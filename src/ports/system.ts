/**
 * The operating system as the app sees it: files under the system root (/proc, /sys, /run), commands, free disk space,
 * processes and the clock. `src/adapters/os/` implements them; tests give faulty values (hot CPU, full disk, a dead pid).
 */

/** Runs a command synchronously; returns its exit code and stdout, or null when it cannot be run. */
export type CommandRunner = (cmd: string, args: string[]) => { code: number; stdout: string } | null;

/** Free space of a file system, as statfs reports it. */
export interface FsStats {
  /** Block size in bytes. */
  bsize: number;
  /** Total blocks. */
  blocks: number;
  /** Blocks available to unprivileged users. */
  bavail: number;
}

/** Where the health probes and the clock probe read the system from. */
export interface SystemEnv {
  /** Text of a file below the system root (`proc/uptime`, `sys/…`, `run/…`), or null when it cannot be read. */
  readText: (rel: string) => string | null;
  /** Whether a file below the system root exists. */
  exists: (rel: string) => boolean;
  /** Runs a command (timedatectl). */
  run: CommandRunner;
  /** statfs of a path. */
  statfs: (path: string) => FsStats;
  /** Clock, ms. */
  now: () => number;
}

/** How the daemon check sees the system's processes (tests inject a fake). */
export interface ProcessEnv {
  /** Is a process with this pid alive? */
  alive: (pid: number) => boolean;
  /** Boot time, ms since the epoch, or null when unknown. */
  bootTime: () => number | null;
}
