/**
 * The throttling probe on a Pi 4, a Pi 5 and a kernel that only has the `rpi_volt` voltage monitor, on emulated /sys
 * trees: never vcgencmd (the unit's DevicePolicy blocks /dev/vcio), never a warning that cannot go away.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { systemAt } from '../../src/adapters/os/system.js';
import { throttling } from '../../src/app/health/probes.js';
import type { SystemEnv } from '../../src/ports/system.js';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });
/** A fake system root with these files. */
function rootWith(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'pintu-throttle-'));
  dirs.push(root);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
  return root;
}
const commands: string[] = [];
const envAt = (root: string): SystemEnv => ({ ...systemAt(root), run: (cmd) => { commands.push(cmd); return { code: 0, stdout: 'throttled=0x5\n' }; } });

describe('throttling probe', () => {
  it('Pi 4: reads soc:firmware/get_throttled', () => {
    const r = throttling(envAt(rootWith({ 'sys/devices/platform/soc/soc:firmware/get_throttled': '0\n' })));
    expect(r).toMatchObject({ status: 'ok', value: '0x0' });
    expect(r.detail).toContain('/sys/devices/platform/soc/soc:firmware/get_throttled');
  });

  it('Pi 5: reads the firmware node under soc@107c000000', () => {
    const r = throttling(envAt(rootWith({ 'sys/devices/platform/soc@107c000000/soc@107c000000:firmware/get_throttled': '50005\n' })));
    expect(r).toMatchObject({ status: 'fail', value: '0x50005' });
    expect(r.detail).toContain('under-voltage now');
  });

  it('a kernel with only the rpi_volt hwmon: its under-voltage alarm, found whatever hwmon number it got', () => {
    const files = { 'sys/class/hwmon/hwmon0/name': 'cpu_thermal\n', 'sys/class/hwmon/hwmon0/in0_lcrit_alarm': '1\n', 'sys/class/hwmon/hwmon2/name': 'rpi_volt\n' };
    const ok = throttling(envAt(rootWith({ ...files, 'sys/class/hwmon/hwmon2/in0_lcrit_alarm': '0\n' })));
    expect(ok).toMatchObject({ status: 'ok', value: 'no under-voltage' });
    expect(ok.detail).toContain('/sys/class/hwmon/hwmon2/in0_lcrit_alarm');
    const low = throttling(envAt(rootWith({ ...files, 'sys/class/hwmon/hwmon2/in0_lcrit_alarm': '1\n' })));
    expect(low).toMatchObject({ status: 'fail', value: 'under-voltage' });
  });

  it('neither: "unknown", not a warning; vcgencmd is never run', () => {
    commands.length = 0;
    const r = throttling(envAt(rootWith({ 'sys/devices/platform/soc/soc:firmware/get_throttled': 'garbage\n' })));
    expect(r).toMatchObject({ status: 'ok', value: null });
    expect(r.detail).toMatch(/^unknown/);
    expect(commands).toEqual([]);
  });
});
