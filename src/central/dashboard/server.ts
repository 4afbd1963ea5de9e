/**
 * The dashboard's server, a part of `pintu central run`: HTTP on loopback, HTTPS (`console.tls`) on the network — a
 * non-loopback address without TLS is refused unless `console.allowPlainHttp` — and the live feed. Started after the
 * receiver, stopped before it: the receiver keeps storing whatever the dashboard does.
 */
import { createServer as createHttp, type Server } from 'node:http';
import { createServer as createHttps } from 'node:https';
import { readFileSync } from 'node:fs';
import { getRequestListener } from '@hono/node-server';
import { UserError } from '../../domain/errors.js';
import type { Log } from '../../ports/log.js';
import { SessionStore } from '../../adapters/console/session.js';
import { isLoopback, parseListen, type ListenAddress } from '../../adapters/console/server.js';
import type { DashboardConfig } from '../config.js';
import type { SqlRunner } from '../sql-runner.js';
import type { CentralStore } from '../store.js';
import { CentralUsers } from '../users.js';
import { dashboardApp } from './app.js';
import { loadDashboardAssets } from './assets.js';
import type { DashboardCommands, DashboardContext, DashboardScreen } from './context.js';
import { DashboardFeed } from './feed.js';
import { DashboardCatalogue } from './i18n/index.js';
import { DASHBOARD_SCREENS } from './screens/index.js';

/** What the dashboard is built from. */
export interface DashboardParts {
  /** The central store. */
  store: CentralStore;
  /** Its database. */
  sql: SqlRunner;
  /** Signed commands (null: none, e.g. in page tests). */
  commands: DashboardCommands | null;
  /** The `console:` section of the central config. */
  config: DashboardConfig;
  /** Time zone of every time shown or accepted. */
  timeZone: string;
  /** Clock (ms; default Date.now). */
  now?: () => number;
  /** Screen groups (default: all). */
  screens?: readonly DashboardScreen[];
  /** scrypt cost for new passwords (tests lower it). */
  scryptCost?: number;
  /** Feed poll period (ms). */
  pollMs?: number;
}

/** The central office's dashboard. */
export class DashboardServer {
  private server: Server | null = null;
  private readonly ctx: DashboardContext;
  private readonly address: ListenAddress;
  private readonly tls: { cert: Buffer; key: Buffer } | null;

  /** Check the settings (refusing plain HTTP off loopback) and read the TLS files; nothing listens yet. */
  constructor(private readonly parts: DashboardParts, private readonly log: Log) {
    const c = parts.config;
    this.address = parseListen(c.listen);
    if (!c.tls && !isLoopback(this.address.host) && !c.allowPlainHttp) {
      throw new UserError(`console.listen: ${c.listen} is reachable from the network, so the dashboard needs console.tls (certFile, keyFile; \`pintu console cert\` makes a self-signed pair), or console.allowPlainHttp: true to send passwords and session cookies in clear`);
    }
    this.tls = c.tls ? { cert: readTls(c.tls.certFile, 'console.tls.certFile'), key: readTls(c.tls.keyFile, 'console.tls.keyFile') } : null;
    const now = parts.now ?? Date.now;
    const dlog = log.child({ component: 'dashboard' });
    this.ctx = {
      store: parts.store,
      sql: parts.sql,
      users: new CentralUsers(parts.sql, { lockoutAttempts: c.lockoutAttempts, lockoutMinutes: c.lockoutMinutes, ...(parts.scryptCost ? { scryptCost: parts.scryptCost } : {}) }, now),
      commands: parts.commands,
      feed: new DashboardFeed(parts.sql, dlog, { pollMs: parts.pollMs ?? 200 }),
      settings: { timeZone: parts.timeZone, idleMs: c.idleMinutes * 60_000, language: c.language, secure: this.tls !== null, loopbackOnly: isLoopback(this.address.host), chromiumPath: c.chromiumPath },
      catalogue: new DashboardCatalogue(),
      sessions: new SessionStore(c.idleMinutes * 60_000),
      log: dlog,
      now,
    };
  }

  /** What the screens are given (tests; the composition root wires the receiver's changes into `feed`). */
  get context(): DashboardContext {
    return this.ctx;
  }

  /** The port it listens on (after start), or null. */
  get port(): number | null {
    const a = this.server?.address();
    return a && typeof a === 'object' ? a.port : null;
  }

  /** Listen and follow the store. Resolves with the bound port. */
  async start(): Promise<number> {
    const app = dashboardApp(this.ctx, loadDashboardAssets(), this.parts.screens ?? DASHBOARD_SCREENS);
    const listener = getRequestListener(app.fetch, { overrideGlobalObjects: false });
    const server = this.tls ? createHttps({ cert: this.tls.cert, key: this.tls.key }, listener) : createHttp(listener);
    server.keepAliveTimeout = 5_000;
    server.headersTimeout = 10_000;
    server.requestTimeout = 60_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.address.port, this.address.host, () => { server.off('error', reject); resolve(); });
    });
    server.on('error', (err) => this.log.error({ err: err.message }, 'dashboard server error'));
    this.server = server;
    this.ctx.feed.start();
    const port = (server.address() as { port: number }).port;
    this.log.info({ host: this.address.host, port, tls: this.tls !== null }, 'dashboard listening');
    return port;
  }

  /** Stop: no new requests, live streams closed. */
  async stop(): Promise<void> {
    this.ctx.feed.stop();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); });
  }
}

function readTls(file: string, key: string): Buffer {
  try { return readFileSync(file); } catch (err) {
    throw new UserError(`${key}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); \`pintu console cert\` makes a self-signed pair`);
  }
}
