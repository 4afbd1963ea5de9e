/**
 * Taps on the desk reader (KTP chips, free badges, returned badges, officers' badges at sign-in). Each tap becomes a
 * one-time token valid for two minutes: browsers are told the token and what the card is (never its UID), and a form
 * sends the token back; the server alone maps it to the UID. Without JavaScript a form can ask for the latest tap.
 */
import type { RawTap } from '../../ports/hardware.js';
import type { ConsoleQueries } from '../../ports/console.js';
import type { DeskTapNotice } from './live.js';
import { randomToken } from './session.js';
import { isRandomUid } from '../../domain/uid.js';
import { deskTapUnproven } from '../../domain/badge-proof.js';

/** How long a desk tap can be used (ms). */
export const DESK_TAP_MS = 120_000;

interface HeldTap {
  uid: string;
  /** What the desk reader proved about the card (kept so a tap given back under a new token stays what it was). */
  proof?: RawTap['proof'];
  at: number;
  notice: DeskTapNotice;
}

/** The desk reader's recent taps. */
export class DeskTaps {
  private readonly taps = new Map<string, HeldTap>();
  private latestToken: string | null = null;

  /** `secure`: the desk reader authenticates cards, so an enrolled secure badge counts only with its proof. */
  constructor(private readonly queries: ConsoleQueries, private readonly now: () => number, private readonly secure = false) {}

  /** A tap arrived (or a used one is given back under a new token): classify the card and keep it under a fresh token. */
  add(tap: Pick<RawTap, 'uid' | 'proof'>): DeskTapNotice {
    this.prune();
    if (isRandomUid(tap.uid)) {
      // A random UID names no card: the page is told so (and every form refuses the token), nothing looks it up.
      const notice: DeskTapNotice = { token: randomToken(16), kind: 'random' };
      this.taps.set(notice.token, { uid: tap.uid, at: this.now(), notice });
      this.latestToken = notice.token;
      return notice;
    }
    // The UID of an enrolled secure badge whose card did not prove its key (issue 15): a suspected copy. It is no
    // officer's badge and no pool badge here, so no form can sign in, issue or take back with it (nothing looked up).
    if (this.secure && deskTapUnproven({ enrolled: this.queries.secureBadge(tap.uid), proof: tap.proof, deskSecure: true })) {
      const notice: DeskTapNotice = { token: randomToken(16), kind: 'unproven' };
      this.taps.set(notice.token, { uid: tap.uid, at: this.now(), notice });
      this.latestToken = notice.token;
      return notice;
    }
    const officer = this.queries.officerByBadge(tap.uid);
    const badge = officer ? null : this.queries.badge(tap.uid);
    const token = randomToken(16);
    const notice: DeskTapNotice = officer
      ? { token, kind: 'officer', officer: officer.id, label: officer.name }
      : badge
        ? { token, kind: 'badge', label: badge.label, status: badge.status }
        : { token, kind: 'card' };
    this.taps.set(token, { uid: tap.uid, at: this.now(), notice, ...(tap.proof ? { proof: tap.proof } : {}) });
    this.latestToken = token;
    return notice;
  }

  /** The UID behind a token (`latest`: the newest tap), once: a used token is gone. Null when unknown or expired. */
  take(token: string | undefined | null): { uid: string; notice: DeskTapNotice; proof?: RawTap['proof'] } | null {
    this.prune();
    const key = token === 'latest' ? this.latestToken : token;
    if (!key) return null;
    const t = this.taps.get(key);
    if (!t) return null;
    this.taps.delete(key);
    if (this.latestToken === key) this.latestToken = null;
    return { uid: t.uid, notice: t.notice, ...(t.proof ? { proof: t.proof } : {}) };
  }

  /** What a token stands for, without using it. */
  peek(token: string | undefined | null): DeskTapNotice | null {
    this.prune();
    const key = token === 'latest' ? this.latestToken : token;
    return key ? this.taps.get(key)?.notice ?? null : null;
  }

  private prune(): void {
    const now = this.now();
    for (const [k, t] of this.taps) if (now - t.at > DESK_TAP_MS || now < t.at - DESK_TAP_MS) this.taps.delete(k);
    if (this.latestToken && !this.taps.has(this.latestToken)) this.latestToken = null;
  }
}
