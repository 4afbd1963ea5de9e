/**
 * Worlds for the central-office CLI test (test/integration/central-cli.test.ts): each test gets its own broker
 * (password file, the shipped ACL), centre, two doors (door 1 with two serial readers on socat ptys) and the
 * processes it starts, all removed by `cleanupWorlds()`. Waits poll with deadlines generous enough for a loaded
 * 2-core runner.
 */
import { expect } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startMosquitto, pintuAcl, type TestBroker } from './mosquitto.js';
import { startPtyPair, type PtyPair } from './socat.js';
import { addOfficerCli, pintuJson, pintuSpawn, pintu, setupHead, until } from './cli.js';
import { tempConfig, testNik, type TempConfig } from './config.js';
import { encodeEm4100Frame } from '../../src/adapters/serial/em4100.js';

export const SITE = 'dinas-kominfo';
export const SITE_B = 'kanwil-b';
export const DOOR = 'dc-1';
export const DOOR_B = 'dc-2';
export const USERS = { 'pintu-central': 'central-pw', [`${SITE}.${DOOR}`]: 'door1-pw', [`${SITE_B}.${DOOR_B}`]: 'door2-pw' };

export const HEAD = '0A00000001';
export const COORD = '0A00000002';
export const STAFF = '0A00000003';
export const TAMU = '1B00000001';
export const STRANGER = '0C0C0C0C0C';

/** A line of `… events --json`. */
export type EventLine = { site?: string; door: string; seq: number; type: string; at: string } & Record<string, unknown>;

/** Generous deadlines: a loaded 2-core runner may take seconds for what usually takes milliseconds. */
export const WAIT_MS = 45_000;
export const TEST_MS = 240_000;

/** One test's world: its own broker, centre and doors, and the processes it started. */
export interface World {
  /** The broker. */
  broker: TestBroker;
  /** The centre's config file. */
  centreYaml: string;
  /** The centre's public key. */
  centreKey: string;
  /** Door 1 (two serial readers on socat ptys). */
  door1: TempConfig;
  /** Door 2 (sim readers). */
  door2: TempConfig;
  /** Write ends of door 1's in (0) and out (1) reader ptys. */
  fds: number[];
  /** `pintu central run`, once started. */
  centre: ChildProcess | null;
  /** Door 1's `pintu run`, once started. */
  daemon1: ChildProcess | null;
}

const children: ChildProcess[] = [];
/** Everything each started child wrote (stdout and stderr). */
export const outputs = new Map<ChildProcess, () => string>();
const cleanups: (() => Promise<void> | void)[] = [];

/** Stop every process and remove everything the last test's worlds made (call it in afterEach). */
export async function cleanupWorlds(): Promise<void> {
  for (const c of children.splice(0)) {
    if (c.exitCode === null && c.signalCode === null && c.pid) { try { process.kill(c.pid, 'SIGKILL'); } catch { /* gone */ } }
  }
  for (const c of cleanups.splice(0).reverse()) await c();
}

/** Start a CLI child, collect its output, resolve once `ready` appears in it. */
export async function start(configFile: string, args: string[], ready: string): Promise<ChildProcess> {
  const child = pintuSpawn(configFile, args);
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  outputs.set(child, () => out);
  await until(() => out.includes(ready) || child.exitCode !== null, `pintu ${args.join(' ')} to be ready`, WAIT_MS)
    .catch((err: Error) => { throw new Error(`${err.message}; its output:\n${out}`); });
  if (child.exitCode !== null) throw new Error(`pintu ${args.join(' ')} exited ${child.exitCode}:\n${out}`);
  return child;
}

/** SIGTERM a child (by pid) and wait for its exit code. */
export async function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  return new Promise((resolve) => { child.once('exit', (code) => resolve(code)); process.kill(child.pid!, 'SIGTERM'); });
}

/** Parse one-JSON-object-per-line output. */
export function lines(stdout: string): EventLine[] {
  return stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as EventLine);
}

/** Run a CLI command and expect exit 0. */
export function ok(configFile: string, args: string[]): string {
  const r = pintu(configFile, args);
  if (r.code !== 0) throw new Error(`pintu ${args.join(' ')} exited ${r.code}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** The door's own event log (door CLI). */
export const doorEvents = (tc: TempConfig): EventLine[] => lines(ok(tc.file, ['events', '--json']));
/** The centre's events (central CLI) with extra filters. */
export const centreEvents = (w: World, ...filters: string[]): EventLine[] => lines(ok(w.centreYaml, ['central', 'events', '--json', ...filters]));

/** Present a card at door 1's in (0) or out (1) reader. */
export function tap(w: World, reader: 0 | 1, uid: string): void {
  writeSync(w.fds[reader]!, encodeEm4100Frame(uid));
}

/** Wait until the door has logged an event matching `pred` (after seq `since`). */
export function waitEvent(tc: TempConfig, since: number, what: string, pred: (e: EventLine) => boolean): Promise<EventLine> {
  return until(() => lines(ok(tc.file, ['events', '--since', String(since), '--json'])).find(pred), what, WAIT_MS, 100);
}

/** Door status (door CLI). */
export type Status = { central: string; backlog: number; lastSeq: number; daemon: string };
export const status = (tc: TempConfig): Status => pintuJson<Status>(tc.file, ['status']);

/** Wait until the door is linked and the centre has acknowledged every event; returns the door's status. */
export function settled(tc: TempConfig, timeoutMs = WAIT_MS): Promise<Status> {
  return until(() => { const s = status(tc); return s.central === 'connected' && s.backlog === 0 ? s : null; }, `door ${tc.config.door.id}: connected, backlog 0`, timeoutMs, 100);
}

/** The current month in the centre's time zone (Asia/Jakarta by default), YYYY-MM. */
export function currentMonth(): string {
  const p = new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Jakarta', year: 'numeric', month: '2-digit' }).formatToParts(new Date());
  return `${p.find((x) => x.type === 'year')!.value}-${p.find((x) => x.type === 'month')!.value}`;
}

/** Enrol both doors at the centre by the keys they print. */
export function enrolBoth(w: World): void {
  for (const tc of [w.door1, w.door2]) {
    const k = pintuJson<{ site: string; door: string; publicKey: string }>(tc.file, ['keys', 'show']);
    ok(w.centreYaml, ['central', 'enroll', '--site', k.site, '--door', k.door, '--key', k.publicKey]);
  }
}

/** Wait until the centre knows both doors' sealing keys (from their signed status): pre-registrations can then be sealed to them. */
export function sealKeysKnown(w: World): Promise<unknown> {
  return until(() => {
    const r = pintuJson<{ sealKey: string | null }[]>(w.centreYaml, ['central', 'doors']);
    return r.length === 2 && r.every((d) => d.sealKey) ? r : null;
  }, 'the centre to know both doors\' sealing keys', WAIT_MS, 200);
}

/** Start the receiver and both daemons. */
export async function startAll(w: World): Promise<void> {
  // The centre first: a door's first message published before the centre's first-ever subscription exists is dropped
  // by the broker (no session yet), and the centre then rightly reports a gap until the door resends it.
  w.centre = await start(w.centreYaml, ['central', 'run'], '"receiving"');
  [w.daemon1] = await Promise.all([start(w.door1.file, ['run'], 'pintu ready'), start(w.door2.file, ['run'], 'pintu ready')]);
}

/** Officers O1 (head), O2 (coordinator), O3 (staff) and the visitor badge TAMU-01 at door 1; a head at door 2. */
export function addPeople(w: World): void {
  expect(setupHead(w.door1.file, 'Siti Rahma', HEAD)).toMatchObject({ id: 'O1', role: 'head' });
  expect(addOfficerCli(w.door1.file, 'Andi Wijaya', 'coordinator', COORD)).toMatchObject({ id: 'O2' });
  expect(addOfficerCli(w.door1.file, 'Dewi Lestari', 'staff', STAFF)).toMatchObject({ id: 'O3' });
  expect(pintuJson(w.door1.file, ['badge', 'add', '--uid', TAMU, '--label', 'TAMU-01'])).toMatchObject({ label: 'TAMU-01' });
  setupHead(w.door2.file, 'Rudi Hartono', '0A000000B1');
}

/**
 * A fresh world: broker (password file, the shipped ACL), two pty pairs for door 1's readers, the centre's and both
 * doors' configs. `ready`: also enrolled, receiver and daemons running, officers added, and everything delivered.
 */
export async function world(ready: boolean): Promise<World> {
  const broker = await startMosquitto({ users: USERS, acl: pintuAcl([{ site: SITE, door: DOOR }, { site: SITE_B, door: DOOR_B }]) });
  cleanups.push(() => broker.cleanup());
  const ptys: PtyPair[] = [await startPtyPair(), await startPtyPair()];
  cleanups.push(async () => { for (const p of ptys) await p.stop(); });
  const centreDir = mkdtempSync(join(tmpdir(), 'pintu-centre-cli-'));
  cleanups.push(() => rmSync(centreDir, { recursive: true, force: true }));
  const centreYaml = join(centreDir, 'central.yaml');
  writeFileSync(centreYaml, stringify({
    console: { listen: '127.0.0.1:0' },
    broker: { url: broker.url, username: 'pintu-central', password: 'central-pw' },
    store: join(centreDir, 'store', 'central.db'), dataDir: join(centreDir, 'data'), log: { level: 'info' },
  }));
  const centreKey = pintuJson<{ publicKey: string }>(centreYaml, ['central', 'keys', 'show']).publicKey;
  const central = { url: broker.url, publicKey: centreKey, ackTimeoutSeconds: 1, batchSize: 50 };
  const door1 = tempConfig({
    site: SITE,
    door: { id: DOOR, strikeSeconds: 30, heldOpenSeconds: 60, repeatTapSeconds: 0 },
    // The visitor's tap follows the officer's at once, but a loaded machine may take seconds to read it.
    escort: { required: true, windowSeconds: 120 },
    readers: [
      { id: 'in', direction: 'in', kind: 'serial', path: ptys[0]!.a, baudRate: 9600 },
      { id: 'out', direction: 'out', kind: 'serial', path: ptys[1]!.a, baudRate: 9600 },
    ],
    log: { level: 'info' },
    central: { ...central, username: `${SITE}.${DOOR}`, password: 'door1-pw' },
  });
  const door2 = tempConfig({
    site: SITE_B,
    door: { id: DOOR_B, strikeSeconds: 30, heldOpenSeconds: 60, repeatTapSeconds: 0 },
    log: { level: 'info' },
    central: { ...central, username: `${SITE_B}.${DOOR_B}`, password: 'door2-pw' },
  });
  cleanups.push(() => door1.cleanup(), () => door2.cleanup());
  const fds = ptys.map((p) => openSync(p.b, 'w'));
  // Closed before the ptys stop (cleanups run in reverse).
  cleanups.push(() => { for (const fd of fds) closeSync(fd); });
  const w: World = { broker, centreYaml, centreKey, door1, door2, fds, centre: null, daemon1: null };
  if (ready) {
    enrolBoth(w);
    await startAll(w);
    addPeople(w);
    await settled(door1);
    await settled(door2);
    await sealKeysKnown(w);
  }
  return w;
}

/**
 * A visit through the whole SOP at door 1 (request, check, approve, issue; a stranger refused, the staff officer
 * and the visitor in, both out; checkout, report, archive). Returns the visit, the seq before the taps and the
 * visitor's grant.
 */
export async function sopVisit(w: World): Promise<{ visitId: string; since: number; granted: EventLine }> {
  const d = w.door1.file;
  const visitId = pintuJson<{ id: string }>(d, ['visit', 'request', '--name', 'Budi Santoso', '--nik', testNik(1), '--org', 'PT Jaringan Nusantara',
    '--purpose', 'replace disk', '--device', 'Laptop Lenovo T14:PF-2XK9A1', '--ktp-uid', '04A1B2C3D4E5F6', '--by', 'O3']).id;
  expect(visitId).toMatch(/^V-\d{8}-\d{3}$/);
  pintuJson(d, ['visit', 'check', visitId, '--by', 'O2']);
  pintuJson(d, ['visit', 'approve', visitId, '--by', 'O1']);
  expect(pintuJson(d, ['visit', 'issue', visitId, '--badge', 'TAMU-01', '--by', 'O3', '--rules-acknowledged'])).toMatchObject({ state: 'issued' });

  // At the door (frames on one reader arrive in order): a stranger's card is refused; the staff officer taps in and
  // the visitor follows within the escort window; then both tap out, the visitor first.
  const since = status(w.door1).lastSeq;
  tap(w, 0, STRANGER);
  tap(w, 0, STAFF);
  tap(w, 0, TAMU);
  const granted = await waitEvent(w.door1, since, 'the visitor in', (e) => e.type === 'access.granted' && e.visit === visitId);
  tap(w, 1, TAMU);
  tap(w, 1, STAFF);
  await waitEvent(w.door1, granted.seq, 'the officer out', (e) => e.type === 'access.granted' && e.officer === 'O3' && e.direction === 'out');

  expect(pintuJson(d, ['visit', 'checkout', visitId, '--by', 'O3', '--device-out', 'Laptop Lenovo T14:PF-2XK9A1'])).toMatchObject({ state: 'checked_out', deviceMismatch: null });
  pintuJson(d, ['visit', 'report', visitId, '--by', 'O2']);
  expect(pintuJson(d, ['visit', 'archive', visitId, '--by', 'O3'])).toMatchObject({ state: 'archived' });
  return { visitId, since, granted };
}


/**
 * The dashboard of the world's running centre (`pintu central run` listens on a free port and logs it): its base URL,
 * with a user made by `pintu central user add` (password on stdin; `totp`: its base32 secret is returned).
 */
export async function centreDashboard(w: World, user?: { id: string; role: string; sites?: string[]; totp?: boolean; password?: string }): Promise<{ url: string; secret: string | null }> {
  if (!w.centre) throw new Error('start the centre first');
  const out = outputs.get(w.centre)!;
  await until(() => /"msg":"dashboard listening"/.test(out()), 'the dashboard to listen', WAIT_MS);
  const line = out().split('\n').find((l) => l.includes('"msg":"dashboard listening"'))!;
  const port = (JSON.parse(line) as { port: number }).port;
  let secret: string | null = null;
  if (user) {
    const args = ['central', 'user', 'add', user.id, '--name', `Pengguna ${user.id}`, '--role', user.role, '--json', ...(user.sites ?? []).flatMap((s) => ['--site', s]), ...(user.totp ? ['--totp'] : [])];
    const r = pintu(w.centreYaml, args, `${user.password ?? 'kata-sandi-uji-1'}\n`);
    if (r.code !== 0) throw new Error(`central user add exited ${r.code}: ${r.stderr}`);
    const uri = (JSON.parse(r.stdout) as { totp: string | null }).totp;
    secret = uri ? new URL(uri).searchParams.get('secret') : null;
  }
  return { url: `http://127.0.0.1:${port}`, secret };
}
