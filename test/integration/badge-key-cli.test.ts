/**
 * `pintu badge key create|status|rotate|retire` and the badge items of `pintu health`, through the built CLI (issue 15):
 * rotation with and without --keep-previous, retirement, each recorded as badge.key_rotated; bad input refused with a
 * clear error and the key file unchanged; the master keys never in the CLI's output, the door database or its backup.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tempConfig, type TempConfig } from '../helpers/config.js';
import { TEST_PIN, pintu, pintuJson } from '../helpers/cli.js';
import { readBadgeKeyFile } from '../../src/adapters/os/badge-key-file.js';

const temps: TempConfig[] = [];
afterEach(() => { for (const t of temps.splice(0)) t.cleanup(); });
const temp = (over: Record<string, unknown> = {}): TempConfig => { const t = tempConfig(over); temps.push(t); return t; };

/** Every key held in the file, as hex and as the raw 16 bytes. */
const keysOf = (file: string): Buffer[] => readBadgeKeyFile(file).map((v) => v.key);
const hexes = (keys: Buffer[]): string[] => keys.flatMap((k) => [k.toString('hex'), k.toString('hex').toUpperCase()]);

interface Status { keyFile: string; current: number; versions: { version: number; state: string; createdAt: string; createdLocal: string; opensDoor: boolean }[] }
interface Rotated { keyVersion: number; previousKeyVersion: number; previousAccepted: boolean; by: string }

describe('pintu badge key (built CLI)', () => {
  it('create makes version 1 (0600) once; status shows versions, states and local times, never a key', () => {
    const t = temp();
    const file = t.config.badges.keyFile;
    rmSync(file);
    const c = pintuJson<{ keyFile: string; current: number }>(t.file, ['badge', 'key', 'create']);
    expect(c).toMatchObject({ keyFile: file, current: 1 });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const before = readFileSync(file);
    const again = pintu(t.file, ['badge', 'key', 'create']);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`badge key file ${file} exists already`);
    expect(readFileSync(file)).toEqual(before);
    const s = pintuJson<Status>(t.file, ['badge', 'key', 'status']);
    expect(s).toMatchObject({ keyFile: file, current: 1, versions: [{ version: 1, state: 'current', opensDoor: true }] });
    expect(s.versions[0]!.createdLocal).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d WIB \(\+07:00\)$/);
    const human = pintu(t.file, ['badge', 'key', 'status']);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/version +1 +made \d{4}-\d\d-\d\d \d\d:\d\d:\d\d WIB \(\+07:00\) +current/);
    for (const out of [JSON.stringify(c), JSON.stringify(s), human.stdout, human.stderr, again.stderr]) {
      for (const h of hexes(keysOf(file))) expect(out).not.toContain(h);
    }
  }, 120_000);

  it('rotate with and without --keep-previous, then retire: the states, the events, and no key in the database or its backup', () => {
    const t = temp();
    const file = t.config.badges.keyFile;
    expect(pintu(t.file, ['status']).code).toBe(0); // the door's database exists
    const outputs: string[] = [];
    const kept = pintu(t.file, ['badge', 'key', 'rotate', '--keep-previous', '--json']);
    expect(kept.code).toBe(0);
    outputs.push(kept.stdout, kept.stderr);
    expect(JSON.parse(kept.stdout)).toMatchObject({ current: 2, previous: 1, previousState: 'accepted', logged: true });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    let s = pintuJson<Status>(t.file, ['badge', 'key', 'status']);
    expect(s.versions.map((v) => [v.version, v.state, v.opensDoor])).toEqual([[1, 'accepted', true], [2, 'current', true]]);

    const dropped = pintu(t.file, ['badge', 'key', 'rotate']);
    expect(dropped.code).toBe(0);
    outputs.push(dropped.stdout, dropped.stderr);
    expect(dropped.stdout).toContain('badge key version 3 is now current');
    expect(dropped.stdout).toContain('version 2 is retired: its badges are refused at the door from now on');
    s = pintuJson<Status>(t.file, ['badge', 'key', 'status']);
    expect(s.versions.map((v) => [v.version, v.state])).toEqual([[1, 'accepted'], [2, 'retired'], [3, 'current']]);

    const retired = pintu(t.file, ['badge', 'key', 'retire', '1']);
    expect(retired.code).toBe(0);
    outputs.push(retired.stdout, retired.stderr);
    expect(retired.stdout).toContain('badge key version 1 is retired');
    s = pintuJson<Status>(t.file, ['badge', 'key', 'status']);
    expect(s.versions.map((v) => [v.version, v.state, v.opensDoor])).toEqual([[1, 'retired', false], [2, 'retired', false], [3, 'current', true]]);

    const events = pintu(t.file, ['events', '--type', 'badge.key_rotated', '--json']);
    expect(events.code).toBe(0);
    outputs.push(events.stdout);
    const rotated = events.stdout.trim().split('\n').map((l) => { const e = JSON.parse(l) as Rotated; return { keyVersion: e.keyVersion, previousKeyVersion: e.previousKeyVersion, previousAccepted: e.previousAccepted, by: e.by }; });
    expect(rotated).toEqual([
      { keyVersion: 2, previousKeyVersion: 1, previousAccepted: true, by: 'cli' },
      { keyVersion: 3, previousKeyVersion: 2, previousAccepted: false, by: 'cli' },
      { keyVersion: 3, previousKeyVersion: 1, previousAccepted: false, by: 'cli' },
    ]);

    const backup = join(t.dir, 'backup.db');
    expect(pintu(t.file, ['backup', backup]).code).toBe(0);
    const keys = keysOf(file);
    expect(keys).toHaveLength(3);
    const db = join(t.config.dataDir, 'pintu.db');
    for (const f of [db, `${db}-wal`, backup]) {
      if (!existsSync(f)) continue;
      const bytes = readFileSync(f);
      for (const k of keys) expect(bytes.includes(k), `${f} holds a raw key`).toBe(false);
      for (const h of hexes(keys)) expect(bytes.includes(Buffer.from(h)), `${f} holds a key in hex`).toBe(false);
    }
    for (const o of outputs) for (const h of hexes(keys)) expect(o).not.toContain(h);
  }, 120_000);

  it('bad input is refused naming what is wrong, and the key file is unchanged', () => {
    const t = temp();
    const file = t.config.badges.keyFile;
    expect(pintu(t.file, ['badge', 'key', 'rotate', '--keep-previous']).code).toBe(0); // 1 accepted, 2 current
    const before = readFileSync(file);
    const refused = (args: string[], why: string | RegExp): void => {
      const r = pintu(t.file, ['badge', 'key', ...args]);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      if (typeof why === 'string') expect(r.stderr).toContain(why); else expect(r.stderr).toMatch(why);
      expect(readFileSync(file)).toEqual(before);
      for (const h of hexes(keysOf(file))) expect(r.stderr + r.stdout).not.toContain(h);
    };
    refused(['retire', '2'], 'key version 2 is the current one: rotate first');
    refused(['retire', '9'], 'key version 9 is not in the badge key file (it holds 1 (accepted), 2 (current))');
    refused(['retire', 'abc'], 'key version "abc" must be a whole number 1–255');
    refused(['retire', '0'], 'key version "0" must be a whole number 1–255');
    refused(['retire', '256'], 'key version "256" must be a whole number 1–255');
    expect(pintu(t.file, ['badge', 'key', 'retire', '1']).code).toBe(0);
    const afterRetire = readFileSync(file);
    const r = pintu(t.file, ['badge', 'key', 'retire', '1']);
    expect(r).toMatchObject({ code: 2, stderr: expect.stringContaining('key version 1 is already retired') });
    expect(readFileSync(file)).toEqual(afterRetire);

    chmodSync(file, 0o644);
    for (const args of [['status'], ['rotate'], ['retire', '1']]) {
      const loose = pintu(t.file, ['badge', 'key', ...args]);
      expect(loose.code, args.join(' ')).toBe(2);
      expect(loose.stderr).toContain(`badge key file ${file} has mode 0644, readable by others than its owner: run \`chmod 600 ${file}\``);
    }
    expect(readFileSync(file)).toEqual(afterRetire);
    expect(statSync(file).mode & 0o777).toBe(0o644);

    rmSync(file);
    const missing = pintu(t.file, ['badge', 'key', 'rotate']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`badge key file ${file} does not exist: create it with \`pintu badge key create\``);
    expect(existsSync(file)).toBe(false);
  }, 120_000);

  it('pintu health: the key file item (ok / fail where a reader authenticates badges) and the copyable readers', () => {
    const plain = temp();
    // Issue 16: no daemon runs here, so pintu health exits 2 (daemon not running); the report is printed all the same.
    const plainRun = pintu(plain.file, ['health', '--json']);
    expect(plainRun.code).toBe(2);
    const h = JSON.parse(plainRun.stdout) as { items: { item: string; status: string; value: unknown; detail: string }[] };
    expect(h.items.find((i) => i.item === 'badge-keys')).toMatchObject({ status: 'ok', value: 1 });
    const readers = h.items.find((i) => i.item === 'badge-readers')!;
    expect(readers).toMatchObject({ status: 'warn', value: 2 });
    expect(readers.detail).toContain('reader in, out (secure: false): badges read here can be copied (UID only / EM4100)');

    const secure = temp({ readers: [{ id: 'in', direction: 'in', kind: 'sim', secure: 'ntag424' }, { id: 'out', direction: 'out', kind: 'sim', secure: 'ntag424' }], badges: { visitorsNeedSecureReader: true } });
    chmodSync(secure.config.badges.keyFile, 0o640);
    const r = pintu(secure.file, ['health', '--json']);
    expect(r.code).toBe(2); // the daemon's absence outranks the failed key file (1)
    const items = (JSON.parse(r.stdout) as { items: { item: string; status: string; detail: string }[] }).items;
    expect(items.find((i) => i.item === 'badge-keys')).toMatchObject({ status: 'fail' });
    expect(items.find((i) => i.item === 'badge-keys')!.detail).toContain('has mode 0640');
    expect(items.find((i) => i.item === 'badge-readers')).toMatchObject({ status: 'ok' });
    expect(items.find((i) => i.item === 'badge-readers')!.detail).toContain('badges.visitorsNeedSecureReader: true');
  }, 120_000);

  it('pintu setup on a new door creates the badge key file (0600) like the data key; never over a door that has a database', () => {
    const t = temp();
    rmSync(t.config.badges.keyFile);
    const r = pintu(t.file, ['setup', '--name', 'Kepala', '--badge', 'AA01', '--json'], `${TEST_PIN}\n`);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`badge key file created in ${t.config.badges.keyFile} (mode 0600)`);
    expect(statSync(t.config.badges.keyFile).mode & 0o777).toBe(0o600);
    expect(pintuJson<Status>(t.file, ['badge', 'key', 'status']).current).toBe(1);
    // A door with a database whose key file went missing gets its keys back, not new ones (its badges hold the old).
    rmSync(t.config.badges.keyFile);
    expect(pintu(t.file, ['setup', '--name', 'Kepala', '--badge', 'AA01'], `${TEST_PIN}\n`).code).toBe(2);
    expect(existsSync(t.config.badges.keyFile)).toBe(false);
  }, 120_000);

  it('pintu demo creates its badge key file beside its data dir, 0600', () => {
    const r = pintu(null, ['demo', '--no-interactive', '--no-central', '--keep']);
    const dir = /data dir (\S+);/.exec(r.stdout)?.[1];
    try {
      expect(r.code, r.stderr).toBe(0);
      expect(dir).toBeDefined();
      const file = join(dir!, 'badge.keys');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(pintuJson<Status>(join(dir!, 'pintu.yaml'), ['badge', 'key', 'status'])).toMatchObject({ keyFile: file, current: 1 });
      for (const h of hexes(keysOf(file))) expect(r.stdout + r.stderr).not.toContain(h);
    } finally {
      if (dir) rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
