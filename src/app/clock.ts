/**
 * The clock guard. A Raspberry Pi 4 has no real-time clock: after a power cut it boots at the last saved time (or 1970)
 * until NTP synchronises it. A battery-backed RTC (Pi 5, or a DS3231) that was seen agreeing with NTP is a second trust
 * source (`rtc-trust.ts`; its events carry `clockSource: 'rtc'`). Until one of them vouches, every event carries `clockSynced: false`, and a time before the release date
 * of this build is never written as if it were real (it is raised to the release date, the raw reading kept beside it).
 * The newest event's time is a high-water mark: time is judged on `max(clock, mark)`, a clock behind it raises
 * `alarm.clock_rollback` once per episode, and a clock far ahead of what the log vouches for raises `alarm.clock_jump`
 * and pauses the purge until a head confirms the time. One guard per open store, given to the store when it is built
 * (`new Store(db, door, guard)`; the store attaches it). Policy: docs/clock.md.
 */
import { performance } from 'node:perf_hooks';
import type { ClockStamp, GuardedStore, NewestEvent, StoreClock } from '../ports/store.js';
import type { CommandRunner, SystemEnv } from '../ports/system.js';
import { event, type DomainEvent } from '../domain/events.js';
import { HOUR_MS } from '../domain/time.js';
import type { ClockState } from '../protocol/messages.js';
import { RTC_AGREE_MS, RTC_TRUST_KEY, judgeRtc, keepRtcRecord, parseRtcRecord, type RtcProbe, type RtcRecordOutcome, type RtcTrustRecord, type RtcVerdict } from './rtc-trust.js';

/** Release date of this build: no real event can be older than this (bump it with each release). */
export const BUILD_DATE = '2026-11-01T00:00:00Z';
/** BUILD_DATE in ms since the epoch. */
export const BUILD_DATE_MS = Date.parse(BUILD_DATE);
/** File systemd-timesyncd creates once the clock is synchronised (Raspberry Pi OS default NTP client), relative to the root. */
export const TIMESYNC_FLAG = 'run/systemd/timesync/synchronized';
/** Longest approval (hours) given while the clock is unsynchronised (docs/clock.md). */
export const UNSYNCED_MAX_VALIDITY_HOURS = 4;

/** Is the system clock synchronised? The timesyncd flag file, else `timedatectl` (covers chrony/ntpd via the kernel flag). */
export function clockSyncProbe(sys: Pick<SystemEnv, 'exists'> & { run: CommandRunner | null }): { synced: boolean; source: string } {
  if (sys.exists(TIMESYNC_FLAG)) return { synced: true, source: `/${TIMESYNC_FLAG}` };
  const r = sys.run?.('timedatectl', ['show', '-p', 'NTPSynchronized', '--value']) ?? null;
  if (r && r.code === 0) return { synced: r.stdout.trim() === 'yes', source: 'timedatectl NTPSynchronized' };
  return { synced: false, source: r ? 'timedatectl failed' : `no /${TIMESYNC_FLAG}` };
}

/** Meta key holding the last forward jump of the clock (JSON `ClockJump`). */
export const CLOCK_JUMP_KEY = 'clock.jump';
/** Default tolerance of a clock behind the newest event (ms; the config's clock.rollbackToleranceSeconds default; a test checks). */
export const DEFAULT_ROLLBACK_TOLERANCE_MS = 5_000;
/** Default largest forward step of the clock accepted without confirmation (ms; clock.maxForwardJumpHours; a test checks). */
export const DEFAULT_MAX_FORWARD_JUMP_MS = 48 * HOUR_MS;

/** Options of the clock guard. */
export interface ClockGuardOptions {
  /** Cheap synchronous check of clock synchronisation (production: the timesyncd flag file, `TIMESYNC_FLAG` under `/`). */
  probe: () => boolean;
  /** Earliest believable time, ms (default BUILD_DATE_MS). */
  buildDate?: number;
  /** The system clock, ms (default Date.now). */
  now?: () => number;
  /** A monotonic clock, ms (default performance.now): measures time elapsed whatever the system clock does. */
  mono?: () => number;
  /** While unsynchronised, re-run the probe at most this often (ms, default 10 s). */
  recheckMs?: number;
  /** A clock more than this far behind the newest event is rolled back (ms, default 5 s). */
  rollbackToleranceMs?: number;
  /** A clock more than this far ahead of what the log vouches for has jumped (ms, default 48 h). */
  maxForwardJumpMs?: number;
  /** The battery-backed RTC, a second trust source after a boot without NTP (production: `rtcProbe` over /sys; none: NTP only). */
  rtc?: RtcProbe;
}

/** Where trust in the clock comes from: NTP since this process started, or the RTC that set the clock at boot. */
export type ClockSource = 'ntp' | 'rtc';

/** A forward jump of the clock, as recorded in the meta table. */
export interface ClockJump {
  /** When it was seen (ISO, the new clock). */
  detectedAt: string;
  /** How far the clock was ahead of what the log vouched for (ms). */
  aheadMs: number;
  /** The time the log vouched for then: the newest event or heartbeat plus the time elapsed since (ISO). */
  vouched: string;
  /** The head who confirmed the new time, or null while unconfirmed. */
  confirmedBy: string | null;
  /** When it was confirmed (ISO), or null. */
  confirmedAt: string | null;
}

const iso = (t: number): string => new Date(t).toISOString();

/** A duration for messages: "1 d 2 h", "3 h 5 min", "12 s". */
export function formatDuration(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  const d = Math.floor(s / 86_400), h = Math.floor((s % 86_400) / 3600), m = Math.floor((s % 3600) / 60);
  if (d) return h ? `${d} d ${h} h` : `${d} d`;
  if (h) return m ? `${h} h ${m} min` : `${h} h`;
  return m ? `${m} min` : `${s} s`;
}

/**
 * Decides whether the clock can be trusted, what time counts, and marks events (the store's `LogClock`). Once NTP
 * synchronised it stays so (until restart); trust from the RTC is re-judged every `recheckMs`. Given to the store it guards when that store is built (`openStore` does).
 */
export class ClockGuard implements StoreClock {
  private syncedOnce = false;
  private lastCheck = -Infinity;
  private readonly probe: () => boolean;
  private readonly rtc: RtcProbe | null;
  /** The RTC's last verdict while NTP is not synchronised, when it was judged (monotonic ms) and the wall clock's lead over the monotonic one then. */
  private rtcLast: { verdict: RtcVerdict; mono: number; skew: number } | null = null;
  private readonly clock: () => number;
  private readonly mono: () => number;
  /** Earliest believable time, ms. */
  readonly buildDate: number;
  private readonly recheckMs: number;
  /** A clock more than this far behind the newest event is rolled back (ms). */
  readonly toleranceMs: number;
  /** A clock more than this far ahead of what the log vouches for has jumped (ms). */
  readonly maxJumpMs: number;
  private store: GuardedStore | null = null;
  /** What the log vouched for when attached (newest event or heartbeat), and the monotonic time then. */
  private ref: { wall: number; mono: number } | null = null;

  /** Create a guard; nothing is probed until first use. */
  constructor(opts: ClockGuardOptions) {
    this.probe = opts.probe;
    this.rtc = opts.rtc ?? null;
    this.buildDate = opts.buildDate ?? BUILD_DATE_MS;
    this.clock = opts.now ?? (() => Date.now());
    this.mono = opts.mono ?? (() => performance.now());
    this.recheckMs = opts.recheckMs ?? 10_000;
    this.toleranceMs = opts.rollbackToleranceMs ?? DEFAULT_ROLLBACK_TOLERANCE_MS;
    this.maxJumpMs = opts.maxForwardJumpMs ?? DEFAULT_MAX_FORWARD_JUMP_MS;
  }

  /**
   * Called by the store built with this guard (its constructor): guard it, taking what the log vouches for now as the
   * reference. One store per guard.
   */
  attach(store: GuardedStore): void {
    if (this.store && this.store !== store) throw new Error('this clock guard already guards another store');
    this.store = store;
    const known = Math.max(store.events.newest()?.at ?? -Infinity, store.doorStatus().heartbeatAt ?? -Infinity);
    this.ref = { wall: Number.isFinite(known) ? known : this.clock(), mono: this.mono() };
  }

  /** The system clock's raw reading (ms). */
  raw(): number {
    return this.clock();
  }

  /**
   * The time that counts (validity, approvals): never before the newest event; while the clock is behind it, the newest
   * event's time carried forward by the time elapsed since; and never behind what the log vouched for at attach plus the
   * monotonic time elapsed since (a clock stepped back while the process runs does not stop time).
   */
  now(): number {
    return Math.max(this.effective(this.raw(), this.store?.events.newest() ?? null), this.vouched());
  }

  /** What the log vouched for at attach (newest event or heartbeat) plus the monotonic time elapsed since; -Infinity when detached. */
  private vouched(): number {
    return this.ref ? this.ref.wall + (this.mono() - this.ref.mono) : -Infinity;
  }

  /** Effective time for a raw reading after `newest` (see `now`). */
  effective(raw: number, newest: NewestEvent | null): number {
    if (!newest) return Math.max(raw, this.buildDate);
    if (newest.at - raw <= this.toleranceMs) return Math.max(raw, newest.at);
    // Behind: the newest event written while behind carries its raw reading, so the offset survives restarts.
    const carried = newest.raw !== null ? newest.at - newest.raw : 0;
    return Math.max(raw + carried, newest.at);
  }

  /** How far the clock is behind the newest event (ms, 0 when not behind). */
  behindMs(raw = this.raw()): number {
    const newest = this.store?.events.newest() ?? null;
    return newest ? Math.max(0, newest.at - raw) : 0;
  }

  /** The clock is behind the newest event by more than the tolerance. */
  rolledBack(raw = this.raw()): boolean {
    return this.behindMs(raw) > this.toleranceMs;
  }

  /** The recorded forward jump not yet confirmed by a head, or null. */
  openJump(): ClockJump | null {
    const text = this.store?.meta(CLOCK_JUMP_KEY) ?? null;
    if (!text) return null;
    const j = JSON.parse(text) as ClockJump;
    return j.confirmedAt ? null : j;
  }

  /** Record that synchronisation was confirmed by another probe (e.g. timedatectl from the scheduler or health check). */
  markSynced(): void {
    this.syncedOnce = true;
  }

  /** Trusted time source confirmed: NTP (sticky), or the RTC (re-judged with the NTP probe). */
  synced(): boolean {
    return this.source() !== null;
  }

  /**
   * Where trust comes from: 'ntp' once the probe confirmed synchronisation (until restart); else 'rtc' while the RTC
   * vouches for the clock (`judgeRtc`, re-judged at most every `recheckMs` of monotonic time); else null.
   */
  source(): ClockSource | null {
    if (this.syncedOnce) return 'ntp';
    const t = this.clock();
    if (t - this.lastCheck >= this.recheckMs) {
      this.lastCheck = t;
      try { this.syncedOnce = this.probe(); } catch { this.syncedOnce = false; }
      if (this.syncedOnce) return 'ntp';
    }
    if (!this.rtc) return null;
    // Re-judged every recheckMs, and at once when the system clock was stepped (wall minus monotonic moved).
    const m = this.mono();
    const last = this.rtcLast;
    if (!last || m - last.mono >= this.recheckMs || m < last.mono || Math.abs((t - m) - last.skew) > RTC_AGREE_MS) this.rtcLast = { verdict: this.judgeRtcNow(), mono: m, skew: t - m };
    return this.rtcLast!.verdict.trusted ? 'rtc' : null;
  }

  /** The RTC's verdict now (read afresh), or null without an RTC probe. */
  rtcVerdict(): RtcVerdict | null {
    if (!this.rtc) return null;
    const m = this.mono();
    this.rtcLast = { verdict: this.judgeRtcNow(), mono: m, skew: this.raw() - m };
    return this.rtcLast.verdict;
  }

  /** The RTC trust record kept while NTP was synchronised, or null. */
  rtcRecord(): RtcTrustRecord | null {
    return parseRtcRecord(this.store?.meta(RTC_TRUST_KEY) ?? null);
  }

  private judgeRtcNow(): RtcVerdict {
    try {
      const record = parseRtcRecord(this.store?.meta(RTC_TRUST_KEY) ?? null);
      return judgeRtc({ rtc: this.rtc!.read(), record, now: this.raw(), uptimeMs: this.rtc!.uptimeMs(), buildDate: this.buildDate });
    } catch (err) {
      return { trusted: false, reason: `the RTC cannot be judged: ${(err as Error).message}`, rtc: null };
    }
  }

  /**
   * While NTP is synchronised (never on the RTC's own word): record that the RTC agrees with the clock, or forget an RTC
   * that no longer does (docs/clock.md). Null when there is no RTC probe or store, or NTP is not confirmed.
   */
  keepRtcRecord(): RtcRecordOutcome | null {
    if (!this.rtc || !this.store || this.source() !== 'ntp') return null;
    const store = this.store;
    const out = keepRtcRecord({ rtc: this.rtc.read(), record: parseRtcRecord(store.meta(RTC_TRUST_KEY)), now: this.raw() });
    if (out.action !== 'unchanged') store.tx(() => store.setMeta(RTC_TRUST_KEY, out.record ? JSON.stringify(out.record) : ''));
    return out;
  }

  /** The clock can be trusted: synchronised, not before the build date, not behind the log, no unconfirmed jump. */
  trusted(at = this.raw()): boolean {
    return at >= this.buildDate && this.synced() && !this.rolledBack() && this.openJump() === null;
  }

  /**
   * The clock's state as the door tells the centre (its status message), worst first: set back behind the log, jumped
   * forward and not yet confirmed by a head, not synchronised (or before the build date), else trusted.
   */
  state(): ClockState {
    const raw = this.raw();
    if (this.rolledBack(raw)) return 'rolled-back';
    if (this.openJump() !== null) return 'jumped';
    return raw >= this.buildDate && this.synced() ? 'trusted' : 'unsynced';
  }

  /**
   * The log's hook, run inside each append's transaction. Behind the newest event: the time written is the effective
   * time, every event carries `clockSynced: false` and `clockRaw`, and the first such append of an episode puts
   * `alarm.clock_rollback` first. A forward jump is recorded with `alarm.clock_jump`. Before the build date: raised
   * to it, raw reading kept. Otherwise unsynchronised: `clockSynced: false`.
   */
  stamp(at: number, newest: NewestEvent | null): ClockStamp {
    const raw = this.raw();
    const before: DomainEvent[] = [];
    const jump = this.detectJump(raw);
    if (jump) before.push(jump);
    // Behind the newest event, or behind the time elapsed (monotonic) since what the log vouched for at attach.
    const mark = Math.max(newest?.at ?? -Infinity, this.vouched());
    const behind = Number.isFinite(mark) ? mark - raw : 0;
    if (behind > this.toleranceMs) {
      // A new episode unless the newest event was itself written behind (then it was alarmed already, maybe by an earlier run).
      const wasBehind = newest !== null && newest.raw !== null && newest.at - newest.raw > this.toleranceMs;
      if (!wasBehind) before.unshift(event('alarm.clock_rollback', { behindMs: Math.round(behind), newestAt: newest ? iso(newest.at) : null }));
      return { at: Math.max(at, this.effective(raw, newest), this.vouched()), marks: { clockSynced: false, clockRaw: iso(raw) }, before };
    }
    if (at < this.buildDate) return { at: this.buildDate, marks: { clockSynced: false, clockRaw: iso(at) }, before };
    const source = this.source();
    if (source === null || this.openJump() !== null) return { at, marks: { clockSynced: false }, before };
    return { at, marks: source === 'rtc' ? { clockSource: 'rtc' } : {}, before };
  }

  /** End of an approval given now: unchanged when the clock is trusted, else at most UNSYNCED_MAX_VALIDITY_HOURS after `from`. */
  limitValidity(from: number, until: number): number {
    return this.trusted() ? until : Math.min(until, from + UNSYNCED_MAX_VALIDITY_HOURS * HOUR_MS);
  }

  /**
   * Why jobs that delete data (the purge of personal data) must not run now; empty when the clock is trusted. A forward
   * jump seen now is recorded first (`alarm.clock_jump`).
   */
  maintenanceRefusal(): string[] {
    const reasons = this.faults();
    if (!this.synced()) {
      const rtc = this.rtcLast?.verdict;
      reasons.unshift(`the clock is not synchronised (no NTP sync confirmed: /${TIMESYNC_FLAG} or timedatectl${rtc && !rtc.trusted ? `; RTC: ${rtc.reason}` : ''})`);
    }
    return reasons;
  }

  /** Faults of the clock itself, whatever NTP says: before the build date, behind the log, an unconfirmed forward jump. Records a jump seen now. */
  faults(): string[] {
    if (this.store) {
      const store = this.store;
      const raw = this.raw();
      const ahead = this.aheadMs(raw);
      if (ahead > this.maxJumpMs && this.openJump() === null) store.tx(() => store.events.append([], raw));
    }
    const raw = this.raw();
    const reasons: string[] = [];
    if (raw < this.buildDate) reasons.push(`the clock (${iso(raw)}) is before this build's release date ${iso(this.buildDate).slice(0, 10)}`);
    const behind = this.behindMs(raw);
    if (behind > this.toleranceMs) reasons.push(`the clock (${iso(raw)}) is ${formatDuration(behind)} behind the newest event: it was set back`);
    const j = this.openJump();
    if (j) reasons.push(`the clock jumped forward ${formatDuration(j.aheadMs)} beyond the time the log vouched for (${j.vouched}), seen at ${j.detectedAt}; if the time now is right, a head confirms the clock at the door`);
    return reasons;
  }

  /** A head confirms the clock after a forward jump: the jump is closed (purge may run again). Inside a transaction. */
  confirmJump(officer: string): ClockJump | null {
    const j = this.openJump();
    if (!j || !this.store) return null;
    const done: ClockJump = { ...j, confirmedBy: officer, confirmedAt: iso(this.raw()) };
    this.store.setMeta(CLOCK_JUMP_KEY, JSON.stringify(done));
    return done;
  }

  /** How far the clock is ahead of what the log vouches for: the reference at attach plus the monotonic time elapsed. */
  private aheadMs(raw: number): number {
    return this.ref ? raw - (this.ref.wall + (this.mono() - this.ref.mono)) : 0;
  }

  /** Inside a transaction: a jump far beyond what the log vouches for is recorded once (meta latch) and re-bases the reference. */
  private detectJump(raw: number): DomainEvent | null {
    const ahead = this.aheadMs(raw);
    if (!this.store || ahead <= this.maxJumpMs) return null;
    const vouched = raw - ahead;
    this.ref = { wall: raw, mono: this.mono() };
    if (this.openJump()) return null;
    const j: ClockJump = { detectedAt: iso(raw), aheadMs: Math.round(ahead), vouched: iso(vouched), confirmedBy: null, confirmedAt: null };
    this.store.setMeta(CLOCK_JUMP_KEY, JSON.stringify(j));
    return event('alarm.clock_jump', { aheadMs: j.aheadMs, vouched: j.vouched });
  }
}
