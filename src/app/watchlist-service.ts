/**
 * The watchlist (issue 14 item 8). A head adds a NIK with a reason and an expiry; the centre may send its own list
 * (a signed command, NIKs sealed to this door). A NIK is stored only as its keyed hash (`nikHash`, the site secret)
 * with a masked form for display, so the table names nobody without the secret. A match warns, it never denies: at a
 * request (in VisitService.request: its NIK) and at a KTP tap at the desk (`ktpTapped`: the KTP's keyed hash → the
 * visits that KTP was recorded for → their NIKs' hashes) an `alarm.watchlist_match` event is written (entry number,
 * visit, where; no NIK), which the console's alarm banner and the centre's alert queue show. Works offline.
 */
import { checkNik, maskNik } from '../domain/nik.js';
import { NotFound, Refused, UserError } from '../domain/errors.js';
import { event, type DomainEvent } from '../domain/events.js';
import type { StorePort, WatchlistRow } from '../ports/store.js';
import type { CentralWatchlistEntry, WatchlistCommands, WatchlistEntry } from '../ports/watchlist.js';
import { cardUid, checkText } from './input-checks.js';
import { keyedHash, nikHash } from './secret.js';
import { DAY_MS } from '../domain/time.js';

/** Most earlier visits of one KTP looked at for a tap (newest first). */
export const KTP_VISITS_CHECKED = 50;
/** Longest a watchlist entry may hold (10 years). */
export const MAX_WATCHLIST_MS = 3650 * DAY_MS;

/** Settings of the watchlist service. */
export interface WatchlistServiceOptions {
  /** Site secret (keyed hashes of NIKs and KTP UIDs). */
  secret: Buffer;
  /** Clock (ms). */
  now?: () => number;
}

/** A match: the entry and the visit it concerns (if any). */
export interface WatchlistMatch {
  /** The entry matched (masked NIK, reason, expiry). */
  entry: WatchlistEntry;
  /** The visit concerned (the request's, or the KTP's newest), or null. */
  visit: string | null;
}

const shown = (r: WatchlistRow): WatchlistEntry => ({ id: r.id, nikMasked: r.nikMasked, reason: r.reason, until: r.until, addedBy: r.addedBy, source: r.source, addedAt: r.addedAt });

/** Watchlist entries and matches over a door's store. */
export class WatchlistService implements WatchlistCommands {
  private readonly now: () => number;

  /** Over a store, with the site secret. */
  constructor(private readonly store: StorePort, private readonly opts: WatchlistServiceOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Entries in force (or all), newest first; never a NIK. */
  list(opts: { all?: boolean } = {}): WatchlistEntry[] {
    return this.store.watchlist.list(opts.all ? null : this.now()).map(shown);
  }

  /** A head adds a NIK until `until` (ms), with the reason. */
  add(req: { nik: string; reason: string; until: number; by: string }): WatchlistEntry {
    const nik = checkNik(req.nik);
    if (!nik.ok) throw new UserError(nik.error, { field: 'nik', code: nik.code, ...(nik.params ? { params: nik.params } : {}) });
    this.checkEntry(req.reason, req.until);
    return this.store.tx(() => {
      const by = this.head(req.by);
      const now = this.now();
      const row = this.store.watchlist.insert({ nikHash: nikHash(this.opts.secret, nik.nik), nikMasked: maskNik(nik.nik), reason: req.reason.trim(), until: req.until, addedBy: by, source: 'local', addedAt: now });
      this.store.events.append([event('watchlist.added', { entry: row.id, source: 'local', by, until: new Date(row.until).toISOString() })], now);
      return shown(row);
    });
  }

  /** A head removes an entry (a local or a central one). */
  remove(id: number, by: string): WatchlistEntry {
    return this.store.tx(() => {
      const head = this.head(by);
      const row = this.store.watchlist.entry(id);
      if (!row) throw new UserError(`no watchlist entry ${id}`);
      this.store.watchlist.remove(id);
      this.store.events.append([event('watchlist.removed', { entry: id, officer: head })], this.now());
      return shown(row);
    });
  }

  /**
   * The centre's list (opened from its sealed command, inside the command's transaction): `replace` drops every
   * central entry first; local entries always stay. An entry already expired is skipped. Returns how many were added.
   */
  applyCentral(entries: readonly CentralWatchlistEntry[], mode: 'add' | 'replace', by: string): number {
    const checked = entries.map((e, i) => {
      const nik = checkNik(e.nik);
      if (!nik.ok) throw new UserError(`entry ${i + 1}: ${nik.error}`, { field: 'nik' });
      checkText(e.reason, 'reason', `entry ${i + 1}: reason`, 'reason');
      if (!Number.isFinite(e.until)) throw new UserError(`entry ${i + 1}: until is not a time`, { field: 'until' });
      return { nik: nik.nik, reason: e.reason.trim(), until: Math.min(e.until, this.now() + MAX_WATCHLIST_MS) };
    });
    return this.store.tx(() => {
      const now = this.now();
      if (mode === 'replace') this.store.watchlist.removeSource('central');
      const events: DomainEvent[] = [];
      for (const e of checked.filter((x) => x.until > now)) {
        const row = this.store.watchlist.insert({ nikHash: nikHash(this.opts.secret, e.nik), nikMasked: maskNik(e.nik), reason: e.reason, until: e.until, addedBy: by, source: 'central', addedAt: now });
        events.push(event('watchlist.added', { entry: row.id, source: 'central', by, until: new Date(row.until).toISOString() }));
      }
      if (events.length) this.store.events.append(events, now);
      return events.length;
    });
  }

  /**
   * A KTP tapped at the desk: its keyed hash names the visits it was recorded for; if any of their visitors' NIKs is on
   * the watchlist, an `alarm.watchlist_match` (where: ktp) is written for the KTP's newest visit. Returns the match.
   */
  ktpTapped(ktpUid: string, by: string | null): WatchlistMatch | null {
    const hash = keyedHash(this.opts.secret, cardUid(ktpUid, 'ktpUid', 'KTP chip UID'));
    return this.store.tx(() => {
      const now = this.now();
      const ids = this.store.watchlist.visitIdsByKtpHash(hash, KTP_VISITS_CHECKED);
      for (const id of ids) {
        const v = this.store.visit(id);
        if (!v) continue;
        const row = this.store.watchlist.match(nikHash(this.opts.secret, v.visitor.nik), now);
        if (!row) continue;
        const visit = ids[0]!;
        this.store.events.append([event('alarm.watchlist_match', { visit, entry: row.id, where: 'ktp', ...(by ? { officer: by } : {}) })], now);
        return { entry: shown(row), visit };
      }
      return null;
    });
  }

  /** The entry in force for a NIK now, or null (no event: for a form's check). */
  matchNik(nik: string): WatchlistEntry | null {
    const row = this.store.watchlist.match(nikHash(this.opts.secret, nik), this.now());
    return row ? shown(row) : null;
  }

  private checkEntry(reason: string, until: number): void {
    required(reason);
    checkText(reason, 'reason', 'reason', 'reason');
    const now = this.now();
    if (!Number.isFinite(until) || until <= now) throw new UserError('until must be in the future', { field: 'until' });
    if (until - now > MAX_WATCHLIST_MS) throw new UserError('until must be within 10 years', { field: 'until' });
  }

  private head(id: string): string {
    const o = this.store.officer(id.trim().toUpperCase());
    if (!o) throw new NotFound('officer', `no officer with id "${id}"`, { field: 'by' });
    if (o.role !== 'head' || !o.active) throw new Refused(`officer ${o.id} is ${o.active ? o.role : 'deactivated'}; only an active head may change the watchlist`, { field: 'by' });
    return o.id;
  }
}

function required(reason: string): void {
  if (!reason.trim()) throw new UserError('reason must not be empty', { field: 'reason' });
}
