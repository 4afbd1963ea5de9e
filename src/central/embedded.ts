/**
 * A central office in one process, for `pintu demo` and quick trials: an embedded MQTT broker (aedes) on
 * 127.0.0.1 only, a central receiver with a SQLite store, the centre's key, the given doors enrolled, and (when asked)
 * the dashboard on a loopback port with the given accounts. Nothing needs to be installed. Not for production: no
 * broker accounts, no ACL, no TLS (see config/mosquitto/).
 */
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import type { Log } from '../ports/log.js';
import { CENTRAL_KEY_FILE, loadOrCreateKeyPair } from '../adapters/mqtt/keys.js';
import { GENESIS_HASH } from '../protocol/chain.js';
import { CentralReceiver } from './receiver.js';
import { SqliteCentralStore } from './sqlite-store.js';
import { checkBatch } from './store.js';
import { dashboardSchema } from './config.js';
import { centreDashboard } from './dashboard-wiring.js';
import type { DashboardServer } from './dashboard/server.js';
import { CentralUsers } from './users.js';
import { audit } from './audit.js';

/** A door to enrol at start. */
export interface EmbeddedDoor {
  /** Site id. */
  site: string;
  /** Door id. */
  door: string;
  /** The door's public key (`pintu keys show`). */
  publicKey: string;
}

/** Settings of the embedded central office. */
export interface EmbeddedCentralOptions {
  /** Folder for central.db and the centre's key. */
  dir: string;
  /** Doors enrolled at start. */
  doors: readonly EmbeddedDoor[];
  /** Logger. */
  log: Log;
  /** TCP port on 127.0.0.1 (default 0: a free one). */
  port?: number;
  /** Also serve the dashboard on 127.0.0.1 (port 0: a free one) with these accounts (made at start). */
  dashboard?: { port: number; timeZone: string; accounts: readonly EmbeddedAccount[] };
}

/** An account of the embedded dashboard. */
export interface EmbeddedAccount {
  /** Login id. */
  id: string;
  /** Display name. */
  name: string;
  /** Role. */
  role: 'helpdesk' | 'analyst' | 'subhead' | 'head';
  /** Sites (null: every site). */
  sites: string[] | null;
  /** Password. */
  password: string;
}

/** What the centre holds for one door. */
export interface DoorTally {
  /** Events stored. */
  events: number;
  /** Highest seq stored. */
  lastSeq: number;
  /** null when the stored events are seq 1..n and their hash chain verifies; otherwise what is wrong. */
  problem: string | null;
}

/** A running embedded central office. */
export interface EmbeddedCentral {
  /** mqtt://127.0.0.1:PORT — the doors' `central.url`. */
  url: string;
  /** The centre's public key — the doors' `central.publicKey`. */
  publicKey: string;
  /** The central store. */
  store: SqliteCentralStore;
  /** The receiver. */
  receiver: CentralReceiver;
  /** http://127.0.0.1:PORT/ of the dashboard, or null when none was asked for. */
  dashboardUrl: string | null;
  /** Count and verify what the centre holds for a door. */
  tally(site: string, door: string): Promise<DoorTally>;
  /** Stop the receiver and the broker, close the store. */
  stop(): Promise<void>;
}

/** Start the broker, the store and the receiver; enrol the doors. */
export async function startEmbeddedCentral(o: EmbeddedCentralOptions): Promise<EmbeddedCentral> {
  const { Aedes } = await import('aedes');
  const broker = await Aedes.createBroker();
  const server: Server = createServer(broker.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  const url = `mqtt://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  const closeBroker = async (): Promise<void> => {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  const store = new SqliteCentralStore(join(o.dir, 'central.db'));
  const key = loadOrCreateKeyPair(o.dir, CENTRAL_KEY_FILE);
  // aedes has no shared subscriptions; one receiver needs none.
  const receiver = new CentralReceiver(store, { broker: { url }, group: 'pintu-central', key, shared: false }, o.log);
  let dashboard: DashboardServer | null = null;
  let dashboardUrl: string | null = null;
  try {
    for (const d of o.doors) await store.enroll(d.site, d.door, d.publicKey, Date.now());
    await receiver.start();
    if (o.dashboard) {
      const config = dashboardSchema.parse({ listen: `127.0.0.1:${o.dashboard.port}` });
      const users = new CentralUsers(store.sql, { lockoutAttempts: config.lockoutAttempts, lockoutMinutes: config.lockoutMinutes });
      for (const a of o.dashboard.accounts) {
        await users.add(a);
        await audit(store.sql, { actor: 'demo', action: 'user.added', detail: { user: a.id, role: a.role, sites: a.sites, totp: false } });
      }
      dashboard = await centreDashboard({ store, receiver, key, config, timeZone: o.dashboard.timeZone }, o.log);
      dashboardUrl = `http://127.0.0.1:${await dashboard.start()}/`;
    }
  } catch (err) {
    await dashboard?.stop();
    await receiver.stop();
    await store.close();
    await closeBroker();
    throw err;
  }
  return {
    url, publicKey: key.publicKeyText, store, receiver, dashboardUrl,
    async tally(site, door) {
      const events = await store.events({ site, door, limit: 10_000_000 });
      const check = checkBatch(door, 0, GENESIS_HASH, events);
      const complete = check.outcome === 'stored' || events.length === 0;
      const problem = !complete || check.accept.length !== events.length ? (check.detail ?? check.outcome) : null;
      return { events: events.length, lastSeq: events.at(-1)?.seq ?? 0, problem };
    },
    async stop() {
      await dashboard?.stop();
      await receiver.stop();
      await closeBroker();
      await store.close();
    },
  };
}
