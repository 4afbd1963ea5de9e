/**
 * `pintu relay-off` through the built CLI (issue 16, item 5): the daemon's /run record is read first, with a broken
 * pintu.yaml too; without it the config is used and the output says so; with neither it fails, naming both.
 * The record points at an emulated sysfs tree, so no real GPIO is touched.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { CLI, pintu } from '../helpers/cli.js';
import { fakeGpiod, physicalHistory, type FakeGpiod } from '../helpers/fake-gpiod.js';
import { tempConfig, type TempConfig } from '../helpers/config.js';
import { writeRelayRecord } from '../../src/adapters/os/relay-record.js';

const dirs: string[] = [];
const temps: TempConfig[] = [];
const worlds: FakeGpiod[] = [];
afterEach(() => {
  for (const w of worlds.splice(0)) w.cleanup();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  for (const t of temps.splice(0)) t.cleanup();
});
const tmp = (): string => { const d = mkdtempSync(join(tmpdir(), 'pintu-relayoff-cli-')); dirs.push(d); return d; };

describe('pintu relay-off (built CLI)', () => {
  it('with an invalid pintu.yaml it still goes for the recorded pin (here an emulated tree without GPIO: a clear error)', () => {
    const dir = tmp();
    const broken = join(dir, 'pintu.yaml');
    writeFileSync(broken, 'gpio:\n  relay: { pin: eighteen\n');
    const run = join(dir, 'run');
    writeRelayRecord(run, { hardware: 'gpio', pin: 17, activeLow: false, sysfsNumber: 529, sysfsRoot: join(dir, 'no-gpio') }, 4242, Date.now());
    const r = pintu(broken, ['relay-off', '--run-dir', run]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`from ${join(run, 'relay.json')} (written by pid 4242`);
    expect(r.stderr).toContain(`strike relay on BCM 17 (sysfs 529): ${join(dir, 'no-gpio')}/export does not exist`);
    expect(r.stderr).not.toMatch(/pintu\.yaml|invalid/);
  });

  it('without a record it uses the config and says so; with neither it fails naming both', () => {
    const t = tempConfig();
    temps.push(t);
    const run = join(t.dir, 'run');
    const ok = pintu(t.file, ['relay-off', '--run-dir', run, '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ relay: 'off', source: 'config', hardware: 'sim', recordProblem: expect.stringContaining(`no record at ${join(run, 'relay.json')}`) });
    const human = pintu(t.file, ['relay-off', '--run-dir', run]);
    expect(human.stdout.trim()).toBe(`relay off (sim door I/O; from the config: no record at ${join(run, 'relay.json')} (the daemon has not run since boot, or ran without door GPIO))`);
    const none = pintu(join(t.dir, 'missing.yaml'), ['relay-off', '--run-dir', run]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/cannot tell which pin drives the strike: no record at .*relay\.json .*, and the config cannot be used: /);
  });
});

describe('pintu relay-off with a gpiod record (built CLI, fake libgpiod on PYTHONPATH)', () => {
  it('a broken config and a pin change do not matter: the recorded line 17 is driven off, and only it', () => {
    const w = fakeGpiod('v2');
    worlds.push(w);
    const dir = tmp();
    const config = join(dir, 'pintu.yaml');
    // The config now names BCM 18 and is invalid besides: the daemon that ran drove 17.
    writeFileSync(config, 'hardware: gpiod\ngpio:\n  relay: { pin: 18, activeLow: maybe }\n');
    const run = join(dir, 'run');
    writeRelayRecord(run, { hardware: 'gpiod', pin: 17, activeLow: false, chip: `${w.devDir}/gpiochip0` }, 4242, Date.now());
    const r = spawnSync(process.execPath, [CLI, 'relay-off', '--config', config], { encoding: 'utf8', timeout: 60_000, env: { ...w.env, PINTU_CONFIG: '', PINTU_RUN_DIR: run } });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(`relay off (BCM 17, active-high, gpiod; from ${join(run, 'relay.json')}, written by the daemon pid 4242)`);
    const entries = w.log();
    expect(entries.map((e) => e.op)).toEqual(['request', 'set', 'release']);
    expect(Object.keys(entries[0]!.lines!)).toEqual(['17']);
    expect(physicalHistory(entries, 17)).toEqual([0, 0]);
  }, 60_000);
});
