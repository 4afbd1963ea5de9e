import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertSysfsGpio, findHeaderChip, listGpioChips, resolveChipBase } from '../../src/adapters/gpio/chip-base.js';

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

/** A fake /sys/class/gpio with the given chips (plus export/unexport files). */
function fakeSysfs(chips: Array<{ base: number; label: string; ngpio: number }>): string {
  const root = mkdtempSync(join(tmpdir(), 'pintu-sysfs-'));
  roots.push(root);
  writeFileSync(join(root, 'export'), '');
  writeFileSync(join(root, 'unexport'), '');
  for (const c of chips) {
    const dir = join(root, `gpiochip${c.base}`);
    mkdirSync(dir);
    writeFileSync(join(dir, 'base'), `${c.base}\n`);
    writeFileSync(join(dir, 'label'), `${c.label}\n`);
    writeFileSync(join(dir, 'ngpio'), `${c.ngpio}\n`);
  }
  return root;
}

describe('chip base', () => {
  it('Pi 3 / old kernel: gpiochip0 pinctrl-bcm2835, ignoring the firmware expander', () => {
    const root = fakeSysfs([
      { base: 0, label: 'pinctrl-bcm2835', ngpio: 54 },
      { base: 504, label: 'raspberrypi-exp-gpio', ngpio: 8 },
    ]);
    expect(resolveChipBase({ chipBase: 'auto', sysfsRoot: root })).toEqual({
      base: 0,
      chip: { name: 'gpiochip0', base: 0, label: 'pinctrl-bcm2835', ngpio: 54 },
      source: 'auto',
    });
  });

  it('Pi 4 on Linux 6.6: gpiochip512 pinctrl-bcm2711', () => {
    const root = fakeSysfs([
      { base: 512, label: 'pinctrl-bcm2711', ngpio: 58 },
      { base: 570, label: 'raspberrypi-exp-gpio', ngpio: 8 },
    ]);
    const r = resolveChipBase({ chipBase: 'auto', sysfsRoot: root });
    expect(r.base).toBe(512);
    expect(r.chip?.label).toBe('pinctrl-bcm2711');
  });

  it('Pi 5 on Linux 6.6: gpiochip571 pinctrl-rp1, not the lower-numbered brcmstb chips', () => {
    const root = fakeSysfs([
      { base: 512, label: 'gpio-brcmstb@107d508500', ngpio: 32 },
      { base: 544, label: 'gpio-brcmstb@107d508520', ngpio: 4 },
      { base: 548, label: 'gpio-brcmstb@107d517c00', ngpio: 17 },
      { base: 565, label: 'gpio-brcmstb@107d517c20', ngpio: 6 },
      { base: 571, label: 'pinctrl-rp1', ngpio: 54 },
    ]);
    expect(listGpioChips(root).map((c) => c.base)).toEqual([512, 544, 548, 565, 571]);
    const r = resolveChipBase({ chipBase: 'auto', sysfsRoot: root });
    expect(r).toMatchObject({ base: 571, source: 'auto', chip: { name: 'gpiochip571', label: 'pinctrl-rp1', ngpio: 54 } });
  });

  it('a numeric chipBase overrides without reading sysfs', () => {
    expect(resolveChipBase({ chipBase: 399, sysfsRoot: '/nonexistent/gpio' })).toEqual({ base: 399, chip: null, source: 'config' });
  });

  it('no header chip: the error names the root and the labels seen', () => {
    const root = fakeSysfs([{ base: 0, label: 'tegra-gpio', ngpio: 224 }]);
    expect(() => resolveChipBase({ chipBase: 'auto', sysfsRoot: root })).toThrow(root);
    expect(() => findHeaderChip(root)).toThrow(/gpiochip0 "tegra-gpio".*pinctrl-rp1.*gpio\.chipBase/);
  });

  it('an empty tree says so', () => {
    const root = fakeSysfs([]);
    expect(() => findHeaderChip(root)).toThrow(/no gpiochip\* entries/);
  });

  it('a chip with a header label but too few lines is not the header', () => {
    const root = fakeSysfs([{ base: 0, label: 'pinctrl-bcm2835', ngpio: 8 }]);
    expect(() => findHeaderChip(root)).toThrow(/no Raspberry Pi GPIO header chip/);
  });

  it('a missing sysfs root is a helpful error', () => {
    const root = join(tmpdir(), 'pintu-no-such-gpio-root');
    expect(() => assertSysfsGpio(root)).toThrow(/does not exist.*CONFIG_GPIO_SYSFS.*hardware: sim/);
    expect(() => resolveChipBase({ chipBase: 'auto', sysfsRoot: root })).toThrow(/does not exist/);
  });

  it('assertSysfsGpio accepts a tree with a writable export file and rejects one without', () => {
    const ok = fakeSysfs([]);
    expect(() => assertSysfsGpio(ok)).not.toThrow();
    rmSync(join(ok, 'export'));
    expect(() => assertSysfsGpio(ok)).toThrow(/export does not exist/);
  });

  it('assertSysfsGpio names the gpio group when export is not writable', () => {
    const root = fakeSysfs([]);
    const denied = (path: string) => {
      throw Object.assign(new Error(`EACCES: permission denied, access '${path}'`), { code: 'EACCES' });
    };
    expect(() => assertSysfsGpio(root, denied)).toThrow(/export is not writable.*"gpio" group/);
  });
});
