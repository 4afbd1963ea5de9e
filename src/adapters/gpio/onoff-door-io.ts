/**
 * Door I/O on Raspberry Pi GPIO through sysfs, using `onoff`.
 *
 * Fail secure: the relay pin is exported straight into its OFF level (direction `low`, or `high` for an
 * active-low relay: sysfs `high`/`low` are physical levels, applied before anything else can drive the pin),
 * then driven off again and read back. The status LED and buzzer (`gpio.indicators`) are set up the same way at their
 * off level (onoff-outputs.ts), the UPS's mains signal (`gpio.mains`) as one more input. If any pin cannot be set up,
 * pins already set up are released, relay first and off. Note: onoff always uses /sys/class/gpio; `gpio.sysfsRoot` is used for the chip
 * lookup, the preflight check and cleanup, so in production it must stay /sys/class/gpio.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Gpio, type BinaryValue, type Direction, type Edge, type Options, type ValueCallback } from 'onoff';
import type { GpioConfig } from '../../config/schema.js';
import type { Log } from '../../ports/log.js';
import type { DigitalInput, DoorIndicators, DoorIo, FireInputs, Relay } from '../../ports/hardware.js';
import { assertSysfsGpio, resolveChipBase, type ChipBase } from './chip-base.js';
import { createIndicatorOutput, createOutputPin } from './onoff-outputs.js';

/** The part of onoff's `Gpio` this adapter uses. */
export interface GpioPin {
  /** Read the logical value (active_low applied). */
  readSync(): BinaryValue;
  /** Write the logical value (active_low applied). */
  writeSync(value: BinaryValue): void;
  /** Subscribe to (debounced) edges. */
  watch(callback: ValueCallback): void;
  /** Unsubscribe one callback, or all without an argument. */
  unwatch(callback?: ValueCallback): void;
  /** Whether the pin's active_low attribute is set. */
  activeLow(): boolean;
  /** Unwatch all and unexport the pin. */
  unexport(): void;
}

/** A constructor compatible with onoff's `Gpio`. */
export type GpioFactory = new (gpio: number, direction: Direction, edge?: Edge, options?: Options) => GpioPin;

/** Injection points (tests); every field is optional. */
export interface OnoffDoorIoDeps {
  /** The Gpio class (default: onoff's). */
  Gpio?: GpioFactory;
  /** Chip base lookup (default: `resolveChipBase(cfg)`). */
  resolveChipBase?: (cfg: GpioConfig) => ChipBase;
  /** Preflight check of the sysfs tree (default: `assertSysfsGpio(cfg.sysfsRoot)`). */
  preflight?: (cfg: GpioConfig) => void;
  /** Clock for input change timestamps (default Date.now). */
  now?: () => number;
}

/** The roles, as named in error messages. */
export const PIN_ROLES = {
  relay: 'door strike relay', doorSwitch: 'door position switch', exitButton: 'exit button',
  fireAlarm: 'fire alarm line', fireSupervision: 'fire alarm supervision line',
  green: 'status LED green', red: 'status LED red', amber: 'status LED amber', buzzer: 'buzzer', mains: 'UPS mains signal',
} as const;

function errCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Turn a pin setup failure into an error naming the role, BCM pin and sysfs number, with a hint. */
export function describePinError(role: string, bcm: number, sysfs: number, err: unknown, base: ChipBase): Error {
  const code = errCode(err);
  const msg = err instanceof Error ? err.message : String(err);
  let why: string;
  switch (code) {
    case 'EBUSY':
      why = 'EBUSY, another program or kernel driver holds it (check `gpioinfo`, dtoverlay/dtparam lines in config.txt, or another pintu instance)';
      break;
    case 'ENOENT':
      why = 'ENOENT, the sysfs GPIO files are missing (kernel without CONFIG_GPIO_SYSFS, or the pin did not appear after export)';
      break;
    case 'EACCES':
    case 'EPERM':
      why = `${code}, permission denied: run pintu as a member of the "gpio" group`;
      break;
    case 'EINVAL':
      why =
        `EINVAL, the kernel has no GPIO ${sysfs}: check gpio.chipBase ` +
        (base.source === 'auto' && base.chip ? `(auto found ${base.chip.name} "${base.chip.label}")` : `(set to ${base.base}; try "auto")`);
      break;
    default:
      why = code ? `${code}, ${msg}` : msg;
  }
  return new Error(`${role} on BCM ${bcm} (sysfs ${sysfs}): ${why}`, { cause: err });
}

/** Create door I/O on GPIO. Throws a clear error (and leaves no pin exported, relay off) if any pin cannot be set up. */
export function createOnoffDoorIo(cfg: GpioConfig, log: Log, deps: OnoffDoorIoDeps = {}): DoorIo {
  const glog = log.child({ component: 'gpio' });
  const GpioClass: GpioFactory = deps.Gpio ?? (Gpio as unknown as GpioFactory);
  const now = deps.now ?? (() => Date.now());
  (deps.preflight ?? ((c: GpioConfig) => assertSysfsGpio(c.sysfsRoot)))(cfg);
  const base = (deps.resolveChipBase ?? resolveChipBase)(cfg);

  const sysfsOf = (role: string, bcm: number): number => {
    if (base.chip && bcm >= base.chip.ngpio) {
      throw new Error(`${role} on BCM ${bcm}: ${base.chip.name} "${base.chip.label}" has only ${base.chip.ngpio} lines`);
    }
    return base.base + bcm;
  };

  /** Export one pin; on failure, unexport it if this call exported it, and throw a described error. */
  const open = (role: string, bcm: number, direction: Direction, edge: Edge | undefined, options: Options): { pin: GpioPin; sysfs: number } => {
    const sysfs = sysfsOf(role, bcm);
    const dir = join(cfg.sysfsRoot, `gpio${sysfs}`);
    const existed = existsSync(dir);
    if (existed) glog.warn({ role, bcm, sysfs }, 'pin was already exported (a pintu that did not exit cleanly, or another program); taking it over');
    try {
      return { pin: new GpioClass(sysfs, direction, edge, options), sysfs };
    } catch (err) {
      if (!existed && existsSync(dir)) {
        try {
          writeFileSync(join(cfg.sysfsRoot, 'unexport'), String(sysfs));
        } catch (e) {
          glog.warn({ err: e, sysfs }, 'could not unexport a half-configured pin');
        }
      }
      throw describePinError(role, bcm, sysfs, err, base);
    }
  };

  const created: Array<{ close(): void }> = [];
  try {
    const relay = createRelay(cfg, glog, open);
    created.push(relay);
    const doorSwitch = createInput(PIN_ROLES.doorSwitch, cfg.doorSwitch, glog, open, now);
    created.push(doorSwitch);
    const exitButton = createInput(PIN_ROLES.exitButton, cfg.exitButton, glog, open, now);
    created.push(exitButton);
    let fire: FireInputs | undefined;
    if (cfg.fireAlarm) {
      const alarm = createInput(PIN_ROLES.fireAlarm, cfg.fireAlarm, glog, open, now);
      created.push(alarm);
      const supervision = createInput(PIN_ROLES.fireSupervision, cfg.fireAlarm.supervision, glog, open, now);
      created.push(supervision);
      fire = { alarm, supervision };
    }
    // The status LED and buzzer, each at its off level; then the mains signal.
    let indicators: DoorIndicators | undefined;
    for (const name of ['green', 'red', 'amber', 'buzzer'] as const) {
      const c = cfg.indicators?.[name];
      if (!c) continue;
      const out = createIndicatorOutput(PIN_ROLES[name], c, glog, open);
      created.push(out);
      indicators = { ...indicators, [name]: out };
    }
    const mains = cfg.mains ? createInput(PIN_ROLES.mains, cfg.mains, glog, open, now) : undefined;
    if (mains) created.push(mains);
    glog.info(
      {
        chipBase: base.base,
        chip: base.chip ? `${base.chip.name} ${base.chip.label}` : 'config',
        relay: cfg.relay.pin,
        doorSwitch: cfg.doorSwitch.pin,
        exitButton: cfg.exitButton.pin,
        ...(cfg.fireAlarm ? { fireAlarm: cfg.fireAlarm.pin, fireSupervision: cfg.fireAlarm.supervision.pin } : {}),
        ...(cfg.indicators ? { indicators: cfg.indicators } : {}),
        ...(cfg.mains ? { mains: cfg.mains.pin } : {}),
      },
      'GPIO door I/O ready, relay off',
    );
    let closed = false;
    return {
      relay,
      doorSwitch,
      exitButton,
      ...(fire ? { fire } : {}),
      ...(indicators ? { indicators } : {}),
      ...(mains ? { mains } : {}),
      // What relay-off needs to find this strike again without the config: the pin, its polarity, the sysfs number used.
      relayPin: { hardware: 'gpio', pin: cfg.relay.pin, activeLow: cfg.relay.activeLow, sysfsNumber: base.base + cfg.relay.pin, sysfsRoot: cfg.sysfsRoot },
      close(): void {
        if (closed) return;
        closed = true;
        // created[0] is the relay: off and released first, then every other pin in setup order.
        for (const c of created) c.close();
      },
    };
  } catch (err) {
    // created[0] is the relay: closing it drives it off before unexporting.
    for (const c of created) c.close();
    glog.error({ err }, 'GPIO setup failed; released the pins already set up');
    throw err;
  }
}

type Opener = (role: string, bcm: number, direction: Direction, edge: Edge | undefined, options: Options) => { pin: GpioPin; sysfs: number };

function createRelay(cfg: GpioConfig, log: Log, open: Opener): Relay {
  return createOutputPin(PIN_ROLES.relay, cfg.relay, log, open, { strike: true });
}

function createInput(
  role: string,
  cfgPin: { pin: number; activeLow: boolean; debounceMs: number },
  log: Log,
  open: Opener,
  now: () => number,
): DigitalInput {
  const { pin: bcm, activeLow, debounceMs } = cfgPin;
  const { pin, sysfs } = open(role, bcm, 'in', 'both', { activeLow, debounceTimeout: debounceMs });
  try {
    if (pin.activeLow() !== activeLow) throw new Error(`active_low reads ${String(!activeLow)}, expected ${String(activeLow)}`);
  } catch (err) {
    try {
      pin.unexport();
    } catch {
      // ignore: the original error matters more
    }
    throw new Error(`${role} on BCM ${bcm} (sysfs ${sysfs}): ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  let closed = false;
  const read = (): boolean => pin.readSync() === 1;
  return {
    read,
    watch(onChange: (active: boolean, at: number) => void): () => void {
      if (closed) throw new Error(`${role} on BCM ${bcm} is closed`);
      let last: boolean | null = null;
      try {
        last = read();
      } catch {
        last = null;
      }
      const handler: ValueCallback = (err, value) => {
        if (err) {
          log.warn({ err, role, bcm }, 'GPIO watch error');
          return;
        }
        const active = value === 1;
        if (active === last) return; // debounce can report the same level twice
        last = active;
        onChange(active, now());
      };
      pin.watch(handler);
      return () => {
        if (!closed) pin.unwatch(handler);
      };
    },
    close(): void {
      if (closed) return;
      closed = true;
      try {
        pin.unwatch();
        pin.unexport();
      } catch (err) {
        log.warn({ err, role, bcm, sysfs }, 'could not release input pin');
      }
    },
  };
}
