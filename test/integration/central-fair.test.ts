/**
 * Head-of-line blocking at the centre (issue 10, item 5), with a real Mosquitto and real doors: the receiver's
 * store is held shut (as a slow disk would) while three doors' backlogs and one live tap arrive. Asserted is the
 * order of the store's transactions, not timing: the live door's event goes into the first transaction after the one
 * in progress, ahead of the backlogs' later batches, and one transaction stores several messages. And a receiver
 * SIGKILLed between its grouped commits has acknowledged nothing it had not committed, and loses nothing.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startMosquitto, pintuAcl, waitFor, type TestBroker } from '../helpers/mosquitto.js';
import { makeCentre, makeDoor, type TestCentre, type TestDoor } from '../helpers/door.js';
import { SqliteCentralStore } from '../../src/central/sqlite-store.js';
import { checkBatch, type CentralStore, type IngestBatch } from '../../src/central/store.js';
import type { WireEvent } from '../../src/protocol/messages.js';
import { GENESIS_HASH } from '../../src/protocol/chain.js';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { stringify } from 'yaml';
import { pintuSpawn } from '../helpers/cli.js';
import { CENTRAL_KEY_FILE, loadOrCreateKeyPair } from '../../src/adapters/mqtt/keys.js';
import { filler } from '../helpers/events.js';

const SITE = 'kanwil-sulsel';
const BACKLOG = ['rack-a', 'rack-b', 'rack-c'];
const LIVE = 'lobby';
const ALL = [...BACKLOG, LIVE];
const USERS: Record<string, string> = { 'pintu-central': 'central-pw' };
for (const d of ALL) USERS[`${SITE}.${d}`] = `pw-${d}`;
const CENTRAL = { username: 'pintu-central', password: 'central-pw' };
/** Events per backlog door, 50 a message: 12 messages, all inside the door's window of 1000 unacknowledged events. */
const PER_DOOR = 600;

let broker: TestBroker;
const cleanups: (() => Promise<void> | void)[] = [];
beforeAll(async () => { broker = await startMosquitto({ users: USERS, acl: pintuAcl(ALL.map((door) => ({ site: SITE, door }))) }); });
afterAll(async () => { await broker?.cleanup(); });
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

/** One store transaction as committed: the doors and seqs of each message in it. */
type Tx = { door: string; seqs: number[] }[];

/** A SQLite store whose transactions wait while `closed`, and which logs each transaction it commits, in order. */
function gatedStore(path: string): { store: CentralStore; log: Tx[]; open(): void } {
  const real = new SqliteCentralStore(path);
  const log: Tx[] = [];
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => { release = r; });
  const note = (batches: readonly { door: string; events: readonly WireEvent[] }[]): void => {
    log.push(batches.map((b) => ({ door: b.door, seqs: b.events.map((e) => e.seq) })));
  };
  const store = Object.create(real) as CentralStore;
  Object.assign(store, {
    async ingest(site: string, door: string, events: readonly WireEvent[], at: number) {
      await gate;
      const r = await real.ingest(site, door, events, at);
      note([{ door, events }]);
      return r;
    },
    async ingestMany(batches: readonly IngestBatch[], at: number) {
      await gate;
      const r = await real.ingestMany(batches, at);
      note(batches);
      return r;
    },
    close: () => real.close(),
  });
  return { store, log, open: () => release() };
}

/** Doors, a centre with a shut store, every backlog message arrived at the receiver (its MQTT client saw it). */
async function setup(): Promise<{ centre: TestCentre; doors: TestDoor[]; live: TestDoor; log: Tx[]; open(): void; seen: Map<string, number> }> {
  const doors = BACKLOG.map((id) => makeDoor(SITE, id));
  const live = makeDoor(SITE, LIVE);
  for (const d of [...doors, live]) cleanups.push(() => d.cleanup());
  const dir = mkdtempSync(join(tmpdir(), 'pintu-fair-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const g = gatedStore(`${dir}/central.db`);
  const centre = makeCentre(g.store);
  cleanups.push(() => { g.open(); return centre.cleanup(); });
  for (const d of [...doors, live]) await centre.store.enroll(SITE, d.door, d.key.publicKeyText, Date.now());
  // At most four messages a transaction, so the backlogs need several.
  const receiver = await centre.start({ url: broker.url, ...CENTRAL }, { groupLimits: { maxMessages: 4, maxBytes: 10_000_000, smallBytes: 4096 } });
  const seen = new Map<string, number>();
  // Listening after the receiver: when this sees a message, the receiver already has it.
  (receiver as unknown as { client: { on(ev: 'message', f: (topic: string) => void): void } }).client.on('message', (topic) => {
    const door = topic.split('/')[3]!;
    if (topic.endsWith('/events')) seen.set(door, (seen.get(door) ?? 0) + 1);
  });
  for (const d of doors) d.store.tx(() => d.store.events.append(Array.from({ length: PER_DOOR }, (_, i) => filler('access.granted', { reader: 'in', direction: 'in', holder: 'officer', officer: 'O1', i })), Date.now()));
  live.connect({ url: broker.url, username: `${SITE}.${LIVE}`, password: `pw-${LIVE}` }, centre.key.publicKeyText, { ackTimeoutSeconds: 60 });
  for (const d of doors) d.connect({ url: broker.url, username: `${SITE}.${d.door}`, password: `pw-${d.door}` }, centre.key.publicKeyText, { ackTimeoutSeconds: 60, batchSize: 50 });
  await waitFor('every backlog message at the receiver', () => BACKLOG.every((d) => seen.get(d) === PER_DOOR / 50), 30_000);
  return { centre, doors, live, log: g.log, open: g.open, seen };
}

/** The centre holds each door's events once, in order, chained. */
async function expectComplete(centre: TestCentre, door: TestDoor): Promise<void> {
  const n = door.store.events.lastSeq();
  const got = await centre.store.events({ site: SITE, door: door.door, limit: 100_000 });
  expect(got.map((e) => e.seq)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  expect(checkBatch(door.door, 0, GENESIS_HASH, got).accept).toHaveLength(n);
}

describe('no head-of-line blocking at the centre', () => {
  it("a live door's tap is stored in the first transaction after the one in progress, ahead of other doors' waiting backlog batches", async () => {
    const { centre, doors, live, log, open, seen } = await setup();
    const officer = live.visits.addOfficer('Petugas Jaga', 'staff', '0A0B0C0D99');
    live.access.handleTap({ readerId: 'in', uid: officer.badgeUid, tech: 'sim', at: Date.now() });
    live.link!.notify();
    const tapSeq = live.store.events.lastSeq();
    await waitFor('the tap at the receiver', () => (seen.get(LIVE) ?? 0) >= 1, 30_000);
    open();
    for (const d of [...doors, live]) await waitFor(`${d.door} acknowledged`, () => d.link!.status().backlog === 0, 60_000);

    const liveTx = log.findIndex((tx) => tx.some((m) => m.door === LIVE && m.seqs.includes(tapSeq)));
    // Only the transaction already in progress when the tap arrived was committed before it...
    expect(liveTx).toBeGreaterThanOrEqual(0);
    expect(liveTx).toBeLessThanOrEqual(1);
    // ...while the backlogs, which arrived first, still had batches waiting that were stored after it.
    const laterBacklog = log.slice(liveTx + 1).flat().filter((m) => BACKLOG.includes(m.door));
    expect(laterBacklog.length).toBeGreaterThan(0);
    for (const d of [...doors, live]) await expectComplete(centre, d);
  });

  it('messages waiting together are stored several to a transaction, each door in order, each acknowledged', async () => {
    const { centre, doors, log, open } = await setup();
    open();
    for (const d of doors) await waitFor(`${d.door} acknowledged`, () => d.link!.status().backlog === 0, 60_000);
    const messages = log.flat().filter((m) => m.seqs.length > 0).length;
    expect(messages).toBeGreaterThanOrEqual(BACKLOG.length * (PER_DOOR / 50));
    expect(Math.max(...log.map((tx) => tx.length))).toBeGreaterThan(1);
    expect(log.length).toBeLessThan(messages);
    // Within the transactions, each door's messages follow each other.
    for (const d of BACKLOG) {
      const seqs = log.flat().filter((m) => m.door === d).flatMap((m) => m.seqs);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    }
    for (const d of doors) await expectComplete(centre, d);
  });
});

describe('grouped commits and crashes', () => {
  it('a receiver SIGKILLed between grouped commits, three times, acknowledged nothing it had not committed; after a restart every event is stored once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pintu-fair-kill-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const dbFile = join(dir, 'central.db');
    const configFile = join(dir, 'central.yaml');
    writeFileSync(configFile, stringify({ console: { listen: '127.0.0.1:0' }, broker: { url: broker.url, ...CENTRAL }, store: dbFile, dataDir: dir, log: { level: 'info' } }));
    const centreKey = loadOrCreateKeyPair(dir, CENTRAL_KEY_FILE);
    const doors = BACKLOG.map((id) => makeDoor(SITE, id));
    for (const d of doors) cleanups.push(() => d.cleanup());
    const setup = new SqliteCentralStore(dbFile);
    for (const d of doors) await setup.enroll(SITE, d.door, d.key.publicKeyText, Date.now());
    await setup.close();
    for (const d of doors) for (let k = 0; k < 3; k++) d.store.tx(() => d.store.events.append(Array.from({ length: 1000 }, (_, i) => filler('test.tick', { i: k * 1000 + i })), Date.now()));
    const reader = new Database(dbFile, { readonly: true });
    cleanups.push(() => { reader.close(); });
    const committed = (door: string): number => (reader.prepare('SELECT last_seq FROM doors WHERE site = ? AND door = ?').get(SITE, door) as { last_seq: number }).last_seq;

    // Every ack a door accepts is checked against what the centre's file holds at that moment.
    const violations: string[] = [];
    for (const d of doors) {
      const link = d.connect({ url: broker.url, username: `${SITE}.${d.door}`, password: `pw-${d.door}` }, centreKey.publicKeyText, { ackTimeoutSeconds: 1, batchSize: 50 });
      const onAck = link.outbox.onAck.bind(link.outbox);
      link.outbox.onAck = (p: Buffer): boolean => {
        const ok = onAck(p);
        if (link.outbox.ackedSeq() > committed(d.door)) violations.push(`${d.door}: acked ${link.outbox.ackedSeq()}, committed ${committed(d.door)}`);
        return ok;
      };
    }
    const total = (): number => doors.reduce((n, d) => n + committed(d.door), 0);
    const children: ChildProcess[] = [];
    let kills = 0;
    cleanups.push(() => { for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL'); });
    for (let round = 0; round < 3; round++) {
      const c = pintuSpawn(configFile, ['central', 'run']);
      children.push(c);
      const from = total();
      await waitFor(`ingest under way (round ${round})`, () => total() >= from + 600 || total() >= 9000, 60_000, 2);
      if (total() >= 9000) break;
      await new Promise<void>((resolve) => { c.once('exit', () => resolve()); c.kill('SIGKILL'); });
      kills += 1;
    }
    expect(kills).toBeGreaterThan(0);
    children.push(pintuSpawn(configFile, ['central', 'run']));
    for (const d of doors) await waitFor(`${d.door} acknowledged`, () => d.link!.status().backlog === 0, 90_000, 50);
    expect(violations).toEqual([]);
    const store = new SqliteCentralStore(dbFile);
    cleanups.push(() => store.close());
    for (const d of doors) {
      const got = await store.events({ site: SITE, door: d.door, limit: 100_000 });
      expect(got.map((e) => e.seq)).toEqual(Array.from({ length: 3000 }, (_, i) => i + 1));
      expect(got.map((e) => e.hash)).toEqual(d.store.events.since(0, 3000).map((e) => e.hash));
      expect(checkBatch(d.door, 0, GENESIS_HASH, got).accept).toHaveLength(3000);
    }
  });
});
