/**
 * Drive just the strike relay off from its resolved pin (`RelayPinInfo`, e.g. from the daemon's /run record), without
 * the config and without touching any other pin: what `pintu relay-off` does after the daemon is gone.
 *   gpio (sysfs): the kernel GPIO number is exported straight into its OFF level (physical `low`, or `high` for an
 *                 active-low relay), driven off, read back, then released.
 *   gpiod:        the character-device adapter's `forceRelayOffGpiod` (loaded lazily: it needs python3-libgpiod).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Direction } from 'onoff';
import type { RelayPinInfo } from '../../ports/hardware.js';
import type { Log } from '../../ports/log.js';
import { DEFAULT_SYSFS_ROOT } from './chip-base.js';
import type { GpioFactory } from './onoff-door-io.js';

/** Injection points (tests). */
export interface RelayOffDeps {
  /** The Gpio class (default: onoff's, loaded lazily). */
  Gpio?: GpioFactory;
  /** Loads the gpiod adapter module (default: a dynamic import of `./gpiod-door-io.js`). */
  loadGpiod?: () => Promise<{ forceRelayOffGpiod?: (info: RelayPinInfo, log: Log) => unknown }>;
}

/** Drive the relay of `info` off and release it; throws an error naming the pin and the cause. */
export async function forceRelayOff(info: RelayPinInfo, log: Log, deps: RelayOffDeps = {}): Promise<void> {
  if (info.hardware === 'gpiod') {
    let mod: Awaited<ReturnType<NonNullable<RelayOffDeps['loadGpiod']>>>;
    try {
      mod = await (deps.loadGpiod ?? (() => import('./gpiod-door-io.js')))();
    } catch (err) {
      throw new Error(`strike relay on BCM ${info.pin} (${info.chip ?? 'gpiod'}): this build has no gpiod door I/O (${(err as Error).message}); drive it off by hand: gpioset ${info.chip ?? 'gpiochip0'} ${info.pin}=${info.activeLow ? 1 : 0}`, { cause: err });
    }
    if (typeof mod.forceRelayOffGpiod !== 'function') throw new Error(`strike relay on BCM ${info.pin}: the gpiod door I/O of this build cannot drive the relay off alone`);
    await mod.forceRelayOffGpiod(info, log);
    return;
  }
  await forceRelayOffSysfs(info, log, deps.Gpio);
}

/** sysfs: export the relay's kernel GPIO number at its OFF level, drive off, read back, unexport. */
export async function forceRelayOffSysfs(info: RelayPinInfo, log: Log, GpioClass?: GpioFactory): Promise<void> {
  const sysfs = info.sysfsNumber;
  const where = `strike relay on BCM ${info.pin} (sysfs ${sysfs ?? '?'})`;
  if (sysfs === undefined) throw new Error(`${where}: the record has no sysfs number`);
  const root = info.sysfsRoot ?? DEFAULT_SYSFS_ROOT;
  if (!existsSync(join(root, 'export'))) throw new Error(`${where}: ${root}/export does not exist (no sysfs GPIO on this kernel)`);
  const Gpio = GpioClass ?? ((await import('onoff')).Gpio as unknown as GpioFactory);
  // sysfs "low"/"high" set the PHYSICAL level: off is low for an active-high relay, high for an active-low one.
  const offDirection: Direction = info.activeLow ? 'high' : 'low';
  let pin;
  try {
    pin = new Gpio(sysfs, offDirection, undefined, { activeLow: info.activeLow });
  } catch (err) {
    throw new Error(`${where}: ${(err as NodeJS.ErrnoException).code ?? ''} ${(err as Error).message}`.trim(), { cause: err });
  }
  try {
    pin.writeSync(0);
    if (pin.readSync() !== 0) throw new Error('reads on after being driven off');
  } catch (err) {
    throw new Error(`${where}: ${(err as Error).message}`, { cause: err });
  } finally {
    try { pin.unexport(); } catch (err) { log.warn({ err, bcm: info.pin, sysfs }, 'could not unexport the strike relay pin'); }
  }
}
