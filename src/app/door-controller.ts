/**
 * Drives the pure door machine (domain/door.ts) with real door I/O and timers.
 *
 * Fail secure: the relay is driven off before anything else at start, on stop, and by an independent
 * guard timer at every strike end whatever the machine says. A relay that cannot be driven off is
 * retried every `relayRetryMs` and logged at error level until it obeys.
 *
 * The fire-alarm input (where wired and configured) runs its own pure machine (domain/fire.ts): a believed fire with
 * policy `release` holds the strike unlocked (the door machine's `fire` input) until the alarm clears; a broken
 * supervision loop is a fault and leaves the strike as it is. At start the relay is off first and the lines are read;
 * a fire they show is believed after the settle time like any other change, then released only if the policy says so.
 */
import type { DoorIo, FireInputs } from '../ports/hardware.js';
import { initialFireState, nextFireDeadline, stepFire, type FireInput, type FireLines, type FireOutput, type FirePolicy, type FireSettings, type FireState } from '../domain/fire.js';
import {
  initialDoorState,
  nextDeadline,
  stepDoor,
  type DoorEvent,
  type DoorInput,
  type DoorState,
  type DoorTiming,
  type GrantRef,
} from '../domain/door.js';
import type { Log } from '../ports/log.js';

/** Receives every door event: type (e.g. `door.opened`), its fields (`type` narrows them), and when it happened (ms). */
export type DoorEventSink = (...event: DoorEventArgs) => void;
/** An event of the fire input (`alarm.fire`, `fire.cleared`, `alarm.fire_input_fault`, `fire.input_restored`). */
type FireEvent = Extract<FireOutput, { kind: 'event' }>;
/** The arguments of a door event sink, one tuple per door or fire event type. */
export type DoorEventArgs =
  | { [E in DoorEvent as E['type']]: [type: E['type'], data: E['data'], at: number] }[DoorEvent['type']]
  | { [E in FireEvent as E['type']]: [type: E['type'], data: E['data'], at: number] }[FireEvent['type']];

/** What `DoorController` needs. */
export interface DoorControllerOptions {
  /** The door hardware (or `SimDoorIo`). The controller does not close it. */
  io: DoorIo;
  /** Strike and held-open times (the `door` config slice), plus optional grace for debounce. */
  timing: DoorTiming;
  /** Parent logger; the controller logs as `{component: 'door'}`. */
  log: Log;
  /** Event callback; exceptions thrown by it are logged and ignored. */
  onEvent: DoorEventSink;
  /** Clock, ms (default Date.now). */
  now?: () => number;
  /** Retry interval while the relay refuses to go off (default 1000 ms). */
  relayRetryMs?: number;
  /** The fire policy and settle time (the `fire` config); used only when `io.fire` is wired. */
  fire?: FireSettings;
}

/** The fire input as status displays show it. */
export interface FireStatus {
  /** A fire alarm is on (believed after the settle time). */
  alarm: boolean;
  /** When the alarm began, ms, or null. */
  alarmSince: number | null;
  /** The input's supervision loop is broken (fault). */
  fault: boolean;
  /** When the fault began, ms, or null. */
  faultSince: number | null;
  /** The site's policy. */
  policy: FirePolicy;
  /** The strike is held unlocked for the alarm now. */
  released: boolean;
}

/** A snapshot of the door for status displays and health checks. */
export interface DoorStatus {
  /** The relay is off (commanded off and, where it can be read back, reads off). */
  locked: boolean;
  /** The door is open. */
  open: boolean;
  /** When the current opening began, ms, or null when closed. */
  openSince: number | null;
  /** When the strike relocks, ms, or null when locked. */
  unlockedUntil: number | null;
  /** The last relay driving error while it persists, or null. */
  relayError: string | null;
  /** The fire input (absent: none wired or configured). */
  fire?: FireStatus;
}

/** The door controller: `start()`, then `grant(ref)` on access decisions; `stop()` at shutdown. */
export class DoorController {
  private readonly io: DoorIo;
  private readonly timing: DoorTiming;
  private readonly log: Log;
  private readonly onEvent: DoorEventSink;
  private readonly now: () => number;
  private readonly relayRetryMs: number;
  private state: DoorState;
  private started = false;
  private stopped = false;
  private tickTimer: ReturnType<typeof setTimeout> | null = null;
  private guardTimer: ReturnType<typeof setTimeout> | null = null;
  private guardAt: number | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private relayError: string | null = null;
  private unwatch: Array<() => void> = [];
  private readonly fireIo: FireInputs | null;
  private readonly fireSettings: FireSettings | null;
  private fire: FireState | null = null;
  private fireLines: FireLines = { alarm: false, supervision: false };
  private fireTimer: ReturnType<typeof setTimeout> | null = null;

  /** Create a controller; nothing touches the hardware until `start()`. */
  constructor(opts: DoorControllerOptions) {
    this.io = opts.io;
    this.timing = opts.timing;
    this.log = opts.log.child({ component: 'door' });
    this.onEvent = opts.onEvent;
    this.now = opts.now ?? (() => Date.now());
    this.relayRetryMs = opts.relayRetryMs ?? 1000;
    this.state = initialDoorState(this.now(), false);
    this.fireIo = opts.fire && opts.io.fire ? opts.io.fire : null;
    this.fireSettings = this.fireIo ? opts.fire! : null;
  }

  /** Relay off first, then read the door and watch both inputs. Throws if called twice or after stop. */
  start(): void {
    if (this.started || this.stopped) throw new Error(this.stopped ? 'DoorController was stopped; create a new one' : 'DoorController already started');
    this.started = true;
    this.relayOff();
    let open = false;
    try {
      open = this.io.doorSwitch.read();
    } catch (err) {
      this.log.error({ err }, 'cannot read the door position switch at start; assuming closed');
    }
    this.state = initialDoorState(this.now(), open);
    this.unwatch.push(
      this.io.doorSwitch.watch((active) => this.dispatch({ type: 'door', open: active, now: this.now() })),
      this.io.exitButton.watch((pressed) => {
        if (pressed) this.dispatch({ type: 'rex', now: this.now() });
      }),
    );
    this.log.info({ open, strikeSeconds: this.timing.strikeSeconds, heldOpenSeconds: this.timing.heldOpenSeconds }, 'door controller started');
    this.arm();
    this.startFire();
  }

  /** Read and watch the fire lines (relay already off): what they show is believed after the settle time. */
  private startFire(): void {
    const io = this.fireIo;
    if (!io) return;
    const read = (line: 'alarm' | 'supervision'): boolean => {
      try {
        return io[line].read();
      } catch (err) {
        // An unreadable line is a broken line: the supervision reads broken (fault), the alarm inactive.
        this.log.error({ err, line }, 'cannot read a fire input line at start');
        return false;
      }
    };
    this.fireLines = { alarm: read('alarm'), supervision: read('supervision') };
    this.fire = initialFireState(this.now(), this.fireLines);
    const on = (line: 'alarm' | 'supervision') => (active: boolean): void => {
      this.fireLines = { ...this.fireLines, [line]: active };
      this.dispatchFire({ type: 'lines', lines: this.fireLines, now: this.now() });
    };
    this.unwatch.push(io.alarm.watch(on('alarm')), io.supervision.watch(on('supervision')));
    this.log.info({ lines: this.fireLines, policy: this.fireSettings!.onAlarm }, 'fire input watched');
    this.dispatchFire({ type: 'tick', now: this.now() });
  }

  private dispatchFire(input: FireInput): void {
    if (this.stopped || !this.fire || !this.fireSettings) return;
    const result = stepFire(this.fire, input, this.fireSettings);
    this.fire = result.state;
    for (const o of result.outputs) {
      if (o.kind === 'hold') {
        this.log[o.on ? 'warn' : 'info']({ hold: o.on }, o.on ? 'FIRE ALARM: strike held unlocked (fire.onAlarm: release)' : 'fire alarm cleared: strike locked again');
        this.dispatch({ type: 'fire', hold: o.on, now: o.at });
        continue;
      }
      this.log[o.type.startsWith('alarm.') ? 'warn' : 'info']({ event: o.type, data: o.data }, o.type);
      try {
        (this.onEvent as (type: FireEvent['type'], data: FireEvent['data'], at: number) => void)(o.type, o.data, o.at);
      } catch (err) {
        this.log.error({ err, event: o.type }, 'door event handler threw');
      }
    }
    if (this.fireTimer !== null) clearTimeout(this.fireTimer);
    this.fireTimer = null;
    const due = nextFireDeadline(this.fire, this.fireSettings);
    if (due !== null && !this.stopped) {
      this.fireTimer = setTimeout(() => {
        this.fireTimer = null;
        this.dispatchFire({ type: 'tick', now: this.now() });
      }, Math.max(0, due - this.now()));
    }
  }

  /** An access grant: unlock the strike for strikeSeconds; `ref` comes back in `access.unused` if nobody opens the door. */
  grant(ref: GrantRef): void {
    if (!this.started || this.stopped) throw new Error('DoorController is not running');
    this.dispatch({ type: 'grant', ref, now: this.now() });
  }

  /** Current door status. */
  status(): DoorStatus {
    let readOn = false;
    try {
      readOn = this.io.relay.isOn;
    } catch {
      readOn = false;
    }
    const s = this.state;
    return {
      locked: !s.relayOn && !readOn,
      open: s.open,
      openSince: s.openSince,
      unlockedUntil: s.relayOn ? s.unlockedUntil : null,
      relayError: this.relayError,
      ...(this.fire && this.fireSettings ? {
        fire: {
          alarm: this.fire.fire, alarmSince: this.fire.fireSince, fault: this.fire.fault, faultSince: this.fire.faultSince,
          policy: this.fireSettings.onAlarm, released: s.fireHold === true && s.relayOn,
        },
      } : {}),
    };
  }

  /** Stop: unwatch inputs, cancel timers, relay off. Idempotent; the relay is driven off even if never started. */
  stop(): void {
    if (this.stopped) {
      this.relayOff();
      return;
    }
    this.stopped = true;
    for (const u of this.unwatch.splice(0)) {
      try {
        u();
      } catch (err) {
        this.log.warn({ err }, 'unwatching a door input failed');
      }
    }
    this.clearTimer('tickTimer');
    this.clearTimer('guardTimer');
    this.guardAt = null;
    this.clearTimer('retryTimer');
    this.clearTimer('fireTimer');
    // No retry timer after stop: try a few times now, then leave it to DoorIo.close() (which drives off first).
    for (let attempt = 0; attempt < 3; attempt++) {
      this.relayOff();
      if (this.relayError === null) break;
    }
    if (this.started) this.log.info('door controller stopped');
  }

  /** Emergency: drive the relay off now (keeps retrying while it fails, unless stopped). Never throws. */
  relayOff(): void {
    if (this.state.relayOn || this.state.fireHold) {
      // Keep the machine consistent: it must not believe the strike is still unlocked (a fire hold ends with it).
      const { fireHold: _hold, ...rest } = this.state;
      this.state = { ...rest, relayOn: false, unlockedUntil: null };
      this.clearTimer('guardTimer');
      this.guardAt = null;
    }
    this.driveOff();
  }

  private dispatch(input: DoorInput): void {
    if (this.stopped) return;
    let result;
    try {
      result = stepDoor(this.state, input, this.timing);
    } catch (err) {
      this.log.error({ err, input: input.type }, 'door state machine failed; forcing the relay off');
      this.relayOff();
      return;
    }
    this.state = result.state;
    // Relay commands first, so a throwing event sink can never delay the strike.
    for (const o of result.outputs) if (o.kind === 'relay') this.applyRelay(o.on);
    for (const o of result.outputs) {
      if (o.kind !== 'event') continue;
      const { type, data, at } = o.event;
      this.log.debug({ event: type, data }, type);
      try {
        // type and data come from one event, so they match (a cast, not a copy: no array per event).
        (this.onEvent as (type: DoorEvent['type'], data: DoorEvent['data'], at: number) => void)(type, data, at);
      } catch (err) {
        this.log.error({ err, event: type }, 'door event handler threw');
      }
    }
    this.arm();
  }

  private applyRelay(on: boolean): void {
    if (!on) {
      this.driveOff();
      return;
    }
    try {
      this.io.relay.set(true);
      this.clearTimer('retryTimer');
      this.relayError = null;
    } catch (err) {
      this.log.error({ err }, 'cannot switch the strike relay on; the door stays locked');
      this.relayError = errorText(err);
      this.state = { ...this.state, relayOn: false, unlockedUntil: null };
      this.driveOff();
    }
  }

  /** Drive the relay off and verify; on failure log at error level and retry until it works. */
  private driveOff(): void {
    let problem: string | null = null;
    try {
      this.io.relay.set(false);
      let stillOn = false;
      try {
        stillOn = this.io.relay.isOn;
      } catch {
        stillOn = false; // read-back unavailable: trust the write
      }
      if (stillOn) problem = 'relay still reads on after being driven off';
    } catch (err) {
      problem = errorText(err);
    }
    if (problem === null) {
      if (this.relayError !== null) this.log.warn('strike relay is off again');
      this.relayError = null;
      this.clearTimer('retryTimer');
      return;
    }
    this.log.error({ problem }, 'CANNOT SWITCH THE STRIKE RELAY OFF; retrying');
    this.relayError = problem;
    if (this.retryTimer === null && !this.stopped) {
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        if (!this.state.relayOn) this.driveOff();
      }, this.relayRetryMs);
    }
  }

  /** Re-arm the tick timer for the machine's next deadline, and the independent guard for the strike end. */
  private arm(): void {
    if (this.stopped) return;
    this.clearTimer('tickTimer');
    const deadline = nextDeadline(this.state, this.timing);
    if (deadline !== null) {
      this.tickTimer = setTimeout(() => {
        this.tickTimer = null;
        this.dispatch({ type: 'tick', now: this.now() });
      }, Math.max(0, deadline - this.now()));
    }
    const until = this.state.relayOn ? this.state.unlockedUntil : null;
    if (until !== this.guardAt) {
      this.clearTimer('guardTimer');
      this.guardAt = until;
      if (until !== null) {
        this.guardTimer = setTimeout(() => this.guard(), Math.max(0, until - this.now()));
      }
    }
  }

  /** The guard: at strike end the relay goes off, whatever the machine's timer or the clock say. */
  private guard(): void {
    this.guardTimer = null;
    this.guardAt = null;
    const s = this.state;
    const early = s.relayOn && s.unlockedUntil !== null ? s.unlockedUntil - this.now() : 0;
    if (early > 0) {
      // Timer fired before the clock reached strike end (wall clock stepped back, or ms rounding): off anyway.
      this.log[early > 1000 ? 'warn' : 'debug']({ earlyMs: early }, 'strike guard fired before the clock reached strike end; relay off anyway');
    }
    this.relayOff();
    this.dispatch({ type: 'tick', now: this.now() });
  }

  private clearTimer(which: 'tickTimer' | 'guardTimer' | 'retryTimer' | 'fireTimer'): void {
    const t = this[which];
    if (t !== null) clearTimeout(t);
    this[which] = null;
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
