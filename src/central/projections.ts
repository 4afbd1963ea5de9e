/**
 * Ingest projections: what the centre's summary tables gain from a door's accepted events, as a pure function. The
 * ingest transaction (and the backfill, `summaries.ts`) turns each door's new events into rows to upsert:
 *   - `daily_counts` (site, door, day, metric, key) += n: every event by type, entries by holder, visitors (one row per
 *     visit entering that day), refused taps by reason, requests by kind, checklist items by status, health runs by status;
 *   - `step_daily` (site, door, day, step): count, sum, max and over-standard count of each measured SOP step;
 *   - `visit_index` (site, door, visit): the visit's latest state, who and why (institution, purpose), when requested,
 *     first entered and last changed.
 * The day of an event is its local date in the summaries' time zone. Rows are aggregated per message group (one row per
 * key, so a multi-row upsert never touches a row twice) and sorted, so the same events always give the same rows.
 */
import { isEventType, type EventType } from '../domain/events.js';
import { HOUR_MS, zoneOffsetMs } from '../domain/time.js';

/** The part of an event the projections read. */
export interface ProjectedEvent {
  /** Dotted type. */
  type: string;
  /** ISO-8601 time the door wrote. */
  at: string;
  /** Event fields. */
  data: Readonly<Record<string, unknown>>;
}

/** One door's events to project, in seq order. */
export interface DoorEvents {
  /** Site id. */
  site: string;
  /** Door id. */
  door: string;
  /** Its new events, in seq order. */
  events: readonly ProjectedEvent[];
}

/** A counter of one door, day, metric and key (`daily_counts`). */
export interface CountRow {
  /** Site id. */
  site: string;
  /** Door id. */
  door: string;
  /** Local date, YYYY-MM-DD. */
  day: string;
  /** What is counted (`METRICS`). */
  metric: Metric;
  /** Which one (event type, reason, holder, visit id, status…). */
  key: string;
  /** How many to add. */
  n: number;
}

/** Step times of one door, day and SOP step (`step_daily`). */
export interface StepRow {
  /** Site id. */
  site: string;
  /** Door id. */
  door: string;
  /** Local date, YYYY-MM-DD. */
  day: string;
  /** SOP step name (request, check, decide, issue, inside, checkout, report, archive…). */
  step: string;
  /** Measured transitions to add. */
  n: number;
  /** Their seconds, summed. */
  sumSeconds: number;
  /** The longest. */
  maxSeconds: number;
  /** How many were over the standard. */
  overN: number;
  /** The standard in seconds (the last one seen). */
  standardSeconds: number;
}

/** A change to one visit's row (`visit_index`). */
export interface VisitRow {
  /** Site id. */
  site: string;
  /** Door id. */
  door: string;
  /** Visit id. */
  visit: string;
  /** Its state after these events; null: no state event here (only an entry: update `enteredAt` of an existing row). */
  state: string | null;
  /**
   * The state events here were all `visit.reported`: an archived visit stays archived (the door's own rule), so the
   * upsert keeps a stored 'archived' instead of taking `state`.
   */
  keepArchived: boolean;
  /** Ordinary visit or maintenance (SOP 002), from visit.requested. */
  kind: string | null;
  /** Institution, from visit.requested. */
  org: string | null;
  /** Purpose, from visit.requested. */
  purpose: string | null;
  /** When requested (ISO): non-null only when visit.requested is among these events (then kind, org and purpose are set from it). */
  requestedAt: string | null;
  /** The first granted entry among these events (ISO); the stored one wins when there is one. */
  enteredAt: string | null;
  /** When its state last changed (ISO), or null (entry only). */
  updatedAt: string | null;
}

/** Everything the summaries gain from some events. */
export interface SummaryRows {
  /** Counter increments. */
  counts: CountRow[];
  /** Step time increments. */
  steps: StepRow[];
  /** Visit changes. */
  visits: VisitRow[];
}

/** The metrics of `daily_counts` and their keys. */
export const METRICS = {
  /** Every event, keyed by its type (requests, denied visits, alarms by kind, device mismatches, incidents… are types). */
  type: 'event type',
  /** Granted entries (direction in), keyed by holder (officer, visitor). */
  entries: 'holder',
  /** Visits with a granted entry that day, keyed by visit id (n: their entries). */
  visitor: 'visit id',
  /** Refused taps, keyed by reason. */
  denied: 'deny reason',
  /** Visit requests, keyed by kind (visit, maintenance). */
  requests: 'visit kind',
  /** Maintenance checklist items (SOP 002, visit.checklist_recorded), keyed by status (ok, degraded, failed). */
  checklist: 'item status',
  /** The door's health checklist runs (health.report), keyed by their worst status (ok, warn, fail). */
  health: 'run status',
} as const;

/** A metric of `daily_counts`. */
export type Metric = keyof typeof METRICS;

/** The visit state each visit event leaves behind (`visit.reported` leaves checked_out, and does not undo an archive). */
export const VISIT_STATE_OF: Partial<Record<EventType, string>> = {
  'visit.requested': 'requested', 'visit.checked': 'checked', 'visit.approved': 'approved', 'visit.denied': 'denied',
  'badge.issued': 'issued', 'visit.checked_out': 'checked_out', 'visit.reported': 'checked_out', 'visit.archived': 'archived', 'visit.revoked': 'revoked',
  'visit.cancelled': 'cancelled', 'visit.expired': 'expired',
};

/** Local dates of ISO times in one time zone; the offset is looked up once per UTC hour (the office zones change it on the hour, if ever). */
export class DayOf {
  private readonly offsets = new Map<string, number>();
  private readonly hourDays = new Map<string, string>();

  /** Days in `timeZone`. */
  constructor(readonly timeZone: string) {}

  /** The local date of an ISO time, YYYY-MM-DD (the text's own date when it is not a time). */
  day(at: string): string {
    // Fast path: a UTC time as the doors write it (…THH:mm:ss.sssZ) in a zone a whole number of hours from UTC has the
    // same local date for the whole UTC hour, so the date is looked up once per hour of text.
    const hourText = at.length >= 20 && at.charCodeAt(13) === 58 && at.endsWith('Z') ? at.slice(0, 13) : null;
    if (hourText !== null) {
      const known = this.hourDays.get(hourText);
      if (known !== undefined) return known;
    }
    const ms = Date.parse(at);
    if (Number.isNaN(ms)) return at.slice(0, 10).replaceAll('\0', '');
    const hour = Math.floor(ms / HOUR_MS);
    const k = String(hour);
    let off = this.offsets.get(k);
    if (off === undefined) {
      off = zoneOffsetMs(hour * HOUR_MS, this.timeZone);
      if (this.offsets.size > 10_000) this.offsets.clear();
      this.offsets.set(k, off);
    }
    const day = new Date(ms + off).toISOString().slice(0, 10);
    if (hourText !== null && off % HOUR_MS === 0) {
      if (this.hourDays.size > 10_000) this.hourDays.clear();
      this.hourDays.set(hourText, day);
    }
    return day;
  }
}

const str = (v: unknown): string | null => (typeof v === 'string' ? (v.length > 200 || v.includes('\0') ? v.slice(0, 200).replaceAll('\0', '') : v) : null);
/** A count or a number of seconds: a whole number from 0 to 10^12 (what a BIGINT column takes whatever a door sent), or null. */
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? Math.min(1e12, Math.max(0, Math.round(v))) : null);

/** Accumulates the rows of one message group. */
class Accumulator {
  readonly counts = new Map<string, CountRow>();
  readonly steps = new Map<string, StepRow>();
  readonly visits = new Map<string, VisitRow>();

  /** Add `n` to a counter; `prefix` is the event's `site\ndoor\nday\n` (built once per event). */
  count(prefix: string, site: string, door: string, day: string, metric: Metric, key: string, n = 1): void {
    if (n === 0) return;
    const k = `${prefix}${metric}\n${key}`;
    const r = this.counts.get(k);
    if (r) r.n += n;
    else this.counts.set(k, { site, door, day, metric, key, n });
  }

  step(site: string, door: string, day: string, step: string, seconds: number, standardSeconds: number, over: boolean): void {
    const k = `${site}\n${door}\n${day}\n${step}`;
    const r = this.steps.get(k);
    if (r) {
      r.n += 1; r.sumSeconds += seconds; r.maxSeconds = Math.max(r.maxSeconds, seconds); r.overN += over ? 1 : 0; r.standardSeconds = standardSeconds;
    } else {
      this.steps.set(k, { site, door, day, step, n: 1, sumSeconds: seconds, maxSeconds: seconds, overN: over ? 1 : 0, standardSeconds });
    }
  }

  visit(site: string, door: string, visit: string): VisitRow {
    const k = `${site}\n${door}\n${visit}`;
    let r = this.visits.get(k);
    if (!r) {
      r = { site, door, visit, state: null, keepArchived: false, kind: null, org: null, purpose: null, requestedAt: null, enteredAt: null, updatedAt: null };
      this.visits.set(k, r);
    }
    return r;
  }
}

/** Add one event of a door to the accumulator. */
function projectOne(acc: Accumulator, site: string, door: string, e: ProjectedEvent, days: DayOf): void {
  const day = days.day(e.at);
  const p = `${site}\n${door}\n${day}\n`;
  const d = e.data;
  acc.count(p, site, door, day, 'type', str(e.type) ?? '');
  switch (e.type) {
    case 'access.granted': {
      if (d.direction !== 'in') break;
      acc.count(p, site, door, day, 'entries', str(d.holder) ?? 'unknown');
      const visit = str(d.visit);
      if (d.holder === 'visitor' && visit) {
        acc.count(p, site, door, day, 'visitor', visit);
        const v = acc.visit(site, door, visit);
        v.enteredAt ??= e.at;
      }
      break;
    }
    case 'access.denied': acc.count(p, site, door, day, 'denied', str(d.reason) ?? 'unknown'); break;
    case 'visit.requested': acc.count(p, site, door, day, 'requests', str(d.kind) ?? 'visit'); break;
    case 'visit.checklist_recorded':
      for (const status of ['ok', 'degraded', 'failed'] as const) acc.count(p, site, door, day, 'checklist', status, num(d[status]) ?? 0);
      break;
    case 'health.report': acc.count(p, site, door, day, 'health', str(d.status) ?? 'unknown'); break;
    default: break;
  }
  const sopStep = str(d.sopStep);
  const duration = num(d.durationSeconds);
  const standard = num(d.standardSeconds);
  if (sopStep && duration !== null && standard !== null) acc.step(site, door, day, sopStep, duration, standard, d.overStandard === true);
  // The time spent inside (SOP step 4, its own standard) rides on visit.checked_out next to the checkout step.
  const inside = num(d.insideSeconds);
  const insideStandard = num(d.insideStandardSeconds);
  if (inside !== null && insideStandard !== null) acc.step(site, door, day, 'inside', inside, insideStandard, d.insideOverStandard === true);

  const state = isEventType(e.type) ? VISIT_STATE_OF[e.type] : undefined;
  const visit = str(d.visit);
  if (!state || !visit) return;
  const v = acc.visit(site, door, visit);
  if (e.type === 'visit.reported') {
    // Reporting leaves checked_out, but an archived visit stays archived: decided here when an earlier event of this
    // group set the state, else by the stored row (keepArchived).
    if (v.state === null) { v.state = state; v.keepArchived = true; } else if (v.state !== 'archived') v.state = state;
  } else {
    v.state = state;
    v.keepArchived = false;
  }
  if (e.type === 'visit.requested') {
    v.kind = str(d.kind) ?? 'visit';
    // A door of another version may have sent less: absent fields read as null.
    v.org = str(d.org);
    v.purpose = str(d.purpose);
    v.requestedAt = e.at;
  }
  v.updatedAt = e.at;
}

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The summary rows of some doors' new events (each door's in seq order), aggregated per key and sorted. */
export function projectEvents(doors: readonly DoorEvents[], timeZone: string | DayOf): SummaryRows {
  const days = typeof timeZone === 'string' ? new DayOf(timeZone) : timeZone;
  const acc = new Accumulator();
  for (const { site, door, events } of doors) for (const e of events) projectOne(acc, site, door, e, days);
  const sorted = <T>(m: Map<string, T>): T[] => [...m.entries()].sort((a, b) => byText(a[0], b[0])).map(([, r]) => r);
  return { counts: sorted(acc.counts), steps: sorted(acc.steps), visits: sorted(acc.visits) };
}
