/**
 * The console's visit search by name over names kept only sealed (issue 14 item 1): a keyed blind index. For each visit
 * the table `visit_name_tokens` (visit_id, token) holds HMAC-SHA256 tokens, truncated to 8 bytes, of the name's words
 * normalised (lower-cased, accents stripped, apostrophes dropped, split at anything not a letter or digit) and of each
 * prefix of 2 characters or more of each word. A search term is normalised the same way and each of its words must be
 * the token of one of the visit's: "budi san" finds "Budi Santoso" (and "Santoso Budiman"); a part in the middle of a
 * word ("antoso") finds nothing. A search is then an index lookup, not an AES-GCM open of every name scanned.
 *
 * Why prefixes from 2 characters: officers type the start of a name; 2 letters still narrow a list ("Ay" → Ayu) and
 * keep the 2-letter searches that worked with the old substring search, for one more token per word than from 3. One
 * letter alone is not indexed (it would tag nearly every visit by its initials); a one-letter word ("M. Ridwan") is a
 * whole word and is indexed.
 *
 * The key: HKDF-SHA256 of the data key (the sealing key of `privacy.keyFile`) with its own label, never the site secret
 * kept in the data dir, so someone holding the database (a copied SD card, a backup) without the key file cannot
 * compute the token of a guessed name to test it. The meta row `privacy.name_index` names the key the tokens were built
 * with; a store opened with another key (a clear database encrypted on first open, a key rotation) rebuilds them from
 * the sealed search names in one transaction, freed bytes overwritten (secure_delete).
 *
 * What it leaks, the price of a search that does not open every name: to someone with the database but not the key, equal
 * name words (and equal word starts) across visits show as equal tokens. They can tell that two visits share a word of
 * the name, or a name is frequent; not which word, nor any name. In a database kept in clear (`privacy.encryptAtRest:
 * false`) the tokens use a fixed public key and protect nothing: the names are in clear there anyway.
 */
import { createHash, createHmac } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import type { Db } from './db.js';
import type { FieldCipher } from './field-cipher.js';
import { searchAad } from './sealed-visit.js';

/** Meta key naming the key the tokens were built with (`v1:<data key id>` or `v1:clear`). */
export const NAME_INDEX_META = 'privacy.name_index';
/** HKDF label of the index key: its own, so the key opens nothing and no other use derives it. */
const LABEL = 'pintu/visit-name-index/v1';
/** Shortest prefix of a word that is indexed (a shorter word is indexed whole). */
export const MIN_PREFIX = 2;
/** Characters of a word indexed (longer words and search words are cut here: bounds the tokens of one name). */
export const MAX_WORD = 24;
/** Bytes kept of each HMAC: collisions at 2^-64 a pair, a small table. */
export const TOKEN_BYTES = 8;
/** The key of a database in clear: public, as the names it indexes. */
const CLEAR_KEY = createHash('sha256').update('pintu visit name index of a database in clear').digest();
/** Visits whose tokens a rebuild writes per statement batch. */
const BATCH = 2000;

/** The words of a name or a search term: lower-cased, accents stripped, apostrophes dropped, split at non-letters/digits, each cut to MAX_WORD, distinct. */
export function nameWords(text: string): string[] {
  const words = text.toLowerCase().normalize('NFKD').replace(/\p{M}/gu, '').replace(/['’`ʼ]/g, '').split(/[^\p{L}\p{N}]+/u);
  return [...new Set(words.filter((w) => w.length > 0).map((w) => Array.from(w).slice(0, MAX_WORD).join('')))];
}

/** The strings indexed for a name: every word and every prefix of a word of MIN_PREFIX characters or more. */
export function nameTokenTexts(name: string): string[] {
  const out = new Set<string>();
  for (const w of nameWords(name)) {
    const cs = Array.from(w);
    for (let k = Math.min(MIN_PREFIX, cs.length); k <= cs.length; k++) out.add(cs.slice(0, k).join(''));
  }
  return [...out];
}

/** The blind index of one door database's visit names, keyed by the store's data key. */
export class NameIndex {
  /** The key the tokens are built with, as kept in meta. */
  readonly id: string;
  private readonly key: Buffer;
  private readonly del: Statement<[string]>;
  private readonly ins: Statement<[string, Buffer]>;

  /** Bind to the database and the data key (`cipher` null: a database in clear, the public key). */
  constructor(private readonly db: Db, private readonly cipher: FieldCipher | null) {
    this.key = cipher ? cipher.deriveKey(LABEL) : CLEAR_KEY;
    this.id = `v1:${cipher ? cipher.keyId : 'clear'}`;
    this.del = db.prepare('DELETE FROM visit_name_tokens WHERE visit_id = ?');
    this.ins = db.prepare('INSERT OR IGNORE INTO visit_name_tokens (visit_id, token) VALUES (?, ?)');
  }

  /** The token of one normalised word or prefix. */
  token(text: string): Buffer {
    return createHmac('sha256', this.key).update(text, 'utf8').digest().subarray(0, TOKEN_BYTES);
  }

  /** The tokens a search term must all find, its longest word first (the rarest, to drive the lookup); none: no word in it. */
  termTokens(term: string): Buffer[] {
    return nameWords(term).sort((a, b) => Array.from(b).length - Array.from(a).length).map((w) => this.token(w));
  }

  /** Replace a visit's tokens by those of `name` (null: none, the visit's name was purged or erased). Inside the caller's transaction. */
  write(visitId: string, name: string | null): void {
    this.del.run(visitId);
    if (name === null) return;
    for (const t of nameTokenTexts(name)) this.ins.run(visitId, this.token(t));
  }

  /** The key the stored tokens were built with, or null (never built). */
  builtWith(): string | null {
    return (this.db.prepare('SELECT value FROM meta WHERE key = ?').get(NAME_INDEX_META) as { value: string } | undefined)?.value ?? null;
  }

  /**
   * Build every visit's tokens unless they were built with this key: from the search names (sealed ones opened), none
   * for a purged visit; one transaction, so a crash leaves the old tokens and the old meta (the next open does it again).
   * Returns the visits indexed, or -1 when the tokens were current (or the database is read-only).
   */
  ensure(): number {
    if (this.db.readonly || this.builtWith() === this.id) return -1;
    const secure = this.db.pragma('secure_delete', { simple: true }) as number;
    this.db.pragma('secure_delete = ON'); // the old tokens (another key's, or the public key's) are overwritten, not left in free pages
    try {
      return this.db.transaction(() => {
        if (this.builtWith() === this.id) return -1;
        this.db.exec('DELETE FROM visit_name_tokens');
        const page = this.db.prepare<[string], { id: string; name: string; purged: number | null }>(
          `SELECT s.id, s.name, v.purged_at AS purged FROM visit_search s JOIN visits v ON v.id = s.id WHERE s.id > ? ORDER BY s.id LIMIT ${BATCH}`);
        let n = 0;
        for (let last = ''; ;) {
          const rows = page.all(last);
          if (rows.length === 0) break;
          for (const r of rows) {
            if (r.purged === null) this.write(r.id, this.nameOf(r.id, r.name));
            n += 1;
          }
          last = rows.at(-1)!.id;
        }
        this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(NAME_INDEX_META, this.id);
        return n;
      }).immediate();
    } finally {
      this.db.pragma(`secure_delete = ${Number(secure)}`);
    }
  }

  /** A search row's name in clear (lower-cased, as the row keeps it). */
  private nameOf(id: string, stored: string): string {
    if (!stored.startsWith('pe1:')) return stored;
    if (!this.cipher) throw new Error('sealed search name without a data key');
    return this.cipher.open(stored, searchAad(id));
  }
}
