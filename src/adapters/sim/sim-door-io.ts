/**
 * Simulated door I/O for the demo and tests: a relay that records every change, and two inputs
 * driven by `openDoor()`, `closeDoor()` and `pressExit()`; with `fireInput`, the two fire lines too, driven by
 * `fireAlarm()`, `fireClear()`, `cutFireCable()` and `repairFireCable()`; with `indicators`, the status LED and buzzer
 * as outputs that record every change; with `mainsInput`, the UPS's mains signal, driven by `mainsLost()` / `mainsBack()`.
 */
import type { DigitalInput, DigitalOutput, DoorIndicators, DoorIo, FireInputs, Relay } from '../../ports/hardware.js';

/** The names of the door's indicator outputs. */
export type IndicatorName = keyof DoorIndicators;
/** Every indicator output, in the order the sim creates them. */
const INDICATOR_NAMES: readonly IndicatorName[] = ['green', 'red', 'amber', 'buzzer'];

/** One relay change: the level it was driven to and when (the same record as any output's). */
export type RelayChange = OutputChange;

/** Options of the simulated door. */
export interface SimDoorIoOptions {
  /** Clock used for timestamps (default Date.now; tests pass the fake clock). */
  now?: () => number;
  /** Door open at creation (default false). */
  doorOpen?: boolean;
  /** Relay on at creation, as if left on by a crashed program (default false). */
  relayOn?: boolean;
  /** Wire a supervised fire input (default false): lines normal unless `fire` says otherwise. */
  fireInput?: boolean;
  /** The fire lines at creation (with `fireInput`): `fire` = the panel in alarm, `cut` = the cable cut (default normal). */
  fire?: 'normal' | 'fire' | 'cut';
  /** Wire the status LED and buzzer: true for all four outputs, or the ones named (default none, like a door without). */
  indicators?: boolean | readonly IndicatorName[];
  /** Wire the UPS's mains signal, present at creation (default false). */
  mainsInput?: boolean;
}

/** One change of a simulated output: its level and when. */
export interface OutputChange {
  /** Switched on (true) or off (false). */
  on: boolean;
  /** When, ms (from the sim's clock). */
  at: number;
}

/** A simulated indicator output (one LED colour or the buzzer) with a change history. */
export class SimOutput implements DigitalOutput {
  /** Every change of the level, oldest first (only real changes are recorded). */
  readonly history: OutputChange[] = [];
  /** When set, `set()` throws this error (simulates a failing output). */
  failWith: Error | null = null;
  private on: boolean;
  private closed = false;
  private readonly listeners = new Set<(on: boolean, at: number) => void>();

  /** Create an output at level `initial` (default off), stamping changes with `now`. */
  constructor(private readonly now: () => number, initial = false) {
    this.on = initial;
  }

  /** Whether `close()` was called. */
  protected get isClosed(): boolean {
    return this.closed;
  }

  /** Drive the output; throws `failWith` if set; a closed output stays off. */
  set(on: boolean): void {
    if (this.failWith) throw this.failWith;
    if (this.closed || on === this.on) return;
    this.on = on;
    const at = this.now();
    this.history.push({ on, at });
    for (const l of [...this.listeners]) l(on, at);
  }

  /** Current level. */
  get isOn(): boolean {
    return this.on;
  }

  /** Subscribe to changes; returns the unsubscribe function. */
  onChange(cb: (on: boolean, at: number) => void): () => void {
    this.listeners.add(cb);
    return () => {
      this.listeners.delete(cb);
    };
  }

  /** Drive off (ignoring `failWith`) and close. Idempotent. */
  close(): void {
    if (this.closed) return;
    const fail = this.failWith;
    this.failWith = null;
    this.set(false);
    this.failWith = fail;
    this.closed = true;
    this.listeners.clear();
  }
}

/** A simulated input: level set by the sim, watchers notified on change. */
export class SimInput implements DigitalInput {
  private level: boolean;
  private closed = false;
  private readonly watchers = new Set<(active: boolean, at: number) => void>();

  /** Create an input at `initial` level, stamping changes with `now`. */
  constructor(initial: boolean, private readonly now: () => number) {
    this.level = initial;
  }

  /** Current logical level. */
  read(): boolean {
    return this.level;
  }

  /** Subscribe to changes; returns the unsubscribe function. */
  watch(onChange: (active: boolean, at: number) => void): () => void {
    if (this.closed) throw new Error('sim input is closed');
    this.watchers.add(onChange);
    return () => {
      this.watchers.delete(onChange);
    };
  }

  /** Set the level; watchers hear about it only if it changed. */
  set(active: boolean): void {
    if (this.closed || active === this.level) return;
    this.level = active;
    const at = this.now();
    for (const w of [...this.watchers]) w(active, at);
  }

  /** Number of current watchers (tests check unwatching). */
  get watcherCount(): number {
    return this.watchers.size;
  }

  /** Stop notifying. Idempotent. */
  close(): void {
    this.closed = true;
    this.watchers.clear();
  }
}

/** A simulated strike relay with a change history: an output that also refuses to switch on once closed. */
export class SimRelay extends SimOutput implements Relay {
  /** Create a relay at level `initial`, stamping changes with `now`. */
  constructor(initial: boolean, now: () => number) {
    super(now, initial);
  }

  /** Drive the relay; throws `failWith` if set, or when switching on a closed relay. */
  override set(on: boolean): void {
    if (!this.failWith && this.isClosed && on) throw new Error('sim relay is closed');
    super.set(on);
  }
}

/** Simulated door I/O: relay + door switch + exit button, with helpers to act out a door. */
export class SimDoorIo implements DoorIo {
  /** The strike relay. */
  readonly relay: SimRelay;
  /** Door position switch: active = open. */
  readonly doorSwitch: SimInput;
  /** Exit button: active = pressed. */
  readonly exitButton: SimInput;
  /** The fire lines (with `fireInput`): alarm active = fire, supervision active = loop intact. */
  readonly fire?: FireInputs & { alarm: SimInput; supervision: SimInput };
  /** The status LED and buzzer (with `indicators`): the wired ones. */
  readonly indicators?: { [K in IndicatorName]?: SimOutput };
  /** The UPS's mains signal (with `mainsInput`): active = mains present. */
  readonly mains?: SimInput;

  /** Create the sim door (closed, relay off unless options say otherwise). */
  constructor(opts: SimDoorIoOptions = {}) {
    const now = opts.now ?? (() => Date.now());
    this.relay = new SimRelay(opts.relayOn ?? false, now);
    this.doorSwitch = new SimInput(opts.doorOpen ?? false, now);
    this.exitButton = new SimInput(false, now);
    if (opts.fireInput) {
      const cut = opts.fire === 'cut';
      // A cut cable opens both loops: the alarm line reads active (as a fire would) and the supervision loop broken.
      this.fire = { alarm: new SimInput(opts.fire === 'fire' || cut, now), supervision: new SimInput(!cut, now) };
    }
    const wired = opts.indicators === true ? INDICATOR_NAMES : opts.indicators || [];
    if (wired.length) this.indicators = Object.fromEntries(wired.map((n) => [n, new SimOutput(now)]));
    if (opts.mainsInput) this.mains = new SimInput(true, now);
  }

  /** The UPS reports mains lost (running on battery). */
  mainsLost(): void {
    this.mainsLine().set(false);
  }

  /** The UPS reports mains back. */
  mainsBack(): void {
    this.mainsLine().set(true);
  }

  private mainsLine(): SimInput {
    if (!this.mains) throw new Error('this sim door has no mains input (create it with mainsInput: true)');
    return this.mains;
  }

  private fireLines(): NonNullable<SimDoorIo['fire']> {
    if (!this.fire) throw new Error('this sim door has no fire input (create it with fireInput: true)');
    return this.fire;
  }

  /** The fire alarm panel signals fire (alarm line active, supervision intact). */
  fireAlarm(): void {
    this.fireLines().alarm.set(true);
  }

  /** The fire alarm panel is back to normal. */
  fireClear(): void {
    this.fireLines().alarm.set(false);
  }

  /** The fire cable is cut: both loops open (the alarm line reads active first, then the supervision loop breaks). */
  cutFireCable(): void {
    const f = this.fireLines();
    f.alarm.set(true);
    f.supervision.set(false);
  }

  /** The fire cable is repaired (the panel in alarm or not, as `alarm` says). */
  repairFireCable(alarm = false): void {
    const f = this.fireLines();
    f.supervision.set(true);
    f.alarm.set(alarm);
  }

  /** Relay change history (alias of `relay.history`). */
  get relayHistory(): readonly RelayChange[] {
    return this.relay.history;
  }

  /** Open the door (door switch active). */
  openDoor(): void {
    this.doorSwitch.set(true);
  }

  /** Close the door (door switch inactive). */
  closeDoor(): void {
    this.doorSwitch.set(false);
  }

  /** Press and release the exit button. */
  pressExit(): void {
    this.exitButton.set(true);
    this.exitButton.set(false);
  }

  /** Hook called on every relay change (e.g. the demo prints "strike unlocked"); returns the unsubscribe function. */
  onRelay(cb: (on: boolean, at: number) => void): () => void {
    return this.relay.onChange(cb);
  }

  /** Relay off first, then the indicators off, then release the inputs. Idempotent. */
  close(): void {
    this.relay.close();
    for (const o of Object.values(this.indicators ?? {})) o.close();
    this.mains?.close();
    this.doorSwitch.close();
    this.exitButton.close();
    this.fire?.alarm.close();
    this.fire?.supervision.close();
  }
}
