/**
 * Door I/O on the GPIO character device (`hardware: gpiod`), through the helper process `scripts/pintu-gpiod.py`
 * (libgpiod's Python bindings; see gpiod-helper.ts and hardware/README.md, "GPIO: character device or sysfs").
 *
 * Fail secure: the helper requests every door line at once, the strike and the status outputs as outputs at their OFF
 * level (never driven first and corrected later); inputs with both edges and the kernel's debounce (libgpiod 2) or the
 * helper's (1.x). The helper drives the outputs off, strike first, and releases them when pintu closes the door I/O,
 * when its stdin closes (pintu died, even by kill -9) and on SIGTERM/SIGINT/SIGHUP. `relay.set()` stays synchronous:
 * it writes the command and keeps the commanded state; each command's acknowledgement is checked asynchronously, and a
 * helper that dies, answers garbage or does not acknowledge in time is fatal: the strike's state is then unknown, so
 * the error goes to `onFatal` (by default thrown, so the daemon's fail-secure handler drives off and exits and
 * systemd's `pintu relay-off` requests the line off again) — never "assumed off".
 */
import type { GpioConfig } from '../../config/schema.js';
import type { Log } from '../../ports/log.js';
import type { DigitalInput, DigitalOutput, DoorIndicators, DoorIo, FireInputs, Relay, RelayPinInfo } from '../../ports/hardware.js';
import { HEADER_CHIP_LABELS } from './chip-base.js';
import {
  describeGpiodError, GPIOD_ROLES, startGpiodHelper,
  type GpiodErrorMessage, type GpiodHelperOptions, type GpiodMessage, type GpiodRole,
} from './gpiod-helper.js';

/** `pintu relay-off` for hardware: gpiod (the helper's one-shot `off` mode), re-exported beside the door I/O. */
export { forceRelayOffGpiod } from './gpiod-helper.js';

/** Injection points (tests); every field is optional. */
export interface GpiodDoorIoDeps extends GpiodHelperOptions {
  /** Where the gpiochip devices are (default /dev). */
  devDir?: string;
  /** How long the helper may take to request the lines (default 15 s: Python starts slowly on a Pi Zero). */
  openTimeoutMs?: number;
  /** How long a command may wait for its acknowledgement before the helper counts as failed (default 2 s). */
  ackTimeoutMs?: number;
  /** Called once when the helper fails after the start (default: the error is thrown, reaching the fail-secure handler). */
  onFatal?: (err: Error) => void;
  /**
   * A helper stopped by a signal drove everything off first; `onFatal` then waits this long (default 10 s), so a
   * `systemctl stop`, which signals pintu and its helper together, ends as a clean stop rather than a crash.
   */
  signalGraceMs?: number;
  /** Clock for input change timestamps (default Date.now). */
  now?: () => number;
}

/** Door I/O on gpiod, with the helper's exit for callers that must wait until the lines are released. */
export interface GpiodDoorIo extends DoorIo {
  /** The strike's chip, pin and polarity (always known here). */
  relayPin: RelayPinInfo;
  /** Resolves with the helper's exit code once it has exited (after `close()`, once every line is off and released). */
  exited(): Promise<number | null>;
  /** The helper's process id (diagnostics, tests). */
  readonly helperPid: number | undefined;
}

interface LineSpec { role: GpiodRole; pin: number; out: boolean; activeLow: boolean; debounceMs?: number }

/** The lines of a config: outputs first (the strike first of all), then the inputs. */
export function gpiodLines(cfg: GpioConfig): LineSpec[] {
  const lines: LineSpec[] = [{ role: 'relay', pin: cfg.relay.pin, out: true, activeLow: cfg.relay.activeLow }];
  for (const colour of ['green', 'red', 'amber', 'buzzer'] as const) {
    const p = cfg.indicators?.[colour];
    if (p) lines.push({ role: colour, pin: p.pin, out: true, activeLow: p.activeLow });
  }
  const input = (role: GpiodRole, p: { pin: number; activeLow: boolean; debounceMs: number }): void => {
    lines.push({ role, pin: p.pin, out: false, activeLow: p.activeLow, debounceMs: p.debounceMs });
  };
  input('doorSwitch', cfg.doorSwitch);
  input('exitButton', cfg.exitButton);
  if (cfg.fireAlarm) {
    input('fireAlarm', cfg.fireAlarm);
    input('fireSupervision', cfg.fireAlarm.supervision);
  }
  if (cfg.mains) input('mains', cfg.mains);
  return lines;
}

/** Start the helper, request every door line (outputs off) and return the door I/O; rejects with a clear error, nothing held. */
export async function createGpiodDoorIo(cfg: GpioConfig, log: Log, deps: GpiodDoorIoDeps = {}): Promise<GpiodDoorIo> {
  const glog = log.child({ component: 'gpiod' });
  const now = deps.now ?? (() => Date.now());
  const ackTimeoutMs = deps.ackTimeoutMs ?? 2000;
  const onFatal = deps.onFatal ?? ((err: Error) => { setImmediate(() => { throw err; }); });
  const lines = gpiodLines(cfg);
  const levels = new Map<string, boolean>();
  const listeners = new Map<string, Set<(active: boolean, at: number) => void>>();
  const pending = new Map<number, NodeJS.Timeout>();
  let seq = 0;
  let phase: 'opening' | 'open' | 'closing' | 'stopped' | 'failed' = 'opening';
  let onReady: ((m: GpiodMessage) => void) | null = null;

  const fatal = (err: Error): void => {
    if (phase !== 'open') return;
    phase = 'failed';
    for (const t of pending.values()) clearTimeout(t);
    pending.clear();
    glog.error({ err: err.message }, 'GPIO helper failed: the strike relay state is unknown; failing secure');
    if (helper.child.exitCode === null && helper.child.signalCode === null) helper.child.kill('SIGTERM');
    onFatal(err);
  };
  const onMessage = (m: GpiodMessage): void => {
    if (phase === 'opening') {
      if (m.type === 'ready') {
        // The levels and the open phase at once: an edge (or error) in the same read of the pipe as `ready` comes before
        // the awaiting code runs, and must be applied like any later one, not handed to a promise already settled.
        for (const [role, active] of Object.entries(m.levels)) levels.set(role, active);
        phase = 'open';
      }
      onReady?.(m);
      return;
    }
    if (m.type === 'ack') {
      clearTimeout(pending.get(m.seq));
      pending.delete(m.seq);
    } else if (m.type === 'edge') {
      if (levels.get(m.role) === m.active) return;
      levels.set(m.role, m.active);
      const at = now();
      for (const l of [...(listeners.get(m.role) ?? [])]) l(m.active, at);
    } else if (m.type === 'error') {
      fatal(describeGpiodError(m));
    } else if (m.type === 'stopped' && phase === 'open') {
      // Off and released by the helper itself: known state, so the fatal can wait for pintu's own stop.
      phase = 'stopped';
      for (const t of pending.values()) clearTimeout(t);
      pending.clear();
      glog.warn({ signal: m.signal }, 'GPIO helper stopped by a signal: strike and outputs driven off and released');
      const grace = setTimeout(() => onFatal(new Error(`the GPIO helper was stopped by signal ${m.signal} (strike driven off, lines released): door I/O is gone`)), deps.signalGraceMs ?? 10_000);
      grace.unref();
    }
  };
  const helper = startGpiodHelper(
    ['serve'], deps, onMessage,
    (line) => { const e = new Error(`the GPIO helper wrote a line that is not JSON: ${JSON.stringify(line.slice(0, 200))}`); if (phase === 'opening') onReady?.({ type: 'error', code: 'PROTOCOL', message: e.message }); else fatal(e); },
    (err) => { if (phase === 'opening') onReady?.({ type: 'error', code: 'SPAWN', message: err.message }); else fatal(err); },
  );
  void helper.exited.then((code) => {
    if (phase === 'open') fatal(new Error(`the GPIO helper exited (code ${String(code)}, signal ${String(helper.child.signalCode)})${helper.stderr() ? `: ${helper.stderr()}` : ''}`));
    else if (phase === 'opening') onReady?.({ type: 'error', code: 'EXIT', message: `the GPIO helper exited with ${String(code)} before requesting the lines${helper.stderr() ? `: ${helper.stderr()}` : ''}` });
  });

  helper.send({ op: 'open', chip: cfg.chip, devDir: deps.devDir ?? '/dev', labels: HEADER_CHIP_LABELS.map((l) => l.label), lines });
  const openTimeoutMs = deps.openTimeoutMs ?? 15_000;
  let timer: NodeJS.Timeout | undefined;
  const first = await new Promise<GpiodMessage>((resolve) => {
    onReady = resolve;
    timer = setTimeout(() => resolve({ type: 'error', code: 'TIMEOUT', message: `the GPIO helper did not request the lines within ${openTimeoutMs} ms` }), openTimeoutMs);
  });
  clearTimeout(timer);
  onReady = null;
  if (first.type !== 'ready') {
    phase = 'failed';
    // The helper released what it had (strike off first) before reporting; make sure it is gone before throwing.
    if (helper.child.exitCode === null) helper.child.kill('SIGTERM');
    await helper.exited;
    const err = first.type === 'error'
      ? (['SPAWN', 'EXIT', 'TIMEOUT', 'PROTOCOL'].includes(first.code) && !first.role ? new Error(`GPIO (hardware: gpiod): ${first.message}`) : describeGpiodError(first as GpiodErrorMessage))
      : new Error(`GPIO (hardware: gpiod): unexpected first message from the helper: ${JSON.stringify(first)}`);
    glog.error({ err: err.message }, 'GPIO setup failed; the helper released the lines it had, strike off first');
    throw err;
  }

  /** Write one output command; its acknowledgement must come within ackTimeoutMs. */
  const send = (role: GpiodRole, on: boolean): void => {
    if (phase !== 'open') {
      if (on) throw new Error(`${GPIOD_ROLES[role]} on BCM ${lines.find((l) => l.role === role)!.pin}: the GPIO helper is not running`);
      return;
    }
    const n = ++seq;
    // Node runs expired timers before it reads the pipe: after a held-up event loop (a synchronous write stalled on the SD
    // card) the ack may be there unread. The verdict waits for one poll of the pipe (setImmediate runs after it).
    const t = setTimeout(() => setImmediate(() => {
      if (pending.has(n)) fatal(new Error(`the GPIO helper did not acknowledge driving the ${GPIOD_ROLES[role]} ${on ? 'on' : 'off'} within ${ackTimeoutMs} ms`));
    }), ackTimeoutMs);
    t.unref();
    pending.set(n, t);
    helper.send({ op: 'set', seq: n, role, on });
  };
  const output = (role: GpiodRole): DigitalOutput & Relay => {
    let on = false;
    let closed = false;
    return {
      set(value: boolean): void {
        if (closed) {
          if (value) throw new Error(`${GPIOD_ROLES[role]} on BCM ${lines.find((l) => l.role === role)!.pin} is closed`);
          return;
        }
        send(role, value);
        on = value;
      },
      get isOn(): boolean { return on; },
      close(): void {
        if (closed) return;
        send(role, false);
        on = false;
        closed = true;
      },
    };
  };
  const input = (role: GpiodRole): DigitalInput => {
    let closed = false;
    const set = new Set<(active: boolean, at: number) => void>();
    listeners.set(role, set);
    return {
      read: () => levels.get(role) ?? false,
      watch(onChange): () => void {
        if (closed) throw new Error(`${GPIOD_ROLES[role]} is closed`);
        set.add(onChange);
        return () => { set.delete(onChange); };
      },
      close(): void { closed = true; set.clear(); },
    };
  };

  const has = (role: GpiodRole): boolean => lines.some((l) => l.role === role);
  const relay = output('relay');
  const indicators: DoorIndicators = {};
  for (const colour of ['green', 'red', 'amber', 'buzzer'] as const) if (has(colour)) indicators[colour] = output(colour);
  const doorSwitch = input('doorSwitch');
  const exitButton = input('exitButton');
  const fire: FireInputs | undefined = has('fireAlarm') ? { alarm: input('fireAlarm'), supervision: input('fireSupervision') } : undefined;
  const mains = has('mains') ? input('mains') : undefined;
  const relayPin: RelayPinInfo = { hardware: 'gpiod', pin: cfg.relay.pin, activeLow: cfg.relay.activeLow, chip: first.chip };
  glog.info({ chip: first.chip, label: first.label, api: first.api, lines: Object.fromEntries(lines.map((l) => [l.role, l.pin])) }, 'GPIO door I/O ready (character device), relay off');

  let closed = false;
  return {
    relay,
    doorSwitch,
    exitButton,
    ...(fire ? { fire } : {}),
    ...(Object.keys(indicators).length ? { indicators } : {}),
    ...(mains ? { mains } : {}),
    relayPin,
    exited: () => helper.exited,
    helperPid: helper.child.pid,
    close(): void {
      if (closed) return;
      closed = true;
      relay.close();
      for (const o of Object.values(indicators)) o.close();
      for (const i of [doorSwitch, exitButton, fire?.alarm, fire?.supervision, mains]) i?.close();
      if (phase === 'open') {
        phase = 'closing';
        for (const t of pending.values()) clearTimeout(t);
        pending.clear();
        // The helper drives everything off again, releases the lines and exits; SIGTERM does the same if it hangs.
        helper.send({ op: 'close' });
        helper.child.stdin.end();
        const kill = setTimeout(() => { if (helper.child.exitCode === null) helper.child.kill('SIGTERM'); }, 5000);
        kill.unref();
        void helper.exited.then(() => clearTimeout(kill));
      }
    },
  };
}
