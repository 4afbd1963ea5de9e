/**
 * scripts/install.sh and scripts/uninstall.sh, run with /bin/sh against a temporary --prefix, from a small
 * stand-in source tree (the real scripts, units, udev rules and example config; a stub dist/ and node_modules/).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  appendFileSync, chmodSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync,
  readlinkSync, rmSync, symlinkSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBadgeKeys } from '../../src/adapters/os/badge-key-file.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const isRoot = process.getuid?.() === 0;

const STAND_IN_CONFIG = '# stand-in for config/pintu.example.yaml (not written yet)\nsite: test-site\ndoor:\n  id: door-1\n';

let work: string;
let src: string;
let prefix: string;

function makeSourceTree(dir: string): void {
  mkdirSync(join(dir, 'scripts'), { recursive: true });
  for (const s of ['install.sh', 'uninstall.sh', 'prod-modules.mjs']) cpSync(join(repo, 'scripts', s), join(dir, 'scripts', s));
  cpSync(join(repo, 'systemd'), join(dir, 'systemd'), { recursive: true });
  cpSync(join(repo, 'udev'), join(dir, 'udev'), { recursive: true });
  mkdirSync(join(dir, 'config'));
  const example = join(repo, 'config/pintu.example.yaml');
  writeFileSync(join(dir, 'config/pintu.example.yaml'), existsSync(example) ? readFileSync(example) : STAND_IN_CONFIG);
  mkdirSync(join(dir, 'dist/src/cli'), { recursive: true });
  writeFileSync(join(dir, 'dist/src/cli/index.js'), 'console.log("pintu v1");\n');
  mkdirSync(join(dir, 'node_modules/dep/bin'), { recursive: true });
  mkdirSync(join(dir, 'node_modules/.bin'), { recursive: true });
  writeFileSync(join(dir, 'node_modules/dep/bin/dep.js'), '#!/usr/bin/env node\n');
  chmodSync(join(dir, 'node_modules/dep/bin/dep.js'), 0o755);
  symlinkSync('../dep/bin/dep.js', join(dir, 'node_modules/.bin/dep'));
  // A devDependency with a .bin link: it must not reach /opt/pintu (issue 16; installer-deps.test.ts has the real tree).
  mkdirSync(join(dir, 'node_modules/devdep'), { recursive: true });
  writeFileSync(join(dir, 'node_modules/devdep/cli.js'), '#!/usr/bin/env node\n');
  symlinkSync('../devdep/cli.js', join(dir, 'node_modules/.bin/devtool'));
  writeFileSync(join(dir, 'package.json'), '{"name":"pintu","version":"0.0.0-test","dependencies":{"dep":"1.0.0"},"devDependencies":{"devdep":"1.0.0"}}\n');
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify({
    name: 'pintu', lockfileVersion: 3, packages: { '': { name: 'pintu' }, 'node_modules/dep': { version: '1.0.0' }, 'node_modules/devdep': { version: '1.0.0', dev: true } },
  }));
}

function sh(script: string, args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; out: string; err: string } {
  const r = spawnSync('/bin/sh', [join(src, 'scripts', script), ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  if (r.error) throw r.error;
  return { status: r.status, out: r.stdout, err: r.stderr };
}
const install = (...args: string[]) => sh('install.sh', ['--prefix', prefix, '--no-npm', ...args]);
const uninstall = (...args: string[]) => sh('uninstall.sh', ['--prefix', prefix, ...args]);

const P = (p: string): string => join(prefix, p);
const mode = (p: string): string => (lstatSync(P(p)).mode & 0o7777).toString(8);

/** passwd/group line fields for `name`. */
function entry(file: 'passwd' | 'group', name: string): string[] | undefined {
  return readFileSync(P(`etc/${file}`), 'utf8').split('\n').map((l) => l.split(':')).find((f) => f[0] === name);
}

/**
 * Everything under the prefix: type, mode, owner and content hash of each entry, and the mtime of files and
 * symlinks (so a rewrite with identical bytes also shows). Directory mtimes are left out: the installer stages
 * the app next to /opt/pintu, which touches /opt itself.
 */
function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      const st = lstatSync(p);
      let what = st.isDirectory() ? 'dir' : st.isSymbolicLink() ? `link:${readlinkSync(p)}` : '';
      if (st.isFile()) what = createHash('sha256').update(readFileSync(p)).digest('hex');
      const mtime = st.isDirectory() ? '' : String(st.mtimeMs);
      out[p.slice(root.length)] = `${st.mode.toString(8)} ${st.uid}:${st.gid} ${mtime} ${what}`;
      if (st.isDirectory()) walk(p);
    }
  };
  walk(root);
  return out;
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'pintu-installer-'));
  src = join(work, 'src');
  prefix = join(work, 'root');
  makeSourceTree(src);
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('install.sh refuses bad input', () => {
  it('fails with how-to-get-Node-20 advice when Node.js is older than 20, writing nothing', () => {
    const fake = join(work, 'node18');
    writeFileSync(fake, '#!/bin/sh\necho v18.19.0\n');
    chmodSync(fake, 0o755);
    const empty = join(work, 'empty-root');
    const r = sh('install.sh', ['--prefix', empty, '--no-npm'], { PINTU_NODE: fake });
    expect(r.status).toBe(1);
    expect(r.err).toContain('needs Node.js 20 or newer');
    expect(r.err).toContain('v18.19.0');
    expect(r.err).toContain('Bookworm');
    expect(r.err).toContain('deb.nodesource.com/setup_20.x');
    expect(r.err).toContain('Trixie');
    expect(readdirSync(empty)).toEqual([]);
  });

  it('prints its usage with --help', () => {
    for (const script of ['install.sh', 'uninstall.sh']) {
      const r = sh(script, ['--help']);
      expect(r.status).toBe(0);
      expect(r.out).toContain('--prefix DIR');
      expect(r.out).not.toContain('set -eu');
    }
  });

  it('rejects unknown options and a relative prefix', () => {
    expect(sh('install.sh', ['--bogus']).status).not.toBe(0);
    const r = sh('install.sh', ['--prefix', 'relative/dir', '--no-npm']);
    expect(r.status).not.toBe(0);
    expect(r.err).toContain('absolute');
  });
});

describe('install, reinstall, uninstall, purge against a temporary prefix', () => {
  const edited = '\n# edited by the IT officer: door 2\n';

  it('installs everything with the right modes and owners', () => {
    const r = install();
    expect(r.err).toBe('');
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/done, \d+ change\(s\)/);
    expect(r.out).toContain('systemctl skipped');

    // app, units, udev, wrapper
    expect(readFileSync(P('opt/pintu/dist/src/cli/index.js'), 'utf8')).toContain('pintu v1');
    expect(readlinkSync(P('opt/pintu/node_modules/.bin/dep'))).toBe('../dep/bin/dep.js');
    // Production dependencies only, with --no-npm too (issue 16): the devDependency and its .bin link stay out.
    expect(readdirSync(P('opt/pintu/node_modules')).sort()).toEqual(['.bin', 'dep']);
    expect(readdirSync(P('opt/pintu/node_modules/.bin'))).toEqual(['dep']);
    expect(existsSync(P('opt/pintu/scripts/uninstall.sh'))).toBe(true);
    for (const u of ['pintu.service', 'pintu-central.service']) {
      expect(readFileSync(P(`etc/systemd/system/${u}`))).toEqual(readFileSync(join(repo, 'systemd', u)));
      expect(mode(`etc/systemd/system/${u}`)).toBe('644');
    }
    expect(readFileSync(P('etc/udev/rules.d/99-pintu.rules'))).toEqual(readFileSync(join(repo, 'udev/99-pintu.rules')));
    expect(mode('etc/udev/rules.d/99-pintu.rules')).toBe('644');
    expect(mode('usr/local/bin/pintu')).toBe('755');
    const wrapper = readFileSync(P('usr/local/bin/pintu'), 'utf8');
    expect(wrapper).toMatch(/^#!\/bin\/sh\n/);
    expect(wrapper).toMatch(/^exec \/\S+\/node \/opt\/pintu\/dist\/src\/cli\/index\.js "\$@"$/m);
    // the units run exactly the wrapper that was installed
    const unit = readFileSync(P('etc/systemd/system/pintu.service'), 'utf8');
    const execStart = /^ExecStart=(\S+)/m.exec(unit)?.[1];
    expect(execStart).toBe('/usr/local/bin/pintu');
    expect(existsSync(P(execStart!.slice(1)))).toBe(true);

    // config from the example, data dir
    expect(readFileSync(P('etc/pintu/pintu.yaml'))).toEqual(readFileSync(join(src, 'config/pintu.example.yaml')));
    expect(mode('etc/pintu')).toBe('750');
    expect(mode('etc/pintu/pintu.yaml')).toBe('640');
    expect(mode('var/lib/pintu')).toBe('750');
    // The data-encryption key: outside the data dir, 0600, one base64 AES-256 key (issue 14 item 1).
    expect(mode('etc/pintu/data.key')).toBe('600');
    expect(readFileSync(P('etc/pintu/data.key'), 'utf8')).toMatch(/^[A-Za-z0-9+/]{43}=$/m);
    // The badge master keys (issue 15): outside the data dir, 0600, a file pintu reads, version 1 current.
    expect(mode('etc/pintu/badge.keys')).toBe('600');
    const badgeKeys = parseBadgeKeys(readFileSync(P('etc/pintu/badge.keys'), 'utf8'), 'badge.keys');
    expect(badgeKeys.map((k) => [k.version, k.state, k.key.length])).toEqual([[1, 'current', 16]]);
    expect(r.out).not.toContain(badgeKeys[0]!.key.toString('hex'));

    // user and groups, written to the prefix's files
    const user = entry('passwd', 'pintu');
    const group = entry('group', 'pintu');
    expect(user?.[6]).toBe('/usr/sbin/nologin');
    expect(user?.[3]).toBe(group?.[2]);
    for (const g of ['gpio', 'dialout']) expect(entry('group', g)?.[3]?.split(',')).toContain('pintu');
    if (isRoot) {
      const [uid, gid] = [Number(user?.[2]), Number(group?.[2])];
      expect([lstatSync(P('etc/pintu/pintu.yaml')).uid, lstatSync(P('etc/pintu/pintu.yaml')).gid]).toEqual([0, gid]);
      expect([lstatSync(P('etc/pintu')).uid, lstatSync(P('etc/pintu')).gid]).toEqual([0, gid]);
      expect([lstatSync(P('var/lib/pintu')).uid, lstatSync(P('var/lib/pintu')).gid]).toEqual([uid, gid]);
      expect([lstatSync(P('etc/pintu/badge.keys')).uid, lstatSync(P('etc/pintu/badge.keys')).gid]).toEqual([uid, gid]);
      expect(lstatSync(P('opt/pintu/dist/src/cli/index.js')).uid).toBe(0);
    }
    // no staging leftovers
    expect(readdirSync(P('opt'))).toEqual(['pintu']);
  });

  it('changes nothing on a second run and keeps an edited pintu.yaml byte-for-byte', () => {
    appendFileSync(P('etc/pintu/pintu.yaml'), edited);
    const config = readFileSync(P('etc/pintu/pintu.yaml'));
    const before = snapshot(prefix);
    const r = install();
    expect(r.status).toBe(0);
    expect(r.out).not.toMatch(/^\s+changed/m);
    expect(r.out).toContain('nothing to change');
    expect(r.out).toContain('existing file kept');
    expect(snapshot(prefix)).toEqual(before);
    expect(readFileSync(P('etc/pintu/pintu.yaml'))).toEqual(config);
    expect(mode('etc/pintu/pintu.yaml')).toBe('640');
  });

  it('upgrades changed application files and repairs modes, still keeping the config', () => {
    writeFileSync(join(src, 'dist/src/cli/index.js'), 'console.log("pintu v2");\n');
    chmodSync(P('var/lib/pintu'), 0o777);
    const r = install();
    expect(r.status).toBe(0);
    expect(r.out).toContain('installed the application in /opt/pintu/');
    expect(r.out).toContain('mode 750 on /var/lib/pintu');
    expect(r.out).toContain('done, 2 change(s)');
    expect(readFileSync(P('opt/pintu/dist/src/cli/index.js'), 'utf8')).toContain('pintu v2');
    expect(mode('var/lib/pintu')).toBe('750');
    expect(readFileSync(P('etc/pintu/pintu.yaml'), 'utf8')).toContain(edited);
  });

  it('adds a PC/SC polkit rule for user pintu only where pcscd uses polkit', () => {
    expect(existsSync(P('etc/polkit-1'))).toBe(false);
    mkdirSync(P('usr/share/polkit-1/actions'), { recursive: true });
    writeFileSync(P('usr/share/polkit-1/actions/org.debian.pcsc-lite.policy'), '<policyconfig/>\n');
    const r = install();
    expect(r.status).toBe(0);
    expect(r.out).toContain('installed /etc/polkit-1/rules.d/60-pintu-pcsc.rules');
    const rule = readFileSync(P('etc/polkit-1/rules.d/60-pintu-pcsc.rules'), 'utf8');
    expect(rule).toContain('org.debian.pcsc-lite.access_pcsc');
    expect(rule).toContain('org.debian.pcsc-lite.access_card');
    expect(rule).toContain('subject.user == "pintu"');
    expect(mode('etc/polkit-1/rules.d/60-pintu-pcsc.rules')).toBe('644');
    expect(install().out).toContain('nothing to change');
  });

  it('uninstall removes units, wrapper, udev rules and /opt/pintu but keeps config and data', () => {
    writeFileSync(P('var/lib/pintu/pintu.db'), 'data');
    // The daemon's relay record, kept after the stop by RuntimeDirectoryPreserve=yes (issue 16).
    mkdirSync(P('run/pintu'), { recursive: true });
    writeFileSync(P('run/pintu/relay.json'), '{}');
    const r = uninstall();
    expect(r.err).toBe('');
    expect(r.status).toBe(0);
    for (const p of ['etc/systemd/system/pintu.service', 'etc/systemd/system/pintu-central.service', 'usr/local/bin/pintu',
      'etc/udev/rules.d/99-pintu.rules', 'etc/polkit-1/rules.d/60-pintu-pcsc.rules', 'opt/pintu', 'run/pintu']) {
      expect(existsSync(P(p)), p).toBe(false);
    }
    expect(readFileSync(P('etc/pintu/pintu.yaml'), 'utf8')).toContain(edited);
    expect(readFileSync(P('var/lib/pintu/pintu.db'), 'utf8')).toBe('data');
    expect(entry('passwd', 'pintu')).toBeDefined();
    expect(r.out).toContain('--purge deletes them');
    // again: nothing left to do
    const again = uninstall();
    expect(again.status).toBe(0);
    expect(again.out).toContain('done, 0 change(s)');
  });

  it('uninstall --purge also deletes config, data and the pintu user and group', () => {
    const r = uninstall('--purge');
    expect(r.status).toBe(0);
    expect(existsSync(P('etc/pintu'))).toBe(false);
    expect(existsSync(P('var/lib/pintu'))).toBe(false);
    expect(entry('passwd', 'pintu')).toBeUndefined();
    expect(entry('group', 'pintu')).toBeUndefined();
    for (const g of ['gpio', 'dialout']) {
      expect(entry('group', g)).toBeDefined();
      expect(entry('group', g)?.[3]?.split(',')).not.toContain('pintu');
    }
  });

  it('installs again from scratch after a purge', () => {
    const r = install();
    expect(r.status).toBe(0);
    expect(readFileSync(P('etc/pintu/pintu.yaml'))).toEqual(readFileSync(join(src, 'config/pintu.example.yaml')));
    expect(entry('passwd', 'pintu')).toBeDefined();
  });
});

describe('install.sh does not start the service on a config whose devices do not exist', () => {
  /** A fresh prefix and a fake systemctl that logs its calls (is-enabled / is-active: "no"). */
  function rig(): { root: string; calls: () => string[]; run: () => { status: number | null; out: string; err: string } } {
    const root = mkdtempSync(join(work, 'devices-'));
    const log = join(root, '..', `${root.split('/').pop()}-systemctl.log`);
    const fake = join(work, `${root.split('/').pop()}-systemctl`);
    writeFileSync(fake, `#!/bin/sh\necho "$*" >> ${log}\ncase "$1" in is-enabled|is-active) exit 1 ;; esac\nexit 0\n`);
    chmodSync(fake, 0o755);
    return {
      root,
      calls: () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []),
      run: () => sh('install.sh', ['--prefix', root, '--no-npm'], { PINTU_TEST_SYSTEMCTL: fake }),
    };
  }
  const plugIn = (root: string): void => {
    mkdirSync(join(root, 'dev'), { recursive: true });
    for (const r of ['in', 'out']) writeFileSync(join(root, `dev/pintu-reader-${r}`), '');
    mkdirSync(join(root, 'sys/class/gpio/gpiochip512'), { recursive: true });
    writeFileSync(join(root, 'sys/class/gpio/gpiochip512/label'), 'pinctrl-bcm2711\n');
  };

  it('installs, names each missing device and what to edit, and neither enables nor starts pintu (idempotently)', () => {
    const x = rig();
    const r = x.run();
    expect(r.err).toBe('');
    expect(r.status).toBe(0);
    expect(existsSync(join(x.root, 'opt/pintu/dist/src/cli/index.js'))).toBe(true);
    expect(r.out).toContain('reader in: serial port /dev/pintu-reader-in does not exist (readers: → id: in → path:');
    expect(r.out).toContain('reader out: serial port /dev/pintu-reader-out does not exist');
    expect(r.out).toContain('GPIO: no Raspberry Pi header chip under /sys/class/gpio');
    expect(r.out).toContain('pintu.service is NOT enabled or started. Edit /etc/pintu/pintu.yaml');
    expect(r.out).toContain('sudo systemctl enable --now pintu');
    expect(x.calls().filter((c) => /^(enable|start|restart)\b/.test(c))).toEqual([]);
    const again = x.run();
    expect(again.status).toBe(0);
    expect(again.out).toContain('nothing to change');
    expect(again.out).toContain('pintu.service is NOT enabled or started');
    expect(x.calls().filter((c) => /^(enable|start|restart)\b/.test(c))).toEqual([]);
  });

  it('enables and starts pintu once the readers and the GPIO chip are there', () => {
    const x = rig();
    plugIn(x.root);
    const r = x.run();
    expect(r.status).toBe(0);
    expect(r.out).not.toContain('NOT enabled');
    expect(r.out).toContain('reader in: /dev/pintu-reader-in exists');
    expect(r.out).toContain('GPIO header chip under /sys/class/gpio');
    expect(x.calls()).toContain('enable --quiet pintu.service');
    expect(x.calls()).toContain('start pintu.service');
  });

  it('a missing reader alone is enough to hold the service back', () => {
    const x = rig();
    plugIn(x.root);
    rmSync(join(x.root, 'dev/pintu-reader-out'));
    const r = x.run();
    expect(r.out).toContain('reader out: serial port /dev/pintu-reader-out does not exist');
    expect(r.out).not.toContain('reader in: serial port');
    expect(r.out).not.toContain('GPIO: no Raspberry Pi header chip');
    expect(x.calls().filter((c) => /^(enable|start)\b/.test(c))).toEqual([]);
  });
});
