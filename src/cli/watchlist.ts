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
import { Refused, UserError } from '../domain/errors.js';
import { Answers } from './answers.js';
import { action, configOf, out, withServices } from './context.js';
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

/**
 * The head named by --by, with their PIN (asked on the terminal, or read from stdin): checked (and counted toward the
 * lock) before any change, like an officer change, a reveal or an erasure, so the event names who really did it.
 * Someone who is not an active head is refused before being asked.
 */
async function headWithPin(cmd: Command, by: string): Promise<string> {
  const id = by.trim().toUpperCase();
  withServices(cmd, ({ store }) => {
    const o = store.officer(id);
    if (!o) throw new UserError(`--by: no officer with id "${by}"`, { field: 'by' });
    if (o.role !== 'head' || !o.active) throw new Refused(`officer ${o.id} is ${o.active ? o.role : 'deactivated'}; only an active head may change the watchlist`, { field: 'by' });
  });
  const pin = await new Answers().pin(`PIN of head ${id}`);
  return withServices(cmd, ({ officers }) => officers.requirePin(id, pin, `the PIN of officer ${id}`).id);
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
    .requiredOption('--by <officer>', 'the head adding it (asked for their PIN)')
    .action(action(async function (this: Command, o: { nik: string; reason: string; until: string; by: string }) {
      const until = watchlistUntil(o.until, 'until', configOf(this).visits.timeZone);
      const by = await headWithPin(this, o.by);
      const { e, tz } = withWatchlist(this, (wl, config) => ({ e: wl.add({ nik: o.nik, reason: o.reason, until, by }), tz: config.visits.timeZone }));
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
    .requiredOption('--by <officer>', 'the head removing it (asked for their PIN)')
    .action(action(async function (this: Command, entry: string, o: { by: string }) {
      const by = await headWithPin(this, o.by);
      const e = withWatchlist(this, (wl) => wl.remove(Number.parseInt(entry, 10), by));
      out(this, json(e), () => `watchlist entry ${e.id} (${e.nikMasked}) removed`);
    }));
}
