/**
 * Drives the door's status LED and buzzer (`io.indicators`) from the committed events, by the pure patterns of
 * domain/door-signals.ts. Off the tap path: it hears events only after they were committed and the strike was driven
 * (the tap handler's `onEvents`), and even then only queues them; the outputs change on the next turn of the event
 * loop. An output that fails is logged once and left alone: no signal ever touches the strike.
 */
import {
  SIGNAL_OUTPUTS, SIGNAL_PATTERNS, initialSignalState, levelAt, nextSignalChange, nextToggle, signalInputOf, signalOf, stepSignals,
  type DoorSignal, type SignalOutput, type SignalState, type SignalTiming,
} from '../domain/door-signals.js';
import type { DigitalOutput, DoorIndicators } from '../ports/hardware.js';
import type { StoredEvent } from '../ports/store.js';
import type { Log } from '../ports/log.js';

/** What `DoorSignals` needs. */
export interface DoorSignalsOptions {
  /** The wired outputs (absent or empty: nothing is driven, the signal is still followed). */
  indicators: DoorIndicators | undefined;
  /** How long the tap flashes last. */
  timing: SignalTiming;
  /** Parent logger; logs as `{component: 'signals'}`. */
  log: Log;
  /** Clock, ms (default the monotonic `performance.now()`: a wall clock set back never stalls a blink). */
  now?: () => number;
  /** Told every change of the signal shown (the demo prints it); exceptions are logged and ignored. */
  onSignal?: (signal: DoorSignal, at: number) => void;
  /** Runs queued events later (default setImmediate): never in the caller's turn. */
  later?: (run: () => void) => void;
}

/** The door's signals for the visitor: `start()`, `observe(events)` from the event stream, `stop()`. */
export class DoorSignals {
  private readonly outputs: Array<[SignalOutput, DigitalOutput]>;
  private readonly log: Log;
  private readonly now: () => number;
  private readonly later: (run: () => void) => void;
  private state: SignalState = initialSignalState();
  private shown: DoorSignal = 'idle';
  private running = false;
  private queued: StoredEvent[] = [];
  private scheduled = false;
  private signalTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly toggleTimers = new Map<SignalOutput, ReturnType<typeof setTimeout>>();
  private readonly failing = new Set<SignalOutput>();
  /** A tap was heard since the last render: its signal starts again (its beeps repeat) even when it already shows. */
  private restart = false;

  /** Create the service; nothing is driven until `start()`. */
  constructor(private readonly opts: DoorSignalsOptions) {
    const ind = opts.indicators ?? {};
    this.outputs = SIGNAL_OUTPUTS.flatMap((name) => (ind[name] ? [[name, ind[name]] as [SignalOutput, DigitalOutput]] : []));
    this.log = opts.log.child({ component: 'signals' });
    this.now = opts.now ?? (() => performance.now());
    this.later = opts.later ?? ((run) => void setImmediate(run));
  }

  /** The signal shown now. */
  get signal(): DoorSignal {
    return this.shown;
  }

  /** Every output off, then follow the events. Idempotent. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.state = initialSignalState();
    this.shown = 'idle';
    for (const [name] of this.outputs) this.drive(name, false);
    if (this.outputs.length) this.log.info({ outputs: this.outputs.map(([n]) => n) }, 'door status LED and buzzer ready');
  }

  /** Queue committed events; they change the signal on a later turn of the event loop. Cheap; never throws. */
  observe(events: readonly StoredEvent[]): void {
    if (!this.running || events.length === 0) return;
    for (const e of events) this.queued.push(e);
    if (this.scheduled) return;
    this.scheduled = true;
    try {
      this.later(() => this.flush());
    } catch (err) {
      this.scheduled = false;
      this.log.warn({ err: (err as Error).message }, 'could not schedule the door signals');
    }
  }

  /** Stop following events: timers cancelled, every output off (the door I/O's close releases the pins). Idempotent. */
  stop(): void {
    this.running = false;
    this.queued = [];
    if (this.signalTimer !== null) clearTimeout(this.signalTimer);
    this.signalTimer = null;
    for (const t of this.toggleTimers.values()) clearTimeout(t);
    this.toggleTimers.clear();
    for (const [name] of this.outputs) this.drive(name, false);
    this.shown = 'idle';
  }

  /** Apply the queued events in order, then show the resulting signal. */
  private flush(): void {
    this.scheduled = false;
    if (!this.running) return;
    const events = this.queued;
    this.queued = [];
    const now = this.now();
    for (const e of events) {
      const input = signalInputOf(e.type, e.data, now);
      if (!input) continue;
      this.state = stepSignals(this.state, input, this.opts.timing);
      if (input.type === 'granted' || input.type === 'refused' || input.type === 'awaiting-escort') this.restart = true;
    }
    this.render(now);
  }

  /** Show the signal due at `now` (patterns restart only when the signal changes), and arm its own end. */
  private render(now: number): void {
    this.state = stepSignals(this.state, { type: 'tick', now }, this.opts.timing);
    const signal = signalOf(this.state, now);
    const again = this.restart && (signal === 'granted' || signal === 'refused' || signal === 'awaiting-escort');
    this.restart = false;
    if (signal !== this.shown || again) {
      this.shown = signal;
      for (const [name] of this.outputs) this.startPattern(name);
      this.log.debug({ signal }, 'door signal');
      try {
        this.opts.onSignal?.(signal, now);
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, 'door signal listener threw');
      }
    }
    if (this.signalTimer !== null) clearTimeout(this.signalTimer);
    this.signalTimer = null;
    const next = nextSignalChange(this.state, now);
    if (next !== null) {
      this.signalTimer = setTimeout(() => {
        this.signalTimer = null;
        if (this.running) this.render(this.now());
      }, Math.max(0, next - now));
      this.signalTimer.unref?.();
    }
  }

  /**
   * Start the shown signal's pattern on one output and step it from edge to edge, each timer set for the gap to the
   * next edge: a late timer (a busy door) delays a beep but never skips one, so every tap's beeps are all heard.
   */
  private startPattern(name: SignalOutput): void {
    const old = this.toggleTimers.get(name);
    if (old !== undefined) clearTimeout(old);
    this.toggleTimers.delete(name);
    const pattern = SIGNAL_PATTERNS[this.shown][name];
    let at = 0;
    const step = (): void => {
      this.drive(name, levelAt(pattern, at));
      const next = nextToggle(pattern, at);
      if (next === null) {
        this.toggleTimers.delete(name);
        return;
      }
      const t = setTimeout(() => {
        if (this.running) step();
      }, next - at);
      at = next;
      t.unref?.();
      this.toggleTimers.set(name, t);
    };
    step();
  }

  /** Drive one output; a failure is logged once per run of failures and never thrown. */
  private drive(name: SignalOutput, on: boolean): void {
    const out = this.outputs.find(([n]) => n === name)?.[1];
    if (!out) return;
    try {
      out.set(on);
      if (this.failing.delete(name)) this.log.info({ output: name }, 'door signal output works again');
    } catch (err) {
      if (!this.failing.has(name)) this.log.warn({ err: (err as Error).message, output: name }, 'door signal output failed; the door works without it');
      this.failing.add(name);
    }
  }
}
