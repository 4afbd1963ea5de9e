/**
 * Erasing one visit's personal data (UU PDP 27/2022, issue 14 items 3 and 4): what an erased visit looks like, when a
 * visit counts as closed, and the erasure itself with what it destroyed per category. The retention purge
 * (purge.ts, purge-batches.ts) and a subject's erasure (subject.ts) both use it.
 */
import type { EventLogPort, IncidentRepository, RetentionRepository, Transactions, VisitRepository, WatchlistRepository } from '../../ports/store.js';
import type { Visit } from '../../domain/types.js';
import type { EventData } from '../../domain/events.js';

/** What an erased text reads as. */
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

/** Records destroyed per category of personal data. */
export type PurgeCategories = NonNullable<EventData<'privacy.purged'>['categories']>;

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

/** Who runs a purge, for its destruction record. */
export interface PurgeRun {
  /** The daemon's maintenance job or `pintu purge`. */
  ranBy: 'daemon' | 'cli';
  /** The officer who ran `pintu purge --by`. */
  officer?: string;
  /** The expiry policy in force (`privacy.expireUndecidedDays`), recorded with the retention. */
  expireUndecidedDays?: number;
}
