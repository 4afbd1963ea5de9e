/**
 * How a watchlist entry's expiry is typed (CLI, console, the centre's CLI): a date (YYYY-MM-DD: the entry holds to the
 * end of that day in the office's time zone) or a time (ISO-8601, read in the office's zone unless it has an offset).
 */
import { endOfLocalDay, parseTime } from './time.js';

/** The expiry (ms) of a typed date or time; throws a UserError naming `option`. */
export function watchlistUntil(text: string, option: string, timeZone: string): number {
  const t = text.trim();
  return /^\d{4}-\d{2}-\d{2}$/.test(t) ? endOfLocalDay(parseTime(`${t}T12:00`, option, timeZone), timeZone) : parseTime(t, option, timeZone);
}
