/**
 * Signed-in sessions of the console, kept in memory (a restart of `pintu run` signs everyone out): a random token in
 * an HttpOnly, SameSite=Strict cookie (Secure under TLS), stored here only as its SHA-256, a CSRF token per session,
 * and an idle timeout. Nothing personal is kept beyond the officer's id.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Lang } from './i18n/index.js';

/** One signed-in officer at one browser. */
export interface Session {
  /** The officer signed in. */
  officerId: string;
  /** Token every change must carry (form field `_csrf` or header `X-CSRF-Token`). */
  csrf: string;
  /** Last request (ms). */
  lastSeen: number;
  /** Language chosen in this session. */
  lang: Lang;
  /** A notice shown once on the next page (after a redirect). */
  flash: string | null;
}

/** Name of the session cookie. */
export const SESSION_COOKIE = 'pintu_session';

const digest = (token: string): string => createHash('sha256').update(token).digest('hex');

/** A random URL-safe token. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** The sessions of one console. */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly idleMs: number) {}

  /** Open a session; returns the cookie token (only its hash is kept). */
  open(officerId: string, lang: Lang, now: number): { token: string; session: Session } {
    const token = randomToken();
    const session: Session = { officerId, csrf: randomToken(24), lastSeen: now, lang, flash: null };
    this.sessions.set(digest(token), session);
    return { token, session };
  }

  /** The live session of a cookie token (touched), or null when unknown or idle too long (then ended). */
  touch(token: string | undefined, now: number): Session | null {
    if (!token) return null;
    const key = digest(token);
    const s = this.sessions.get(key);
    if (!s) return null;
    if (now - s.lastSeen > this.idleMs) { this.sessions.delete(key); return null; }
    s.lastSeen = now;
    return s;
  }

  /** The session of a token without touching it (the live stream does not keep a session alive). */
  peek(token: string | undefined, now: number): Session | null {
    if (!token) return null;
    const s = this.sessions.get(digest(token));
    return s && now - s.lastSeen <= this.idleMs ? s : null;
  }

  /** End a session (sign-out). */
  end(token: string | undefined): Session | null {
    if (!token) return null;
    const key = digest(token);
    const s = this.sessions.get(key) ?? null;
    this.sessions.delete(key);
    return s;
  }

  /** End every session of an officer (deactivated, PIN reset), but `keep` when given; returns how many. */
  endOfficer(officerId: string, keep?: Session | null): number {
    let n = 0;
    for (const [k, s] of this.sessions) if (s.officerId === officerId && s !== keep) { this.sessions.delete(k); n += 1; }
    return n;
  }

  /** Remove idle sessions; returns the officers whose session timed out. */
  sweep(now: number): string[] {
    const out: string[] = [];
    for (const [k, s] of this.sessions) if (now - s.lastSeen > this.idleMs) { this.sessions.delete(k); out.push(s.officerId); }
    return out;
  }

  /** Sessions open now. */
  get size(): number {
    return this.sessions.size;
  }
}
