/**
 * What every screen of the console is given: the ports to the app, the settings, the catalogue, the sessions, the live
 * hub and the desk reader's taps; and the per-request variables (language, translator, signed-in officer).
 */
import type { Hono } from 'hono';
import type { Officer, Role } from '../../domain/types.js';
import { ALLOWED_ROLES, type SopStandards } from '../../domain/sop.js';
import type { ServerRoomRules } from '../../domain/rules.js';
import type { ConsolePorts } from '../../ports/console.js';
import type { Log } from '../../ports/log.js';
import type { Catalogue, Lang, Translate } from './i18n/index.js';
import type { Session, SessionStore } from './session.js';
import type { LiveHub } from './live.js';
import type { DeskTaps } from './desk-taps.js';

/** Settings of the console, from the config. */
export interface ConsoleSettings {
  /** Site id. */
  site: string;
  /** Door id. */
  door: string;
  /** The site's time zone (`visits.timeZone`): every time shown or accepted is in it. */
  timeZone: string;
  /** Idle timeout of a session (ms). */
  idleMs: number;
  /** Default language. */
  language: Lang;
  /** Served over TLS (cookies are then Secure). */
  secure: boolean;
  /** Listening on loopback only: requests must name a loopback host (no DNS rebinding). */
  loopbackOnly?: boolean;
  /** SOP time standards (minutes per step). */
  standards: SopStandards;
  /** Minutes a head's approval lasts by default (`visits.defaultValidity`: end of the local day, or hours). */
  defaultValidity: 'end-of-day' | number;
  /** The privacy notice the request form shows the visitor (`privacy.notice`; UU PDP). */
  privacyNotice?: string;
  /** The server-room rules the visitor acknowledges at badge issue (`visits.rules`). */
  rules: ServerRoomRules;
  /** How long the desk reader waits for a card to program, ms (default 30 s; tests shorten it). */
  cardWaitMs?: number;
}

/** The per-request variables of a console request. */
export interface ConsoleVars {
  /** Language of this request. */
  lang: Lang;
  /** Translator for it. */
  t: Translate;
  /** The session, when signed in. */
  session: Session | null;
  /** The signed-in officer (read fresh on every request: a role change or deactivation applies at once). */
  officer: Officer | null;
  /** CSRF token for forms (the session's, or the pre-session one on the sign-in page). */
  csrf: string;
}

/** Hono environment of the console. */
export type ConsoleEnv = { Variables: ConsoleVars };

/** The console's Hono app. */
export type ConsoleApp = Hono<ConsoleEnv>;

/** What screens are given. */
export interface ConsoleContext {
  /** The app, through its ports. */
  ports: ConsolePorts;
  /** Settings. */
  settings: ConsoleSettings;
  /** Message catalogue. */
  catalogue: Catalogue;
  /** Sessions. */
  sessions: SessionStore;
  /** Live updates (SSE). */
  live: LiveHub;
  /** Taps on the desk reader. */
  desk: DeskTaps;
  /** Logger (never personal data). */
  log: Log;
  /** Clock (ms). */
  now: () => number;
}

/** A screen group: registers its routes (and live panes). */
export type Screen = (app: ConsoleApp, ctx: ConsoleContext) => void;

/** Actions of the console beyond the visit actions of the SOP (`ALLOWED_ROLES`): officers and badges are a head's. */
const CONSOLE_ONLY: Record<string, readonly Role[]> = { manage: ['head'], acknowledge_mismatch: ['head'], badge_found: ['head'], cancel: ['staff', 'coordinator', 'head'], reveal_nik: ['head'], watchlist: ['head'], secure_badges: ['head'] };

/** May an officer of `role` do `action` (a SOP visit action, or manage / acknowledge_mismatch / badge_found / cancel)? */
export function may(role: Role, action: string): boolean {
  const roles = (ALLOWED_ROLES as Record<string, readonly Role[]>)[action] ?? CONSOLE_ONLY[action] ?? ['head'];
  return roles.includes(role);
}
