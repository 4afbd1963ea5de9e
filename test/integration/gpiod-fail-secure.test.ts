/**
 * hardware: gpiod, fail secure across processes (built CLI modules, fake gpiod Python module): pintu killed with -9
 * while the strike is on → its helper sees stdin close, drives the strike off and releases; the helper killed under
 * a running daemon → the daemon treats the strike's state as unknown and exits non-zero through its fail-secure handler
 * (systemd's ExecStopPost `pintu relay-off` then requests the line off: gpiod-relay-off.test.ts); `systemctl stop`, which
 * signals both at once, is a clean stop.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { until } from '../helpers/cli.js';
import { fakeGpiod, physicalHistory, TEST_PYTHON, type FakeGpiod } from '../helpers/fake-gpiod.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/gpiod-door.mjs', import.meta.url));
const alive = (pid: number): boolean => { try { process.kill(pid, 0); return true; } catch { return false; } };

let worlds: FakeGpiod[] = [];
afterEach(() => { for (const w of worlds) w.cleanup(); worlds = []; });

function start(mode: 'io' | 'daemon', w: FakeGpiod) {
  const child = spawn(process.execPath, [FIXTURE, mode, w.dir], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...w.env, TEST_PYTHON } });
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  return { child, exited, out: () => out };
}

describe.each(['v2', 'v1'] as const)('gpiod fail secure across processes (%s binding)', (flavour) => {
  it('kill -9 of pintu with the strike on: the helper drives it off, releases every line and exits', async () => {
    const w = fakeGpiod(flavour);
    worlds.push(w);
    const p = start('io', w);
    await until(() => /relay on \d+/.test(p.out()), `the fixture to drive the relay on: ${p.out()}`);
    const helperPid = Number(/relay on (\d+)/.exec(p.out())![1]);
    await w.waitFor((l) => expect(physicalHistory(l, 17)).toEqual([0, 1]));
    p.child.kill('SIGKILL');
    await p.exited;
    await w.waitFor((l) => {
      expect(physicalHistory(l, 17)).toEqual([0, 1, 0]);
      expect(new Set(l.filter((e) => e.op === 'release').flatMap((e) => e.offsets))).toEqual(new Set([17, 27, 22]));
    });
    await until(() => !alive(helperPid), 'the helper to exit');
  }, 30_000);

  it('the helper killed under a running daemon: the daemon fails secure and exits 1', async () => {
    const w = fakeGpiod(flavour);
    worlds.push(w);
    const p = start('daemon', w);
    await until(() => /ready \d+/.test(p.out()), `the fixture daemon to start: ${p.out()}`);
    const helperPid = Number(/ready (\d+)/.exec(p.out())![1]);
    expect(physicalHistory(w.log(), 17).every((level) => level === 0)).toBe(true);
    process.kill(helperPid, 'SIGKILL');
    expect(await p.exited).toBe(1);
    expect(p.out()).toMatch(/fatal: the GPIO helper exited \(code null, signal SIGKILL\)/);
  }, 30_000);

  it('systemctl stop (SIGTERM to pintu and its helper at once) is a clean stop: exit 0, strike off, lines released', async () => {
    const w = fakeGpiod(flavour);
    worlds.push(w);
    const p = start('daemon', w);
    await until(() => /ready \d+/.test(p.out()), `the fixture daemon to start: ${p.out()}`);
    const helperPid = Number(/ready (\d+)/.exec(p.out())![1]);
    process.kill(helperPid, 'SIGTERM');
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(p.out()).not.toContain('fatal:');
    const log = w.log();
    expect(physicalHistory(log, 17).every((level) => level === 0)).toBe(true);
    expect(new Set(log.filter((e) => e.op === 'release').flatMap((e) => e.offsets))).toEqual(new Set([17, 27, 22]));
  }, 30_000);
});
