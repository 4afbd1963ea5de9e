/**
 * `pintu watchlist add|list|remove` (issue 14 item 8): a head flags a NIK with a reason and an expiry (times in
 * visits.timeZone, printed with their offset). The NIK is kept only as a keyed hash and shown masked; a match at a
 * request or a KTP tap at the desk warns (alarm.watchlist_match), it never denies by itself.
 */
import type { Command } from 'commander';
import { formatTime } from '../domain/time.js';
import { watchlistUntil } from '../domain/watchlist.js';
import type { WatchlistEntry } from '../ports/watchlist.js';
import { openStore, watchlistService } from '../main.js';
import { action, configOf, out } from './context.js';
import type { WatchlistService } from '../app/watchlist-service.js';
import type { Config } from '../config/schema.js';

function withWatchlist<T>(cmd: Command, fn: (w: WatchlistService, config: Config) => T): T {
  const config = configOf(cmd);
  const store = openStore(config);
  try {
    return fn(watchlistService(config, store), config);
  } finally {
    store.db.close();
  }
}

/** One entry as JSON (UTC times) for --json. */
const json = (e: WatchlistEntry): Record<string, unknown> => ({ ...e, until: new Date(e.until).toISOString(), addedAt: new Date(e.addedAt).toISOString() });
/** One entry as a line (office time with its offset). */
const line = (e: WatchlistEntry, tz: string): string => `${String(e.id).padStart(4)}  ${e.nikMasked}  until ${formatTime(e.until, tz)}  ${e.source === 'central' ? 'centre' : 'local'} (${e.addedBy})  ${e.reason}`;

/** Register the watchlist commands. */
export function watchlistCommands(program: Command): void {
  const w = program.command('watchlist').description('the watchlist: NIKs a head flagged (kept as a keyed hash, shown masked); a match warns, it never denies');
  w.command('add')
    .description('a head puts a NIK on the watchlist, with the reason and until when')
    .requiredOption('--nik <nik>', "the person's NIK (16 digits)")
    .requiredOption('--reason <reason>', 'why (shown to the officers when it matches)')
    .requiredOption('--until <date|time>', 'until when: a date (to the end of that day) or a time, in the office time zone unless an offset is given')
    .requiredOption('--by <officer>', 'the head adding it')
    .action(action(function (this: Command, o: { nik: string; reason: string; until: string; by: string }) {
      const { e, tz } = withWatchlist(this, (wl, config) => ({ e: wl.add({ nik: o.nik, reason: o.reason, until: watchlistUntil(o.until, 'until', config.visits.timeZone), by: o.by }), tz: config.visits.timeZone }));
      out(this, json(e), () => `watchlist entry ${e.id} added: ${e.nikMasked} until ${formatTime(e.until, tz)}`);
    }));
  w.command('list')
    .description('entries in force (--all: expired ones too)')
    .option('--all', 'include expired entries')
    .action(action(function (this: Command, o: { all?: boolean }) {
      const { list, tz } = withWatchlist(this, (wl, config) => ({ list: wl.list({ all: o.all === true }), tz: config.visits.timeZone }));
      out(this, list.map(json), () => list.map((e) => line(e, tz)).join('\n') || '(the watchlist is empty)');
    }));
  w.command('remove <entry>')
    .description('a head takes an entry off the watchlist')
    .requiredOption('--by <officer>', 'the head removing it')
    .action(action(function (this: Command, entry: string, o: { by: string }) {
      const e = withWatchlist(this, (wl) => wl.remove(Number.parseInt(entry, 10), o.by));
      out(this, json(e), () => `watchlist entry ${e.id} (${e.nikMasked}) removed`);
    }));
}
