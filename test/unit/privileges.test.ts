/**
 * Dropping to the data dir's owner under sudo: groups, then group, then user, and only when it is safe and useful.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dropToDataDirOwner, type ProcessIds } from '../../src/adapters/os/privileges.js';

function fakeProcess(uid = 0): ProcessIds & { calls: string[] } {
  const calls: string[] = [];
  let current = uid;
  return {
    calls,
    getuid: () => current,
    initgroups: (u, g) => void calls.push(`initgroups ${u} ${g}`),
    setgroups: (gs) => void calls.push(`setgroups ${gs.join(',')}`),
    setgid: (g) => void calls.push(`setgid ${g}`),
    setuid: (u) => { calls.push(`setuid ${u}`); current = u; },
  };
}

describe('dropToDataDirOwner', () => {
  let dir = '';
  let passwd = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pintu-priv-'));
    passwd = join(dir, 'passwd');
    writeFileSync(passwd, 'root:x:0:0:root:/root:/bin/bash\npintu:x:995:994:pintu:/var/lib/pintu:/usr/sbin/nologin\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('as root on a dir owned by a user: initgroups with the user name, then setgid, then setuid', () => {
    const data = join(dir, 'owned');
    mkdirSync(data);
    chownSync(data, 995, 990);
    const p = fakeProcess();
    expect(dropToDataDirOwner(data, p, passwd)).toEqual({ uid: 995, gid: 994 });
    expect(p.calls).toEqual(['initgroups pintu 994', 'setgid 994', 'setuid 995']);
  });

  it('uses the directory\'s group when the owner has no passwd entry', () => {
    const data = join(dir, 'anon');
    mkdirSync(data);
    chownSync(data, 4242, 4343);
    const p = fakeProcess();
    expect(dropToDataDirOwner(data, p, passwd)).toEqual({ uid: 4242, gid: 4343 });
    expect(p.calls).toEqual(['setgroups 4343', 'setgid 4343', 'setuid 4242']);
  });

  it('changes nothing when not root, when the dir is root-owned, missing, or a file', () => {
    const rootOwned = join(dir, 'root');
    mkdirSync(rootOwned);
    const file = join(dir, 'file');
    writeFileSync(file, '');
    chownSync(file, 995, 994);
    const owned = join(dir, 'owned');
    mkdirSync(owned);
    chownSync(owned, 995, 994);
    for (const [path, uid] of [[rootOwned, 0], [join(dir, 'missing'), 0], [file, 0], [owned, 1000]] as const) {
      const p = fakeProcess(uid);
      expect(dropToDataDirOwner(path, p, passwd), path).toBeNull();
      expect(p.calls).toEqual([]);
    }
  });
});
