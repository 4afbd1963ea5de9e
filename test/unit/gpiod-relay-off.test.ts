/**
 * `forceRelayOffGpiod` (pintu relay-off for hardware: gpiod, from the /run record or the config): the helper's one-shot
 * mode requests just the strike's line as an output at its OFF level and releases it. Both binding flavours.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/adapters/log/pino.js';
import { findGpiodHelper, forceRelayOffGpiod } from '../../src/adapters/gpio/gpiod-helper.js';
import { fakeGpiod, physicalHistory, TEST_PYTHON, type FakeGpiod, type FakeGpiodConfig } from '../helpers/fake-gpiod.js';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

let worlds: FakeGpiod[] = [];
afterEach(() => { for (const w of worlds) w.cleanup(); worlds = []; });
function world(flavour: 'v1' | 'v2', config: FakeGpiodConfig = {}): FakeGpiod {
  const w = fakeGpiod(flavour, config);
  worlds.push(w);
  return w;
}

describe.each(['v2', 'v1'] as const)('forceRelayOffGpiod (%s binding)', (flavour) => {
  it.each([false, true])('requests only the strike at its OFF level (activeLow %s) and releases it', async (activeLow) => {
    const w = world(flavour);
    await forceRelayOffGpiod({ hardware: 'gpiod', pin: 17, activeLow, chip: `${w.devDir}/gpiochip0` }, silentLogger(), { python: TEST_PYTHON, env: w.env });
    const log = w.log();
    expect(log.map((e) => e.op)).toEqual(['request', 'set', 'release']);
    expect(log[0]).toMatchObject({ chip: 'gpiochip0', lines: { 17: { dir: 'out', activeLow } } });
    expect(Object.keys(log[0]!.lines!)).toEqual(['17']);
    const off = activeLow ? 1 : 0;
    expect(physicalHistory(log, 17)).toEqual([off, off]);
    expect(log[2]).toMatchObject({ offsets: [17], physical: { 17: off } });
  });

  it('a line still held is a clear error naming the holder', async () => {
    const w = world(flavour, { busy: { 17: 'pintu' } });
    await expect(forceRelayOffGpiod({ hardware: 'gpiod', pin: 17, activeLow: false, chip: `${w.devDir}/gpiochip0` }, silentLogger(), { python: TEST_PYTHON, env: w.env }))
      .rejects.toThrow(`door strike relay on BCM 17 (${w.devDir}/gpiochip0): EBUSY, held by "pintu"`);
  });

  it('a chip that does not exist is a clear error', async () => {
    const w = world(flavour);
    await expect(forceRelayOffGpiod({ hardware: 'gpiod', pin: 17, activeLow: false, chip: `${w.devDir}/gpiochip9` }, silentLogger(), { python: TEST_PYTHON, env: w.env }))
      .rejects.toThrow(`door strike relay on BCM 17 (${w.devDir}/gpiochip9): ENOENT, ${w.devDir}/gpiochip9 does not exist`);
  });
});

describe('forceRelayOffGpiod input', () => {
  it('refuses a record without a chip', async () => {
    await expect(forceRelayOffGpiod({ hardware: 'gpiod', pin: 17, activeLow: false }, silentLogger())).rejects.toThrow(/BCM 17: no GPIO chip recorded/);
  });
});

describe('findGpiodHelper', () => {
  it('finds scripts/pintu-gpiod.py from the source tree and from the built tree (dist/src/adapters/gpio)', () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const expected = `${root}scripts/pintu-gpiod.py`;
    expect(findGpiodHelper(`${root}src/adapters/gpio`)).toBe(expected);
    expect(findGpiodHelper(`${root}dist/src/adapters/gpio`)).toBe(expected);
    expect(existsSync(expected)).toBe(true);
    expect(() => findGpiodHelper('/')).toThrow(/scripts\/pintu-gpiod\.py was not found above \/: reinstall pintu/);
  });
});
