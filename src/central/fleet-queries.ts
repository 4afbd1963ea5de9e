/**
 * What the fleet view reads, each in one statement over `SqlRunner` (SQLite and PostgreSQL), always limited to the
 * user's sites in SQL: the doors table with its open alerts joined (filtered and sorted by the database), one grouped
 * summary (doors per site and state, open alerts per site), and for one door its latest events and link alerts.
 * No query per door: the fleet page costs two statements whatever the fleet's size.
 */
import { doorFrom, type DoorRow } from './sql-store.js';
import type { SqlRunner } from './sql-runner.js';
import type { DoorRecord } from './store.js';

/** Door states as the fleet filters them. */
export const FLEET_STATES = ['online', 'offline', 'unknown'] as const;
/** One of `FLEET_STATES`. */
export type FleetState = (typeof FLEET_STATES)[number];

/** Columns the fleet table sorts by. */
export const FLEET_SORTS = ['site', 'door', 'state', 'contact', 'backlog', 'alerts', 'version'] as const;
/** One of `FLEET_SORTS`. */
export type FleetSort = (typeof FLEET_SORTS)[number];

/** A fleet query: scope (null: every site), filters and order. */
export interface FleetQuery {
  /** Sites the user may see (null: all). */
  scope: readonly string[] | null;
  /** Only this site. */
  site?: string | null;
  /** Only doors in this state. */
  state?: FleetState | null;
  /** Only doors whose site, door id or version contains this text (case-insensitive). */
  text?: string | null;
  /** Sort column (default site). */
  sort?: FleetSort;
  /** Descending. */
  desc?: boolean;
}

/** One row of the fleet table: the door and its open alerts. */
export interface FleetRow extends DoorRecord {
  /** Alerts of this door not yet acknowledged. */
  openAlerts: number;
  /** The door's own last seq minus the stored one (null: the door never said). */
  backlog: number | null;
}

/** The fleet's summary in the user's scope (whatever the filters). */
export interface FleetSummary {
  /** Doors per state. */
  states: Record<FleetState, number>;
  /** Sites in scope that have doors or alerts, sorted, with their doors per state and open alerts. */
  sites: Array<{ site: string; doors: number; online: number; offline: number; unknown: number; openAlerts: number }>;
}

/** `column IN (…)` for a scope, or a condition true for every row (null) / no row (`[]`). */
export function scopeCondition(column: string, scope: readonly string[] | null): { sql: string; args: string[] } {
  if (scope === null) return { sql: '1 = 1', args: [] };
  if (scope.length === 0) return { sql: '1 = 0', args: [] };
  return { sql: `${column} IN (${scope.map(() => '?').join(', ')})`, args: [...scope] };
}

/** A LIKE pattern matching `text` anywhere, with %, _ and \ taken literally (use with ESCAPE '\'). */
export function containsPattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
}

/** The backlog of a door: what it has that the centre has not stored yet (never below 0). */
export function backlogOf(d: Pick<DoorRecord, 'reportedLastSeq' | 'lastSeq'>): number | null {
  return d.reportedLastSeq === null ? null : Math.max(0, d.reportedLastSeq - d.lastSeq);
}

const SORT_SQL: Record<FleetSort, string> = {
  site: 'd.site',
  door: 'd.door',
  state: "CASE d.state WHEN 'offline' THEN 0 WHEN 'unknown' THEN 1 ELSE 2 END",
  contact: 'COALESCE(d.last_seen_at, 0)',
  backlog: 'CASE WHEN d.reported_last_seq IS NULL THEN -1 WHEN d.reported_last_seq < d.last_seq THEN 0 ELSE d.reported_last_seq - d.last_seq END',
  alerts: 'COALESCE(a.n, 0)',
  version: 'COALESCE(d.app_version, \'\')',
};

/** The doors of a fleet query with their open alerts: one statement (the alerts are grouped in a joined subquery). */
export async function fleetRows(sql: SqlRunner, q: FleetQuery): Promise<FleetRow[]> {
  const scopeD = scopeCondition('d.site', q.scope);
  const scopeA = scopeCondition('site', q.scope);
  const where = [scopeD.sql];
  const args: unknown[] = [...scopeA.args, ...scopeD.args];
  if (q.site) { where.push('d.site = ?'); args.push(q.site); }
  if (q.state) { where.push('d.state = ?'); args.push(q.state); }
  if (q.text) {
    const p = containsPattern(q.text);
    where.push("(LOWER(d.site) LIKE ? ESCAPE '\\' OR LOWER(d.door) LIKE ? ESCAPE '\\' OR LOWER(COALESCE(d.app_version, '')) LIKE ? ESCAPE '\\')");
    args.push(p, p, p);
  }
  const dir = q.desc ? 'DESC' : 'ASC';
  const order = `${SORT_SQL[q.sort ?? 'site']} ${dir}, d.site ${dir}, d.door ${dir}`;
  const rows = await sql.rows<DoorRow & { open_alerts: number | string }>(
    `SELECT d.*, COALESCE(a.n, 0) AS open_alerts FROM doors d
     LEFT JOIN (SELECT site, door, COUNT(*) AS n FROM alerts WHERE acked_at IS NULL AND ${scopeA.sql} GROUP BY site, door) a ON a.site = d.site AND a.door = d.door
     WHERE ${where.join(' AND ')} ORDER BY ${order}`, args);
  return rows.map((r) => {
    const d = doorFrom(r);
    return { ...d, openAlerts: Number(r.open_alerts), backlog: backlogOf(d) };
  });
}

/** Doors per site and state, and open alerts per site, in the scope: one grouped statement. */
export async function fleetSummary(sql: SqlRunner, scope: readonly string[] | null): Promise<FleetSummary> {
  const s = scopeCondition('site', scope);
  const rows = await sql.rows<{ what: string; site: string; state: string; n: number | string }>(
    `SELECT 'door' AS what, site, state, COUNT(*) AS n FROM doors WHERE ${s.sql} GROUP BY site, state
     UNION ALL SELECT 'alert' AS what, site, '' AS state, COUNT(*) AS n FROM alerts WHERE acked_at IS NULL AND ${s.sql} GROUP BY site`, [...s.args, ...s.args]);
  const states: Record<FleetState, number> = { online: 0, offline: 0, unknown: 0 };
  const bySite = new Map<string, FleetSummary['sites'][number]>();
  const siteOf = (site: string): FleetSummary['sites'][number] => {
    let e = bySite.get(site);
    if (!e) { e = { site, doors: 0, online: 0, offline: 0, unknown: 0, openAlerts: 0 }; bySite.set(site, e); }
    return e;
  };
  for (const r of rows) {
    const n = Number(r.n);
    const e = siteOf(r.site);
    if (r.what === 'alert') { e.openAlerts += n; continue; }
    const st: FleetState = r.state === 'online' || r.state === 'offline' ? r.state : 'unknown';
    states[st] += n;
    e[st] += n;
    e.doors += n;
  }
  return { states, sites: [...bySite.values()].sort((a, b) => (a.site < b.site ? -1 : a.site > b.site ? 1 : 0)) };
}

/** One stored event of a door as the door page lists it (its data as the stored text). */
export interface DoorEventRow {
  /** Sequence number. */
  seq: number;
  /** Dotted type. */
  type: string;
  /** The door's time (ISO, as the door wrote it). */
  at: string;
  /** The data text as stored. */
  data: string;
  /** When the centre stored it (ms). */
  receivedAt: number;
  /** Its chain hash. */
  hash: string;
}

/** The latest events of one door, newest first (before seq `before` when given): the (site, door, seq) index. */
export async function doorEvents(sql: SqlRunner, site: string, door: string, o: { before?: number; limit?: number } = {}): Promise<DoorEventRow[]> {
  const args: unknown[] = [site, door];
  let cond = '';
  if (o.before !== undefined) { cond = ' AND seq < ?'; args.push(o.before); }
  args.push(o.limit ?? 50);
  const rows = await sql.rows<{ seq: number | string; type: string; at: string; data: string; received_at: number | string; hash: string }>(
    `SELECT seq, type, at, data, received_at, hash FROM events WHERE site = ? AND door = ?${cond} ORDER BY seq DESC LIMIT ?`, args);
  return rows.map((r) => ({ seq: Number(r.seq), type: r.type, at: r.at, data: r.data, receivedAt: Number(r.received_at), hash: r.hash }));
}

/** Alert kinds that say the door's chain or link was faulty (raised by the receiver at ingest). */
export const CHAIN_ALERT_KINDS = ['gap', 'chain-break', 'conflict', 'bad-signature'] as const;

/** One chain or link alert of a door. */
export interface DoorChainAlert {
  /** Alert number. */
  id: number;
  /** When (ms). */
  at: number;
  /** gap, chain-break, conflict or bad-signature. */
  kind: string;
  /** What the receiver saw. */
  detail: string;
  /** When acknowledged (ms), or null: open. */
  ackedAt: number | null;
}

/** The latest chain and link alerts of one door, newest first. */
export async function doorChainAlerts(sql: SqlRunner, site: string, door: string, limit = 20): Promise<DoorChainAlert[]> {
  const rows = await sql.rows<{ id: number | string; at: number | string; kind: string; detail: string; acked_at: number | string | null }>(
    `SELECT id, at, kind, detail, acked_at FROM alerts WHERE site = ? AND door = ? AND kind IN (${CHAIN_ALERT_KINDS.map(() => '?').join(', ')}) ORDER BY id DESC LIMIT ?`,
    [site, door, ...CHAIN_ALERT_KINDS, limit]);
  return rows.map((r) => ({ id: Number(r.id), at: Number(r.at), kind: r.kind, detail: r.detail, ackedAt: r.acked_at === null ? null : Number(r.acked_at) }));
}

/** Open (not acknowledged) alerts of one door, of any kind. */
export async function doorOpenAlerts(sql: SqlRunner, site: string, door: string): Promise<number> {
  const r = await sql.rows<{ n: number | string }>('SELECT COUNT(*) AS n FROM alerts WHERE site = ? AND door = ? AND acked_at IS NULL', [site, door]);
  return Number(r[0]?.n ?? 0);
}
