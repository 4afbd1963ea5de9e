/**
 * `pintu privacy key create|status|rotate` and the key checks of the built CLI (issue 14 item 1): rotation re-seals
 * every value and retires the old key, a missing key file is refused with what to do, another door's backup is refused
 * by restore.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tempConfig, testNik, type TempConfig } from '../helpers/config.js';
import { pintu, pintuJson } from '../helpers/cli.js';
import { openStore, visitService } from '../../src/main.js';

const temps: TempConfig[] = [];
afterEach(() => { for (const t of temps.splice(0)) t.cleanup(); });
const temp = (): TempConfig => { const t = tempConfig(); temps.push(t); return t; };

/** Three visits with personal data, written through the store. */
function seed(t: TempConfig): void {
  const store = openStore(t.config);
  try {
    const visits = visitService(t.config, store);
    visits.addOfficer('Kepala', 'head', 'AA01');
    for (let i = 1; i <= 3; i++) visits.request({ name: `Rahmawati Putri ${i}`, nik: testNik(i), org: 'PT Uji', phone: `0812000000${i}`, purpose: 'servis' });
    visits.incident('O1', 'catatan kejadian', undefined);
  } finally { store.close(); }
}

describe('pintu privacy key (built CLI)', () => {
  it('rotate re-seals every value with a new key, retires the old one, and leaves every visit readable', () => {
    const t = temp();
    seed(t);
    const before = pintuJson<{ keys: { id: string }[]; usage: Record<string, number> }>(t.file, ['privacy', 'key', 'status']);
    expect(before.keys).toHaveLength(1);
    const oldId = before.keys[0]!.id;
    expect(Object.keys(before.usage)).toEqual([oldId]);
    const r = pintuJson<{ keyId: string; resealed: number; retired: string[] }>(t.file, ['privacy', 'key', 'rotate']);
    expect(r.keyId).not.toBe(oldId);
    expect(r.resealed).toBeGreaterThanOrEqual(3 * 2 + 1);
    expect(r.retired).toEqual([`${t.config.privacy.keyFile}.retired-${oldId}`]);
    expect(statSync(r.retired[0]!).mode & 0o777).toBe(0o600);
    expect(statSync(t.config.privacy.keyFile).mode & 0o777).toBe(0o600);
    const after = pintuJson<{ keys: { id: string }[]; usage: Record<string, number> }>(t.file, ['privacy', 'key', 'status']);
    expect(after.keys.map((k) => k.id)).toEqual([r.keyId]);
    expect(Object.keys(after.usage)).toEqual([r.keyId]);
    const db = join(t.config.dataDir, 'pintu.db');
    for (const f of [db, `${db}-wal`]) if (existsSync(f)) expect(readFileSync(f).includes(Buffer.from(`pe1:${oldId}:`)), f).toBe(false);
    const store = openStore(t.config);
    try {
      expect(store.visits().map((v) => v.visitor.name).sort()).toEqual(['Rahmawati Putri 1', 'Rahmawati Putri 2', 'Rahmawati Putri 3']);
      expect(store.incidents()[0]!.note).toBe('catatan kejadian');
    } finally { store.close(); }
  }, 120_000);

  it('a missing key file is refused naming it and the command to run; create makes it once', () => {
    const t = temp();
    rmSync(t.config.privacy.keyFile);
    const r = pintu(t.file, ['status']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`data key file ${t.config.privacy.keyFile} does not exist: create it with \`pintu privacy key create\``);
    expect(existsSync(join(t.config.dataDir, 'pintu.db'))).toBe(false);
    const c = pintuJson<{ keyFile: string; keyId: string }>(t.file, ['privacy', 'key', 'create']);
    expect(c.keyFile).toBe(t.config.privacy.keyFile);
    expect(statSync(c.keyFile).mode & 0o777).toBe(0o600);
    expect(pintu(t.file, ['privacy', 'key', 'create'])).toMatchObject({ code: 2, stderr: expect.stringContaining('exists already') });
    expect(pintu(t.file, ['status']).code).toBe(0);
  }, 120_000);

  it('restore refuses a backup sealed with another door\'s key and leaves the database as it was', () => {
    const a = temp();
    seed(a);
    const backup = join(a.dir, 'a.db');
    pintuJson(a.file, ['backup', backup]);
    expect(statSync(backup).mode & 0o777).toBe(0o600);
    const b = temp();
    seed(b);
    const r = pintu(b.file, ['restore', backup]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`restore refused: .*a\\.db: data key file ${b.config.privacy.keyFile} holds key [0-9a-f]{8} but database .* is encrypted with key [0-9a-f]{8}`));
    expect(pintuJson<unknown[]>(b.file, ['visit', 'list']).length).toBe(3);
  }, 120_000);
});
