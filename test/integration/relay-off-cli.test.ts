/**
 * `pintu relay-off` through the built CLI (issue 16, item 5): the daemon's /run record is read first, with a broken
 * pintu.yaml too; without it the config is used and the output says so; with neither it fails, naming both.
 * The record points at an emulated sysfs tree, so no real GPIO is touched.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pintu } from '../helpers/cli.js';
import { tempConfig, type TempConfig } from '../helpers/config.js';
import { writeRelayRecord } from '../../src/adapters/os/relay-record.js';

const dirs: string[] = [];
const temps: TempConfig[] = [];
afterEach(() => {
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
