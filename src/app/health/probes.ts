/**
 * System probes of the health checklist: what each reading of the system means (ok / warn / fail). The readings come
 * through the `SystemEnv` port (files below the system root, commands, statfs), so tests can give faulty values (hot
 * CPU, under-voltage, full disk, unsynchronised clock); `src/adapters/os/system.ts` reads the real system.
 */
import type { FsStats, SystemEnv } from '../../ports/system.js';
import { clockSyncProbe } from '../clock.js';
import { judgeRtc, parseRtcRecord, rtcProbe } from '../rtc-trust.js';

/** One checklist item: ok / warn / fail with the measured value. */
export interface HealthItem {
  /** Item name, e.g. `reader:in`, `disk`, `cpu-temperature`. */
  item: string;
  /** Verdict. */
  status: 'ok' | 'warn' | 'fail';
  /** The measured value (number, text or null when it could not be measured). */
  value: string | number | boolean | null;
  /** One line for the maintainer (no personal data). */
  detail: string;
}

/** CPU temperature from thermal_zone0 (millidegrees C): warn ≥ 70 °C, fail ≥ 80 °C (where the Pi firmware starts throttling). */
export function cpuTemperature(env: SystemEnv): HealthItem {
  const t = env.readText('sys/class/thermal/thermal_zone0/temp');
  const milli = t === null ? NaN : Number(t.trim());
  if (!Number.isFinite(milli)) return { item: 'cpu-temperature', status: 'warn', value: null, detail: 'cannot read /sys/class/thermal/thermal_zone0/temp' };
  const c = Math.round(milli / 100) / 10;
  if (c >= 80) return { item: 'cpu-temperature', status: 'fail', value: c, detail: `${c} °C: the Pi throttles at 80 °C; check the case ventilation` };
  if (c >= 70) return { item: 'cpu-temperature', status: 'warn', value: c, detail: `${c} °C: hot (throttling starts at 80 °C)` };
  return { item: 'cpu-temperature', status: 'ok', value: c, detail: `${c} °C` };
}

const THROTTLE_BITS: readonly [number, string][] = [
  [0, 'under-voltage now'], [1, 'ARM frequency capped now'], [2, 'throttled now'], [3, 'soft temperature limit now'],
  [16, 'under-voltage has occurred'], [17, 'frequency capping has occurred'], [18, 'throttling has occurred'], [19, 'soft temperature limit has occurred'],
];

/**
 * Where the kernel shows the firmware's throttling flags (hex): the firmware device's `get_throttled`, whose node is
 * named after the SoC's bus: `soc` up to the Pi 4 (BCM2835/2837/2711), `soc@107c000000` on the Pi 5 (BCM2712).
 */
export const GET_THROTTLED_PATHS: readonly string[] = [
  'sys/devices/platform/soc/soc:firmware/get_throttled',
  'sys/devices/platform/soc@107c000000/soc@107c000000:firmware/get_throttled',
];
/** hwmon devices looked at for the firmware's voltage monitor (`rpi_volt`, on every Pi whose kernel has it). */
const HWMON_MAX = 16;

/** The `rpi_volt` hwmon's under-voltage alarm (`in0_lcrit_alarm`, 0/1), or null when there is none. */
function rpiVoltAlarm(env: SystemEnv): { path: string; alarm: boolean } | null {
  for (let i = 0; i < HWMON_MAX; i += 1) {
    const dir = `sys/class/hwmon/hwmon${i}`;
    if (env.readText(`${dir}/name`)?.trim() !== 'rpi_volt') continue;
    const v = env.readText(`${dir}/in0_lcrit_alarm`)?.trim();
    if (v === '0' || v === '1') return { path: `/${dir}/in0_lcrit_alarm`, alarm: v === '1' };
  }
  return null;
}

/**
 * Firmware throttling flags from sysfs: `get_throttled` (Pi 4 or Pi 5 node) where the kernel has it; else the `rpi_volt`
 * hwmon's under-voltage alarm (under-voltage now only); else "unknown", which is not a warning (not a Pi, or a kernel
 * without either). Never `vcgencmd`: the service's DevicePolicy gives it no /dev/vcio, so it could only fail there.
 * Now → fail, since boot → warn.
 */
export function throttling(env: SystemEnv): HealthItem {
  for (const path of GET_THROTTLED_PATHS) {
    const raw = env.readText(path)?.trim();
    if (!raw || !/^(0x)?[0-9a-f]+$/i.test(raw)) continue;
    const flags = parseInt(raw.replace(/^0x/i, ''), 16);
    const source = `/${path}`;
    const hex = `0x${flags.toString(16)}`;
    const set = THROTTLE_BITS.filter(([b]) => (flags & (1 << b)) !== 0).map(([, t]) => t);
    if (flags & 0xf) return { item: 'throttling', status: 'fail', value: hex, detail: `${set.join(', ')} (${source}): check the power supply (5 V 3 A / 5 A on a Pi 5) and the UPS` };
    if (flags & 0xf0000) return { item: 'throttling', status: 'warn', value: hex, detail: `${set.join(', ')} since boot (${source})` };
    return { item: 'throttling', status: 'ok', value: hex, detail: `no under-voltage or throttling (${source})` };
  }
  const volt = rpiVoltAlarm(env);
  if (volt?.alarm) return { item: 'throttling', status: 'fail', value: 'under-voltage', detail: `under-voltage now (${volt.path}): check the power supply (5 V 3 A / 5 A on a Pi 5) and the UPS` };
  if (volt) return { item: 'throttling', status: 'ok', value: 'no under-voltage', detail: `no under-voltage now (${volt.path}; this kernel does not show the throttling flags)` };
  return { item: 'throttling', status: 'ok', value: null, detail: 'unknown: no get_throttled or rpi_volt voltage monitor in /sys (not a Raspberry Pi, or a kernel without them)' };
}

/** Free space of the data dir: warn below 15 % or 1 GiB, fail below 5 % or 200 MiB. */
export function diskFree(env: SystemEnv, dataDir: string): HealthItem {
  let s: FsStats;
  try {
    s = env.statfs(dataDir);
  } catch (err) {
    return { item: 'disk', status: 'fail', value: null, detail: `cannot statfs ${dataDir}: ${(err as Error).message}` };
  }
  const free = s.bavail * s.bsize;
  const pct = s.blocks > 0 ? Math.round((s.bavail / s.blocks) * 1000) / 10 : 0;
  const mib = Math.floor(free / 1048576);
  const detail = `${mib} MiB free (${pct} %) on the file system of ${dataDir}`;
  if (pct < 5 || mib < 200) return { item: 'disk', status: 'fail', value: mib, detail };
  if (pct < 15 || mib < 1024) return { item: 'disk', status: 'warn', value: mib, detail };
  return { item: 'disk', status: 'ok', value: mib, detail };
}

/**
 * The clock and where trust in it comes from (docs/clock.md): a time before the build date → fail; a clock the door
 * does not trust whatever its source (`faults`, the clock guard's: set back behind the log, jumped forward unconfirmed)
 * → warn, value false, with those reasons; NTP-synchronised → ok, value 'ntp'; else a battery-backed RTC that vouches
 * (`judgeRtc`, with the trust record `rtcRecord` from the store) → ok, value 'rtc'; else warn, value false, with the
 * RTC's reason.
 */
export function clockItem(env: SystemEnv, buildDate: number, rtcRecord: string | null = null, faults: readonly string[] = []): HealthItem {
  const now = env.now();
  const p = clockSyncProbe(env);
  if (now < buildDate) return { item: 'clock', status: 'fail', value: new Date(now).toISOString(), detail: `clock is before the build date ${new Date(buildDate).toISOString().slice(0, 10)}: events are stamped clockSynced:false` };
  // Whatever NTP or the RTC say, the door does not trust a clock set back behind its log or jumped forward unconfirmed.
  if (faults.length) return { item: 'clock', status: 'warn', value: false, detail: `the door does not trust its clock: ${faults.join('; ')}: events carry clockSynced:false, approvals last at most 4 h` };
  const probe = rtcProbe(env);
  const rtc = probe.read();
  const record = parseRtcRecord(rtcRecord);
  if (p.synced) {
    const note = record ? `RTC ${record.device} kept by NTP, last checked ${record.checkedAt}` : rtc ? `RTC ${rtc.device} not recorded as a trust source yet (pintu clock status)` : 'no RTC';
    return { item: 'clock', status: 'ok', value: 'ntp', detail: `synchronised by NTP (${p.source}); ${note}` };
  }
  const v = judgeRtc({ rtc, record, now, uptimeMs: probe.uptimeMs(), buildDate });
  if (v.trusted) return { item: 'clock', status: 'ok', value: 'rtc', detail: `trusted from the RTC: ${v.detail} (no NTP sync: ${p.source})` };
  return { item: 'clock', status: 'warn', value: false, detail: `clock not synchronised (${p.source}) and the RTC does not vouch (${v.reason}): events carry clockSynced:false, approvals last at most 4 h; check NTP` };
}

/** System uptime in seconds from /proc/uptime, or null. */
export function systemUptimeSeconds(env: SystemEnv): number | null {
  const t = env.readText('proc/uptime');
  const s = t === null ? NaN : Number(t.trim().split(/\s+/)[0]);
  return Number.isFinite(s) ? s : null;
}
