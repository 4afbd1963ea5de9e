/**
 * Personal-data retention (UU PDP 27/2022, issue 14 item 3). Every case closes: a request that never reaches the door
 * expires (`expireRequests`), and once a visit has been closed — checked out, archived, denied, cancelled, expired, or
 * revoked with nothing held at the desk — for longer than `privacy.retentionDays`, its visitor's name, NIK, phone, KTP
 * and NIK hashes and every free text that may name people (purpose, deny/revoke reasons, checklist notes, the
 * disposition's signatory, the visit's incident-book notes) are erased. The visit record, its times, state,
 * institution, devices and every event stay, so counts and SOP reports keep working. Each run that erases anything
 * appends its destruction records (berita acara pemusnahan), one `privacy.purged` event per batch of the run (the run's
 * id and the batch's number in each), which reach the centre.
 */
import type { VisitState } from '../../domain/types.js';
import type { DomainEvent } from '../../domain/events.js';
import { DAY_MS } from '../../domain/time.js';
import { expireRequest } from '../../domain/visit.js';
import { closedAt, isPurged, noCategories, PURGED_FIELDS, type PurgeCandidate, type PurgeCategories, type PurgeRun, type PurgeStore } from './erase.js';
import { PurgeBatches, type PurgeBatchLimits } from './purge-batches.js';

export {
  PURGED, PURGED_FIELDS, closedAt, isPurged, erasedVisit, eraseVisit, noCategories,
  type PurgeCandidate, type PurgeCategories, type PurgeRun, type PurgeStore,
} from './erase.js';
export { PURGE_BATCH, PurgeBatches, purgeInBatches, countDueInPages, type BatchedPurgeResult, type PurgeBatchLimits } from './purge-batches.js';

/** Default days after which a request nobody decided expires (`privacy.expireUndecidedDays`; a test checks the config). */
export const DEFAULT_EXPIRE_UNDECIDED_DAYS = 14;

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
  /** Batches committed, each with its destruction record (0 for a dry run). */
  batches: number;
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

/**
 * Purge (or with dryRun, list) the personal fields and free text of visits closed more than `retentionDays` before `now`.
 * A real purge runs in bounded batches back to back (purge-batches.ts), each a transaction with its own destruction
 * record: `pintu purge` serves no taps, but a batch releases the write lock the daemon's taps also need, and an
 * interrupted run leaves every erased visit with its record. The daemon runs `purgeInBatches` instead, pausing between.
 */
export function purgePersonalData(store: PurgeStore, o: { retentionDays: number; now: number; dryRun: boolean; run?: PurgeRun; limits?: Partial<PurgeBatchLimits> }): PurgeResult {
  const cutoff = o.now - o.retentionDays * DAY_MS;
  const result: PurgeResult = {
    cutoff: new Date(cutoff).toISOString(), retentionDays: o.retentionDays, dryRun: o.dryRun, count: 0,
    fields: PURGED_FIELDS, visits: [], categories: noCategories(), states: {}, batches: 0,
  };
  if (!o.dryRun) {
    const run = new PurgeBatches(store, { ...o, onVisit: (v) => result.visits.push(v) });
    while (!run.done) run.step();
    if (run.result.batches > 0) store.checkpoint(); // the overwritten pages leave the WAL now, not at the next checkpoint
    return { ...result, count: run.result.count, categories: run.result.categories, states: run.result.states, batches: run.result.batches };
  }
  // Watchlist entries expired longer ago than the retention are kept no more (masked NIK, keyed hash, reason).
  const watchlistDue = store.watchlist?.expiredBefore(cutoff, false) ?? 0;
  if (watchlistDue > 0) result.categories.watchlistEntries = watchlistDue;
  // Memory stays bounded however many visits there are (issue 10): the store picks the due visits' ids (closure and the
  // purged_at column in SQL, never a personal field: those may be encrypted), then each visit is read and checked by the
  // JS rule one at a time.
  for (const id of store.visitIdsClosedBefore(cutoff)) {
    const v = store.visit(id);
    if (v === null || isPurged(v)) continue;
    const c = closedAt(v);
    if (c === null || c >= cutoff) continue;
    result.visits.push({ visit: v.id, state: v.state, closedAt: new Date(c).toISOString() });
    result.states[v.state] = (result.states[v.state] ?? 0) + 1;
  }
  result.count = result.visits.length;
  return result;
}

/** The visit states a purge closes (for the report's wording). */
export const CLOSED_STATES: readonly VisitState[] = ['checked_out', 'archived', 'denied', 'cancelled', 'expired', 'revoked'];
