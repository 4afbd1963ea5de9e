/**
 * Migration 10 and the secure-badge repository (issue 15): which cards were enrolled with a diversified key, and under
 * which key version — never a key. A door database of version 9 is upgraded keeping its data; the table refuses what
 * cannot be (a key version outside 1–255, a holder other than the pool or an officer).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Db } from '../../src/adapters/sqlite/db.js';
import { MIGRATIONS } from '../../src/adapters/sqlite/migrations.js';
import { Store } from '../../src/adapters/sqlite/store.js';

const T0 = Date.UTC(2026, 11, 2, 1, 0, 0);
const dirs: string[] = [];
const dbs: Db[] = [];
const file = (): string => { const d = mkdtempSync(join(tmpdir(), 'pintu-secure-db-')); dirs.push(d); return join(d, 'pintu.db'); };
const open = (path: string, migrations = MIGRATIONS): Db => { const db = openDatabase(path, { synchronous: 'normal' }, migrations); dbs.push(db); return db; };
afterEach(() => {
  for (const db of dbs.splice(0)) if (db.open) db.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('migration 10: secure_badges', () => {
  it('upgrades a version-9 door database, keeping its officers and badges; the table holds a key version, never a key', () => {
    const path = file();
    const old = open(path, MIGRATIONS.filter((m) => m.version <= 9));
    expect(old.pragma('user_version', { simple: true })).toBe(9);
    // A store opened on the old database (read-only opens are not migrated) still builds, and writes as before.
    const before = new Store(old, 'd1', null);
    before.addOfficer({ name: 'Budi', role: 'head', badgeUid: '04000000000A01' }, T0);
    before.addBadge('04000000001B01', 'TAMU-01', T0);
    old.close();

    const db = open(path);
    expect(MIGRATIONS.find((m) => m.version === 10)?.name).toMatch(/secure badges/);
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.at(-1)!.version);
    const columns = db.prepare<[], { name: string }>("SELECT name FROM pragma_table_info('secure_badges') ORDER BY cid").all().map((c) => c.name);
    expect(columns).toEqual(['uid', 'key_version', 'holder', 'enrolled_at', 'enrolled_by']);
    const store = new Store(db, 'd1', null);
    expect(store.officerByBadge('04000000000A01')?.name).toBe('Budi');
    expect(store.badge('04000000001B01')?.label).toBe('TAMU-01');
    expect(store.secureBadges()).toEqual([]);
  });

  it('refuses a key version outside 1–255 and a holder other than pool or officer', () => {
    const db = open(file());
    const insert = (v: number, holder: string): unknown => db.prepare('INSERT INTO secure_badges (uid, key_version, holder, enrolled_at, enrolled_by) VALUES (?, ?, ?, ?, ?)')
      .run(`04${v}${holder}`, v, holder, T0, 'O1');
    for (const v of [0, 256, -1]) expect(() => insert(v, 'pool'), String(v)).toThrow(/CHECK constraint failed/);
    expect(() => insert(1, 'visitor')).toThrow(/CHECK constraint failed/);
    expect(() => insert(1, 'pool')).not.toThrow();
    expect(() => insert(255, 'officer')).not.toThrow();
  });
});

describe('secure badge repository', () => {
  it('records, renews, lists and forgets enrolments', () => {
    const store = new Store(open(file()), 'd1', null);
    expect(store.secureBadge('04000000001B01')).toBeNull();
    store.tx(() => {
      store.saveSecureBadge({ uid: '04000000001B01', keyVersion: 1, holder: 'pool', enrolledAt: T0 }, 'O1');
      store.saveSecureBadge({ uid: '04000000000A01', keyVersion: 1, holder: 'officer', enrolledAt: T0 + 1 }, 'cli');
    });
    expect(store.secureBadge('04000000001B01')).toEqual({ uid: '04000000001B01', keyVersion: 1, holder: 'pool', enrolledAt: T0 });
    // Re-enrolment after a key rotation: the new version, time and officer replace the old ones (one row per card).
    store.saveSecureBadge({ uid: '04000000001B01', keyVersion: 2, holder: 'pool', enrolledAt: T0 + 60_000 }, 'O2');
    expect(store.secureBadge('04000000001B01')).toEqual({ uid: '04000000001B01', keyVersion: 2, holder: 'pool', enrolledAt: T0 + 60_000 });
    expect(store.db.prepare("SELECT enrolled_by FROM secure_badges WHERE uid = '04000000001B01'").pluck().get()).toBe('O2');
    expect(store.secureBadges().map((b) => [b.uid, b.keyVersion])).toEqual([['04000000000A01', 1], ['04000000001B01', 2]]);
    expect(store.removeSecureBadge('04000000001B01')).toBe(true);
    expect(store.removeSecureBadge('04000000001B01')).toBe(false);
    expect(store.secureBadge('04000000001B01')).toBeNull();
    expect(store.secureBadges().map((b) => b.uid)).toEqual(['04000000000A01']);
  });

  it('a write that fails with the rest of its transaction leaves no enrolment behind', () => {
    const store = new Store(open(file()), 'd1', null);
    expect(() => store.tx(() => {
      store.saveSecureBadge({ uid: '04000000001B01', keyVersion: 1, holder: 'pool', enrolledAt: T0 }, 'O1');
      throw new Error('the badge record failed');
    })).toThrow(/badge record failed/);
    expect(store.secureBadge('04000000001B01')).toBeNull();
  });
});
