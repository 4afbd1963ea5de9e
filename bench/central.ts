/**
 * `npm run bench:central`: the central link's figures on this machine, through a real Mosquitto on loopback
 * (generated config with raised max_queued_messages / max_inflight_messages, see test/helpers/mosquitto.ts):
 *   - raw mosquitto_pub → mosquitto_sub throughput (QoS 1, event-sized messages): the reference;
 *   - backlog drain: 100,000 events queued while offline → `pintu central run` (SQLite) → acknowledged, events/s;
 *   - tap → acknowledged by the centre (so committed there) latency, p50/p99;
 *   - tap → acknowledged at one live door while 10 other doors drain 20,000-event backlogs each (head-of-line
 *     blocking at the centre), p50/p99/max;
 *   - centre ingest rate with 1, 10 and 50 doors sending at once;
 *   - several doors draining into PostgreSQL through one vs two receivers on the shared subscription.
 * The live doors run in this process, the backlog doors are simulated signed MQTT clients in a child process
 * (bench/sim-doors.ts: the door protocol without the door's database), each receiver is a `pintu central run` child
 * (built CLI). Every figure is printed beside its goal with PASS/MISS, and a markdown table closes the output.
 * Sizes: BENCH_DRAIN_EVENTS, BENCH_LATENCY_TAPS, BENCH_PG_DOORS, BENCH_PG_EVENTS (per door), BENCH_FAIR_DOORS,
 * BENCH_FAIR_EVENTS (per backlog door), BENCH_INGEST_EVENTS (total per ingest run); BENCH_ONLY (comma list of
 * raw, drain, latency, fair, ingest, pg) runs a part.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { stringify } from 'yaml';
import { startMosquitto, pintuAcl, requireProgram, type TestBroker } from '../test/helpers/mosquitto.js';
import { startPostgres } from '../test/helpers/postgres.js';
import { makeDoor, type TestDoor } from '../test/helpers/door.js';
import { CENTRAL_KEY_FILE, loadOrCreateKeyPair } from '../src/adapters/mqtt/keys.js';
import { SqliteCentralStore } from '../src/central/sqlite-store.js';
import { PgCentralStore } from '../src/central/pg-store.js';
import type { CentralStore } from '../src/central/store.js';
import type { DomainEvent } from '../src/domain/events.js';
import type { SimKey, SimSettings } from './sim-doors.js';

const DRAIN = Number(process.env.BENCH_DRAIN_EVENTS ?? 100_000);
const TAPS = Number(process.env.BENCH_LATENCY_TAPS ?? 1000);
const PG_DOORS = Number(process.env.BENCH_PG_DOORS ?? 4);
const PG_EVENTS = Number(process.env.BENCH_PG_EVENTS ?? 10_000);
const FAIR_DOORS = Number(process.env.BENCH_FAIR_DOORS ?? 10);
const FAIR_EVENTS = Number(process.env.BENCH_FAIR_EVENTS ?? 20_000);
const INGEST_EVENTS = Number(process.env.BENCH_INGEST_EVENTS ?? 50_000);
const INGEST_DOORS = [1, 10, 50];
const ONLY = new Set((process.env.BENCH_ONLY ?? 'raw,drain,latency,fair,ingest,pg').split(',').map((x) => x.trim()));
const CLI = fileURLToPath(new URL('../src/cli/index.js', import.meta.url));
const SITE = 'bench';
const CENTRAL_USER = { username: 'pintu-central', password: 'central-pw' };

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
const rate = (n: number, ms: number): string => `${Math.round(n / (ms / 1000)).toLocaleString('en')}/s`;
const port = (url: string): string => url.split(':').at(-1) ?? '';

async function until(what: string, fn: () => boolean, timeoutMs: number, stepMs = 2): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(stepMs);
  }
}

/** Raw QoS 1 throughput of this machine's broker and clients: mosquitto_pub --repeat n → mosquitto_sub -C n (ms). */
async function rawMosquitto(broker: TestBroker, n: number, payload: string): Promise<number> {
  const pub = requireProgram('mosquitto_pub', 'mosquitto-clients');
  const sub = requireProgram('mosquitto_sub', 'mosquitto-clients');
  const common = ['-h', '127.0.0.1', '-p', port(broker.url), '-u', 'bench', '-P', 'bench-pw', '-q', '1', '-t', 'bench/raw'];
  const s = spawn(sub, [...common, '-C', String(n)], { stdio: ['ignore', 'ignore', 'inherit'] });
  const done = new Promise<void>((resolve) => s.once('exit', () => resolve()));
  await sleep(700); // subscribed (mosquitto_sub prints nothing when it is)
  const t0 = performance.now();
  // (mosquitto_pub -l of mosquitto 2.0.11 is cut off by the broker as "out of memory" on fast input; --repeat is not.)
  const p = spawn(pub, [...common, '-M', '1000', '--repeat', String(n), '-m', payload], { stdio: ['ignore', 'ignore', 'inherit'] });
  const pubExit = await new Promise<number | null>((resolve) => p.once('exit', (code) => resolve(code)));
  if (pubExit !== 0) throw new Error(`mosquitto_pub exited ${pubExit}`);
  await Promise.race([done, sleep(120_000)]);
  if (s.exitCode === null) { s.kill('SIGKILL'); throw new Error('mosquitto_sub did not receive every message'); }
  return performance.now() - t0;
}

/** A `pintu central run` child with the given store, ready once it logs "receiving". */
async function startReceiver(dir: string, store: string, brokerUrl: string): Promise<ChildProcess> {
  const file = join(dir, `central-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, stringify({ console: { enabled: false }, broker: { url: brokerUrl, ...CENTRAL_USER }, store, dataDir: dir, log: { level: 'info' } }));
  const child = spawn(process.execPath, [CLI, 'central', 'run', '--config', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => { if (out.length < 100_000) out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { if (out.length < 100_000) out += d.toString(); });
  await until('the receiver to subscribe', () => {
    if (child.exitCode !== null) throw new Error(`pintu central run exited: ${out}`);
    return out.includes('"receiving"');
  }, 30_000, 20);
  return child;
}

async function stopChild(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  await new Promise<void>((resolve) => { c.once('exit', () => resolve()); c.kill('SIGTERM'); });
}

function fill(d: TestDoor, n: number): void {
  for (let done = 0; done < n; done += 10_000) {
    const k = Math.min(10_000, n - done);
    // Filler about the size of a grant (not a catalogue payload: the centre stores whatever chains).
    const filler = Array.from({ length: k }, (_, i) => ({ type: 'access.granted', data: { reader: 'in', direction: 'in', holder: 'officer', officer: 'O1', i: done + i } })) as unknown as DomainEvent[];
    d.store.tx(() => d.store.events.append(filler, Date.now()));
  }
}

async function enroll(store: CentralStore, doors: TestDoor[]): Promise<void> {
  for (const d of doors) await store.enroll(SITE, d.door, d.key.publicKeyText, Date.now());
  await store.close();
}

function doorUser(d: TestDoor): { username: string; password: string } {
  return { username: `${SITE}.${d.door}`, password: `pw-${d.door}` };
}

/** Drain one door's `n` queued events into a SQLite centre; ms from connect to the last ack. */
async function drain(broker: TestBroker, dir: string, n: number): Promise<number> {
  const centreKey = loadOrCreateKeyPair(dir, CENTRAL_KEY_FILE);
  const door = makeDoor(SITE, 'drain');
  const dbFile = join(dir, 'drain-central.db');
  try {
    fill(door, n);
    await enroll(new SqliteCentralStore(dbFile), [door]);
    const receiver = await startReceiver(dir, dbFile, broker.url);
    try {
      const t0 = performance.now();
      const link = door.connect({ url: broker.url, ...doorUser(door) }, centreKey.publicKeyText, { batchSize: 200, ackTimeoutSeconds: 10 });
      await until('the backlog to drain', () => link.status().backlog === 0, 600_000, 5);
      return performance.now() - t0;
    } finally {
      await door.link?.stop();
      await stopChild(receiver);
    }
  } finally {
    await door.cleanup();
  }
}

/** Taps at a live door: ms from the tap until the centre's ack for that event is back at the door. */
async function latency(broker: TestBroker, dir: string, taps: number): Promise<number[]> {
  const centreKey = loadOrCreateKeyPair(dir, CENTRAL_KEY_FILE);
  const door = makeDoor(SITE, 'latency');
  const dbFile = join(dir, 'latency-central.db');
  const officer = door.visits.addOfficer('Petugas', 'staff', '0A0B0C0D01');
  await enroll(new SqliteCentralStore(dbFile), [door]);
  const receiver = await startReceiver(dir, dbFile, broker.url);
  const out: number[] = [];
  try {
    const link = door.connect({ url: broker.url, ...doorUser(door) }, centreKey.publicKeyText, { batchSize: 200, ackTimeoutSeconds: 10 });
    await until('connected and caught up', () => link.status().connected && link.status().backlog === 0, 30_000, 10);
    let target = Infinity;
    let ackedAt = 0;
    const onAck = link.outbox.onAck.bind(link.outbox);
    link.outbox.onAck = (p: Buffer): boolean => {
      const r = onAck(p);
      if (link.outbox.ackedSeq() >= target && !ackedAt) ackedAt = performance.now();
      return r;
    };
    for (let i = 0; i < taps; i++) {
      ackedAt = 0;
      const t0 = performance.now();
      door.access.handleTap({ readerId: i % 2 === 0 ? 'in' : 'out', uid: officer.badgeUid, tech: 'sim', at: Date.now() });
      target = door.store.events.lastSeq();
      link.notify(); // what the daemon's onEvents does after each commit
      const end = Date.now() + 5000;
      while (!ackedAt && Date.now() < end) await new Promise((r) => setImmediate(r));
      if (ackedAt) out.push(ackedAt - t0);
      await sleep(5);
    }
  } finally {
    await door.cleanup();
    await stopChild(receiver);
  }
  return out;
}

/** `doors` doors with `perDoor` queued events each drain into PostgreSQL through `receivers` receivers; ms. */
async function sharedPg(broker: TestBroker, dir: string, pgUrl: string, receivers: number, doorIds: string[], perDoor: number): Promise<{ ms: number; alerts: number }> {
  const centreKey = loadOrCreateKeyPair(dir, CENTRAL_KEY_FILE);
  const doors = doorIds.map((id) => makeDoor(SITE, id));
  const children: ChildProcess[] = [];
  try {
    for (const d of doors) fill(d, perDoor);
    await enroll(await PgCentralStore.open(pgUrl), doors);
    for (let i = 0; i < receivers; i++) children.push(await startReceiver(dir, pgUrl, broker.url));
    const t0 = performance.now();
    const links = doors.map((d) => d.connect({ url: broker.url, ...doorUser(d) }, centreKey.publicKeyText, { batchSize: 200, ackTimeoutSeconds: 10 }));
    await until('every backlog to drain', () => links.every((l) => l.status().backlog === 0), 600_000, 5);
    const ms = performance.now() - t0;
    const check = await PgCentralStore.open(pgUrl);
    const stored = (await check.events({ limit: 10_000_000 })).length;
    const alerts = (await check.alerts(10_000)).filter((a) => a.kind !== 'offline').length;
    await check.close();
    if (stored !== doors.length * perDoor) throw new Error(`PostgreSQL holds ${stored} events, expected ${doors.length * perDoor}`);
    return { ms, alerts };
  } finally {
    for (const d of doors) await d.cleanup();
    for (const c of children) await stopChild(c);
  }
}

/** A child process of simulated doors (bench/sim-doors.ts). */
interface Sim {
  /** Their public keys (to enrol). */
  keys: SimKey[];
  /** Start sending; resolves with ms until every backlog is acknowledged. */
  go(): Promise<number>;
  /** Doors whose backlog is acknowledged so far. */
  doneDoors(): number;
  /** End the child. */
  stop(): Promise<void>;
}

const SIM = fileURLToPath(new URL('./sim-doors.js', import.meta.url));

/** Start simulated doors; resolves once all are connected and their messages built. */
async function startSim(settings: SimSettings): Promise<Sim> {
  const child = spawn(process.execPath, [SIM, JSON.stringify(settings)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const keys: SimKey[] = [];
  let ready = false;
  let done = 0;
  let allMs: number | null = null;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const m = JSON.parse(line) as { key?: SimKey; ready?: boolean; done?: string; all?: boolean; ms?: number };
    if (m.key) keys.push(m.key);
    if (m.ready) ready = true;
    if (m.done) done += 1;
    if (m.all) allMs = m.ms ?? NaN;
  });
  await until('the simulated doors to connect', () => {
    if (child.exitCode !== null) throw new Error(`sim-doors exited ${child.exitCode}`);
    return ready;
  }, 120_000, 20);
  return {
    keys,
    async go() {
      child.stdin!.write('go\n');
      await until('every simulated backlog to be acknowledged', () => {
        if (child.exitCode !== null) throw new Error(`sim-doors exited ${child.exitCode}`);
        return allMs !== null;
      }, 600_000, 5);
      return allMs!;
    },
    doneDoors: () => done,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.stdin!.write('stop\n');
      await Promise.race([exited, sleep(5000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

/** What the fairness run measured. */
interface Fairness { lat: number[]; taps: number; drainMs: number; events: number }

/**
 * One live door taps every `everyMs` (open loop, its own one-event messages) while `doors` simulated doors drain
 * `perDoor` events each into one `pintu central run` (SQLite): ms from each tap until the centre's ack for it is back
 * at the door (the centre acks only after its commit, so this bounds tap → committed at the centre from above).
 */
async function fairness(broker: TestBroker, dir: string, ids: string[], perDoor: number, everyMs = 20): Promise<Fairness> {
  const centreKey = loadOrCreateKeyPair(dir, CENTRAL_KEY_FILE);
  const live = makeDoor(SITE, 'live');
  const dbFile = join(dir, 'fair-central.db');
  const officer = live.visits.addOfficer('Petugas', 'staff', '0A0B0C0D01');
  const sim = await startSim({ url: broker.url, site: SITE, doors: ids, events: perDoor, batch: 200, window: 2000, centralKey: centreKey.publicKeyText });
  let receiver: ChildProcess | null = null;
  try {
    const store = new SqliteCentralStore(dbFile);
    for (const k of sim.keys) await store.enroll(SITE, k.door, k.publicKey, Date.now());
    await enroll(store, [live]);
    receiver = await startReceiver(dir, dbFile, broker.url);
    const link = live.connect({ url: broker.url, ...doorUser(live) }, centreKey.publicKeyText, { batchSize: 200, ackTimeoutSeconds: 10 });
    await until('the live door connected and caught up', () => link.status().connected && link.status().backlog === 0, 30_000, 10);
    const pending: { seq: number; t0: number }[] = [];
    const lat: number[] = [];
    const onAck = link.outbox.onAck.bind(link.outbox);
    link.outbox.onAck = (p: Buffer): boolean => {
      const r = onAck(p);
      const acked = link.outbox.ackedSeq();
      const now = performance.now();
      while (pending.length && pending[0]!.seq <= acked) lat.push(now - pending.shift()!.t0);
      return r;
    };
    let taps = 0;
    let draining = true;
    const drained = sim.go().finally(() => { draining = false; });
    while (draining) {
      const t0 = performance.now();
      live.access.handleTap({ readerId: taps % 2 === 0 ? 'in' : 'out', uid: officer.badgeUid, tech: 'sim', at: Date.now() });
      pending.push({ seq: live.store.events.lastSeq(), t0 });
      link.notify(); // what the daemon's onEvents does after each commit
      taps += 1;
      await sleep(Math.max(1, everyMs - (performance.now() - t0)));
    }
    const drainMs = await drained;
    await until('the last taps acknowledged', () => pending.length === 0, 15_000, 5).catch(() => undefined);
    return { lat, taps, drainMs, events: ids.length * perDoor };
  } finally {
    await live.cleanup();
    await sim.stop();
    if (receiver) await stopChild(receiver);
  }
}

/** `ids.length` simulated doors send `perDoor` events each at once into one `pintu central run` (SQLite); ms to the last ack. */
async function ingest(broker: TestBroker, dir: string, ids: string[], perDoor: number): Promise<number> {
  const centreKey = loadOrCreateKeyPair(dir, CENTRAL_KEY_FILE);
  const dbFile = join(dir, `ingest-${ids.length}-central.db`);
  const sim = await startSim({ url: broker.url, site: SITE, doors: ids, events: perDoor, batch: 200, window: 2000, centralKey: centreKey.publicKeyText });
  let receiver: ChildProcess | null = null;
  try {
    const store = new SqliteCentralStore(dbFile);
    for (const k of sim.keys) await store.enroll(SITE, k.door, k.publicKey, Date.now());
    await store.close();
    receiver = await startReceiver(dir, dbFile, broker.url);
    const ms = await sim.go();
    const check = new SqliteCentralStore(dbFile);
    const stored = check.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM events').get()!.n;
    await check.close();
    if (stored !== ids.length * perDoor) throw new Error(`the centre holds ${stored} events, expected ${ids.length * perDoor}`);
    return ms;
  } finally {
    await sim.stop();
    if (receiver) await stopChild(receiver);
  }
}

/** One line of the closing table. */
interface Row { figure: string; goal: string; measured: string; ok: boolean | null }
const rows: Row[] = [];

/** Print a figure beside its goal with PASS/MISS (goal '–': none) and keep it for the table. */
function report(figure: string, goal: string, measured: string, ok: boolean | null): void {
  rows.push({ figure, goal, measured, ok });
  console.log(`${figure}: ${measured}   [goal ${goal}${ok === null ? '' : ok ? ' PASS' : ' MISS'}]`);
}

const ms = (x: number): string => `${x.toFixed(1)} ms`;
const pcts = (lat: number[]): string => `p50 ${ms(pct(lat, 50))}, p99 ${ms(pct(lat, 99))}, max ${ms(Math.max(...lat))}`;

async function main(): Promise<void> {
  const t0 = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'pintu-bench-central-'));
  const pgIds = (r: number): string[] => Array.from({ length: PG_DOORS }, (_, i) => `pg${r}-${i}`);
  const fairIds = Array.from({ length: FAIR_DOORS }, (_, i) => `fair-${i}`);
  const ingestIds = (n: number): string[] => Array.from({ length: n }, (_, i) => `in${n}-${i}`);
  const doorIds = ['drain', 'latency', 'live', ...pgIds(1), ...pgIds(2), ...fairIds, ...INGEST_DOORS.flatMap(ingestIds)];
  const users: Record<string, string> = { [CENTRAL_USER.username]: CENTRAL_USER.password, bench: 'bench-pw' };
  for (const id of doorIds) users[`${SITE}.${id}`] = `pw-${id}`;
  const acl = `${pintuAcl(doorIds.map((door) => ({ site: SITE, door })))}\nuser bench\ntopic readwrite bench/#\n`;
  const broker = await startMosquitto({ users, acl });
  try {
    const version = spawnSync(requireProgram('mosquitto', 'mosquitto'), ['-h'], { encoding: 'utf8' }).stdout.split('\n')[0] ?? '';
    const os = await import('node:os');
    console.log(`central link benchmarks — node ${process.version}, ${version.trim()}, ${os.cpus().length} CPU(s), load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
    let rawRate = NaN;
    if (ONLY.has('raw')) {
      const sample = JSON.stringify({ seq: 123456, type: 'access.granted', at: new Date().toISOString(), data: { reader: 'in', direction: 'in', holder: 'officer', officer: 'O1', i: 1 }, prevHash: 'a'.repeat(64), hash: 'b'.repeat(64) });
      const rawMs = await rawMosquitto(broker, DRAIN, sample);
      rawRate = DRAIN / (rawMs / 1000);
      report(`raw mosquitto_pub → mosquitto_sub, QoS 1, ${DRAIN.toLocaleString('en')} messages of ${sample.length} B`, '–', `${rate(DRAIN, rawMs)} (${(rawMs / 1000).toFixed(1)} s)`, null);
    }

    if (ONLY.has('drain')) {
      const drainMs = await drain(broker, dir, DRAIN);
      const drainRate = DRAIN / (drainMs / 1000);
      report(`backlog drain, ${DRAIN.toLocaleString('en')} events of one door queued offline → pintu central run (SQLite, synchronous=full) → acknowledged`, '≥ 5,000/s', `${rate(DRAIN, drainMs)} (${(drainMs / 1000).toFixed(1)} s)`, drainRate >= 5000);
      if (ONLY.has('raw')) console.log(`  ratio to raw mosquitto (events/s ÷ messages/s): ${(drainRate / rawRate).toFixed(2)}  (events travel 200 to a signed message)`);
    }

    if (ONLY.has('latency')) {
      const lat = await latency(broker, dir, TAPS);
      report(`tap → acknowledged by the centre, one door alone (${lat.length}/${TAPS} taps, loopback)`, 'p99 ≤ 50 ms', pcts(lat), lat.length === TAPS && pct(lat, 99) <= 50);
    }

    if (ONLY.has('fair')) {
      const f = await fairness(broker, dir, fairIds, FAIR_EVENTS);
      const all = f.lat.length === f.taps;
      report(`tap → committed at the centre (acked back at the door) at one live door while ${FAIR_DOORS} doors drain ${FAIR_EVENTS.toLocaleString('en')}-event backlogs (${f.lat.length}/${f.taps} taps, one each 20 ms)`,
        'p99 ≤ 50 ms', pcts(f.lat), all && pct(f.lat, 99) <= 50);
      report(`  those ${FAIR_DOORS} backlogs drained (${f.events.toLocaleString('en')} events) while the live door tapped`, '–', `${rate(f.events, f.drainMs)} (${(f.drainMs / 1000).toFixed(1)} s)`, null);
    }

    if (ONLY.has('ingest')) {
      for (const n of INGEST_DOORS) {
        const perDoor = Math.max(200, Math.round(INGEST_EVENTS / n / 200) * 200);
        const took = await ingest(broker, dir, ingestIds(n), perDoor);
        report(`centre ingest, ${n} door(s) × ${perDoor.toLocaleString('en')} events sending at once → pintu central run (SQLite) → acknowledged`, '–', `${rate(n * perDoor, took)} (${(took / 1000).toFixed(1)} s)`, null);
      }
    }

    if (ONLY.has('pg')) {
      const pg = await startPostgres({ durable: true });
      try {
        const results: { receivers: number; ms: number; alerts: number }[] = [];
        for (const receivers of [1, 2]) {
          const url = await pg.database(`bench_${receivers}`);
          results.push({ receivers, ...(await sharedPg(broker, dir, url, receivers, pgIds(receivers), PG_EVENTS)) });
        }
        const total = PG_DOORS * PG_EVENTS;
        for (const r of results) {
          report(`PostgreSQL (fsync on), ${PG_DOORS} doors × ${PG_EVENTS.toLocaleString('en')} queued events, ${r.receivers} receiver(s) on $share/pintu-central`, '–', `${rate(total, r.ms)} (${(r.ms / 1000).toFixed(1)} s, alerts ${r.alerts})`, null);
        }
        console.log(`  two receivers ÷ one: ${(results[0]!.ms / results[1]!.ms).toFixed(2)}×`);
      } finally {
        await pg.cleanup();
      }
    }
  } finally {
    await broker.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`\n| figure | goal | measured | |\n|---|---|---|---|`);
  for (const r of rows) console.log(`| ${r.figure.trim()} | ${r.goal} | ${r.measured} | ${r.ok === null ? '–' : r.ok ? 'PASS' : 'MISS'} |`);
  console.log(`\n(bench took ${((performance.now() - t0) / 1000).toFixed(0)} s)`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
