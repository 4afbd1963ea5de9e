/**
 * Secure badges at the console's desk (issue 15): the console's `SecureBadgeDesk` port over the desk reader as badge
 * programmer (`BadgeWriter`), the site's badge keys and the enrolment records (`BadgeEnrolment`). A card is checked by
 * its UID before anything is written to it; the card is written, then the records go on the daemon's write queue in
 * one transaction. The keys stay in the writer and the key source: nothing here reads a key's bytes.
 */
import { event } from '../domain/events.js';
import { NotFound, Refused, UserError } from '../domain/errors.js';
import type { SecureBadge } from '../domain/badge-proof.js';
import type { Officer, VisitorBadge } from '../domain/types.js';
import type { BadgeKeySource } from '../ports/badge-keys.js';
import type { BadgeKeyView, CardWait, SecureBadgeDesk, SecureBadgeEnrolment, SecureBadgeReset, SecureBadgeTarget } from '../ports/console.js';
import type { BadgeWriter, CardAcceptance, EnrolledCard } from '../ports/hardware.js';
import type { StorePort } from '../ports/store.js';

/** A card written at the desk whose record then failed: it holds the site key but opens nothing until enrolled again. */
export class NotRecorded extends Refused {
  /** The refusal of the record. */
  readonly why: UserError;

  /** For a card now holding `keyVersion`, its record refused with `why`. */
  constructor(keyVersion: number, why: UserError) {
    super(`the card now holds the site key (version ${keyVersion}) but was NOT enrolled: ${why.message}. Enrol it again (it re-keys the card and records it)`, {
      code: 'secure_badge.not_recorded', params: { version: keyVersion },
    });
    this.why = why;
  }
}

/** The enrolment records this desk writes through (the app's `BadgeEnrolment`). */
export interface EnrolmentRecords {
  /** Check who acts and the target before the desk waits for a card (throws the refusal). */
  checkTarget(target: SecureBadgeTarget, by: string | null): void;
  /** Refuse a card (by its UID, before anything is written to it) that is not the target's; say whether it is enrolled. */
  cardCheck(target: SecureBadgeTarget, uid: string): CardAcceptance;
  /** Record a card the desk just gave the site key, in one transaction. */
  record(target: SecureBadgeTarget, card: EnrolledCard, by: string | null): SecureBadgeEnrolment;
  /** Retire a pool badge, its enrolment with it (with `reset`: its factory key was put back, `badge.key_reset`). */
  retire(uidOrLabel: string, by: string, reset: { uid: string; previousKeyVersion: number } | null): VisitorBadge;
}

/** The store's part this desk reads and writes. */
export type SecureBadgeDeskStore = Pick<StorePort, 'tx' | 'events' | 'officer' | 'officerByBadge' | 'badge' | 'secureBadge' | 'secureBadges' | 'removeSecureBadge'>;

/** What the desk is built from. */
export interface SecureBadgeDeskParts {
  /** The door's store. */
  store: SecureBadgeDeskStore;
  /** The enrolment records. */
  records: EnrolmentRecords;
  /** The desk reader as badge programmer, or null when it cannot program cards (none, or not PC/SC). */
  writer: BadgeWriter | null;
  /** The site's badge keys, or null when the site has none configured. */
  keys: BadgeKeySource | null;
  /** Run a job on the daemon's write queue. */
  write: <T>(name: string, job: () => T) => Promise<T>;
  /** The time stamped on records (the clock guard's effective time). */
  now: () => number;
}

/** The console's secure-badge desk. */
export class SecureBadgeDeskService implements SecureBadgeDesk {
  /** Over its parts. */
  constructor(private readonly p: SecureBadgeDeskParts) {}

  /** The key versions (current, still accepted, retired), or unusable. */
  keys(): BadgeKeyView {
    if (!this.p.keys) return { usable: false };
    try {
      const ring = this.p.keys.keyring();
      const versions = ring.versions();
      return {
        usable: true, current: ring.current,
        accepted: versions.filter((v) => v !== ring.current && ring.accepted(v)),
        retired: versions.filter((v) => v !== ring.current && !ring.accepted(v)),
      };
    } catch {
      return { usable: false };
    }
  }

  /** Every enrolled card. */
  enrolled(): SecureBadge[] {
    return this.p.store.secureBadges();
  }

  /** Whether the desk can program cards now. */
  writer(): { ready: true } | { ready: false; why: 'no-reader' | 'no-keys' } {
    if (!this.p.writer) return { ready: false, why: 'no-reader' };
    return this.keys().usable ? { ready: true } : { ready: false, why: 'no-keys' };
  }

  /** Check the target and the acting head. */
  check(target: SecureBadgeTarget, by: string): void {
    this.p.records.checkTarget(target, by);
  }

  /** Wait for the target's card, give it the current key, record it. */
  async enroll(target: SecureBadgeTarget, by: string, wait: CardWait): Promise<SecureBadgeEnrolment> {
    const writer = this.ready();
    this.p.records.checkTarget(target, by);
    const card = await writer.enroll({ ...wait, accept: (uid: string) => this.accept(target, uid) });
    try {
      return await this.p.write('console.badge_enroll', () => this.p.records.record(target, card, by));
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      // The card holds the site key but no record says so: it opens nothing; enrolling it again re-keys and records it.
      throw new NotRecorded(card.keyVersion, err);
    }
  }

  /** Wait for the enrolled card `uid`, put its factory key back, record it. */
  async reset(uid: string, by: string, wait: CardWait): Promise<SecureBadgeReset> {
    const writer = this.ready();
    const enrolled = this.p.store.secureBadge(uid);
    if (!enrolled) throw new Refused(`card ${uid} is not enrolled with a secure key: there is no key to put back`, { code: 'secure_badge.not_enrolled', params: { card: uid } });
    // Everything the records will check is checked first: a card reset but still enrolled would read as a copy at the door.
    const pool = enrolled.holder === 'pool' ? this.p.store.badge(uid) : null;
    const officer = enrolled.holder === 'officer' ? this.p.store.officerByBadge(uid) : null;
    this.head(by);
    if (pool?.status === 'issued') throw new Refused(`badge ${pool.label} is issued to visit ${pool.visitId}; check the visit out first`, { field: 'badge', code: 'secure_badge.issued', params: { label: pool.label, visit: pool.visitId ?? '' } });
    if (enrolled.holder === 'pool' && !pool) throw new NotFound('badge', `no pool badge with card ${uid}`, { field: 'badge' });
    const r = await writer.reset({
      ...wait,
      accept: (presented: string) => {
        if (presented !== uid) throw new Refused(`this card is ${presented}, not ${uid}: present that card`, { field: 'uid', code: 'secure_badge.wrong_card', params: { card: uid, presented } });
      },
    });
    if (pool) {
      await this.p.write('console.badge_reset', () => this.p.records.retire(uid, by, r));
      return { uid, previousKeyVersion: r.previousKeyVersion, label: pool.label, officer: null };
    }
    await this.p.write('console.badge_reset', () => this.p.store.tx(() => {
      const actor = this.head(by);
      this.p.store.removeSecureBadge(uid);
      this.p.store.events.append([event('badge.key_reset', { badge: uid, previousKeyVersion: r.previousKeyVersion, by: actor.id })], this.p.now());
    }));
    return { uid, previousKeyVersion: r.previousKeyVersion, label: null, officer: officer?.id ?? null };
  }

  /**
   * Refuse a card that is not the target's, untouched, saying so in a form the console can put in its words; else say
   * whether its UID is enrolled (the writer then refuses a factory-key card showing it: a copy of the UID).
   */
  private accept(target: SecureBadgeTarget, uid: string): CardAcceptance {
    try {
      return this.p.records.cardCheck(target, uid);
    } catch (err) {
      if (!(err instanceof UserError) || err.code !== undefined) throw err;
      if (target.holder === 'officer' && err.field === 'officer') {
        throw new Refused(err.message, { field: 'uid', code: 'secure_badge.not_officers_card', params: { presented: uid, officer: target.officer } });
      }
      if (target.holder === 'pool' && err.field === 'label') {
        throw new Refused(err.message, { field: 'uid', code: 'secure_badge.not_for_label', params: { presented: uid, label: target.label } });
      }
      throw err;
    }
  }

  /** The writer, when the desk can program cards. */
  private ready(): BadgeWriter {
    const w = this.writer();
    if (!w.ready) {
      throw w.why === 'no-reader'
        ? new Refused('the desk reader cannot program cards (a PC/SC desk reader is needed)', { code: 'secure_badge.no_writer' })
        : new Refused('the badge key file is missing or unusable (pintu badge key create)', { code: 'secure_badge.no_keys' });
    }
    return this.p.writer!;
  }

  /** The acting officer: an active head. */
  private head(by: string): Officer {
    const o = this.p.store.officer(by.trim().toUpperCase());
    if (!o) throw new NotFound('officer', `no officer with id "${by}"`, { field: 'by' });
    if (o.role !== 'head' || !o.active) throw new Refused(`officer ${o.id} is ${o.active ? o.role : 'deactivated'}; only an active head resets badges`, { field: 'by', code: 'secure_badge.not_head', params: { officer: o.id } });
    return o;
  }
}
