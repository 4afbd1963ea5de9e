/**
 * Encryption at rest of one door database (issue 14 item 1): the key check before anything is written, the one-time
 * upgrade of a database written in clear, the rotation to a new key (row by row, resumable), and the key usage
 * `pintu privacy key status` prints. The visits' split into clear and sealed fields is `sealed-visit.ts`.
 *
 * The meta row `privacy.key_check` holds a value sealed with the key the data is sealed with: a database that has it
 * is encrypted, and a key ring that cannot open it is the wrong key (refused before any migration or write).
 */
import type { Db } from './db.js';
import { SEALED_PREFIX, sealedKeyId, UnknownDataKeyError, type FieldCipher } from './field-cipher.js';
import { incidentAad, searchAad, VisitSealer, watchlistAad } from './sealed-visit.js';
import { NAME_INDEX_META } from './name-index.js';

/** Meta key of the sealed check value. */
export const KEY_CHECK = 'privacy.key_check';
const CHECK_TEXT = 'pintu data key check';
const CHECK_AAD = 'pintu/meta/key_check';
const BATCH = 500;

/** Where the key came from, for error messages. */
export interface KeySource {
  /** The key file's path. */
  file: string;
}

/** The sealed check value of a database, or null (never encrypted, or a database before the meta table). */
export function keyCheckOf(db: Db): string | null {
  let st;
  try { st = db.prepare('SELECT value FROM meta WHERE key = ?'); } catch { return null; } // a new, empty file: no meta table yet
  return (st.get(KEY_CHECK) as { value: string } | undefined)?.value ?? null;
}

/**
 * Refuse a cipher that cannot open this database's data (nothing has been written when this throws), or a database
 * that is encrypted when no cipher is given. A database in clear is accepted (the upgrade follows).
 */
export function checkDataKey(db: Db, cipher: FieldCipher | null, source: KeySource | null): void {
  const check = keyCheckOf(db);
  if (check === null) return;
  if (cipher === null) {
    throw new Error(`database ${db.name} is encrypted at rest: its data key file (privacy.keyFile) is needed to open it`);
  }
  const where = source ? `data key file ${source.file}` : 'the data key';
  try {
    if (cipher.open(check, CHECK_AAD) !== CHECK_TEXT) throw new Error('check value differs');
  } catch (err) {
    const id = sealedKeyId(check);
    const why = err instanceof UnknownDataKeyError
      ? `${where} holds key ${cipher.keyIds.join(', ')} but database ${db.name} is encrypted with key ${id}`
      : `${where} does not open database ${db.name} (${(err as Error).message})`;
    throw new Error(`${why}: put back the key file kept for this door (or, to restore a backup, the key of that backup); nothing was changed`);
  }
}

/** Mark a database whose rows were all written sealed with `cipher` (a tool that fills a new database directly: the bench's seed). */
export function markEncrypted(db: Db, cipher: FieldCipher): void {
  db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(KEY_CHECK, cipher.seal(CHECK_TEXT, CHECK_AAD));
}

/** Overwrite freed pages (secure_delete), rebuild the file without its free pages (VACUUM) and empty the WAL. */
export function scrubFreePages(db: Db): void {
  db.pragma('secure_delete = ON');
  db.exec('VACUUM');
  db.pragma('wal_checkpoint(TRUNCATE)');
}

/**
 * Encrypt every row still in clear (a database of an earlier pintu, or written without a key), drop the name tokens of
 * the clear database and mark the database encrypted; then scrub the old clear bytes out of free pages and the WAL. One transaction: a crash leaves it all clear
 * (and the next open does it again) or all sealed. Returns how many visits were sealed, or -1 when already encrypted.
 */
export function encryptClearDatabase(db: Db, sealer: VisitSealer): number {
  const cipher = sealer.cipher;
  // Every open after the first: one read of the meta table, no write lock.
  if (keyCheckOf(db) !== null) return -1;
  let n = 0;
  const done = db.transaction(() => {
    if (keyCheckOf(db) !== null) return false;
    const ids = db.prepare('SELECT id FROM visits WHERE sealed IS NULL ORDER BY id').pluck().all() as string[];
    const read = db.prepare<[string], { data: string }>('SELECT data FROM visits WHERE id = ?');
    const write = db.prepare('UPDATE visits SET data = ?, sealed = ? WHERE id = ?');
    const search = db.prepare('UPDATE visit_search SET name = ? WHERE id = ?');
    for (const id of ids) {
      const v = sealer.open(read.get(id)!.data, null);
      const s = sealer.seal(v);
      write.run(s.data, s.sealed, id);
      search.run(cipher.seal(v.visitor.name.toLowerCase(), searchAad(id)), id);
      n += 1;
    }
    const notes = db.prepare('SELECT id, note FROM incidents').all() as { id: number; note: string }[];
    const note = db.prepare('UPDATE incidents SET note = ? WHERE id = ?');
    for (const r of notes) if (!r.note.startsWith(SEALED_PREFIX)) note.run(cipher.seal(r.note, incidentAad(r.id)), r.id);
    sealClearWatchlistReasons(db, cipher);
    // Name tokens under the public key of a clear database are as good as the names (hash a guess, compare): dropped
    // before the scrub; the store rebuilds them with the data key's index key right after (name-index.ts).
    db.exec('DELETE FROM visit_name_tokens');
    db.prepare('DELETE FROM meta WHERE key = ?').run(NAME_INDEX_META);
    db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(KEY_CHECK, cipher.seal(CHECK_TEXT, CHECK_AAD));
    return true;
  }).immediate();
  if (!done) return -1;
  scrubFreePages(db);
  return n;
}

/** Seal the watchlist reasons still in clear (written before they were sealed, or without a key); how many. */
function sealClearWatchlistReasons(db: Db, cipher: FieldCipher): number {
  const rows = db.prepare("SELECT id, reason FROM watchlist WHERE reason NOT LIKE 'pe1:%'").all() as { id: number; reason: string }[];
  const write = db.prepare('UPDATE watchlist SET reason = ? WHERE id = ?');
  for (const r of rows) write.run(cipher.seal(r.reason, watchlistAad(r.id)), r.id);
  return rows.length;
}

/** How many sealed values each key id holds (visits, search names, incident notes, watchlist reasons, the check value). */
export function keyUsage(db: Db): Record<string, number> {
  const rows = db.prepare(`SELECT k, COUNT(*) AS n FROM (
      SELECT substr(sealed, 5, 8) AS k FROM visits WHERE sealed IS NOT NULL
      UNION ALL SELECT substr(name, 5, 8) FROM visit_search WHERE name LIKE 'pe1:%'
      UNION ALL SELECT substr(note, 5, 8) FROM incidents WHERE note LIKE 'pe1:%'
      UNION ALL SELECT substr(reason, 5, 8) FROM watchlist WHERE reason LIKE 'pe1:%'
      UNION ALL SELECT substr(value, 5, 8) FROM meta WHERE key = ?) GROUP BY k ORDER BY k`).all(KEY_CHECK) as { k: string; n: number }[];
  return Object.fromEntries(rows.map((r) => [r.k, r.n]));
}

/** Rows (visits, search names, incident notes, watchlist reasons) still clear, counted. */
export function clearRows(db: Db): number {
  const r = db.prepare(`SELECT (SELECT COUNT(*) FROM visits WHERE sealed IS NULL) + (SELECT COUNT(*) FROM incidents WHERE note NOT LIKE 'pe1:%')
    + (SELECT COUNT(*) FROM watchlist WHERE reason NOT LIKE 'pe1:%') AS n`).get() as { n: number };
  return r.n;
}

/**
 * Re-seal every value not sealed with the cipher's current key, in transactions of a few hundred rows (the daemon's
 * taps wait for each only briefly; a stop leaves a consistent database, and running it again continues). The check
 * value is re-sealed last; then free pages and the WAL are scrubbed so no old-key ciphertext stays in the file. (The
 * name index was already rebuilt with the new key when the store opened with it: `NameIndex.ensure`; the scrub also
 * clears the old key's tokens.)
 */
export function resealAll(db: Db, sealer: VisitSealer, onBatch: (n: number) => void = () => undefined): number {
  const cipher = sealer.cipher;
  const prefix = `${SEALED_PREFIX}${cipher.keyId}:`;
  let total = 0;
  const visits = db.prepare<[string], { id: string; data: string; sealed: string }>(
    `SELECT id, data, sealed FROM visits WHERE sealed IS NOT NULL AND sealed NOT LIKE ? LIMIT ${BATCH}`);
  const writeVisit = db.prepare('UPDATE visits SET data = ?, sealed = ? WHERE id = ?');
  const names = db.prepare<[string], { id: string; name: string }>(
    `SELECT id, name FROM visit_search WHERE name LIKE 'pe1:%' AND name NOT LIKE ? LIMIT ${BATCH}`);
  const writeName = db.prepare('UPDATE visit_search SET name = ? WHERE id = ?');
  const notes = db.prepare<[string], { id: number; note: string }>(
    `SELECT id, note FROM incidents WHERE note LIKE 'pe1:%' AND note NOT LIKE ? LIMIT ${BATCH}`);
  const writeNote = db.prepare('UPDATE incidents SET note = ? WHERE id = ?');
  const reasons = db.prepare<[string], { id: number; reason: string }>(
    `SELECT id, reason FROM watchlist WHERE reason LIKE 'pe1:%' AND reason NOT LIKE ? LIMIT ${BATCH}`);
  const writeReason = db.prepare('UPDATE watchlist SET reason = ? WHERE id = ?');
  db.pragma('secure_delete = ON');
  for (;;) {
    const n = db.transaction(() => {
      let k = 0;
      for (const r of visits.all(`${prefix}%`)) {
        const s = sealer.seal(sealer.open(r.data, r.sealed));
        writeVisit.run(s.data, s.sealed, r.id);
        k += 1;
      }
      for (const r of names.all(`${prefix}%`)) { writeName.run(cipher.seal(cipher.open(r.name, searchAad(r.id)), searchAad(r.id)), r.id); k += 1; }
      for (const r of notes.all(`${prefix}%`)) { writeNote.run(cipher.seal(cipher.open(r.note, incidentAad(r.id)), incidentAad(r.id)), r.id); k += 1; }
      for (const r of reasons.all(`${prefix}%`)) { writeReason.run(cipher.seal(cipher.open(r.reason, watchlistAad(r.id)), watchlistAad(r.id)), r.id); k += 1; }
      return k;
    }).immediate();
    if (n === 0) break;
    total += n;
    onBatch(total);
  }
  db.transaction(() => {
    // Reasons written in clear by a door that had the watchlist before its reasons were sealed.
    total += sealClearWatchlistReasons(db, cipher);
    const check = keyCheckOf(db);
    if (check !== null && !check.startsWith(prefix)) {
      db.prepare('UPDATE meta SET value = ? WHERE key = ?').run(cipher.seal(cipher.open(check, CHECK_AAD), CHECK_AAD), KEY_CHECK);
    }
  }).immediate();
  scrubFreePages(db);
  return total;
}
