/**
 * The watchlist (issue 14 item 8) as the adapters see it: the console's page and the central link's `watchlist` command
 * go through this port, implemented by the app's `WatchlistService` and handed to them by the composition root.
 * NIKs come in clear and are kept only as a keyed hash and a masked form; nothing here returns a NIK.
 */

/** Where an entry came from: a head at this door, or the centre's signed command. */
export type WatchlistSource = 'local' | 'central';

/** One watchlist entry as shown (never the NIK itself). */
export interface WatchlistEntry {
  /** Entry number. */
  id: number;
  /** The NIK masked (`320101******0001`). */
  nikMasked: string;
  /** Why the person is on the list. */
  reason: string;
  /** Until when the entry holds (ms). */
  until: number;
  /** Who added it (an officer id, or the centre's user). */
  addedBy: string;
  /** Where it came from. */
  source: WatchlistSource;
  /** When it was added (ms). */
  addedAt: number;
}

/** One entry of the centre's `watchlist` command, opened at the door. */
export interface CentralWatchlistEntry {
  /** The NIK (hashed and masked at once, never stored in clear). */
  nik: string;
  /** Why. */
  reason: string;
  /** Until when (ms). */
  until: number;
}

/** Watchlist commands from outside the app (console, the centre): each one transaction, refused with a UserError naming what was wrong. */
export interface WatchlistCommands {
  /** Entries in force now (expired ones left out unless `all`), newest first. */
  list(opts?: { all?: boolean }): WatchlistEntry[];
  /** A head adds a NIK; returns the entry. */
  add(req: { nik: string; reason: string; until: number; by: string }): WatchlistEntry;
  /** A head removes an entry (by number); returns it. */
  remove(id: number, by: string): WatchlistEntry;
  /** A KTP (by chip UID) tapped at the desk: when a visit it was recorded for names a listed NIK, writes `alarm.watchlist_match` (where: ktp) and returns the entry and visit. */
  ktpTapped(ktpUid: string, by: string | null): { entry: WatchlistEntry; visit: string | null } | null;
  /** The centre's list: `add` its entries, or `replace` every central entry with them (local entries stay); returns how many were applied. */
  applyCentral(entries: readonly CentralWatchlistEntry[], mode: 'add' | 'replace', by: string): number;
}
