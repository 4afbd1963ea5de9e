import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gpioSchema, type GpioConfig } from '../../src/config/schema.js';
import { silentLogger } from '../../src/adapters/log/pino.js';
import { createOnoffDoorIo } from '../../src/adapters/gpio/onoff-door-io.js';
import { DoorController } from '../../src/app/door-controller.js';
import * as fake from '../helpers/fake-onoff.js';

// A fake onoff (test/helpers/fake-onoff.ts): records every pin, its options and every physical level it is driven to.
vi.mock('onoff', async () => ({ Gpio: (await import('../helpers/fake-onoff.js')).FakeGpio }));

let root: string;
beforeEach(() => {
  fake.resetFakeOnoff();
  // A Pi 4 on Linux 6.6: BCM 0 = sysfs 512.
  root = mkdtempSync(join(tmpdir(), 'pintu-onoff-'));
  writeFileSync(join(root, 'export'), '');
  writeFileSync(join(root, 'unexport'), '');
  for (const [base, label, ngpio] of [[512, 'pinctrl-bcm2711', 58], [570, 'raspberrypi-exp-gpio', 8]] as const) {
    mkdirSync(join(root, `gpiochip${base}`));
    writeFileSync(join(root, `gpiochip${base}`, 'base'), `${base}\n`);
    writeFileSync(join(root, `gpiochip${base}`, 'label'), `${label}\n`);
    writeFileSync(join(root, `gpiochip${base}`, 'ngpio'), `${ngpio}\n`);
  }
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const cfg = (over: Partial<GpioConfig> = {}): GpioConfig => gpioSchema.parse({ sysfsRoot: root, ...over });
const pin = (n: number) => {
  const p = fake.pins.get(n);
  if (!p) throw new Error(`no pin ${n}`);
  return p;
};

describe('onoff door I/O', () => {
  it('numbers pins chipBase + BCM (auto: Pi 4 on 6.6 -> 512)', () => {
    createOnoffDoorIo(cfg(), silentLogger());
    expect([...fake.pins.keys()]).toEqual([512 + 17, 512 + 27, 512 + 22]);
  });

  it('uses a numeric chipBase override', () => {
    createOnoffDoorIo(cfg({ chipBase: 0 }), silentLogger());
    expect([...fake.pins.keys()]).toEqual([17, 27, 22]);
  });

  it('creates an active-high relay with direction "low": never energised, off after creation', () => {
    const io = createOnoffDoorIo(cfg(), silentLogger());
    const relay = pin(529);
    expect(relay.dir).toBe('low');
    expect(relay.options.activeLow).toBe(false);
    expect(relay.physicalHistory.every((p) => p === 0)).toBe(true);
    expect(io.relay.isOn).toBe(false);
    io.relay.set(true);
    expect(relay.physical).toBe(1);
    expect(io.relay.isOn).toBe(true);
    io.relay.set(false);
    expect(relay.physical).toBe(0);
  });

  it('creates an active-low relay with direction "high": the pin never goes low during setup', () => {
    const io = createOnoffDoorIo(cfg({ relay: { pin: 17, activeLow: true } }), silentLogger());
    const relay = pin(529);
    expect(relay.dir).toBe('high');
    expect(relay.options.activeLow).toBe(true);
    expect(relay.physicalHistory.every((p) => p === 1)).toBe(true);
    expect(io.relay.isOn).toBe(false);
    io.relay.set(true);
    expect(relay.physical).toBe(0);
    expect(io.relay.isOn).toBe(true);
  });

  it('configures inputs with edge "both", debounce and polarity from config', () => {
    createOnoffDoorIo(
      cfg({ doorSwitch: { pin: 27, activeLow: true, debounceMs: 80 }, exitButton: { pin: 22, activeLow: false, debounceMs: 20 } }),
      silentLogger(),
    );
    expect(pin(539)).toMatchObject({ dir: 'in', edge: 'both', options: { activeLow: true, debounceTimeout: 80 } });
    expect(pin(534)).toMatchObject({ dir: 'in', edge: 'both', options: { activeLow: false, debounceTimeout: 20 } });
  });

  it('reports logical input levels and changes once per level, with the injected clock', () => {
    const io = createOnoffDoorIo(cfg({ doorSwitch: { pin: 27, activeLow: true, debounceMs: 50 } }), silentLogger(), { now: () => 4242 });
    const door = pin(539); // active-low reed: physical 1 = closed
    door.physical = 1;
    expect(io.doorSwitch.read()).toBe(false);
    const seen: Array<[boolean, number]> = [];
    const unwatch = io.doorSwitch.watch((a, at) => seen.push([a, at]));
    door.drive(0);
    door.drive(0); // debounce may repeat a level
    door.drive(1);
    expect(seen).toEqual([[true, 4242], [false, 4242]]);
    unwatch();
    door.drive(0);
    expect(seen).toHaveLength(2);
  });

  it('a busy relay pin is an error naming role, BCM pin and sysfs number; nothing is left exported', () => {
    fake.failOn.set(529, 'EBUSY');
    expect(() => createOnoffDoorIo(cfg(), silentLogger())).toThrow(
      /^door strike relay on BCM 17 \(sysfs 529\): EBUSY, another program or kernel driver holds it/,
    );
    expect(fake.pins.size).toBe(0);
  });

  it('if the 3rd pin fails, the relay is driven off and all created pins are unexported', () => {
    fake.failOn.set(534, 'EBUSY');
    let err: unknown;
    try {
      createOnoffDoorIo(cfg(), silentLogger());
    } catch (e) {
      err = e;
    }
    expect((err as Error).message).toMatch(/^exit button on BCM 22 \(sysfs 534\): EBUSY/);
    expect(pin(529).unexported).toBe(true);
    expect(pin(539).unexported).toBe(true);
    expect(pin(529).physical).toBe(0);
    const relayOps = fake.ops.filter((o) => o.includes(' 529'));
    expect(relayOps.slice(-2)).toEqual(['write 529 0', 'unexport 529']);
  });

  it('if the 2nd pin fails, the relay is released off', () => {
    fake.failOn.set(539, 'EACCES');
    expect(() => createOnoffDoorIo(cfg(), silentLogger())).toThrow(/door position switch on BCM 27 \(sysfs 539\): EACCES.*"gpio" group/);
    expect(pin(529).unexported).toBe(true);
    expect(pin(529).physical).toBe(0);
  });

  it('a pin exported by the failing call is unexported again', () => {
    fake.failOn.set(539, 'EACCES');
    fake.state.halfExportRoot = root;
    expect(() => createOnoffDoorIo(cfg(), silentLogger())).toThrow(/sysfs 539/);
    expect(readFileSync(join(root, 'unexport'), 'utf8')).toBe('539');
  });

  it('a pin that was already exported (e.g. after a crash) is taken over, not unexported on a failure', () => {
    fake.failOn.set(539, 'EIO');
    fake.state.halfExportRoot = null;
    mkdirSync(join(root, 'gpio539'));
    expect(() => createOnoffDoorIo(cfg(), silentLogger())).toThrow(/door position switch on BCM 27 \(sysfs 539\): EIO/);
    expect(readFileSync(join(root, 'unexport'), 'utf8')).toBe('');
    expect(existsSync(join(root, 'gpio539'))).toBe(true);
  });

  it('EINVAL points at gpio.chipBase', () => {
    fake.failOn.set(17, 'EINVAL');
    expect(() => createOnoffDoorIo(cfg({ chipBase: 0 }), silentLogger())).toThrow(/sysfs 17\): EINVAL.*gpio\.chipBase \(set to 0; try "auto"\)/);
  });

  it('refuses a relay whose active_low attribute does not match the config, and releases it', () => {
    fake.state.reportActiveLow = true;
    expect(() => createOnoffDoorIo(cfg(), silentLogger())).toThrow(/door strike relay on BCM 17 \(sysfs 529\): active_low reads true/);
    expect(pin(529).unexported).toBe(true);
    expect(fake.pins.has(539)).toBe(false);
  });

  it('a pin beyond the chip is a clear error', () => {
    writeFileSync(join(root, 'gpiochip512', 'ngpio'), '28\n');
    expect(() => createOnoffDoorIo(cfg({ relay: { pin: 40, activeLow: false } }), silentLogger())).toThrow(
      /door strike relay on BCM 40: gpiochip512 "pinctrl-bcm2711" has only 28 lines/,
    );
    expect(fake.pins.size).toBe(0);
  });

  it('close() drives the relay off first, then unexports everything; idempotent', () => {
    const io = createOnoffDoorIo(cfg(), silentLogger());
    io.relay.set(true);
    fake.ops.length = 0;
    io.close();
    expect(fake.ops).toEqual(['write 529 0', 'unexport 529', 'unexport 539', 'unexport 534']);
    expect(pin(529).physical).toBe(0);
    expect(io.relay.isOn).toBe(false);
    io.close();
    io.relay.close();
    expect(fake.ops).toHaveLength(4);
    expect(() => io.relay.set(false)).not.toThrow();
    expect(() => io.relay.set(true)).toThrow(/closed/);
  });

  it('a missing sysfs tree fails before touching any pin', () => {
    expect(() => createOnoffDoorIo(cfg({ sysfsRoot: join(root, 'nope') }), silentLogger())).toThrow(/does not exist/);
    expect(fake.pins.size).toBe(0);
  });
});

/** The fire-alarm input (issue 14 item 6) on the mocked onoff module: physical levels in, the door controller's policy out. */
describe('onoff fire alarm input', () => {
  const T0 = Date.UTC(2026, 11, 1, 3, 0, 0);
  const SETTLE = 500;
  // Alarm line on BCM 5 (NC contact to GND, pull-up: normal LOW, fire HIGH); supervision loop on BCM 6 (intact LOW).
  const fireCfg = () => cfg({ fireAlarm: { pin: 5, activeLow: false, debounceMs: 100, supervision: { pin: 6, activeLow: true, debounceMs: 100 } } });
  const ALARM = 512 + 5;
  const SUPERVISION = 512 + 6;
  const RELAY = 512 + 17;

  function run(onAlarm: 'release' | 'stay-locked', physical: { alarm: 0 | 1; supervision: 0 | 1 } = { alarm: 0, supervision: 0 }) {
    const io = createOnoffDoorIo(fireCfg(), silentLogger(), { now: () => Date.now() });
    pin(ALARM).physical = physical.alarm;
    pin(SUPERVISION).physical = physical.supervision;
    const events: Array<{ type: string; data: unknown }> = [];
    const door = new DoorController({ io, timing: { strikeSeconds: 5, heldOpenSeconds: 30 }, log: silentLogger(), fire: { onAlarm, settleMs: SETTLE }, onEvent: (type, data, _at) => { events.push({ type, data }); } });
    door.start();
    return { io, door, events, types: () => events.map((e) => e.type) };
  }

  beforeEach(() => { vi.useFakeTimers({ now: T0 }); });
  afterEach(() => { vi.useRealTimers(); });

  it('exports both fire lines as inputs with their polarity and debounce, and releases them at close', () => {
    const io = createOnoffDoorIo(fireCfg(), silentLogger());
    expect(pin(ALARM)).toMatchObject({ dir: 'in', edge: 'both', options: { activeLow: false, debounceTimeout: 100 } });
    expect(pin(SUPERVISION)).toMatchObject({ dir: 'in', edge: 'both', options: { activeLow: true, debounceTimeout: 100 } });
    expect(io.fire).toBeDefined();
    io.close();
    expect(fake.ops.slice(-6)).toEqual(['write 529 0', 'unexport 529', 'unexport 539', 'unexport 534', 'unexport 517', 'unexport 518']);
  });

  it('without gpio.fireAlarm no fire pin is touched', () => {
    const io = createOnoffDoorIo(cfg(), silentLogger());
    expect(io.fire).toBeUndefined();
    expect([...fake.pins.keys()]).toEqual([529, 539, 534]);
  });

  it('release: the panel\'s contact opens → alarm.fire and the relay pin held high; it closes → fire.cleared, relay low', async () => {
    const { door, types } = run('release');
    pin(ALARM).drive(1);
    await vi.advanceTimersByTimeAsync(SETTLE);
    expect(types()).toEqual(['alarm.fire']);
    expect(pin(RELAY).physical).toBe(1);
    await vi.advanceTimersByTimeAsync(300_000);
    expect(pin(RELAY).physical).toBe(1);
    pin(ALARM).drive(0);
    await vi.advanceTimersByTimeAsync(SETTLE);
    expect(types()).toEqual(['alarm.fire', 'fire.cleared']);
    expect(pin(RELAY).physical).toBe(0);
    door.stop();
  });

  it('stay-locked: alarm.fire and fire.cleared, the relay pin never goes high', async () => {
    const { door, types } = run('stay-locked');
    pin(ALARM).drive(1);
    await vi.advanceTimersByTimeAsync(SETTLE);
    expect(door.status()).toMatchObject({ locked: true, fire: { alarm: true, released: false } });
    pin(ALARM).drive(0);
    await vi.advanceTimersByTimeAsync(SETTLE);
    expect(types()).toEqual(['alarm.fire', 'fire.cleared']);
    expect(pin(RELAY).physicalHistory.every((p) => p === 0)).toBe(true);
    door.stop();
  });

  it('a cut cable (both lines go high) is a fault, not a fire: relay pin unchanged', async () => {
    const { door, events } = run('release');
    pin(ALARM).drive(1);
    await vi.advanceTimersByTimeAsync(40);
    pin(SUPERVISION).drive(1);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(events).toEqual([{ type: 'alarm.fire_input_fault', data: { alarmLine: true, supervisionLine: false, duringFire: false } }]);
    expect(pin(RELAY).physicalHistory.every((p) => p === 0)).toBe(true);
    door.stop();
  });

  it('a restart during an alarm: relay low first, then high once the lines are believed', async () => {
    const { door, types } = run('release', { alarm: 1, supervision: 0 });
    expect(pin(RELAY).physical).toBe(0);
    await vi.advanceTimersByTimeAsync(SETTLE);
    expect(types()).toEqual(['alarm.fire']);
    expect(pin(RELAY).physical).toBe(1);
    door.stop();
    expect(pin(RELAY).physical).toBe(0);
  });
});
