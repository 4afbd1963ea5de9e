/**
 * Nothing the network does can lose or stall the door's log (issue 9, section 4), against a real Mosquitto:
 * acks are always verified (a door with `central:` but no centre key does not start), an ack counts only if the
 * centre signed it for this door and names the hash of the door's own event, and events are batched by bytes so a
 * backlog with long text fields passes a broker with a small `message_size_limit`.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'mqtt';
import { readFileSync, writeFileSync } from 'node:fs';
import { startMosquitto, pintuAcl, waitFor, type TestBroker } from '../helpers/mosquitto.js';
import { makeCentre, makeDoor, type TestCentre, type TestDoor } from '../helpers/door.js';
import { pintu } from '../helpers/cli.js';
import { tempConfig } from '../helpers/config.js';
import { checkBatch } from '../../src/central/store.js';
import { GENESIS_HASH } from '../../src/protocol/chain.js';
import { signBody } from '../../src/protocol/signing.js';
import { topicOf } from '../../src/protocol/topics.js';
import { filler } from '../helpers/events.js';
import type { DomainEvent } from '../../src/domain/events.js';

const SITE = 'kanwil-malut';
const DOORS = [{ site: SITE, door: 'server-1' }, { site: SITE, door: 'server-2' }];
const USERS = { 'pintu-central': 'central-pw', [`${SITE}.server-1`]: 'door1-pw', [`${SITE}.server-2`]: 'door2-pw' };
/** The small broker's limit: above the doors' smallest maxMessageBytes (64 KiB) and default (256 KiB), far below a 1000-event batch. */
const SMALL_LIMIT = 300_000;

let broker: TestBroker;
let small: TestBroker;
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  broker = await startMosquitto({ users: USERS, acl: pintuAcl(DOORS) });
  small = await startMosquitto({ users: USERS, acl: pintuAcl(DOORS), extra: [`message_size_limit ${SMALL_LIMIT}`] });
});
afterAll(async () => { await broker?.cleanup(); await small?.cleanup(); });
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

async function setup(b: TestBroker, startCentre: boolean): Promise<{ door: TestDoor; centre: TestCentre }> {
  const door = makeDoor(SITE, 'server-1');
  const centre = makeCentre();
  cleanups.push(() => door.cleanup(), () => centre.cleanup());
  await centre.store.enroll(SITE, 'server-1', door.key.publicKeyText, Date.now());
  if (startCentre) await centre.start({ url: b.url, username: 'pintu-central', password: 'central-pw' });
  return { door, centre };
}

/** The centre's events for the door are exactly seq 1..n, each once, chained from genesis, with the door's hashes. */
async function expectComplete(centre: TestCentre, door: TestDoor): Promise<void> {
  const n = door.store.events.lastSeq();
  const got = await centre.store.events({ site: SITE, door: door.door, limit: 1_000_000 });
  expect(got.map((e) => e.seq)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  expect(checkBatch(door.door, 0, GENESIS_HASH, got).accept).toHaveLength(n);
  expect(got.map((e) => e.hash)).toEqual(door.store.events.since(0, n).map((e) => e.hash));
}

/** A visit request as the door records it, with text fields at lengths the door allows. */
function longEvent(i: number): DomainEvent {
  return filler('visit.requested', {
    visit: `V-20261201-${String(i).padStart(3, '0')}`, org: `PT ${'Nusantara '.repeat(19)}`.slice(0, 200), purpose: `ganti UPS ${'rak 3 '.repeat(200)}`.slice(0, 1000),
    devices: [{ description: 'Laptop '.repeat(28).slice(0, 200), serial: 'SN'.repeat(50) }],
  });
}

describe('acks are always verified', () => {
  it('a door with central: but no central.publicKey does not start: config check and pintu run fail naming the key and where to get it', () => {
    const tc = tempConfig();
    cleanups.push(() => tc.cleanup());
    // Written by hand: the test helper would refuse this config itself.
    writeFileSync(tc.file, `${readFileSync(tc.file, 'utf8')}central:\n  url: ${broker.url}\n  username: ${SITE}.server-1\n  password: door1-pw\n`);
    for (const args of [['config', 'check'], ['run']]) {
      const r = pintu(tc.file, args);
      expect(r.code, `pintu ${args.join(' ')}: ${r.stdout}${r.stderr}`).not.toBe(0);
      expect(r.stderr).toContain('central.publicKey');
      expect(r.stderr).toContain('pintu central keys show');
      expect(r.stdout).not.toContain('pintu ready');
    }
  });

  it('forged, replayed and foreign acks on the ack topic do not advance the acked seq, and the events still arrive at the centre', async () => {
    const { door, centre } = await setup(broker, false);
    for (let i = 0; i < 5; i++) door.store.tx(() => door.store.events.append([filler('test.tick', { i })], Date.now()));
    const link = door.connect({ url: broker.url, username: `${SITE}.server-1`, password: 'door1-pw' }, centre.key.publicKeyText);
    await waitFor('door connected', () => link.status().connected);
    const own = door.store.events.since(0, 10);
    const sk = centre.key.privateKey;
    const rogue = connect(broker.url, { username: 'pintu-central', password: 'central-pw', clientId: 'rogue-acks' });
    cleanups.push(async () => { await rogue.endAsync(); });
    await waitFor('rogue connected', () => rogue.connected);
    const topic = topicOf(SITE, 'server-1', 'ack');
    const bad: unknown[] = [
      { upTo: 5, sig: 'forged' },                                               // the forged ack
      { upTo: 5, hash: own[4]!.hash, sig: 'forged' },
      signBody(sk, 'ack', SITE, 'server-2', { upTo: 5, hash: own[4]!.hash }),  // signed for another door
      signBody(sk, 'ack', SITE, 'server-1', { upTo: 4 }),                      // signed, but names no hash (replayable)
      signBody(sk, 'ack', SITE, 'server-1', { upTo: 4, hash: 'ab'.repeat(32) }), // signed for another chain (before a restore)
      signBody(sk, 'ack', SITE, 'server-1', { upTo: 99, hash: own[4]!.hash }), // beyond the last event
    ];
    for (const m of bad) await rogue.publishAsync(topic, JSON.stringify(m), { qos: 1 });
    // A true ack for seq 1 after them (the centre does hold seq 1): once it counted, the door has handled everything
    // published before it, in order.
    await centre.store.ingest(SITE, 'server-1', own.slice(0, 1).map(({ seq, type, at, data, prevHash, hash }) => ({ seq, type, at, data, prevHash, hash })), Date.now());
    await rogue.publishAsync(topic, JSON.stringify(signBody(sk, 'ack', SITE, 'server-1', { upTo: 1, hash: own[0]!.hash })), { qos: 1 });
    await waitFor('the good ack counted', () => link.outbox.ackedSeq() >= 1);
    expect(link.outbox.ackedSeq()).toBe(1);
    expect(link.status().backlog).toBe(4);

    await centre.start({ url: broker.url, username: 'pintu-central', password: 'central-pw' });
    await waitFor('backlog delivered', () => link.status().backlog === 0, 20_000);
    await expectComplete(centre, door);
    expect(link.outbox.ackedSeq()).toBe(5);
  });
});

describe('events are batched by bytes', () => {
  it('a backlog of 1000 events with long (allowed) text fields passes a broker with a small message_size_limit', async () => {
    const { door, centre } = await setup(small, true);
    door.store.tx(() => { for (let i = 0; i < 1000; i++) door.store.events.append([longEvent(i)], Date.now()); });
    const link = door.connect({ url: small.url, username: `${SITE}.server-1`, password: 'door1-pw' }, centre.key.publicKeyText, { batchSize: 1000, ackTimeoutSeconds: 2 });
    await waitFor('backlog delivered', () => link.status().backlog === 0, 60_000);
    await expectComplete(centre, door);
  }, 90_000);

  it('one event larger than central.maxMessageBytes is sent alone instead of stalling the log', async () => {
    const { door, centre } = await setup(small, true);
    door.store.tx(() => {
      door.store.events.append([filler('test.before')], Date.now());
      door.store.events.append([filler('test.large', { note: 'x'.repeat(100_000) })], Date.now());
      door.store.events.append([filler('test.after')], Date.now());
    });
    const link = door.connect({ url: small.url, username: `${SITE}.server-1`, password: 'door1-pw' }, centre.key.publicKeyText, { maxMessageBytes: 65_536 });
    await waitFor('backlog delivered', () => link.status().backlog === 0, 20_000);
    await expectComplete(centre, door);
  });
});
