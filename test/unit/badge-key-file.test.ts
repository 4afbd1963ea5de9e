/**
 * The badge master key file (issue 15, src/adapters/os/badge-key-file.ts): created 0600, loaded into a keyring,
 * refused when loose, inside the data dir or malformed (naming the field, never a key), rotated and retired, and read
 * by the door through a source that follows a rotation and keeps the last good keyring when a rewrite is bad.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BADGE_KEYS_FORMAT, BadgeKeyFileError, BadgeKeyFileSource, badgeKeyring, createBadgeKeyFile, inspectBadgeKeyFile,
  parseBadgeKeys, readBadgeKeyFile, retireBadgeKey, rotateBadgeKeys, writeBadgeKeyFile, type BadgeKeyLog,
} from '../../src/adapters/os/badge-key-file.js';
import { parseConfig } from '../../src/config/load.js';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });
const tempFile = (): string => { const d = mkdtempSync(join(tmpdir(), 'pintu-badge-keys-')); dirs.push(d); return join(d, 'etc', 'badge.keys'); };

/** A logger that keeps what it was told, as text. */
function recordingLog(): BadgeKeyLog & { lines: string[] } {
  const lines: string[] = [];
  const rec = (obj: unknown, msg?: string): void => void lines.push(`${msg ?? ''} ${JSON.stringify(obj)}`);
  return { lines, info: rec, error: rec } as unknown as BadgeKeyLog & { lines: string[] };
}

const KEY_A = '00112233445566778899aabbccddeeff';
const fileOf = (versions: unknown[], extra: Record<string, unknown> = {}): string => JSON.stringify({ format: BADGE_KEYS_FORMAT, versions, ...extra });
const v = (version: unknown, state: unknown = 'current', key: unknown = KEY_A, createdAt: unknown = '2026-12-01T00:00:00.000Z'): Record<string, unknown> => ({ version, key, state, createdAt });

describe('badge key file', () => {
  it('create writes version 1 current, mode 0600, and refuses to replace it', () => {
    const file = tempFile();
    const made = createBadgeKeyFile(file, Date.parse('2026-12-01T01:00:00Z'));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(made).toMatchObject({ version: 1, state: 'current', createdAt: '2026-12-01T01:00:00.000Z' });
    expect(made.key).toHaveLength(16);
    const read = readBadgeKeyFile(file);
    expect(read).toHaveLength(1);
    expect(read[0]!.key.equals(made.key)).toBe(true);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ format: 'pintu-badge-keys/1', versions: [{ version: 1, key: made.key.toString('hex'), state: 'current' }] });
    const before = readFileSync(file);
    expect(() => createBadgeKeyFile(file)).toThrow(/exists already.*pintu badge key rotate/);
    expect(readFileSync(file)).toEqual(before);
  });

  it('the keyring answers current, master, accepted and versions (retired: held, not accepted)', () => {
    const ring = badgeKeyring(parseBadgeKeys(fileOf([v(3, 'current'), v(1, 'retired'), v(2, 'accepted', 'ffeeddccbbaa99887766554433221100')]), 'f'));
    expect(ring.current).toBe(3);
    expect(ring.versions()).toEqual([1, 2, 3]);
    expect([1, 2, 3, 4].map((n) => ring.accepted(n))).toEqual([false, true, true, false]);
    expect(ring.master(2)!.toString('hex')).toBe('ffeeddccbbaa99887766554433221100');
    expect(ring.master(1)!.toString('hex')).toBe(KEY_A);
    expect(ring.master(4)).toBeNull();
    ring.master(3)!.fill(0); // a caller scribbling on its copy does not change the ring
    expect(ring.master(3)!.toString('hex')).toBe(KEY_A);
  });

  it('a missing, group- or world-readable or foreign-owned file is refused naming it and what to do', () => {
    const file = tempFile();
    expect(() => readBadgeKeyFile(file)).toThrow(new RegExp(`badge key file ${file} does not exist: create it with \`pintu badge key create\``));
    createBadgeKeyFile(file);
    for (const mode of [0o640, 0o604, 0o644]) {
      chmodSync(file, mode);
      const err = (() => { try { readBadgeKeyFile(file); } catch (e) { return e as BadgeKeyFileError; } return null; })();
      expect(err).toBeInstanceOf(BadgeKeyFileError);
      expect(err!.kind).toBe('loose');
      expect(err!.message).toContain(`badge key file ${file} has mode 0${mode.toString(8)}`);
      expect(err!.message).toContain(`chmod 600 ${file}`);
    }
    chmodSync(file, 0o600);
    expect(() => readBadgeKeyFile(file, (process.getuid?.() ?? 0) + 1)).toThrow(/is owned by uid \d+, not by the user pintu runs as/);
    expect(inspectBadgeKeyFile(file)).toMatchObject({ state: 'ok', current: 1, accepted: 1, retired: 0 });
    chmodSync(file, 0o644);
    expect(inspectBadgeKeyFile(file)).toMatchObject({ state: 'loose', current: null });
    rmSync(file);
    expect(inspectBadgeKeyFile(file)).toMatchObject({ state: 'missing' });
  });

  it('a key file inside the data dir is refused by the config, naming badges.keyFile', () => {
    const base = { site: 's', door: { id: 'd' }, hardware: 'sim', readers: [], dataDir: '/var/lib/pintu', privacy: { keyFile: '/etc/pintu/data.key' } };
    expect(() => parseConfig({ ...base, badges: { keyFile: '/var/lib/pintu/badge.keys' } }, '/etc/pintu')).toThrow(/badges\.keyFile: \/var\/lib\/pintu\/badge\.keys is inside dataDir \/var\/lib\/pintu/);
    expect(() => parseConfig({ ...base, badges: { keyFile: 'data/keys' } }, '/var/lib/pintu')).toThrow(/badges\.keyFile: .* is inside dataDir/);
    expect(parseConfig({ ...base, badges: { keyFile: 'badge.keys' } }, '/etc/pintu').badges.keyFile).toBe('/etc/pintu/badge.keys');
    expect(parseConfig(base, '/etc/pintu').badges.keyFile).toBe('/etc/pintu/badge.keys');
  });

  it('a malformed file is refused naming the field, never quoting a key', () => {
    const cases: [string, RegExp][] = [
      [`{"format":"${BADGE_KEYS_FORMAT}","versions":[{"version":1,"key":"${KEY_A}"`, /is not valid JSON/],
      [JSON.stringify({ format: 'pintu-badge-keys/2', versions: [v(1)] }), /format must be "pintu-badge-keys\/1"/],
      [fileOf([]), /versions must be a non-empty list/],
      [fileOf([v(0)]), /versions\[0\]\.version must be a whole number 1–255/],
      [fileOf([v(256)]), /versions\[0\]\.version must be a whole number 1–255/],
      [fileOf([v(1), v(2, 'accepted', KEY_A.slice(2))]), /versions\[1\]\.key must be 32 hex digits/],
      [fileOf([v(1, 'current', `${KEY_A.slice(1)}g`)]), /versions\[0\]\.key must be 32 hex digits/],
      [fileOf([v(1, 'old')]), /versions\[0\]\.state must be current, accepted or retired/],
      [fileOf([v(1, 'current', KEY_A, 'yesterday')]), /versions\[0\]\.createdAt must be an ISO 8601 time/],
      [fileOf([v(1), v(1, 'accepted')]), /versions\[1\]\.version 1 appears twice/],
      [fileOf([v(1), v(2)]), /exactly one version must be current \(found 2\)/],
      [fileOf([v(1, 'accepted')]), /exactly one version must be current \(found 0\)/],
      [fileOf([{ ...v(1), spare: KEY_A }]), /versions\[0\] has an unknown field "spare"/],
      [fileOf([v(1)], { extra: 1 }), /unknown field "extra"/],
    ];
    for (const [text, why] of cases) {
      const file = tempFile();
      createBadgeKeyFile(file);
      writeFileSync(file, text, { mode: 0o600 });
      let msg = '';
      try { readBadgeKeyFile(file); } catch (e) { msg = (e as Error).message; }
      expect(msg, text).toMatch(why);
      expect(msg).toContain(`badge key file ${file}`);
      expect(msg).not.toContain(KEY_A);
      expect(msg).not.toContain(KEY_A.slice(2));
    }
  });

  it('rotate makes a new random version current; the previous one accepted (--keep-previous) or retired', () => {
    const file = tempFile();
    const first = createBadgeKeyFile(file);
    const kept = rotateBadgeKeys(readBadgeKeyFile(file), { keepPrevious: true, now: Date.parse('2026-12-02T00:00:00Z') });
    expect(kept).toMatchObject({ version: 2, previous: 1, previousAccepted: true });
    writeBadgeKeyFile(file, kept.versions);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    let ring = badgeKeyring(readBadgeKeyFile(file));
    expect(ring.current).toBe(2);
    expect([ring.accepted(1), ring.accepted(2)]).toEqual([true, true]);
    expect(ring.master(1)!.equals(first.key)).toBe(true);
    expect(ring.master(2)!.equals(first.key)).toBe(false);
    const dropped = rotateBadgeKeys(readBadgeKeyFile(file), { keepPrevious: false });
    expect(dropped).toMatchObject({ version: 3, previous: 2, previousAccepted: false });
    writeBadgeKeyFile(file, dropped.versions);
    ring = badgeKeyring(readBadgeKeyFile(file));
    expect([1, 2, 3].map((n) => ring.accepted(n))).toEqual([true, false, true]);
    expect(ring.versions()).toEqual([1, 2, 3]);
    // 255 taken: the lowest number never held.
    const full = rotateBadgeKeys(parseBadgeKeys(fileOf([v(1, 'retired'), v(255, 'current')]), 'f'), { keepPrevious: false });
    expect(full.version).toBe(2);
  });

  it('retire retires an accepted version; the current one, an unknown or a retired one is refused', () => {
    const versions = parseBadgeKeys(fileOf([v(1, 'retired'), v(2, 'accepted'), v(3, 'current')]), 'f');
    const after = retireBadgeKey(versions, 2);
    expect(after.map((x) => [x.version, x.state])).toEqual([[1, 'retired'], [2, 'retired'], [3, 'current']]);
    expect(() => retireBadgeKey(versions, 3)).toThrow(/key version 3 is the current one: rotate first/);
    expect(() => retireBadgeKey(versions, 9)).toThrow(/key version 9 is not in the badge key file \(it holds 1 \(retired\), 2 \(accepted\), 3 \(current\)\)/);
    expect(() => retireBadgeKey(versions, 1)).toThrow(/key version 1 is already retired/);
  });

  it('the source follows a rotation and keeps the last good keyring when a rewrite is bad, logging no key', () => {
    const file = tempFile();
    const first = createBadgeKeyFile(file);
    const log = recordingLog();
    const source = new BadgeKeyFileSource(file, log);
    const ring1 = source.keyring();
    expect(ring1.current).toBe(1);
    expect(source.keyring()).toBe(ring1); // unchanged file: not read again
    const rot = rotateBadgeKeys(readBadgeKeyFile(file), { keepPrevious: false });
    writeBadgeKeyFile(file, rot.versions);
    const ring2 = source.keyring();
    expect(ring2.current).toBe(2);
    expect(ring2.accepted(1)).toBe(false);
    // A bad rewrite in place (same inode): malformed, then loose. The door keeps version 2.
    const good = readFileSync(file, 'utf8');
    writeFileSync(file, good.replace('"current"', '"currant"'));
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    expect(source.keyring()).toBe(ring2);
    expect(source.keyring()).toBe(ring2);
    const errors = log.lines.filter((l) => l.startsWith('badge key file unusable'));
    expect(errors).toHaveLength(1); // once per bad version of the file, not per tap
    expect(errors[0]).toContain('state must be current, accepted or retired');
    writeFileSync(file, good);
    chmodSync(file, 0o644);
    expect(source.keyring()).toBe(ring2);
    chmodSync(file, 0o600);
    rmSync(file);
    expect(source.keyring()).toBe(ring2);
    expect(log.lines.filter((l) => l.startsWith('badge key file unusable'))).toHaveLength(3);
    // Repaired: read again.
    writeBadgeKeyFile(file, rot.versions);
    expect(source.keyring().current).toBe(2);
    const keys = [first.key, ...rot.versions.map((x) => x.key)].map((k) => k.toString('hex'));
    for (const line of log.lines) for (const k of keys) expect(line).not.toContain(k);
  });

  it('a source that never loaded a good keyring throws naming the file', () => {
    const file = tempFile();
    const source = new BadgeKeyFileSource(file, recordingLog());
    expect(() => source.keyring()).toThrow(new RegExp(`badge key file ${file} does not exist`));
    expect(() => source.keyring()).toThrow(/does not exist/);
  });
});
