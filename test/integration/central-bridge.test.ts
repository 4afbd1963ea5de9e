/**
 * The Mosquitto bridge tree of docs/central.md, with two real Mosquittos: a door on its office's broker, the
 * office broker bridging its site's topics (events/status/replies out, ack/commands in) to the central broker, the
 * receiver on the central broker only. Events arrive once each, in order, through a central-broker restart;
 * a signed command goes down the bridge and its reply comes back; the bridge account cannot speak for another site.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'mqtt';
import { startMosquitto, pintuAcl, waitFor, type TestBroker } from '../helpers/mosquitto.js';
import { makeCentre, makeDoor, type TestCentre, type TestDoor } from '../helpers/door.js';
import { checkBatch } from '../../src/central/store.js';
import { CommandSender } from '../../src/central/commands.js';
import { GENESIS_HASH } from '../../src/protocol/chain.js';
import { filler } from '../helpers/events.js';

const SITE = 'kab-halbar';

/** The bridge block of docs/central.md, pointed at a local central broker without TLS. */
function bridgeBlock(centralUrl: string): string[] {
  return [
    'connection pintu-kanwil', `address ${centralUrl.replace('mqtt://', '')}`, 'bridge_protocol_version mqttv311',
    'remote_clientid bridge-kab-halbar', 'remote_username bridge.kab-halbar', 'remote_password bridge-pw',
    'cleansession false', 'try_private true', 'keepalive_interval 30', 'restart_timeout 1 2',
    'notifications true', 'notification_topic bridges/kab-halbar/state',
    `topic pintu/v1/${SITE}/+/events out 1`, `topic pintu/v1/${SITE}/+/status out 1`, `topic pintu/v1/${SITE}/+/replies out 1`,
    `topic pintu/v1/${SITE}/+/ack in 1`, `topic pintu/v1/${SITE}/+/commands in 1`,
  ];
}

/** The central broker's ACL: the receiver, and the bridge account limited to its own site (as in docs/central.md). */
function centralAcl(): string {
  return `${pintuAcl([])}\nuser bridge.kab-halbar\ntopic write pintu/v1/${SITE}/+/events\ntopic write pintu/v1/${SITE}/+/status\n`
    + `topic write pintu/v1/${SITE}/+/replies\ntopic read pintu/v1/${SITE}/+/ack\ntopic read pintu/v1/${SITE}/+/commands\ntopic write bridges/${SITE}/state\n`;
}

let central: TestBroker;
let office: TestBroker;
const cleanups: (() => Promise<void>)[] = [];
beforeAll(async () => {
  central = await startMosquitto({ users: { 'pintu-central': 'central-pw', 'bridge.kab-halbar': 'bridge-pw' }, acl: centralAcl() });
  office = await startMosquitto({ users: { [`${SITE}.dc-1`]: 'door-pw' }, acl: pintuAcl([{ site: SITE, door: 'dc-1' }]), extra: bridgeBlock(central.url) });
});
afterAll(async () => { await office?.cleanup(); await central?.cleanup(); });
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

describe('Mosquitto bridge tree (docs/central.md)', () => {
  it('events cross the bridge once each, in order, through a central broker restart; commands and replies cross back', async () => {
    const door: TestDoor = makeDoor(SITE, 'dc-1');
    const centre: TestCentre = makeCentre();
    cleanups.push(() => centre.cleanup(), () => door.cleanup());
    await centre.store.enroll(SITE, 'dc-1', door.key.publicKeyText, Date.now());
    await centre.start({ url: central.url, username: 'pintu-central', password: 'central-pw' });
    const head = door.visits.addOfficer('Kepala', 'head', '0A0B0C0D99');
    door.store.tx(() => door.store.events.append(Array.from({ length: 2000 }, (_, i) => filler('test.tick', { i })), Date.now()));
    const link = door.connect({ url: office.url, username: `${SITE}.dc-1`, password: 'door-pw' }, centre.key.publicKeyText, { ackTimeoutSeconds: 1, batchSize: 50 });
    await waitFor('part of the backlog acknowledged through the bridge', () => link.outbox.ackedSeq() >= 300, 20_000, 5);
    await central.stop();
    expect(link.status().backlog).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 200));
    await central.start();
    await waitFor('all acknowledged', () => link.status().backlog === 0, 30_000, 20);
    const got = await centre.store.events({ site: SITE, door: 'dc-1', limit: 100_000 });
    const own = door.store.events.since(0, 100_000);
    expect(got.map((e) => e.seq)).toEqual(own.map((e) => e.seq));
    expect(got.map((e) => e.hash)).toEqual(own.map((e) => e.hash));
    expect(checkBatch('dc-1', 0, GENESIS_HASH, got).accept).toHaveLength(own.length);

    const client = connect(central.url, { username: 'pintu-central', password: 'central-pw', clientId: 'bridge-test-cli' });
    cleanups.push(async () => { await client.endAsync(); });
    await waitFor('cli connected', () => client.connected);
    const sender = new CommandSender(client, centre.store, centre.key);
    await waitFor('sealing key known', async () => (await centre.store.door(SITE, 'dc-1'))?.sealKey === door.sealKey.publicKeyText, 20_000, 20);
    const r = await sender.send(SITE, 'dc-1', 'preregister', { name: 'Budi', nik: '3201012501900003', org: 'PT Jaringan', purpose: 'ganti UPS', by: head.id }, { ttlSeconds: 60, waitMs: 10_000 });
    expect(r.reply).toMatchObject({ ok: true, state: 'requested' });
    expect(door.store.visit(r.reply!.visit!)?.state).toBe('requested');
  });

  it("the bridge account cannot publish another site's events at the central broker", async () => {
    const received: string[] = [];
    const spy = connect(central.url, { username: 'pintu-central', password: 'central-pw', clientId: 'bridge-acl-spy' });
    cleanups.push(async () => { await spy.endAsync(); });
    await waitFor('spy connected', () => spy.connected);
    await spy.subscribeAsync('pintu/v1/+/+/events', { qos: 1 });
    spy.on('message', (topic) => received.push(topic));
    const rogue = connect(central.url, { username: 'bridge.kab-halbar', password: 'bridge-pw', clientId: 'rogue-bridge' });
    cleanups.push(async () => { await rogue.endAsync(); });
    await waitFor('rogue connected', () => rogue.connected);
    await rogue.publishAsync('pintu/v1/kota-ternate/dc-9/events', '{}', { qos: 1 });
    await rogue.publishAsync(`pintu/v1/${SITE}/dc-1/events`, '{}', { qos: 1 });
    await waitFor('own-site message seen', () => received.includes(`pintu/v1/${SITE}/dc-1/events`));
    expect(received).not.toContain('pintu/v1/kota-ternate/dc-9/events');
  });
});
