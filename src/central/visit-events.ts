/**
 * The stored events of one visit, oldest first, for the dashboard's visit timeline: read through the `events_visit`
 * index (site, door, the event's `data.visit`, seq; migration step 5 on both stores), a partial expression index that
 * holds only events naming a visit, so a visit's page reads its own few rows however large the events table grows.
 * The expressions here and in the migrations must stay the same text: the planners match them literally.
 */
import type { SqlRunner } from './sql-runner.js';
import { scopeFilter, type SiteScope } from './report.js';

/** SQLite: the visit an event names (`data.visit`), as the index stores it. */
export const VISIT_OF_EVENT_SQLITE = "json_extract(data, '$.visit')";
/** PostgreSQL: the visit an event names, as the index stores it. */
export const VISIT_OF_EVENT_PG = "(data::jsonb ->> 'visit')";
/** PostgreSQL: the partial index's condition (a text test, cheap, before any JSON is parsed). */
export const NAMES_A_VISIT_PG = `data LIKE '%"visit":%'`;

/** Most events one timeline shows (a visit has a few dozen: its steps, taps and alarms). */
export const MAX_TIMELINE_EVENTS = 1000;

/** One event of a visit's timeline. */
export interface VisitEvent {
  /** The door's sequence number. */
  seq: number;
  /** Event type (`visit.approved`, `access.granted` …). */
  type: string;
  /** When it happened at the door (ISO). */
  at: string;
  /** Its data as the door sent it (no personal data: the door never sends names, NIK or phone). */
  data: Record<string, unknown>;
}

/** The events naming `visit` at one door, oldest first; none when the site is out of `scope`. */
export async function visitEvents(sql: SqlRunner, scope: SiteScope, site: string, door: string, visit: string): Promise<VisitEvent[]> {
  const s = scopeFilter(scope, site);
  const rows = await sql.rows<{ seq: number | string; type: string; at: string; data: string }>(
    `SELECT seq, type, at, data FROM events WHERE ${s.sql} AND door = ? AND ${matchOf(sql.dialect)} ORDER BY seq LIMIT ?`,
    [...s.args, door, visit, MAX_TIMELINE_EVENTS]);
  return rows.map((r) => ({ seq: Number(r.seq), type: r.type, at: r.at, data: JSON.parse(r.data) as Record<string, unknown> }));
}

/** "This event names the visit ?", in the index's own words. */
function matchOf(dialect: SqlRunner['dialect']): string {
  return dialect === 'pg' ? `${VISIT_OF_EVENT_PG} = ? AND ${NAMES_A_VISIT_PG}` : `${VISIT_OF_EVENT_SQLITE} = ?`;
}

/** The query `visitEvents` runs for one site (plan checks in tests: it must use `events_visit`). */
export function visitEventsPlanSql(dialect: SqlRunner['dialect']): string {
  return `SELECT seq, type, at, data FROM events WHERE site = ? AND door = ? AND ${matchOf(dialect)} ORDER BY seq LIMIT 1000`;
}

/** A door as the pre-registration form offers it. */
export interface DoorRef {
  /** Site id. */
  site: string;
  /** Door id. */
  door: string;
}

/** Enrolled doors of the sites in `scope`, by site and door. */
export async function doorsInScope(sql: SqlRunner, scope: SiteScope): Promise<DoorRef[]> {
  const s = scopeFilter(scope);
  return sql.rows<DoorRef>(`SELECT site, door FROM doors WHERE ${s.sql} ORDER BY site, door`, s.args);
}

/**
 * Officer ids of the heads registered at a door, as its events told the centre (`officer.added` with role head, less
 * those deactivated since): whom a remote revocation can name. Ids only; the door never sends officers' names.
 */
export async function doorHeads(sql: SqlRunner, site: string, door: string): Promise<string[]> {
  const rows = await sql.rows<{ type: string; data: string }>(
    "SELECT type, data FROM events WHERE type IN ('officer.added', 'officer.deactivated', 'officer.activated') AND site = ? AND door = ? ORDER BY seq LIMIT 5000",
    [site, door]);
  const heads = new Map<string, boolean>();
  for (const r of rows) {
    const d = JSON.parse(r.data) as { officer?: unknown; role?: unknown };
    if (typeof d.officer !== 'string') continue;
    if (r.type === 'officer.added') { if (d.role === 'head') heads.set(d.officer, true); } else if (heads.has(d.officer)) heads.set(d.officer, r.type === 'officer.activated');
  }
  return [...heads].filter(([, active]) => active).map(([id]) => id);
}
