/**
 * `systemd-analyze verify` (and an offline `systemd-analyze security` score) on systemd/pintu.service and
 * systemd/pintu-central.service, inside a throwaway --root that holds the distro's unit files (for
 * sysinit.target & co.) and an executable stand-in for the /usr/local/bin/pintu wrapper install.sh writes.
 * Needs systemd-analyze (Debian package `systemd`): the test fails, never skips, without it.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unitEnvironment } from '../../bench/unit-env.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const UNITS = ['pintu.service', 'pintu-central.service'] as const;
const WRAPPER = '/usr/local/bin/pintu';

function findSystemdAnalyze(): string {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/bin'];
  for (const d of dirs) {
    const p = join(d, 'systemd-analyze');
    if (d && existsSync(p)) return p;
  }
  throw new Error('systemd-analyze not found: install it with `apt-get install systemd` (CI needs the systemd package for this test)');
}

/** The distro's unit directory (sysinit.target, multi-user.target, network-online.target ...). */
function systemUnitDir(): string {
  for (const d of ['/usr/lib/systemd/system', '/lib/systemd/system']) {
    if (existsSync(join(d, 'sysinit.target'))) return d;
  }
  throw new Error('no systemd unit files (sysinit.target) on this machine: `apt-get install systemd`');
}

let analyze: string;
let root: string;

beforeAll(() => {
  analyze = findSystemdAnalyze();
  root = mkdtempSync(join(tmpdir(), 'pintu-units-'));
  mkdirSync(join(root, 'usr/lib/systemd'), { recursive: true });
  cpSync(systemUnitDir(), join(root, 'usr/lib/systemd/system'), { recursive: true, verbatimSymlinks: true });
  mkdirSync(join(root, 'etc/systemd/system'), { recursive: true });
  mkdirSync(join(root, 'usr/local/bin'), { recursive: true });
  writeFileSync(join(root, WRAPPER), '#!/bin/sh\nexit 0\n');
  chmodSync(join(root, WRAPPER), 0o755);
  for (const u of UNITS) cpSync(join(repo, 'systemd', u), join(root, 'etc/systemd/system', u));
});

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

function run(args: string[]): { status: number | null; out: string; err: string } {
  const r = spawnSync(analyze, args, { encoding: 'utf8', env: { ...process.env, SYSTEMD_LOG_COLOR: '0', SYSTEMD_PAGER: '', LC_ALL: 'C' } });
  if (r.error) throw r.error;
  return { status: r.status, out: r.stdout, err: r.stderr };
}

function verify(unit: string): { status: number | null; err: string } {
  return run(['verify', `--root=${root}`, `/etc/systemd/system/${unit}`]);
}

/** Value lines of `key` in a unit file (comments ignored). */
function values(unit: string, key: string): string[] {
  return readFileSync(join(repo, 'systemd', unit), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith(`${key}=`))
    .map((l) => l.slice(key.length + 1));
}

describe.each(UNITS)('%s', (unit) => {
  it('passes systemd-analyze verify without errors or warnings', () => {
    const r = verify(unit);
    expect(r.err).toBe('');
    expect(r.status).toBe(0);
  });

  it('has an offline security exposure of 3.0 or less', () => {
    const r = run(['security', '--offline=yes', `--root=${root}`, '--no-pager', `/etc/systemd/system/${unit}`]);
    const m = /Overall exposure level for \S+: (\d+(?:\.\d+)?)/.exec(r.out + r.err);
    if (!m) throw new Error(`no exposure level in output:\n${r.out}\n${r.err}`);
    expect(Number(m[1])).toBeLessThanOrEqual(3.0);
  });

  it('is a notify service with a watchdog, run through the installed wrapper as user pintu', () => {
    expect(values(unit, 'Type')).toEqual(['notify']);
    expect(values(unit, 'NotifyAccess')).toEqual(['main']);
    expect(values(unit, 'WatchdogSec')).toEqual(['30']);
    expect(values(unit, 'Restart')).toEqual(['always']);
    expect(values(unit, 'User')).toEqual(['pintu']);
    expect(values(unit, 'ExecStart')[0]?.split(' ')[0]).toBe(WRAPPER);
    // V8's JIT cannot run with MemoryDenyWriteExecute=yes
    expect(values(unit, 'MemoryDenyWriteExecute')).toEqual(['no']);
    expect(values(unit, 'ProtectSystem')).toEqual(['strict']);
  });
});

describe('pintu.service specifics', () => {
  it('puts the door ahead of officers\' commands and backups for CPU and disk', () => {
    expect(Number(values('pintu.service', 'Nice')[0])).toBeLessThan(0);
    expect(Number(values('pintu.service', 'CPUWeight')[0])).toBeGreaterThan(100);
    expect(Number(values('pintu.service', 'IOWeight')[0])).toBeGreaterThan(100);
  });

  it('turns the relay off after every stop, with the same wrapper and config', () => {
    expect(values('pintu.service', 'ExecStart')).toEqual([`${WRAPPER} run --config /etc/pintu/pintu.yaml`]);
    expect(values('pintu.service', 'ExecStopPost')).toEqual([`${WRAPPER} relay-off --config /etc/pintu/pintu.yaml`]);
  });

  it('gives the daemon /run/pintu for its relay record, kept for ExecStopPost and after a stop (issue 16)', () => {
    expect(values('pintu.service', 'RuntimeDirectory')).toEqual(['pintu']);
    expect(values('pintu.service', 'RuntimeDirectoryMode')).toEqual(['0750']);
    // Without it, an automatic restart would remove the record; with it, only a reboot (tmpfs) does.
    expect(values('pintu.service', 'RuntimeDirectoryPreserve')).toEqual(['yes']);
  });

  it('keeps /sys writable for sysfs GPIO and allows only serial and gpiochip devices', () => {
    expect(values('pintu.service', 'ProtectKernelTunables')).toEqual(['no']);
    expect(values('pintu.service', 'SupplementaryGroups')).toEqual(['gpio dialout']);
    expect(values('pintu.service', 'DevicePolicy')).toEqual(['closed']);
    expect(values('pintu.service', 'DeviceAllow').sort()).toEqual(
      ['char-gpiochip rw', 'char-ttyACM rw', 'char-ttyAMA rw', 'char-ttyS rw', 'char-ttyUSB rw'].sort(),
    );
  });
});

describe('pintu.service memory bound (issue 10)', () => {
  it('starts node with the memory flags bench/drain.ts measures, and node accepts them from NODE_OPTIONS', () => {
    const env = unitEnvironment(readFileSync(join(repo, 'systemd/pintu.service'), 'utf8'));
    expect(env.NODE_ENV).toBe('production');
    expect(env.NODE_OPTIONS?.split(' ').sort()).toEqual(['--max-old-space-size=64', '--max-semi-space-size=1', '--v8-pool-size=1']);
    // A flag node does not allow in NODE_OPTIONS stops it before pintu runs (exit 9): the door would never start.
    const r = spawnSync(process.execPath, ['-e', 'process.stdout.write("ok")'], { encoding: 'utf8', env: { ...process.env, ...env } });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('ok');
    expect(r.status).toBe(0);
  });
});

describe('the verify harness', () => {
  it('does report a broken unit (so a clean result above means something)', () => {
    const broken = readFileSync(join(repo, 'systemd/pintu.service'), 'utf8')
      .replace(/^ProtectSystem=strict$/m, 'ProtectSytem=strict')
      .replace(`ExecStart=${WRAPPER}`, 'ExecStart=/usr/local/bin/pintu-missing');
    writeFileSync(join(root, 'etc/systemd/system/pintu-broken.service'), broken);
    const r = verify('pintu-broken.service');
    expect(r.err).toContain("Unknown key 'ProtectSytem'");
    expect(r.err).toContain('pintu-missing');
    expect(r.status).not.toBe(0);
  });
});
