/**
 * The whole path of issue 16's items 5 and 7 on `hardware: gpiod` (built CLI, fake libgpiod on PYTHONPATH): `pintu run`
 * writes /run/pintu/relay.json once its relay is off, and the UPS mains level with its heartbeat (`pintu health`'s
 * `ups-mains`); after the daemon stopped and pintu.yaml broke, `pintu relay-off` drives the recorded line alone.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, until } from '../helpers/cli.js';
import { tempConfig, type TempConfig } from '../helpers/config.js';
import { fakeGpiod, type FakeGpiod } from '../helpers/fake-gpiod.js';

const temps: TempConfig[] = [];
const worlds: FakeGpiod[] = [];
afterEach(() => {
  for (const w of worlds.splice(0)) w.cleanup();
  for (const t of temps.splice(0)) t.cleanup();
});

describe('pintu run on gpiod: the relay record and the mains level, then relay-off from the record', () => {
  it('records BCM 17 on the chip it used, reports mains present, and relay-off drives only line 17 after the config broke', async () => {
    // Mains wired on 26 (activeLow: the UPS contact pulls it low while mains is present).
    const w = fakeGpiod('v2', { initial: { 26: 0 } });
    worlds.push(w);
    const t = tempConfig({ hardware: 'gpiod', gpio: { chip: `${w.devDir}/gpiochip0`, mains: { pin: 26, activeLow: true } } });
    temps.push(t);
    const run = join(t.dir, 'run');
    const env = { ...w.env, PINTU_CONFIG: '', PINTU_RUN_DIR: run };
    const cli = (args: string[]): { code: number | null; stdout: string; stderr: string } => {
      const r = spawnSync(process.execPath, [CLI, ...args, '--config', t.file], { encoding: 'utf8', timeout: 60_000, env });
      return { code: r.status, stdout: r.stdout, stderr: r.stderr };
    };
    expect(JSON.parse(cli(['status', '--json']).stdout).daemon).toBe('not running');
    const daemon = spawn(process.execPath, [CLI, 'run', '--config', t.file], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stderr = '';
    daemon.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const exited = new Promise((res) => daemon.once('exit', res));
    try {
      await until(() => (JSON.parse(cli(['status', '--json']).stdout || '{}') as { daemon?: string }).daemon === 'running' || daemon.exitCode !== null, 'daemon running', 60_000, 250);
      expect(daemon.exitCode, stderr).toBeNull();
      const record = JSON.parse(readFileSync(join(run, 'relay.json'), 'utf8')) as Record<string, unknown>;
      expect(record).toMatchObject({ format: 'pintu-relay/1', pid: daemon.pid, hardware: 'gpiod', pin: 17, activeLow: false, chip: `${w.devDir}/gpiochip0` });
      const health = JSON.parse(cli(['health', '--json']).stdout) as { items: { item: string; status: string; value: unknown }[] };
      expect(health.items.find((i) => i.item === 'ups-mains')).toMatchObject({ status: 'ok', value: true });
    } finally {
      daemon.kill('SIGTERM');
      await exited;
    }
    // The record outlives the daemon (RuntimeDirectoryPreserve=yes on a real door); the config is now broken.
    expect(existsSync(join(run, 'relay.json'))).toBe(true);
    const before = w.log().length;
    writeFileSync(t.file, 'hardware: gpiod\ngpio: { relay: { pin: 18 } \n');
    const off = cli(['relay-off']);
    expect(off.stderr).toBe('');
    expect(off.code).toBe(0);
    expect(off.stdout).toContain(`relay off (BCM 17, active-high, gpiod; from ${join(run, 'relay.json')}, written by the daemon pid ${daemon.pid})`);
    const after = w.log().slice(before);
    expect(after.map((e) => e.op)).toEqual(['request', 'set', 'release']);
    expect(Object.keys(after[0]!.lines!)).toEqual(['17']);
  }, 180_000);
});
