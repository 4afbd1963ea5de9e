/**
 * The door's tap handler: repeat-read filter → load what the card is → pure `decide` → state change and event in
 * one transaction → strike. The transaction commits before the relay is driven, so the door never opens without
 * a stored record. Visitors waiting for an escort are held for the escort window.
 */
import { decide, expirePending, isRepeatRead, type AccessPolicy, type CardInfo, type Decision, type OfficerTap, type PendingEscort } from '../domain/decide.js';
import { applyPresence } from '../domain/visit.js';
import type { DomainEvent, Tap } from '../domain/types.js';
import type { RawTap } from '../adapters/ports.js';
import type { Store } from '../adapters/sqlite/store.js';
import type { StoredEvent } from '../adapters/sqlite/event-log.js';
import type { Log } from './logger.js';
import { keyedHash } from './secret.js';

/** What the door needs to know about a grant (returned in access.unused). */
export type GrantRef = {
  /** Reader that granted. */
  reader: string;
  /** Card UID of the badge (officer or visitor badge). */
  badge: string;
  /** Visit id, for visitor badges. */
  visit?: string;
  /** Officer id, for officer badges. */
  officer?: string;
};

/** The part of the door controller the tap handler drives. */
export interface StrikePort {
  /** Energise the strike for the configured time. */
  grant(ref: GrantRef): void;
}

/** Options of the tap handler. */
export interface AccessServiceOptions {
  /** Decision policy. */
  policy: AccessPolicy;
  /** Reads of the same card on the same reader within this many ms count once. */
  repeatWindowMs: number;
  /** Direction of each door reader, by reader id. */
  readers: ReadonlyMap<string, 'in' | 'out'>;
  /** Site secret (unknown cards are recorded only as keyed hashes: they may be KTPs). */
  secret: Buffer;
  /** Clock (ms). */
  now?: () => number;
  /** Called after each committed batch of events (outbox, demo printing). */
  onEvents?: (events: StoredEvent[]) => void;
}

/** Handles taps at the door. */
export class AccessService {
  private readonly lastSeen = new Map<string, number>();
  private officerTaps: OfficerTap[] = [];
  private pending: PendingEscort[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly now: () => number;

  /** Wire to the store, the strike and the logger. */
  constructor(private readonly store: Store, private readonly strike: StrikePort, private readonly opts: AccessServiceOptions, private readonly log: Log) {
    this.now = opts.now ?? Date.now;
  }

  /** Handle one raw tap from a door reader. Returns the decision, or null for a repeat read / non-door reader. */
  handleTap(raw: RawTap): Decision | null {
    const direction = this.opts.readers.get(raw.readerId);
    if (!direction) return null;
    const now = this.now();
    const key = `${raw.readerId}\u0000${raw.uid}`;
    const repeat = isRepeatRead(this.lastSeen.get(key), now, this.opts.repeatWindowMs);
    this.lastSeen.set(key, now);
    if (repeat) return null;
    if (this.lastSeen.size > 1000) this.pruneSeen(now);
    const tap: Tap = { readerId: raw.readerId, direction, uid: raw.uid, at: now };
    const grants: GrantRef[] = [];
    const { decision, stored } = this.store.tx(() => {
      const events: DomainEvent[] = [];
      const decision = this.decideAndApply(tap, now, events, grants);
      if (decision.outcome === 'grant' && decision.holder === 'officer' && direction === 'in') {
        this.resolvePending(now, events, grants);
      }
      if (grants.length) this.store.updateDoorStatus({ locked: false });
      return { decision, stored: this.store.events.append(events, now) };
    });
    for (const g of grants) this.strike.grant(g);
    // With deferred sync the record was committed (crash-safe) before the strike; this fsync makes it power-safe now.
    this.store.syncNow(now);
    this.log.info({ reader: raw.readerId, outcome: decision.outcome, reason: 'reason' in decision ? decision.reason : undefined, visit: 'visitId' in decision ? decision.visitId : undefined }, 'tap');
    this.opts.onEvents?.(stored);
    return decision;
  }

  /** Deny every pending visitor whose escort window has passed; called by a timer. */
  expireEscorts(): void {
    const now = this.now();
    const { waiting, expired } = expirePending(this.pending, now, this.opts.policy.escortWindowMs);
    if (expired.length === 0) return;
    this.pending = waiting;
    const stored = this.store.tx(() =>
      this.store.events.append(expired.map((p) => ({
        type: 'access.denied',
        data: { reason: 'escort-missing', reader: p.tap.readerId, badge: p.tap.uid, visit: p.visitId, direction: p.tap.direction },
      })), now),
    );
    this.log.info({ count: expired.length }, 'visitors refused: no escort within the window');
    this.opts.onEvents?.(stored);
  }

  /** Cancel timers. */
  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private cardInfo(uid: string): CardInfo {
    const officer = this.store.officerByBadge(uid);
    if (officer) return { kind: 'officer', officer };
    const badge = this.store.badge(uid);
    if (!badge) return { kind: 'unknown' };
    return { kind: 'visitor', badge, visit: badge.visitId ? this.store.visit(badge.visitId) : null };
  }

  private decideAndApply(tap: Tap, now: number, events: DomainEvent[], grants: GrantRef[]): Decision {
    const windowMs = this.opts.policy.escortWindowMs;
    this.officerTaps = this.officerTaps.filter((t) => now - t.at <= windowMs);
    const card = this.cardInfo(tap.uid);
    const doorDisabled = this.store.doorStatus().mode === 'disabled';
    const decision = decide(tap, { doorDisabled, card, recentOfficerTaps: this.officerTaps }, now, this.opts.policy);
    const base = { reader: tap.readerId, direction: tap.direction };
    switch (decision.outcome) {
      case 'deny': {
        // An unknown card may be a KTP or a personal card: store only its keyed hash.
        const badge = card.kind === 'unknown' ? { cardHash: keyedHash(this.opts.secret, tap.uid) } : { badge: tap.uid };
        events.push({ type: 'access.denied', data: { ...base, reason: decision.reason, ...badge, ...(decision.visitId ? { visit: decision.visitId } : {}), ...(decision.officerId ? { officer: decision.officerId } : {}) } });
        break;
      }
      case 'await-escort':
        if (!this.pending.some((p) => p.visitId === decision.visitId)) {
          this.pending.push({ tap, visitId: decision.visitId });
          const t = setTimeout(() => { this.timers.delete(t); this.safe(() => this.expireEscorts()); }, windowMs + 10);
          t.unref();
          this.timers.add(t);
        }
        events.push({ type: 'access.awaiting_escort', data: { ...base, badge: tap.uid, visit: decision.visitId, windowSeconds: windowMs / 1000 } });
        break;
      case 'grant':
        if (decision.holder === 'officer') {
          this.store.setOfficerPresence(decision.officerId, tap.direction === 'in' ? 'inside' : 'outside');
          if (tap.direction === 'in') this.officerTaps.push({ officerId: decision.officerId, at: now });
          events.push({ type: 'access.granted', data: { ...base, badge: tap.uid, officer: decision.officerId, holder: 'officer' } });
          grants.push({ reader: tap.readerId, badge: tap.uid, officer: decision.officerId });
          if (tap.direction === 'out') this.checkUnescorted(events, decision.officerId);
        } else {
          this.grantVisitor(tap, decision.visitId, decision.escortOfficerId, now, events, grants);
        }
        break;
    }
    return decision;
  }

  private grantVisitor(tap: Tap, visitId: string, escort: string | null, now: number, events: DomainEvent[], grants: GrantRef[]): void {
    const visit = this.store.visit(visitId);
    if (!visit) return;
    const moved = applyPresence(visit, { type: tap.direction === 'in' ? 'enter' : 'exit', readerId: tap.readerId }, now);
    this.store.saveVisit(moved);
    this.pending = this.pending.filter((p) => p.visitId !== visitId);
    events.push({ type: 'access.granted', data: { reader: tap.readerId, direction: tap.direction, badge: tap.uid, visit: visitId, holder: 'visitor', escort } });
    grants.push({ reader: tap.readerId, badge: tap.uid, visit: visitId });
  }

  /** An officer arrived: grant every visitor waiting within the window (re-deciding each, the state may have changed). */
  private resolvePending(now: number, events: DomainEvent[], grants: GrantRef[]): void {
    const { waiting, expired } = expirePending(this.pending, now, this.opts.policy.escortWindowMs);
    this.pending = waiting;
    for (const p of expired) {
      events.push({ type: 'access.denied', data: { reason: 'escort-missing', reader: p.tap.readerId, badge: p.tap.uid, visit: p.visitId, direction: p.tap.direction } });
    }
    for (const p of [...waiting]) {
      const card = this.cardInfo(p.tap.uid);
      const doorDisabled = this.store.doorStatus().mode === 'disabled';
      const decision = decide({ ...p.tap, at: now }, { doorDisabled, card, recentOfficerTaps: this.officerTaps }, now, this.opts.policy);
      if (decision.outcome === 'grant' && decision.holder === 'visitor') {
        this.grantVisitor(p.tap, decision.visitId, decision.escortOfficerId, now, events, grants);
      } else if (decision.outcome === 'deny') {
        this.pending = this.pending.filter((q) => q !== p);
        events.push({ type: 'access.denied', data: { reason: decision.reason, reader: p.tap.readerId, badge: p.tap.uid, visit: p.visitId, direction: p.tap.direction } });
      }
    }
  }

  /** SOP: visitors are supervised at all times. Alarm when the last officer leaves while a visitor is inside. */
  private checkUnescorted(events: DomainEvent[], officerId: string): void {
    if (this.store.officersInside().length > 0) return;
    const visitors = this.store.visits({ presence: 'inside', limit: 100 }).filter((v) => v.state === 'issued' || v.state === 'revoked');
    if (visitors.length === 0) return;
    events.push({ type: 'alarm.visitor_unescorted', data: { officer: officerId, visits: visitors.map((v) => v.id) } });
    this.log.warn({ visits: visitors.map((v) => v.id) }, 'last officer left while visitors are inside');
  }

  private pruneSeen(now: number): void {
    for (const [k, t] of this.lastSeen) if (now - t > this.opts.repeatWindowMs) this.lastSeen.delete(k);
  }

  private safe(fn: () => void): void {
    try { fn(); } catch (err) { this.log.error({ err }, 'escort expiry failed'); }
  }
}
