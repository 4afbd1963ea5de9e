/**
 * The access decision: a pure function of (tap, state, clock) → grant, deny with one reason, or wait for an escort.
 * It never looks at anything but its arguments, so it can be property-tested exhaustively.
 */
import type { DenyReason, Officer, Role, Tap, Visit, VisitorBadge } from './types.js';

/** What the store knows about the tapped card. */
export type CardInfo =
  | { kind: 'officer'; officer: Officer }
  | { kind: 'visitor'; badge: VisitorBadge; /** the visit the badge is issued to, or the last visit that held it */ visit: Visit | null }
  | { kind: 'unknown' };

/** A recent granted officer tap, used to satisfy the escort rule. */
export interface OfficerTap {
  /** Officer id. */
  officerId: string;
  /** When the officer's badge was granted (ms). */
  at: number;
}

/** Everything the decision needs besides the tap and the clock. */
export interface AccessState {
  /** The door is administratively disabled. */
  doorDisabled: boolean;
  /** What the tapped UID is. */
  card: CardInfo;
  /** Officers granted at this door recently (any order). */
  recentOfficerTaps: readonly OfficerTap[];
}

/** Site policy for decisions (from config). */
export interface AccessPolicy {
  /** Visitors need an officer's tap within the window. */
  escortRequired: boolean;
  /** Escort window in ms, before or after the visitor's tap. */
  escortWindowMs: number;
  /** Roles whose own badge opens the door. */
  officerRoles: readonly Role[];
  /** Refuse a visitor entering while inside, or leaving while outside. */
  antiPassback: boolean;
}

/** The decision for one tap. */
export type Decision =
  | { outcome: 'grant'; holder: 'officer'; officerId: string }
  | { outcome: 'grant'; holder: 'visitor'; visitId: string; escortOfficerId: string | null }
  | { outcome: 'deny'; reason: DenyReason; visitId?: string; officerId?: string }
  | { outcome: 'await-escort'; visitId: string };

/** Find an officer tap within the escort window of `now`. */
export function findEscort(taps: readonly OfficerTap[], now: number, windowMs: number): OfficerTap | null {
  let best: OfficerTap | null = null;
  for (const t of taps) {
    if (Math.abs(now - t.at) <= windowMs && (best === null || t.at > best.at)) best = t;
  }
  return best;
}

/** Decide one tap. */
export function decide(tap: Tap, state: AccessState, now: number, policy: AccessPolicy): Decision {
  if (state.doorDisabled) return { outcome: 'deny', reason: 'door-disabled' };
  const card = state.card;
  if (card.kind === 'unknown') return { outcome: 'deny', reason: 'unknown-badge' };
  if (card.kind === 'officer') {
    const o = card.officer;
    if (!o.active) return { outcome: 'deny', reason: 'revoked', officerId: o.id };
    if (!policy.officerRoles.includes(o.role)) return { outcome: 'deny', reason: 'not-approved', officerId: o.id };
    return { outcome: 'grant', holder: 'officer', officerId: o.id };
  }
  const { badge, visit } = card;
  const visitId = visit?.id;
  const deny = (reason: DenyReason): Decision => (visitId ? { outcome: 'deny', reason, visitId } : { outcome: 'deny', reason });
  if (badge.status === 'lost') return deny('lost');
  if (badge.status === 'retired') return deny('unknown-badge');
  // The badge must currently be issued to this very visit; otherwise it is back in the pool.
  const holds = badge.status === 'issued' && visit !== null && visit.id === badge.visitId && visit.badgeUid === badge.uid;
  if (!holds) {
    if (visit && visit.state === 'revoked') return deny('revoked');
    if (visit && (visit.state === 'checked_out' || visit.state === 'archived')) return deny('returned');
    return deny('not-approved');
  }
  if (visit.state === 'revoked') return deny('revoked');
  if (visit.state !== 'issued') return deny('not-approved');
  if (visit.validFrom === null || visit.validUntil === null) return deny('not-approved');
  if (now < visit.validFrom) return deny('not-yet-valid');
  if (now >= visit.validUntil) return deny('expired');
  if (policy.antiPassback) {
    if (tap.direction === 'in' && visit.presence === 'inside') return deny('passback');
    if (tap.direction === 'out' && visit.presence !== 'inside') return deny('passback');
  }
  if (tap.direction === 'in' && policy.escortRequired) {
    const escort = findEscort(state.recentOfficerTaps, now, policy.escortWindowMs);
    if (!escort) return { outcome: 'await-escort', visitId: visit.id };
    return { outcome: 'grant', holder: 'visitor', visitId: visit.id, escortOfficerId: escort.officerId };
  }
  return { outcome: 'grant', holder: 'visitor', visitId: visit.id, escortOfficerId: null };
}

/** A visitor tap waiting for an officer's escort tap. */
export interface PendingEscort {
  /** The visitor's tap. */
  tap: Tap;
  /** The visit it is for. */
  visitId: string;
}

/** Split pending visitor taps into those still waiting and those whose escort window has passed. */
export function expirePending(pending: readonly PendingEscort[], now: number, windowMs: number): { waiting: PendingEscort[]; expired: PendingEscort[] } {
  const waiting: PendingEscort[] = [];
  const expired: PendingEscort[] = [];
  for (const p of pending) (now - p.tap.at > windowMs ? expired : waiting).push(p);
  return { waiting, expired };
}

/** Whether a read repeats the same card on the same reader within the window (it then counts once). */
export function isRepeatRead(lastSeenAt: number | undefined, now: number, windowMs: number): boolean {
  return lastSeenAt !== undefined && now - lastSeenAt >= 0 && now - lastSeenAt < windowMs;
}
