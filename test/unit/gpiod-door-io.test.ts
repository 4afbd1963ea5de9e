/**
 * `hardware: gpiod` at the binding's module edge: the real helper script (scripts/pintu-gpiod.py) runs against a fake
 * `gpiod` Python module in both API flavours (v2: libgpiod 2 / Trixie; v1: libgpiod 1.6 / Bookworm), which logs every
 * request and physical level. The same fail-secure promises as the sysfs adapter's tests (onoff-door-io.test.ts).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { gpioSchema, type GpioConfig } from '../../src/config/schema.js';
import { silentLogger } from '../../src/adapters/log/pino.js';
import { createGpiodDoorIo, type GpiodDoorIo, type GpiodDoorIoDeps } from '../../src/adapters/gpio/gpiod-door-io.js';
import { fakeGpiod, physicalHistory, TEST_PYTHON, type FakeGpiod, type FakeGpiodConfig } from '../helpers/fake-gpiod.js';

let worlds: FakeGpiod[] = [];
let ios: GpiodDoorIo[] = [];
afterEach(async () => {
  for (const io of ios) io.close();
  await Promise.all(ios.map((io) => io.exited()));
  for (const w of worlds) w.cleanup();
  worlds = [];
  ios = [];
});

function world(flavour: 'v1' | 'v2', config: FakeGpiodConfig = {}): FakeGpiod {
  const w = fakeGpiod(flavour, config);
  worlds.push(w);
  return w;
}
const cfg = (over: Record<string, unknown> = {}): GpioConfig => gpioSchema.parse(over);
async function open(w: FakeGpiod, c: GpioConfig = cfg(), deps: GpiodDoorIoDeps = {}): Promise<GpiodDoorIo> {
  const io = await createGpiodDoorIo(c, silentLogger(), { python: TEST_PYTHON, env: w.env, devDir: w.devDir, ...deps });
  ios.push(io);
  return io;
}
async function openFails(w: FakeGpiod, c: GpioConfig = cfg()): Promise<Error> {
  try {
    await open(w, c);
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the open to fail');
}

describe.each(['v2', 'v1'] as const)('gpiod door I/O (%s binding)', (flavour) => {
  it('requests an active-high strike as an output at its OFF level (low) before anything else, and fills relayPin', async () => {
    const w = world(flavour);
    const io = await open(w);
    const log = w.log();
    expect(log[0]).toMatchObject({ op: 'request', api: flavour === 'v2' ? 2 : 1, chip: 'gpiochip0', lines: { 17: { dir: 'out', activeLow: false, physical: 0 } } });
    expect(Object.keys(log[0]!.lines!)[0]).toBe('17');
    expect(io.relay.isOn).toBe(false);
    expect(io.relayPin).toEqual({ hardware: 'gpiod', pin: 17, activeLow: false, chip: `${w.devDir}/gpiochip0` });
    io.relay.set(true);
    expect(io.relay.isOn).toBe(true);
    await w.waitFor((l) => expect(physicalHistory(l, 17)).toEqual([0, 1]));
    io.relay.set(false);
    await w.waitFor((l) => expect(physicalHistory(l, 17)).toEqual([0, 1, 0]));
  });

  it('requests an active-low strike at its OFF level (high): the pin never goes low during setup', async () => {
    const w = world(flavour);
    const io = await open(w, cfg({ relay: { pin: 17, activeLow: true } }));
    expect(physicalHistory(w.log(), 17)).toEqual([1]);
    expect(io.relayPin).toMatchObject({ pin: 17, activeLow: true });
    io.relay.set(true);
    await w.waitFor((l) => expect(physicalHistory(l, 17)).toEqual([1, 0]));
  });

  it('requests inputs with both edges, their polarity, and debounce per input (kernel on v2, the helper on v1)', async () => {
    const w = world(flavour);
    await open(w, cfg({ doorSwitch: { pin: 27, activeLow: true, debounceMs: 80 }, exitButton: { pin: 22, activeLow: false, debounceMs: 20 } }));
    const lines = Object.assign({}, ...w.log().filter((e) => e.op === 'request').map((e) => e.lines)) as Record<string, unknown>;
    expect(lines['27']).toMatchObject({ dir: 'in', edge: 'both', activeLow: true, ...(flavour === 'v2' ? { debounceMs: 80 } : {}) });
    expect(lines['22']).toMatchObject({ dir: 'in', edge: 'both', activeLow: false, ...(flavour === 'v2' ? { debounceMs: 20 } : {}) });
  });

  it('reads initial input levels in the same request, then reports each change once with the injected clock', async () => {
    const w = world(flavour, { initial: { 27: 1, 22: 1 } });
    const io = await open(w, cfg({ doorSwitch: { pin: 27, activeLow: true, debounceMs: 0 }, exitButton: { pin: 22, activeLow: true, debounceMs: 0 } }), { now: () => 4242 });
    expect(io.doorSwitch.read()).toBe(false); // active-low reed, physical 1 = shut
    expect(io.exitButton.read()).toBe(false);
    const seen: Array<[boolean, number]> = [];
    const unwatch = io.doorSwitch.watch((a, at) => seen.push([a, at]));
    w.drive(27, 0);
    await vi.waitFor(() => expect(seen).toEqual([[true, 4242]]), { timeout: 10_000 });
    expect(io.doorSwitch.read()).toBe(true);
    w.drive(27, 1);
    await vi.waitFor(() => expect(seen).toEqual([[true, 4242], [false, 4242]]), { timeout: 10_000 });
    unwatch();
    w.drive(27, 0);
    await vi.waitFor(() => expect(io.doorSwitch.read()).toBe(true), { timeout: 10_000 });
    expect(seen).toHaveLength(2);
  });

  it('drives the status LEDs and buzzer (requested off, each polarity) and reads the UPS mains input', async () => {
    const w = world(flavour, { initial: { 26: 1 } });
    const io = await open(w, cfg({
      indicators: { green: { pin: 23, activeLow: false }, red: { pin: 24, activeLow: true }, amber: { pin: 25, activeLow: false }, buzzer: { pin: 16, activeLow: false } },
      mains: { pin: 26, activeLow: false, debounceMs: 200 },
    }));
    expect([23, 24, 25, 16].map((p) => physicalHistory(w.log(), p))).toEqual([[0], [1], [0], [0]]);
    expect(io.mains?.read()).toBe(true);
    io.indicators!.red!.set(true);
    io.indicators!.buzzer!.set(true);
    expect(io.indicators!.red!.isOn).toBe(true);
    await w.waitFor((l) => expect([physicalHistory(l, 24), physicalHistory(l, 16)]).toEqual([[1, 0], [0, 1]]));
    const seen: boolean[] = [];
    io.mains!.watch((a) => seen.push(a));
    w.drive(26, 0);
    await vi.waitFor(() => expect(seen).toEqual([false]), { timeout: 10_000 });
    io.close();
    await io.exited();
    expect([24, 16].map((p) => physicalHistory(w.log(), p).at(-1))).toEqual([1, 0]);
  });

  it('close() drives the strike off first, then the others, releases every line and the helper exits 0; idempotent', async () => {
    const w = world(flavour);
    const io = await open(w, cfg({ indicators: { green: { pin: 23, activeLow: false } } }));
    io.relay.set(true);
    io.indicators!.green!.set(true);
    await w.waitFor((l) => expect(physicalHistory(l, 23)).toEqual([0, 1]));
    io.close();
    io.close();
    expect(await io.exited()).toBe(0);
    const log = w.log();
    const firstOff = log.findIndex((e) => e.op === 'set' && e.offset === 17 && e.physical === 0);
    const greenOff = log.findIndex((e) => e.op === 'set' && e.offset === 23 && e.physical === 0);
    const firstRelease = log.findIndex((e) => e.op === 'release');
    expect(firstOff).toBeGreaterThan(-1);
    expect(firstOff).toBeLessThan(greenOff);
    expect(greenOff).toBeLessThan(firstRelease);
    expect(new Set(log.filter((e) => e.op === 'release').flatMap((e) => e.offsets))).toEqual(new Set([17, 23, 27, 22]));
    expect(io.relay.isOn).toBe(false);
    expect(() => io.relay.set(false)).not.toThrow();
    expect(() => io.relay.set(true)).toThrow(/closed/);
  });

  it('a busy exit button is an error naming role, BCM pin, chip and holder; the strike is released off, nothing held', async () => {
    const w = world(flavour, { busy: { 22: 'gpio-keys' } });
    const err = await openFails(w);
    expect(err.message).toBe(`exit button on BCM 22 (${w.devDir}/gpiochip0): EBUSY, held by "gpio-keys" (another pintu, a dtoverlay/dtparam driver in config.txt, or a program: check \`gpioinfo\`)`);
    const log = w.log();
    if (flavour === 'v2') {
      expect(log).toEqual([]); // one atomic request: nothing was ever requested
    } else {
      // one request per line: the strike (off) and the door switch were requested first, then released, strike first
      expect(log.filter((e) => e.op === 'request').map((e) => Object.keys(e.lines!)[0])).toEqual(['17', '27']);
      const releases = log.filter((e) => e.op === 'release');
      expect(releases.map((e) => e.offsets)).toEqual([[17], [27]]);
      expect(releases[0]!.physical).toEqual({ 17: 0 });
      expect(physicalHistory(log, 17).every((p) => p === 0)).toBe(true);
    }
  });

  it('EACCES on the chip says to join the gpio group', async () => {
    const w = world(flavour, { denied: true });
    expect((await openFails(w)).message).toMatch(/^GPIO \(.*gpiochip0\): EACCES, permission denied: run pintu as a member of the "gpio" group/);
  });

  it('finds the header chip by label (Pi 5: pinctrl-rp1 after the SoC chips), or as given by label or path', async () => {
    const chips = {
      gpiochip0: { label: 'gpio-brcmstb@107d508500', lines: 32 }, gpiochip1: { label: 'gpio-brcmstb@107d508520', lines: 4 },
      gpiochip4: { label: 'pinctrl-rp1', lines: 54 }, gpiochip10: { label: 'other', lines: 60 },
    };
    const w = world(flavour, { chips });
    expect((await open(w)).relayPin.chip).toBe(`${w.devDir}/gpiochip4`);
    ios.pop()!.close();
    expect((await open(w, cfg({ chip: 'other' }))).relayPin.chip).toBe(`${w.devDir}/gpiochip10`);
    ios.pop()!.close();
    expect((await open(w, cfg({ chip: `${w.devDir}/gpiochip0` }))).relayPin.chip).toBe(`${w.devDir}/gpiochip0`);
  });

  it('no header chip: the error lists what was seen and says to set gpio.chip', async () => {
    const w = world(flavour, { chips: { gpiochip0: { label: 'gpio-mockup', lines: 8 } } });
    expect((await openFails(w)).message).toMatch(/no GPIO chip labelled "pinctrl-rp1" or "pinctrl-bcm2711" or "pinctrl-bcm2835" under .*: gpiochip0 "gpio-mockup" \(8 lines\)\. Set gpio\.chip/);
  });

  it('a pin beyond the chip is a clear error before any line is requested', async () => {
    const w = world(flavour, { chips: { gpiochip0: { label: 'pinctrl-bcm2835', lines: 28 } } });
    expect((await openFails(w, cfg({ relay: { pin: 40, activeLow: false } }))).message).toMatch(/^door strike relay on BCM 40 \(.*gpiochip0\): EINVAL, .*gpiochip0 "pinctrl-bcm2835" has only 28 lines$/);
    expect(w.log()).toEqual([]);
  });

  it.each(['SIGTERM', 'SIGINT', 'SIGHUP'] as const)('%s to the helper: it drives the strike off, releases and exits; pintu is told (fatal after the grace)', async (sig) => {
    const w = world(flavour);
    const fatal: Error[] = [];
    const io = await open(w, cfg(), { onFatal: (e) => fatal.push(e), signalGraceMs: 200 });
    io.relay.set(true);
    await w.waitFor((l) => expect(physicalHistory(l, 17)).toEqual([0, 1]));
    process.kill(io.helperPid!, sig);
    expect(await io.exited()).toBe(0);
    expect(physicalHistory(w.log(), 17)).toEqual([0, 1, 0]);
    expect(w.log().at(-1)).toMatchObject({ op: 'release' });
    const signal = { SIGTERM: 15, SIGINT: 2, SIGHUP: 1 }[sig];
    await vi.waitFor(() => expect(fatal.map((e) => e.message)).toEqual([`the GPIO helper was stopped by signal ${signal} (strike driven off, lines released): door I/O is gone`]));
    expect(() => io.relay.set(true)).toThrow(/not running/);
  });

  it('a helper that dies while driving the strike is fatal (state unknown), never assumed off', async () => {
    const w = world(flavour, { dieOnActive: [17] });
    const fatal: Error[] = [];
    const io = await open(w, cfg(), { onFatal: (e) => fatal.push(e) });
    io.relay.set(true);
    await vi.waitFor(() => expect(fatal).toHaveLength(1), { timeout: 10_000 });
    expect(fatal[0]!.message).toMatch(/the GPIO helper exited \(code 9/);
  });

  it('a command not acknowledged in time is fatal, and the hung helper is stopped', async () => {
    const w = world(flavour, { hangOnActive: [17] });
    const fatal: Error[] = [];
    const io = await open(w, cfg(), { onFatal: (e) => fatal.push(e), ackTimeoutMs: 300 });
    io.relay.set(true);
    await vi.waitFor(() => expect(fatal).toHaveLength(1), { timeout: 10_000 });
    expect(fatal[0]!.message).toBe('the GPIO helper did not acknowledge driving the door strike relay on within 300 ms');
    await io.exited();
  });
});

describe('gpiod door I/O on the v1 binding (no kernel debounce)', () => {
  it('the helper debounces each input by its own debounceMs: a bounce shorter than it is never reported', async () => {
    const w = world('v1', { initial: { 27: 0, 22: 0 } });
    const io = await open(w, cfg({ doorSwitch: { pin: 27, activeLow: false, debounceMs: 1000 }, exitButton: { pin: 22, activeLow: false, debounceMs: 0 } }));
    const door: boolean[] = [];
    const button: boolean[] = [];
    io.doorSwitch.watch((a) => door.push(a));
    io.exitButton.watch((a) => button.push(a));
    // The door switch bounces 0→1→0 within its 1000 ms: nothing. The exit button (no debounce) reports at once.
    w.drive(27, 1);
    w.drive(27, 0);
    w.drive(22, 1);
    await vi.waitFor(() => expect(button).toEqual([true]), { timeout: 10_000 });
    await new Promise((r) => setTimeout(r, 1300));
    expect(door).toEqual([]);
    // A change that stays is reported once, after the debounce.
    const t0 = Date.now();
    w.drive(27, 1);
    await vi.waitFor(() => expect(door).toEqual([true]), { timeout: 10_000 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
  });
});

describe('gpiod door I/O without the binding', () => {
  it('no python3-libgpiod: the error says what to install', async () => {
    const w = world('v2');
    const err = await createGpiodDoorIo(cfg(), silentLogger(), { python: TEST_PYTHON, env: { ...w.env, PYTHONPATH: '' }, devDir: w.devDir }).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/^GPIO: libgpiod's Python bindings are not installed: sudo apt-get install python3-libgpiod/);
  });

  it('no python3 at all: the error says so', async () => {
    const w = world('v2');
    const err = await createGpiodDoorIo(cfg(), silentLogger(), { python: '/nonexistent/python3', env: w.env, devDir: w.devDir }).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/\/nonexistent\/python3 not found: hardware: gpiod needs Python 3 and libgpiod's bindings \(sudo apt-get install python3 python3-libgpiod\)/);
  });
});
