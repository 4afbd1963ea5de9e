/**
 * The visit as a state machine: a pure function from (visit, command, now) to the next visit and the events
 * it produces, or a refusal that says why. No I/O; the app layer loads, applies and stores in one transaction.
 */
import { ALLOWED_ROLES, isTimed, timeStep, type SopStandards, type VisitAction } from './sop.js';
import type { CancelReason, ChecklistItem, Device, ExpiryReason, Officer, Visit, VisitorBadge, VisitState } from './types.js';
import { DAY_MS } from './time.js';
import { event, type DomainEvent } from './events.js';

/** An officer action on a visit. */
export type VisitCommand =
  | { type: 'check'; by: Officer }
  | { type: 'approve'; by: Officer; from?: number; until: number }
  | { type: 'deny'; by: Officer; reason: string }
  | { type: 'issue'; by: Officer; badge: VisitorBadge; rules: { version: string } | null }
  | { type: 'checkout'; by: Officer; devicesOut: Device[] }
  | { type: 'report'; by: Officer; note?: string }
  | { type: 'archive'; by: Officer }
  | { type: 'revoke'; by: Officer; reason: string }
  | { type: 'badge_lost'; by: Officer }
  | { type: 'checklist'; by: Officer; items: ChecklistItem[] }
  | { type: 'cancel'; by: Officer; reason: CancelReason; note?: string }
  | { type: 'acknowledge_mismatch'; by: Officer; incident?: number };

/** A movement through the door, from a granted tap; an entry names its escort (the grant's, null: none required). */
export type PresenceCommand = { type: 'enter'; readerId: string; escort?: string | null } | { type: 'exit'; readerId: string };

/** A refusal: the English reason, a stable key (`visit.state`, `role`, …) and the facts it names (ids, states; no personal data). */
export interface VisitRefusal {
  /** Refused. */
  ok: false;
  /** Why, in English. */
  error: string;
  /** Stable key, for a front end's own words. */
  code: string;
  /** The facts the reason names. */
  params: Record<string, string | number>;
}

/** Outcome of applying a command: the new visit and its events, or a refusal. */
export type VisitResult = { ok: true; visit: Visit; events: DomainEvent[] } | VisitRefusal;

/** A refusal with its key and facts. */
function no(code: string, error: string, params: Record<string, string | number> = {}): VisitRefusal {
  return { ok: false, error, code, params };
}

/** States from which each command is allowed. */
const FROM: Record<VisitCommand['type'], readonly VisitState[]> = {
  check: ['requested'],
  approve: ['checked'],
  deny: ['requested', 'checked'],
  issue: ['approved', 'issued'],
  checkout: ['issued', 'revoked'],
  report: ['checked_out'],
  archive: ['checked_out', 'denied', 'revoked', 'cancelled', 'expired'],
  revoke: ['requested', 'checked', 'approved', 'issued'],
  badge_lost: ['issued', 'revoked'],
  checklist: ['issued', 'checked_out'],
  cancel: ['requested', 'checked', 'approved'],
  acknowledge_mismatch: ['checked_out'],
};

/** Normalise a serial number for comparison (case, spaces and dashes ignored). */
export function normalSerial(serial: string): string {
  return serial.toUpperCase().replace(/[\s-]/g, '');
}

/** Compare devices in and out by serial number: what stayed inside and what left without being brought in. */
export function deviceMismatch(devicesIn: Device[], devicesOut: Device[]): { notCarriedOut: Device[]; notBroughtIn: Device[] } {
  const inSet = new Set(devicesIn.map((d) => normalSerial(d.serial)));
  const outSet = new Set(devicesOut.map((d) => normalSerial(d.serial)));
  return {
    notCarriedOut: devicesIn.filter((d) => !outSet.has(normalSerial(d.serial))),
    notBroughtIn: devicesOut.filter((d) => !inSet.has(normalSerial(d.serial))),
  };
}

const VERB: Record<VisitCommand['type'], string> = {
  check: 'checked', approve: 'approved', deny: 'denied', issue: 'issued a badge', checkout: 'checked out',
  report: 'reported', archive: 'archived', revoke: 'revoked', badge_lost: 'marked as having lost its badge',
  checklist: 'given a maintenance checklist', cancel: 'cancelled', acknowledge_mismatch: 'given a device mismatch acknowledgement',
};

/** Apply an officer command to a visit. */
export function applyVisitCommand(visit: Visit, cmd: VisitCommand, now: number, standards: SopStandards): VisitResult {
  const role = ALLOWED_ROLES[cmd.type as VisitAction];
  if (!cmd.by.active) return no('officer.inactive', `officer ${cmd.by.id} is deactivated and cannot act on visits`, { officer: cmd.by.id });
  if (!role.includes(cmd.by.role)) {
    return no('role', `officer ${cmd.by.id} is ${cmd.by.role}; only ${role.join(' or ')} may ${cmd.type.replaceAll('_', ' ')} a visit`,
      { officer: cmd.by.id, role: cmd.by.role, action: cmd.type, allowed: role.join(',') });
  }
  if (!FROM[cmd.type].includes(visit.state)) {
    return no('visit.state', `visit ${visit.id} is ${visit.state}; it cannot be ${VERB[cmd.type]} (allowed from: ${FROM[cmd.type].join(', ')})`,
      { visit: visit.id, state: visit.state, action: cmd.type, allowed: FROM[cmd.type].join(',') });
  }
  const v: Visit = { ...visit, at: { ...visit.at }, by: { ...visit.by } };
  const base = { visit: v.id, officer: cmd.by.id };
  const events: DomainEvent[] = [];
  switch (cmd.type) {
    case 'check':
      v.state = 'checked';
      v.at.checked = now; v.by.checked = cmd.by.id;
      events.push(event('visit.checked', { ...base, ...timeStep('check', v.at.requested, now, standards) }));
      break;
    case 'approve': {
      const from = cmd.from ?? now;
      if (!(cmd.until > from) || cmd.until <= now) return no('visit.until', `approval must end in the future and after it starts (until ${new Date(cmd.until).toISOString()})`, { until: cmd.until });
      v.state = 'approved';
      v.validFrom = from; v.validUntil = cmd.until;
      v.at.decided = now; v.by.decided = cmd.by.id;
      events.push(event('visit.approved', { ...base, validFrom: new Date(from).toISOString(), validUntil: new Date(cmd.until).toISOString(), ...timeStep('decide', v.at.checked, now, standards) }));
      break;
    }
    case 'deny':
      if (!cmd.reason.trim()) return no('reason.required', 'a denial needs a reason');
      v.state = 'denied';
      v.denyReason = cmd.reason.trim();
      v.at.decided = now; v.by.decided = cmd.by.id;
      events.push(event('visit.denied', { ...base, reason: v.denyReason, ...timeStep('decide', v.at.checked ?? v.at.requested, now, standards) }));
      break;
    case 'issue': {
      if (visit.state === 'issued' && visit.badgeUid) return no('visit.holds_badge', `visit ${visit.id} already holds badge ${visit.badgeUid}; mark it lost first to issue another`, { visit: visit.id, badge: visit.badgeUid });
      if (cmd.badge.status !== 'available') {
        return no('badge.status', `badge ${cmd.badge.label} is ${cmd.badge.status}${cmd.badge.status === 'issued' ? ` to visit ${cmd.badge.visitId}` : ''}; pick an available badge`,
          { badge: cmd.badge.label, status: cmd.badge.status });
      }
      if (v.validUntil !== null && v.validUntil <= now) return no('visit.expired', `visit ${visit.id}'s approval expired at ${new Date(v.validUntil).toISOString()}`, { visit: visit.id, until: v.validUntil });
      if (!cmd.rules?.version) {
        return no('rules.unacknowledged', `the visitor of visit ${visit.id} has not acknowledged the server-room rules: read them to the visitor and confirm before the badge is issued`, { visit: visit.id });
      }
      const reissue = visit.state === 'issued';
      v.rulesAck = { version: cmd.rules.version, at: now, officer: cmd.by.id };
      v.state = 'issued';
      v.badgeUid = cmd.badge.uid;
      v.ktpHeld = true;
      if (!reissue) { v.presence = 'outside'; v.at.issued = now; v.by.issued = cmd.by.id; }
      events.push(event('badge.issued', { ...base, badge: cmd.badge.uid, label: cmd.badge.label, ktpHeld: true, reissue, rulesVersion: cmd.rules.version, ...(reissue ? {} : timeStep('issue', v.at.decided, now, standards)) }));
      break;
    }
    case 'checkout': {
      const wasInside = v.presence === 'inside';
      const returned = v.badgeUid;
      const mismatch = deviceMismatch(v.devicesIn, cmd.devicesOut);
      const mismatched = mismatch.notCarriedOut.length > 0 || mismatch.notBroughtIn.length > 0;
      v.devicesOut = cmd.devicesOut;
      v.state = 'checked_out';
      v.presence = 'outside';
      v.badgeUid = null;
      // A device mismatch keeps the KTP at the desk until a head acknowledges it (`acknowledge_mismatch`).
      const keepKtp = mismatched && v.ktpHeld;
      v.ktpHeld = keepKtp;
      if (keepKtp) v.mismatchPending = true;
      v.at.checkedOut = now; v.by.checkedOut = cmd.by.id;
      // Time inside adds up over re-entries; a visitor still inside at checkout is counted until now.
      const insideMs = (v.insideMs ?? 0) + (wasInside && v.at.lastEntry !== undefined ? now - v.at.lastEntry : 0);
      if (wasInside) v.at.lastExit = now;
      v.insideMs = insideMs;
      const inside = v.at.firstEntry !== undefined ? timeStep('inside', now - insideMs, now, standards) : null;
      events.push(event('visit.checked_out', {
        ...base, badge: returned, ktpReturned: !keepKtp, wasInside, devicesOut: cmd.devicesOut.length,
        ...timeStep('checkout', wasInside ? now : v.at.lastExit ?? v.at.issued, now, standards),
        ...(inside && isTimed(inside) ? { insideSeconds: inside.durationSeconds, insideStandardSeconds: inside.standardSeconds, insideOverStandard: inside.overStandard } : {}),
      }));
      if (returned) events.push(event('badge.returned', { ...base, badge: returned }));
      if (mismatched) {
        events.push(event('visit.device_mismatch', { ...base, notCarriedOut: mismatch.notCarriedOut, notBroughtIn: mismatch.notBroughtIn }));
      }
      break;
    }
    case 'report':
      v.state = 'checked_out';
      if (v.at.reported !== undefined) return no('visit.reported', `visit ${visit.id} was already reported`, { visit: visit.id });
      v.at.reported = now; v.by.reported = cmd.by.id;
      events.push(event('visit.reported', { ...base, ...(cmd.note ? { note: cmd.note } : {}), ...timeStep('report', v.at.checkedOut, now, standards) }));
      break;
    case 'archive':
      if (visit.state === 'revoked' && (visit.badgeUid || visit.ktpHeld)) {
        return no('visit.holds_ktp', `visit ${visit.id} was revoked but still holds the badge or the KTP; check it out first`, { visit: visit.id });
      }
      if (visit.ktpHeld) {
        return no('visit.mismatch_pending', `visit ${visit.id} still holds the KTP: its device mismatch waits for a head's acknowledgement`, { visit: visit.id });
      }
      v.state = 'archived';
      v.at.archived = now; v.by.archived = cmd.by.id;
      events.push(event('visit.archived', { ...base, ...timeStep('archive', v.at.reported ?? v.at.checkedOut ?? v.at.decided, now, standards) }));
      break;
    case 'revoke':
      if (!cmd.reason.trim()) return no('reason.required', 'a revocation needs a reason');
      v.state = 'revoked';
      v.revokeReason = cmd.reason.trim();
      v.at.revoked = now; v.by.revoked = cmd.by.id;
      events.push(event('visit.revoked', { ...base, reason: v.revokeReason, badge: v.badgeUid, presence: v.presence }));
      // The visitor is inside on an approval that no longer stands: the officers must act (escort them out).
      if (v.presence === 'inside') events.push(event('alarm.revoked_inside', { ...base, badge: v.badgeUid }));
      break;
    case 'checklist': {
      if (v.kind !== 'maintenance') return no('visit.not_maintenance', `visit ${visit.id} is not a maintenance visit; checklists belong to maintenance visits (SOP 002)`, { visit: visit.id });
      if (cmd.items.length === 0) return no('checklist.empty', 'a checklist needs at least one item');
      v.checklist = [...(v.checklist ?? []), ...cmd.items];
      const counts = { ok: 0, degraded: 0, failed: 0 };
      for (const i of cmd.items) counts[i.status] += 1;
      events.push(event('visit.checklist_recorded', { ...base, items: cmd.items, ...counts }));
      break;
    }
    case 'cancel':
      v.state = 'cancelled';
      v.cancelReason = cmd.reason;
      v.at.cancelled = now; v.by.cancelled = cmd.by.id;
      events.push(event('visit.cancelled', { ...base, reason: cmd.reason, ...(cmd.note ? { note: cmd.note } : {}) }));
      break;
    case 'acknowledge_mismatch':
      if (!v.mismatchPending) return no('visit.no_mismatch', `visit ${visit.id} has no device mismatch waiting for an acknowledgement`, { visit: visit.id });
      delete v.mismatchPending;
      v.ktpHeld = false;
      v.at.mismatchAcknowledged = now; v.by.mismatchAcknowledged = cmd.by.id;
      events.push(event('visit.mismatch_acknowledged', { ...base, ktpReturned: true, ...(cmd.incident !== undefined ? { incident: cmd.incident } : {}) }));
      break;
    case 'badge_lost': {
      if (!v.badgeUid) return no('visit.no_badge', `visit ${visit.id} holds no badge`, { visit: visit.id });
      events.push(event('badge.lost', { ...base, badge: v.badgeUid }));
      v.badgeUid = null;
      break;
    }
  }
  return { ok: true, visit: v, events };
}

/** States of a request that has not reached the door yet: it expires when nobody acts on it in time (`expireRequest`). */
export const PENDING_STATES: readonly VisitState[] = ['requested', 'checked', 'approved'];

/**
 * Close a request that never reached the door (issue 14, retention that closes every case): an approval that ended
 * before any badge was issued, or a request nobody decided within `undecidedDays` of being made. Null: not due (or not
 * a pending request). No officer acts: the door's maintenance job does, so its retention clock can start.
 */
export function expireRequest(visit: Visit, now: number, undecidedDays: number): { visit: Visit; event: DomainEvent<'visit.expired'> } | null {
  if (!PENDING_STATES.includes(visit.state)) return null;
  let why: ExpiryReason;
  if (visit.state === 'approved') {
    if (visit.validUntil === null || visit.validUntil > now) return null;
    why = 'approval_lapsed';
  } else {
    const requested = visit.at.requested;
    if (requested === undefined || now - requested < undecidedDays * DAY_MS) return null;
    why = 'undecided';
  }
  const v: Visit = { ...visit, state: 'expired', expiryReason: why, at: { ...visit.at, expired: now }, by: { ...visit.by } };
  return {
    visit: v,
    event: event('visit.expired', {
      visit: v.id, from: visit.state as 'requested' | 'checked' | 'approved', why,
      ...(why === 'approval_lapsed' && visit.validUntil !== null ? { validUntil: new Date(visit.validUntil).toISOString() } : { afterDays: undecidedDays }),
    }),
  };
}

/** Record a granted movement through the door on the visit (presence and entry/exit times). */
export function applyPresence(visit: Visit, cmd: PresenceCommand, now: number): Visit {
  const v: Visit = { ...visit, at: { ...visit.at } };
  if (cmd.type === 'enter') {
    v.presence = 'inside';
    v.escort = cmd.escort ?? null;
    if (v.at.firstEntry === undefined) v.at.firstEntry = now;
    v.at.lastEntry = now;
  } else {
    if (v.presence === 'inside' && v.at.lastEntry !== undefined) v.insideMs = (v.insideMs ?? 0) + Math.max(0, now - v.at.lastEntry);
    v.presence = 'outside';
    v.at.lastExit = now;
  }
  return v;
}

/** A fresh visit in state requested; with `intake`, its request step (SOP step 1) timed from the intake's start. */
export function newVisit(
  fields: Omit<Visit, 'state' | 'presence' | 'devicesOut' | 'ktpHeld' | 'badgeUid' | 'validFrom' | 'validUntil' | 'at' | 'by' | 'denyReason' | 'revokeReason'>, now: number, by: string | null,
  intake?: { startedAt: number; standards: SopStandards },
): { visit: Visit; event: DomainEvent<'visit.requested'> } {
  const visit: Visit = {
    ...fields, state: 'requested', presence: null, devicesOut: null, ktpHeld: false, badgeUid: null,
    validFrom: null, validUntil: null, at: { requested: now }, by: by ? { requested: by } : {}, denyReason: null, revokeReason: null,
  };
  const requested = event('visit.requested', {
    visit: visit.id, kind: visit.kind, step: 1, ...(by ? { officer: by } : {}), org: visit.visitor.org, purpose: visit.purpose,
    plannedMinutes: visit.plannedMinutes, devicesIn: visit.devicesIn, letterRef: visit.letterRef, ktpRead: visit.ktpHash !== null,
    ...(visit.disposition ? { disposition: visit.disposition } : {}),
    // SOP step 1 (the form filled, the KTP handed over) timed from the start of the intake, when the desk knows it.
    ...(intake ? (({ step: _step, ...t }) => t)(timeStep('request', intake.startedAt, now, intake.standards)) : {}),
  });
  return { visit, event: requested };
}
