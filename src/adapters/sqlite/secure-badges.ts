/**
 * The door's secure-badge table (issue 15, migration 10): which cards were enrolled at the desk with a key diversified
 * from the site badge master key, and under which key version. The door reads one row per tap (by primary key); the
 * keys themselves live only in the key file (/etc/pintu), never here.
 */
import type { Statement } from 'better-sqlite3';
import type { Db } from './db.js';
import type { SecureBadge } from '../../domain/badge-proof.js';
import type { SecureBadgeRepository } from '../../ports/store.js';

interface Row { uid: string; key_version: number; holder: 'pool' | 'officer'; enrolled_at: number }

const badgeOf = (r: Row): SecureBadge => ({ uid: r.uid, keyVersion: r.key_version, holder: r.holder, enrolledAt: r.enrolled_at });

/** The secure_badges table of one door's database. */
export class SecureBadgeTable implements SecureBadgeRepository {
  /** Prepared at the first lookup (not in the constructor: a read-only open of an older database builds a store too). */
  private byUid: Statement<[string], Row> | null = null;

  /** On an open, migrated database. */
  constructor(private readonly db: Db) {}

  /** The enrolment of a card, or null. */
  secureBadge(uid: string): SecureBadge | null {
    // Compiled once: this lookup runs inside every tap's transaction.
    this.byUid ??= this.db.prepare<[string], Row>('SELECT uid, key_version, holder, enrolled_at FROM secure_badges WHERE uid = ?');
    const r = this.byUid.get(uid);
    return r ? badgeOf(r) : null;
  }

  /** Insert or replace a card's enrolment (a re-enrolment writes the new key version, time and officer). */
  saveSecureBadge(b: SecureBadge, by: string): void {
    this.db.prepare(
      `INSERT INTO secure_badges (uid, key_version, holder, enrolled_at, enrolled_by) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(uid) DO UPDATE SET key_version = excluded.key_version, holder = excluded.holder, enrolled_at = excluded.enrolled_at, enrolled_by = excluded.enrolled_by`,
    ).run(b.uid, b.keyVersion, b.holder, b.enrolledAt, by);
  }

  /** Forget a card's enrolment; true if it had one. */
  removeSecureBadge(uid: string): boolean {
    return this.db.prepare('DELETE FROM secure_badges WHERE uid = ?').run(uid).changes === 1;
  }

  /** Every enrolment, by UID. */
  secureBadges(): SecureBadge[] {
    return this.db.prepare<[], Row>('SELECT uid, key_version, holder, enrolled_at FROM secure_badges ORDER BY uid').all().map(badgeOf);
  }
}
