/**
 * A fake of onoff's `Gpio` for tests at the binding's edge: records every pin, its options and every physical level it
 * is driven to. Use with `vi.mock('onoff', async () => ({ Gpio: (await import('../helpers/fake-onoff.js')).FakeGpio }))`.
 */
import { mkdirSync } from 'node:fs';

type Cb = (err: Error | null | undefined, value: 0 | 1) => void;

/** What every fake pin did, in order ("new 529 low", "write 529 0", "unexport 529"). */
export const ops: string[] = [];
/** The pins created, by sysfs number. */
export const pins = new Map<number, FakeGpio>();
/** sysfs number -> error code thrown by the constructor. */
export const failOn = new Map<number, string>();
/**
 * When `halfExportRoot` is set, a failing constructor first "exports" the pin by creating gpioN under this root; when
 * `reportActiveLow` is set, every pin's active_low attribute reads it (a kernel that did not apply the option).
 */
export const state = { halfExportRoot: null as string | null, reportActiveLow: null as boolean | null };

/** Forget every pin and failure (call before each test). */
export function resetFakeOnoff(): void {
  ops.length = 0;
  pins.clear();
  failOn.clear();
  state.halfExportRoot = null;
  state.reportActiveLow = null;
}

/** One fake sysfs pin. */
export class FakeGpio {
  /** The physical level (what the wire carries). */
  physical: number;
  /** Every physical level an output was at, from its export on. */
  physicalHistory: number[] = [];
  /** Edge watchers. */
  listeners: Cb[] = [];
  /** Unexported. */
  unexported = false;
  /** The active_low option given. */
  readonly activeLowOpt: boolean;
  /** Export a pin, like onoff: direction `high`/`low` set the physical level at once. */
  constructor(
    readonly gpio: number,
    readonly dir: string,
    readonly edge?: string,
    readonly options: { activeLow?: boolean; debounceTimeout?: number } = {},
  ) {
    const code = failOn.get(gpio);
    if (code) {
      if (state.halfExportRoot) mkdirSync(`${state.halfExportRoot}/gpio${gpio}`);
      throw Object.assign(new Error(`${code}: fake failure, write '/sys/class/gpio/export'`), { code });
    }
    this.activeLowOpt = options.activeLow ?? false;
    this.physical = dir === 'high' ? 1 : 0;
    if (dir !== 'in') this.physicalHistory.push(this.physical);
    ops.push(`new ${gpio} ${dir}`);
    pins.set(gpio, this);
  }
  /** Logical level. */
  readSync(): 0 | 1 {
    return (this.physical ^ (this.activeLowOpt ? 1 : 0)) as 0 | 1;
  }
  /** Write a logical level. */
  writeSync(v: 0 | 1): void {
    if (this.unexported) throw new Error('EBADF');
    this.physical = v ^ (this.activeLowOpt ? 1 : 0);
    this.physicalHistory.push(this.physical);
    ops.push(`write ${this.gpio} ${v}`);
  }
  /** Watch edges. */
  watch(cb: Cb): void {
    this.listeners.push(cb);
  }
  /** Unwatch one or all. */
  unwatch(cb?: Cb): void {
    this.listeners = cb ? this.listeners.filter((l) => l !== cb) : [];
  }
  /** The active_low attribute. */
  activeLow(): boolean {
    return state.reportActiveLow ?? this.activeLowOpt;
  }
  /** Unexport. */
  unexport(): void {
    this.listeners = [];
    this.unexported = true;
    ops.push(`unexport ${this.gpio}`);
  }
  /** Test helper: the input changes to physical level `p` (after debounce). */
  drive(p: 0 | 1): void {
    this.physical = p;
    for (const l of [...this.listeners]) l(null, this.readSync());
  }
}
