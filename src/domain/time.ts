/**
 * Local-time helpers for the office's time zone (WIB / WITA / WIT have no daylight saving).
 */
import { UserError } from './errors.js';

/** One minute in milliseconds. */
export const MINUTE_MS = 60_000;
/** One hour in milliseconds. */
export const HOUR_MS = 3_600_000;
/** One day (24 hours; the office zones have no daylight saving) in milliseconds. */
export const DAY_MS = 86_400_000;

/**
 * Formatters by zone. Building an `Intl.DateTimeFormat` costs about 0.3 ms (20 times a format call): a page or a live
 * update that shows a hundred times would spend tens of ms on the event loop the door's taps share. Pure memoisation:
 * a formatter depends only on its zone, and the zones in use are the one or two of the config.
 */
const DATE_FORMATS = new Map<string, Intl.DateTimeFormat>();
const OFFSET_FORMATS = new Map<string, Intl.DateTimeFormat>();

function dateFormat(timeZone: string): Intl.DateTimeFormat {
  let f = DATE_FORMATS.get(timeZone);
  if (!f) { f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }); if (DATE_FORMATS.size < 64) DATE_FORMATS.set(timeZone, f); }
  return f;
}

function offsetFormat(timeZone: string): Intl.DateTimeFormat {
  let f = OFFSET_FORMATS.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    if (OFFSET_FORMATS.size < 64) OFFSET_FORMATS.set(timeZone, f);
  }
  return f;
}

/** The local calendar date of `at` in `timeZone`, as YYYYMMDD. */
export function localDate(at: number, timeZone: string): string {
  const parts = dateFormat(timeZone).formatToParts(at);
  const get = (t: string): string => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('year')}${get('month')}${get('day')}`;
}

/** Offset of `timeZone` from UTC at `at`, in ms. */
export function zoneOffsetMs(at: number, timeZone: string): number {
  // Since 1970 every zone changes its offset only on a quarter hour of UTC: one lookup per zone and quarter hour
  // serves every time inside it (pages show hundreds of times; formatToParts is the costly part of drawing them).
  if (at >= 0) {
    const key = `${timeZone}|${Math.floor(at / 900_000)}`;
    const hit = OFFSETS.get(key);
    if (hit !== undefined) return hit;
    const off = zoneOffsetUncached(at, timeZone);
    if (OFFSETS.size >= 20_000) OFFSETS.clear();
    OFFSETS.set(key, off);
    return off;
  }
  return zoneOffsetUncached(at, timeZone);
}

/** Offsets by zone and quarter hour (bounded: cleared when full). */
const OFFSETS = new Map<string, number>();

function zoneOffsetUncached(at: number, timeZone: string): number {
  const parts = offsetFormat(timeZone).formatToParts(at);
  const get = (t: string): number => Number(parts.find((p) => p.type === t)?.value ?? 0);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return asUtc - Math.floor(at / 1000) * 1000;
}

/** The last millisecond of the local day containing `at`. */
export function endOfLocalDay(at: number, timeZone: string): number {
  const off = zoneOffsetMs(at, timeZone);
  const local = new Date(at + off);
  return Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate(), 23, 59, 59, 999) - off;
}

/** Is `timeZone` an IANA time zone this Node knows (e.g. Asia/Jakarta)? */
export function isTimeZone(timeZone: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(timeZone)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** Is `y-m-d` a day that exists (month 1-12, day within the month, leap years counted)? */
export function isRealDate(y: number, m: number, d: number): boolean {
  return m >= 1 && m <= 12 && d >= 1 && d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/** Is `text` a real calendar date written YYYY-MM-DD? */
export function isCalendarDate(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  return m !== null && isRealDate(Number(m[1]), Number(m[2]), Number(m[3]));
}

const TIME_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * Parse a time typed by an officer, strictly: `2026-12-01T08:00+07:00`, `2026-12-01 08:00`, `2026-12-01` (midnight).
 * Impossible dates and times (2027-02-30, 25:00) are refused, not rolled over; a time without an offset is read
 * in the office's `timeZone` (WIB/WITA/WIT), never as UTC. Throws a UserError naming `option`.
 */
export function parseTime(value: string, option: string, timeZone: string): number {
  const text = value.trim();
  const example = '(e.g. 2026-11-23T16:00, read in the office time zone, or 2026-11-23T16:00+07:00)';
  const m = TIME_RE.exec(text);
  if (!m) throw new UserError(`${option}: "${value}" is not an ISO-8601 time ${example}`);
  const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as [number, number, number, number, number, number];
  const ms = Number((m[7] ?? '0').padEnd(3, '0'));
  if (!isRealDate(y, mo, d)) throw new UserError(`${option}: "${value}" is not a real date (${text.slice(0, 10)} does not exist) ${example}`);
  if (h > 23 || mi > 59 || s > 59) throw new UserError(`${option}: "${value}" is not a real time of day ${example}`);
  const wall = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  const zone = m[8];
  if (zone !== undefined) {
    if (/^z$/i.test(zone)) return wall;
    const z = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone)!;
    const oh = Number(z[2]);
    const om = Number(z[3] ?? 0);
    if (oh > 14 || om > 59) throw new UserError(`${option}: "${value}" has an impossible UTC offset ${zone}`);
    return wall - (z[1] === '-' ? -1 : 1) * (oh * 60 + om) * 60_000;
  }
  // Local wall time in the office zone: subtract the zone's offset at that moment (checked twice across a DST change).
  let at = wall - zoneOffsetMs(wall, timeZone);
  const off = zoneOffsetMs(at, timeZone);
  at = wall - off;
  if (at + zoneOffsetMs(at, timeZone) !== wall) throw new UserError(`${option}: "${value}" does not exist in ${timeZone} (clock change); give the offset`);
  return at;
}

/** Indonesian zone abbreviations officers know; other zones show the offset only. */
const ZONE_NAMES: Record<string, string> = {
  'Asia/Jakarta': 'WIB', 'Asia/Pontianak': 'WIB', 'Asia/Makassar': 'WITA', 'Asia/Ujung_Pandang': 'WITA', 'Asia/Jayapura': 'WIT', UTC: 'UTC', 'Etc/UTC': 'UTC',
};

/** The UTC offset of `timeZone` at `at` as +07:00. */
export function offsetText(at: number, timeZone: string): string {
  const off = Math.round(zoneOffsetMs(at, timeZone) / 60_000);
  const a = Math.abs(off);
  return `${off < 0 ? '-' : '+'}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

/**
 * The one way pintu shows a time to a person: the office's zone with its name and offset,
 * `2026-12-01 08:00:00 WIB (+07:00)`; '-' for none.
 */
export function formatTime(at: number | null | undefined, timeZone: string): string {
  if (at === null || at === undefined || !Number.isFinite(at)) return '-';
  const wall = new Date(Math.floor(at / 1000) * 1000 + zoneOffsetMs(at, timeZone)).toISOString();
  const name = ZONE_NAMES[timeZone];
  return `${wall.slice(0, 10)} ${wall.slice(11, 19)} ${name ? `${name} ` : ''}(${offsetText(at, timeZone)})`;
}
