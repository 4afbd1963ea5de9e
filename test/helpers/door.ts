/**
 * A door for central-link tests: its own data dir and SQLite store, key, VisitService, a tap handler with a fake
 * strike, and (on demand) its CentralLink to a broker. A receiver with its own SQLite store stands in for the centre.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/adapters/sqlite/db.js';
import { Store } from '../../src/adapters/sqlite/store.js';
import { VisitService } from '../../src/app/visit-service.js';
import { WatchlistService } from '../../src/app/watchlist-service.js';
import { AccessService } from '../../src/app/access-service.js';
import { DEFAULT_STANDARDS } from '../../src/domain/sop.js';
import { silentLogger } from '../../src/adapters/log/pino.js';
import { loadOrCreateKeyPair, loadOrCreateSealKey, DOOR_KEY_FILE, CENTRAL_KEY_FILE, type KeyPair } from '../../src/adapters/mqtt/keys.js';
import { CentralLink } from '../../src/adapters/mqtt/central-link.js';
import { centralSchema } from '../../src/config/schema.js';
import { SqliteCentralStore } from '../../src/central/sqlite-store.js';
import { CentralReceiver, type ReceiverOptions } from '../../src/central/receiver.js';
import type { CentralStore } from '../../src/central/store.js';
import type { BrokerSettings } from '../../src/adapters/mqtt/connect.js';

/** A door under test. */
export interface TestDoor {
  /** Site id. */
  site: string;
  /** Door id. */
  door: string;
  /** Data dir. */
  dir: string;
  /** Its store. */
  store: Store;
  /** Its key. */
  key: KeyPair;
  /** Its X25519 sealing key (in its own folder beside the data dir; the centre learns it from the status). */
  sealKey: KeyPair;
  /** Officer-side service. */
  visits: VisitService;
  /** The watchlist (the centre's `watchlist` command lands here). */
  watchlist: WatchlistService;
  /** Tap handler. */
  access: AccessService;
  /** Its link, once `connect` was called. */
  link: CentralLink | null;
  /** Connect to a broker. */
  connect(broker: BrokerSettings, centralPublicKey: string | null, extra?: { ackTimeoutSeconds?: number; batchSize?: number; maxMessageBytes?: number }): CentralLink;
  /** Stop the link and delete everything. */
  cleanup(): Promise<void>;
}

/** Make a door. */
export function makeDoor(site: string, door: string): TestDoor {
  const dir = mkdtempSync(join(tmpdir(), 'pintu-door-'));
  const store = new Store(openDatabase(join(dir, 'pintu.db'), { synchronous: 'normal' }), door, null);
  const secret = Buffer.alloc(32, 7);
  const visits = new VisitService(store, { standards: DEFAULT_STANDARDS, defaultValidity: 'end-of-day', timeZone: 'Asia/Jakarta', secret });
  const access = new AccessService(store, { grant: () => undefined }, {
    policy: { escortRequired: true, escortWindowMs: 30_000, officerRoles: ['staff', 'coordinator', 'head'], antiPassback: true },
    repeatWindowMs: 0, readers: new Map([['in', { direction: 'in', secure: false }], ['out', { direction: 'out', secure: false }]]), secret,
  }, silentLogger());
  const watchlist = new WatchlistService(store, { secret });
  const key = loadOrCreateKeyPair(dir, DOOR_KEY_FILE);
  const sealKey = loadOrCreateSealKey(join(dir, 'etc', 'seal.key'));
  const t: TestDoor = {
    site, door, dir, store, key, sealKey, visits, watchlist, access, link: null,
    connect(broker, centralPublicKey, extra = {}) {
      const config = centralSchema.parse({ ...broker, ...(centralPublicKey ? { publicKey: centralPublicKey } : {}), ackTimeoutSeconds: extra.ackTimeoutSeconds ?? 2, batchSize: extra.batchSize ?? 50, ...(extra.maxMessageBytes ? { maxMessageBytes: extra.maxMessageBytes } : {}) });
      t.link = new CentralLink({ site, door, config, store, key, visits, tickMs: 50, flushMs: 500, sealKey, watchlist }, silentLogger());
      t.link.start();
      return t.link;
    },
    async cleanup() {
      await t.link?.stop();
      access.stop();
      store.db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return t;
}

/** A centre under test: SQLite store, key, receiver. */
export interface TestCentre {
  /** Data dir. */
  dir: string;
  /** Store (SQLite in the centre's dir unless another was given). */
  store: CentralStore;
  /** Centre key. */
  key: KeyPair;
  /** The receiver, after `start`. */
  receiver: CentralReceiver | null;
  /** Start a receiver (extra receiver options override the test defaults). */
  start(broker: BrokerSettings, extra?: Partial<ReceiverOptions>): Promise<CentralReceiver>;
  /** Stop and delete. */
  cleanup(): Promise<void>;
}

/** Make a centre (with a SQLite store in its dir, or the given store, which cleanup closes). */
export function makeCentre(given?: CentralStore): TestCentre {
  const dir = mkdtempSync(join(tmpdir(), 'pintu-central-'));
  const store = given ?? new SqliteCentralStore(join(dir, 'central.db'));
  const key = loadOrCreateKeyPair(dir, CENTRAL_KEY_FILE);
  const c: TestCentre = {
    dir, store, key, receiver: null,
    async start(broker, extra = {}) {
      c.receiver = new CentralReceiver(store, { broker, group: 'pintu-central', key, alertEverySeconds: 0, ...extra }, silentLogger());
      await c.receiver.start();
      return c.receiver;
    },
    async cleanup() {
      await c.receiver?.stop();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return c;
}
