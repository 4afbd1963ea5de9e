/**
 * Head-of-line blocking at the centre (issue 10, item 5), with a real Mosquitto and real doors: the receiver's
 * store is held shut (as a slow disk would) while three doors' backlogs and one live tap arrive. Asserted is the
 * order of the store's transactions, not timing: the live door's event goes into the first transaction after the one
 * in progress, ahead of the backlogs' later batches, and one transaction stores several messages.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startMosquitto, pintuAcl, waitFor, type TestBroker } from '../helpers/mosquitto.js';
import { makeCentre, makeDoor, type TestCentre, type TestDoor } from '../helpers/door.js';
import { SqliteCentralStore } from '../../src/central/sqlite-store.js';
import { checkBatch, type CentralStore, type IngestBatch } from '../../src/central/store.js';
import type { WireEvent } from '../../src/adapters/mqtt/protocol.js';
import { GENESIS_HASH } from '../../src/adapters/sqlite/event-log.js';

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
  const dir = (await import('node:fs')).mkdtempSync((await import('node:path')).join((await import('node:os')).tmpdir(), 'pintu-fair-'));
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
  for (const d of doors) d.store.tx(() => d.store.events.append(Array.from({ length: PER_DOOR }, (_, i) => ({ type: 'access.granted', data: { reader: 'in', direction: 'in', holder: 'officer', officer: 'O1', i } })), Date.now()));
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
