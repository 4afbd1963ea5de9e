/**
 * The access decision: a pure function of (tap, state, clock) → grant, deny with one reason, or wait for an escort.
 * It never looks at anything but its arguments, so it can be property-tested exhaustively.
 */
import type { DenyReason, Officer, Role, Tap, Visit, VisitorBadge } from './types.js';
import { proofRefusal, type SecureBadge } from './badge-proof.js';

/** What the store knows about the tapped card. */
export type CardInfo =
  | { kind: 'officer'; officer: Officer }
  | { kind: 'visitor'; badge: VisitorBadge; /** the visit the badge is issued to, or the last visit that held it */ visit: Visit | null }
  | { kind: 'unknown' };

/**
 * An officer who may be an escort, read from committed state (the officers table, written in the same transaction
 * as the officer's own grant): never from memory that a failed transaction could leave behind.
 */
export interface EscortCandidate {
  /** Officer id. */
  officerId: string;
  /** The officer's role now. */
  role: Role;
  /** The officer is active now (a deactivated officer escorts nobody). */
  active: boolean;
  /** Where the officer is now, from their committed taps. */
  presence: 'inside' | 'outside';
  /** When the officer's last committed entry through this door was granted (ms), or null. */
  enteredAt: number | null;
}

/** Everything the decision needs besides the tap and the clock. */
export interface AccessState {
  /** The door is administratively disabled. */
  doorDisabled: boolean;
  /** What the tapped UID is. */
  card: CardInfo;
  /** Officers who are inside now (committed presence), any order: the escort candidates. */
  officersInside: readonly EscortCandidate[];
  /** The tapped card's enrolment as a secure badge (issue 15), or null: such a card must prove its key at the door. */
  secureBadge: SecureBadge | null;
}

/** Site policy for decisions (from config). */
export interface AccessPolicy {
  /** Visitors need an officer's tap within the window. */
  escortRequired: boolean;
  /** Escort window in ms: the escort's entry must be this close to the visitor's tap (before or after). */
  escortWindowMs: number;
  /** Roles that may escort a visitor (default: `officerRoles`). */
  escortRoles?: readonly Role[];
  /** Roles whose own badge opens the door. */
  officerRoles: readonly Role[];
  /** Refuse a visitor entering while inside, or leaving while outside. */
  antiPassback: boolean;
  /** `badges.visitorsNeedSecureReader`: refuse visitors at readers that only read UIDs (absent: false). */
  visitorsNeedSecureReader?: boolean;
}

/** Refusals that concern the visit's approval rather than the badge (a visitor inside still leaves despite them). */
export type LapsedReason = Extract<DenyReason, 'revoked' | 'not-approved' | 'not-yet-valid' | 'expired'>;

/** The decision for one tap. */
export type Decision =
  | { outcome: 'grant'; holder: 'officer'; officerId: string }
  | { outcome: 'grant'; holder: 'visitor'; visitId: string; escortOfficerId: string | null; /** an exit from inside that would be refused for this reason on the way in */ lapsed?: LapsedReason }
  | { outcome: 'deny'; reason: DenyReason; visitId?: string; officerId?: string }
  | { outcome: 'await-escort'; visitId: string };

/**
 * The escort rule: an active officer with an escort role who is inside now and entered through this door within the
 * window of `now`. An officer who tapped out, was deactivated or lost the role is no escort, at once.
 */
export function findEscort(officers: readonly EscortCandidate[], now: number, policy: Pick<AccessPolicy, 'escortWindowMs' | 'escortRoles' | 'officerRoles'>): EscortCandidate | null {
  let best: EscortCandidate | null = null;
  for (const o of officers) {
    if (!o.active || o.presence !== 'inside' || o.enteredAt === null || !(policy.escortRoles ?? policy.officerRoles).includes(o.role)) continue;
    if (Math.abs(now - o.enteredAt) > policy.escortWindowMs) continue;
    if (best === null || o.enteredAt > (best.enteredAt ?? -Infinity)) best = o;
  }
  return best;
}

/** Decide one tap. */
export function decide(tap: Tap, state: AccessState, now: number, policy: AccessPolicy): Decision {
  if (state.doorDisabled) return { outcome: 'deny', reason: 'door-disabled' };
  const card = state.card;
  // The card's proof comes before the visit and officer rules: an officer inside leaving through a secure reader proves
  // the card too (the exit button lets anyone out), and a copy of an enrolled badge is refused whoever it names.
  const refused = proofRefusal({
    enrolled: state.secureBadge,
    proof: tap.proof ?? { kind: 'uid-only' },
    readerSecure: tap.readerSecure ?? false,
    holder: card.kind,
    visitorsNeedSecureReader: policy.visitorsNeedSecureReader ?? false,
  });
  if (refused) return card.kind === 'officer' ? { outcome: 'deny', reason: refused, officerId: card.officer.id }
    : card.kind === 'visitor' && card.visit ? { outcome: 'deny', reason: refused, visitId: card.visit.id } : { outcome: 'deny', reason: refused };
  if (card.kind === 'unknown') return { outcome: 'deny', reason: 'unknown-badge' };
  if (card.kind === 'officer') {
    const o = card.officer;
    // Leaving is always possible and recorded: an officer inside taps out even if deactivated meanwhile.
    if (tap.direction === 'out' && o.presence === 'inside') return { outcome: 'grant', holder: 'officer', officerId: o.id };
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
  // Leaving is always possible and recorded: a visitor inside leaves even when the visit expired or was revoked.
  if (tap.direction === 'out' && visit.presence === 'inside' && (visit.state === 'issued' || visit.state === 'revoked')) {
    const lapsed = lapsedReason(visit, now);
    return { outcome: 'grant', holder: 'visitor', visitId: visit.id, escortOfficerId: null, ...(lapsed ? { lapsed } : {}) };
  }
  const lapsed = lapsedReason(visit, now);
  if (lapsed) return deny(lapsed);
  if (policy.antiPassback) {
    if (tap.direction === 'in' && visit.presence === 'inside') return deny('passback');
    if (tap.direction === 'out' && visit.presence !== 'inside') return deny('passback');
  }
  if (tap.direction === 'in' && policy.escortRequired) {
    const escort = findEscort(state.officersInside, now, policy);
    if (!escort) return { outcome: 'await-escort', visitId: visit.id };
    return { outcome: 'grant', holder: 'visitor', visitId: visit.id, escortOfficerId: escort.officerId };
  }
  return { outcome: 'grant', holder: 'visitor', visitId: visit.id, escortOfficerId: null };
}

/** Why a visit that holds its badge does not let its visitor in now, or null when it does. */
export function lapsedReason(visit: Visit, now: number): LapsedReason | null {
  if (visit.state === 'revoked') return 'revoked';
  if (visit.state !== 'issued' || visit.validFrom === null || visit.validUntil === null) return 'not-approved';
  if (now < visit.validFrom) return 'not-yet-valid';
  if (now >= visit.validUntil) return 'expired';
  return null;
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
