/**
 * Secure badges end to end (issue 15): a real pcscd with vsmartcard-vpcd's two slots — slot 0 the door's reader
 * (`secure: ntag424`, direction in), slot 1 the desk reader — and virtual NTAG 424 DNA cards (test/helpers/ntag424-card.ts)
 * written independently of the reader's crypto. The built CLI enrols and re-keys; the door is the daemon as `pintu run`
 * builds it (buildDaemon), on simulated door I/O whose relay history is watched, logging to a file.
 *
 * One pcscd and one door for the whole file (pcscd is one per machine): the start enrols the visit's badge and the staff
 * officer's own badge at the desk and issues the visit; each `it` then stands on that alone (everyone outside, the badge
 * holding an accepted key: the rotation test re-keys it before it ends).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPcscTestEnv, type PcscTestEnv } from '../helpers/pcsc.js';
import { VirtualNtag424, type Ntag424CardOptions } from '../helpers/ntag424-card.js';
import { TEST_PIN, addOfficerCli, pintu, pintuJson, pintuSpawn, setupHead, until } from '../helpers/cli.js';
import { tempConfig, testNik, type TempConfig } from '../helpers/config.js';
import { buildDaemon, visitService } from '../../src/main.js';
import { SimDoorIo } from '../../src/adapters/sim/sim-door-io.js';
import { createLogger } from '../../src/adapters/log/pino.js';
import type { Daemon } from '../../src/app/daemon.js';
import type { StoredEvent } from '../../src/ports/store.js';
import { CENTRAL_KEY_FILE, loadOrCreateKeyPair } from '../../src/adapters/mqtt/keys.js';
import { connect as mqttConnect, type MqttClient } from 'mqtt';
import { pintuAcl, startMosquitto, type TestBroker } from '../helpers/mosquitto.js';

const HEAD_UID = '04A1A2A3A4A5A6';
const OFFICER_UID = '04B1B2B3B4B5B6';
const VISITOR_UID = '04C1C2C3C4C5C6';
const SPARE_UID = '04D1D2D3D4D5D6';

describe('secure badges through pcscd + vpcd: enrol at the desk, prove at the door', () => {
  let env: PcscTestEnv;
  let tc: TempConfig;
  let keyDir: string;
  let logFile: string;
  let io: SimDoorIo;
  let daemon: Daemon | null = null;
  let visitId = '';
  /** The cards as they are now (keys written by enrolment stay in the card objects across taps). */
  const cards: { visitor?: VirtualNtag424; officer?: VirtualNtag424 } = {};
  /** Everything the CLI printed (checked for the master key at the end). */
  let cliOutput = '';
  /** The MQTT broker the door publishes to, and every payload it published (read as the centre's user). */
  let broker: TestBroker | null = null;
  let listener: MqttClient | null = null;
  const published: Buffer[] = [];

  const events = (): StoredEvent[] => daemon!.parts.store.events.since(0);
  const relayOns = (): number => io.relay.history.filter((c) => c.on).length;
  const lastSeq = (): number => daemon!.parts.store.events.lastSeq();
  /** The decisions on taps (and clone alarms) after `seq`; not `access.unused`, which a strike's end writes on its own. */
  const DECISIONS = new Set(['access.granted', 'access.denied', 'access.awaiting_escort', 'alarm.clone_suspected']);
  const accessAfter = (seq: number): StoredEvent[] => events().filter((e) => e.seq > seq && DECISIONS.has(e.type));

  /** Put a card on a slot (0: door, 1: desk) and take it away once `done` resolves. */
  async function present<T>(card: VirtualNtag424, slot: 0 | 1, done: () => Promise<T>): Promise<T> {
    const inserted = await env.insertCard({ ...card.vpcdOptions(), slot });
    try {
      return await done();
    } finally {
      await inserted.remove();
    }
  }

  /** `pintu badge enroll ARGS` with the card presented on the desk reader once the CLI asks for it. */
  async function enrol(card: VirtualNtag424, args: string[], stdin = ''): Promise<Record<string, unknown>> {
    const child = pintuSpawn(tc.file, ['badge', 'enroll', ...args, '--timeout', '30', '--json']);
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
    child.stdin!.end(stdin);
    const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    try {
      // With --json the prompt goes to stderr: stdout holds only the result.
      await until(() => err.includes('Tempelkan kartu pada pembaca meja') || child.exitCode !== null, 'the enrol prompt', 30_000);
      expect(child.exitCode, err).toBeNull();
      const code = await present(card, 1, () => exited);
      cliOutput += out + err;
      expect(code, `${out}\n${err}`).toBe(0);
      expect(out.trim().split('\n')).toHaveLength(1);
      return JSON.parse(out) as Record<string, unknown>;
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }

  /** Tap a card at the door and wait for the decision: the access (and clone alarm) events after the tap, once `done` says so. */
  async function tapDoor(card: VirtualNtag424, what: string, done: (a: StoredEvent[]) => boolean = (a) => a.length > 0): Promise<StoredEvent[]> {
    const seq = lastSeq();
    return present(card, 0, () => until(() => { const a = accessAfter(seq); return done(a) ? a : null; }, what, 20_000));
  }

  /** Everyone outside again (grants go unused after the strike: nobody opens the simulated door). */
  async function settled(): Promise<void> {
    await until(() => daemon!.parts.store.officersInside().length === 0 && daemon!.parts.store.visit(visitId)?.presence === 'outside', 'everyone outside', 20_000);
  }

  /** Tap a card that goes away mid-authentication: no decision, the reader says to present it again. */
  async function tapNoDecision(options: Ntag424CardOptions, what: string): Promise<void> {
    const seq = lastSeq();
    const ons = relayOns();
    const before = readFileSync(logFile, 'utf8').split('present the card again').length;
    const card = new VirtualNtag424(options);
    await present(card, 0, () => until(() => readFileSync(logFile, 'utf8').split('present the card again').length > before, `${what}: the reader to ask for the card again`, 20_000));
    expect(accessAfter(seq), what).toEqual([]);
    expect(relayOns(), what).toBe(ons);
  }

  beforeAll(async () => {
    env = await startPcscTestEnv();
    keyDir = mkdtempSync(join(tmpdir(), 'pintu-badge-keys-'));
    // The door sends its events to a real Mosquitto; a client with the centre's rights records what it publishes.
    broker = await startMosquitto({ users: { 'pintu-central': 'central-pw', 'test-site.door-1': 'door-pw' }, acl: pintuAcl([{ site: 'test-site', door: 'door-1' }]) });
    listener = mqttConnect(broker.url, { username: 'pintu-central', password: 'central-pw', clientId: 'secure-badge-listener' });
    await new Promise<void>((resolve, reject) => { listener!.once('connect', () => resolve()); listener!.once('error', reject); });
    await listener.subscribeAsync('pintu/v1/+/+/#', { qos: 1 });
    listener.on('message', (_topic, payload) => published.push(Buffer.from(payload)));
    const centreKey = loadOrCreateKeyPair(keyDir, CENTRAL_KEY_FILE);
    tc = tempConfig({
      readers: [
        { id: 'in', direction: 'in', kind: 'pcsc', path: env.readerName, secure: 'ntag424' },
        { id: 'desk', direction: 'desk', kind: 'pcsc', path: env.secondReaderName },
      ],
      badges: { keyFile: join(keyDir, 'badge.keys'), cardTimeoutMs: 1000 },
      escort: { required: true, windowSeconds: 20 },
      // Nobody opens the simulated door: a grant goes unused after the strike and the person is back outside.
      door: { id: 'door-1', strikeSeconds: 2, heldOpenSeconds: 30, repeatTapSeconds: 0 },
      central: { url: broker.url, username: 'test-site.door-1', password: 'door-pw', publicKey: centreKey.publicKeyText, sealKeyFile: join(keyDir, 'seal.key') },
    });
    logFile = join(tc.dir, 'daemon.log');
    expect(pintu(tc.file, ['badge', 'key', 'create']).code).toBe(0);
    setupHead(tc.file, 'Head', HEAD_UID);
    addOfficerCli(tc.file, 'Staff', 'staff', OFFICER_UID, 'O1');
    io = new SimDoorIo();
    // The door as `pintu run` builds it; the console's desk reader is left to the CLI (it writes the badges there).
    daemon = await buildDaemon(tc.config, createLogger('debug', logFile), { io, deskReader: null });
    await daemon.start();
    // The badge of the visit and the staff officer's own badge, enrolled at the desk (the officer's by the head, PIN given).
    cards.visitor = new VirtualNtag424({ uid: VISITOR_UID });
    expect(await enrol(cards.visitor, ['--label', 'TAMU-07'])).toMatchObject({ uid: VISITOR_UID, label: 'TAMU-07', keyVersion: 1, previousKeyVersion: 0 });
    cards.officer = new VirtualNtag424({ uid: OFFICER_UID });
    expect(await enrol(cards.officer, ['--officer', 'O2', '--by', 'O1'], `${TEST_PIN}\n`)).toMatchObject({ uid: OFFICER_UID, holder: 'officer', officer: 'O2' });
    // The visit the badge is issued to (SOP steps 1–3).
    const visits = visitService(tc.config, daemon.parts.store);
    const v = visits.request({ name: 'Budi', nik: testNik(3), org: 'PT X', purpose: 'disk swap' });
    visits.check(v.id, 'O2');
    visits.approve(v.id, 'O1');
    visits.issue(v.id, 'TAMU-07', 'O2', { rulesAcknowledged: true });
    visitId = v.id;
  }, 420_000); // may wait its turn for pcscd (one per machine), then enrols two cards

  afterAll(async () => {
    await daemon?.stop('test end');
    await env?.stop();
    await listener?.endAsync(true);
    await broker?.cleanup();
    tc?.cleanup();
    if (keyDir) rmSync(keyDir, { recursive: true, force: true });
  });

  it('enrols a blank card with the CLI on the desk reader: a pool badge with its label, and an officer\'s own badge by a head', async () => {
    const blank = new VirtualNtag424({ uid: SPARE_UID });
    const before = lastSeq();
    const pool = await enrol(blank, ['--label', 'TAMU-09']);
    expect(pool).toMatchObject({ uid: SPARE_UID, holder: 'pool', label: 'TAMU-09', previousKeyVersion: 0, added: true });
    expect(blank.keyVersion(0)).toBe(pool.keyVersion);
    expect(blank.key(0).equals(Buffer.alloc(16))).toBe(false); // the factory key is gone
    const recorded = events().filter((e) => e.seq > before);
    expect(recorded.map((e) => e.type)).toEqual(['badge.added', 'badge.enrolled']);
    expect(recorded[1]!.data).toMatchObject({ badge: SPARE_UID, holder: 'pool', label: 'TAMU-09', previousKeyVersion: 0, by: 'cli' });
    expect(daemon!.parts.store.secureBadge(SPARE_UID)).toMatchObject({ holder: 'pool', keyVersion: pool.keyVersion });
    // The officer's own badge (enrolled at the start, by the head O1 with the PIN).
    expect(events().find((e) => e.type === 'badge.enrolled' && e.data.badge === OFFICER_UID)!.data).toMatchObject({ holder: 'officer', holderOfficer: 'O2', by: 'O1' });
    // Another card shown for an enrolled label is refused before anything is written to it.
    const stranger = new VirtualNtag424({ uid: '04E1E2E3E4E5E6' });
    const child = pintuSpawn(tc.file, ['badge', 'enroll', '--label', 'TAMU-09', '--timeout', '30']);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
    child.stdin!.end();
    const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    await until(() => out.includes('Tempelkan kartu pada pembaca meja'), 'the enrol prompt', 30_000);
    expect(await present(stranger, 1, () => exited)).toBe(2);
    expect(out).toContain(`label TAMU-09 is badge ${SPARE_UID}; this card is 04E1E2E3E4E5E6`);
    expect(stranger.keyVersion(0)).toBe(0);
    // A factory card showing the enrolled badge's UID ("my badge stopped working") is a copy: refused, given no key.
    const copy = new VirtualNtag424({ uid: SPARE_UID });
    const again = pintuSpawn(tc.file, ['badge', 'enroll', '--label', 'TAMU-09', '--timeout', '30']);
    let said = '';
    again.stdout!.on('data', (d: Buffer) => { said += d.toString(); });
    again.stderr!.on('data', (d: Buffer) => { said += d.toString(); });
    again.stdin!.end();
    const done = new Promise<number | null>((r) => again.once('exit', (c) => r(c)));
    await until(() => said.includes('Tempelkan kartu pada pembaca meja'), 'the enrol prompt', 30_000);
    expect(await present(copy, 1, () => done), said).toBe(2);
    expect(said).toMatch(/holds the factory key.*copy of its UID/);
    expect(copy.keyVersion(0)).toBe(0);
    expect(copy.key(0).equals(Buffer.alloc(16))).toBe(true);
  }, 120_000);

  it('a card pulled away or going silent mid-authentication delivers no tap (no grant, no hang)', async () => {
    const same = { uid: VISITOR_UID, keys: [cards.visitor!.key(0)], keyVersions: [cards.visitor!.keyVersion(0)] };
    await tapNoDecision({ ...same, behaviour: 'remove-after', afterApdus: 4 }, 'a card pulled away at authentication part 2');
    await tapNoDecision({ ...same, behaviour: 'silent-after', afterApdus: 4 }, 'a card going silent at authentication part 2');
    // The next card is read and decided as usual.
    const next = await tapDoor(cards.visitor!, 'the next tap');
    expect(next.some((e) => e.type === 'alarm.clone_suspected')).toBe(false);
    expect(next[0]!.type).toMatch(/^access\./);
  }, 90_000);

  it('the enrolled badge proves itself at the door: it waits for an escort, and is let in with the officer\'s secure badge', async () => {
    await settled();
    const ons = relayOns();
    const first = await tapDoor(cards.visitor!, 'the visitor\'s tap');
    expect(first.map((e) => e.type)).toEqual(['access.awaiting_escort']);
    expect(relayOns()).toBe(ons); // refused without an escort: the strike stays locked
    const escort = await tapDoor(cards.officer!, 'the officer\'s tap');
    await until(() => events().find((e) => e.type === 'access.granted' && e.data.visit === visitId), 'the visitor let in');
    expect(escort.some((e) => e.type === 'access.granted' && e.data.officer === 'O2')).toBe(true);
    expect(events().find((e) => e.type === 'access.granted' && e.data.visit === visitId)!.data.escort).toBe('O2');
    expect(relayOns()).toBeGreaterThan(ons);
  }, 90_000);

  for (const behaviour of ['uid-copy-no-app', 'uid-copy-wrong-key'] as const) {
    it(`a card showing the badge's UID without its key (${behaviour}) is refused clone-suspected with an alarm; the relay never moves`, async () => {
      const ons = relayOns();
      const after = await tapDoor(new VirtualNtag424({ uid: VISITOR_UID, behaviour, keyVersions: [cards.visitor!.keyVersion(0)] }), 'the copy refused with an alarm',
        (a) => a.some((e) => e.type === 'access.denied') && a.some((e) => e.type === 'alarm.clone_suspected'));
      expect(after.find((e) => e.type === 'access.denied')!.data.reason).toBe('clone-suspected');
      expect(after.find((e) => e.type === 'alarm.clone_suspected')!.data).toMatchObject({ badge: VISITOR_UID, holder: 'visitor', reader: 'in' });
      expect(after.some((e) => e.type === 'access.granted')).toBe(false);
      expect(relayOns()).toBe(ons);
    }, 60_000);
  }

  it('after the key rotation the old key is refused badge-key-retired; re-enrolled, the badge is accepted again', async () => {
    await settled();
    const held = cards.visitor!.keyVersion(0);
    const rotated = pintuJson<{ current: number; previousState: string }>(tc.file, ['badge', 'key', 'rotate']);
    expect(rotated).toMatchObject({ current: held + 1, previousState: 'retired' });
    const ons = relayOns();
    const old = await tapDoor(cards.visitor!, 'the old-key tap');
    expect(old.map((e) => [e.type, e.data.reason ?? null])).toEqual([['access.denied', 'badge-key-retired']]); // no clone alarm
    expect(relayOns()).toBe(ons);

    const rekeyed = await enrol(cards.visitor!, ['--label', 'TAMU-07']);
    expect(rekeyed).toMatchObject({ uid: VISITOR_UID, keyVersion: held + 1, previousKeyVersion: held, added: false });
    expect(cards.visitor!.keyVersion(0)).toBe(held + 1);
    await settled();
    const again = await tapDoor(cards.visitor!, 'the re-keyed tap');
    expect(again.map((e) => e.type)).toEqual(['access.awaiting_escort']);
  }, 120_000);

  it('retiring an enrolled badge resets its card by tap; --card-lost retires it without: either card is then refused, without a clone alarm', async () => {
    const card = new VirtualNtag424({ uid: '04F1F2F3F4F5F6' });
    await enrol(card, ['--label', 'TAMU-11']);
    const child = pintuSpawn(tc.file, ['badge', 'retire', 'TAMU-11', '--by', 'O2', '--timeout', '30', '--json']);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
    child.stdin!.end();
    const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    await until(() => out.includes('Tempelkan kartu pada pembaca meja'), 'the retire prompt', 30_000);
    expect(await present(card, 1, () => exited), out).toBe(0);
    cliOutput += out;
    expect(card.keyVersion(0)).toBe(0);
    expect(card.key(0).equals(Buffer.alloc(16))).toBe(true);
    expect(events().filter((e) => e.type === 'badge.key_reset').at(-1)!.data).toMatchObject({ badge: '04F1F2F3F4F5F6', by: 'O2' });
    expect(daemon!.parts.store.secureBadge('04F1F2F3F4F5F6')).toBeNull();

    const lost = new VirtualNtag424({ uid: '04A9A8A7A6A5A4' });
    await enrol(lost, ['--label', 'TAMU-12']);
    const r = pintu(tc.file, ['badge', 'retire', 'TAMU-12', '--by', 'O2', '--card-lost', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ label: 'TAMU-12', status: 'retired', reset: false });
    expect(lost.keyVersion(0)).toBeGreaterThan(0); // the card still holds the site key, but is enrolled nowhere
    const ons = relayOns();
    for (const c of [card, lost]) {
      const got = await tapDoor(c, 'a retired card refused');
      expect(got.map((e) => e.type)).toEqual(['access.denied']);
    }
    expect(relayOns()).toBe(ons);
  }, 120_000);

  it('the master keys appear nowhere: not in the database, its backup, the daemon\'s log, the CLI\'s output or what went over MQTT', async () => {
    // The enrolments and the rotation went out to the centre (so what was published was looked at).
    await until(() => Buffer.concat(published).includes('badge.enrolled'), 'the badge events published over MQTT', 30_000);
    const keyFile = JSON.parse(readFileSync(tc.config.badges.keyFile, 'utf8')) as { versions: { key: string }[] };
    expect(keyFile.versions.length).toBeGreaterThanOrEqual(1);
    const backup = join(tc.dir, 'backup.db');
    expect(pintu(tc.file, ['backup', backup]).code).toBe(0);
    const places: Record<string, Buffer> = {
      database: readFileSync(join(tc.config.dataDir, 'pintu.db')),
      backup: readFileSync(backup),
      log: readFileSync(logFile),
      cli: Buffer.from(cliOutput),
      mqtt: Buffer.concat(published),
    };
    try { places.wal = readFileSync(join(tc.config.dataDir, 'pintu.db-wal')); } catch { /* checkpointed */ }
    for (const { key } of keyFile.versions) {
      const raw = Buffer.from(key, 'hex');
      for (const [where, bytes] of Object.entries(places)) {
        expect(bytes.includes(raw), `raw key bytes in the ${where}`).toBe(false);
        expect(bytes.toString('latin1').toLowerCase().includes(key.toLowerCase()), `key hex in the ${where}`).toBe(false);
      }
    }
    // The log did record the proofs (so it was looked at), and never a card's key.
    expect(readFileSync(logFile, 'utf8')).toContain('card proved');
  }, 60_000);
});
