/**
 * Door alarms reach the centre as alerts (issue 9, section 3): through a real Mosquitto and the real receiver, every
 * stored `alarm.*` event, `door.forced`, `door.held` and `visit.device_mismatch` becomes one alert (kind = the event
 * type) in the same transaction as the event, so a redelivered message raises nothing twice. SQLite and PostgreSQL.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'mqtt';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startMosquitto, pintuAcl, waitFor, type TestBroker } from '../helpers/mosquitto.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { makeCentre, makeDoor } from '../helpers/door.js';
import { pintuJson } from '../helpers/cli.js';
import { PgCentralStore } from '../../src/central/pg-store.js';
import { SqliteCentralStore } from '../../src/central/sqlite-store.js';
import type { Alert, CentralStore } from '../../src/central/store.js';
import { signBody } from '../../src/protocol/signing.js';
import { topicOf } from '../../src/protocol/topics.js';
import { filler } from '../helpers/events.js';

const SITE = 'kanwil-gorontalo';
const DOOR = 'srv-1';
const USERS = { 'pintu-central': 'central-pw', [`${SITE}.${DOOR}`]: 'door-pw' };
const CENTRAL = { username: 'pintu-central', password: 'central-pw' };

/** The door alarms of issue 9 (some written by other parts of the door), and the door's older alarms. */
const ALARMS = [
  filler('alarm.visitor_unescorted', { visit: 'V-20261201-001', reader: 'in' }),
  filler('alarm.visit_overstay', { visit: 'V-20261201-002' }),
  filler('alarm.revoked_inside', { visit: 'V-20261201-003' }),
  filler('alarm.clock_rollback', { clock: '2026-01-01T00:00:00.000Z', highWater: '2026-12-01T00:00:00.000Z' }),
  filler('alarm.reader_down', { reader: 'out' }),
  filler('visit.device_mismatch', { visit: 'V-20261201-004', missing: 1 }),
  filler('door.forced'),
  filler('door.held', { seconds: 30 }),
];
/** Ordinary events around them: these raise nothing. */
const ORDINARY = [
  filler('access.granted', { reader: 'in', holder: 'officer', officer: 'O1' }),
  filler('door.opened'),
  filler('door.held_cleared'),
  filler('visit.requested', { visit: 'V-20261201-005' }),
];

let broker: TestBroker;
let postgres: TestPostgres;
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  broker = await startMosquitto({ users: USERS, acl: pintuAcl([{ site: SITE, door: DOOR }]) });
  postgres = await startPostgres();
}, 60_000);
afterAll(async () => { await broker?.cleanup(); await postgres?.cleanup(); });
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

const stores: [string, () => Promise<CentralStore>][] = [
  ['SQLite', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pintu-alerts-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    return new SqliteCentralStore(join(dir, 'central.db'));
  }],
  ['PostgreSQL', async () => PgCentralStore.open(await postgres.database())],
];

describe.each(stores)('door alarms become alerts at the centre (%s store)', (name, open) => {
  it('each alarm event raises exactly one alert naming its type, ordinary events none, and a redelivered message none again', async () => {
    const door = makeDoor(SITE, DOOR);
    cleanups.push(() => door.cleanup());
    const centre = makeCentre(await open());
    cleanups.push(() => centre.cleanup());
    await centre.store.enroll(SITE, DOOR, door.key.publicKeyText, Date.now());
    await centre.start({ url: broker.url, ...CENTRAL });

    door.store.tx(() => {
      for (let i = 0; i < ALARMS.length; i++) door.store.events.append([ORDINARY[i % ORDINARY.length]!, ALARMS[i]!], Date.now());
    });
    const link = door.connect({ url: broker.url, username: `${SITE}.${DOOR}`, password: 'door-pw' }, centre.key.publicKeyText);
    await waitFor('events delivered', () => link.status().backlog === 0, 20_000);

    const alarmAlerts = (all: Alert[]): Alert[] => all.filter((a) => !['offline', 'gap'].includes(a.kind)).reverse();
    const first = alarmAlerts(await centre.store.alerts(1000));
    expect(first.map((a) => a.kind)).toEqual(ALARMS.map((a) => a.type));
    const stored = await centre.store.events({ site: SITE, door: DOOR });
    for (const a of first) {
      expect(a).toMatchObject({ site: SITE, door: DOOR });
      const e = stored.find((x) => x.type === a.kind)!;
      expect(a.detail).toContain(`seq ${e.seq}`);
    }

    // The same signed message delivered again (a resend after a lost ack): stored nothing, raised nothing.
    const raw = connect(broker.url, { username: `${SITE}.${DOOR}`, password: 'door-pw', clientId: `redeliver-${name}` });
    cleanups.push(async () => { await raw.endAsync(); });
    await waitFor('raw client connected', () => raw.connected);
    let acks = 0;
    raw.on('message', () => { acks += 1; });
    await raw.subscribeAsync(topicOf(SITE, DOOR, 'ack'), { qos: 1 });
    const events = door.store.events.since(0, 100).map((e) => ({ seq: e.seq, type: e.type, at: e.at, data: e.data, prevHash: e.prevHash, hash: e.hash }));
    for (let i = 0; i < 2; i++) await raw.publishAsync(topicOf(SITE, DOOR, 'events'), JSON.stringify(signBody(door.key.privateKey, 'events', SITE, DOOR, { v: 1, events })), { qos: 1 });
    // The centre acknowledges each message once its transaction is done.
    await waitFor('both redeliveries acknowledged', () => acks >= 2);
    expect(alarmAlerts(await centre.store.alerts(1000))).toEqual(first);
    expect((await centre.store.events({ site: SITE, door: DOOR })).length).toBe(events.length);
  });
});

describe('pintu central alerts', () => {
  it('lists the door alarms that reached the centre', async () => {
    const door = makeDoor(SITE, DOOR);
    const centre = makeCentre();
    cleanups.push(() => door.cleanup(), () => centre.cleanup());
    await centre.store.enroll(SITE, DOOR, door.key.publicKeyText, Date.now());
    await centre.start({ url: broker.url, ...CENTRAL });
    door.store.tx(() => door.store.events.append([ORDINARY[0]!, ALARMS[0]!, ALARMS[4]!, ALARMS[5]!], Date.now()));
    const link = door.connect({ url: broker.url, username: `${SITE}.${DOOR}`, password: 'door-pw' }, centre.key.publicKeyText);
    await waitFor('events delivered', () => link.status().backlog === 0, 20_000);
    const yaml = join(centre.dir, 'central.yaml');
    writeFileSync(yaml, stringify({ console: { listen: '127.0.0.1:0' }, broker: { url: broker.url, ...CENTRAL }, store: join(centre.dir, 'central.db'), dataDir: centre.dir }));
    const listed = pintuJson<{ site: string; door: string; kind: string }[]>(yaml, ['central', 'alerts']);
    expect(listed.map((a) => [a.site, a.door, a.kind]).filter(([, , k]) => k !== 'offline'))
      .toEqual([[SITE, DOOR, 'visit.device_mismatch'], [SITE, DOOR, 'alarm.reader_down'], [SITE, DOOR, 'alarm.visitor_unescorted']]);
  });
});
