/**
 * Personal-data retention (UU PDP 27/2022, issue 14 item 3). Every case closes: a request that never reaches the door
 * expires (`expireRequests`), and once a visit has been closed — checked out, archived, denied, cancelled, expired, or
 * revoked with nothing held at the desk — for longer than `privacy.retentionDays`, its visitor's name, NIK, phone, KTP
 * and NIK hashes and every free text that may name people (purpose, deny/revoke reasons, checklist notes, the
 * disposition's signatory, the visit's incident-book notes) are erased. The visit record, its times, state,
 * institution, devices and every event stay, so counts and SOP reports keep working. Each run that erases anything
 * appends its destruction record (berita acara pemusnahan) as the `privacy.purged` event, which reaches the centre.
 */
import type { EventLogPort, IncidentRepository, RetentionRepository, Transactions, VisitRepository, WatchlistRepository } from '../../ports/store.js';
import type { Visit, VisitState } from '../../domain/types.js';
import { event, type DomainEvent, type EventData } from '../../domain/events.js';
import { DAY_MS } from '../../domain/time.js';
import { expireRequest } from '../../domain/visit.js';

/** What an erased text reads as. */
export const PURGED = '[purged]';

/** Default days after which a request nobody decided expires (`privacy.expireUndecidedDays`; a test checks the config). */
export const DEFAULT_EXPIRE_UNDECIDED_DAYS = 14;

/** One visit whose personal fields are (or would be) purged. No personal data in it. */
export interface PurgeCandidate {
  /** Visit id. */
  visit: string;
  /** State of the visit. */
  state: string;
  /** When it was closed (ISO). */
  closedAt: string;
}

/** Records destroyed per category of personal data. */
export type PurgeCategories = NonNullable<EventData<'privacy.purged'>['categories']>;

/** Result of a purge (or dry run). */
export interface PurgeResult {
  /** Visits closed before this time are purged (ISO). */
  cutoff: string;
  /** The retention period applied. */
  retentionDays: number;
  /** Nothing was changed. */
  dryRun: boolean;
  /** Number of visits purged (or that would be). */
  count: number;
  /** Which fields are replaced. */
  fields: string[];
  /** The visits concerned. */
  visits: PurgeCandidate[];
  /** Records per category (what the destruction record says). */
  categories: PurgeCategories;
  /** Visits per state. */
  states: Record<string, number>;
}

/** The fields a purge (and a subject's erasure) replaces. */
export const PURGED_FIELDS = [
  'visitor.name', 'visitor.nik', 'visitor.phone', 'ktpHash', 'nikHash', 'purpose', 'denyReason', 'revokeReason', 'checklist.note', 'disposition.orderedBy', 'incident.note',
];

/** When a visit was closed, or null while it is open (a pending request, a badge out, a KTP held at the desk). */
export function closedAt(v: Visit): number | null {
  if (v.ktpHeld) return null;
  switch (v.state) {
    case 'checked_out': case 'archived': return v.at.archived ?? v.at.checkedOut ?? null;
    case 'denied': return v.at.decided ?? null;
    case 'cancelled': return v.at.cancelled ?? null;
    case 'expired': return v.at.expired ?? null;
    // Revoked with the badge still out is open: the visitor must be checked out first.
    case 'revoked': return v.badgeUid === null ? v.at.revoked ?? null : null;
    default: return null;
  }
}

/** A visit is already purged. */
export function isPurged(v: Visit): boolean {
  return v.purged !== undefined || v.visitor.name === PURGED;
}

/** What the purge uses of the store. */
export type PurgeStore = { readonly events: EventLogPort; readonly watchlist?: Pick<WatchlistRepository, 'expiredBefore'> } & RetentionRepository & VisitRepository & IncidentRepository & Pick<Transactions, 'tx'>;

/** The visit with its personal fields and free text erased (retention or a subject's request). */
export function erasedVisit(v: Visit, at: number, why: 'retention' | 'subject'): Visit {
  const out: Visit = {
    ...v, visitor: { ...v.visitor, name: PURGED, nik: '', phone: null }, ktpHash: null, nikHash: null, purpose: PURGED,
    denyReason: v.denyReason === null ? null : PURGED, revokeReason: v.revokeReason === null ? null : PURGED,
    disposition: v.disposition ? { ...v.disposition, orderedBy: PURGED } : null, purged: { at, why },
  };
  if (v.checklist) out.checklist = v.checklist.map((i) => ({ ...i, note: i.note === null ? null : PURGED }));
  return out;
}

/** Erase one visit (and its incident-book notes) in the store; returns what it destroyed, per category. */
export function eraseVisit(store: PurgeStore, v: Visit, at: number, why: 'retention' | 'subject', into: PurgeCategories): void {
  store.saveVisit(erasedVisit(v, at, why));
  into.identity += 1;
  if (v.ktpHash) into.ktpHash += 1;
  if (v.nikHash) into.nikHash += 1;
  if (v.purpose || v.denyReason || v.revokeReason || v.disposition || v.checklist?.some((i) => i.note)) into.freeText += 1;
  into.incidentNotes += store.eraseIncidentNotes(v.id, PURGED);
}

/** No records yet. */
export function noCategories(): PurgeCategories {
  return { identity: 0, ktpHash: 0, nikHash: 0, freeText: 0, incidentNotes: 0 };
}

/**
 * Expire the requests that never reached the door: approvals ended with no badge issued, requests nobody decided within
 * `undecidedDays`. One transaction; returns the events appended (none: nothing was due).
 */
export function expireRequests(store: PurgeStore, o: { now: number; undecidedDays: number }): DomainEvent[] {
  return store.tx(() => {
    const events: DomainEvent[] = [];
    for (const id of store.pendingVisitIds()) {
      const v = store.visit(id);
      if (!v) continue;
      const r = expireRequest(v, o.now, o.undecidedDays);
      if (!r) continue;
      store.saveVisit(r.visit);
      events.push(r.event);
    }
    if (events.length) store.events.append(events, o.now);
    return events;
  });
}

/** Who runs a purge, for its destruction record. */
export interface PurgeRun {
  /** The daemon's maintenance job or `pintu purge`. */
  ranBy: 'daemon' | 'cli';
  /** The officer who ran `pintu purge --by`. */
  officer?: string;
  /** The expiry policy in force (`privacy.expireUndecidedDays`), recorded with the retention. */
  expireUndecidedDays?: number;
}

/** Purge (or with dryRun, list) the personal fields and free text of visits closed more than `retentionDays` before `now`. */
export function purgePersonalData(store: PurgeStore, o: { retentionDays: number; now: number; dryRun: boolean; run?: PurgeRun }): PurgeResult {
  const cutoff = o.now - o.retentionDays * DAY_MS;
  // Memory stays bounded however many visits there are (issue 10): the store picks the due visits' ids (closure and the
  // purged_at column in SQL, never a personal field: those may be encrypted), then each visit is read, checked by the
  // JS rule and rewritten one at a time.
  const ids = store.visitIdsClosedBefore(cutoff);
  const result: PurgeResult = {
    cutoff: new Date(cutoff).toISOString(), retentionDays: o.retentionDays, dryRun: o.dryRun, count: 0,
    fields: PURGED_FIELDS, visits: [], categories: noCategories(), states: {},
  };
  let oldest = Infinity;
  let newest = -Infinity;
  const each = (purge: boolean): void => {
    for (const id of ids) {
      const v = store.visit(id);
      if (v === null) continue;
      // Purged before the purged_at column existed (or by an older door): mark it, do not count it again.
      if (isPurged(v)) { if (purge && !v.purged) store.saveVisit({ ...v, purged: { at: o.now, why: 'retention' } }); continue; }
      const c = closedAt(v);
      if (c === null || c >= cutoff) continue;
      result.visits.push({ visit: v.id, state: v.state, closedAt: new Date(c).toISOString() });
      result.states[v.state] = (result.states[v.state] ?? 0) + 1;
      oldest = Math.min(oldest, c);
      newest = Math.max(newest, c);
      if (purge) eraseVisit(store, v, o.now, 'retention', result.categories);
    }
    result.count = result.visits.length;
  };
  // Watchlist entries expired longer ago than the retention are kept no more (masked NIK, keyed hash, reason).
  const watchlistDue = store.watchlist?.expiredBefore(cutoff, false) ?? 0;
  if (watchlistDue > 0) result.categories.watchlistEntries = watchlistDue;
  if (o.dryRun || (ids.length === 0 && watchlistDue === 0)) { each(false); return result; }
  // secure_delete overwrites the freed bytes, so the old values do not linger in free pages of the file.
  store.secureDelete();
  store.tx(() => {
    each(true);
    const removed = store.watchlist?.expiredBefore(cutoff, true) ?? 0;
    if (removed > 0) result.categories.watchlistEntries = removed; else delete result.categories.watchlistEntries;
    if (result.count > 0 || removed > 0) store.events.append([destructionRecord(result, o.run, oldest, newest)], o.now);
  });
  if (result.count === 0 && !result.categories.watchlistEntries) return result;
  // Move the overwritten pages out of the WAL into the main file now rather than at the next checkpoint.
  store.checkpoint();
  return result;
}

/** The destruction record (berita acara pemusnahan) of a purge run, as the `privacy.purged` event. */
function destructionRecord(r: PurgeResult, run: PurgeRun | undefined, oldest: number, newest: number): DomainEvent<'privacy.purged'> {
  return event('privacy.purged', {
    count: r.count, retentionDays: r.retentionDays, cutoff: r.cutoff, ranBy: run?.ranBy ?? 'daemon',
    ...(run?.officer ? { officer: run.officer } : {}), ...(run?.expireUndecidedDays !== undefined ? { expireUndecidedDays: run.expireUndecidedDays } : {}),
    states: r.states, categories: r.categories,
    // A run that removed only expired watchlist entries closed no visit: no period.
    ...(r.count > 0 ? { oldestClosed: new Date(oldest).toISOString(), newestClosed: new Date(newest).toISOString() } : {}),
  });
}

/** The visit states a purge closes (for the report's wording). */
export const CLOSED_STATES: readonly VisitState[] = ['checked_out', 'archived', 'denied', 'cancelled', 'expired', 'revoked'];
