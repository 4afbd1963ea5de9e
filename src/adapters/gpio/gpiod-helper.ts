/**
 * The GPIO helper process of `hardware: gpiod`: `scripts/pintu-gpiod.py`, a small Python program on libgpiod's own
 * bindings (Debian `python3-libgpiod`, v1 or v2 API) that holds the door's lines on the GPIO character device and
 * speaks JSON lines on stdin/stdout (hardware/README.md, "GPIO: character device or sysfs", says why).
 * This module finds and starts it, reads its messages, turns its errors into messages an installer can act on,
 * and runs its one-shot `off` mode for `pintu relay-off`.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Log } from '../../ports/log.js';
import type { RelayPinInfo } from '../../ports/hardware.js';

/** The helper script, relative to the package root (the installer copies `scripts/` to /opt/pintu). */
export const GPIOD_HELPER = join('scripts', 'pintu-gpiod.py');

/** Debian's Python, where `python3-libgpiod` installs the `gpiod` module. */
export const DEFAULT_PYTHON = '/usr/bin/python3';

/** The door's line roles as the helper knows them, with the names error messages use. */
export const GPIOD_ROLES = {
  relay: 'door strike relay', green: 'green status LED', red: 'red status LED', amber: 'amber status LED', buzzer: 'buzzer',
  doorSwitch: 'door position switch', exitButton: 'exit button', fireAlarm: 'fire alarm line',
  fireSupervision: 'fire alarm supervision line', mains: 'UPS mains signal',
} as const;

/** A role key of `GPIOD_ROLES`. */
export type GpiodRole = keyof typeof GPIOD_ROLES;

/** How the helper is started (tests point these at a fake `gpiod` module). */
export interface GpiodHelperOptions {
  /** The Python interpreter (default /usr/bin/python3). */
  python?: string;
  /** The helper script (default: found by `findGpiodHelper`). */
  helperPath?: string;
  /** Environment of the helper (default: this process's). */
  env?: NodeJS.ProcessEnv;
}

/** A setup or runtime failure reported by the helper. */
export interface GpiodErrorMessage {
  /** `error`. */
  type: 'error';
  /** errno name (EBUSY, EACCES, ...) or NO_GPIOD, NOCHIP, PROTOCOL, USAGE. */
  code: string;
  /** The helper's own text. */
  message: string;
  /** The line's role, where one line failed. */
  role?: string;
  /** Its BCM number. */
  pin?: number;
  /** The chip's device path. */
  chip?: string;
  /** EBUSY: the consumer holding the line. */
  holder?: string;
}

/** One message from the helper. */
export type GpiodMessage =
  | { type: 'ready'; api: number; chip: string; label: string; levels: Record<string, boolean> }
  | { type: 'ack'; seq: number }
  | { type: 'edge'; role: string; active: boolean }
  | { type: 'closed' }
  | { type: 'stopped'; signal: number }
  | { type: 'off'; chip: string; pin: number; activeLow: boolean }
  | GpiodErrorMessage;

/** Walk up from this module (src/ or dist/src/) to the directory holding `scripts/pintu-gpiod.py`. */
export function findGpiodHelper(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, GPIOD_HELPER);
    if (existsSync(candidate)) return candidate;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  throw new Error(`the GPIO helper ${GPIOD_HELPER} was not found above ${from}: reinstall pintu (scripts/install.sh copies it to /opt/pintu/scripts)`);
}

/** Turn a helper error into one naming the role, BCM pin, chip and what to do. */
export function describeGpiodError(msg: GpiodErrorMessage): Error {
  const role = msg.role && msg.role in GPIOD_ROLES ? GPIOD_ROLES[msg.role as GpiodRole] : msg.role;
  const where = role !== undefined
    ? `${role} on BCM ${msg.pin ?? '?'}${msg.chip ? ` (${msg.chip})` : ''}`
    : `GPIO${msg.chip ? ` (${msg.chip})` : ''}`;
  let why: string;
  switch (msg.code) {
    case 'EBUSY':
      why = `EBUSY, held by "${msg.holder ?? 'unknown'}" (another pintu, a dtoverlay/dtparam driver in config.txt, or a program: check \`gpioinfo\`)`;
      break;
    case 'EACCES':
    case 'EPERM':
      why = `${msg.code}, permission denied: run pintu as a member of the "gpio" group (Raspberry Pi OS gives /dev/gpiochip* to it)`;
      break;
    case 'NO_GPIOD':
      why = `libgpiod's Python bindings are not installed: sudo apt-get install python3-libgpiod (${msg.message})`;
      break;
    case 'NOCHIP':
      why = `${msg.message}. Set gpio.chip to /dev/gpiochipN or its label (see \`gpiodetect\`), or use hardware: gpio`;
      break;
    case 'ENOENT':
      why = `ENOENT, ${msg.chip ?? 'the chip'} does not exist (is this a Raspberry Pi? check gpio.chip and \`gpiodetect\`)`;
      break;
    default:
      why = `${msg.code}, ${msg.message}`;
  }
  return new Error(`${where}: ${why}`);
}

/** The started helper: its process, its messages one at a time, and the last of its stderr (for error messages). */
export interface GpiodHelper {
  /** The Python process. */
  child: ChildProcessWithoutNullStreams;
  /** Send one JSON message. */
  send(msg: object): void;
  /** The last 2 KB of the helper's stderr. */
  stderr(): string;
  /** Resolves with the exit code (null: killed by a signal) once the helper has exited. */
  exited: Promise<number | null>;
}

/** Start `pintu-gpiod.py <args>`; `onMessage` gets each parsed line, `onBadLine` a line that is not JSON. */
export function startGpiodHelper(
  args: string[],
  opts: GpiodHelperOptions,
  onMessage: (msg: GpiodMessage) => void,
  onBadLine: (line: string) => void,
  onSpawnError: (err: Error) => void,
): GpiodHelper {
  const python = opts.python ?? DEFAULT_PYTHON;
  const child = spawn(python, [opts.helperPath ?? findGpiodHelper(), ...args], {
    stdio: ['pipe', 'pipe', 'pipe'], env: opts.env ?? process.env,
  });
  let errTail = '';
  let out = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => { errTail = (errTail + d).slice(-2048); });
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d: string) => {
    out += d;
    let nl: number;
    while ((nl = out.indexOf('\n')) >= 0) {
      const line = out.slice(0, nl);
      out = out.slice(nl + 1);
      if (!line.trim()) continue;
      let msg: GpiodMessage;
      try {
        msg = JSON.parse(line) as GpiodMessage;
      } catch {
        onBadLine(line);
        continue;
      }
      onMessage(msg);
    }
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', (err: NodeJS.ErrnoException) => {
      onSpawnError(err.code === 'ENOENT'
        ? new Error(`${python} not found: hardware: gpiod needs Python 3 and libgpiod's bindings (sudo apt-get install python3 python3-libgpiod)`)
        : err);
      resolve(null);
    });
  });
  // A write after the helper died fails asynchronously (EPIPE): the exit handler reports it, not an unhandled error.
  child.stdin.on('error', () => undefined);
  return {
    child,
    send: (msg) => { if (child.stdin.writable) child.stdin.write(`${JSON.stringify(msg)}\n`); },
    stderr: () => errTail.trim(),
    exited,
  };
}

/**
 * `pintu relay-off` for `hardware: gpiod`: request just the strike's line as an output at its OFF level (the helper's
 * one-shot `off` mode), release it and wait for the helper to exit. Rejects with a clear error if it could not.
 */
export async function forceRelayOffGpiod(info: RelayPinInfo, log: Log, opts: GpiodHelperOptions & { timeoutMs?: number } = {}): Promise<void> {
  if (!info.chip) throw new Error(`door strike relay on BCM ${info.pin}: no GPIO chip recorded (hardware: gpiod needs one)`);
  const args = ['off', '--chip', info.chip, '--pin', String(info.pin), ...(info.activeLow ? ['--active-low'] : [])];
  let result: GpiodMessage | null = null;
  let failure: Error | null = null;
  const helper = startGpiodHelper(args, opts, (m) => { result = m; }, (line) => { failure = new Error(`the GPIO helper wrote ${JSON.stringify(line.slice(0, 200))}`); }, (err) => { failure = err; });
  const timeoutMs = opts.timeoutMs ?? 15_000;
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([
    helper.exited,
    new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), timeoutMs); }),
  ]);
  clearTimeout(timer);
  if (code === 'timeout') {
    helper.child.kill('SIGKILL');
    throw new Error(`door strike relay on BCM ${info.pin} (${info.chip}): the GPIO helper did not finish within ${timeoutMs} ms`);
  }
  if (failure) throw failure;
  const msg = result as GpiodMessage | null;
  if (msg?.type === 'error') throw describeGpiodError({ ...msg, role: msg.role ?? 'relay', pin: msg.pin ?? info.pin, chip: msg.chip ?? info.chip });
  if (code !== 0 || msg?.type !== 'off') {
    throw new Error(`door strike relay on BCM ${info.pin} (${info.chip}): the GPIO helper exited with ${String(code)}${helper.stderr() ? `: ${helper.stderr()}` : ''}`);
  }
  log.info({ pin: info.pin, activeLow: info.activeLow, chip: info.chip }, 'strike relay driven off through the GPIO character device');
}
