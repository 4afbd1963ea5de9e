/**
 * A rotation run as root gives the new key file to the service user before it is renamed into place (review of issue
 * 15). `pintu badge key rotate|retire` run as root used to rename a root-owned file over the key file and chown it only
 * afterwards: a door reading the file in between found it owned by another user, logged it unusable and kept the
 * keys of before — with a coarse ctime (a Pi's kernel ticks in milliseconds) the chown that follows may leave the
 * file's stat signature unchanged, so the door could keep a just-retired version accepted until its next restart.
 * (Run as root, the test uses a foreign uid as the service user; otherwise its own.)
 */
import { afterEach, describe, expect, it } from 'vitest';
import { chownSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BadgeKeyFileSource, createBadgeKeyFile, readBadgeKeyFile, rotateBadgeKeys, writeBadgeKeyFile, type BadgeKeyLog } from '../../src/adapters/os/badge-key-file.js';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

describe('key file rewrite ownership', () => {
  it('the rotated file belongs to the service user the moment it is in place: the door reads the new keys at once, no error', () => {
    const root = process.getuid?.() === 0;
    const owner = root ? { uid: 4242, gid: 4242 } : { uid: process.getuid!(), gid: process.getgid!() };
    const dir = mkdtempSync(join(tmpdir(), 'pintu-badge-owner-'));
    dirs.push(dir);
    const file = join(dir, 'badge.keys');
    createBadgeKeyFile(file);
    chownSync(file, owner.uid, owner.gid);
    const errors: string[] = [];
    const log = { info: () => undefined, error: (_o: unknown, msg: string) => void errors.push(msg) } as unknown as BadgeKeyLog;
    const door = new BadgeKeyFileSource(file, log, owner.uid);
    expect(door.keyring().current).toBe(1);
    const rot = rotateBadgeKeys(readBadgeKeyFile(file, owner.uid), { keepPrevious: false });
    writeBadgeKeyFile(file, rot.versions, owner);
    // A tap right after the rename, before anything else the CLI does.
    expect(statSync(file).uid).toBe(owner.uid);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const ring = door.keyring();
    expect(ring.current).toBe(2);
    expect(ring.accepted(1)).toBe(false);
    expect(errors).toEqual([]);
  });
});
