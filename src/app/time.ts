/**
 * Local-time helpers for the office's time zone (WIB / WITA / WIT have no daylight saving).
 */
import { UserError } from './errors.js';

/** The local calendar date of `at` in `timeZone`, as YYYYMMDD. */
export function localDate(at: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(at);
  const get = (t: string): string => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('year')}${get('month')}${get('day')}`;
}

/** Offset of `timeZone` from UTC at `at`, in ms. */
export function zoneOffsetMs(at: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
  }).formatToParts(at);
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

/** Parse an ISO-8601 time given on the command line, or throw naming the option. */
export function parseIsoTime(value: string, option: string): number {
  const t = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(t)) throw new UserError(`${option}: "${value}" is not an ISO-8601 time (e.g. 2026-11-23T16:00:00+07:00)`);
  return t;
}
