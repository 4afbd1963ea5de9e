/**
 * Drives the pure door machine (domain/door.ts) with real door I/O and timers.
 *
 * Fail secure: the relay is driven off before anything else at start, on stop, and by an independent
 * guard timer at every strike end whatever the machine says. A relay that cannot be driven off is
 * retried every `relayRetryMs` and logged at error level until it obeys.
 */
import type { DoorIo } from '../ports/hardware.js';
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
/** The arguments of a door event sink, one tuple per door event type. */
export type DoorEventArgs = { [E in DoorEvent as E['type']]: [type: E['type'], data: E['data'], at: number] }[DoorEvent['type']];

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

  /** Create a controller; nothing touches the hardware until `start()`. */
  constructor(opts: DoorControllerOptions) {
    this.io = opts.io;
    this.timing = opts.timing;
    this.log = opts.log.child({ component: 'door' });
    this.onEvent = opts.onEvent;
    this.now = opts.now ?? (() => Date.now());
    this.relayRetryMs = opts.relayRetryMs ?? 1000;
    this.state = initialDoorState(this.now(), false);
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
    // No retry timer after stop: try a few times now, then leave it to DoorIo.close() (which drives off first).
    for (let attempt = 0; attempt < 3; attempt++) {
      this.relayOff();
      if (this.relayError === null) break;
    }
    if (this.started) this.log.info('door controller stopped');
  }

  /** Emergency: drive the relay off now (keeps retrying while it fails, unless stopped). Never throws. */
  relayOff(): void {
    if (this.state.relayOn) {
      // Keep the machine consistent: it must not believe the strike is still unlocked.
      this.state = { ...this.state, relayOn: false, unlockedUntil: null };
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

  private clearTimer(which: 'tickTimer' | 'guardTimer' | 'retryTimer'): void {
    const t = this[which];
    if (t !== null) clearTimeout(t);
    this[which] = null;
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
