/**
 * The centre notices doors by itself and talks to systemd:
 * - a door that said "online" and then went silent (no status, no events, no last will) is marked offline and
 *   alerted after `offlineAfterSeconds`; a door that keeps talking stays online;
 * - `pintu central run` (built CLI, real Mosquitto) under a NOTIFY_SOCKET: READY=1 once receiving, WATCHDOG=1 pings
 *   while healthy, STOPPING=1 on SIGTERM, then exits 0.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type MqttClient } from 'mqtt';
import unix from 'unix-dgram';
import { stringify } from 'yaml';
import { startMosquitto, pintuAcl, waitFor, type TestBroker } from '../helpers/mosquitto.js';
import { makeCentre, makeDoor, type TestDoor } from '../helpers/door.js';
import { CLI } from '../helpers/cli.js';
import { signBody } from '../../src/protocol/signing.js';
import { topicOf } from '../../src/protocol/topics.js';

const SITE = 'bpkad-ternate';
const DOORS = [{ site: SITE, door: 'r-1' }, { site: SITE, door: 'r-2' }];
const USERS = { 'pintu-central': 'central-pw', [`${SITE}.r-1`]: 'door1-pw', [`${SITE}.r-2`]: 'door2-pw' };

let broker: TestBroker;
const cleanups: (() => Promise<void> | void)[] = [];
beforeAll(async () => { broker = await startMosquitto({ users: USERS, acl: pintuAcl(DOORS) }); });
afterAll(async () => { await broker?.cleanup(); });
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

/** A raw MQTT client logged in as the door, publishing signed online status by hand (no last will). */
async function doorClient(d: TestDoor, password: string): Promise<{ client: MqttClient; online: () => Promise<void> }> {
  const client = connect(broker.url, { username: `${SITE}.${d.door}`, password, clientId: `raw-${d.door}` });
  cleanups.push(async () => { await client.endAsync(true); });
  await waitFor(`${d.door} connected`, () => client.connected);
  const online = async (): Promise<void> => {
    const msg = signBody(d.key.privateKey, 'status', SITE, d.door, { state: 'online' as const, at: new Date().toISOString(), lastSeq: 0, backlog: 0 });
    await client.publishAsync(topicOf(SITE, d.door, 'status'), JSON.stringify(msg), { qos: 1, retain: true });
  };
  return { client, online };
}

describe('offline detection by timeout', () => {
  it('a silent door is marked offline with an alert after offlineAfterSeconds; a talking door stays online', async () => {
    const silent = makeDoor(SITE, 'r-1');
    const talking = makeDoor(SITE, 'r-2');
    const centre = makeCentre();
    cleanups.push(() => silent.cleanup(), () => talking.cleanup(), () => centre.cleanup());
    for (const d of [silent, talking]) await centre.store.enroll(SITE, d.door, d.key.publicKeyText, Date.now());
    await centre.start({ url: broker.url, username: 'pintu-central', password: 'central-pw' }, { offlineAfterSeconds: 0.8 });
    const a = await doorClient(silent, 'door1-pw');
    const b = await doorClient(talking, 'door2-pw');
    await a.online();
    await b.online();
    await waitFor('both online', async () => (await centre.store.doors()).every((d) => d.state === 'online'));
    const keepTalking = setInterval(() => void b.online().catch(() => undefined), 200);
    cleanups.push(() => clearInterval(keepTalking));
    await waitFor('silent door offline', async () => (await centre.store.door(SITE, 'r-1'))?.state === 'offline', 10_000, 50);
    expect((await centre.store.door(SITE, 'r-2'))?.state).toBe('online');
    const alerts = await centre.store.alerts();
    expect(alerts.filter((x) => x.kind === 'offline').map((x) => x.door)).toEqual(['r-1']);
    expect(alerts[0]?.detail).toMatch(/silent for more than/);
    // One alert per silence, not one per check.
    await new Promise((r) => setTimeout(r, 600));
    expect((await centre.store.alerts()).filter((x) => x.kind === 'offline')).toHaveLength(1);
    // Talking again brings it back online.
    await a.online();
    await waitFor('back online', async () => (await centre.store.door(SITE, 'r-1'))?.state === 'online');
  });
});

describe('pintu central run under systemd (Type=notify)', () => {
  it('sends READY=1 once receiving, WATCHDOG=1 while healthy, STOPPING=1 on SIGTERM, and exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pintu-central-notify-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const configFile = join(dir, 'central.yaml');
    writeFileSync(configFile, stringify({ console: { listen: '127.0.0.1:0' }, broker: { url: broker.url, username: 'pintu-central', password: 'central-pw' }, dataDir: dir, log: { level: 'info' } }));
    const messages: { text: string; at: number }[] = [];
    const sock = unix.createSocket('unix_dgram', (buf) => messages.push({ text: buf.toString('utf8'), at: Date.now() }));
    sock.bind(join(dir, 'notify'));
    cleanups.push(() => sock.close());
    const child: ChildProcess = spawn(process.execPath, [CLI, 'central', 'run', '--config', configFile], {
      stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PINTU_CONFIG: '', NOTIFY_SOCKET: join(dir, 'notify'), WATCHDOG_USEC: '400000' },
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    cleanups.push(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); });
    await waitFor('READY=1', () => messages.some((m) => m.text.startsWith('READY=1')), 20_000).catch((err: Error) => { throw new Error(`${err.message}\n${out}`); });
    expect(out).toContain('receiving');
    const ready = messages.find((m) => m.text.startsWith('READY=1'))!;
    expect(ready.text).toContain('STATUS=receiving as group pintu-central');
    await waitFor('three watchdog pings', () => messages.filter((m) => m.text === 'WATCHDOG=1').length >= 3, 10_000);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(messages.some((m) => m.text === 'STOPPING=1')).toBe(true);
    expect(messages.findIndex((m) => m.text === 'STOPPING=1')).toBeGreaterThan(messages.indexOf(ready));
  });
});
