/**
 * Maintenance jobs inside the daemon: the SOP 002 health checklist every `health.intervalDays`, the purge of personal
 * data past `privacy.retentionDays`, the nightly backup with rotation, and confirming clock synchronisation. A single unref()ed timer polls (default every 10 min), so a
 * job missed while the Pi was off runs at the next tick; `stop()` clears it and waits for a running job, which ends at
 * its next step: the purge after its current batch (it runs in batches with the event loop's turn between them, so taps
 * never wait for more than one batch), no backup started once stopping. No job starts after `stop()`.
 */
import { join } from 'node:path';
import type { StorePort, StoredEvent } from '../ports/store.js';
import type { SystemEnv } from '../ports/system.js';
import type { Log } from '../ports/log.js';
import { DAY_MS } from '../domain/time.js';
import { clockSyncProbe, type ClockGuard } from './clock.js';
import { HEALTH_SUMMARY_KEY, LAST_HEALTH_KEY, recordReport, runChecklist, type ChecklistOptions } from './health/checklist.js';
import { BACKUP_DIR, nightlyBackup } from './maintenance/backup.js';
import { expireRequests } from './maintenance/purge.js';
import { countDueInPages, purgeInBatches, type PurgeBatchLimits } from './maintenance/purge-batches.js';
import { event } from '../domain/events.js';

/** How soon after its first start a new door runs the health checklist: the readers have opened and the status is written. */
export const FIRST_HEALTH_DELAY_MS = 2 * 60_000;

/** The scheduler's slice of the configuration (the root builds it from the config: `schedulerSettings` in main.ts). */
export interface SchedulerSettings {
  /** Data dir: the checklist checks it and the nightly backups go in its `backups/` folder. */
  dataDir: string;
  /** What the health checklist checks besides the data dir: the door readers, reader silence, whether a centre is set. */
  checklist: Omit<ChecklistOptions, 'dataDir' | 'daemonPid' | 'databaseCheck'>;
  /** The health checklist runs every this many days (`health.intervalDays`). */
  healthIntervalDays: number;
  /** Personal data of visits ended longer ago than this is purged (`privacy.retentionDays`). */
  retentionDays: number;
  /** A request nobody decided expires after this many days (`privacy.expireUndecidedDays`). */
  expireUndecidedDays: number;
  /** Nightly backup: how many copies are kept and at which local hour it runs (`backup`). */
  backup: { keep: number; hour: number };
  /** The office's time zone (the backup hour is local). */
  timeZone: string;
}

/** What the scheduler needs. */
export interface SchedulerDeps {
  /** The daemon's store. */
  store: StorePort;
  /** Its slice of the configuration. */
  settings: SchedulerSettings;
  /** Logger. */
  log: Log;
  /** System probes (`realSystem()` of `src/adapters/os/system.ts` in production). */
  env: SystemEnv;
  /** The store's clock guard: told once synchronisation is confirmed; the purge runs only while it trusts the clock. */
  clock?: ClockGuard;
  /** Called with events the jobs append. */
  onEvents?: (events: StoredEvent[]) => void;
  /** Poll interval (ms, default 10 min). */
  tickMs?: number;
  /** A door that never ran the checklist runs it this long after the start (ms, default `FIRST_HEALTH_DELAY_MS`). */
  firstHealthDelayMs?: number;
  /** Bounds of the purge's batches (default `PURGE_BATCH`; tests make them small). */
  purgeBatch?: Partial<PurgeBatchLimits>;
}

/** The daemon's maintenance scheduler. */
export class Scheduler {
  private timer: NodeJS.Timeout | null = null;
  private first: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private readonly env: SystemEnv;
  private readonly log: Log;
  private lastRefusal = '';
  private stopping = false;

  /** Create (not start) the scheduler. */
  constructor(private readonly d: SchedulerDeps) {
    this.env = d.env;
    this.log = d.log.child({ component: 'scheduler' });
  }

  /**
   * Start polling. A door that never ran the checklist (a new install) runs it `firstHealthDelayMs` after this start
   * (readers opened, status written), not `health.intervalDays` later; then every `health.intervalDays`.
   */
  start(): void {
    const { store } = this.d;
    this.stopping = false;
    this.timer = setInterval(() => { void this.tick(); }, this.d.tickMs ?? 600_000);
    this.timer.unref();
    if (this.neverRan()) {
      this.first = setTimeout(() => { void this.tick(); }, this.d.firstHealthDelayMs ?? FIRST_HEALTH_DELAY_MS);
      this.first.unref();
    }
  }

  /**
   * No checklist has run on this door yet: no summary is recorded (every run, scheduled or `pintu health`, writes one).
   * Before issue 16 the first start wrote the last-run time without a run, so a door upgraded within its first
   * `health.intervalDays` counts as never run too.
   */
  private neverRan(): boolean {
    return this.d.store.meta(HEALTH_SUMMARY_KEY) === null;
  }

  /** Run every due job once (skipped if a previous tick is still running, or once stopped). */
  tick(): Promise<void> {
    if (this.stopping) return this.running ?? Promise.resolve();
    this.running ??= this.runJobs().finally(() => { this.running = null; });
    return this.running;
  }

  /** Clear the timer and wait for a running job (it ends at its next step: the purge after its current batch). */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    if (this.first) clearTimeout(this.first);
    this.timer = null;
    this.first = null;
    await this.running;
  }

  private async runJobs(): Promise<void> {
    const { store, settings, clock } = this.d;
    const now = this.env.now();
    try {
      if (clock && clock.source() !== 'ntp' && clockSyncProbe(this.env).synced) clock.markSynced();
      // While NTP is synchronised: record (or forget) the RTC as a trust source for a later boot without NTP.
      const rtc = clock?.keepRtcRecord();
      if (rtc && rtc.action !== 'unchanged') this.log[rtc.action === 'removed' ? 'warn' : 'info']({ rtc: rtc.action }, rtc.detail);
    } catch (err) { this.log.warn({ err: (err as Error).message }, 'clock probe failed'); }
    try {
      // Never run (a new door): due now — the first tick comes FIRST_HEALTH_DELAY_MS after the start.
      const last = this.neverRan() ? 0 : Number(store.meta(LAST_HEALTH_KEY) ?? 0);
      if (now - last >= settings.healthIntervalDays * DAY_MS) {
        // quick_check and the hash chain read the whole database: in a worker thread, so taps are not held up.
        const databaseCheck = await store.checkDatabaseInWorker({ pragma: 'quick_check', chain: 'all' });
        const report = runChecklist(store, { ...settings.checklist, dataDir: settings.dataDir, daemonPid: process.pid, databaseCheck, ...(clock ? { clockFaults: () => clock.faults() } : {}) }, this.env);
        const rec = recordReport(store, report, now, 'schedule');
        this.d.onEvents?.(rec);
        this.log.info({ status: report.status, counts: report.counts }, 'health checklist');
      }
    } catch (err) { this.log.error({ err: (err as Error).message }, 'health checklist failed'); }
    if (this.stopping) return;
    try {
      // Never on an untrusted clock: a clock set back or jumped forward would delete personal data early, irreversibly.
      const refusal = clock?.maintenanceRefusal() ?? [];
      const stopped = (): boolean => this.stopping;
      if (refusal.length === 0) {
        // Requests that never reached the door expire first (on a trusted clock only: an expiry cannot be undone).
        const expired = expireRequests(store, { now, undecidedDays: settings.expireUndecidedDays });
        if (expired.length) {
          this.d.onEvents?.(store.events.since(store.events.lastSeq() - expired.length));
          this.log.info({ count: expired.length }, 'requests expired');
        }
        // In batches, each with its destruction record, the event loop's turn between them; the clock asked again before each.
        const r = await purgeInBatches(store, {
          retentionDays: settings.retentionDays, now, run: { ranBy: 'daemon', expireUndecidedDays: settings.expireUndecidedDays },
          ...(this.d.purgeBatch ? { limits: this.d.purgeBatch } : {}),
          stopped, refusal: () => clock?.maintenanceRefusal() ?? [], onBatch: (ev) => this.d.onEvents?.(ev),
        });
        if (r.count) this.log.info({ count: r.count, batches: r.batches, longestBatchMs: Math.round(r.longestBatchMs), retentionDays: r.retentionDays }, 'personal data purged');
        if (r.interrupted) this.log.warn({ purged: r.count, ...r.interrupted }, 'purge ended before nothing was due; the next tick goes on');
      } else {
        // Only counted (ids by pages, no visit read): the run is refused.
        const due = await countDueInPages(store, { retentionDays: settings.retentionDays, now, stopped });
        if (due) {
          const why = refusal.join('; ');
          this.log.warn({ due, reasons: refusal }, 'purge refused: the clock is not trusted');
          if (why !== this.lastRefusal && !this.stopping) {
            const ev = store.tx(() => store.events.append([event('privacy.purge_refused', { due, reasons: refusal })], now));
            this.d.onEvents?.(ev);
          }
          this.lastRefusal = why;
        }
      }
    } catch (err) { this.log.error({ err: (err as Error).message }, 'purge failed'); }
    if (this.stopping) return;
    try {
      const r = await nightlyBackup(store, join(settings.dataDir, BACKUP_DIR), { ...settings.backup, timeZone: settings.timeZone, now });
      if (r) {
        const ev = store.tx(() => store.events.append([event('backup.made', { file: r.file.slice(settings.dataDir.length + 1), bytes: r.bytes, ms: r.ms, removed: r.removed.length, trigger: 'nightly' })], this.env.now()));
        this.d.onEvents?.(ev);
        this.log.info({ file: r.file, bytes: r.bytes, ms: r.ms, removed: r.removed.length }, 'nightly backup');
      }
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'nightly backup failed');
      // Appended first: inside `onEvents?.(…)` the append would be skipped when nobody observes events.
      try { const ev = store.tx(() => store.events.append([event('alarm.backup', { error: (err as Error).message })], this.env.now())); this.d.onEvents?.(ev); } catch { /* logged above */ }
    }
  }
}
