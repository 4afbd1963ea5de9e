/**
 * The alarm of a suspected copy at the desk (issue 15): a secure desk reader refuses a card that shows an enrolled
 * badge's UID without proving its key, and `alarm.desk_clone_suspected` says so, as the door's `alarm.clone_suspected`
 * does there. Who the UID names comes from the store (the enrolment's holder, the pool badge's visit or the officer's
 * id): no name, no NIK. The same copy held on the reader taps again and again: one alarm per card per `quietMs`.
 */
import type { StorePort } from '../ports/store.js';
import type { CardProof } from '../domain/badge-proof.js';
import { event } from '../domain/events.js';

/** How long (ms) further taps of the same copy at the desk raise no new alarm. */
export const DESK_CLONE_QUIET_MS = 10_000;

/** What the desk alarm reads and writes. */
export type DeskCloneStore = Pick<StorePort, 'tx' | 'events' | 'secureBadge' | 'badge' | 'officerByBadge'>;

/** Raises `alarm.desk_clone_suspected` for refused desk taps, at most once per card per quiet period. */
export class DeskCloneAlarms {
  private readonly lastAt = new Map<string, number>();

  /** Bind to a store and a clock (ms). */
  constructor(private readonly store: DeskCloneStore, private readonly now: () => number, private readonly quietMs = DESK_CLONE_QUIET_MS) {}

  /**
   * Record the alarm for a tap of `uid` on desk reader `reader` that was refused as unproven (the caller's judgement,
   * `deskTapUnproven`). Returns whether an alarm was written: false for a card not enrolled (nothing to name) or a repeat
   * within the quiet period. Throws what the store throws (nothing is then remembered).
   */
  raise(reader: string, uid: string, proof: CardProof | undefined): boolean {
    const now = this.now();
    for (const [k, at] of this.lastAt) if (now - at >= this.quietMs || now < at) this.lastAt.delete(k);
    if (this.lastAt.has(uid)) return false;
    const written = this.store.tx(() => {
      const enrolled = this.store.secureBadge(uid);
      if (!enrolled) return false;
      const holder = enrolled.holder === 'officer' ? 'officer' : 'visitor';
      const visit = holder === 'visitor' ? this.store.badge(uid) : null;
      const officer = holder === 'officer' ? this.store.officerByBadge(uid) : null;
      // An authenticated card refused all the same proved an older key than its badge holds: not the badge's key.
      const why = proof?.kind === 'failed' ? proof.why : proof?.kind === 'authenticated' ? 'wrong-key' : 'uid-only';
      this.store.events.append([event('alarm.desk_clone_suspected', {
        reader, badge: uid, holder,
        ...(visit?.status === 'issued' && visit.visitId ? { visit: visit.visitId } : {}), ...(officer ? { officer: officer.id } : {}), why,
      })], now);
      return true;
    });
    if (written) this.lastAt.set(uid, now);
    return written;
  }
}
