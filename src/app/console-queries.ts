/**
 * What the officers' console reads (`ConsoleQueries`) and its alarms (`AlarmDesk`), over the store port. Every read is
 * a range of an index (migration 5: visit search, visits by state and id, a visit's events, open alarms), so a page
 * stays fast with 100,000 visits and 1,000,000 events (bench/console-queries.ts).
 */
import type { AlarmDesk, ConsoleQueries, OpenAlarm, VisitQuery } from '../ports/console.js';
import type { DoorStatusRow, Incident, StoredEvent, StorePort, VisitSearch } from '../ports/store.js';
import { VISIT_STATES, type Officer, type Visit, type VisitState, type VisitorBadge } from '../domain/types.js';
import { NotFound, Refused, UserError } from '../domain/errors.js';
import { event, incidentRecorded, isAlertType } from '../domain/events.js';
import { DAY_MS, isCalendarDate, zoneOffsetMs } from '../domain/time.js';
import { normalizeUid } from '../domain/uid.js';
import type { CardProof, SecureBadge } from '../domain/badge-proof.js';
import { DeskCloneAlarms } from './desk-clone-alarm.js';
import { checkText } from './input-checks.js';

/** Largest page of the visit list. */
export const MAX_PAGE = 200;
/** Most events of one visit's timeline read at once. */
export const MAX_VISIT_EVENTS = 2000;
/** Event types that put a visit on the day's list besides its request: issued, in through the door, checked out. */
const DAY_EVENT_TYPES = ['badge.issued', 'access.granted', 'visit.checked_out'] as const;

/** The start (ms) of a local day `YYYY-MM-DD` in a time zone (the Indonesian zones have no daylight saving). */
export function startOfLocalDay(day: string, timeZone: string): number {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const utc = Date.UTC(y, m - 1, d);
  return utc - zoneOffsetMs(utc, timeZone);
}

/** A local day typed or picked in the console, or a UserError. */
function checkDay(day: string): string {
  if (!isCalendarDate(day)) throw new UserError(`day "${day}" must be a real date YYYY-MM-DD`, { field: 'day', subject: 'day', code: 'day.format', params: { day } });
  return day;
}

/** The console's reads over the store. */
export class ConsoleQueryService implements ConsoleQueries {
  /** Bind to a store and the site's time zone (`visits.timeZone`: a "day" is a local day). */
  constructor(private readonly store: StorePort, private readonly timeZone: string) {}

  /** A visit by id (any case, spaces trimmed), or null. */
  visit(id: string): Visit | null {
    return this.store.visit(id.trim().toUpperCase());
  }

  /** A page of visits, newest first: the name by the start of its words (any case, accents ignored), the institution a part (ASCII case-insensitive), the day a local day. */
  searchVisits(q: VisitQuery): Visit[] {
    const s: VisitSearch = { limit: Math.min(Math.max(Math.trunc(q.limit ?? 50), 1), MAX_PAGE) };
    const name = q.name?.trim();
    const org = q.org?.trim();
    checkText(name, 'name', 'name searched', 'name');
    checkText(org, 'org', 'institution searched', 'org');
    if (name) s.name = name;
    if (org) s.org = org;
    if (q.day) s.yyyymmdd = checkDay(q.day).replaceAll('-', '');
    if (q.state !== undefined) {
      if (!VISIT_STATES.includes(q.state)) throw new UserError(`state "${String(q.state)}" must be one of ${VISIT_STATES.join(', ')}`, { field: 'state', code: 'visit.state_unknown', params: { state: String(q.state) } });
      s.state = q.state;
    }
    if (q.before) s.before = q.before.trim().toUpperCase();
    return this.store.searchVisits(s);
  }

  /** Visits requested on a local day, or issued, in through the door or checked out that day; oldest id first. */
  visitsOfDay(day: string): Visit[] {
    const d = checkDay(day);
    const yyyymmdd = d.replaceAll('-', '');
    const from = startOfLocalDay(d, this.timeZone);
    const byId = new Map<string, Visit>();
    for (const v of this.store.searchVisits({ yyyymmdd, limit: 10_000 })) byId.set(v.id, v);
    const seen = this.store.visitIdsWithEvents(DAY_EVENT_TYPES, new Date(from).toISOString(), new Date(from + DAY_MS).toISOString());
    for (const id of seen) {
      if (byId.has(id)) continue;
      const v = this.store.visit(id);
      if (v) byId.set(id, v);
    }
    return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** Requests waiting for a check or a head's decision, oldest first. */
  pending(): Visit[] {
    const of = (state: VisitState): Visit[] => this.store.searchVisits({ state, limit: MAX_PAGE * 5 });
    return [...of('requested'), ...of('checked')].sort((a, b) => (a.at.requested ?? 0) - (b.at.requested ?? 0) || (a.id < b.id ? -1 : 1));
  }

  /** Visitors inside now with the officer who escorted their last entry, longest inside first. */
  visitsInside(): Array<{ visit: Visit; escort: string | null; since: number | null }> {
    return this.store.visitsInside()
      .map((visit) => ({ visit, escort: visit.escort ?? null, since: visit.at.lastEntry ?? null }))
      .sort((a, b) => (a.since ?? 0) - (b.since ?? 0));
  }

  /** Officers inside now. */
  officersInside(): Officer[] { return this.store.officersInside(); }
  /** All officers. */
  officers(): Officer[] { return this.store.officers(); }
  /** An officer by id, or null. */
  officer(id: string): Officer | null { return this.store.officer(id.trim().toUpperCase()); }

  /** An active officer by badge UID, or null (a deactivated officer's badge signs nobody in). */
  officerByBadge(uid: string): Officer | null {
    const u = normalizeUid(uid);
    const o = u !== null ? this.store.officerByBadge(u) : null;
    return o && o.active ? o : null;
  }

  /** The badge pool. */
  badges(): VisitorBadge[] { return this.store.badges(); }

  /** A badge by UID, or null. */
  badge(uid: string): VisitorBadge | null {
    const u = normalizeUid(uid);
    return u !== null ? this.store.badge(u) : null;
  }

  /** The card's enrolment as a secure badge, or null. */
  secureBadge(uid: string): SecureBadge | null {
    const u = normalizeUid(uid);
    return u !== null ? this.store.secureBadge(u) : null;
  }

  /** A visit's events, oldest first (its timeline). */
  eventsOfVisit(id: string): StoredEvent[] { return this.store.eventsOfVisit(id.trim().toUpperCase(), MAX_VISIT_EVENTS); }
  /** The newest events, newest first (at most 500). */
  recentEvents(limit: number): StoredEvent[] { return this.store.recentEvents(Math.min(Math.max(Math.trunc(limit), 1), 500)); }
  /** The incident book, newest first. */
  incidents(limit = 100): Incident[] { return this.store.incidents(limit); }
  /** The door's status row. */
  doorStatus(): DoorStatusRow { return this.store.doorStatus(); }
}

/** Alarms at the door: the open ones, and their acknowledgement by an officer (an event with the actor). */
export class AlarmService implements AlarmDesk {
  private readonly now: () => number;
  private readonly deskClones: DeskCloneAlarms;

  /**
   * Bind to a store and a clock (the clock guard's effective time in the daemon); `sendIncidentText`: a note's
   * incident-book entry carries its text to the centre (`central.sendIncidentText`; default: its number only).
   */
  constructor(private readonly store: StorePort, now?: () => number, private readonly sendIncidentText = false) {
    this.now = now ?? Date.now;
    this.deskClones = new DeskCloneAlarms(store, this.now);
  }

  /** A suspected copy refused at a secure desk reader: `alarm.desk_clone_suspected`, once per card per few seconds. */
  deskCloneSuspected(reader: string, uid: string, proof: CardProof | undefined): boolean {
    return this.deskClones.raise(reader, uid, proof);
  }

  /** Alarms not yet acknowledged, newest first. */
  open(limit = 50): OpenAlarm[] {
    return this.store.openAlarms(Math.min(Math.max(Math.trunc(limit), 1), 500)).map((e) => ({ event: e }));
  }

  /** Acknowledge an open alarm; a note goes in the incident book (it may name people), the event names its entry. */
  acknowledge(seq: number, by: string, note?: string): void {
    checkText(note, 'note', 'acknowledgement note', 'note');
    const text = note?.trim();
    this.store.tx(() => {
      const officer = this.store.officer(by.trim().toUpperCase());
      if (!officer) throw new NotFound('officer', `no officer with id "${by}"`, { field: 'by' });
      if (!officer.active) throw new Refused(`officer ${officer.id} is deactivated`, { field: 'by', code: 'officer.inactive', params: { officer: officer.id } });
      const alarm = Number.isSafeInteger(seq) ? this.store.eventAt(seq) : null;
      if (!alarm || !isAlertType(alarm.type)) throw new UserError(`no alarm with seq ${seq}`, { field: 'alarm', code: 'alarm.unknown', params: { seq } });
      if (!this.store.alarmOpen(seq)) throw new Refused(`alarm ${seq} (${alarm.type}) was already acknowledged`, { field: 'alarm', code: 'alarm.acknowledged', params: { seq, type: alarm.type } });
      const now = this.now();
      const visit = typeof alarm.data.visit === 'string' && this.store.visit(alarm.data.visit) ? alarm.data.visit : null;
      const incident = text ? this.store.addIncident({ at: now, officerId: officer.id, visitId: visit, note: text }) : null;
      this.store.events.append([
        ...(incident ? [incidentRecorded(incident, this.sendIncidentText)] : []),
        event('alarm.acknowledged', { alarm: seq, alarmType: alarm.type, officer: officer.id, ...(incident ? { incident: incident.id } : {}) }),
      ], now);
    });
  }
}
