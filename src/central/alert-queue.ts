/**
 * The centre's alert queue: every door alarm and link fault of the sites a user may see, open ones first (newest
 * first), then acknowledged ones; filters by site, kind group (door alarm / link fault) and state; keyset pages that
 * stay fast however many alerts there are (the `alerts_open (acked_at, id)` and `alerts_site (site, id)` indexes);
 * and acknowledgement with a note, once (`… WHERE acked_at IS NULL`), written to the audit trail.
 * Every query takes the user's site scope and filters in SQL.
 */
import type { SqlRunner } from './sql-runner.js';
import { audit } from './audit.js';

/** Alert kinds the receiver raises about the link itself (everything else is a door alarm: the event type). */
export const LINK_FAULT_KINDS = ['gap', 'chain-break', 'conflict', 'unknown-door', 'bad-signature', 'offline', 'malformed'] as const;

/** Door alarm (an event the door sent) or link fault (the receiver's finding). */
export type AlertGroup = 'alarm' | 'link';

/** Which alerts: open, acknowledged, or both (open first). */
export type AlertState = 'open' | 'acked' | 'all';

/** The group of an alert kind. */
export function groupOf(kind: string): AlertGroup {
  return (LINK_FAULT_KINDS as readonly string[]).includes(kind) ? 'link' : 'alarm';
}

/** One alert as the queue shows it. */
export interface QueuedAlert {
  /** Alert number. */
  id: number;
  /** When raised (ms). */
  at: number;
  /** Site id. */
  site: string;
  /** Door id. */
  door: string;
  /** Kind: a door alarm's event type or a link fault. */
  kind: string;
  /** Details as stored (may hold what the door sent: escape when shown). */
  detail: string;
  /** When acknowledged (ms), or null while open. */
  ackedAt: number | null;
  /** Who acknowledged it (user id). */
  ackedBy: string | null;
  /** The acknowledgement's note. */
  ackNote: string | null;
}

/** What to list. */
export interface AlertQuery {
  /** Sites the user may see (null: all). */
  scope: readonly string[] | null;
  /** Only this site. */
  site?: string | null;
  /** Only door alarms or only link faults. */
  group?: AlertGroup | null;
  /** Open (default), acknowledged, or all (open first). */
  state?: AlertState;
  /** Continue after this cursor (`next` of the previous page). */
  after?: string | null;
  /** Page size (default 50, at most 200). */
  limit?: number;
}

/** One page of the queue. */
export interface AlertPage {
  /** The alerts, open first, newest first within each. */
  alerts: QueuedAlert[];
  /** Cursor of the next page, or null at the end. */
  next: string | null;
}

type Row = { id: number | string; at: number | string; site: string; door: string; kind: string; detail: string; acked_at: number | string | null; acked_by: string | null; ack_note: string | null };

const COLUMNS = 'id, at, site, door, kind, detail, acked_at, acked_by, ack_note';

function fromRow(r: Row): QueuedAlert {
  return {
    id: Number(r.id), at: Number(r.at), site: r.site, door: r.door, kind: r.kind, detail: r.detail,
    ackedAt: r.acked_at === null ? null : Number(r.acked_at), ackedBy: r.acked_by, ackNote: r.ack_note,
  };
}

/** The WHERE parts for scope, site and group (`args` grows with them); null when nothing can match. */
function filters(q: AlertQuery, args: unknown[]): string[] | null {
  const where: string[] = [];
  if (q.scope) {
    if (q.scope.length === 0) return null;
    where.push(`site IN (${q.scope.map(() => '?').join(', ')})`);
    args.push(...q.scope);
  }
  if (q.site) {
    if (q.scope && !q.scope.includes(q.site)) return null;
    where.push('site = ?');
    args.push(q.site);
  }
  if (q.group) {
    where.push(`kind ${q.group === 'link' ? 'IN' : 'NOT IN'} (${LINK_FAULT_KINDS.map(() => '?').join(', ')})`);
    args.push(...LINK_FAULT_KINDS);
  }
  return where;
}

/** Parse a cursor (`o<id>`: open alerts below id; `a<id>`: acknowledged alerts below id). */
function cursorOf(after: string | null | undefined): { part: 'open' | 'acked'; below: number | null } | null {
  if (!after) return null;
  const m = /^([oa])(\d{0,15})$/.exec(after);
  if (!m) return null;
  return { part: m[1] === 'o' ? 'open' : 'acked', below: m[2] ? Number(m[2]) : null };
}

/** One page of the queue (keyset pagination: each part walks its index from the newest id down). */
export async function listAlerts(sql: SqlRunner, q: AlertQuery): Promise<AlertPage> {
  const limit = Math.min(Math.max(1, q.limit ?? 50), 200);
  const state = q.state ?? 'open';
  const cursor = cursorOf(q.after);
  const parts: ('open' | 'acked')[] = state === 'open' ? ['open'] : state === 'acked' ? ['acked'] : ['open', 'acked'];
  const out: QueuedAlert[] = [];
  let next: string | null = null;
  for (const part of parts) {
    if (cursor && part === 'open' && cursor.part === 'acked') continue;
    const args: unknown[] = [];
    const where = filters(q, args);
    if (!where) return { alerts: [], next: null };
    where.unshift(part === 'open' ? 'acked_at IS NULL' : 'acked_at IS NOT NULL');
    if (cursor?.part === part && cursor.below !== null) { where.push('id < ?'); args.push(cursor.below); }
    const want = limit - out.length;
    args.push(want + 1);
    const rows = (await sql.rows<Row>(`SELECT ${COLUMNS} FROM alerts WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ?`, args)).map(fromRow);
    out.push(...rows.slice(0, want));
    if (rows.length > want) { next = `${part === 'open' ? 'o' : 'a'}${out.at(-1)!.id}`; break; }
    // `a` alone: the acknowledged part from its newest.
    if (out.length === limit && part === 'open' && parts.includes('acked')) { next = 'a'; break; }
  }
  return { alerts: out, next };
}

/** How many alerts are open in the user's scope, counted up to `cap` (a badge says "99+" beyond it). */
export async function openCount(sql: SqlRunner, scope: readonly string[] | null, cap = 1000): Promise<number> {
  const args: unknown[] = [];
  const where = filters({ scope }, args);
  if (!where) return 0;
  where.unshift('acked_at IS NULL');
  args.push(cap);
  const r = await sql.rows<{ n: number | string }>(`SELECT COUNT(*) AS n FROM (SELECT 1 FROM alerts WHERE ${where.join(' AND ')} LIMIT ?) capped`, args);
  return Number(r[0]?.n ?? 0);
}

/** One alert, or null if it does not exist or is out of the scope. */
export async function alertById(sql: SqlRunner, id: number, scope: readonly string[] | null): Promise<QueuedAlert | null> {
  if (!Number.isSafeInteger(id) || id <= 0) return null;
  const r = (await sql.rows<Row>(`SELECT ${COLUMNS} FROM alerts WHERE id = ?`, [id]))[0];
  if (!r || (scope && !scope.includes(r.site))) return null;
  return fromRow(r);
}

/** The sites that have alerts or doors, within the scope (for the site filter). */
export async function alertSites(sql: SqlRunner, scope: readonly string[] | null): Promise<string[]> {
  const rows = await sql.rows<{ site: string }>('SELECT DISTINCT site FROM doors ORDER BY site', []);
  return rows.map((r) => r.site).filter((s) => !scope || scope.includes(s));
}

/** The longest acknowledgement note (characters). */
export const MAX_NOTE = 500;

/** Outcome of acknowledging one alert. */
export type AckOutcome = 'acknowledged' | 'already' | 'not-found';

/**
 * Acknowledge an alert with a note (1–500 characters, checked by the caller): one atomic UPDATE that only an open
 * alert passes, so acknowledging twice (or two users at once) is refused; then an audit entry (actor, alert, site,
 * door, note). An alert out of the scope is `not-found`.
 */
export async function acknowledge(sql: SqlRunner, o: { id: number; actor: string; note: string; scope: readonly string[] | null; at: number }): Promise<{ outcome: AckOutcome; alert: QueuedAlert | null }> {
  const a = await alertById(sql, o.id, o.scope);
  if (!a) return { outcome: 'not-found', alert: null };
  const changed = await sql.run('UPDATE alerts SET acked_at = ?, acked_by = ?, ack_note = ? WHERE id = ? AND acked_at IS NULL', [o.at, o.actor, o.note, o.id]);
  if (changed !== 1) return { outcome: 'already', alert: await alertById(sql, o.id, o.scope) };
  await audit(sql, { actor: o.actor, action: 'alert.acknowledged', site: a.site, door: a.door, detail: { alert: a.id, kind: a.kind, note: o.note } }, o.at);
  return { outcome: 'acknowledged', alert: { ...a, ackedAt: o.at, ackedBy: o.actor, ackNote: o.note } };
}
