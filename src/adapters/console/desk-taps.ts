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

/** How long a desk tap can be used (ms). */
export const DESK_TAP_MS = 120_000;

interface HeldTap {
  uid: string;
  at: number;
  notice: DeskTapNotice;
}

/** The desk reader's recent taps. */
export class DeskTaps {
  private readonly taps = new Map<string, HeldTap>();
  private latestToken: string | null = null;

  constructor(private readonly queries: ConsoleQueries, private readonly now: () => number) {}

  /** A tap arrived: classify the card and keep it under a fresh token. */
  add(tap: Pick<RawTap, 'uid'>): DeskTapNotice {
    this.prune();
    if (isRandomUid(tap.uid)) {
      // A random UID names no card: the page is told so (and every form refuses the token), nothing looks it up.
      const notice: DeskTapNotice = { token: randomToken(16), kind: 'random' };
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
    this.taps.set(token, { uid: tap.uid, at: this.now(), notice });
    this.latestToken = token;
    return notice;
  }

  /** The UID behind a token (`latest`: the newest tap), once: a used token is gone. Null when unknown or expired. */
  take(token: string | undefined | null): { uid: string; notice: DeskTapNotice } | null {
    this.prune();
    const key = token === 'latest' ? this.latestToken : token;
    if (!key) return null;
    const t = this.taps.get(key);
    if (!t) return null;
    this.taps.delete(key);
    if (this.latestToken === key) this.latestToken = null;
    return { uid: t.uid, notice: t.notice };
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
