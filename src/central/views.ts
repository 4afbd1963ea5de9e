/**
 * Visits and the monthly report computed from a list of stored events: every event read. The centre's pages and
 * commands read the summaries instead (`visit-index.ts`, `report.ts`, kept by the ingest); these are the reference the
 * summaries are tested against (test/integration/central-summaries.test.ts). `monthBounds` turns a local month into
 * UTC bounds.
 */
import { isEvent, isEventType } from '../domain/events.js';
import { VISIT_STATE_OF } from './projections.js';
import type { CentralEvent } from './store.js';

/** A visit as reconstructed at the centre (no personal data: the door never sends names or NIK). */
export interface CentralVisit {
  /** Site id. */
  site: string;
  /** Door id. */
  door: string;
  /** Visit id. */
  visit: string;
  /** Latest state (from the last visit.* event). */
  state: string;
  /** Institution, from visit.requested. */
  org: string | null;
  /** Purpose, from visit.requested. */
  purpose: string | null;
  /** When requested (ISO). */
  requestedAt: string | null;
  /** When last changed (ISO). */
  updatedAt: string;
}

/** The visit state each visit event leaves behind (`visit.reported` does not undo an archive): the summaries' table. */
const STATE_OF = VISIT_STATE_OF;

/** Visits from events (any order of sites/doors; each door's events in seq order). */
export function visitsFrom(events: readonly CentralEvent[]): CentralVisit[] {
  const byKey = new Map<string, CentralVisit>();
  for (const e of events) {
    const id = typeof e.data.visit === 'string' ? e.data.visit : null;
    const state = isEventType(e.type) ? STATE_OF[e.type] : undefined;
    if (!id || !state) continue;
    const key = `${e.site}/${e.door}/${id}`;
    const v = byKey.get(key) ?? { site: e.site, door: e.door, visit: id, state, org: null, purpose: null, requestedAt: null, updatedAt: e.at };
    if (isEvent(e, 'visit.requested')) {
      // A door of another version may have sent less: absent fields read as null.
      v.org = e.data.org ?? null;
      v.purpose = e.data.purpose ?? null;
      v.requestedAt = e.at;
    }
    if (e.type !== 'visit.reported' || v.state !== 'archived') v.state = state;
    v.updatedAt = e.at;
    byKey.set(key, v);
  }
  return [...byKey.values()].sort((a, b) => (a.updatedAt < b.updatedAt ? 1 : -1));
}

/** Step time statistics of one SOP step. */
export interface StepStats {
  /** Measured transitions. */
  count: number;
  /** Average seconds. */
  avgSeconds: number;
  /** Longest seconds. */
  maxSeconds: number;
  /** The standard in seconds. */
  standardSeconds: number;
  /** Transitions over the standard. */
  overStandard: number;
}

/** The report of one door for a month. */
export interface DoorReport {
  /** Site id. */
  site: string;
  /** Door id. */
  door: string;
  /** Distinct visits with at least one granted entry. */
  visitors: number;
  /** Visit requests recorded. */
  requests: number;
  /** Visits denied by the head. */
  visitsDenied: number;
  /** Refused taps, by reason. */
  deniedAttempts: Record<string, number>;
  /** door.forced alarms. */
  forced: number;
  /** door.held alarms. */
  held: number;
  /** Step times per SOP step. */
  steps: Record<string, StepStats>;
}

/** Add one measured duration to a step's statistics. */
function addStep(steps: Record<string, StepStats>, step: string, seconds: number, standardSeconds: number, over: boolean): void {
  const s = steps[step] ?? { count: 0, avgSeconds: 0, maxSeconds: 0, standardSeconds, overStandard: 0 };
  s.avgSeconds = (s.avgSeconds * s.count + seconds) / (s.count + 1);
  s.count += 1;
  s.maxSeconds = Math.max(s.maxSeconds, seconds);
  if (over) s.overStandard += 1;
  steps[step] = s;
}

/** Build the per-door report from a month's events. */
export function monthlyReport(events: readonly CentralEvent[]): DoorReport[] {
  const doors = new Map<string, DoorReport & { seen: Set<string> }>();
  for (const e of events) {
    const key = `${e.site}/${e.door}`;
    let r = doors.get(key);
    if (!r) {
      r = { site: e.site, door: e.door, visitors: 0, requests: 0, visitsDenied: 0, deniedAttempts: {}, forced: 0, held: 0, steps: {}, seen: new Set() };
      doors.set(key, r);
    }
    const d = e.data;
    if (isEvent(e, 'access.granted')) { if (e.data.holder === 'visitor' && e.data.direction === 'in' && typeof e.data.visit === 'string') r.seen.add(e.data.visit); }
    else if (isEvent(e, 'access.denied')) { const reason = String(e.data.reason ?? 'unknown'); r.deniedAttempts[reason] = (r.deniedAttempts[reason] ?? 0) + 1; }
    else if (e.type === 'visit.requested') r.requests += 1;
    else if (e.type === 'visit.denied') r.visitsDenied += 1;
    else if (e.type === 'door.forced') r.forced += 1;
    else if (e.type === 'door.held') r.held += 1;
    if (typeof d.sopStep === 'string' && typeof d.durationSeconds === 'number' && typeof d.standardSeconds === 'number') {
      addStep(r.steps, d.sopStep, d.durationSeconds, d.standardSeconds, d.overStandard === true);
    }
    // The time spent inside (SOP step 4, its own standard) rides on visit.checked_out next to the checkout step.
    if (typeof d.insideSeconds === 'number' && typeof d.insideStandardSeconds === 'number') {
      addStep(r.steps, 'inside', d.insideSeconds, d.insideStandardSeconds, d.insideOverStandard === true);
    }
  }
  return [...doors.values()].map(({ seen, ...r }) => ({ ...r, visitors: seen.size, steps: Object.fromEntries(Object.entries(r.steps).map(([k, s]) => [k, { ...s, avgSeconds: Math.round(s.avgSeconds) }])) }));
}

/** UTC ISO bounds of a local month (YYYY-MM) in a time zone, for filtering stored events. */
export function monthBounds(month: string, offsetMs: (at: number) => number): { from: string; to: string } {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) throw new Error(`--month "${month}" must be YYYY-MM`);
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const startUtc = Date.UTC(y, mo - 1, 1);
  const endUtc = Date.UTC(mo === 12 ? y + 1 : y, mo === 12 ? 0 : mo, 1);
  return { from: new Date(startUtc - offsetMs(startUtc)).toISOString(), to: new Date(endUtc - offsetMs(endUtc)).toISOString() };
}
