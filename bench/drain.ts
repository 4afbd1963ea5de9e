/**
 * Drain bench (issue 10, items 4 and 6): how fast a real `pintu run` delivers a backlog queued offline to a real
 * `pintu central run`, and what the door's memory does meanwhile. A real Mosquitto (generated config: the 1,000-message
 * QoS 1 queue limit lifted, see test/helpers/mosquitto.ts), one centre (SQLite store) per backlog size, a door database
 * seeded with a valid chain of N events (bench/seed.ts), then the daemon started exactly as the production unit starts
 * it: with the `Environment=` of systemd/pintu.service (NODE_OPTIONS with its Node flags, NODE_ENV, …).
 *
 * For each backlog (BENCH_DRAIN_SIZES, default 10000,100000,1000000): drain rate (from `pintu ready` to the last
 * ack stored at the door), peak VmRSS sampled every 100 ms from /proc/PID/status and the kernel's VmHWM, RSS once the
 * drain settled (BENCH_SETTLE_MS after the last ack), then RSS after a restart on the drained database with the
 * central link connected (the everyday state). Each figure is printed beside its goal with PASS/MISS, and a markdown
 * table closes the output. Run: `npx tsc -p tsconfig.json && node dist/bench/drain.js`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { stringify } from 'yaml';
import { startMosquitto, pintuAcl, type TestBroker } from '../test/helpers/mosquitto.js';
import { seed } from './seed.js';
import { createDataKeyFile } from '../src/adapters/os/data-key-file.js';
import { unitEnvironment } from './unit-env.js';

const SIZES = (process.env.BENCH_DRAIN_SIZES ?? '10000,100000,1000000').split(',').map(Number).filter((n) => n > 0);
const SETTLE_MS = Number(process.env.BENCH_SETTLE_MS ?? 20_000);
const START_SETTLE_MS = Number(process.env.BENCH_START_SETTLE_MS ?? 3000);
const CLI = fileURLToPath(new URL('../src/cli/index.js', import.meta.url));
const UNIT = fileURLToPath(new URL('../../systemd/pintu.service', import.meta.url));
const SITE = 'bench';
const CENTRAL = { username: 'pintu-central', password: 'central-pw' };
const MB = 1024 * 1024;

/** Goals (issue 10). */
const GOAL = { startMb: 80, peakMb: 100, rate: 5000, settleOverStartMb: 10 };

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const mb = (bytes: number): string => `${(bytes / MB).toFixed(1)} MB`;
const verdict = (ok: boolean): string => (ok ? 'PASS' : 'MISS');

/** VmRSS and VmHWM of a process (bytes), or null once it is gone. */
function memOf(pid: number): { rss: number; hwm: number } | null {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? NaN) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return null;
  }
}

async function until(what: string, fn: () => boolean, timeoutMs: number, stepMs = 20): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(stepMs);
  }
}

/** A CLI child with collected output; resolves once `ready` appears in it. */
async function startCli(args: string[], ready: string, env: NodeJS.ProcessEnv = {}): Promise<{ child: ChildProcess; out: () => string }> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PINTU_CONFIG: '', NODE_OPTIONS: '', ...env } });
  let out = '';
  const keep = (d: Buffer): void => { out = (out + d.toString()).slice(-200_000); };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  await until(`pintu ${args.join(' ')} to be ready`, () => {
    if (child.exitCode !== null) throw new Error(`pintu ${args.join(' ')} exited ${child.exitCode}: ${out}`);
    return out.includes(ready);
  }, 60_000);
  return { child, out: () => out };
}

/** Run a CLI command to completion and return its stdout (throws on a non-zero exit). */
function runCli(args: string[]): string {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, PINTU_CONFIG: '', NODE_OPTIONS: '' } });
  if (r.status !== 0) throw new Error(`pintu ${args.join(' ')} exited ${r.status}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

async function stopChild(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  await new Promise<void>((resolve) => { c.once('exit', () => resolve()); c.kill('SIGTERM'); });
}

/** One backlog size's figures. */
interface Result { n: number; drainMs: number; peak: number; hwm: number; settled: number; start: number }

/** Drain `n` events queued offline at a fresh door into a fresh centre; figures of the door's `pintu run`. */
async function drainCase(broker: TestBroker, root: string, n: number, env: Record<string, string>): Promise<Result> {
  const door = `d${n}`;
  const dir = mkdtempSync(join(root, `${door}-`));
  const centreYaml = join(dir, 'central.yaml');
  writeFileSync(centreYaml, stringify({ console: { enabled: false }, broker: { url: broker.url, ...CENTRAL }, store: join(dir, 'central.db'), dataDir: join(dir, 'centre'), log: { level: 'info' } }));
  const centreKey = (JSON.parse(runCli(['central', 'keys', 'show', '--json', '--config', centreYaml])) as { publicKey: string }).publicKey;
  const doorYaml = join(dir, 'pintu.yaml');
  const dataDir = join(dir, 'data');
  // The production shape: sim hardware (no Pi here), synchronous full (the default), the central link on with its defaults.
  writeFileSync(doorYaml, stringify({
    site: SITE, door: { id: door }, dataDir, hardware: 'sim',
    readers: [{ id: 'in', direction: 'in', kind: 'sim' }, { id: 'out', direction: 'out', kind: 'sim' }],
    log: { level: 'info' },
    central: { url: broker.url, username: `${SITE}.${door}`, password: `pw-${door}`, publicKey: centreKey },
    privacy: { keyFile: join(dir, 'keys', 'data.key') },
  }));
  createDataKeyFile(join(dir, 'keys', 'data.key'));
  const t = performance.now();
  seed(dataDir, door, 0, n);
  console.log(`  seeded ${n.toLocaleString('en')} events in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const doorKey = (JSON.parse(runCli(['keys', 'show', '--json', '--config', doorYaml])) as { publicKey: string }).publicKey;
  runCli(['central', 'enroll', '--site', SITE, '--door', door, '--key', doorKey, '--config', centreYaml]);
  const centre = await startCli(['central', 'run', '--config', centreYaml], '"receiving"');
  const db = new Database(join(dataDir, 'pintu.db'), { readonly: true, fileMustExist: true });
  const acked = (): number => (db.prepare('SELECT acked_seq AS a FROM central_link WHERE door = ?').get(door) as { a: number } | undefined)?.a ?? 0;
  try {
    const daemon = await startCli(['run', '--config', doorYaml], 'pintu ready', env);
    const pid = daemon.child.pid!;
    const t0 = performance.now();
    let peak = 0;
    let hwm = 0;
    const sampler = setInterval(() => { const m = memOf(pid); if (m) { peak = Math.max(peak, m.rss); hwm = m.hwm; } }, 100);
    try {
      await until('the backlog to drain', () => {
        if (daemon.child.exitCode !== null) throw new Error(`pintu run exited: ${daemon.out()}`);
        return acked() >= n;
      }, 900_000, 50);
      const drainMs = performance.now() - t0;
      // Acked means committed at the centre; check anyway that it holds every event once (and the daemon's own start events).
      const central = new Database(join(dir, 'central.db'), { readonly: true, fileMustExist: true });
      try {
        const held = (central.prepare('SELECT count(*) AS c, max(seq) AS m FROM events WHERE door = ?').get(door) as { c: number; m: number });
        if (held.c !== held.m || held.m < n) throw new Error(`the centre holds ${held.c} events up to seq ${held.m}, expected seq 1…${n} and the daemon's own, once each`);
      } finally { central.close(); }
      const after: number[] = [];
      const end = Date.now() + SETTLE_MS;
      while (Date.now() < end) { await sleep(100); const m = memOf(pid); if (m) { after.push(m.rss); peak = Math.max(peak, m.rss); hwm = m.hwm; } }
      clearInterval(sampler);
      const settled = after.at(-1) ?? NaN;
      await stopChild(daemon.child);
      // The everyday state: a restart on the drained database, the link connected, nothing to send.
      const again = await startCli(['run', '--config', doorYaml], 'pintu ready', env);
      await until('the link to connect', () => (db.prepare('SELECT connected AS c FROM central_link WHERE door = ?').get(door) as { c: number }).c === 1, 30_000);
      await sleep(START_SETTLE_MS);
      const start = memOf(again.child.pid!)?.rss ?? NaN;
      await stopChild(again.child);
      return { n, drainMs, peak, hwm, settled, start };
    } finally {
      clearInterval(sampler);
      await stopChild(daemon.child);
    }
  } finally {
    db.close();
    await stopChild(centre.child);
    rmSync(dir, { recursive: true, force: true });
  }
}

function report(r: Result): string[] {
  const rate = r.n / (r.drainMs / 1000);
  const near = r.settled <= r.start + GOAL.settleOverStartMb * MB;
  return [
    `| ${r.n.toLocaleString('en')} | drain rate | ${Math.round(rate).toLocaleString('en')} events/s (${(r.drainMs / 1000).toFixed(1)} s) | ≥ ${GOAL.rate.toLocaleString('en')} events/s | ${verdict(rate >= GOAL.rate)} |`,
    `| ${r.n.toLocaleString('en')} | peak RSS while draining (VmRSS every 100 ms; VmHWM ${mb(r.hwm)}) | ${mb(r.peak)} | ≤ ${GOAL.peakMb} MB | ${verdict(Math.max(r.peak, r.hwm) <= GOAL.peakMb * MB)} |`,
    `| ${r.n.toLocaleString('en')} | RSS ${SETTLE_MS / 1000} s after the drain | ${mb(r.settled)} | ≤ start + ${GOAL.settleOverStartMb} MB (${mb(r.start + GOAL.settleOverStartMb * MB)}) | ${verdict(near)} |`,
    `| ${r.n.toLocaleString('en')} | RSS after start, central link on (restart on the drained db) | ${mb(r.start)} | ≤ ${GOAL.startMb} MB | ${verdict(r.start <= GOAL.startMb * MB)} |`,
  ];
}

async function main(): Promise<void> {
  const unitEnv = unitEnvironment(readFileSync(UNIT, 'utf8'));
  // BENCH_NODE_OPTIONS: try other flags (experiments only; the figures that count use the unit's).
  if (process.env.BENCH_NODE_OPTIONS !== undefined) unitEnv.NODE_OPTIONS = process.env.BENCH_NODE_OPTIONS;
  const root = mkdtempSync(join(tmpdir(), 'pintu-bench-drain-'));
  const users: Record<string, string> = { [CENTRAL.username]: CENTRAL.password };
  for (const n of SIZES) users[`${SITE}.d${n}`] = `pw-d${n}`;
  const broker = await startMosquitto({ users, acl: pintuAcl(SIZES.map((n) => ({ site: SITE, door: `d${n}` }))) });
  console.log(`drain bench — node ${process.version}, ${cpus().length} CPU(s); pintu run with the environment of systemd/pintu.service${process.env.BENCH_NODE_OPTIONS !== undefined ? ' (NODE_OPTIONS from BENCH_NODE_OPTIONS: an experiment, not the unit)' : ''}: ${Object.entries(unitEnv).map(([k, v]) => `${k}="${v}"`).join(' ') || '(none)'}`);
  const rows: string[] = [];
  try {
    for (const n of SIZES) {
      console.log(`backlog ${n.toLocaleString('en')}:`);
      const r = await drainCase(broker, root, n, unitEnv);
      const lines = report(r);
      for (const l of lines) console.log(`  ${l.split('|').slice(2, -1).map((c) => c.trim()).join('  ·  ')}`);
      rows.push(...lines);
    }
  } finally {
    await broker.cleanup();
    rmSync(root, { recursive: true, force: true });
  }
  console.log('\n| backlog | figure | measured | goal | |\n|---|---|---|---|---|');
  for (const r of rows) console.log(r);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
