/**
 * The central link against a real Mosquitto: store and forward through a broker outage, exactly once at the
 * centre, in order, chain verified; acks only after commit; TLS; commands end to end.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startMosquitto, pintuAcl, waitFor, type TestBroker } from '../helpers/mosquitto.js';
import { makeCentre, makeDoor, type TestCentre, type TestDoor } from '../helpers/door.js';
import { checkBatch } from '../../src/central/store.js';
import { GENESIS_HASH } from '../../src/protocol/chain.js';
import { readLink } from '../../src/adapters/mqtt/link-state.js';
import { connect } from 'mqtt';
import { CommandSender } from '../../src/central/commands.js';
import { filler } from '../helpers/events.js';

const SITE = 'kanwil-malut';
const DOORS = [{ site: SITE, door: 'server-1' }, { site: SITE, door: 'server-2' }];
const USERS = { 'pintu-central': 'central-pw', [`${SITE}.server-1`]: 'door1-pw', [`${SITE}.server-2`]: 'door2-pw' };

let broker: TestBroker;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  broker = await startMosquitto({ users: USERS, acl: pintuAcl(DOORS), tls: true });
});
afterAll(async () => { await broker?.cleanup(); });
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  if (!broker) return;
  await broker.start().catch(() => undefined);
});

async function setup(doorId = 'server-1'): Promise<{ door: TestDoor; centre: TestCentre }> {
  const door = makeDoor(SITE, doorId);
  const centre = makeCentre();
  cleanups.push(() => centre.cleanup(), () => door.cleanup());
  await centre.store.enroll(SITE, doorId, door.key.publicKeyText, Date.now());
  await centre.start({ url: broker.url, username: 'pintu-central', password: 'central-pw' });
  return { door, centre };
}

/** The centre's events for a door are exactly seq 1..n, each once, chained from genesis. */
async function expectComplete(centre: TestCentre, door: TestDoor): Promise<void> {
  const n = door.store.events.lastSeq();
  const got = await centre.store.events({ site: SITE, door: door.door, limit: 1_000_000 });
  expect(got.map((e) => e.seq)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  const check = checkBatch(door.door, 0, GENESIS_HASH, got);
  expect(check.outcome).toBe('stored');
  expect(check.accept).toHaveLength(n);
  expect(got.map((e) => e.hash)).toEqual(door.store.events.since(0, n).map((e) => e.hash));
}

describe('store and forward through Mosquitto', () => {
  it('broker down while 500 taps happen: the door keeps deciding; afterwards the centre holds all events once each, in order, chain verified', async () => {
    const { door, centre } = await setup();
    const officer = door.visits.addOfficer('Petugas Satu', 'staff', '0A0B0C0D01');
    const link = door.connect({ url: broker.url, username: `${SITE}.server-1`, password: 'door1-pw' }, centre.key.publicKeyText);
    await waitFor('door connected', () => link.status().connected);
    await waitFor('first event acknowledged', () => link.status().backlog === 0);

    await broker.stop();
    await waitFor('door sees the outage', () => !link.status().connected);
    let granted = 0;
    let denied = 0;
    for (let i = 0; i < 500; i++) {
      const t0 = performance.now();
      const d = i % 2 === 0
        ? door.access.handleTap({ readerId: (i / 2) % 2 === 0 ? 'in' : 'out', uid: officer.badgeUid, tech: 'sim', at: Date.now() })
        : door.access.handleTap({ readerId: 'in', uid: `FF00${String(i).padStart(6, '0')}`, tech: 'sim', at: Date.now() });
      expect(performance.now() - t0).toBeLessThan(200);
      if (d?.outcome === 'grant') granted += 1;
      if (d?.outcome === 'deny') denied += 1;
    }
    expect(granted).toBe(250);
    expect(denied).toBe(250);
    expect(link.status().backlog).toBeGreaterThanOrEqual(500);
    expect(readLink(door.store.db, door.door)?.connected).toBe(false);

    await broker.start();
    await waitFor('backlog delivered', () => link.status().backlog === 0, 20_000);
    await expectComplete(centre, door);
    expect(await centre.store.alerts()).toEqual([]);
  });

  it('the broker restarted repeatedly mid-drain: nothing lost, nothing duplicated at the centre', async () => {
    const { door, centre } = await setup();
    for (let i = 0; i < 3000; i++) door.store.tx(() => door.store.events.append([filler('test.tick', { i })], Date.now()));
    const link = door.connect({ url: broker.url, username: `${SITE}.server-1`, password: 'door1-pw' }, centre.key.publicKeyText, { batchSize: 20 });
    for (let cut = 0; cut < 3; cut++) {
      await waitFor('some progress', () => link.outbox.ackedSeq() > cut * 300, 15_000, 5);
      await broker.stop();
      await new Promise((r) => setTimeout(r, 100));
      await broker.start();
    }
    await waitFor('all delivered', () => link.status().backlog === 0, 30_000);
    await expectComplete(centre, door);
  });

  it('events go through TLS (mqtts://) with a CA made by openssl', async () => {
    const { door, centre } = await setup();
    door.store.tx(() => door.store.events.append([filler('test.tls', { ok: true })], Date.now()));
    const link = door.connect({ url: broker.tlsUrl!, username: `${SITE}.server-1`, password: 'door1-pw', caFile: broker.ca!.caFile }, centre.key.publicKeyText);
    await waitFor('delivered over TLS', () => link.status().connected && link.status().backlog === 0);
    await expectComplete(centre, door);
  });

  it('an event from an unknown door is not stored and raises an alert', async () => {
    const { door, centre } = await setup();
    const other = makeDoor(SITE, 'server-2');
    cleanups.push(() => other.cleanup());
    other.store.tx(() => other.store.events.append([filler('test.x')], Date.now()));
    other.connect({ url: broker.url, username: `${SITE}.server-2`, password: 'door2-pw' }, centre.key.publicKeyText);
    await waitFor('unknown-door alert', async () => (await centre.store.alerts()).some((a) => a.kind === 'unknown-door' && a.door === 'server-2'));
    expect(await centre.store.events({ door: 'server-2' })).toEqual([]);
    expect(other.link!.status().backlog).toBe(1);
    void door;
  });

  it('a centre command (preregister, then approve) runs at the door and the signed reply comes back', async () => {
    const { door, centre } = await setup();
    const head = door.visits.addOfficer('Kepala', 'head', '0A0B0C0D99');
    const coord = door.visits.addOfficer('Koordinator', 'coordinator', '0A0B0C0D98');
    const link = door.connect({ url: broker.url, username: `${SITE}.server-1`, password: 'door1-pw' }, centre.key.publicKeyText);
    await waitFor('door connected', () => link.status().connected);
    const client = connect(broker.url, { username: 'pintu-central', password: 'central-pw', clientId: 'test-cli' });
    cleanups.push(async () => { await client.endAsync(); });
    await waitFor('cli connected', () => client.connected);
    const sender = new CommandSender(client, centre.store, centre.key);
    // The door's sealing key reaches the centre in its signed status; only then can a pre-registration be sealed to it.
    await waitFor('sealing key known', async () => (await centre.store.door(SITE, 'server-1'))?.sealKey === door.sealKey.publicKeyText);
    const pre = await sender.send(SITE, 'server-1', 'preregister', { name: 'Budi', nik: '3201012501900003', org: 'PT Jaringan', purpose: 'ganti UPS' }, { ttlSeconds: 60, waitMs: 5000 });
    expect(pre.reply).toMatchObject({ ok: true, state: 'requested' });
    const visitId = pre.reply!.visit!;
    door.visits.check(visitId, coord.id);
    const ok = await sender.send(SITE, 'server-1', 'approve', { visit: visitId, by: head.id }, { ttlSeconds: 60, waitMs: 5000 });
    expect(ok.reply).toMatchObject({ ok: true, state: 'approved', visit: visitId });
    expect(door.store.visit(visitId)?.state).toBe('approved');
    const fail = await sender.send(SITE, 'server-1', 'deny', { visit: visitId, by: head.id, reason: 'x' }, { ttlSeconds: 60, waitMs: 5000 });
    expect(fail.reply).toMatchObject({ ok: false });
    expect(door.store.visit(visitId)?.state).toBe('approved');
    await waitFor('command events at the centre', async () => (await centre.store.events({ type: 'command.' })).length === 3);
    expect((await centre.store.command(ok.command.id))?.reply).toContain('"ok":true');
  });
});
