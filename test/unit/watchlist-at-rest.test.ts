/**
 * Review of issue 14 items 1 and 8: a watchlist entry's reason is free text about a person ("suspected of …", often
 * with their name): like every other free text it is sealed at rest, so the database file, its WAL and a backup do not
 * show it without the key, and a key rotation re-seals it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempConfig, testNik, type TempConfig } from '../helpers/config.js';
import { openStore, visitService, watchlistService, type DoorStore } from '../../src/main.js';
import { newDataKey, readDataKeyFile, writeDataKeyFile } from '../../src/adapters/os/data-key-file.js';

const REASON = 'tersangka pencurian kabel, a.n. Sulastri Wijayakusuma';
const temps: TempConfig[] = [];
const stores: DoorStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) if (s.db.open) s.db.close();
  for (const t of temps.splice(0)) t.cleanup();
});
const open = (t: TempConfig): DoorStore => { const s = openStore(t.config); stores.push(s); return s; };
const has = (file: string, text: string): boolean => existsSync(file) && readFileSync(file).includes(Buffer.from(text, 'utf8'));

describe('watchlist reasons at rest', () => {
  it('are sealed in the database, its WAL and a backup; read back whole; re-sealed by a key rotation', async () => {
    const t = tempConfig();
    temps.push(t);
    const db = join(t.config.dataDir, 'pintu.db');
    const store = open(t);
    visitService(t.config, store).addOfficer('Kepala Ruang', 'head', 'AA01');
    const wl = watchlistService(t.config, store);
    const e = wl.add({ nik: testNik(9), reason: REASON, until: Date.now() + 86_400_000, by: 'O1' });
    expect(e.reason).toBe(REASON);
    expect(has(`${db}-wal`, 'Wijayakusuma')).toBe(false);
    const backup = join(t.dir, 'b.db');
    await store.backupTo(backup);
    expect(has(backup, 'Wijayakusuma')).toBe(false);
    expect(wl.list().map((x) => x.reason)).toEqual([REASON]);
    expect(wl.matchNik(testNik(9))?.reason).toBe(REASON);
    store.close();
    expect(has(db, 'Wijayakusuma')).toBe(false);
    expect(has(db, 'pencurian')).toBe(false);

    const [old] = readDataKeyFile(t.config.privacy.keyFile);
    const fresh = newDataKey();
    writeDataKeyFile(t.config.privacy.keyFile, [fresh, old!]);
    const rotating = open(t);
    rotating.resealAll();
    expect(Object.keys(rotating.keyUsage())).toEqual([fresh.id]);
    rotating.close();
    writeDataKeyFile(t.config.privacy.keyFile, [fresh]);
    const after = open(t);
    expect(watchlistService(t.config, after).list().map((x) => x.reason)).toEqual([REASON]);
  });
});

describe('data key file writes (review)', () => {
  it('a rewrite never inherits the mode of a temp file left behind: the key file stays 0600', async () => {
    const { mkdtempSync, writeFileSync, chmodSync, statSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'pintu-key-'));
    try {
      const file = join(dir, 'data.key');
      writeFileSync(`${file}.new`, 'left by an interrupted rotation or an editor\n');
      chmodSync(`${file}.new`, 0o644);
      writeDataKeyFile(file, [newDataKey()]);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(readDataKeyFile(file)).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
