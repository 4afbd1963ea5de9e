/**
 * The door's tap handler: repeat-read filter (at arrival) → load what the card is and who is inside → pure `decide`
 * → state change and events in one transaction → strike. The transaction commits before the relay is driven, so the
 * door never opens without a stored record, and nothing in memory changes unless it committed: the escort rule reads
 * only committed presence, and a visitor waiting for an escort is remembered only once that wait is recorded.
 */
import { decide, expirePending, isRepeatRead, type AccessPolicy, type AccessState, type CardInfo, type Decision, type EscortCandidate, type LapsedReason, type PendingEscort } from '../domain/decide.js';
import { applyPresence } from '../domain/visit.js';
import type { DenyReason, Officer, Tap } from '../domain/types.js';
import { event, type DomainEvent } from '../domain/events.js';
import type { RawTap } from '../ports/hardware.js';
import type { StorePort, StoredEvent } from '../ports/store.js';
import type { Log } from '../ports/log.js';
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
  /** Which way the grant let the holder through. */
  direction?: 'in' | 'out';
  /** When it was granted (ms): the officer's `enteredAt` for an entry. */
  at?: number;
};

/** The part of the door controller the tap handler drives. */
export interface StrikePort {
  /** Energise the strike for the configured time. */
  grant(ref: GrantRef): void;
}

/** A door reader as the tap handler sees it. */
export interface DoorReader {
  /** Entering (`in`) or leaving (`out`). */
  direction: 'in' | 'out';
  /** The reader authenticates cards (`readers[].secure: ntag424`): a card it reads without proof is refused. */
  secure: boolean;
}

/** Options of the tap handler. */
export interface AccessServiceOptions {
  /** Decision policy. */
  policy: AccessPolicy;
  /** Reads of the same card on the same reader within this many ms count once. */
  repeatWindowMs: number;
  /** Each door reader's direction and whether it authenticates cards, by reader id. */
  readers: ReadonlyMap<string, DoorReader>;
  /** Site secret (unknown cards are recorded only as keyed hashes: they may be KTPs). */
  secret: Buffer;
  /** Clock (ms). */
  now?: () => number;
  /** Called after each committed batch of events (outbox, demo printing). */
  onEvents?: (events: StoredEvent[]) => void;
  /** Make the committed taps durable (fsync) after the strike; default `store.syncNow()`. */
  sync?: () => void;
  /** Run a deferred job (escort expiry) through the daemon's write queue; default: run it now. */
  defer?: (name: string, job: () => void) => void;
}

/** A pending visitor as remembered after its wait was committed. */
type Waiting = PendingEscort;

/** Handles taps at the door. */
export class AccessService {
  private readonly lastSeen = new Map<string, number>();
  private pending: Waiting[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly now: () => number;

  /** Wire to the store, the strike and the logger. */
  constructor(private readonly store: StorePort, private readonly strike: StrikePort, private readonly opts: AccessServiceOptions, private readonly log: Log) {
    this.now = opts.now ?? Date.now;
  }

  /** Handle one raw tap from a door reader now. Returns the decision, or null for a repeat read / non-door reader. */
  handleTap(raw: RawTap): Decision | null {
    return this.admit(raw) ? this.process(raw) : null;
  }

  /**
   * Called when the read arrives: is it a door reader, and not a repeat of the same card within the window?
   * Repeats are judged at arrival, so a tap that waits for the database is not mistaken for a repeat when retried.
   */
  admit(raw: RawTap): boolean {
    if (!this.opts.readers.has(raw.readerId)) return false;
    const now = this.now();
    const key = `${raw.readerId}\u0000${raw.uid}`;
    const repeat = isRepeatRead(this.lastSeen.get(key), now, this.opts.repeatWindowMs);
    this.lastSeen.set(key, now);
    if (this.lastSeen.size > 1000) this.pruneSeen(now);
    return !repeat;
  }

  /**
   * Decide and record one admitted tap in one transaction, then drive the strike. Throws (changing nothing, in the
   * database or in memory) when the transaction fails — the caller may retry a busy database.
   */
  process(raw: RawTap): Decision {
    const reader = this.opts.readers.get(raw.readerId);
    if (!reader) throw new Error(`reader ${raw.readerId} is not a door reader`);
    const { direction } = reader;
    const now = this.now();
    // What the reader proved travels with the tap (a pending visitor is re-decided on the same proof).
    const tap: Tap = { readerId: raw.readerId, direction, uid: raw.uid, at: now, readerSecure: reader.secure, ...(raw.proof ? { proof: raw.proof } : {}) };
    const { decision, stored, grants, pending } = this.store.tx(() => {
      const events: DomainEvent[] = [];
      const grants: GrantRef[] = [];
      // Work on a copy of the waiting list: it replaces the real one only after the commit.
      const pending = { list: [...this.pending] };
      const decision = this.decideAndApply(tap, now, events, grants, pending);
      if (decision.outcome === 'grant' && decision.holder === 'officer' && direction === 'in') {
        this.resolvePending(now, events, grants, pending);
      }
      if (grants.length) this.store.updateDoorStatus({ locked: false });
      return { decision, stored: this.store.events.append(events, now), grants, pending: pending.list };
    });
    // Committed: only now does memory change and the strike move.
    const added = pending.filter((p) => !this.pending.includes(p));
    this.pending = pending;
    for (const p of added) this.armExpiry(p);
    for (const g of grants) this.strike.grant(g);
    // With deferred sync the record was committed (crash-safe) before the strike; this fsync makes it power-safe now.
    try {
      (this.opts.sync ?? (() => this.store.syncNow()))();
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'sync after tap failed; the next write makes it durable');
    }
    this.log.info({ reader: raw.readerId, outcome: decision.outcome, reason: 'reason' in decision ? decision.reason : undefined, visit: 'visitId' in decision ? decision.visitId : undefined }, 'tap');
    this.opts.onEvents?.(stored);
    return decision;
  }

  /** Deny every pending visitor whose escort window has passed; called by a timer. Throws (nothing changed) if the commit fails. */
  expireEscorts(): void {
    const now = this.now();
    const { expired } = expirePending(this.pending, now, this.opts.policy.escortWindowMs);
    if (expired.length === 0) return;
    const stored = this.store.tx(() => this.store.events.append(expired.map((p) => escortMissing(p)), now));
    this.pending = this.pending.filter((p) => !expired.includes(p));
    this.log.info({ count: expired.length }, 'visitors refused: no escort within the window');
    this.opts.onEvents?.(stored);
  }

  /**
   * Raise `alarm.visit_overstay` once for each visitor still inside after their approval ended, and mark the visit.
   * Throws (nothing changed) if the commit fails.
   */
  checkOverstay(): string[] {
    const now = this.now();
    const late = this.store.overstaying(now);
    if (late.length === 0) return [];
    const stored = this.store.tx(() => {
      const events: DomainEvent[] = [];
      for (const v of late) {
        const fresh = this.store.visit(v.id);
        if (!fresh || fresh.presence !== 'inside' || fresh.overstayAt !== undefined || fresh.validUntil === null || now < fresh.validUntil) continue;
        this.store.saveVisit({ ...fresh, overstayAt: now });
        events.push(event('alarm.visit_overstay', { visit: v.id, badge: fresh.badgeUid, validUntil: new Date(fresh.validUntil).toISOString() }));
      }
      return this.store.events.append(events, now);
    });
    if (stored.length) this.log.warn({ visits: stored.map((e) => e.data.visit) }, 'visitor inside after the approval ended');
    this.opts.onEvents?.(stored);
    return stored.map((e) => String(e.data.visit));
  }

  /**
   * The door says a grant was never used (the strike ran out with the door shut): an officer it let in did not enter,
   * so they are outside again and escort nobody; a visitor likewise. Runs inside the caller's transaction (the one
   * recording `access.unused`); returns who was put back outside, or null. A later entry is left alone. After an
   * officer, the caller runs `alarmIfUnescorted` once the other grants of the same strike are settled (a visitor who
   * tapped with that officer and did not enter either is no unescorted visitor).
   */
  grantUnused(ref: GrantRef | undefined): { officer?: string; visit?: string; events: DomainEvent[] } | null {
    if (ref?.visit && ref.direction === 'in' && ref.at !== undefined) return this.visitorGrantUnused(ref.visit, ref.at);
    if (!ref?.officer || ref.direction !== 'in' || ref.at === undefined) return null;
    const o = this.store.officer(ref.officer);
    if (!o || o.presence !== 'inside' || o.enteredAt !== ref.at) return null;
    this.store.setOfficerPresence(o.id, 'outside');
    this.log.info({ officer: o.id }, 'officer grant unused: the officer did not enter and is no escort');
    return { officer: o.id, events: [] };
  }

  /**
   * After an officer's grant went unused: once `delayMs` has passed (every visitor grant of the same strike has been
   * used or reported unused too), raise `alarm.visitor_unescorted` if a visitor is inside with no officer.
   */
  scheduleUnescortedCheck(officerId: string, delayMs: number): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      const job = (): void => this.alarmIfUnescorted(officerId);
      if (this.opts.defer) this.opts.defer('unescorted check', job);
      else { try { job(); } catch (err) { this.log.error({ err: (err as Error).message }, 'unescorted check failed'); } }
    }, delayMs);
    t.unref();
    this.timers.add(t);
  }

  /** Raise `alarm.visitor_unescorted` if no officer is inside while a visitor is (own transaction); throws if the commit fails. */
  alarmIfUnescorted(officerId: string): void {
    const now = this.now();
    const stored = this.store.tx(() => {
      const events: DomainEvent[] = [];
      this.checkUnescorted(events, officerId);
      return this.store.events.append(events, now);
    });
    this.opts.onEvents?.(stored);
  }

  /**
   * A visitor's entry grant went unused: they did not come in. Back outside (no time inside counted, no false
   * overstay or unescorted alarm, no passback refusal at their next tap). A later entry is left alone.
   */
  private visitorGrantUnused(visitId: string, at: number): { visit: string; events: DomainEvent[] } | null {
    const v = this.store.visit(visitId);
    if (!v || v.presence !== 'inside' || v.at.lastEntry !== at) return null;
    const times = { ...v.at };
    delete times.lastEntry;
    if (times.firstEntry === at) delete times.firstEntry;
    this.store.saveVisit({ ...v, presence: 'outside', at: times });
    this.log.info({ visit: v.id }, 'visitor grant unused: the visitor did not enter');
    return { visit: v.id, events: [] };
  }

  /**
   * At start: a visitor who was waiting for an escort when the daemon stopped (or died) is refused now as
   * `escort-missing` (with `afterRestart`), so every recorded wait has its outcome. Looks at the newest `tail` events.
   * Throws (nothing changed) if the commit fails.
   */
  concludeWaitsFromBefore(tail = 500): string[] {
    const events = this.store.events;
    const recent = events.since(Math.max(0, events.lastSeq() - tail), tail);
    const open = new Map<string, { reader: string; badge: string; direction: 'in' | 'out' }>();
    for (const e of recent) {
      if (e.type === 'access.awaiting_escort') open.set(e.data.visit, { reader: e.data.reader, badge: e.data.badge, direction: e.data.direction });
      else if ((e.type === 'access.granted' || e.type === 'access.denied') && e.data.visit !== undefined) open.delete(e.data.visit);
    }
    if (open.size === 0) return [];
    const now = this.now();
    const stored = this.store.tx(() => events.append([...open].map(([visit, w]) => waitRefused('escort-missing', w.reader, w.badge, visit, w.direction, true)), now));
    this.opts.onEvents?.(stored);
    return [...open.keys()];
  }

  /** Visits waiting for an escort now (committed waits only). */
  waiting(): readonly string[] {
    return this.pending.map((p) => p.visitId);
  }

  /** Cancel timers. */
  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private armExpiry(p: Waiting): void {
    const run = (): void => {
      try { this.expireEscorts(); } catch (err) { this.log.error({ err: (err as Error).message }, 'escort expiry failed'); }
    };
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (this.opts.defer) this.opts.defer('escort expiry', () => this.expireEscorts());
      else run();
    }, this.opts.policy.escortWindowMs + 10);
    t.unref();
    this.timers.add(t);
  }

  private cardInfo(uid: string): CardInfo {
    const officer = this.store.officerByBadge(uid);
    if (officer) return { kind: 'officer', officer };
    const badge = this.store.badge(uid);
    if (!badge) return { kind: 'unknown' };
    return { kind: 'visitor', badge, visit: badge.visitId ? this.store.visit(badge.visitId) : null };
  }

  /** What `decide` needs, all read inside the tap's transaction from committed state. */
  private accessState(uid: string, card: CardInfo): AccessState {
    // Only a visitor's tap looks for an escort: officers' and unknown cards' taps skip the query.
    const officersInside = card.kind === 'visitor' ? this.store.officersInside().map(escortCandidate) : [];
    // One primary-key lookup: is this card enrolled, so that it must prove its key?
    return { doorDisabled: this.store.doorStatus().mode === 'disabled', card, officersInside, secureBadge: this.store.secureBadge(uid) };
  }

  private decideAndApply(tap: Tap, now: number, events: DomainEvent[], grants: GrantRef[], pending: { list: Waiting[] }): Decision {
    const card = this.cardInfo(tap.uid);
    const state = this.accessState(tap.uid, card);
    const decision = decide(tap, state, now, this.opts.policy);
    const base = { reader: tap.readerId, direction: tap.direction };
    switch (decision.outcome) {
      case 'deny': {
        // An unknown card may be a KTP or a personal card: store only its keyed hash (an enrolled UID is one of ours).
        const badge = card.kind === 'unknown' && !state.secureBadge ? { cardHash: keyedHash(this.opts.secret, tap.uid) } : { badge: tap.uid };
        events.push(event('access.denied', { ...base, reason: decision.reason, ...badge, ...(decision.visitId ? { visit: decision.visitId } : {}), ...(decision.officerId ? { officer: decision.officerId } : {}) }));
        // A copy of an enrolled badge: the alarm commits with the refusal, in the same transaction.
        if (decision.reason === 'clone-suspected') events.push(cloneSuspected(tap, card, state, decision));
        break;
      }
      case 'await-escort':
        if (!pending.list.some((p) => p.visitId === decision.visitId)) pending.list.push({ tap, visitId: decision.visitId });
        events.push(event('access.awaiting_escort', { ...base, badge: tap.uid, visit: decision.visitId, windowSeconds: this.opts.policy.escortWindowMs / 1000 }));
        break;
      case 'grant':
        if (decision.holder === 'officer') {
          this.store.setOfficerPresence(decision.officerId, tap.direction === 'in' ? 'inside' : 'outside', now);
          events.push(event('access.granted', { ...base, badge: tap.uid, officer: decision.officerId, holder: 'officer' }));
          grants.push({ reader: tap.readerId, badge: tap.uid, officer: decision.officerId, direction: tap.direction, at: now });
          if (tap.direction === 'out') this.checkUnescorted(events, decision.officerId);
        } else {
          this.grantVisitor(tap, decision.visitId, decision.escortOfficerId, now, events, grants, pending, decision.lapsed);
        }
        break;
    }
    return decision;
  }

  private grantVisitor(tap: Tap, visitId: string, escort: string | null, now: number, events: DomainEvent[], grants: GrantRef[], pending: { list: Waiting[] }, lapsed?: LapsedReason): void {
    const visit = this.store.visit(visitId);
    if (!visit) return;
    // The escort of the entry is recorded on the visit ("who is inside with their escort"); no extra read or write.
    const moved = applyPresence(visit, tap.direction === 'in' ? { type: 'enter', readerId: tap.readerId, escort } : { type: 'exit', readerId: tap.readerId }, now);
    this.store.saveVisit(moved);
    pending.list = pending.list.filter((p) => p.visitId !== visitId);
    events.push(event('access.granted', { reader: tap.readerId, direction: tap.direction, badge: tap.uid, visit: visitId, holder: 'visitor', escort, ...(lapsed ? { lapsed } : {}) }));
    grants.push({ reader: tap.readerId, badge: tap.uid, visit: visitId, direction: tap.direction, at: now });
  }

  /** An officer arrived: grant every visitor waiting within the window (re-deciding each on committed state). */
  private resolvePending(now: number, events: DomainEvent[], grants: GrantRef[], pending: { list: Waiting[] }): void {
    const { waiting, expired } = expirePending(pending.list, now, this.opts.policy.escortWindowMs);
    pending.list = waiting;
    for (const p of expired) events.push(escortMissing(p));
    for (const p of [...waiting]) {
      const card = this.cardInfo(p.tap.uid);
      const state = this.accessState(p.tap.uid, card);
      const decision = decide({ ...p.tap, at: now }, state, now, this.opts.policy);
      if (decision.outcome === 'grant' && decision.holder === 'visitor') {
        this.grantVisitor(p.tap, decision.visitId, decision.escortOfficerId, now, events, grants, pending, decision.lapsed);
      } else if (decision.outcome === 'deny') {
        pending.list = pending.list.filter((q) => q !== p);
        events.push(waitRefused(decision.reason, p.tap.readerId, p.tap.uid, p.visitId, p.tap.direction));
        // The card was enrolled while its holder waited, and the tap did not prove it: the same alarm as at once.
        if (decision.reason === 'clone-suspected') events.push(cloneSuspected(p.tap, card, state, decision));
      }
    }
  }

  /** SOP: visitors are supervised at all times. Alarm when the last officer leaves while a visitor is inside. */
  private checkUnescorted(events: DomainEvent[], officerId: string): void {
    if (this.store.officersInside().length > 0) return;
    const visitors = this.store.visitsInside().filter((v) => v.state === 'issued' || v.state === 'revoked');
    if (visitors.length === 0) return;
    events.push(event('alarm.visitor_unescorted', { officer: officerId, visits: visitors.map((v) => v.id) }));
    this.log.warn({ visits: visitors.map((v) => v.id) }, 'last officer left while visitors are inside');
  }

  private pruneSeen(now: number): void {
    for (const [k, t] of this.lastSeen) if (now - t > this.opts.repeatWindowMs) this.lastSeen.delete(k);
  }
}

/** The refusal of a visitor whose escort did not come within the window. */
function escortMissing(p: PendingEscort): DomainEvent<'access.denied'> {
  return waitRefused('escort-missing', p.tap.readerId, p.tap.uid, p.visitId, p.tap.direction);
}

/**
 * The one payload of a refused wait: a visitor who waited for an escort is refused (`escort-missing` when none came in
 * the window or the wait ended with a restart, `afterRestart`; or the reason a re-decision found). Key order is stored.
 */
function waitRefused(reason: DenyReason, reader: string, badge: string, visit: string, direction: 'in' | 'out', afterRestart = false): DomainEvent<'access.denied'> {
  return event('access.denied', afterRestart
    ? { reason, reader, badge, visit, direction, afterRestart: true }
    : { reason, reader, badge, visit, direction });
}

/**
 * The alarm of a suspected copy: who the UID names (the card's record, else its enrolment) and what the tap failed to
 * prove. Only the failure's name: nothing else of the card's answers goes into events or logs.
 */
function cloneSuspected(tap: Tap, card: CardInfo, state: AccessState, d: Extract<Decision, { outcome: 'deny' }>): DomainEvent<'alarm.clone_suspected'> {
  const holder = card.kind === 'officer' || (card.kind === 'unknown' && state.secureBadge?.holder === 'officer') ? 'officer' : 'visitor';
  // A plain reader proves nothing, whatever it reports (as decide() counts it). A card that authenticated at a secure
  // reader and was still refused as a copy proved an older key than its badge holds: not the badge's key.
  const why = !tap.readerSecure ? 'uid-only' : tap.proof?.kind === 'failed' ? tap.proof.why : tap.proof?.kind === 'authenticated' ? 'wrong-key' : 'uid-only';
  return event('alarm.clone_suspected', {
    reader: tap.readerId, direction: tap.direction, badge: tap.uid, holder,
    ...(d.visitId ? { visit: d.visitId } : {}), ...(d.officerId ? { officer: d.officerId } : {}), why,
  });
}

/** An officer as the escort rule sees them. */
function escortCandidate(o: Officer): EscortCandidate {
  return { officerId: o.id, role: o.role, active: o.active, presence: o.presence, enteredAt: o.enteredAt };
}
