/**
 * Enrolling secure badges at the desk (issue 15, docs/badges.md): what the records say once the desk reader (the
 * `BadgeWriter` port) has given a card the site's key, or its factory key back. Whose card it is — a badge of the
 * visitor pool (by its printed label) or an officer's own badge (their registered card, or a new card of its own that
 * then replaces it: how officers move from EM4100 to secure badges) — is checked on the card's UID before anything is
 * written to it ({@link BadgeEnrolment.acceptCard}), and again in the one transaction that records the enrolment: the
 * pool badge (added when its label is new), the `secure_badges` row with the key version, and `badge.enrolled`.
 *
 * The card is written before the record. If the record then fails, the card holds the site key but is not enrolled
 * (a secure reader refuses it); enrolling it again re-keys it idempotently and records it ({@link NOT_RECORDED}).
 */
import { event } from '../domain/events.js';
import { NotFound, Refused, UserError } from '../domain/errors.js';
import type { Officer, VisitorBadge } from '../domain/types.js';
import type { SecureBadge } from '../domain/badge-proof.js';
import type { CardAcceptance, EnrolledCard } from '../ports/hardware.js';
import type { StorePort } from '../ports/store.js';
import type { VisitService } from './visit-service.js';
import { cardUid } from './input-checks.js';

/** Whose card is enrolled: a pool badge by its printed label, or an officer's own badge. */
export type EnrolTarget = { holder: 'pool'; label: string } | { holder: 'officer'; officer: string };

/** What one enrolment recorded. */
export interface EnrolmentRecord {
  /** The card's UID. */
  uid: string;
  /** Pool badge or officer's badge. */
  holder: 'pool' | 'officer';
  /** The pool badge's label (holder pool). */
  label: string | null;
  /** The officer whose badge it is (holder officer). */
  officer: string | null;
  /** The officer's former badge UID, when this card replaced it (it no longer opens the door). */
  replacedBadge: string | null;
  /** The key version the card now holds. */
  keyVersion: number;
  /** The key version it held before (0: factory). */
  previousKeyVersion: number;
  /** The pool badge was new (added to the pool by this enrolment). */
  added: boolean;
}

/** Options of {@link BadgeEnrolment}. */
export interface BadgeEnrolmentOptions {
  /** The time stamped on records and events (the clock guard's effective time). */
  now: () => number;
}

/** Who acts, as written in events: an officer id, or "cli" for a pool enrolment run without --by. */
export const CLI_ACTOR = 'cli';

/** What the officer is told when the card was written but the record failed. */
export function NOT_RECORDED(keyVersion: number, why: string): string {
  return `the card now holds the site key (version ${keyVersion}) but was NOT enrolled: ${why}. `
    + 'It does not open the door like this: enrol it again (the same command; it re-keys the card idempotently and records it)';
}

/** Records of secure badges written at the desk. */
export class BadgeEnrolment {
  /** Over a store and the visit service (the pool's rules for adding and retiring badges). */
  constructor(private readonly store: StorePort, private readonly visits: VisitService, private readonly opts: BadgeEnrolmentOptions) {}

  /**
   * Check who acts and the target before the desk waits for a card: `by` must be an active head when given (for an
   * officer's badge it is required); a new label must be valid and free; the officer must exist and be active.
   */
  checkTarget(target: EnrolTarget, by: string | null): void {
    this.actor(target, by);
    if (target.holder === 'pool') {
      const b = this.store.badgeByLabel(target.label.trim());
      if (b) this.usablePoolBadge(b);
      else if (!target.label.trim()) throw new UserError('badge label must not be empty', { field: 'label', subject: 'badge label' });
    } else {
      this.holderOfficer(target.officer);
    }
  }

  /** Refuse a card (by its UID, before anything is written to it) that is not the target's. */
  acceptCard(target: EnrolTarget, uidInput: string): void {
    const uid = cardUid(uidInput, 'uid', 'card UID');
    if (target.holder === 'officer') {
      const o = this.holderOfficer(target.officer);
      if (o.badgeUid === uid) return;
      // Another card becomes the officer's badge (e.g. an NTAG 424 DNA replacing an EM4100 one): a card of its own.
      const other = this.store.officerByBadge(uid);
      if (other) throw new Refused(`this card is the badge of officer ${other.id}, not of officer ${o.id}`, { field: 'officer' });
      const pool = this.store.badge(uid);
      if (pool) throw new Refused(`this card is badge ${pool.label} of the visitor pool; an officer's badge must be a card of its own`, { field: 'officer' });
      return;
    }
    const label = target.label.trim();
    const byLabel = this.store.badgeByLabel(label);
    if (byLabel) {
      if (byLabel.uid !== uid) throw new Refused(`label ${label} is badge ${byLabel.uid}; this card is ${uid}: present badge ${label}, or give the new card its own label`, { field: 'label' });
      this.usablePoolBadge(byLabel);
      return;
    }
    const other = this.store.badge(uid);
    if (other) throw new Refused(`this card is already badge ${other.label} of the pool: enrol it with --label ${other.label}`, { field: 'label' });
    const officer = this.store.officerByBadge(uid);
    if (officer) throw new Refused(`this card is the badge of officer ${officer.id}: enrol it with --officer ${officer.id}`, { field: 'label' });
  }

  /**
   * {@link acceptCard}, and whether the card's UID is enrolled already: the badge writer then refuses a card showing it
   * with the factory key (a copy of the UID, which would otherwise be given the enrolled badge's own key).
   */
  cardCheck(target: EnrolTarget, uidInput: string): CardAcceptance {
    this.acceptCard(target, uidInput);
    return { enrolled: this.store.secureBadge(cardUid(uidInput, 'uid', 'card UID')) !== null };
  }

  /**
   * Record a card the desk reader just gave the site key, in one transaction: the pool badge (added when its label is
   * new) or the officer's badge checked, the enrolment with its key version, and `badge.enrolled`.
   */
  record(target: EnrolTarget, card: EnrolledCard, by: string | null): EnrolmentRecord {
    return this.store.tx(() => {
      const actor = this.actor(target, by);
      this.acceptCard(target, card.uid);
      const now = this.opts.now();
      let added = false;
      if (target.holder === 'pool' && !this.store.badgeByLabel(target.label.trim())) {
        this.visits.addBadge(card.uid, target.label, actor ?? undefined);
        added = true;
      }
      const label = target.holder === 'pool' ? this.store.badge(card.uid)!.label : null;
      const holder = target.holder === 'officer' ? this.holderOfficer(target.officer) : null;
      const officer = holder?.id ?? null;
      // The officer's badge becomes this card; the card it replaces no longer opens the door (nor stays enrolled).
      const replacedBadge = holder && holder.badgeUid !== card.uid ? holder.badgeUid : null;
      if (holder && replacedBadge !== null) {
        this.store.setOfficerBadge(holder.id, card.uid);
        this.store.removeSecureBadge(replacedBadge);
      }
      const who = actor ?? CLI_ACTOR;
      const badge: SecureBadge = { uid: card.uid, keyVersion: card.keyVersion, holder: target.holder, enrolledAt: now };
      this.store.saveSecureBadge(badge, who);
      this.store.events.append([event('badge.enrolled', {
        badge: card.uid, holder: target.holder, ...(label !== null ? { label } : {}), ...(officer !== null ? { holderOfficer: officer } : {}),
        keyVersion: card.keyVersion, previousKeyVersion: card.previousKeyVersion, by: who,
      })], now);
      return { uid: card.uid, holder: target.holder, label, officer, replacedBadge, keyVersion: card.keyVersion, previousKeyVersion: card.previousKeyVersion, added };
    });
  }

  /** The enrolment of a pool badge (by UID or label), or null when it is a plain badge. */
  enrolmentOf(uidOrLabel: string): { badge: VisitorBadge; enrolled: SecureBadge | null } {
    const badge = this.visits.findBadge(uidOrLabel);
    return { badge, enrolled: this.store.secureBadge(badge.uid) };
  }

  /**
   * Retire a pool badge (`pintu badge retire`), in one transaction: the pool marks it retired (`badge.retired`), and an
   * enrolled card loses its enrolment — with `reset` (its factory key was put back at the desk) `badge.key_reset` says
   * so; without (the card is lost) the card keeps the site key but no longer opens the door, as it is enrolled nowhere.
   */
  retire(uidOrLabel: string, by: string, reset: { uid: string; previousKeyVersion: number } | null): VisitorBadge {
    return this.store.tx(() => {
      const b = this.visits.retireBadge(uidOrLabel, by);
      // The enrolment goes with the badge; a lost card keeps the site key but, enrolled nowhere, opens nothing.
      this.store.removeSecureBadge(b.uid);
      if (reset) {
        if (reset.uid !== b.uid) throw new Refused(`the card reset is ${reset.uid}, not badge ${b.label} (${b.uid})`, { field: 'badge' });
        const officer = this.store.officer(by.trim().toUpperCase())!;
        this.store.events.append([event('badge.key_reset', { badge: b.uid, previousKeyVersion: reset.previousKeyVersion, by: officer.id })], this.opts.now());
      }
      return b;
    });
  }

  /** The acting head (null: a pool enrolment without --by); refused when not an active head. */
  private actor(target: EnrolTarget, by: string | null): string | null {
    if (by === null) {
      if (target.holder === 'officer') throw new UserError("an officer's badge is enrolled by a head: give --by HEAD (and that head's PIN)", { field: 'by' });
      return null;
    }
    const o = this.store.officer(by.trim().toUpperCase());
    if (!o) throw new NotFound('officer', `no officer with id "${by}"`, { field: 'by' });
    if (o.role !== 'head' || !o.active) {
      throw new Refused(`officer ${o.id} is ${o.active ? o.role : 'deactivated'}; only an active head enrols badges`, { field: 'by', code: 'secure_badge.enrol_not_head', params: { officer: o.id } });
    }
    return o.id;
  }

  /** The officer whose badge is enrolled: must exist and be active. */
  private holderOfficer(id: string): Officer {
    const o = this.store.officer(id.trim().toUpperCase());
    if (!o) throw new NotFound('officer', `no officer with id "${id}"`, { field: 'officer' });
    if (!o.active) throw new Refused(`officer ${o.id} is deactivated: activate them before enrolling their badge`, { field: 'officer', code: 'secure_badge.officer_inactive', params: { officer: o.id } });
    return o;
  }

  /** A pool badge that may be (re-)enrolled: not retired, not lost. */
  private usablePoolBadge(b: VisitorBadge): void {
    if (b.status === 'retired' || b.status === 'lost') {
      throw new Refused(`badge ${b.label} is ${b.status}: it is not enrolled${b.status === 'lost' ? ' (a head puts a found badge back first: pintu badge found)' : ''}`, { field: 'label', code: `secure_badge.label_${b.status}`, params: { label: b.label } });
    }
  }
}
