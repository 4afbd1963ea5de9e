/**
 * The sysfs (onoff) door I/O's outputs: the strike relay and the status LED colours and buzzer (issue 16). Each is
 * exported straight into its OFF level (direction `low`, or `high` for an active-low driver: sysfs levels are physical),
 * checked, and driven off again and released at close. An indicator's failing write is thrown to the caller (the
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

/**
 * How strict an output is. The strike (`strike: true`) is read back after being driven off at setup, refuses to switch
 * on once closed, reports the level read back from the pin, and logs a failure to drive it off as an error. An
 * indicator only tracks what it was told and ignores writes after close.
 */
export interface OutputKind {
  /** The door-strike relay. */
  strike: boolean;
}

/**
 * Export one output pin straight into its OFF level (sysfs `low`/`high` set the PHYSICAL level: off is low for an
 * active-high output, high for an active-low one), check its polarity, drive it off; on any failure drive it off,
 * release it and throw an error naming the role and pin.
 */
export function createOutputPin(role: string, cfgPin: { pin: number; activeLow: boolean }, log: Log, open: OutputOpener, kind: OutputKind): DigitalOutput {
  const { pin: bcm, activeLow } = cfgPin;
  const { pin, sysfs } = open(role, bcm, activeLow ? 'high' : 'low', undefined, { activeLow });
  try {
    if (pin.activeLow() !== activeLow) {
      throw new Error(`active_low reads ${String(!activeLow)}, expected ${String(activeLow)}${kind.strike ? '; refusing to drive a relay of unknown polarity' : ''}`);
    }
    pin.writeSync(0);
    if (kind.strike && pin.readSync() !== 0) throw new Error('reads on after being driven off');
  } catch (err) {
    try {
      pin.writeSync(0);
    } catch {
      // already failing; the unexport below returns the pin to the kernel
    }
    try {
      pin.unexport();
    } catch {
      // ignore: the original error matters more
    }
    throw new Error(`${role} on BCM ${bcm} (sysfs ${sysfs}): ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  let last = false;
  let closed = false;
  const what = kind.strike ? 'the strike relay' : 'an indicator';
  return {
    set(on: boolean): void {
      if (closed) {
        if (on && kind.strike) throw new Error(`${role} on BCM ${bcm} is closed`);
        return;
      }
      pin.writeSync(on ? 1 : 0);
      last = on;
    },
    get isOn(): boolean {
      if (closed) return false;
      if (!kind.strike) return last;
      try {
        return pin.readSync() === 1;
      } catch {
        return last;
      }
    },
    close(): void {
      if (closed) return;
      closed = true;
      try {
        pin.writeSync(0);
        last = false;
      } catch (err) {
        log[kind.strike ? 'error' : 'warn']({ err, role, bcm, sysfs }, `could not drive ${what} off while closing`);
      }
      try {
        pin.unexport();
      } catch (err) {
        log.warn({ err, role, bcm, sysfs }, `could not unexport ${what} pin`);
      }
    },
  };
}

/** Create one indicator output at its OFF level; throws an error naming the role and pin (the pin released) if it is not. */
export function createIndicatorOutput(role: string, cfgPin: { pin: number; activeLow: boolean }, log: Log, open: OutputOpener): DigitalOutput {
  return createOutputPin(role, cfgPin, log, open, { strike: false });
}
