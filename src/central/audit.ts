/**
 * The centre's audit trail: every action of a dashboard user (sign-in, acknowledgement, pre-registration, revocation,
 * report review and approval, user changes) is one append-only row with the actor, what and where. Never personal data:
 * no names, NIK or phone of visitors, no passwords or codes.
 */
import type { SqlRunner } from './sql-runner.js';

/** One audit entry to write. */
export interface AuditEntry {
  /** Who (user id), or `system`/`cli:<user>` for the shell. */
  actor: string;
  /** What, as a dotted verb (`user.signed_in`, `alert.acknowledged`, `visit.preregistered` …). */
  action: string;
  /** Site concerned, if any. */
  site?: string | null;
  /** Door concerned, if any. */
  door?: string | null;
  /** Facts (ids, counts, notes): no personal data of visitors. */
  detail?: Record<string, unknown>;
}

/** A stored audit entry. */
export interface AuditRecord extends Required<Omit<AuditEntry, 'detail'>> {
  /** Entry number. */
  id: number;
  /** When (ms). */
  at: number;
  /** Facts. */
  detail: Record<string, unknown>;
}

/** Append an entry. */
export async function audit(sql: SqlRunner, e: AuditEntry, at = Date.now()): Promise<void> {
  await sql.run('INSERT INTO audit (at, actor, action, site, door, detail) VALUES (?, ?, ?, ?, ?, ?)',
    [at, e.actor, e.action, e.site ?? null, e.door ?? null, JSON.stringify(e.detail ?? {})]);
}

/** Entries, newest first; with a site scope (null: all), only entries of those sites or of no site. */
export async function auditEntries(sql: SqlRunner, o: { scope: readonly string[] | null; actor?: string; action?: string; limit?: number; before?: number }): Promise<AuditRecord[]> {
  const where: string[] = [];
  const args: unknown[] = [];
  if (o.scope) {
    where.push(`(site IS NULL${o.scope.length ? ` OR site IN (${o.scope.map(() => '?').join(', ')})` : ''})`);
    args.push(...o.scope);
  }
  if (o.actor) { where.push('actor = ?'); args.push(o.actor); }
  if (o.action) { where.push('action = ?'); args.push(o.action); }
  if (o.before) { where.push('id < ?'); args.push(o.before); }
  args.push(o.limit ?? 100);
  const rows = await sql.rows<{ id: number | string; at: number | string; actor: string; action: string; site: string | null; door: string | null; detail: string }>(
    `SELECT id, at, actor, action, site, door, detail FROM audit ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`, args);
  return rows.map((r) => ({ id: Number(r.id), at: Number(r.at), actor: r.actor, action: r.action, site: r.site, door: r.door, detail: JSON.parse(r.detail) as Record<string, unknown> }));
}
