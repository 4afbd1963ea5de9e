/**
 * A central dashboard for tests: a central store (SQLite in a temp dir, or a PostgreSQL URL), the dashboard on a free
 * loopback port (low scrypt cost so sign-ins are quick), commands recorded instead of sent (or a real sender), and
 * browser-like clients (`ConsoleClient`: cookie jar, CSRF) that sign in as users made with `addUser`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../src/adapters/log/pino.js';
import { dashboardSchema, type DashboardConfig } from '../../src/central/config.js';
import { openCentralStore } from '../../src/central/open.js';
import type { SqlCentralStore } from '../../src/central/sql-store.js';
import { DashboardServer } from '../../src/central/dashboard/server.js';
import type { DashboardCommands, DashboardContext } from '../../src/central/dashboard/context.js';
import type { CentralRole } from '../../src/central/users.js';
import { totpOf } from '../../src/central/users.js';
import type { Log } from '../../src/ports/log.js';
import { ConsoleClient } from './console.js';

/** A password every test user gets unless told otherwise. */
export const PASSWORD = 'kata-sandi-uji-1';

/** A command the fake sender recorded. */
export interface SentCommand { site: string; door: string; action: string; args: Record<string, unknown> }

/** A dashboard under test. */
export interface TestDashboard {
  /** Base URL, e.g. http://127.0.0.1:41234. */
  url: string;
  /** The server. */
  server: DashboardServer;
  /** What screens are given. */
  ctx: DashboardContext;
  /** The central store. */
  store: SqlCentralStore;
  /** Commands sent through the fake sender (when no `commands` was given). */
  sent: SentCommand[];
  /** Create a user; returns its TOTP secret (base32) when `totp`. */
  addUser(id: string, role: CentralRole, o?: { sites?: string[]; totp?: boolean; password?: string }): Promise<{ secret: string | null }>;
  /** A client with its own cookie jar. */
  client(): ConsoleClient;
  /** A TOTP code of `secret` that account `id` has not used yet (codes are accepted once). */
  freshCode(id: string, secret: string): Promise<string>;
  /** A client signed in as `id` (with the current TOTP code when `secret`). */
  signedIn(id: string, o?: { secret?: string | null; password?: string }): Promise<ConsoleClient>;
  /** Stop and remove everything. */
  close(): Promise<void>;
}

/** Start a dashboard (SQLite in a temp dir unless `store` is a postgres:// URL). */
export async function startDashboard(o: { store?: string; config?: Partial<DashboardConfig>; commands?: DashboardCommands; log?: Log; timeZone?: string; now?: () => number } = {}): Promise<TestDashboard> {
  const dir = mkdtempSync(join(tmpdir(), 'pintu-dash-'));
  const store = await openCentralStore(o.store ?? join(dir, 'central.db'));
  const sent: SentCommand[] = [];
  const commands: DashboardCommands = o.commands ?? {
    async send(site, door, action, args) { sent.push({ site, door, action, args }); return { id: `cmd${sent.length}`.padEnd(8, '0'), reply: null }; },
  };
  const config = dashboardSchema.parse({ listen: '127.0.0.1:0', ...o.config });
  const server = new DashboardServer({ store, sql: store.sql, commands, config, timeZone: o.timeZone ?? 'Asia/Jakarta', scryptCost: 1024, pollMs: 50, ...(o.now ? { now: o.now } : {}) }, o.log ?? silentLogger());
  const port = await server.start();
  const url = `http://127.0.0.1:${port}`;
  // A code the account has not used yet (each time step is accepted once): the current step, or the next one when
  // the current was used by an earlier sign-in of the same test.
  const freshCode = async (id: string, secret: string): Promise<string> => {
    const now = (o.now ?? Date.now)();
    const last = Number((await store.sql.rows<{ s: number | string | null }>('SELECT totp_step AS s FROM central_users WHERE id = ?', [id]))[0]?.s ?? -1);
    const step = Math.max(Math.floor(now / 30_000), last + 1);
    return totpOf(secret).generate({ timestamp: step * 30_000 });
  };
  const d: TestDashboard = {
    freshCode,
    url, server, ctx: server.context, store, sent,
    async addUser(id, role, u = {}) {
      await server.context.users.add({ id, name: `Pengguna ${id}`, role, sites: u.sites ?? null, password: u.password ?? PASSWORD });
      if (!u.totp) return { secret: null };
      const uri = await server.context.users.enableTotp(id);
      return { secret: new URL(uri).searchParams.get('secret') };
    },
    client: () => new ConsoleClient(url),
    async signedIn(id, s = {}) {
      const c = new ConsoleClient(url);
      await c.get('/signin');
      const fields: Record<string, string> = { user: id, password: s.password ?? PASSWORD };
      if (s.secret) fields.code = await freshCode(id, s.secret);
      const r = await c.post('/signin', fields);
      if (r.status !== 303) throw new Error(`sign-in of ${id} failed: ${r.status}`);
      await c.get(r.location ?? '/');
      return c;
    },
    async close() {
      await server.stop();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return d;
}
