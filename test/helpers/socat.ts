/**
 * A real pseudo-terminal pair made by socat, for testing serial code without hardware:
 * bytes written to `a` come out of `b` and vice versa. Throws (never skips) when socat is missing.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A running socat pty pair. */
export interface PtyPair {
  /** Path of one end (a symlink to /dev/pts/N). */
  a: string;
  /** Path of the other end. */
  b: string;
  /** The temp dir holding both links. */
  dir: string;
  /** socat's pid. */
  pid: number;
  /** Kill socat (the ptys disappear, like an unplugged USB adapter) and wait for it to exit; keeps the temp dir. */
  kill(): Promise<void>;
  /** Kill socat and remove the temp dir. Idempotent. */
  stop(): Promise<void>;
}

/** Throw a clear error unless socat is installed. */
export function requireSocat(): void {
  const r = spawnSync('socat', ['-V'], { stdio: 'ignore' });
  if (r.error || r.status !== 0) {
    throw new Error('socat is required for this test (apt-get install socat)');
  }
}

async function waitFor(cond: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(what());
    await new Promise((r) => setTimeout(r, 10));
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Start `socat -d -d pty,raw,echo=0,link=DIR/a pty,raw,echo=0,link=DIR/b`.
 * `dir` reuses an existing directory (to recreate the same paths after kill()); default a new unique temp dir.
 */
export async function startPtyPair(options: { dir?: string; timeoutMs?: number } = {}): Promise<PtyPair> {
  requireSocat();
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'pintu-pty-'));
  const a = join(dir, 'a');
  const b = join(dir, 'b');
  const child = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => {
    if (stderr.length < 10_000) stderr += d;
  });
  let spawnError: Error | null = null;
  child.on('error', (e) => {
    spawnError = e;
  });
  const kill = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited(child);
  };
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await kill();
    if (ownDir) rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      // socat logs "starting data transfer loop" once both ptys exist and the links are made.
      () => spawnError !== null || child.exitCode !== null || (existsSync(a) && existsSync(b) && stderr.includes('starting data transfer loop')),
      options.timeoutMs ?? 5000,
      () => `socat did not create the pty pair in ${dir} in time; its output:\n${stderr}`,
    );
    if (spawnError !== null || child.exitCode !== null) {
      throw new Error(`socat failed to start (${String(spawnError ?? `exit code ${child.exitCode}`)}):\n${stderr}`);
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { a, b, dir, pid: child.pid as number, kill, stop };
}
