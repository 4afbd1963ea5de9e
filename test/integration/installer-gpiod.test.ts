/**
 * scripts/install.sh and hardware: gpiod (issue 16 item 1), in a temporary --prefix from a stand-in source tree: a new
 * config says hardware: gpiod where /dev/gpiochip0 exists and libgpiod's Python bindings import (PINTU_TEST_PYTHON
 * stands in for /usr/bin/python3), else gpio (sysfs); a gpiod config without the bindings holds the service back with
 * the apt line; the GPIO helper script is shipped to /opt/pintu/scripts.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../..', import.meta.url));
let work: string;
let src: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'pintu-install-gpiod-'));
  src = join(work, 'src');
  mkdirSync(join(src, 'scripts'), { recursive: true });
  for (const s of ['install.sh', 'uninstall.sh', 'pintu-gpiod.py', 'prod-modules.mjs']) cpSync(join(repo, 'scripts', s), join(src, 'scripts', s));
  for (const d of ['systemd', 'udev', 'config']) cpSync(join(repo, d), join(src, d), { recursive: true });
  mkdirSync(join(src, 'dist/src/cli'), { recursive: true });
  writeFileSync(join(src, 'dist/src/cli/index.js'), 'console.log("pintu");\n');
  mkdirSync(join(src, 'node_modules'));
  writeFileSync(join(src, 'package.json'), '{"name":"pintu","version":"0.0.0-test"}\n');
  // install.sh copies the production dependencies the lock file names (none here).
  writeFileSync(join(src, 'package-lock.json'), JSON.stringify({ name: 'pintu', lockfileVersion: 3, packages: { '': { name: 'pintu' } } }));
  for (const [name, code] of [['python-ok', 0], ['python-no-gpiod', 1]] as const) {
    writeFileSync(join(work, name), `#!/bin/sh\n[ "$1" = -c ] && [ "$2" = "import gpiod" ] || exit 2\nexit ${code}\n`);
    chmodSync(join(work, name), 0o755);
  }
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function install(opts: { chip: boolean; python: 'python-ok' | 'python-no-gpiod'; config?: string }): { prefix: string; out: string; status: number | null; config: string } {
  const prefix = mkdtempSync(join(work, 'root-'));
  if (opts.chip) {
    mkdirSync(join(prefix, 'dev'));
    writeFileSync(join(prefix, 'dev/gpiochip0'), '');
  }
  if (opts.config !== undefined) {
    mkdirSync(join(prefix, 'etc/pintu'), { recursive: true });
    writeFileSync(join(prefix, 'etc/pintu/pintu.yaml'), opts.config);
  }
  const r = spawnSync('/bin/sh', [join(src, 'scripts/install.sh'), '--prefix', prefix, '--no-npm'], {
    encoding: 'utf8', env: { ...process.env, PINTU_TEST_PYTHON: join(work, opts.python) },
  });
  return { prefix, out: r.stdout + r.stderr, status: r.status, config: readFileSync(join(prefix, 'etc/pintu/pintu.yaml'), 'utf8') };
}

describe('install.sh and hardware: gpiod', () => {
  const example = (): string => readFileSync(join(src, 'config/pintu.example.yaml'), 'utf8');

  it('a new config says hardware: gpiod where /dev/gpiochip0 exists and the bindings import; otherwise unchanged', () => {
    const r = install({ chip: true, python: 'python-ok' });
    expect(r.status).toBe(0);
    expect(r.config).toBe(example().replace(/^hardware: gpio$/m, 'hardware: gpiod'));
    expect(r.config).toMatch(/^hardware: gpiod$/m);
    expect(r.out).toContain('hardware: gpiod (the GPIO character device, /dev/gpiochip0, and python3-libgpiod are there)');
    expect(r.out).toContain('GPIO character device gpiochip0 (hardware: gpiod)');
    expect(r.out).toContain("libgpiod's Python bindings (python3-libgpiod)");
  });

  it.each([
    ['no python3-libgpiod', { chip: true, python: 'python-no-gpiod' as const }],
    ['no /dev/gpiochip0 (old kernel)', { chip: false, python: 'python-ok' as const }],
  ])('%s: a new config keeps hardware: gpio (sysfs)', (_what, opts) => {
    const r = install(opts);
    expect(r.status).toBe(0);
    expect(r.config).toBe(example());
    expect(r.config).toMatch(/^hardware: gpio$/m);
    expect(r.out).toContain('hardware: gpio (sysfs): no /dev/gpiochip0 or no python3-libgpiod');
  });

  it('an existing gpiod config without the bindings: the service is held back and the apt line is given', () => {
    const r = install({ chip: true, python: 'python-no-gpiod', config: example().replace(/^hardware: gpio$/m, 'hardware: gpiod') });
    expect(r.status).toBe(0);
    expect(r.out).toContain("GPIO: hardware: gpiod needs libgpiod's Python bindings: sudo apt-get install python3-libgpiod (or hardware: gpio)");
    expect(r.out).toContain('pintu.service is NOT enabled or started');
  });

  it('ships the GPIO helper to /opt/pintu/scripts', () => {
    const r = install({ chip: false, python: 'python-ok' });
    expect(readFileSync(join(r.prefix, 'opt/pintu/scripts/pintu-gpiod.py'), 'utf8')).toBe(readFileSync(join(repo, 'scripts/pintu-gpiod.py'), 'utf8'));
    expect(existsSync(join(r.prefix, 'opt/pintu/scripts/install.sh'))).toBe(true);
  });
});
