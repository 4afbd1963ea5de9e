/**
 * Issue 14 item 1: the console's name search over sealed names through the keyed blind index (name-index.ts) — the
 * words and prefixes indexed, a search by the start of words (several words, any case, accents ignored) on a real
 * encrypted database whose file holds no name, no token a thief could compute without the key file, tokens erased by
 * the purge and a subject's erasure, and built on the first open of a database that has none.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import { tempConfig, testNik, type TempConfig } from '../helpers/config.js';
import { openStore, visitService, type DoorStore } from '../../src/main.js';
import { NameIndex, nameTokenTexts, nameWords, NAME_INDEX_META, TOKEN_BYTES } from '../../src/adapters/sqlite/name-index.js';
import { eraseVisit, noCategories, purgePersonalData } from '../../src/app/maintenance/purge.js';
import { loadOrCreateSecret } from '../../src/adapters/os/secret-file.js';
import { readDataKeyFile } from '../../src/adapters/os/data-key-file.js';

const temps: TempConfig[] = [];
const stores: DoorStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) if (s.db.open) s.db.close();
  for (const t of temps.splice(0)) t.cleanup();
});
const temp = (): TempConfig => { const t = tempConfig(); temps.push(t); return t; };
const open = (t: TempConfig): DoorStore => { const s = openStore(t.config); stores.push(s); return s; };

describe('name words and tokens', () => {
  it('lower-cases, strips accents and apostrophes, splits at anything not a letter or digit, keeps each word once', () => {
    expect(nameWords("  Élise O'Brien-NASUTION, M.  élise ")).toEqual(['elise', 'obrien', 'nasution', 'm']);
    expect(nameWords('<script>alert(1)</script>')).toEqual(['script', 'alert', '1']);
    expect(nameWords('% - .')).toEqual([]);
    expect(nameWords('A'.repeat(40))).toEqual(['a'.repeat(24)]);
  });

  it('indexes every word whole and every prefix of 2 characters or more; a one-letter word whole', () => {
    expect(nameTokenTexts('Budi M')).toEqual(['bu', 'bud', 'budi', 'm']);
    expect(nameTokenTexts('Ayu Sri').sort()).toEqual(['ay', 'ayu', 'sr', 'sri']);
  });
});

describe('name search on an encrypted door database', () => {
  /** A door with three visitors (an accented name among them) and its visit ids. */
  function door(): { t: TempConfig; store: DoorStore; ids: { sulastri: string; elisabeth: string; budi: string } } {
    const t = temp();
    const store = open(t);
    const visits = visitService(t.config, store);
    visits.addOfficer('Kepala Ruang', 'head', 'AA01');
    const req = (name: string, n: number): string => visits.request({ name, nik: testNik(n), org: 'PT Data Prima', purpose: 'uji' }).id;
    return { t, store, ids: { sulastri: req('Sulastri Wijayakusuma', 1), elisabeth: req('Élisabeth Nurhayati', 2), budi: req('Budi Santoso', 3) } };
  }
  const found = (store: DoorStore, name: string): string[] => store.searchVisits({ name, limit: 50 }).map((v) => v.id).sort();
  const tokensOf = (store: DoorStore, id: string): number => (store.db.prepare('SELECT COUNT(*) AS n FROM visit_name_tokens WHERE visit_id = ?').get(id) as { n: number }).n;

  it('finds by the start of words, several words, any case and accents; no match finds nothing; the file holds no name', () => {
    const { t, store, ids } = door();
    expect(found(store, 'wija')).toEqual([ids.sulastri]);
    expect(found(store, 'SULASTRI wijayakusuma')).toEqual([ids.sulastri]);
    expect(found(store, 'wijaya sula')).toEqual([ids.sulastri]);
    expect(found(store, 'elisabeth')).toEqual([ids.elisabeth]);
    expect(found(store, 'ÉLIS nurh')).toEqual([ids.elisabeth]);
    expect(found(store, 'Budi San')).toEqual([ids.budi]);
    expect(found(store, 'su')).toEqual([ids.sulastri]);
    expect(found(store, 'zzz')).toEqual([]);
    expect(found(store, 'jayakusuma')).toEqual([]); // inside a word: not indexed
    expect(found(store, 'budi nurhayati')).toEqual([]); // both words in one name
    expect(found(store, '%')).toEqual([]);
    // The raw file and WAL: no name, in any case, with or without accents.
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    const file = join(t.config.dataDir, 'pintu.db');
    for (const f of [file, `${file}-wal`]) {
      const bytes = existsSync(f) ? readFileSync(f) : Buffer.alloc(0);
      for (const n of ['Sulastri', 'sulastri', 'Wijayakusuma', 'wijayakusuma', 'lisabeth', 'Nurhayati', 'nurhayati', 'Santoso', 'santoso']) {
        expect(bytes.includes(Buffer.from(n, 'utf8')), `${n} in ${f}`).toBe(false);
      }
    }
  });

  it('keeps 8-byte tokens a thief cannot compute: not the HMAC with the site secret or the public key of a clear database', () => {
    const { t, store, ids } = door();
    const rows = store.db.prepare('SELECT token FROM visit_name_tokens WHERE visit_id = ?').all(ids.sulastri) as { token: Buffer }[];
    expect(rows.length).toBe(nameTokenTexts('Sulastri Wijayakusuma').length);
    expect(rows.every((r) => Buffer.isBuffer(r.token) && r.token.length === TOKEN_BYTES)).toBe(true);
    const stored = new Set(rows.map((r) => r.token.toString('hex')));
    const guess = (key: Buffer): string => createHmac('sha256', key).update('sulastri').digest().subarray(0, TOKEN_BYTES).toString('hex');
    expect(stored.has(guess(loadOrCreateSecret(t.config.dataDir)))).toBe(false);
    expect(stored.has(new NameIndex(store.db, null).token('sulastri').toString('hex'))).toBe(false);
    expect(stored.has(guess(readDataKeyFile(t.config.privacy.keyFile)[0]!.key))).toBe(false); // derived by HKDF, not the data key itself
    expect(store.meta(NAME_INDEX_META)).toBe(`v1:${readDataKeyFile(t.config.privacy.keyFile)[0]!.id}`);
  });

  it('a subject\'s erasure and the retention purge remove the visit\'s tokens; the other visits stay found', () => {
    const { t, store, ids } = door();
    const visits = visitService(t.config, store);
    expect(tokensOf(store, ids.sulastri)).toBeGreaterThan(0);
    store.tx(() => eraseVisit(store, store.visit(ids.sulastri)!, Date.now(), 'subject', noCategories()));
    expect(tokensOf(store, ids.sulastri)).toBe(0);
    expect(found(store, 'sulastri')).toEqual([]);
    expect(found(store, 'purged')).toEqual([]);
    visits.deny(ids.budi, 'O1', 'tidak ada surat');
    const r = purgePersonalData(store, { retentionDays: 1, now: Date.now() + 3 * 86_400_000, dryRun: false });
    expect(r.count).toBe(1);
    expect(tokensOf(store, ids.budi)).toBe(0);
    expect(found(store, 'budi')).toEqual([]);
    expect(found(store, 'elisabeth')).toEqual([ids.elisabeth]);
  });

  it('builds the tokens on the first open of a database that has none (an upgraded door), not again after', () => {
    const { t, store, ids } = door();
    store.db.exec('DELETE FROM visit_name_tokens');
    store.db.prepare('DELETE FROM meta WHERE key = ?').run(NAME_INDEX_META);
    store.close();
    const again = open(t);
    expect(found(again, 'wija')).toEqual([ids.sulastri]);
    expect(found(again, 'elisabeth nur')).toEqual([ids.elisabeth]);
    expect(tokensOf(again, ids.budi)).toBe(nameTokenTexts('Budi Santoso').length);
    const before = JSON.stringify(again.db.prepare('SELECT * FROM visit_name_tokens ORDER BY visit_id, token').all());
    again.close();
    const third = open(t);
    expect(JSON.stringify(third.db.prepare('SELECT * FROM visit_name_tokens ORDER BY visit_id, token').all())).toBe(before);
  });
});
