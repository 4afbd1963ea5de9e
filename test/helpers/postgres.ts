/**
 * A throwaway PostgreSQL for tests: `initdb` in a temp dir, `postgres` on a free loopback port with its socket in
 * the same dir, a fresh database per call of `database()`, stopped and deleted by `cleanup()`. PostgreSQL refuses
 * to run as root, so as root the cluster belongs to the `postgres` user (Debian package) or `nobody`.
 * Throws (never skips) when PostgreSQL is not installed.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, chmodSync, chownSync, constants, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, waitFor } from './mosquitto.js';

/** Directory of the newest installed PostgreSQL server binaries; throws when there is none. */
export function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  let versions: string[] = [];
  try { versions = readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)); } catch { /* none */ }
  for (const v of versions) {
    const dir = join(root, v, 'bin');
    try { accessSync(join(dir, 'initdb'), constants.X_OK); accessSync(join(dir, 'postgres'), constants.X_OK); return dir; } catch { /* next */ }
  }
  throw new Error('PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb); install the Debian package "postgresql" (apt-get install -y postgresql) — this test needs it');
}

/** uid/gid to run PostgreSQL as: ourselves, or (as root) the postgres user, else nobody. */
function runAs(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  for (const user of ['postgres', 'nobody']) {
    const r = spawnSync('id', ['-u', user], { encoding: 'utf8' });
    const g = spawnSync('id', ['-g', user], { encoding: 'utf8' });
    if (r.status === 0 && g.status === 0) return { uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()) };
  }
  throw new Error('running as root and neither a "postgres" nor a "nobody" user exists to run PostgreSQL as');
}

/** Options of a test cluster. */
export interface PostgresOptions {
  /** fsync and synchronous_commit (default off: tests do not survive host crashes anyway; benchmarks turn it on). */
  durable?: boolean;
  /** max_connections (default 50). */
  maxConnections?: number;
  /** More server settings (name → value), after the defaults above so they win (benchmarks: shared_buffers, max_wal_size…). */
  settings?: Record<string, string>;
}

/** A running throwaway cluster. */
export interface TestPostgres {
  /** postgres://… of the maintenance database. */
  url: string;
  /** Create a fresh, empty database and return its URL. */
  database(name?: string): Promise<string>;
  /** Stop the server (fast shutdown) — the data stays. */
  stop(): Promise<void>;
  /** Start it again on the same port. */
  start(): Promise<void>;
  /** Stop and delete everything. */
  cleanup(): Promise<void>;
  /** What the server wrote to stderr. */
  output(): string;
}

let dbCounter = 0;

/** Make and start a cluster. */
export async function startPostgres(o: PostgresOptions = {}): Promise<TestPostgres> {
  const bin = postgresBinDir();
  const owner = runAs();
  const dir = mkdtempSync(join(tmpdir(), 'pintu-pg-'));
  const data = join(dir, 'data');
  const ids = owner ? { uid: owner.uid, gid: owner.gid } : {};
  if (owner) { chownSync(dir, owner.uid, owner.gid); chmodSync(dir, 0o700); }
  try {
    execFileSync(join(bin, 'initdb'), ['-D', data, '-U', 'pintu', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions'], { stdio: 'pipe', cwd: dir, ...ids });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${(err as { stderr?: Buffer }).stderr?.toString() ?? (err as Error).message}`);
  }
  const port = await freePort();
  const durable = o.durable ? 'on' : 'off';
  const args = ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', `fsync=${durable}`,
    '-c', `synchronous_commit=${durable}`, '-c', `full_page_writes=${durable}`, '-c', `max_connections=${o.maxConnections ?? 50}`,
    '-c', 'shared_buffers=32MB', '-c', 'log_min_messages=warning', '-c', 'logging_collector=off',
    ...Object.entries(o.settings ?? {}).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
  const url = `postgres://pintu@127.0.0.1:${port}/postgres`;
  let proc: ChildProcess | null = null;
  let out = '';
  const canConnect = async (): Promise<boolean> => {
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    try { await c.connect(); await c.query('SELECT 1'); return true; } catch { return false; } finally { await c.end().catch(() => undefined); }
  };
  const start = async (): Promise<void> => {
    if (proc && proc.exitCode === null && proc.signalCode === null) return; // already running
    const p = spawn(join(bin, 'postgres'), args, { stdio: ['ignore', 'ignore', 'pipe'], cwd: dir, ...ids });
    proc = p;
    p.stderr?.on('data', (d: Buffer) => { out += d.toString(); });
    let exited = false;
    p.once('exit', () => { exited = true; });
    await waitFor('postgres to accept connections', async () => {
      if (exited) throw new Error(`postgres exited: ${out}`);
      return canConnect();
    }, 30_000, 100);
  };
  const stop = async (): Promise<void> => {
    const p = proc;
    proc = null;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    // SIGINT = fast shutdown: disconnect clients, roll back open transactions, checkpoint.
    await new Promise<void>((resolve) => { p.once('exit', () => resolve()); p.kill('SIGINT'); });
  };
  try {
    await start();
  } catch (err) {
    await stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    url,
    async database(name) {
      const db = name ?? `pintu_${process.pid}_${++dbCounter}`;
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try { await c.query(`CREATE DATABASE "${db}"`); } finally { await c.end(); }
      return url.replace(/\/postgres$/, `/${db}`);
    },
    stop,
    start,
    cleanup: async () => { await stop(); rmSync(dir, { recursive: true, force: true }); },
    output: () => out,
  };
}
