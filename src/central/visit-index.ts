/**
 * Visits across sites, from `visit_index` (kept by the ingest, `projections.ts`): one row per visit with its latest
 * state, institution, purpose and times. No personal data: the doors never send names, NIK or phone. Every query takes
 * the user's site scope and filters in SQL; listing uses the (updated_at), (site, updated_at) and (state, updated_at)
 * indexes, newest change first.
 */
import type { SqlRunner } from './sql-runner.js';
import { scopeFilter, type SiteScope } from './report.js';

/** A visit as the centre knows it. */
export interface IndexedVisit {
  /** Site id. */
  site: string;
  /** Door id. */
  door: string;
  /** Visit id. */
  visit: string;
  /** Latest state: requested, checked, approved, denied, issued, checked_out, archived, revoked, cancelled, expired. */
  state: string;
  /** visit or maintenance (SOP 002), from the request. */
  kind: string | null;
  /** Institution, from the request. */
  org: string | null;
  /** Purpose, from the request. */
  purpose: string | null;
  /** When requested (ISO), or null. */
  requestedAt: string | null;
  /** First granted entry (ISO), or null: never entered. */
  enteredAt: string | null;
  /** When its state last changed (ISO). */
  updatedAt: string;
}

/** A filter of `listVisits`. */
export interface VisitQuery {
  /** The user's sites (null: all). */
  scope: SiteScope;
  /** Only this site. */
  site?: string | null;
  /** Only this door. */
  door?: string | null;
  /** Only this state. */
  state?: string | null;
  /** Last changed at or after this (ISO). */
  from?: string | null;
  /** Last changed before this (ISO). */
  to?: string | null;
  /** Text in the visit id, institution or purpose (case-insensitive). */
  q?: string | null;
  /** At most this many (default 50, at most 1,000). */
  limit?: number;
  /** Skip this many (paging). */
  offset?: number;
}

/** A `visit_index` row. */
interface VisitIndexRow { site: string; door: string; visit: string; state: string; kind: string | null; org: string | null; purpose: string | null; requested_at: string | null; entered_at: string | null; updated_at: string }

const visitFrom = (r: VisitIndexRow): IndexedVisit => ({
  site: r.site, door: r.door, visit: r.visit, state: r.state, kind: r.kind, org: r.org, purpose: r.purpose, requestedAt: r.requested_at, enteredAt: r.entered_at, updatedAt: r.updated_at,
});

/** The WHERE clause of a visit query. */
function whereOf(f: VisitQuery): { sql: string; args: unknown[] } {
  const scope = scopeFilter(f.scope, f.site);
  const where = [scope.sql];
  const args: unknown[] = [...scope.args];
  if (f.door) { where.push('door = ?'); args.push(f.door); }
  if (f.state) { where.push('state = ?'); args.push(f.state); }
  if (f.from) { where.push('updated_at >= ?'); args.push(f.from); }
  if (f.to) { where.push('updated_at < ?'); args.push(f.to); }
  if (f.q) {
    // LIKE with the user's text as a literal: escape the wildcards.
    const like = `%${f.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    where.push(`(lower(visit) LIKE ? ESCAPE '\\' OR lower(COALESCE(org, '')) LIKE ? ESCAPE '\\' OR lower(COALESCE(purpose, '')) LIKE ? ESCAPE '\\')`);
    args.push(like, like, like);
  }
  return { sql: where.join(' AND '), args };
}

/** Visits matching the filter, newest change first, and how many match in all. */
export async function listVisits(sql: SqlRunner, f: VisitQuery): Promise<{ visits: IndexedVisit[]; total: number }> {
  const w = whereOf(f);
  const limit = Math.min(1000, Math.max(1, Math.trunc(f.limit ?? 50)));
  const offset = Math.max(0, Math.trunc(f.offset ?? 0));
  const rows = await sql.rows<VisitIndexRow>(
    `SELECT site, door, visit, state, kind, org, purpose, requested_at, entered_at, updated_at FROM visit_index WHERE ${w.sql}
     ORDER BY updated_at DESC, site, door, visit LIMIT ? OFFSET ?`, [...w.args, limit, offset]);
  const total = (await sql.rows<{ n: number | string }>(`SELECT count(*) AS n FROM visit_index WHERE ${w.sql}`, w.args))[0];
  return { visits: rows.map(visitFrom), total: Number(total?.n ?? 0) };
}

/** One visit, or null (also when its site is out of scope). */
export async function visitById(sql: SqlRunner, scope: SiteScope, site: string, door: string, visit: string): Promise<IndexedVisit | null> {
  const s = scopeFilter(scope, site);
  const r = (await sql.rows<VisitIndexRow>(
    `SELECT site, door, visit, state, kind, org, purpose, requested_at, entered_at, updated_at FROM visit_index WHERE ${s.sql} AND door = ? AND visit = ?`,
    [...s.args, door, visit]))[0];
  return r ? visitFrom(r) : null;
}
