/**
 * The central store in a real PostgreSQL (a throwaway cluster made with initdb): idempotent ingest (unique site +
 * door + seq), gap / chain / conflict outcomes and alerts, acks only after commit (PostgreSQL down: nothing is
 * acknowledged), the 500-taps outage test, and two receivers on one shared subscription storing every event once.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'mqtt';
import pg from 'pg';
import { startMosquitto, pintuAcl, waitFor, type TestBroker } from '../helpers/mosquitto.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { makeCentre, makeDoor, type TestCentre, type TestDoor } from '../helpers/door.js';
import { PgCentralStore } from '../../src/central/pg-store.js';
import { CentralReceiver } from '../../src/central/receiver.js';
import { checkBatch, type CentralStore } from '../../src/central/store.js';
import { GENESIS_HASH } from '../../src/protocol/chain.js';
import { signBody } from '../../src/protocol/signing.js';
import type { WireEvent } from '../../src/protocol/messages.js';
import { topicOf } from '../../src/protocol/topics.js';
import { silentLogger } from '../../src/adapters/log/pino.js';
import { filler } from '../helpers/events.js';

const SITE = 'kanwil-sulut';
const DOORS = [{ site: SITE, door: 'srv-1' }, { site: SITE, door: 'srv-2' }];
const USERS = { 'pintu-central': 'central-pw', [`${SITE}.srv-1`]: 'door1-pw', [`${SITE}.srv-2`]: 'door2-pw' };
const CENTRAL = { username: 'pintu-central', password: 'central-pw' };

let postgres: TestPostgres;
let broker: TestBroker;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  postgres = await startPostgres();
  broker = await startMosquitto({ users: USERS, acl: pintuAcl(DOORS) });
});
afterAll(async () => {
  await broker?.cleanup();
  await postgres?.cleanup();
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await postgres?.start().catch(() => undefined);
});

async function pgStore(url?: string): Promise<PgCentralStore> {
  return PgCentralStore.open(url ?? await postgres.database());
}

function door(id = 'srv-1'): TestDoor {
  const d = makeDoor(SITE, id);
  cleanups.push(() => d.cleanup());
  return d;
}

function centre(store: CentralStore): TestCentre {
  const c = makeCentre(store);
  cleanups.push(() => c.cleanup());
  return c;
}

function appendTicks(d: TestDoor, n: number): void {
  d.store.tx(() => d.store.events.append(Array.from({ length: n }, (_, i) => filler('test.tick', { i })), Date.now()));
}

function wire(d: TestDoor, from: number, n: number): WireEvent[] {
  return d.store.events.since(from - 1, n).map((e) => ({ seq: e.seq, type: e.type, at: e.at, data: e.data, prevHash: e.prevHash, hash: e.hash }));
}

/** The store holds exactly seq 1..n of the door, each once, chained from genesis, the door's own hashes. */
async function expectComplete(store: CentralStore, d: TestDoor): Promise<void> {
  const n = d.store.events.lastSeq();
  const got = await store.events({ site: SITE, door: d.door, limit: 1_000_000 });
  expect(got.map((e) => e.seq)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  const check = checkBatch(d.door, 0, GENESIS_HASH, got);
  expect(check.outcome).toBe('stored');
  expect(check.accept).toHaveLength(n);
  expect(got.map((e) => e.hash)).toEqual(d.store.events.since(0, n).map((e) => e.hash));
}

describe('PostgreSQL central store', () => {
  it('ingest is idempotent: the same events twice are stored once, and UNIQUE (site, door, seq) refuses a second row', async () => {
    const d = door();
    const url = await postgres.database();
    const store = await pgStore(url);
    centre(store);
    await store.enroll(SITE, d.door, d.key.publicKeyText, Date.now());
    appendTicks(d, 30);
    expect(await store.ingest(SITE, d.door, wire(d, 1, 20), Date.now())).toMatchObject({ outcome: 'stored', stored: 20, lastSeq: 20 });
    expect(await store.ingest(SITE, d.door, wire(d, 1, 20), Date.now())).toMatchObject({ outcome: 'duplicate', stored: 0, lastSeq: 20 });
    expect(await store.ingest(SITE, d.door, wire(d, 11, 20), Date.now())).toMatchObject({ outcome: 'stored', stored: 10, lastSeq: 30 });
    await expectComplete(store, d);
    expect((await store.door(SITE, d.door))?.lastSeq).toBe(30);
    const raw = new pg.Client({ connectionString: url });
    await raw.connect();
    try {
      await expect(raw.query("INSERT INTO events (site, door, seq, type, at, data, prev_hash, hash, received_at) VALUES ($1, $2, 5, 'x', 'x', '{}', 'x', 'x', 0)", [SITE, d.door]))
        .rejects.toThrow(/unique|duplicate/i);
    } finally {
      await raw.end();
    }
  });

  it('gap, chain break, altered content, conflict and unknown door are refused with their outcome; nothing wrong is stored', async () => {
    const d = door();
    const store = await pgStore();
    centre(store);
    await store.enroll(SITE, d.door, d.key.publicKeyText, Date.now());
    appendTicks(d, 10);
    expect(await store.ingest(SITE, d.door, wire(d, 1, 3), Date.now())).toMatchObject({ outcome: 'stored', lastSeq: 3 });
    expect(await store.ingest(SITE, d.door, wire(d, 5, 2), Date.now())).toMatchObject({ outcome: 'gap', stored: 0, lastSeq: 3 });
    const [e4] = wire(d, 4, 1);
    expect(await store.ingest(SITE, d.door, [{ ...e4!, prevHash: 'a'.repeat(64) }], Date.now())).toMatchObject({ outcome: 'chain-break', stored: 0 });
    expect(await store.ingest(SITE, d.door, [{ ...e4!, data: { i: 999 } }], Date.now())).toMatchObject({ outcome: 'chain-break', stored: 0 });
    const [e3] = wire(d, 3, 1);
    expect(await store.ingest(SITE, d.door, [{ ...e3!, hash: 'b'.repeat(64) }], Date.now())).toMatchObject({ outcome: 'conflict', stored: 0 });
    expect(await store.ingest(SITE, 'nobody', wire(d, 1, 1), Date.now())).toMatchObject({ outcome: 'unknown-door', stored: 0 });
    expect((await store.events({ site: SITE, limit: 100 })).map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(await store.ingest(SITE, d.door, wire(d, 4, 7), Date.now())).toMatchObject({ outcome: 'stored', stored: 7, lastSeq: 10 });
    await expectComplete(store, d);
  });

  it('two stores ingesting overlapping messages at the same time never store an event twice (door row lock)', async () => {
    const d = door();
    const url = await postgres.database();
    const a = await pgStore(url);
    const b = await pgStore(url);
    centre(a);
    cleanups.push(() => b.close());
    await a.enroll(SITE, d.door, d.key.publicKeyText, Date.now());
    appendTicks(d, 400);
    const jobs: Promise<unknown>[] = [];
    for (let from = 1; from <= 400; from += 40) {
      jobs.push(a.ingest(SITE, d.door, wire(d, 1, from + 39), Date.now()), b.ingest(SITE, d.door, wire(d, 1, from + 39), Date.now()));
    }
    await Promise.all(jobs);
    await expectComplete(a, d);
  });
});

describe('PostgreSQL centre through Mosquitto', () => {
  it('broker down while 500 taps happen: afterwards PostgreSQL holds all events once each, in order, chain verified', async () => {
    const d = door();
    const c = centre(await pgStore());
    await c.store.enroll(SITE, d.door, d.key.publicKeyText, Date.now());
    await c.start({ url: broker.url, ...CENTRAL });
    const officer = d.visits.addOfficer('Petugas Satu', 'staff', '0A0B0C0D01');
    const link = d.connect({ url: broker.url, username: `${SITE}.srv-1`, password: 'door1-pw' }, c.key.publicKeyText);
    await waitFor('first event acknowledged', () => link.status().connected && link.status().backlog === 0);
    await broker.stop();
    await waitFor('door sees the outage', () => !link.status().connected);
    let granted = 0;
    for (let i = 0; i < 500; i++) {
      const r = i % 2 === 0
        ? d.access.handleTap({ readerId: (i / 2) % 2 === 0 ? 'in' : 'out', uid: officer.badgeUid, tech: 'sim', at: Date.now() })
        : d.access.handleTap({ readerId: 'in', uid: `FF00${String(i).padStart(6, '0')}`, tech: 'sim', at: Date.now() });
      if (r?.outcome === 'grant') granted += 1;
    }
    expect(granted).toBe(250);
    expect(link.status().backlog).toBeGreaterThanOrEqual(500);
    await broker.start();
    await waitFor('backlog delivered', () => link.status().backlog === 0, 30_000);
    await expectComplete(c.store, d);
    expect(await c.store.alerts()).toEqual([]);
  });

  it('acks only after commit: while PostgreSQL is down nothing is acknowledged; once it is back every event arrives once', async () => {
    const d = door();
    const c = centre(await pgStore());
    await c.store.enroll(SITE, d.door, d.key.publicKeyText, Date.now());
    await c.start({ url: broker.url, ...CENTRAL });
    const link = d.connect({ url: broker.url, username: `${SITE}.srv-1`, password: 'door1-pw' }, c.key.publicKeyText, { ackTimeoutSeconds: 1 });
    appendTicks(d, 100);
    link.notify();
    await waitFor('first 100 acknowledged', () => link.outbox.ackedSeq() === 100, 15_000);
    await postgres.stop();
    appendTicks(d, 300);
    link.notify();
    await new Promise((r) => setTimeout(r, 2500));
    expect(link.outbox.ackedSeq()).toBe(100);
    expect(c.receiver!.stats.messages).toBeGreaterThan(1);
    await postgres.start();
    await waitFor('backlog delivered after PostgreSQL is back', () => link.status().backlog === 0, 30_000);
    await expectComplete(c.store, d);
  });

  it('a real gap (a signed message that skips seqs) raises a gap alert after the wait and is not stored', async () => {
    const d = door();
    const c = centre(await pgStore());
    await c.store.enroll(SITE, d.door, d.key.publicKeyText, Date.now());
    await c.start({ url: broker.url, ...CENTRAL }, { gapWaitMs: 300 });
    appendTicks(d, 5);
    const client = connect(broker.url, { username: `${SITE}.srv-1`, password: 'door1-pw', clientId: 'gap-test' });
    cleanups.push(async () => { await client.endAsync(); });
    await waitFor('door client connected', () => client.connected);
    const msg = signBody(d.key.privateKey, 'events', SITE, d.door, { v: 1 as const, events: wire(d, 3, 3) });
    await client.publishAsync(topicOf(SITE, d.door, 'events'), JSON.stringify(msg), { qos: 1 });
    await waitFor('gap alert', async () => (await c.store.alerts()).some((a) => a.kind === 'gap' && a.door === d.door), 10_000);
    expect(await c.store.events({ site: SITE })).toEqual([]);
  });

  it('two receivers on one shared subscription into the same PostgreSQL: both work, every event of every door stored once, in order', async () => {
    const d1 = door('srv-1');
    const d2 = door('srv-2');
    const url = await postgres.database();
    const c = centre(await pgStore(url));
    const second = await pgStore(url);
    for (const d of [d1, d2]) await c.store.enroll(SITE, d.door, d.key.publicKeyText, Date.now());
    await c.start({ url: broker.url, ...CENTRAL });
    const other = new CentralReceiver(second, { broker: { url: broker.url, ...CENTRAL }, group: 'pintu-central', key: c.key, alertEverySeconds: 0 }, silentLogger());
    await other.start();
    cleanups.push(async () => { await other.stop(); await second.close(); });
    appendTicks(d1, 2000);
    appendTicks(d2, 2000);
    const l1 = d1.connect({ url: broker.url, username: `${SITE}.srv-1`, password: 'door1-pw' }, c.key.publicKeyText, { batchSize: 50 });
    const l2 = d2.connect({ url: broker.url, username: `${SITE}.srv-2`, password: 'door2-pw' }, c.key.publicKeyText, { batchSize: 50 });
    await waitFor('both backlogs delivered', () => l1.status().backlog === 0 && l2.status().backlog === 0, 60_000);
    await expectComplete(c.store, d1);
    await expectComplete(c.store, d2);
    expect(c.receiver!.stats.stored).toBeGreaterThan(0);
    expect(other.stats.stored).toBeGreaterThan(0);
    expect(c.receiver!.stats.stored + other.stats.stored).toBe(4000);
    expect((await c.store.alerts()).filter((a) => a.kind !== 'gap')).toEqual([]);
  });
});
