/**
 * The door's watchlist table (issue 14 item 8): NIKs kept only as keyed hashes (`nikHash`) with a masked NIK for
 * display, a reason, an expiry, who added it and whether a head here or the centre did. Lookups are by hash and
 * expiry, so a match works offline and never needs a NIK in clear. The reason is free text about a person (often
 * naming them): with a data key it is sealed like the visits' free text (item 1), bound to its entry's id.
 */
import type { Db } from './db.js';
import type { WatchlistRepository, WatchlistRow } from '../../ports/store.js';
import { SEALED_PREFIX, type FieldCipher } from './field-cipher.js';
import { watchlistAad } from './sealed-visit.js';

interface Row { id: number; nik_hash: string; nik_masked: string; reason: string; until: number; added_by: string; source: 'local' | 'central'; added_at: number }

/** The reason of a row, opened when sealed (a row written before sealing, or without a key, is clear). */
function reasonOf(r: Row, cipher: FieldCipher | null): string {
  if (!r.reason.startsWith(SEALED_PREFIX)) return r.reason;
  if (!cipher) throw new Error('sealed watchlist reason without a data key');
  return cipher.open(r.reason, watchlistAad(r.id));
}

/** The watchlist table of one door's database. */
export class WatchlistTable implements WatchlistRepository {
  /** On an open, migrated database. */
  constructor(private readonly db: Db, private readonly cipher: FieldCipher | null = null) {}

  private rowOf(r: Row): WatchlistRow {
    return { id: r.id, nikHash: r.nik_hash, nikMasked: r.nik_masked, reason: reasonOf(r, this.cipher), until: r.until, addedBy: r.added_by, source: r.source, addedAt: r.added_at };
  }

  /** Add an entry. */
  insert(row: Omit<WatchlistRow, 'id'>): WatchlistRow {
    // Sealed to the entry's id, known only once inserted: the row is written blank, then its reason sealed (one transaction).
    return this.db.transaction(() => {
      const r = this.db.prepare('INSERT INTO watchlist (nik_hash, nik_masked, reason, until, added_by, source, added_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(row.nikHash, row.nikMasked, this.cipher ? '' : row.reason, row.until, row.addedBy, row.source, row.addedAt);
      const id = Number(r.lastInsertRowid);
      if (this.cipher) this.db.prepare('UPDATE watchlist SET reason = ? WHERE id = ?').run(this.cipher.seal(row.reason, watchlistAad(id)), id);
      return { id, ...row };
    })();
  }

  /** Entries, newest first (in force at `now` unless null). */
  list(now: number | null): WatchlistRow[] {
    const rows = now === null
      ? this.db.prepare<[], Row>('SELECT * FROM watchlist ORDER BY id DESC').all()
      : this.db.prepare<[number], Row>('SELECT * FROM watchlist WHERE until > ? ORDER BY id DESC').all(now);
    return rows.map((r) => this.rowOf(r));
  }

  /** One entry. */
  entry(id: number): WatchlistRow | null {
    const r = this.db.prepare<[number], Row>('SELECT * FROM watchlist WHERE id = ?').get(id);
    return r ? this.rowOf(r) : null;
  }

  /** Delete one entry. */
  remove(id: number): boolean {
    return this.db.prepare('DELETE FROM watchlist WHERE id = ?').run(id).changes === 1;
  }

  /** Delete a source's entries. */
  removeSource(source: 'local' | 'central'): number {
    return this.db.prepare('DELETE FROM watchlist WHERE source = ?').run(source).changes;
  }

  /** The entry in force for a NIK hash. */
  match(nikHash: string, now: number): WatchlistRow | null {
    const r = this.db.prepare<[string, number], Row>('SELECT * FROM watchlist WHERE nik_hash = ? AND until > ? ORDER BY until DESC LIMIT 1').get(nikHash, now);
    return r ? this.rowOf(r) : null;
  }

  /** Count (or delete) the entries that expired before `cutoff`. */
  expiredBefore(cutoff: number, remove: boolean): number {
    if (!remove) return (this.db.prepare<[number], { n: number }>('SELECT COUNT(*) AS n FROM watchlist WHERE until < ?').get(cutoff)!).n;
    return this.db.prepare('DELETE FROM watchlist WHERE until < ?').run(cutoff).changes;
  }

  /** Visits with this KTP hash, newest first. */
  visitIdsByKtpHash(ktpHash: string, limit: number): string[] {
    return this.db.prepare<[string, number], { id: string }>('SELECT id FROM visits WHERE ktp_hash = ? ORDER BY requested_at DESC, id DESC LIMIT ?').all(ktpHash, limit).map((r) => r.id);
  }
}
