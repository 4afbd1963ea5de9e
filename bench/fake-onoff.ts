/**
 * Benchmark hardware edge: a stand-in for the `onoff` binding module, loaded into a real `pintu run` by
 * `gpio-hook.ts` (the GPIO pins are the one part this machine cannot have). It behaves like a door with a person at it:
 *   - the strike relay (sysfs number `BENCH_RELAY_SYSFS`) reports every change on fd `BENCH_RELAY_FD` as
 *     `<1|0> <monotonic ns>` — the moment pintu's door I/O adapter drove the pin, on the clock every process shares;
 *   - once the relay goes on, the person opens the door (door switch `BENCH_DOOR_SYSFS` active after
 *     `BENCH_OPEN_MS`) and closes it again `BENCH_PASS_MS` later, so every grant is used, as at a real door.
 */
import { writeSync } from 'node:fs';

type Value = 0 | 1;
type Callback = (err: Error | null | undefined, value: Value) => void;

const RELAY = Number(process.env.BENCH_RELAY_SYSFS ?? -1);
const DOOR = Number(process.env.BENCH_DOOR_SYSFS ?? -1);
const FD = Number(process.env.BENCH_RELAY_FD ?? 3);
const OPEN_MS = Number(process.env.BENCH_OPEN_MS ?? 2);
const PASS_MS = Number(process.env.BENCH_PASS_MS ?? 4);
const pins = new Map<number, Gpio>();

/** Report a relay change to the bench (best effort: a closed pipe must not take the door down). */
function report(value: Value): void {
  try { writeSync(FD, `${value} ${process.hrtime.bigint()}\n`); } catch { /* the bench went away */ }
}

/** One fake pin with onoff's synchronous API (logical values: active_low already applied). */
export class Gpio {
  /** onoff's constants. */
  static readonly HIGH = 1;
  /** onoff's constants. */
  static readonly LOW = 0;
  /** Always accessible. */
  static readonly accessible = true;
  private value: Value = 0;
  private readonly watchers = new Set<Callback>();
  private readonly low: boolean;

  /** Export a pin (nothing to do here but remember it). */
  constructor(private readonly gpio: number, direction: string, _edge?: string, options?: { activeLow?: boolean }) {
    this.low = options?.activeLow ?? false;
    if (direction === 'high') this.value = 1;
    pins.set(gpio, this);
  }

  /** The logical level. */
  readSync(): Value { return this.value; }

  /** Drive the pin; the relay reports the change and a person walks through. */
  writeSync(value: Value): void {
    const changed = value !== this.value;
    this.value = value;
    if (this.gpio !== RELAY || !changed) return;
    report(value);
    if (value !== 1) return;
    const door = pins.get(DOOR);
    if (!door) return;
    setTimeout(() => { door.set(1); setTimeout(() => door.set(0), PASS_MS); }, OPEN_MS);
  }

  /** Set an input's level as the wiring would, notifying watchers. */
  set(value: Value): void {
    if (value === this.value) return;
    this.value = value;
    for (const w of [...this.watchers]) w(null, value);
  }

  /** Subscribe to edges. */
  watch(cb: Callback): void { this.watchers.add(cb); }

  /** Unsubscribe one callback, or all. */
  unwatch(cb?: Callback): void { if (cb) this.watchers.delete(cb); else this.watchers.clear(); }

  /** Unsubscribe all. */
  unwatchAll(): void { this.watchers.clear(); }

  /** Whether active_low is set. */
  activeLow(): boolean { return this.low; }

  /** Release the pin. */
  unexport(): void { this.watchers.clear(); pins.delete(this.gpio); }
}

export default { Gpio };
