/**
 * The benchmark's world: a real Mosquitto and a real `pintu central run` (the production config has the central link
 * on), and doors that are real `pintu run` processes reading two socat-pty EM4100 readers, with only the GPIO binding
 * module replaced (`fake-onoff.ts`: the relay reports when pintu's door I/O adapter drives it, and a person walks
 * through on every grant). Each door starts from a seeded database (past visits, visitors inside, 1M events) whose
 * history the centre has already received.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Readable } from 'node:stream';
import Database from 'better-sqlite3';
import { parse, stringify } from 'yaml';
import { startMosquitto, pintuAcl, type TestBroker } from '../test/helpers/mosquitto.js';
import { startPtyPair, type PtyPair } from '../test/helpers/socat.js';
import { parseConfig } from '../src/config/load.js';
import { dataCipher, officerService, openStore, visitService, type DoorStore } from '../src/main.js';
import type { Config } from '../src/config/schema.js';
import type { VisitService } from '../src/app/visit-service.js';
import { createDataKeyFile } from '../src/adapters/os/data-key-file.js';
import { encodeEm4100Frame } from '../src/adapters/serial/em4100.js';
import { ackedSeq } from '../src/adapters/sqlite/db-check.js';
import { seed } from './seed.js';
import { unitEnvironment } from './unit-env.js';

/** The built CLI. */
export const CLI = fileURLToPath(new URL('../src/cli/index.js', import.meta.url));
const HOOK = fileURLToPath(new URL('./gpio-hook.js', import.meta.url));
const UNIT = fileURLToPath(new URL('../../systemd/pintu.service', import.meta.url));
/** The site of every bench door. */
export const SITE = 'bench';
/** Officers (and visitor badges) per door: more than one cycle of taps fits in the repeat-tap window. */
export const PEOPLE = 50;
/** Today's visits in states other than inside (requested, checked, approved, denied, revoked, checked out, archived). */
const TODAY_VISITS = 240;
const RELAY_BCM = 17;
const DOOR_BCM = 27;

/** PINs of the officers who sign in to the console in the bench: the head, the officer on duty, Petugas 1 (staff). */
export const BENCH_PINS: Readonly<Record<string, string>> = { O1: '246810', O2: '135790', O3: '975310' };

/** Officer i's badge (1-based). */
export const officerBadge = (i: number): string => `0A0000${i.toString(16).toUpperCase().padStart(4, '0')}`;
/** Visitor badge i (1-based). */
export const visitorBadge = (i: number): string => `1B0000${i.toString(16).toUpperCase().padStart(4, '0')}`;
/** A card nobody issued. */
export const strangerCard = (i: number): string => `0D0000${i.toString(16).toUpperCase().padStart(4, '0')}`;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The production unit's environment (`Environment=` lines of systemd/pintu.service: NODE_ENV, NODE_OPTIONS…). */
export function unitEnv(): Record<string, string> {
  return unitEnvironment(readFileSync(UNIT, 'utf8'));
}

/** The production unit's `Nice=` (the daemon's CPU priority; CLI commands run at the default 0). */
export function unitNice(): number {
  const m = /^Nice=(-?\d+)$/m.exec(readFileSync(UNIT, 'utf8'));
  return m ? Number(m[1]) : 0;
}

/** A CLI command's JSON output (throws with its stderr when it fails). Not test/helpers/cli.ts: its path to the CLI holds only when run from source. */
export function cliJson<T>(file: string, args: string[]): T {
  const r = spawnSync(process.execPath, [CLI, ...args, '--config', file, '--json'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`pintu ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** The broker and the centre every door reports to. */
export interface Centre {
  /** The broker. */
  broker: TestBroker;
  /** The centre's config file. */
  file: string;
  /** The centre's public key. */
  key: string;
  /** The receiver process. */
  receiver: ChildProcess;
  /** Stop everything and delete the files. */
  stop(): Promise<void>;
}

/** Start a broker (QoS 1 queue limit lifted) and `pintu central run` (SQLite), knowing the doors that will report. */
export async function startCentre(doorIds: string[]): Promise<Centre> {
  const users: Record<string, string> = { 'pintu-central': 'central-pw' };
  for (const d of doorIds) users[`${SITE}.${d}`] = `${d}-pw`;
  const broker = await startMosquitto({ users, acl: pintuAcl(doorIds.map((door) => ({ site: SITE, door }))) });
  const dir = mkdtempSync(join(tmpdir(), 'pintu-bench-centre-'));
  const file = join(dir, 'central.yaml');
  writeFileSync(file, stringify({ console: { enabled: false }, broker: { url: broker.url, username: 'pintu-central', password: 'central-pw' }, store: join(dir, 'central.db'), dataDir: join(dir, 'data'), log: { level: 'info' } }));
  const key = cliJson<{ publicKey: string }>(file, ['central', 'keys', 'show']).publicKey;
  const receiver = spawn(process.execPath, [CLI, 'central', 'run', '--config', file], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...unitEnv() } });
  let out = '';
  receiver.stdout!.on('data', (d: Buffer) => { if (out.length < 50_000) out += d.toString(); });
  receiver.stderr!.on('data', (d: Buffer) => { if (out.length < 50_000) out += d.toString(); });
  // Ready once it has subscribed (it says "receiving"); a door's first message before that would be dropped by the broker.
  const end = Date.now() + 30_000;
  while (!out.includes('"receiving"')) {
    if (receiver.exitCode !== null || Date.now() > end) throw new Error(`pintu central run did not start receiving: ${out}`);
    await sleep(50);
  }
  return {
    broker, file, key, receiver,
    stop: async () => {
      if (receiver.exitCode === null) { receiver.kill('SIGTERM'); await new Promise((r) => receiver.once('exit', r)); }
      await broker.cleanup();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** What a door was seeded with. */
export interface DoorSize {
  /** Door id (one per size: the centre keeps each door's chain). */
  id: string;
  /** Visits in the database. */
  visits: number;
  /** Of which inside now (issued, their visitors in the server room). */
  inside: number;
  /** Events in the log. */
  events: number;
  /** Visitors' personal fields encrypted at rest (default on, as in production; off only for the comparison). */
  encryptAtRest?: boolean;
}

/** A free TCP port on loopback (for the door's console). */
export async function freePort(): Promise<number> {
  const srv = createNetServer();
  await new Promise<void>((resolve, reject) => { srv.once('error', reject); srv.listen(0, '127.0.0.1', () => resolve()); });
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

/**
 * Seed a door's data dir and config: history (today's visits in every state, visitors inside with their escort), one
 * officer on duty inside, PEOPLE officers and issued visitor badges; the console on `consolePort` (loopback).
 */
export function seedDoor(size: DoorSize, centre: Centre, ptys: PtyPair[], consolePort: number, extra: DoorExtras = {}): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), `pintu-bench-${size.id}-`));
  const sysfs = join(dir, 'gpio');
  mkdirSync(sysfs);
  writeFileSync(join(sysfs, 'export'), '');
  writeFileSync(join(sysfs, 'unexport'), '');
  const raw = {
    site: SITE,
    // Production defaults, and the door relocks once the person has passed (so every tap finds the relay off).
    door: { id: size.id, strikeSeconds: 5, heldOpenSeconds: 30, repeatTapSeconds: 2, relockOnClose: true },
    dataDir: join(dir, 'data'), hardware: 'gpio',
    gpio: { relay: { pin: RELAY_BCM }, doorSwitch: { pin: DOOR_BCM, debounceMs: 50 }, exitButton: { pin: 22, activeLow: true, debounceMs: 50 }, chipBase: 0, sysfsRoot: sysfs },
    escort: { required: true, windowSeconds: 30 },
    readers: [...ptys.map((p, i): Record<string, unknown> => ({ id: i === 0 ? 'in' : 'out', direction: i === 0 ? 'in' : 'out', kind: 'serial', path: p.a, baudRate: 9600 })), ...(extra.readers ?? [])],
    central: { url: centre.broker.url, publicKey: centre.key, username: `${SITE}.${size.id}`, password: `${size.id}-pw` },
    // The officers' console, on as in production, on a free loopback port (the default 8080 may be taken here).
    console: { listen: `127.0.0.1:${consolePort}`, idleMinutes: 120 },
    // The data-encryption key outside the data dir, as the installer makes /etc/pintu/data.key.
    privacy: { keyFile: join(dir, 'keys', 'data.key'), encryptAtRest: size.encryptAtRest ?? true },
    log: { level: extra.logLevel ?? 'info' },
    ...(extra.badges ? { badges: extra.badges(dir) } : {}),
  };
  const file = join(dir, 'pintu.yaml');
  writeFileSync(file, stringify(raw));
  // The same door on simulated door I/O: start-up and memory are measured without the fake binding's loader thread.
  writeFileSync(join(dir, 'pintu-sim.yaml'), stringify({ ...raw, hardware: 'sim' }));
  const config = parseConfig(raw, dir);
  mkdirSync(config.dataDir, { recursive: true, mode: 0o750 });
  createDataKeyFile(config.privacy.keyFile);
  extra.beforeSeed?.(config);
  seed(config.dataDir, size.id, size.visits, size.events, { inside: size.inside, today: TODAY_VISITS, ...(config.privacy.encryptAtRest ? { cipher: dataCipher(config)! } : {}) });
  const store = openStore(config);
  try {
    const visits = visitService(config, store);
    const head = visits.addOfficer('Kepala', 'head', '0A00FFFF00');
    const duty = visits.addOfficer('Piket', 'staff', '0A00FFFE00');
    for (let i = 1; i <= PEOPLE; i++) visits.addOfficer(`Petugas ${i}`, 'staff', officerBadge(i));
    // Console PINs for the officers who sign in (each their first PIN, as `pintu officer pin ID` sets it).
    const officers = officerService(config, store);
    for (const [id, pin] of Object.entries(BENCH_PINS)) officers.setFirstPin(id, pin);
    // The officer on duty has been inside all along: an officer leaving is never the last one.
    store.db.prepare("UPDATE officers SET presence = 'inside', entered_at = ? WHERE id = ?").run(Date.now() - 3_600_000, duty.id);
    for (let i = 1; i <= PEOPLE; i++) {
      visits.addBadge(visitorBadge(i), `TAMU-${i}`);
      const v = visits.request({ name: `Tamu ${i}`, nik: '3201011205900001', org: 'PT Bench', purpose: 'pemeliharaan' });
      visits.check(v.id, duty.id);
      visits.approve(v.id, head.id, { until: Date.now() + 6 * 3_600_000 });
      visits.issue(v.id, `TAMU-${i}`, duty.id, { rulesAcknowledged: true });
    }
    extra.afterSeed?.(config, store, visits);
  } finally {
    store.db.close();
  }
  const k = cliJson<{ publicKey: string }>(file, ['keys', 'show']);
  cliJson(centre.file, ['central', 'enroll', '--site', SITE, '--door', size.id, '--key', k.publicKey]);
  return { dir, file };
}

/** What a door of a bench part has beyond the usual one (the secure-badge part's PC/SC reader and badge keys). */
export interface DoorExtras {
  /** More readers (config entries) after the two serial ones. */
  readers?: Array<Record<string, unknown>>;
  /** The `badges:` section, given the door's dir. */
  badges?: (dir: string) => Record<string, unknown>;
  /** The daemon's log level (default info). */
  logLevel?: 'info' | 'debug';
  /** Called with the parsed config before the database is seeded (e.g. to create key files). */
  beforeSeed?: (config: Config) => void;
  /** Called with the open store after the usual people were seeded (e.g. to enrol secure badges). */
  afterSeed?: (config: Config, store: DoorStore, visits: VisitService) => void;
}

/** What one tap gave: ms from the frame's last byte to the relay (grants) and to the decision's log line. */
export interface TapResult {
  /** Outcome pintu logged (`grant`, `deny`, `await-escort`), or `timeout`. */
  outcome: string;
  /** Frame written → relay driven on (grants), ms. */
  relayMs: number | null;
  /** Frame written → the decision's log line read by the bench, ms. */
  decidedMs: number | null;
}

/** A running `pintu run` with its readers' write ends and what it reports. */
export class BenchDoor {
  private readonly events = new EventEmitter();
  private relayOn: bigint[] = [];
  private relayOffs = 0;
  private taps: { ns: bigint; outcome: string }[] = [];
  /** The secure reader's proof timings (its debug line "card proved"), in order. */
  readonly proofs: { totalMs: number; transportMs: number; apdus: number; proof: string }[] = [];
  private out = '';
  private readonly fds: number[];

  private constructor(readonly file: string, readonly dir: string, readonly child: ChildProcess, private readonly ptys: PtyPair[]) {
    this.fds = ptys.map((p) => openSync(p.b, 'w'));
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      const ns = process.hrtime.bigint();
      buf += d.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (this.out.length < 20_000) this.out += `${line}\n`;
        if (line.includes('"msg":"card proved"')) {
          const p = JSON.parse(line) as { totalMs: number; transportMs: number; apdus: number; proof: string };
          this.proofs.push({ totalMs: p.totalMs, transportMs: p.transportMs, apdus: p.apdus, proof: p.proof });
          continue;
        }
        if (!line.includes('"msg":"tap"')) continue;
        this.taps.push({ ns, outcome: String((JSON.parse(line) as { outcome?: string }).outcome) });
      }
      this.events.emit('change');
    });
    child.stderr!.on('data', (d: Buffer) => { if (this.out.length < 20_000) this.out += d.toString(); });
    let rbuf = '';
    (child.stdio[3] as Readable).on('data', (d: Buffer) => {
      rbuf += d.toString();
      let nl;
      while ((nl = rbuf.indexOf('\n')) >= 0) {
        const [v, ns] = rbuf.slice(0, nl).split(' ');
        rbuf = rbuf.slice(nl + 1);
        if (v === '1') this.relayOn.push(BigInt(ns!)); else this.relayOffs += 1;
        this.events.emit('change');
      }
    });
  }

  /** Start `pintu run` (production unit environment, fake GPIO) and wait for READY and for the centre to hold its history. */
  static async start(size: DoorSize, centre: Centre, extra: DoorExtras = {}): Promise<BenchDoor> {
    const ptys = [await startPtyPair(), await startPtyPair()];
    // socat stands in for the readers' UART, which no process scheduling delays: it runs at the door's priority.
    for (const p of ptys) { try { setPriority(p.pid, unitNice()); } catch { /* not root: left at 0 */ } }
    const { dir, file } = seedDoor(size, centre, ptys, await freePort(), extra);
    const door = BenchDoor.spawn(file, dir, ptys);
    try {
      await door.ready();
      // On a loaded machine the centre takes its time with 1,000,000 events (BENCH_DRAIN_S, default 900 s).
      await door.drained(Number(process.env.BENCH_DRAIN_S ?? 900) * 1000);
    } catch (err) {
      await door.stop(); // no `pintu run` or socat left behind
      throw err;
    }
    return door;
  }

  /** Spawn the process (used by `start`, and by the start-to-ready figure); without `hook`, on simulated door I/O. */
  static spawn(file: string, dir: string, ptys: PtyPair[], hook = true): BenchDoor {
    const env = { ...process.env, ...unitEnv(), BENCH_RELAY_SYSFS: String(RELAY_BCM), BENCH_DOOR_SYSFS: String(DOOR_BCM), BENCH_RELAY_FD: '3' };
    const args = hook ? ['--import', HOOK, CLI, 'run', '--config', file] : [CLI, 'run', '--config', join(dir, 'pintu-sim.yaml')];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe', 'pipe'], env });
    // As systemd starts it: at the unit's niceness (needs root, as the bench runs in CI; otherwise left at 0 and said so).
    try { setPriority(child.pid!, unitNice()); } catch { console.warn('could not apply the unit\'s Nice= (not root): the daemon runs at niceness 0'); }
    return new BenchDoor(file, dir, child, ptys);
  }

  /** Resolve once pintu logged READY. */
  async ready(timeoutMs = 60_000): Promise<void> {
    await this.until(() => this.out.includes('pintu ready'), timeoutMs, 'pintu ready');
  }

  /** Wait until the centre acknowledged every event of this door. */
  async drained(timeoutMs: number): Promise<void> {
    const db = new Database(join(this.dir, 'data', 'pintu.db'), { readonly: true });
    try {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const last = (db.prepare('SELECT MAX(seq) AS s FROM events').get() as { s: number }).s;
        if (ackedSeq(db, db.prepare('SELECT door FROM events LIMIT 1').pluck().get() as string) >= last) return;
        if (Date.now() > end || this.child.exitCode !== null) throw new Error(`the centre did not acknowledge the door's events in time:\n${this.out}`);
        await sleep(500);
      }
    } finally {
      db.close();
    }
  }

  /** The console's base URL (http://127.0.0.1:PORT), from the config. */
  consoleUrl(): string {
    const listen = (parse(readFileSync(this.file, 'utf8')) as { console?: { listen?: string } }).console?.listen;
    if (!listen) throw new Error('the bench door has no console.listen');
    return `http://${listen}`;
  }

  /** Resident memory now (MB). */
  rssMb(): number {
    const status = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024;
  }

  /** What the process wrote (first 20 kB). */
  output(): string { return this.out; }

  /**
   * Present `uid` at reader 0 (in) or 1 (out) and wait for the decision; after a grant, also for the relay to go off
   * again (the person passed and the door relocked), so the next tap finds the door locked.
   */
  async tap(reader: 0 | 1, uid: string, timeoutMs = 10_000): Promise<TapResult> {
    const mark = this.mark();
    writeSync(this.fds[reader]!, encodeEm4100Frame(uid));
    return this.result(mark, process.hrtime.bigint(), timeoutMs);
  }

  /** Where the door's counters stand before a tap (for {@link result}). */
  mark(): { taps: number; relays: number; offs: number } {
    return { taps: this.taps.length, relays: this.relayOn.length, offs: this.relayOffs };
  }

  /**
   * The decision of the first tap after `mark`, timed from `sent` (a monotonic ns stamp taken in this process); after a
   * grant, the relay on and off again (the person passed and the door relocked).
   */
  async result(mark: { taps: number; relays: number; offs: number }, sent: bigint | (() => bigint | null), timeoutMs = 10_000): Promise<TapResult> {
    const { taps, relays, offs } = mark;
    const ok = await this.until(() => this.taps.length > taps, timeoutMs).then(() => true, () => false);
    if (!ok) return { outcome: 'timeout', relayMs: null, decidedMs: null };
    const t = this.taps[taps]!;
    const from = typeof sent === 'bigint' ? sent : sent();
    const ms = (ns: bigint): number => (from === null ? NaN : Number(ns - from) / 1e6);
    if (t.outcome !== 'grant') return { outcome: t.outcome, relayMs: null, decidedMs: ms(t.ns) };
    const on = await this.until(() => this.relayOn.length > relays && this.relayOffs > offs, timeoutMs).then(() => true, () => false);
    return { outcome: t.outcome, relayMs: on ? ms(this.relayOn[relays]!) : null, decidedMs: ms(t.ns) };
  }

  private until(fn: () => boolean, timeoutMs: number, what = 'the door'): Promise<void> {
    if (fn()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => { if (fn()) { done(); resolve(); } };
      const timer = setTimeout(() => { done(); reject(new Error(`timed out waiting for ${what}`)); }, timeoutMs);
      const exit = (): void => { done(); reject(new Error(`pintu run exited:\n${this.out}`)); };
      const done = (): void => { clearTimeout(timer); this.events.off('change', check); this.child.off('exit', exit); };
      this.events.on('change', check);
      this.child.once('exit', exit);
    });
  }

  /** SIGTERM, wait, close the readers; `keep` leaves the data dir (for another run). */
  async stop(keep = false): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      await new Promise((r) => this.child.once('exit', r));
    }
    if (keep) return;
    for (const fd of this.fds) closeSync(fd);
    for (const p of this.ptys) await p.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Start again on the same data and readers (`hook: false`: on simulated door I/O). */
  restart(o: { hook: boolean } = { hook: true }): BenchDoor {
    for (const fd of this.fds) closeSync(fd);
    return BenchDoor.spawn(this.file, this.dir, this.ptys, o.hook);
  }
}
