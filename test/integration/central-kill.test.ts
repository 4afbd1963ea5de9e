/**
 * SIGKILL on either side of the central link, with the built CLI and a real Mosquitto:
 * - a child `pintu run` (with a `central:` section) killed while its backlog drains, then restarted;
 * - a child `pintu central run` killed during ingest (events committed, acks not yet out), then restarted.
 * Either way the centre ends with every event exactly once, in seq order, hash chain verified.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { stringify } from 'yaml';
import { startMosquitto, pintuAcl, waitFor, type TestBroker } from '../helpers/mosquitto.js';
import { makeCentre, makeDoor, type TestCentre, type TestDoor } from '../helpers/door.js';
import { pintuSpawn, until } from '../helpers/cli.js';
import { tempConfig, type TempConfig } from '../helpers/config.js';
import { openStore } from '../../src/main.js';
import { CENTRAL_KEY_FILE, DOOR_KEY_FILE, loadOrCreateKeyPair } from '../../src/adapters/mqtt/keys.js';
import { SqliteCentralStore } from '../../src/central/sqlite-store.js';
import { checkBatch, type CentralStore } from '../../src/central/store.js';
import { GENESIS_HASH } from '../../src/protocol/chain.js';
import type { StoredEvent } from '../../src/adapters/sqlite/event-log.js';
import { filler } from '../helpers/events.js';

const SITE = 'dinas-kominfo';
const DOORS = [{ site: SITE, door: 'dc-1' }, { site: SITE, door: 'dc-2' }];
const USERS = { 'pintu-central': 'central-pw', [`${SITE}.dc-1`]: 'door1-pw', [`${SITE}.dc-2`]: 'door2-pw' };

let broker: TestBroker;
const children: ChildProcess[] = [];
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(async () => { broker = await startMosquitto({ users: USERS, acl: pintuAcl(DOORS) }); });
afterAll(async () => { await broker?.cleanup(); });
afterEach(async () => {
  for (const c of children.splice(0)) await kill(c, 'SIGKILL');
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Signal a child (by its pid) and wait for it to exit. */
async function kill(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => { child.once('exit', () => resolve()); child.kill(signal); });
}

/** Start a CLI child and collect its output. */
function spawnCli(configFile: string, args: string[]): { child: ChildProcess; output: () => string } {
  const child = pintuSpawn(configFile, args);
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  return { child, output: () => out };
}

/** The centre holds exactly the door's events 1..n, each once, chained from genesis, with the door's hashes. */
async function expectComplete(store: CentralStore, door: string, own: StoredEvent[]): Promise<void> {
  const got = await store.events({ site: SITE, door, limit: 1_000_000 });
  expect(got.map((e) => e.seq)).toEqual(own.map((e) => e.seq));
  expect(got.map((e) => e.hash)).toEqual(own.map((e) => e.hash));
  const check = checkBatch(door, 0, GENESIS_HASH, got);
  expect(check.outcome).toBe('stored');
  expect(check.accept).toHaveLength(own.length);
}

describe('SIGKILL on the central link', () => {
  it('door SIGKILLed mid-drain and restarted: the centre ends with every event once, in order, chain verified', async () => {
    const centre: TestCentre = makeCentre();
    cleanups.push(() => centre.cleanup());
    const tc: TempConfig = tempConfig({
      door: { id: 'dc-1', strikeSeconds: 1, heldOpenSeconds: 2, repeatTapSeconds: 0 },
      site: SITE,
      storage: { synchronous: 'full' },
      log: { level: 'info' },
      central: { url: broker.url, username: `${SITE}.dc-1`, password: 'door1-pw', publicKey: centre.key.publicKeyText, ackTimeoutSeconds: 1, batchSize: 50 },
    });
    cleanups.push(() => tc.cleanup());
    // A backlog queued while offline: 6000 events already in the door's log.
    const store = openStore(tc.config);
    for (let k = 0; k < 6; k++) store.tx(() => store.events.append(Array.from({ length: 1000 }, (_, i) => filler('test.tick', { i: k * 1000 + i })), Date.now()));
    store.db.close();
    const doorKey = loadOrCreateKeyPair(tc.config.dataDir, DOOR_KEY_FILE);
    await centre.store.enroll(SITE, 'dc-1', doorKey.publicKeyText, Date.now());
    await centre.start({ url: broker.url, username: 'pintu-central', password: 'central-pw' });

    const lastSeq = async (): Promise<number> => (await centre.store.door(SITE, 'dc-1'))?.lastSeq ?? 0;
    const d1 = spawnCli(tc.file, ['run']);
    await until(() => d1.output().includes('pintu ready'), 'pintu run to be ready', 30_000).catch((err: Error) => { throw new Error(`${err.message}\n${d1.output()}`); });
    await waitFor('the drain to be under way', async () => (await lastSeq()) >= 500, 30_000, 5);
    await kill(d1.child, 'SIGKILL');
    const atKill = await lastSeq();
    expect(atKill).toBeLessThan(6000);

    const d2 = spawnCli(tc.file, ['run']);
    await waitFor('the rest of the backlog at the centre', async () => (await lastSeq()) >= 6000, 60_000, 50);
    const db = new Database(join(tc.config.dataDir, 'pintu.db'), { readonly: true });
    cleanups.push(() => { db.close(); });
    // The restarted door also logged its own start-up events; wait until those are acknowledged too.
    await waitFor('every event acknowledged at the door', () => {
      const r = db.prepare('SELECT (SELECT MAX(seq) FROM events WHERE door = ?) AS last, (SELECT acked_seq FROM central_link WHERE door = ?) AS acked').get('dc-1', 'dc-1') as { last: number; acked: number };
      return r.acked === r.last;
    }, 30_000, 50);
    await kill(d2.child, 'SIGTERM');
    const own = (db.prepare('SELECT seq, hash FROM events WHERE door = ? ORDER BY seq').all('dc-1') as StoredEvent[]);
    await expectComplete(centre.store, 'dc-1', own);
    expect((await centre.store.alerts()).filter((a) => a.kind !== 'offline')).toEqual([]);
  });

  it('centre SIGKILLed during ingest (committed, not yet acknowledged) and restarted: nothing lost, nothing duplicated', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pintu-central-cli-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const dbFile = join(dir, 'central.db');
    const configFile = join(dir, 'central.yaml');
    writeFileSync(configFile, stringify({ console: { listen: '127.0.0.1:0' }, broker: { url: broker.url, username: 'pintu-central', password: 'central-pw' }, store: dbFile, dataDir: dir, log: { level: 'info' } }));
    const centreKey = loadOrCreateKeyPair(dir, CENTRAL_KEY_FILE);
    const door: TestDoor = makeDoor(SITE, 'dc-2');
    cleanups.push(() => door.cleanup());
    for (let k = 0; k < 8; k++) door.store.tx(() => door.store.events.append(Array.from({ length: 1000 }, (_, i) => filler('test.tick', { i: k * 1000 + i })), Date.now()));
    // The state a kill between commit and ack leaves behind, made deterministic: the centre has committed seq
    // 1..500 but the door never saw the ack (acked_seq 0). The kills below add more of the same at random points.
    const setup = new SqliteCentralStore(dbFile);
    await setup.enroll(SITE, 'dc-2', door.key.publicKeyText, Date.now());
    const first = door.store.events.since(0, 500).map((e) => ({ seq: e.seq, type: e.type, at: e.at, data: e.data, prevHash: e.prevHash, hash: e.hash }));
    expect(await setup.ingest(SITE, 'dc-2', first, Date.now())).toMatchObject({ outcome: 'stored', stored: 500 });
    await setup.close();

    const reader = new Database(dbFile, { readonly: true });
    cleanups.push(() => { reader.close(); });
    const committed = (): number => (reader.prepare('SELECT last_seq FROM doors WHERE site = ? AND door = ?').get(SITE, 'dc-2') as { last_seq: number }).last_seq;
    const link = door.connect({ url: broker.url, username: `${SITE}.dc-2`, password: 'door2-pw' }, centreKey.publicKeyText, { ackTimeoutSeconds: 1, batchSize: 50 });

    expect(committed()).toBe(500);
    expect(link.outbox.ackedSeq()).toBe(0);
    // SIGKILL at random points of the ingest. (The window between a commit and its ack being written to the socket
    // is microseconds wide, so random kills rarely land in it: the pre-committed state above covers that case.)
    for (let round = 0; round < 3; round++) {
      const c = spawnCli(configFile, ['central', 'run']);
      const from = committed();
      await waitFor(`ingest under way (round ${round})`, () => committed() >= from + 300 || committed() >= 8000, 60_000, 2)
        .catch((err: Error) => { throw new Error(`${err.message}\n${c.output()}`); });
      if (committed() >= 8000) break;
      await kill(c.child, 'SIGKILL');
      expect(link.status().backlog).toBeGreaterThan(0);
    }
    spawnCli(configFile, ['central', 'run']);
    await waitFor('every event acknowledged', () => link.status().backlog === 0, 60_000, 50);
    const store = new SqliteCentralStore(dbFile);
    cleanups.push(() => store.close());
    await expectComplete(store, 'dc-2', door.store.events.since(0, 100_000));
  });
});
