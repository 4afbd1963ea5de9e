/**
 * Relay off from the last known pin (issue 16, item 5): the daemon's /run record (`relay.json`), `pintu relay-off`'s
 * choice between the record and the config, and driving just the relay pin on an emulated sysfs tree (mocked onoff).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Direction, Options } from 'onoff';
import { RELAY_RECORD_FILE, readRelayRecord, recordRelayPin, runDirOf, writeRelayRecord } from '../../src/adapters/os/relay-record.js';
import { forceRelayOff, forceRelayOffSysfs } from '../../src/adapters/gpio/relay-off.js';
import type { GpioFactory, GpioPin } from '../../src/adapters/gpio/onoff-door-io.js';
import { relayOff, relayOffLine } from '../../src/cli/relay-off.js';
import { SimDoorIo } from '../../src/adapters/sim/sim-door-io.js';
import { createLogger } from '../../src/adapters/log/pino.js';
import type { Config } from '../../src/config/schema.js';
import type { RelayPinInfo } from '../../src/ports/hardware.js';
import { tempConfig, type TempConfig } from '../helpers/config.js';
import { forceRelayOffGpiod } from '../../src/adapters/gpio/gpiod-helper.js';
import { fakeGpiod, physicalHistory, TEST_PYTHON, type FakeGpiod } from '../helpers/fake-gpiod.js';

const dirs: string[] = [];
const temps: TempConfig[] = [];
const worlds: FakeGpiod[] = [];
afterEach(() => {
  for (const w of worlds.splice(0)) w.cleanup();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  for (const t of temps.splice(0)) t.cleanup();
});
const tmp = (): string => { const d = mkdtempSync(join(tmpdir(), 'pintu-relayoff-')); dirs.push(d); return d; };
const log = createLogger('silent');
const SYSFS_17: RelayPinInfo = { hardware: 'gpio', pin: 17, activeLow: false, sysfsNumber: 529, sysfsRoot: '/sys/class/gpio' };

/** A config whose relay is on BCM `pin` (hardware gpio). */
function gpioConfig(pin: number): Config {
  const t = tempConfig();
  temps.push(t);
  return { ...t.config, hardware: 'gpio', gpio: { ...t.config.gpio, relay: { ...t.config.gpio.relay, pin } } } as Config;
}

/** A fake onoff Gpio class recording what each pin was asked to do. */
function fakeGpio(opts: { readsOn?: boolean } = {}): { Gpio: GpioFactory; calls: string[] } {
  const calls: string[] = [];
  class Fake implements GpioPin {
    private v: 0 | 1 = 0;
    constructor(private readonly n: number, direction: Direction, _edge?: unknown, o?: Options) { calls.push(`new ${n} ${direction} activeLow=${String(o?.activeLow ?? false)}`); }
    readSync(): 0 | 1 { return opts.readsOn ? 1 : this.v; }
    writeSync(v: 0 | 1): void { this.v = v; calls.push(`write ${this.n} ${v}`); }
    watch(): void { /* unused */ }
    unwatch(): void { /* unused */ }
    activeLow(): boolean { return false; }
    unexport(): void { calls.push(`unexport ${this.n}`); }
  }
  return { Gpio: Fake as unknown as GpioFactory, calls };
}

describe('the /run relay record', () => {
  it('the daemon records the pin its door I/O resolved, atomically, with format, pid and time', () => {
    const run = join(tmp(), 'run-pintu');
    const io = Object.assign(new SimDoorIo(), { relayPin: SYSFS_17 });
    const file = recordRelayPin(io, run, log, 4242, Date.parse('2026-12-02T03:00:00Z'));
    expect(file).toBe(join(run, RELAY_RECORD_FILE));
    expect(JSON.parse(readFileSync(file!, 'utf8'))).toEqual({ format: 'pintu-relay/1', pid: 4242, writtenAt: '2026-12-02T03:00:00.000Z', ...SYSFS_17 });
    expect(readdirSync(run)).toEqual([RELAY_RECORD_FILE]); // no temp file left behind
    expect(readRelayRecord(run)).toMatchObject({ state: 'ok', record: { pin: 17, sysfsNumber: 529 } });
  });

  it('the sim has no pin to record (and an earlier run\'s record goes); an unwritable run dir is logged, never fatal', () => {
    const run = tmp();
    expect(recordRelayPin(new SimDoorIo(), run, log)).toBeNull();
    expect(existsSync(join(run, RELAY_RECORD_FILE))).toBe(false);
    writeRelayRecord(run, SYSFS_17, 1234, Date.now());
    expect(recordRelayPin(new SimDoorIo(), run, log)).toBeNull();
    expect(existsSync(join(run, RELAY_RECORD_FILE))).toBe(false);
    const blocked = join(run, 'file');
    writeFileSync(blocked, '');
    expect(recordRelayPin(Object.assign(new SimDoorIo(), { relayPin: SYSFS_17 }), join(blocked, 'sub'), log)).toBeNull();
  });

  it('a missing, unparsable or incomplete record is told apart', () => {
    const run = tmp();
    expect(readRelayRecord(run).state).toBe('missing');
    writeFileSync(join(run, RELAY_RECORD_FILE), '{"format":"pintu-relay/1"');
    expect(readRelayRecord(run)).toMatchObject({ state: 'invalid', why: 'not JSON' });
    writeFileSync(join(run, RELAY_RECORD_FILE), JSON.stringify({ format: 'pintu-relay/1', pid: 1, writtenAt: 'x', hardware: 'gpio', pin: 17, activeLow: false }));
    expect(readRelayRecord(run)).toMatchObject({ state: 'invalid', why: expect.stringContaining('sysfsNumber') });
  });

  it('the run dir: --run-dir, else PINTU_RUN_DIR, else systemd\'s RUNTIME_DIRECTORY, else /run/pintu', () => {
    expect(runDirOf('/x', { PINTU_RUN_DIR: '/y' })).toBe('/x');
    expect(runDirOf(undefined, { PINTU_RUN_DIR: '/y', RUNTIME_DIRECTORY: '/run/pintu' })).toBe('/y');
    expect(runDirOf(undefined, { RUNTIME_DIRECTORY: '/run/other' })).toBe('/run/other');
    expect(runDirOf(undefined, {})).toBe('/run/pintu');
  });
});

describe('pintu relay-off: the record first, the config as fallback', () => {
  const withRecord = (info: RelayPinInfo): string => { const run = tmp(); writeRelayRecord(run, info, 777, Date.now()); return run; };

  it('with a broken config, the record\'s pin is driven off', async () => {
    const driven: RelayPinInfo[] = [];
    const r = await relayOff({
      runDir: withRecord(SYSFS_17),
      loadConfig: () => { throw new Error('/etc/pintu/pintu.yaml is invalid: gpio.relay.pin: expected number'); },
      drivePin: async (info) => { driven.push(info); },
      driveConfigured: async () => { throw new Error('must not be used'); },
    });
    expect(driven).toEqual([SYSFS_17]);
    expect(r).toMatchObject({ source: 'record', pin: 17, activeLow: false, recordPid: 777 });
    expect(relayOffLine(r)).toMatch(/^relay off \(BCM 17, active-high, gpio; from .*relay\.json, written by the daemon pid 777\)$/);
  });

  it('after a pin change (config says 18, record says 17), 17 is driven — the pin the daemon really used', async () => {
    const driven: number[] = [];
    let configured = 0;
    const r = await relayOff({
      runDir: withRecord(SYSFS_17), loadConfig: () => gpioConfig(18),
      drivePin: async (info) => { driven.push(info.pin); }, driveConfigured: async () => { configured += 1; },
    });
    expect(driven).toEqual([17]);
    expect(configured).toBe(0);
    expect(r.source).toBe('record');
  });

  it('without a record, or with an invalid one, the config is used and it says why', async () => {
    const used: number[] = [];
    const deps = { loadConfig: () => gpioConfig(18), drivePin: async () => { throw new Error('no record: must not be used'); }, driveConfigured: async (c: Config) => { used.push(c.gpio.relay.pin); } };
    const none = await relayOff({ runDir: tmp(), ...deps });
    expect(none).toMatchObject({ source: 'config', pin: 18, recordProblem: expect.stringContaining('no record at') });
    expect(relayOffLine(none)).toContain('from the config: no record at');
    const bad = tmp();
    writeFileSync(join(bad, RELAY_RECORD_FILE), 'garbage');
    const invalid = await relayOff({ runDir: bad, ...deps });
    expect(invalid.recordProblem).toMatch(/relay\.json is not a valid record: not JSON/);
    expect(used).toEqual([18, 18]);
  });

  it('neither a record nor a usable config: a clear error naming both, nothing driven', async () => {
    let driven = 0;
    const run = tmp();
    await expect(relayOff({
      runDir: run, loadConfig: () => { throw new Error('cannot read /etc/pintu/pintu.yaml: ENOENT'); },
      drivePin: async () => { driven += 1; }, driveConfigured: async () => { driven += 1; },
    })).rejects.toThrow(`cannot tell which pin drives the strike: no record at ${join(run, RELAY_RECORD_FILE)}`);
    expect(driven).toBe(0);
  });

  it('a record whose pin cannot be driven fails (exit non-zero), naming the record and the pin', async () => {
    await expect(relayOff({
      runDir: withRecord(SYSFS_17), loadConfig: () => gpioConfig(18),
      drivePin: async () => { throw new Error('strike relay on BCM 17 (sysfs 529): EBUSY'); }, driveConfigured: async () => undefined,
    })).rejects.toThrow(/relay\.json \(written by pid 777 at .*\): strike relay on BCM 17 \(sysfs 529\): EBUSY/);
  });
});

describe('driving just the relay pin (sysfs, mocked onoff on an emulated tree)', () => {
  const sysfsRoot = (): string => { const r = tmp(); writeFileSync(join(r, 'export'), ''); writeFileSync(join(r, 'unexport'), ''); return r; };

  it('active-high: exported straight into physical low, driven off, released; no other pin touched', async () => {
    const { Gpio, calls } = fakeGpio();
    await forceRelayOffSysfs({ ...SYSFS_17, sysfsRoot: sysfsRoot() }, log, Gpio);
    expect(calls).toEqual(['new 529 low activeLow=false', 'write 529 0', 'unexport 529']);
  });

  it('active-low: exported into physical high with active_low set', async () => {
    const { Gpio, calls } = fakeGpio();
    await forceRelayOffSysfs({ hardware: 'gpio', pin: 27, activeLow: true, sysfsNumber: 598, sysfsRoot: sysfsRoot() }, log, Gpio);
    expect(calls).toEqual(['new 598 high activeLow=true', 'write 598 0', 'unexport 598']);
  });

  it('a relay that still reads on is an error, and the pin is released anyway', async () => {
    const { Gpio, calls } = fakeGpio({ readsOn: true });
    await expect(forceRelayOffSysfs({ ...SYSFS_17, sysfsRoot: sysfsRoot() }, log, Gpio)).rejects.toThrow('strike relay on BCM 17 (sysfs 529): reads on after being driven off');
    expect(calls.at(-1)).toBe('unexport 529');
  });

  it('no sysfs GPIO tree: a clear error, no pin touched', async () => {
    const { Gpio, calls } = fakeGpio();
    const root = tmp();
    chmodSync(root, 0o755);
    mkdirSync(join(root, 'empty'));
    await expect(forceRelayOffSysfs({ ...SYSFS_17, sysfsRoot: join(root, 'empty') }, log, Gpio)).rejects.toThrow(/export does not exist/);
    expect(calls).toEqual([]);
  });

  it('gpiod records go to the character-device adapter; a build without it says so and how to drive it by hand', async () => {
    const info: RelayPinInfo = { hardware: 'gpiod', pin: 17, activeLow: true, chip: '/dev/gpiochip0' };
    const seen: RelayPinInfo[] = [];
    await forceRelayOff(info, log, { loadGpiod: async () => ({ forceRelayOffGpiod: (i: RelayPinInfo) => { seen.push(i); } }) });
    expect(seen).toEqual([info]);
    await expect(forceRelayOff(info, log, { loadGpiod: async () => { throw new Error('Cannot find module gpiod-door-io.js'); } }))
      .rejects.toThrow(/strike relay on BCM 17 \(\/dev\/gpiochip0\): this build has no gpiod door I\/O/);
  });
});

describe('a gpiod record: the character-device adapter drives just the strike (fake libgpiod, both bindings)', () => {
  it.each(['v2', 'v1'] as const)('%s: broken config, record says BCM 17 active-low on gpiochip0 → only line 17 requested at its OFF level, released', async (flavour) => {
    const w = fakeGpiod(flavour);
    worlds.push(w);
    const run = tmp();
    const info: RelayPinInfo = { hardware: 'gpiod', pin: 17, activeLow: true, chip: `${w.devDir}/gpiochip0` };
    writeRelayRecord(run, info, 999, Date.now());
    const r = await relayOff({
      runDir: run,
      loadConfig: () => { throw new Error('pintu.yaml is invalid'); },
      // The real forceRelayOff → the gpiod adapter's forceRelayOffGpiod, with the test's Python and fake module.
      drivePin: (pin) => forceRelayOff(pin, log, { loadGpiod: async () => ({ forceRelayOffGpiod: (i: RelayPinInfo, l: typeof log) => forceRelayOffGpiod(i, l, { python: TEST_PYTHON, env: w.env }) }) }),
      driveConfigured: async () => { throw new Error('must not be used'); },
    });
    expect(r).toMatchObject({ source: 'record', hardware: 'gpiod', pin: 17, activeLow: true });
    const entries = w.log();
    expect(entries.map((e) => e.op)).toEqual(['request', 'set', 'release']);
    expect(Object.keys(entries[0]!.lines!)).toEqual(['17']);
    expect(physicalHistory(entries, 17)).toEqual([1, 1]); // active-low: OFF is physical high, from the request on
  });
});
