/**
 * A battery-backed real-time clock (RTC) as a second source of trust in the clock, for a door that boots without NTP
 * (docs/clock.md, "A real-time clock"). The Pi 5's own RTC (with its battery) or a DS3231 on a Pi 4 sets the system
 * clock at boot (the kernel's hctosys). pintu trusts that time only when the RTC was seen agreeing with an
 * NTP-synchronised clock before (the trust record, meta key `clock.rtc`, written while NTP is synchronised), it is the
 * same RTC on the same machine, it set the system time at this boot, it reads a time after the build date and after
 * that check, and the system clock still agrees with it. Everything is read through `SystemEnv` (files under the
 * system root), so tests give an emulated `/sys/class/rtc` tree.
 */
import type { SystemEnv } from '../ports/system.js';
import { HOUR_MS } from '../domain/time.js';

/** The RTC class directory, relative to the system root. */
export const RTC_CLASS_DIR = 'sys/class/rtc';
/** The board's serial number (Raspberry Pi device tree), relative to the system root: binds the trust record to one machine. */
export const MACHINE_SERIAL_FILE = 'sys/firmware/devicetree/base/serial-number';
/** Meta key holding the RTC trust record (JSON `RtcTrustRecord`; empty: none). */
export const RTC_TRUST_KEY = 'clock.rtc';
/** Format tag of the trust record. */
export const RTC_TRUST_FORMAT = 'pintu-rtc-trust/1';
/** Largest difference between the RTC and the system clock counted as agreement (ms): since_epoch has whole seconds. */
export const RTC_AGREE_MS = 2_000;
/** Drift allowed between the RTC and the unsynchronised system clock per time since boot (parts per million). */
export const RTC_DRIFT_PPM = 100;
/** RTC devices looked at (rtc0 … rtc7). */
export const RTC_MAX_DEVICES = 8;
/** While NTP is synchronised, the trust record is refreshed at most this often (ms). */
export const RTC_RECORD_REFRESH_MS = HOUR_MS;

/** One RTC as sysfs shows it. */
export interface RtcReading {
  /** Device node name, e.g. `rtc0`. */
  device: string;
  /** Its `name` attribute: driver and device, e.g. `rpi-rtc soc:rpi_rtc` or `rtc-ds1307 1-0068`. */
  name: string;
  /** `hctosys` = 1: this RTC set the system time at the last boot or resume. */
  hctosys: boolean;
  /** Its time (ms, from `since_epoch`), or null when it cannot be read (a DS3231 whose oscillator stopped refuses). */
  at: number | null;
  /** The machine's serial number, or null where there is none. */
  machine: string | null;
}

/** What pintu recorded when it saw the RTC agree with an NTP-synchronised clock. */
export interface RtcTrustRecord {
  /** Always `RTC_TRUST_FORMAT`. */
  format: typeof RTC_TRUST_FORMAT;
  /** Device node, e.g. `rtc0`. */
  device: string;
  /** The RTC's `name` attribute. */
  name: string;
  /** The machine's serial number, or null. */
  machine: string | null;
  /** When it was last seen agreeing (ISO, the NTP-synchronised system time). */
  checkedAt: string;
  /** RTC minus system clock then (ms). */
  offsetMs: number;
}

/** Reads the RTC and the time since boot (production: sysfs and /proc/uptime under `/`). */
export interface RtcProbe {
  /** The RTC that set the system time (hctosys), else the first one; null when there is none. */
  read(): RtcReading | null;
  /** Time since boot (ms), or null when unknown. */
  uptimeMs(): number | null;
}

/** The verdict on the RTC as a trust source. */
export type RtcVerdict =
  | {
    /** The RTC vouches for the system clock. */
    trusted: true;
    /** The RTC read. */
    rtc: RtcReading;
    /** The record it matched. */
    record: RtcTrustRecord;
    /** RTC minus system clock now (ms). */
    offsetMs: number;
    /** One line for logs and health. */
    detail: string;
  }
  | {
    /** The RTC does not vouch for the system clock. */
    trusted: false;
    /** Why not (one line, no personal data). */
    reason: string;
    /** The RTC read, or null when there is none. */
    rtc: RtcReading | null;
  };

const iso = (t: number): string => new Date(t).toISOString();
const clean = (s: string | null): string | null => {
  const v = s?.replace(/\0/g, '').trim() ?? '';
  return v === '' ? null : v;
};

/** The RTC probe over a system's files: `/sys/class/rtc/rtcN/{name,hctosys,since_epoch}`, the device-tree serial, /proc/uptime. */
export function rtcProbe(env: Pick<SystemEnv, 'readText'>): RtcProbe {
  return {
    read: () => {
      const found: RtcReading[] = [];
      for (let i = 0; i < RTC_MAX_DEVICES; i += 1) {
        const dir = `${RTC_CLASS_DIR}/rtc${i}`;
        const name = clean(env.readText(`${dir}/name`));
        if (name === null) continue;
        const secs = Number(clean(env.readText(`${dir}/since_epoch`)) ?? NaN);
        found.push({
          device: `rtc${i}`, name, hctosys: clean(env.readText(`${dir}/hctosys`)) === '1',
          at: Number.isFinite(secs) ? secs * 1000 : null, machine: clean(env.readText(MACHINE_SERIAL_FILE)),
        });
      }
      return found.find((r) => r.hctosys) ?? found[0] ?? null;
    },
    uptimeMs: () => {
      const s = Number(env.readText('proc/uptime')?.trim().split(/\s+/)[0] ?? NaN);
      return Number.isFinite(s) ? s * 1000 : null;
    },
  };
}

/** The trust record stored under `RTC_TRUST_KEY`, or null when there is none or it cannot be read. */
export function parseRtcRecord(text: string | null): RtcTrustRecord | null {
  if (!text) return null;
  try {
    const r = JSON.parse(text) as Partial<RtcTrustRecord>;
    if (r.format !== RTC_TRUST_FORMAT || typeof r.device !== 'string' || typeof r.name !== 'string' || typeof r.checkedAt !== 'string'
      || !Number.isFinite(Date.parse(r.checkedAt))) return null;
    return { format: RTC_TRUST_FORMAT, device: r.device, name: r.name, machine: typeof r.machine === 'string' ? r.machine : null, checkedAt: r.checkedAt, offsetMs: Number(r.offsetMs) || 0 };
  } catch {
    return null;
  }
}

/** How far the RTC and the unsynchronised system clock may differ after `uptimeMs` since boot (ms). */
export function rtcAllowanceMs(uptimeMs: number | null): number {
  return RTC_AGREE_MS + Math.max(0, uptimeMs ?? 0) * RTC_DRIFT_PPM / 1e6;
}

/** The RTC as the record names it: `rtc0 "rpi-rtc soc:rpi_rtc"`. */
function label(r: { device: string; name: string }): string {
  return `${r.device} "${r.name}"`;
}

/**
 * Does the RTC vouch for the system clock now (`now`, the raw system clock)? Every condition, each failure with its
 * reason: an RTC exists; it was seen agreeing with an NTP-synchronised clock (the record); it is the same RTC on the
 * same machine; it set the system time at this boot (hctosys); it can be read; it reads a time after the build date and
 * not before the record's check; and the system clock agrees with it within `rtcAllowanceMs(uptime)`.
 */
export function judgeRtc(o: { rtc: RtcReading | null; record: RtcTrustRecord | null; now: number; uptimeMs: number | null; buildDate: number }): RtcVerdict {
  const { rtc, record, now } = o;
  const no = (reason: string): RtcVerdict => ({ trusted: false, reason, rtc });
  if (!rtc) return no(`no RTC (/${RTC_CLASS_DIR} is empty)`);
  if (!record) return no(`${label(rtc)} was never seen agreeing with an NTP-synchronised clock (no trust record yet)`);
  if (rtc.device !== record.device || rtc.name !== record.name) return no(`${label(rtc)} is not the RTC checked against NTP (${label(record)})`);
  if (rtc.machine !== record.machine) return no(`${label(rtc)} was checked against NTP on another machine (serial ${record.machine ?? 'none'}, this one ${rtc.machine ?? 'none'})`);
  if (!rtc.hctosys) return no(`${label(rtc)} did not set the system time at this boot (hctosys 0)`);
  if (rtc.at === null) return no(`${label(rtc)} cannot be read (its time is invalid: battery flat or missing?)`);
  if (rtc.at < o.buildDate) return no(`${label(rtc)} reads ${iso(rtc.at)}, before this build's release date: it lost its time (battery flat or missing)`);
  const checked = Date.parse(record.checkedAt);
  if (Math.min(rtc.at, now) < checked - RTC_AGREE_MS) {
    return no(`${label(rtc)} reads ${iso(rtc.at)} and the system clock ${iso(now)}, before the RTC was last checked against NTP (${record.checkedAt}): it was reset or set back`);
  }
  const offsetMs = rtc.at - now;
  const allowed = rtcAllowanceMs(o.uptimeMs);
  if (Math.abs(offsetMs) > allowed) return no(`the system clock (${iso(now)}) is ${Math.round(Math.abs(offsetMs) / 1000)} s off ${label(rtc)} (${iso(rtc.at)}; at most ${Math.round(allowed / 1000)} s allowed)`);
  return { trusted: true, rtc, record, offsetMs, detail: `${label(rtc)} set the system time at boot and agrees with it (${offsetMs >= 0 ? '+' : ''}${(offsetMs / 1000).toFixed(1)} s); last checked against NTP ${record.checkedAt}` };
}

/** What keeping the trust record did. */
export interface RtcRecordOutcome {
  /** written: a new record (new RTC); refreshed: the check time moved on; removed: the RTC is not kept by NTP; unchanged. */
  action: 'written' | 'refreshed' | 'removed' | 'unchanged';
  /** The record to store (null: remove it); meaningful unless unchanged. */
  record: RtcTrustRecord | null;
  /** One line for the log. */
  detail: string;
}

/**
 * While the clock is NTP-synchronised (the caller's duty: never on a clock trusted from the RTC itself): the record to
 * keep. An RTC that agrees with the system clock is recorded (refreshed at most every `RTC_RECORD_REFRESH_MS`); one that
 * disagrees or cannot be read is not kept by NTP (no 11-minute sync, another RTC set the time, or its oscillator
 * stopped), so its record goes. No RTC: nothing changes (a missing RTC is never trusted anyway).
 */
export function keepRtcRecord(o: { rtc: RtcReading | null; record: RtcTrustRecord | null; now: number }): RtcRecordOutcome {
  const { rtc, record, now } = o;
  if (!rtc) return { action: 'unchanged', record, detail: 'no RTC' };
  const offsetMs = rtc.at === null ? NaN : rtc.at - now;
  if (!(Math.abs(offsetMs) <= RTC_AGREE_MS)) {
    const why = rtc.at === null ? 'cannot be read' : `is ${Math.round(offsetMs / 1000)} s off the NTP-synchronised clock`;
    return record ? { action: 'removed', record: null, detail: `${label(rtc)} ${why}: no longer trusted as a clock source` } : { action: 'unchanged', record, detail: `${label(rtc)} ${why}` };
  }
  const same = record !== null && record.device === rtc.device && record.name === rtc.name && record.machine === rtc.machine;
  if (same && now - Date.parse(record.checkedAt) < RTC_RECORD_REFRESH_MS && now >= Date.parse(record.checkedAt)) {
    return { action: 'unchanged', record, detail: `${label(rtc)} agrees with NTP` };
  }
  const next: RtcTrustRecord = { format: RTC_TRUST_FORMAT, device: rtc.device, name: rtc.name, machine: rtc.machine, checkedAt: iso(now), offsetMs: Math.round(offsetMs) };
  return { action: same ? 'refreshed' : 'written', record: next, detail: `${label(rtc)} agrees with the NTP-synchronised clock (${Math.round(offsetMs)} ms): trusted as a clock source after a boot without NTP` };
}
