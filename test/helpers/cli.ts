/**
 * Run the built `pintu` CLI (dist/) as a child process, as an officer or an installer would.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Path of the built CLI entry point. */
export const CLI = fileURLToPath(new URL('../../dist/src/cli/index.js', import.meta.url));

function assertBuilt(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" (npm test builds first)`);
}

/** Result of one CLI run. */
export interface CliResult {
  /** Exit code. */
  code: number;
  /** Standard output. */
  stdout: string;
  /** Standard error. */
  stderr: string;
}

/** Run `pintu ARGS --config FILE` to completion. */
export function pintu(configFile: string | null, args: string[], input?: string): CliResult {
  assertBuilt();
  const full = configFile ? [...args, '--config', configFile] : args;
  const r = spawnSync(process.execPath, [CLI, ...full], { encoding: 'utf8', input, timeout: 60_000, env: { ...process.env, PINTU_CONFIG: '' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Run a CLI command with --json (and `input` on stdin) and parse its single JSON value; throws with stderr on failure. */
export function pintuJson<T = Record<string, unknown>>(configFile: string, args: string[], input?: string): T {
  const r = pintu(configFile, [...args, '--json'], input);
  if (r.code !== 0) throw new Error(`pintu ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** Start a long-running CLI command (e.g. `run`) in the background. */
export function pintuSpawn(configFile: string, args: string[]): ChildProcess {
  assertBuilt();
  return spawn(process.execPath, [CLI, ...args, '--config', configFile], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, PINTU_CONFIG: '' } });
}

/** Poll `fn` until it returns a truthy value or the deadline passes. */
export async function until<T>(fn: () => T | undefined | null | false, what: string, timeoutMs = 10_000, stepMs = 25): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** A `pintu run` started by `startDaemonCli`. */
export interface DaemonCli {
  /** The process. */
  child: ChildProcess;
  /** Its stderr so far. */
  stderr(): string;
  /** SIGTERM it and wait for its exit. */
  stop(): Promise<void>;
}

/**
 * Start `pintu run` on a config whose database exists (run `pintu status` first: two processes migrating a new file at
 * once can collide) and wait until `pintu status` says it runs; throws with its stderr if it exits instead.
 */
export async function startDaemonCli(configFile: string): Promise<DaemonCli> {
  const child = pintuSpawn(configFile, ['run']);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
  const exited = new Promise((res) => child.once('exit', res));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  try {
    await until(() => pintuJson<{ daemon: string }>(configFile, ['status']).daemon === 'running' || child.exitCode !== null, 'daemon running', 30_000, 200);
  } catch (err) {
    await stop();
    throw err;
  }
  if (child.exitCode !== null) throw new Error(`pintu run exited ${child.exitCode}: ${stderr}`);
  return { child, stderr: () => stderr, stop };
}

/** The console PIN the test helpers give the officers they register. */
export const TEST_PIN = '480915';

/** `pintu setup`: the first head (PIN `TEST_PIN` on stdin); returns what it prints with --json. */
export function setupHead(configFile: string, name: string, badge: string): { id: string; role: string; badge: string } {
  return pintuJson(configFile, ['setup', '--name', name, '--badge', badge], `${TEST_PIN}\n`);
}

/** `pintu officer add … --by HEAD` with the head's PIN (`TEST_PIN`) on stdin; returns what it prints with --json. */
export function addOfficerCli(configFile: string, name: string, role: string, badge: string, by = 'O1'): { id: string; role: string; badge: string } {
  return pintuJson(configFile, ['officer', 'add', '--name', name, '--role', role, '--badge', badge, '--by', by], `${TEST_PIN}\n`);
}
