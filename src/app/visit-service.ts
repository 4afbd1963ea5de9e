/**
 * Officer-side commands (the desk, the CLI, later the console and the central office): officers, the badge pool,
 * visits through the SOP, incidents. Each command is one transaction: load, apply the pure domain function,
 * save, append the events.
 */
import { applyVisitCommand, newVisit, type VisitCommand } from '../domain/visit.js';
import { checkNik } from '../domain/nik.js';
import { ALLOWED_ROLES, type SopStandards } from '../domain/sop.js';
import { CANCEL_REASONS, ROLES, type CancelReason, type ChecklistItem, type Device, type Officer, type Role, type Visit, type VisitorBadge } from '../domain/types.js';
import type { StorePort } from '../ports/store.js';
import { NotFound, Refused, UserError } from '../domain/errors.js';
import { keyedHash, nikHash } from './secret.js';
import { DAY_MS, HOUR_MS, endOfLocalDay, isCalendarDate, localDate } from '../domain/time.js';
import { normalizeUid } from '../domain/uid.js';
import { cardUid, checkDevices, checkEventText, checkText, required } from './input-checks.js';
import { revealNik } from './nik-reveal.js';
import type { VisitCommands, VisitRequest } from '../ports/visit-commands.js';
import type { DeskCommands } from '../ports/console.js';
import { event, event as domainEvent, incidentRecorded } from '../domain/events.js';
import { DEFAULT_RULES, type ServerRoomRules } from '../domain/rules.js';

export type { VisitRequest } from '../ports/visit-commands.js';
export { checkText } from './input-checks.js';

/** Longest approval when the service is built without `maxValidityMs` (the config's visits.maxValidityDays default; a test checks). */
export const DEFAULT_MAX_VALIDITY_MS = 31 * DAY_MS;

/** Settings the service needs. */
export interface VisitServiceOptions {
  /** Per-step SOP time standards (minutes). */
  standards: SopStandards;
  /** Default approval validity: end of the local day, or hours. */
  defaultValidity: 'end-of-day' | number;
  /** Office time zone. */
  timeZone: string;
  /** Site secret for keyed hashes. */
  secret: Buffer;
  /** Clock (ms). */
  now?: () => number;
  /** Caps an approval's end while the clock cannot be trusted (docs/clock.md); default: no cap. */
  limitValidity?: (from: number, until: number) => number;
  /** Longest approval a head may give (ms; default 31 days): an end years away (a typo or malice) is refused. */
  maxValidityMs?: number;
  /** Incident-book entries carry their text to the centre (`central.sendIncidentText`); default: the number only. */
  sendIncidentText?: boolean;
  /** The server-room rules acknowledged at badge issue (`visits.rules`); default: `DEFAULT_RULES`. */
  rules?: ServerRoomRules;
}

/** Longest intake timed as SOP step 1 (ms): a form left open longer than a day is no measure of the step. */
export const MAX_INTAKE_MS = DAY_MS;

/** The start of an intake if it can be believed: a time in the last `MAX_INTAKE_MS` before `now`, not after it; else null. */
export function intakeStart(startedAt: number | null | undefined, now: number): number | null {
  return typeof startedAt === 'number' && Number.isFinite(startedAt) && startedAt <= now && now - startedAt <= MAX_INTAKE_MS ? startedAt : null;
}

/** The officer's confirmation at badge issue that the visitor acknowledged the server-room rules (read to them or read by them). */
export interface RulesConfirmation {
  /** The visitor acknowledged the rules shown (`visits.rules`). */
  rulesAcknowledged: boolean;
}

/** Officer-side commands. */
export class VisitService implements VisitCommands, DeskCommands {
  private readonly now: () => number;

  /** Bind to a store. */
  constructor(private readonly store: StorePort, private readonly opts: VisitServiceOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** The office's time zone (a time given without an offset is read in it). */
  get timeZone(): string {
    return this.opts.timeZone;
  }

  /** Register an officer with an officer badge. */
  addOfficer(name: string, role: string, badge: string): Officer {
    required(name, 'name', 'officer name');
    checkText(name, 'name', 'officer name', 'name');
    if (!ROLES.includes(role as Role)) throw new UserError(`role "${role}" must be one of ${ROLES.join(', ')}`, { field: 'role', subject: 'role' });
    const uid = cardUid(badge, 'badge', 'officer badge UID');
    return this.store.tx(() => {
      if (this.store.officerByBadge(uid)) throw new Refused(`badge ${uid} already belongs to another officer`, { field: 'badge' });
      if (this.store.badge(uid)) throw new Refused(`badge ${uid} is a visitor badge in the pool; officers need their own badge`, { field: 'badge' });
      const o = this.store.addOfficer({ name: name.trim(), role: role as Role, badgeUid: uid }, this.now());
      this.store.events.append([event('officer.added', { officer: o.id, role: o.role, badge: uid })], this.now());
      return o;
    });
  }

  /** Deactivate or reactivate an officer (their badge stops/starts opening the door). */
  setOfficerActive(id: string, active: boolean, by: string): Officer {
    return this.store.tx(() => {
      const actor = this.officer(by, 'by');
      if (actor.role !== 'head') throw new Refused(`officer ${actor.id} is ${actor.role}; only a head may change officers`, { field: 'by', code: 'role', params: { officer: actor.id, role: actor.role, action: 'officer', allowed: 'head' } });
      const o = this.officer(id, 'officer');
      this.store.setOfficerActive(o.id, active);
      this.store.events.append([event(active ? 'officer.activated' : 'officer.deactivated', { officer: o.id, by: actor.id })], this.now());
      return { ...o, active };
    });
  }

  /** Add a special visitor badge to the pool. */
  addBadge(uidInput: string, label: string, by?: string): VisitorBadge {
    const uid = cardUid(uidInput, 'uid', 'badge UID');
    required(label, 'label', 'badge label');
    checkText(label, 'label', 'badge label', 'label');
    return this.store.tx(() => {
      // From the console a head adds badges (the pool is a head's, SOP); the event names them.
      const actor = by === undefined ? null : this.officer(by, 'by');
      if (actor && (actor.role !== 'head' || !actor.active)) throw new Refused(`officer ${actor.id} is ${actor.active ? actor.role : 'deactivated'}; only an active head may add badges to the pool`, { field: 'by', code: 'role', params: { officer: actor.id, role: actor.role, action: 'badge_found', allowed: 'head' } });
      if (this.store.badge(uid)) throw new Refused(`badge ${uid} is already in the pool`, { field: 'uid' });
      if (this.store.badgeByLabel(label.trim())) throw new Refused(`label "${label.trim()}" is already used by another badge`, { field: 'label' });
      if (this.store.officerByBadge(uid)) throw new Refused(`card ${uid} is an officer badge; visitor badges must be separate cards`, { field: 'uid' });
      const b = this.store.addBadge(uid, label.trim(), this.now());
      this.store.events.append([event('badge.added', { badge: uid, label: b.label, ...(actor ? { by: actor.id } : {}) })], this.now());
      return b;
    });
  }

  /** Retire a badge from the pool (damaged, withdrawn); a lost badge can be retired too. */
  retireBadge(uidOrLabel: string, by: string): VisitorBadge {
    return this.store.tx(() => {
      const actor = this.officer(by, 'by');
      const b = this.findBadge(uidOrLabel);
      if (b.status === 'issued') throw new Refused(`badge ${b.label} is issued to visit ${b.visitId}; check the visit out first`, { field: 'badge' });
      this.store.setBadge(b.uid, 'retired', b.visitId);
      this.store.events.append([event('badge.retired', { badge: b.uid, label: b.label, officer: actor.id })], this.now());
      return { ...b, status: 'retired' };
    });
  }

  /** SOP step 1: record a visit request. Returns the new visit. */
  request(req: VisitRequest): Visit {
    required(req.name, 'name', 'visitor name');
    required(req.org, 'org', 'institution');
    required(req.purpose, 'purpose', 'purpose');
    checkText(req.name, 'name', 'visitor name', 'name');
    checkText(req.org, 'org', 'institution', 'org');
    checkText(req.purpose, 'purpose', 'purpose', 'purpose');
    checkText(req.phone, 'phone', 'phone', 'phone');
    checkText(req.letterRef, 'letterRef', 'request letter reference', 'letterRef');
    checkDevices(req.devices, 'devices');
    if (req.disposition) {
      checkText(req.disposition.orderedBy, 'disposition.orderedBy', 'who ordered the disposition', 'dispositionBy');
      checkText(req.disposition.reference, 'disposition.reference', 'disposition reference', 'dispositionRef');
      if (!isCalendarDate(req.disposition.date)) {
        throw new UserError(`disposition date "${req.disposition.date}" must be a real date YYYY-MM-DD`, { field: 'disposition.date', subject: 'disposition date' });
      }
    }
    const nik = checkNik(req.nik);
    if (!nik.ok) throw new UserError(nik.error, { field: 'nik', code: nik.code, ...(nik.params ? { params: nik.params } : {}) });
    // The purpose and the disposition's signatory travel in visit.requested (never purged, sent to the centre).
    const visitor = { name: req.name, nik: req.nik, phone: req.phone ?? null };
    checkEventText(req.purpose, 'purpose', 'purpose', visitor);
    if (req.disposition) checkEventText(req.disposition.orderedBy, 'disposition.orderedBy', 'who ordered the disposition', visitor);
    const planned = req.plannedMinutes ?? 60;
    if (!Number.isInteger(planned) || planned < 1 || planned > 24 * 60) {
      throw new UserError('planned duration must be a whole number of minutes between 1 and 1440', { field: 'plannedMinutes', subject: 'planned duration' });
    }
    if ((req.kind ?? 'visit') === 'maintenance' && !req.disposition) {
      throw new UserError('a maintenance visit needs its disposition: who ordered it, its reference and its date', { field: 'disposition' });
    }
    const ktpHash = req.ktpUid ? keyedHash(this.opts.secret, cardUid(req.ktpUid, 'ktpUid', 'KTP chip UID')) : null;
    return this.store.tx(() => {
      const now = this.now();
      const by = req.by ? this.officer(req.by, 'by') : null;
      if (by && !ALLOWED_ROLES.request.includes(by.role)) throw new Refused(`officer ${by.id} may not record requests`, { field: 'by', code: 'role', params: { officer: by.id, role: by.role, action: 'request', allowed: ALLOWED_ROLES.request.join(',') } });
      if (ktpHash) {
        const open = this.store.visitByKtpHash(ktpHash);
        if (open && open.ktpHeld) throw new Refused(`this KTP is already held for visit ${open.id}; return it before a new visit`, { field: 'ktpUid' });
      }
      const id = this.store.nextVisitId(localDate(now, this.opts.timeZone));
      const started = intakeStart(req.startedAt, now);
      const { visit, event } = newVisit({
        id, kind: req.kind ?? 'visit',
        visitor: { name: req.name.trim(), nik: nik.nik, org: req.org.trim(), phone: req.phone?.trim() || null },
        purpose: req.purpose.trim(), plannedMinutes: planned, devicesIn: req.devices ?? [], letterRef: req.letterRef?.trim() || null,
        ktpHash, disposition: req.disposition ?? null, nikHash: nikHash(this.opts.secret, nik.nik),
      }, now, by?.id ?? null, started === null ? undefined : { startedAt: started, standards: this.opts.standards });
      this.store.saveVisit(visit);
      // A NIK on the watchlist warns the checker and the head (an alarm in the same transaction); it does not deny.
      const listed = this.store.watchlist.match(nikHash(this.opts.secret, nik.nik), now);
      this.store.events.append([event, ...(listed ? [domainEvent('alarm.watchlist_match', { visit: visit.id, entry: listed.id, where: 'request', ...(by ? { officer: by.id } : {}) })] : [])], now);
      return visit;
    });
  }

  /** SOP step 2: completeness checked. */
  check(id: string, by: string): Visit {
    return this.apply(id, (o) => ({ type: 'check', by: o }), by);
  }

  /** SOP step 3: approve, valid until `until` (default: the configured validity). */
  approve(id: string, by: string, opts: { from?: number; until?: number } = {}): Visit {
    const now = this.now();
    const start = opts.from ?? now;
    const wanted = opts.until ?? (this.opts.defaultValidity === 'end-of-day' ? endOfLocalDay(start, this.opts.timeZone) : start + this.opts.defaultValidity * HOUR_MS);
    const max = this.opts.maxValidityMs ?? DEFAULT_MAX_VALIDITY_MS;
    if (wanted - start > max) {
      throw new Refused(`an approval of ${Math.ceil((wanted - start) / DAY_MS)} days is longer than visits.maxValidityDays (${max / DAY_MS}); approve a shorter period`, { field: 'until' });
    }
    const until = this.opts.limitValidity ? this.opts.limitValidity(start, wanted) : wanted;
    return this.apply(id, (o) => ({ type: 'approve', by: o, until, ...(opts.from !== undefined ? { from: opts.from } : {}) }), by);
  }

  /** SOP step 3: deny with a reason. */
  deny(id: string, by: string, reason: string): Visit {
    checkText(reason, 'reason', 'reason', 'reason');
    return this.apply(id, (o, v) => {
      checkEventText(reason, 'reason', 'reason', v.visitor);
      return { type: 'deny', by: o, reason };
    }, by);
  }

  /** Revoke an approval at any time (head). */
  revoke(id: string, by: string, reason: string): Visit {
    checkText(reason, 'reason', 'reason', 'reason');
    return this.apply(id, (o, v) => {
      checkEventText(reason, 'reason', 'reason', v.visitor);
      return { type: 'revoke', by: o, reason };
    }, by);
  }

  /**
   * SOP step 3: issue a special badge (by UID or label) in exchange for the KTP, once the officer confirms the visitor
   * acknowledged the server-room rules (refused without it); the visit keeps the rules version, the time and the officer.
   */
  issue(id: string, badge: string, by: string, ack: RulesConfirmation): Visit {
    const rules = ack.rulesAcknowledged === true ? { version: (this.opts.rules ?? DEFAULT_RULES).version } : null;
    return this.store.tx(() => {
      const b = this.findBadge(badge);
      const v = this.apply(id, (o) => ({ type: 'issue', by: o, badge: b, rules }), by, false);
      this.store.setBadge(b.uid, 'issued', v.id);
      return v;
    });
  }

  /** SOP step 5: record exit, devices carried out, badge back, KTP back. */
  checkout(id: string, by: string, devicesOut: Device[]): Visit {
    checkDevices(devicesOut, 'devicesOut');
    return this.store.tx(() => {
      const before = this.visit(id);
      const v = this.apply(id, (o) => ({ type: 'checkout', by: o, devicesOut }), by, false);
      if (before.badgeUid) this.store.setBadge(before.badgeUid, 'available', v.id);
      return v;
    });
  }

  /** SOP 002: record the checklist completed during a maintenance visit. */
  checklist(id: string, by: string, items: ChecklistItem[]): Visit {
    for (const i of items) {
      checkText(i.item, 'checklist.item', 'checklist item', 'checklistItem');
      checkText(i.note, 'checklist.note', 'checklist item note', 'checklistNote');
    }
    return this.apply(id, (o, v) => {
      for (const i of items) checkEventText(i.note, 'checklist.note', 'checklist item note', v.visitor);
      return { type: 'checklist', by: o, items };
    }, by);
  }

  /** SOP step 6: the coordinator reports the visit. */
  report(id: string, by: string, note?: string): Visit {
    checkText(note, 'note', 'report note', 'note');
    return this.apply(id, (o, v) => {
      checkEventText(note, 'note', 'report note', v.visitor);
      return { type: 'report', by: o, ...(note ? { note } : {}) };
    }, by);
  }

  /** SOP step 7: archive the visit file. */
  archive(id: string, by: string): Visit {
    return this.apply(id, (o) => ({ type: 'archive', by: o }), by);
  }

  /** The visitor lost the special badge: the badge is blocked; a new one can be issued. */
  badgeLost(id: string, by: string): Visit {
    return this.store.tx(() => {
      const before = this.visit(id);
      const v = this.apply(id, (o) => ({ type: 'badge_lost', by: o }), by, false);
      if (before.badgeUid) this.store.setBadge(before.badgeUid, 'lost', v.id);
      return v;
    });
  }

  /** Close a request that never came (cancelled, or the visitor did not show up), before any badge was issued. */
  cancel(id: string, by: string, reason: CancelReason, note?: string): Visit {
    if (!CANCEL_REASONS.includes(reason)) {
      throw new UserError(`cancel reason "${String(reason)}" must be one of ${CANCEL_REASONS.join(', ')}`, { field: 'reason', code: 'cancel.reason' });
    }
    checkText(note, 'note', 'cancel note', 'note');
    const n = note?.trim();
    return this.apply(id, (o, v) => {
      checkEventText(n, 'note', 'cancel note', v.visitor);
      return { type: 'cancel', by: o, reason, ...(n ? { note: n } : {}) };
    }, by);
  }

  /**
   * A head acknowledges the device mismatch of a checkout: the KTP goes back. The head's note goes in the incident
   * book (it may name people), not in the event; the mismatch's open alarm is acknowledged with it.
   */
  acknowledgeMismatch(id: string, by: string, note: string): Visit {
    required(note, 'note', 'acknowledgement note');
    checkText(note, 'note', 'acknowledgement note', 'note');
    return this.store.tx(() => {
      const visit = this.visit(id);
      const officer = this.officer(by, 'by');
      const now = this.now();
      // Refused before anything is written (role, state, no mismatch): the incident is written only for a real acknowledgement.
      const dry = applyVisitCommand(visit, { type: 'acknowledge_mismatch', by: officer }, now, this.opts.standards);
      if (!dry.ok) throw new Refused(dry.error, { code: dry.code, params: dry.params });
      const incident = this.store.addIncident({ at: now, officerId: officer.id, visitId: visit.id, note: note.trim() });
      const r = applyVisitCommand(visit, { type: 'acknowledge_mismatch', by: officer, incident: incident.id }, now, this.opts.standards);
      if (!r.ok) throw new Refused(r.error, { code: r.code, params: r.params });
      this.store.saveVisit(r.visit);
      const alarms = this.store.openAlarmsOfVisit(visit.id, 'visit.device_mismatch');
      this.store.events.append([
        incidentRecorded(incident, this.opts.sendIncidentText ?? false), ...r.events,
        ...alarms.map((seq) => event('alarm.acknowledged', { alarm: seq, alarmType: 'visit.device_mismatch', officer: officer.id, incident: incident.id })),
      ], now);
      return r.visit;
    });
  }

  /** A head puts a found lost badge (by UID or label) back in the pool. */
  badgeFound(badge: string, by: string): VisitorBadge {
    return this.store.tx(() => {
      const actor = this.officer(by, 'by');
      if (!actor.active) throw new Refused(`officer ${actor.id} is deactivated`, { field: 'by', code: 'officer.inactive', params: { officer: actor.id } });
      if (actor.role !== 'head') {
        throw new Refused(`officer ${actor.id} is ${actor.role}; only a head may put a found badge back in the pool`, { field: 'by', code: 'role', params: { officer: actor.id, role: actor.role, action: 'badge_found', allowed: 'head' } });
      }
      const b = this.findBadge(badge);
      if (b.status !== 'lost') {
        throw new Refused(`badge ${b.label} is ${b.status}, not lost; only a lost badge can be found`, { field: 'badge', code: 'badge.status', params: { badge: b.label, status: b.status } });
      }
      this.store.setBadge(b.uid, 'available', b.visitId);
      this.store.events.append([event('badge.found', { badge: b.uid, label: b.label, officer: actor.id })], this.now());
      return { ...b, status: 'available' };
    });
  }

  /** Write an entry in the incident book (SOP 004). */
  incident(by: string, note: string, visitId?: string): number {
    required(note, 'note', 'incident note');
    checkText(note, 'note', 'incident note', 'note');
    return this.store.tx(() => {
      const o = this.officer(by, 'by');
      if (visitId) this.visit(visitId);
      const now = this.now();
      const i = this.store.addIncident({ at: now, officerId: o.id, visitId: visitId ?? null, note: note.trim() });
      this.store.events.append([incidentRecorded(i, this.opts.sendIncidentText ?? false)], now);
      return i.id;
    });
  }

  /** Enable or disable the door (a disabled door refuses every badge; the exit button still works). */
  setDoorMode(mode: 'enabled' | 'disabled', by: string, reason?: string): void {
    checkText(reason, 'reason', 'reason', 'reason');
    checkEventText(reason, 'reason', 'reason');
    this.store.tx(() => {
      const o = this.officer(by, 'by');
      if (o.role === 'staff') throw new Refused(`officer ${o.id} is staff; only a coordinator or head may ${mode === 'enabled' ? 'enable' : 'disable'} the door`, { field: 'by', code: 'role', params: { officer: o.id, role: o.role, action: 'door_mode', allowed: 'coordinator,head' } });
      this.store.updateDoorStatus({ mode });
      this.store.events.append([event(mode === 'enabled' ? 'door.enabled' : 'door.disabled', { officer: o.id, ...(reason ? { reason } : {}) })], this.now());
    });
  }

  /** A head reveals a visitor's full NIK with a reason (`visit.nik_revealed`, without the NIK); anyone else is refused. */
  revealNik(id: string, by: string, reason: string): string {
    return revealNik(this.store, this.now(), id, by, reason);
  }

  /** Find the open visit whose KTP (by chip UID) is held at the desk. */
  visitByKtp(ktpUid: string): Visit | null {
    return this.store.visitByKtpHash(keyedHash(this.opts.secret, cardUid(ktpUid, 'ktpUid', 'KTP chip UID')));
  }

  /** A visit, or a NotFound naming the id. */
  visit(id: string): Visit {
    const v = this.store.visit(id.trim().toUpperCase());
    if (!v) throw new NotFound('visit', `no visit with id "${id}"`, { field: 'visit' });
    return v;
  }

  /** A badge by UID or label, or a NotFound. */
  findBadge(uidOrLabel: string): VisitorBadge {
    const byLabel = this.store.badgeByLabel(uidOrLabel.trim());
    if (byLabel) return byLabel;
    const uid = normalizeUid(uidOrLabel);
    const b = uid !== null ? this.store.badge(uid) : null;
    if (!b) throw new NotFound('badge', `no such badge "${uidOrLabel}": no visitor badge in the pool has that label or UID`, { field: 'badge' });
    return b;
  }

  /** An officer by id, or a NotFound about `field` (who acts: `by`; who is acted on: `officer`). */
  private officer(id: string, field: 'by' | 'officer'): Officer {
    const o = this.store.officer(id.trim().toUpperCase());
    if (!o) throw new NotFound('officer', `no officer with id "${id}"`, { field });
    return o;
  }

  /**
   * Load, apply and save in a transaction (or inside the caller's). `make` sees the loaded visit, so it can refuse
   * (before anything is written) free text naming that visit's visitor.
   */
  private apply(id: string, make: (o: Officer, v: Visit) => VisitCommand, by: string, ownTx = true): Visit {
    const run = (): Visit => {
      const visit = this.visit(id);
      const officer = this.officer(by, 'by');
      const now = this.now();
      const r = applyVisitCommand(visit, make(officer, visit), now, this.opts.standards);
      if (!r.ok) throw new Refused(r.error, { code: r.code, params: r.params });
      this.store.saveVisit(r.visit);
      this.store.events.append(r.events, now);
      return r.visit;
    };
    return ownTx ? this.store.tx(run) : run();
  }
}
