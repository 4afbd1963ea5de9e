/**
 * Issue 14 item 5: a pre-registration's personal fields (name, NIK, phone, free text) never cross the broker in clear.
 * End to end with a real Mosquitto: the door's X25519 key reaches the centre in its signed status, the centre seals
 * the fields to it, the door opens them; every payload on the broker (a client reading `#`) and the centre's
 * database files hold no name, NIK or phone, and the command no free text. A tampered or misdirected sealed blob, a clear pre-registration
 * (an older centre) and a door without a key are refused.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'mqtt';
import pino from 'pino';
import { startMosquitto, pintuAcl, waitFor, type TestBroker } from '../helpers/mosquitto.js';
import { makeCentre, makeDoor, type TestCentre, type TestDoor } from '../helpers/door.js';
import { CommandSender, NoSealKeyError, buildCommand, wireArgs } from '../../src/central/commands.js';
import { CommandHandler } from '../../src/adapters/mqtt/command-handler.js';
import { LinkState } from '../../src/adapters/mqtt/link-state.js';
import { signBody } from '../../src/protocol/signing.js';
import { openSealed, seal, sealContext } from '../../src/protocol/sealing.js';
import { testNik } from '../helpers/config.js';

const SITE = 'kanwil-sulut';
const DOORS = [{ site: SITE, door: 'dc-1' }, { site: SITE, door: 'dc-2' }];
const USERS = { 'pintu-central': 'central-pw', [`${SITE}.dc-1`]: 'door1-pw', [`${SITE}.dc-2`]: 'door2-pw', sniffer: 'sniff-pw' };
const NAME = 'Wulan Paramitha Sealed';
const PHONE = '0813-5555-9191';
const PURPOSE = 'ganti modul daya rak 7';

let broker: TestBroker;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  broker = await startMosquitto({ users: USERS, acl: `${pintuAcl(DOORS)}\nuser sniffer\ntopic read #\n` });
});
afterAll(async () => { await broker?.cleanup(); });
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

async function setup(doorId: string): Promise<{ door: TestDoor; centre: TestCentre }> {
  const door = makeDoor(SITE, doorId);
  const centre = makeCentre();
  cleanups.push(() => centre.cleanup(), () => door.cleanup());
  await centre.store.enroll(SITE, doorId, door.key.publicKeyText, Date.now());
  await centre.start({ url: broker.url, username: 'pintu-central', password: 'central-pw' });
  return { door, centre };
}

async function client(username: string, password: string): Promise<ReturnType<typeof connect>> {
  const c = connect(broker.url, { username, password, clientId: `${username}-${Math.random().toString(16).slice(2, 8)}` });
  cleanups.push(async () => { await c.endAsync(); });
  await waitFor(`${username} connected`, () => c.connected);
  return c;
}

describe('sealed pre-registration over a real Mosquitto', () => {
  it('reaches the door and opens there, while the broker traffic and the centre database hold no name, NIK or phone', async () => {
    const { door, centre } = await setup('dc-1');
    const sniffer = await client('sniffer', 'sniff-pw');
    const seen: string[] = [];
    sniffer.on('message', (topic, payload) => seen.push(`${topic} ${payload.toString('latin1')}`));
    await sniffer.subscribeAsync('#', { qos: 1 });
    const head = door.visits.addOfficer('Kepala', 'head', '0A0B0C0D99');
    door.connect({ url: broker.url, username: `${SITE}.dc-1`, password: 'door1-pw' }, centre.key.publicKeyText);
    await waitFor('sealing key known at the centre', async () => (await centre.store.door(SITE, 'dc-1'))?.sealKey === door.sealKey.publicKeyText);
    const sender = new CommandSender(await client('pintu-central', 'central-pw'), centre.store, centre.key);
    const nik = testNik(7);
    const r = await sender.send(SITE, 'dc-1', 'preregister', {
      name: NAME, nik, org: 'PT Sulut Data', phone: PHONE, purpose: PURPOSE, letterRef: 'HD-7781', devices: [{ description: 'Laptop', serial: 'SN-SEAL-1' }], by: head.id, plannedMinutes: 45,
    }, { ttlSeconds: 60, waitMs: 10_000 });
    expect(r.reply).toMatchObject({ ok: true, state: 'requested' });
    // On the wire: only the officer, the planned minutes and the sealed blob in clear.
    expect(Object.keys(r.command.args).sort()).toEqual(['by', 'plannedMinutes', 'sealed']);
    const visit = door.store.visit(r.reply!.visit!)!;
    expect(visit.visitor).toMatchObject({ name: NAME, nik, org: 'PT Sulut Data', phone: PHONE });
    expect(visit.purpose).toBe(PURPOSE);
    await waitFor('command events at the centre', async () => (await centre.store.events({ type: 'command.executed' })).length === 1);
    await waitFor('the command on the wire seen', () => seen.some((s) => s.includes(r.command.id) && s.includes('/commands ')));
    const wire = seen.join('\n');
    const dbDir = centre.dir;
    const dbBytes = readdirSync(dbDir).filter((f) => f.startsWith('central.db')).map((f) => readFileSync(join(dbDir, f)).toString('latin1')).join('\n');
    expect(dbBytes).toContain(r.command.id);
    for (const secret of [NAME, nik, nik.slice(0, 12), PHONE]) {
      expect(wire, 'broker traffic').not.toContain(secret);
      expect(dbBytes, 'centre database').not.toContain(secret);
    }
    // The command itself carries none of the free text either (org, purpose, letter and devices reach the centre only
    // once the door filed the visit, in its visit.requested event, as the centre's reports have always had them).
    const onWire = seen.filter((x) => x.includes('/commands ')).join('\n');
    for (const text of [PURPOSE, 'SN-SEAL-1', 'HD-7781', 'PT Sulut Data']) expect(onWire, 'the command on the wire').not.toContain(text);
  }, 60_000);

  it('refuses to send to a door whose sealing key it does not know, naming the door and sending nothing', async () => {
    const { centre } = await setup('dc-2');
    const sniffer = await client('sniffer', 'sniff-pw');
    const seen: string[] = [];
    sniffer.on('message', (topic) => seen.push(topic));
    await sniffer.subscribeAsync(`pintu/v1/${SITE}/dc-2/commands`, { qos: 1 });
    const sender = new CommandSender(await client('pintu-central', 'central-pw'), centre.store, centre.key);
    const send = sender.send(SITE, 'dc-2', 'preregister', { name: NAME, nik: testNik(8), org: 'PT X', purpose: PURPOSE }, { ttlSeconds: 60, waitMs: 0 });
    await expect(send).rejects.toThrow(NoSealKeyError);
    await expect(send).rejects.toThrow(/door kanwil-sulut\/dc-2 has not sent its sealing key/);
    await new Promise((res) => setTimeout(res, 300));
    expect(seen).toEqual([]);
    // Nothing recorded either: the counter was not even taken.
    expect(await centre.store.nextCounter(SITE, 'dc-2')).toBe(1);
  }, 30_000);
});

describe('the door opens only what was sealed to it, for this command', () => {
  const now = Date.parse('2026-12-01T03:00:00Z');
  function harness(): { door: TestDoor; centre: TestCentre; handler: CommandHandler; signed: (id: string, counter: number, action: 'preregister', args: Record<string, unknown>) => Buffer } {
    const door = makeDoor(SITE, 'dc-1');
    const centre = makeCentre();
    cleanups.push(() => centre.cleanup(), () => door.cleanup());
    const handler = new CommandHandler(door.store, new LinkState(door.store.db, 'dc-1'), door.visits,
      { site: SITE, door: 'dc-1', centralKey: centre.key.publicKey, now: () => now, sealKey: door.sealKey }, pino({ level: 'silent' }));
    const signed = (id: string, counter: number, action: 'preregister', args: Record<string, unknown>): Buffer =>
      Buffer.from(JSON.stringify(buildCommand(centre.key, SITE, 'dc-1', counter, action, args, 3600, now, id)));
    return { door, centre, handler, signed };
  }
  const person = { name: NAME, nik: testNik(9), org: 'PT Y', purpose: PURPOSE };

  it('refuses a tampered sealed blob (bad-seal), records why without the data, and files no visit', () => {
    const { door, handler, signed } = harness();
    const args = wireArgs(SITE, 'dc-1', 'cmdTamper01', 'preregister', person, door.sealKey.publicKeyText);
    const blob = Buffer.from(String(args.sealed).slice(3), 'base64');
    blob[blob.length - 1]! ^= 0x01;
    const r = handler.handle(signed('cmdTamper01', 1, 'preregister', { ...args, sealed: `s1.${blob.toString('base64')}` }));
    expect(r).toMatchObject({ ok: false, rejected: 'bad-seal' });
    expect(door.store.visits({ limit: 10 })).toEqual([]);
    const ev = door.store.events.since(0).filter((e) => e.type === 'command.rejected');
    expect(ev.map((e) => e.data)).toEqual([expect.objectContaining({ reason: 'bad-seal', command: 'cmdTamper01' })]);
    // The untouched blob opens (the refusal was the tampering), and only for its own command id.
    expect(handler.handle(signed('cmdTamper01', 2, 'preregister', args))).toMatchObject({ ok: true, state: 'requested' });
  });

  it('refuses a blob sealed for another command or another door, or to another key', () => {
    const { door, handler, signed } = harness();
    const other = makeDoor(SITE, 'dc-2');
    cleanups.push(() => other.cleanup());
    const forOther = wireArgs(SITE, 'dc-1', 'cmdOriginal1', 'preregister', person, door.sealKey.publicKeyText);
    expect(handler.handle(signed('cmdReplayed1', 1, 'preregister', forOther))).toMatchObject({ ok: false, rejected: 'bad-seal' });
    const otherDoor = wireArgs(SITE, 'dc-2', 'cmdOtherDr1', 'preregister', person, door.sealKey.publicKeyText);
    expect(handler.handle(signed('cmdOtherDr1', 2, 'preregister', otherDoor))).toMatchObject({ ok: false, rejected: 'bad-seal' });
    const otherKey = wireArgs(SITE, 'dc-1', 'cmdOtherKy1', 'preregister', person, other.sealKey.publicKeyText);
    expect(handler.handle(signed('cmdOtherKy1', 3, 'preregister', otherKey))).toMatchObject({ ok: false, rejected: 'bad-seal' });
    expect(door.store.visits({ limit: 10 })).toEqual([]);
    // The format itself: a context or key mismatch never opens.
    const s = seal(door.sealKey.publicKey, 'x', sealContext(SITE, 'dc-1', 'a', 'preregister'));
    expect(openSealed(door.sealKey.privateKey, door.sealKey.publicKey, s, sealContext(SITE, 'dc-1', 'a', 'preregister'))).toBe('x');
    expect(() => openSealed(door.sealKey.privateKey, door.sealKey.publicKey, s, sealContext(SITE, 'dc-1', 'a', 'watchlist'))).toThrow(/could not be opened/);
    expect(() => openSealed(other.sealKey.privateKey, other.sealKey.publicKey, s, sealContext(SITE, 'dc-1', 'a', 'preregister'))).toThrow(/could not be opened/);
  });

  it('refuses a pre-registration with the personal fields in clear (a centre older than issue 14): malformed, no visit', () => {
    const { door, centre, handler } = harness();
    const clear = signBody(centre.key.privateKey, 'commands', SITE, 'dc-1', {
      v: 1, id: 'cmdClear0001', counter: 1, issuedAt: new Date(now).toISOString(), expiresAt: new Date(now + 3_600_000).toISOString(), action: 'preregister', args: person,
    });
    expect(handler.handle(Buffer.from(JSON.stringify(clear)))).toMatchObject({ ok: false, rejected: 'malformed' });
    expect(door.store.visits({ limit: 10 })).toEqual([]);
  });

  it('refuses every sealed command at a door that has no sealing key', () => {
    const { door, centre, signed } = harness();
    const keyless = new CommandHandler(door.store, new LinkState(door.store.db, 'dc-1'), door.visits,
      { site: SITE, door: 'dc-1', centralKey: centre.key.publicKey, now: () => now, sealKey: null }, pino({ level: 'silent' }));
    const args = wireArgs(SITE, 'dc-1', 'cmdNoKey0001', 'preregister', person, door.sealKey.publicKeyText);
    expect(keyless.handle(signed('cmdNoKey0001', 1, 'preregister', args))).toMatchObject({ ok: false, rejected: 'bad-seal' });
    expect(door.store.visits({ limit: 10 })).toEqual([]);
  });
});
