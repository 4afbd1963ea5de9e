/**
 * The sysfs (onoff) door I/O's status LED, buzzer and mains input (issue 16), at the binding's module edge: each output
 * exported at its off level with either polarity, released after the relay; a failing one releases everything relay
 * first; the mains signal is an input; the strike's resolved pin for relay-off; and each tap outcome's pattern on
 * the mocked pins through the daemon.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gpioSchema, type GpioConfig } from '../../src/config/schema.js';
import { silentLogger } from '../../src/adapters/log/pino.js';
import { createOnoffDoorIo } from '../../src/adapters/gpio/onoff-door-io.js';
import { buildDaemon, visitService } from '../../src/main.js';
import { SimCardReader } from '../../src/adapters/sim/sim-reader.js';
import { seedIssuedVisit, tempConfig, type TempConfig } from '../helpers/config.js';
import * as fake from '../helpers/fake-onoff.js';

vi.mock('onoff', async () => ({ Gpio: (await import('../helpers/fake-onoff.js')).FakeGpio }));

// A Pi 4 on Linux 6.6: BCM 0 = sysfs 512.
const SYSFS = { relay: 529, doorSwitch: 539, exitButton: 534, green: 535, red: 536, amber: 537, buzzer: 528, mains: 538 } as const;
const INDICATORS = { green: { pin: 23, activeLow: false }, red: { pin: 24, activeLow: false }, amber: { pin: 25, activeLow: false }, buzzer: { pin: 16, activeLow: false } };

let root: string;
const configs: TempConfig[] = [];
beforeEach(() => {
  fake.resetFakeOnoff();
  root = mkdtempSync(join(tmpdir(), 'pintu-onoff-signals-'));
  writeFileSync(join(root, 'export'), '');
  writeFileSync(join(root, 'unexport'), '');
  mkdirSync(join(root, 'gpiochip512'));
  writeFileSync(join(root, 'gpiochip512', 'base'), '512\n');
  writeFileSync(join(root, 'gpiochip512', 'label'), 'pinctrl-bcm2711\n');
  writeFileSync(join(root, 'gpiochip512', 'ngpio'), '58\n');
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
  for (const c of configs.splice(0)) c.cleanup();
});

const cfg = (over: Record<string, unknown> = {}): GpioConfig => gpioSchema.parse({ sysfsRoot: root, indicators: INDICATORS, mains: { pin: 26, activeLow: false }, ...over });
const pin = (n: number): fake.FakeGpio => {
  const p = fake.pins.get(n);
  if (!p) throw new Error(`no pin ${n}`);
  return p;
};
const OUTPUTS = ['green', 'red', 'amber', 'buzzer'] as const;

describe('onoff status LED, buzzer and mains', () => {
  it('exports each indicator at its off level (active-high: "low"), never lit during setup; set drives it; the strike comes first', () => {
    const io = createOnoffDoorIo(cfg(), silentLogger());
    expect([...fake.pins.keys()][0]).toBe(SYSFS.relay);
    for (const name of OUTPUTS) {
      const p = pin(SYSFS[name]);
      expect(p.dir).toBe('low');
      expect(p.physicalHistory.every((v) => v === 0)).toBe(true);
      expect(io.indicators![name]!.isOn).toBe(false);
    }
    io.indicators!.green!.set(true);
    expect(pin(SYSFS.green).physical).toBe(1);
    expect(io.indicators!.green!.isOn).toBe(true);
    io.close();
  });

  it('an active-low driver board: exported "high" (off), never pulled low during setup, low when lit', () => {
    const low = Object.fromEntries(OUTPUTS.map((n) => [n, { ...INDICATORS[n], activeLow: true }]));
    const io = createOnoffDoorIo(cfg({ indicators: low }), silentLogger());
    for (const name of OUTPUTS) {
      const p = pin(SYSFS[name]);
      expect(p.dir).toBe('high');
      expect(p.options.activeLow).toBe(true);
      expect(p.physicalHistory.every((v) => v === 1)).toBe(true);
    }
    io.indicators!.buzzer!.set(true);
    expect(pin(SYSFS.buzzer).physical).toBe(0);
    io.close();
    expect(pin(SYSFS.buzzer).physical).toBe(1);
  });

  it('close(): the relay off and released first, then each indicator driven off and released; idempotent', () => {
    const io = createOnoffDoorIo(cfg(), silentLogger());
    io.indicators!.red!.set(true);
    fake.ops.length = 0;
    io.close();
    io.close();
    expect(fake.ops.slice(0, 2)).toEqual([`write ${SYSFS.relay} 0`, `unexport ${SYSFS.relay}`]);
    for (const name of OUTPUTS) {
      const i = fake.ops.indexOf(`write ${SYSFS[name]} 0`);
      expect(i).toBeGreaterThan(1);
      expect(fake.ops.indexOf(`unexport ${SYSFS[name]}`)).toBeGreaterThan(i);
    }
    expect(pin(SYSFS.red).physical).toBe(0);
    expect(pin(SYSFS.mains).unexported).toBe(true);
    expect(fake.ops.filter((o) => o.startsWith('unexport'))).toHaveLength(8);
  });

  it('a busy indicator pin is an error naming it; the relay is driven off and every pin released, relay first', () => {
    fake.failOn.set(SYSFS.amber, 'EBUSY');
    expect(() => createOnoffDoorIo(cfg(), silentLogger())).toThrow(/status LED amber on BCM 25 \(sysfs 537\): EBUSY/);
    expect(fake.ops.filter((o) => o.startsWith('unexport'))[0]).toBe(`unexport ${SYSFS.relay}`);
    for (const n of [SYSFS.relay, SYSFS.doorSwitch, SYSFS.exitButton, SYSFS.green, SYSFS.red]) expect(pin(n).unexported).toBe(true);
    expect(pin(SYSFS.relay).physical).toBe(0);
  });

  it('the mains signal is an input with its polarity and debounce: active = mains present', () => {
    const io = createOnoffDoorIo(cfg({ mains: { pin: 26, activeLow: true, debounceMs: 300 } }), silentLogger(), { now: () => 42 });
    const p = pin(SYSFS.mains);
    expect([p.dir, p.edge, p.options]).toEqual(['in', 'both', { activeLow: true, debounceTimeout: 300 }]);
    p.drive(0); // active-low: a low level = mains present
    expect(io.mains!.read()).toBe(true);
    const seen: Array<[boolean, number]> = [];
    io.mains!.watch((active, at) => seen.push([active, at]));
    p.drive(1);
    expect(seen).toEqual([[false, 42]]);
    io.close();
  });

  it('fills relayPin with what it resolved (hardware gpio, BCM, polarity, sysfs number and root); no indicators or mains unless configured', () => {
    const io = createOnoffDoorIo(gpioSchema.parse({ sysfsRoot: root, relay: { pin: 17, activeLow: true } }), silentLogger());
    expect(io.relayPin).toEqual({ hardware: 'gpio', pin: 17, activeLow: true, sysfsNumber: 529, sysfsRoot: root });
    expect(io.indicators).toBeUndefined();
    expect(io.mains).toBeUndefined();
    expect([...fake.pins.keys()]).toEqual([SYSFS.relay, SYSFS.doorSwitch, SYSFS.exitButton]);
    io.close();
  });
});

describe('tap outcomes on the mocked pins, through the daemon', () => {
  async function until(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!ok()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  /** The physical levels an output pin went through after `from` entries. */
  const levels = (name: (typeof OUTPUTS)[number], from = 0): number[] => pin(SYSFS[name]).physicalHistory.slice(from);
  /** How many times an output went from off to on after `from` entries (the level before them counts as the start). */
  const risings = (name: (typeof OUTPUTS)[number], from = 0): number => {
    const h = pin(SYSFS[name]).physicalHistory;
    let n = 0;
    for (let i = Math.max(1, from); i < h.length; i++) if (h[i] === 1 && h[i - 1] === 0) n += 1;
    return n;
  };

  it('refused: red and three beeps; awaiting escort: amber blinking; granted: relay, then green and a beep — each back off', async () => {
    const tc = tempConfig({ escort: { required: true, windowSeconds: 5 } });
    configs.push(tc);
    const io = createOnoffDoorIo(cfg(), silentLogger());
    const rin = new SimCardReader('in', 'in');
    const daemon = await buildDaemon(tc.config, silentLogger(), { io, readers: [rin, new SimCardReader('out', 'out')] });
    await daemon.start();
    try {
      seedIssuedVisit(visitService(tc.config, daemon.parts.store), { head: '0A00', staff: '0A01', badge: '1B01' });
      const mark = (): Record<string, number> => Object.fromEntries(OUTPUTS.map((n) => [n, pin(SYSFS[n]).physicalHistory.length]));

      let m = mark();
      rin.tap('DEADBEEF01');
      await until('the refusal shown and over', () => levels('red', m.red).includes(1) && pin(SYSFS.red).physical === 0, 5000);
      expect(risings('buzzer', m.buzzer)).toBe(3);
      expect(levels('green', m.green)).not.toContain(1);

      m = mark();
      rin.tap('1B01');
      await until('amber blinking', () => risings('amber', m.amber) >= 2);
      expect(risings('buzzer', m.buzzer)).toBeGreaterThanOrEqual(1);
      expect(levels('red', m.red)).not.toContain(1);

      m = mark();
      const relayBefore = pin(SYSFS.relay).physicalHistory.length;
      rin.tap('0A01');
      // The strike is driven in the tap's turn; the green LED only on a later one.
      expect(pin(SYSFS.relay).physicalHistory.slice(relayBefore)).toContain(1);
      expect(levels('green', m.green)).not.toContain(1);
      await until('green', () => pin(SYSFS.green).physical === 1);
      expect(pin(SYSFS.amber).physical).toBe(0);
      await until('green off after the strike time', () => pin(SYSFS.green).physical === 0, 5000);
      expect(risings('buzzer', m.buzzer)).toBe(1);
    } finally {
      await daemon.stop('test end');
    }
    for (const n of OUTPUTS) expect([pin(SYSFS[n]).physical, pin(SYSFS[n]).unexported]).toEqual([0, true]);
  }, 30_000);
});
