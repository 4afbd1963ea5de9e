/**
 * Commands from the centre at the door: forged, replayed, expired, oversized and malformed commands are rejected,
 * recorded as command.rejected, and change nothing; a valid one runs. And the shipped ACL refuses a door
 * publishing on another door's topic (real Mosquitto).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'mqtt';
import { generateKeyPairSync } from 'node:crypto';
import { makeDoor, makeCentre, type TestDoor, type TestCentre } from '../helpers/door.js';
import { startMosquitto, pintuAcl, waitFor, type TestBroker } from '../helpers/mosquitto.js';
import { LinkState } from '../../src/adapters/mqtt/link-state.js';
import { CommandHandler } from '../../src/adapters/mqtt/command-handler.js';
import { buildCommand } from '../../src/central/commands.js';
import { publicKeyToText } from '../../src/protocol/signing.js';
import type { KeyPair } from '../../src/adapters/mqtt/keys.js';
import { silentLogger } from '../../src/adapters/log/pino.js';
import { commandMessageSchema, replyMessageSchema, eventsMessageSchema } from '../../src/protocol/messages.js';

const SITE = 'dinas-kudus';
let door: TestDoor;
let centre: TestCentre;
afterEach(async () => { await door?.cleanup(); await centre?.cleanup(); });

function setup(): { handler: CommandHandler; visitId: string; headId: string } {
  door = makeDoor(SITE, 'd1');
  centre = makeCentre();
  const head = door.visits.addOfficer('Kepala', 'head', '0A0B0C0D99');
  const coord = door.visits.addOfficer('Koordinator', 'coordinator', '0A0B0C0D98');
  const v = door.visits.request({ name: 'Budi', nik: '3201012501900003', org: 'PT X', purpose: 'UPS' });
  door.visits.check(v.id, coord.id);
  const handler = new CommandHandler(door.store, new LinkState(door.store.db, 'd1'), door.visits, { site: SITE, door: 'd1', centralKey: centre.key.publicKey }, silentLogger());
  return { handler, visitId: v.id, headId: head.id };
}

const bytes = (o: unknown): Buffer => Buffer.from(JSON.stringify(o));
function rejections(): string[] {
  return door.store.events.since(0, 1000).filter((e) => e.type === 'command.rejected').map((e) => String(e.data.reason));
}

describe('signed commands at the door', () => {
  it('rejects forged, replayed, expired, oversized and malformed commands, records each, and changes nothing', () => {
    const { handler, visitId, headId } = setup();
    const approve = { visit: visitId, by: headId };
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const forger: KeyPair = { privateKey, publicKey, publicKeyText: publicKeyToText(publicKey) };
    const cases: [string, Buffer][] = [
      ['bad-signature', bytes(buildCommand(forger, SITE, 'd1', 1, 'approve', approve, 60))],
      ['bad-signature', bytes({ ...buildCommand(centre.key, SITE, 'd1', 2, 'approve', approve, 60), counter: 3 })],
      ['bad-signature', bytes(buildCommand(centre.key, SITE, 'other-door', 4, 'approve', approve, 60))],
      ['expired', bytes(buildCommand(centre.key, SITE, 'd1', 5, 'approve', approve, 60, Date.now() - 120_000))],
      ['oversized', bytes({ ...buildCommand(centre.key, SITE, 'd1', 6, 'approve', approve, 60), pad: 'x'.repeat(20_000) })],
      ['malformed', Buffer.from('{not json')],
      ['malformed', bytes({ ...buildCommand(centre.key, SITE, 'd1', 7, 'approve', approve, 60), action: 'open-door' })],
      ['malformed', bytes(buildCommand(centre.key, SITE, 'd1', 8, 'approve', { visit: visitId }, 60))],
    ];
    for (const [reason, payload] of cases) {
      const r = handler.handle(payload);
      expect(r, reason).toMatchObject({ ok: false, rejected: reason });
    }
    expect(rejections()).toEqual(cases.map(([r]) => r));
    expect(door.store.visit(visitId)?.state).toBe('checked');

    const good = buildCommand(centre.key, SITE, 'd1', 10, 'approve', approve, 60);
    expect(handler.handle(bytes(good))).toMatchObject({ ok: true, state: 'approved', visit: visitId });
    const revoke = buildCommand(centre.key, SITE, 'd1', 9, 'revoke', { ...approve, reason: 'late replay' }, 60);
    expect(handler.handle(bytes(good))).toMatchObject({ ok: false, rejected: 'replay' });
    expect(handler.handle(bytes(revoke))).toMatchObject({ ok: false, rejected: 'replay' });
    expect(door.store.visit(visitId)?.state).toBe('approved');
    expect(rejections().slice(-2)).toEqual(['replay', 'replay']);
    expect(door.store.events.verify()).toBeNull();
  });

  it('a command that the visit rules refuse is recorded as command.failed and still uses up its counter', () => {
    const { handler, visitId, headId } = setup();
    const deny = buildCommand(centre.key, SITE, 'd1', 1, 'deny', { visit: 'V-20990101-001', by: headId, reason: 'no' }, 60);
    expect(handler.handle(bytes(deny))).toMatchObject({ ok: false, error: expect.stringContaining('no visit') });
    expect(handler.handle(bytes(deny))).toMatchObject({ rejected: 'replay' });
    expect(door.store.events.since(0, 100).map((e) => e.type)).toContain('command.failed');
    expect(door.store.visit(visitId)?.state).toBe('checked');
  });

  it('without central.publicKey every command is refused', () => {
    setup();
    const h = new CommandHandler(door.store, new LinkState(door.store.db, 'd1'), door.visits, { site: SITE, door: 'd1', centralKey: null }, silentLogger());
    expect(h.handle(bytes(buildCommand(centre.key, SITE, 'd1', 1, 'approve', { visit: 'V-1-1', by: 'O1' }, 60)))).toMatchObject({ rejected: 'no-central-key' });
  });

  it('payload schemas accept what the code sends', () => {
    setup();
    expect(commandMessageSchema.safeParse(buildCommand(centre.key, SITE, 'd1', 1, 'revoke', { visit: 'V-1', by: 'O1', reason: 'r' }, 60)).success).toBe(true);
    expect(replyMessageSchema.safeParse({ v: 1, id: 'abcdefgh', ok: true, at: new Date().toISOString(), sig: 'x' }).success).toBe(true);
    expect(eventsMessageSchema.safeParse({ v: 1, events: [], sig: 'x' }).success).toBe(false);
  });
});

describe('the shipped ACL (real Mosquitto)', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await startMosquitto({
      users: { 'pintu-central': 'c', [`${SITE}.d1`]: 'p1', [`${SITE}.d2`]: 'p2' },
      acl: pintuAcl([{ site: SITE, door: 'd1' }, { site: SITE, door: 'd2' }]),
    });
  });
  afterAll(async () => { await broker?.cleanup(); });

  it("refuses a door publishing on another door's topic and reading another door's commands", async () => {
    const watcher = connect(broker.url, { username: 'pintu-central', password: 'c', clientId: 'watch' });
    const d1 = connect(broker.url, { username: `${SITE}.d1`, password: 'p1', clientId: 'd1', protocolVersion: 5 });
    const others: ReturnType<typeof connect>[] = [];
    try {
      await waitFor('clients connected', () => watcher.connected && d1.connected);
      const seen: string[] = [];
      watcher.on('message', (t) => seen.push(t));
      await watcher.subscribeAsync('pintu/v1/+/+/events', { qos: 1 });
      const foreign = await d1.publishAsync(`pintu/v1/${SITE}/d2/events`, '{"forged":true}', { qos: 1 }).then(
        (p) => (p as { reasonCode?: number } | undefined)?.reasonCode ?? 0, (err: { code?: number }) => err.code ?? -1);
      expect(foreign).toBe(135);
      const own = await d1.publishAsync(`pintu/v1/${SITE}/d1/events`, '{"own":true}', { qos: 1 }).then((p) => (p as { reasonCode?: number } | undefined)?.reasonCode ?? 0);
      expect(own).toBe(0);
      await waitFor('own publish seen', () => seen.includes(`pintu/v1/${SITE}/d1/events`));
      expect(seen).not.toContain(`pintu/v1/${SITE}/d2/events`);

      // Mosquitto grants the subscription but never delivers what the ACL does not let the door read.
      const d2 = connect(broker.url, { username: `${SITE}.d2`, password: 'p2', clientId: 'd2' });
      others.push(d2);
      const got: Record<string, string[]> = { d1: [], d2: [] };
      d1.on('message', (t) => got.d1!.push(t));
      d2.on('message', (t) => got.d2!.push(t));
      await waitFor('d2 connected', () => d2.connected);
      await d1.subscribeAsync(`pintu/v1/${SITE}/+/commands`, { qos: 1 });
      await d2.subscribeAsync(`pintu/v1/${SITE}/d2/commands`, { qos: 1 });
      await watcher.publishAsync(`pintu/v1/${SITE}/d2/commands`, '{}', { qos: 1 });
      await waitFor('d2 got its command', () => got.d2!.length === 1);
      await new Promise((r) => setTimeout(r, 200));
      expect(got.d1).toEqual([]);
    } finally {
      for (const c of others) await c.endAsync();
      await d1.endAsync();
      await watcher.endAsync();
    }
  });
});
