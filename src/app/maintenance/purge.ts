/**
 * Personal-data retention (UU PDP 27/2022): the visitor's name, NIK, phone and KTP hash are replaced once a visit has
 * been closed (checked out, archived, denied or cancelled; never while its KTP is still held at the desk) for longer
 * than `privacy.retentionDays`. The visit record, its times,
 * state, organisation, purpose, devices and every event stay, so counts and SOP reports keep working.
 */
import type { EventLogPort, RetentionRepository, Transactions, VisitRepository } from '../../ports/store.js';
import type { Visit } from '../../domain/types.js';
import { event } from '../../domain/events.js';
import { DAY_MS } from '../../domain/time.js';

/** What a purged name reads as. */
export const PURGED = '[purged]';

/** One visit whose personal fields are (or would be) purged. No personal data in it. */
export interface PurgeCandidate {
  /** Visit id. */
  visit: string;
  /** State of the visit. */
  state: string;
  /** When it was closed (ISO). */
  closedAt: string;
}

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
}

/** When a visit was closed (checked out, archived, denied), or null while it is open. */
export function closedAt(v: Visit): number | null {
  if (v.state === 'checked_out' || v.state === 'archived') return v.at.archived ?? v.at.checkedOut ?? null;
  if (v.state === 'denied') return v.at.decided ?? null;
  return null;
}

/** A visit is already purged. */
export function isPurged(v: Visit): boolean {
  return v.visitor.name === PURGED;
}

/** What the purge uses of the store. */
export type PurgeStore = { readonly events: EventLogPort } & RetentionRepository & VisitRepository & Pick<Transactions, 'tx'>;

/** Purge (or with dryRun, list) the personal fields of visits closed more than `retentionDays` before `now`. */
export function purgePersonalData(store: PurgeStore, o: { retentionDays: number; now: number; dryRun: boolean }): PurgeResult {
  const cutoff = o.now - o.retentionDays * DAY_MS;
  // Memory stays bounded however many visits there are (issue 10): the store picks the due visits' ids (closedAt() and
  // isPurged() in SQL; the daemon runs this every 10 minutes, and loading every closed visit to keep none cost ~160 MB
  // at 100k visits), then each visit is read, checked by the JS rule and rewritten one at a time.
  const ids = store.visitIdsClosedBefore(cutoff, PURGED);
  const result: PurgeResult = {
    cutoff: new Date(cutoff).toISOString(), retentionDays: o.retentionDays, dryRun: o.dryRun, count: 0,
    fields: ['visitor.name', 'visitor.nik', 'visitor.phone', 'ktpHash'], visits: [],
  };
  const each = (purge: boolean): void => {
    for (const id of ids) {
      const v = store.visit(id);
      if (v === null) continue;
      const c = closedAt(v);
      if (c === null || c >= cutoff || isPurged(v)) continue;
      result.visits.push({ visit: v.id, state: v.state, closedAt: new Date(c).toISOString() });
      if (purge) store.saveVisit({ ...v, visitor: { ...v.visitor, name: PURGED, nik: '', phone: null }, ktpHash: null });
    }
    result.count = result.visits.length;
  };
  if (o.dryRun || ids.length === 0) { each(false); return result; }
  // secure_delete overwrites the freed bytes, so the old values do not linger in free pages of the file.
  store.secureDelete();
  store.tx(() => {
    each(true);
    if (result.count > 0) store.events.append([event('privacy.purged', { count: result.count, retentionDays: o.retentionDays, cutoff: result.cutoff })], o.now);
  });
  if (result.count === 0) return result;
  // Move the overwritten pages out of the WAL into the main file now rather than at the next checkpoint.
  store.checkpoint();
  return result;
}
