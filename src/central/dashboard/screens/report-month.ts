/** Months of the reports screens: the YYYY-MM form, the month before now, and a month's end in the office time zone. */
import { zoneOffsetMs } from '../../../domain/time.js';
import { monthBounds } from '../../views.js';

/** A month as the report takes it. */
export const MONTH_RE = /^\d{4}-(0[1-9]|1[0-2])$/;

/** The first instant after the month (ms) in `timeZone`. */
export function monthEndOf(month: string, timeZone: string): number {
  return Date.parse(monthBounds(month, (at) => zoneOffsetMs(at, timeZone)).to);
}

/** The month before the one `at` falls in, in `timeZone` (the month a head signs off). */
export function previousMonth(at: number, timeZone: string): string {
  const local = new Date(at + zoneOffsetMs(at, timeZone));
  const y = local.getUTCFullYear();
  const m = local.getUTCMonth();
  return m === 0 ? `${y - 1}-12` : `${y}-${String(m).padStart(2, '0')}`;
}
