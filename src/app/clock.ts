/**
 * The clock guard. A Raspberry Pi has no real-time clock: after a power cut it boots at the last saved time (or 1970)
 * until NTP synchronises it. Until then every event carries `clockSynced: false`, and a time before the release date
 * of this build is never written as if it were real (it is raised to the release date, the raw reading kept beside it).
 * Policy: docs/clock.md.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Release date of this build: no real event can be older than this (bump it with each release). */
export const BUILD_DATE = '2026-11-01T00:00:00Z';
/** BUILD_DATE in ms since the epoch. */
export const BUILD_DATE_MS = Date.parse(BUILD_DATE);
/** File systemd-timesyncd creates once the clock is synchronised (Raspberry Pi OS default NTP client), relative to the root. */
export const TIMESYNC_FLAG = 'run/systemd/timesync/synchronized';
/** Longest approval (hours) given while the clock is unsynchronised (docs/clock.md). */
export const UNSYNCED_MAX_VALIDITY_HOURS = 4;

/** Runs a command synchronously; returns its exit code and stdout, or null when it cannot be run. */
export type CommandRunner = (cmd: string, args: string[]) => { code: number; stdout: string } | null;

/** Is the system clock synchronised? The timesyncd flag file, else `timedatectl` (covers chrony/ntpd via the kernel flag). */
export function clockSyncProbe(root = '/', run: CommandRunner | null = null): { synced: boolean; source: string } {
  if (existsSync(join(root, TIMESYNC_FLAG))) return { synced: true, source: `/${TIMESYNC_FLAG}` };
  const r = run?.('timedatectl', ['show', '-p', 'NTPSynchronized', '--value']) ?? null;
  if (r && r.code === 0) return { synced: r.stdout.trim() === 'yes', source: 'timedatectl NTPSynchronized' };
  return { synced: false, source: r ? 'timedatectl failed' : `no /${TIMESYNC_FLAG}` };
}

/** Options of the clock guard. */
export interface ClockGuardOptions {
  /** Cheap synchronous check of clock synchronisation (default: the timesyncd flag file under `/`). */
  probe?: () => boolean;
  /** Earliest believable time, ms (default BUILD_DATE_MS). */
  buildDate?: number;
  /** Clock (default Date.now). */
  now?: () => number;
  /** While unsynchronised, re-run the probe at most this often (ms, default 10 s). */
  recheckMs?: number;
}

/** What the guard makes of one event: the data to store and the time to write. */
export interface Stamped {
  /** Event data, with `clockSynced: false` (and `clockRaw` when the time was raised) if the clock is not trusted. */
  data: Record<string, unknown>;
  /** The time to write, never before the build date. */
  at: number;
}

/** Decides whether the clock can be trusted and marks events accordingly. Once synchronised it stays so (until restart). */
export class ClockGuard {
  private syncedOnce = false;
  private lastCheck = -Infinity;
  private readonly probe: () => boolean;
  private readonly now: () => number;
  /** Earliest believable time, ms. */
  readonly buildDate: number;
  private readonly recheckMs: number;

  /** Create a guard; nothing is probed until first use. */
  constructor(opts: ClockGuardOptions = {}) {
    this.probe = opts.probe ?? (() => existsSync(join('/', TIMESYNC_FLAG)));
    this.buildDate = opts.buildDate ?? BUILD_DATE_MS;
    this.now = opts.now ?? Date.now;
    this.recheckMs = opts.recheckMs ?? 10_000;
  }

  /** Record that synchronisation was confirmed by another probe (e.g. timedatectl from the scheduler or health check). */
  markSynced(): void {
    this.syncedOnce = true;
  }

  /** Synchronisation confirmed (probe re-run at most every `recheckMs` until it is). */
  synced(): boolean {
    if (this.syncedOnce) return true;
    const t = this.now();
    if (t - this.lastCheck >= this.recheckMs) {
      this.lastCheck = t;
      try { this.syncedOnce = this.probe(); } catch { this.syncedOnce = false; }
    }
    return this.syncedOnce;
  }

  /** The clock can be trusted: synchronised and not before the build date. */
  trusted(at = this.now()): boolean {
    return at >= this.buildDate && this.synced();
  }

  /** Mark one event (the EventLog hook): untrusted time → `clockSynced: false`; a time before the build date is raised to it. */
  stamp(_type: string, data: Record<string, unknown>, at: number): Stamped {
    if (this.trusted(at)) return { data, at };
    if (at < this.buildDate) return { data: { ...data, clockSynced: false, clockRaw: new Date(at).toISOString() }, at: this.buildDate };
    return { data: { ...data, clockSynced: false }, at };
  }

  /** End of an approval given now: unchanged when the clock is trusted, else at most UNSYNCED_MAX_VALIDITY_HOURS after `from`. */
  limitValidity(from: number, until: number): number {
    return this.trusted() ? until : Math.min(until, from + UNSYNCED_MAX_VALIDITY_HOURS * 3_600_000);
  }
}
