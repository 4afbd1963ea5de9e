/**
 * The sysfs (onoff) door I/O's plain outputs: the status LED colours and the buzzer (issue 16). Each is exported
 * straight into its OFF level like the strike (direction `low`, or `high` for an active-low driver: sysfs levels are
 * physical), checked, and driven off again and released at close. A failing write is thrown to the caller (the
 * signals service logs it); it never touches the strike.
 */
import type { Direction, Edge, Options } from 'onoff';
import type { DigitalOutput } from '../../ports/hardware.js';
import type { Log } from '../../ports/log.js';

/** The part of onoff's `Gpio` an output uses. */
export interface OutputPin {
  /** Read the logical value (active_low applied). */
  readSync(): 0 | 1;
  /** Write the logical value (active_low applied). */
  writeSync(value: 0 | 1): void;
  /** Whether the pin's active_low attribute is set. */
  activeLow(): boolean;
  /** Unexport the pin. */
  unexport(): void;
}

/** Exports one pin (the adapter's opener: it names the role and cleans up a half-exported pin on failure). */
export type OutputOpener = (role: string, bcm: number, direction: Direction, edge: Edge | undefined, options: Options) => { pin: OutputPin; sysfs: number };

/** Create one indicator output at its OFF level; throws an error naming the role and pin (the pin released) if it is not. */
export function createIndicatorOutput(role: string, cfgPin: { pin: number; activeLow: boolean }, log: Log, open: OutputOpener): DigitalOutput {
  const { pin: bcm, activeLow } = cfgPin;
  const { pin, sysfs } = open(role, bcm, activeLow ? 'high' : 'low', undefined, { activeLow });
  try {
    if (pin.activeLow() !== activeLow) throw new Error(`active_low reads ${String(!activeLow)}, expected ${String(activeLow)}`);
    pin.writeSync(0);
  } catch (err) {
    try {
      pin.unexport();
    } catch {
      // ignore: the original error matters more
    }
    throw new Error(`${role} on BCM ${bcm} (sysfs ${sysfs}): ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  let on = false;
  let closed = false;
  return {
    set(value: boolean): void {
      if (closed) return;
      pin.writeSync(value ? 1 : 0);
      on = value;
    },
    get isOn(): boolean {
      return !closed && on;
    },
    close(): void {
      if (closed) return;
      closed = true;
      try {
        pin.writeSync(0);
        on = false;
      } catch (err) {
        log.warn({ err, role, bcm, sysfs }, 'could not drive an indicator off while closing');
      }
      try {
        pin.unexport();
      } catch (err) {
        log.warn({ err, role, bcm, sysfs }, 'could not unexport an indicator pin');
      }
    },
  };
}
