/**
 * What every screen of the dashboard is given (the store's SQL, the users, signed commands, the live feed, settings,
 * catalogue, sessions) and the per-request variables (language, translator, signed-in user and their site scope).
 */
import type { Hono } from 'hono';
import type { Log } from '../../ports/log.js';
import type { SessionStore, Session } from '../../adapters/console/session.js';
import type { CommandAction, ReplyMessage } from '../../protocol/messages.js';
import type { SqlRunner } from '../sql-runner.js';
import type { CentralStore } from '../store.js';
import type { CentralUser, CentralUsers } from '../users.js';
import type { DashboardCatalogue, DashTranslate, Lang } from './i18n/index.js';
import type { DashboardFeed } from './feed.js';

/** Settings of the dashboard, from the central config. */
export interface DashboardSettings {
  /** Time zone of every time shown or accepted (the central config's `timeZone`). */
  timeZone: string;
  /** Idle timeout of a session (ms). */
  idleMs: number;
  /** Default language. */
  language: Lang;
  /** Served over TLS (cookies are then Secure). */
  secure: boolean;
  /** Listening on loopback only: requests must name a loopback host (no DNS rebinding). */
  loopbackOnly: boolean;
  /** Chromium for PDF reports. */
  chromiumPath: string;
}

/** Sends signed commands to doors (the receiver's broker connection). */
export interface DashboardCommands {
  /** Sign, record and publish a command; wait up to `waitMs` for the door's reply (null: none yet). */
  send(site: string, door: string, action: CommandAction, args: Record<string, unknown>, opts: { ttlSeconds: number; waitMs: number }): Promise<{ id: string; reply: ReplyMessage | null }>;
}

/** The per-request variables. */
export interface DashboardVars {
  /** Language of this request. */
  lang: Lang;
  /** Translator for it. */
  t: DashTranslate;
  /** The session, when signed in. */
  session: Session | null;
  /** The signed-in user (read fresh on every request: a role, scope or deactivation applies at once). */
  user: CentralUser | null;
  /** Sites the user may see (null: all); `[]` when no one is signed in. */
  scope: readonly string[] | null;
  /** CSRF token for forms. */
  csrf: string;
}

/** Hono environment of the dashboard. */
export type DashboardEnv = { Variables: DashboardVars };

/** The dashboard's Hono app. */
export type DashboardApp = Hono<DashboardEnv>;

/** What screens are given. */
export interface DashboardContext {
  /** The central store (doors, events, alerts, commands). */
  store: CentralStore;
  /** Its database, for the dashboard's storage modules (`SqlRunner`). */
  sql: SqlRunner;
  /** Accounts. */
  users: CentralUsers;
  /** Signed commands (null when the receiver is not connected, e.g. in page tests). */
  commands: DashboardCommands | null;
  /** What changed, for live pages. */
  feed: DashboardFeed;
  /** Settings. */
  settings: DashboardSettings;
  /** Message catalogue. */
  catalogue: DashboardCatalogue;
  /** Sessions (the session's `officerId` is the user id). */
  sessions: SessionStore;
  /** Logger (never personal data). */
  log: Log;
  /** Clock (ms). */
  now: () => number;
}

/** A screen group: registers its routes. */
export type DashboardScreen = (app: DashboardApp, ctx: DashboardContext) => void;
