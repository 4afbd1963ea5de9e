/**
 * Find the sysfs GPIO number of BCM 0 on a Raspberry Pi.
 *
 * The sysfs number of a pin is `base + BCM`, where `base` belongs to the GPIO chip that drives the
 * 40-pin header. Since Linux 6.6 bases are allocated from 512 upwards, so BCM 17 is no longer 17:
 * Pi 4 -> gpiochip512 (`pinctrl-bcm2711`), Pi 5 -> gpiochip571 (`pinctrl-rp1`, after the SoC's own
 * `gpio-brcmstb@…` chips), Pi 3 and older kernels -> gpiochip0 (`pinctrl-bcm2835`).
 * The header chip is therefore picked by its label, never by its number.
 */
import { existsSync, readdirSync, readFileSync, accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import type { GpioConfig } from '../../config/schema.js';

/** Default sysfs GPIO root. */
export const DEFAULT_SYSFS_ROOT = '/sys/class/gpio';

/** Labels of the chips that drive the 40-pin header, by board (most specific first). */
export const HEADER_CHIP_LABELS: readonly { label: string; board: string }[] = [
  { label: 'pinctrl-rp1', board: 'Raspberry Pi 5 / CM5 (RP1)' },
  { label: 'pinctrl-bcm2711', board: 'Raspberry Pi 4 / 400 / CM4' },
  { label: 'pinctrl-bcm2835', board: 'Raspberry Pi 1-3 / Zero (or a Pi 4 on an old kernel)' },
];

/** BCM pins on the 40-pin header are 0-27; a header chip must have at least this many lines. */
const HEADER_LINES = 28;

/** One `gpiochipN` entry of the sysfs tree. */
export interface GpioChipInfo {
  /** Directory name, e.g. `gpiochip512`. */
  name: string;
  /** sysfs number of the chip's first line. */
  base: number;
  /** Driver label, e.g. `pinctrl-bcm2711`. */
  label: string;
  /** Number of lines. */
  ngpio: number;
}

/** Where BCM 0 is, and how that was decided. */
export interface ChipBase {
  /** sysfs GPIO number of BCM 0. */
  base: number;
  /** The header chip found (null when `chipBase` was given as a number). */
  chip: GpioChipInfo | null;
  /** `auto` when found from sysfs, `config` when overridden by `gpio.chipBase`. */
  source: 'auto' | 'config';
}

function missingRootMessage(sysfsRoot: string): string {
  return (
    `${sysfsRoot} does not exist: this kernel has no sysfs GPIO interface (CONFIG_GPIO_SYSFS), or this is not a Raspberry Pi. ` +
    'Raspberry Pi OS kernels include it; to run without door hardware set "hardware: sim" in the config.'
  );
}

/** Throw a helpful error unless `<sysfsRoot>` exists and has an `export` file this process can write (`checkWritable` throws if not). */
export function assertSysfsGpio(
  sysfsRoot: string = DEFAULT_SYSFS_ROOT,
  checkWritable: (path: string) => void = (path) => accessSync(path, constants.W_OK),
): void {
  if (!existsSync(sysfsRoot)) throw new Error(missingRootMessage(sysfsRoot));
  const exportFile = join(sysfsRoot, 'export');
  if (!existsSync(exportFile)) {
    throw new Error(`${exportFile} does not exist: ${sysfsRoot} is not a sysfs GPIO tree (is CONFIG_GPIO_SYSFS enabled?)`);
  }
  try {
    checkWritable(exportFile);
  } catch {
    throw new Error(
      `${exportFile} is not writable by this user: run pintu as a member of the "gpio" group ` +
        '(Raspberry Pi OS grants it via udev; elsewhere add a udev rule for /sys/class/gpio)',
    );
  }
}

function readTrim(path: string): string {
  return readFileSync(path, 'utf8').trim();
}

/** List the `gpiochip*` entries under `sysfsRoot`, sorted by base. Entries with unreadable files are skipped. */
export function listGpioChips(sysfsRoot: string = DEFAULT_SYSFS_ROOT): GpioChipInfo[] {
  if (!existsSync(sysfsRoot)) throw new Error(missingRootMessage(sysfsRoot));
  const chips: GpioChipInfo[] = [];
  for (const name of readdirSync(sysfsRoot)) {
    if (!/^gpiochip\d+$/.test(name)) continue;
    const dir = join(sysfsRoot, name);
    try {
      const base = Number.parseInt(readTrim(join(dir, 'base')), 10);
      const ngpio = Number.parseInt(readTrim(join(dir, 'ngpio')), 10);
      const label = readTrim(join(dir, 'label'));
      if (!Number.isInteger(base) || !Number.isInteger(ngpio)) continue;
      chips.push({ name, base, label, ngpio });
    } catch {
      continue;
    }
  }
  return chips.sort((a, b) => a.base - b.base);
}

/** Pick the header chip from a list by label (first match in `HEADER_CHIP_LABELS` order), or null. */
export function pickHeaderChip(chips: readonly GpioChipInfo[]): GpioChipInfo | null {
  for (const { label } of HEADER_CHIP_LABELS) {
    const found = chips.find((c) => c.label === label && c.ngpio >= HEADER_LINES);
    if (found) return found;
  }
  return null;
}

/** Find the header chip under `sysfsRoot`; throws naming the root and the labels seen when there is none. */
export function findHeaderChip(sysfsRoot: string = DEFAULT_SYSFS_ROOT): GpioChipInfo {
  const chips = listGpioChips(sysfsRoot);
  const chip = pickHeaderChip(chips);
  if (chip) return chip;
  const seen = chips.length === 0 ? 'no gpiochip* entries at all' : `saw ${chips.map((c) => `${c.name} "${c.label}" (${c.ngpio} lines)`).join(', ')}`;
  const expected = HEADER_CHIP_LABELS.map((l) => `"${l.label}" (${l.board})`).join(', ');
  throw new Error(
    `no Raspberry Pi GPIO header chip found under ${sysfsRoot}: ${seen}. Expected a chip labelled ${expected}. ` +
      'On other boards set gpio.chipBase to the sysfs number of BCM 0 (see `cat ' + sysfsRoot + '/gpiochip*/label`).',
  );
}

/** Resolve `gpio.chipBase`: a number is used as given; `auto` finds the header chip under `gpio.sysfsRoot`. */
export function resolveChipBase(cfg: Pick<GpioConfig, 'chipBase' | 'sysfsRoot'>): ChipBase {
  if (typeof cfg.chipBase === 'number') return { base: cfg.chipBase, chip: null, source: 'config' };
  const chip = findHeaderChip(cfg.sysfsRoot);
  return { base: chip.base, chip, source: 'auto' };
}
