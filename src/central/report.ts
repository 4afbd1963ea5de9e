/**
 * The monthly report the head signs (issue 13; SOP 001/002/004): per site and per door, visitors, visits per day,
 * requests, visits denied, refused taps by reason, alarms by kind, device mismatches, incidents (with their text where
 * the site sends it), SOP step times against the Mutu Baku standards for every step, and maintenance checklists.
 *
 * Read from the summary tables (`projections.ts`: a few rows per door and day) and, for the few incident and checklist
 * events listed, from the events table through its (type, at) index: never a scan of the events. Every query takes the
 * caller's site scope and filters in SQL.
 */
import { DEFAULT_STANDARDS, STEP_NUMBER, type SopStep } from '../domain/sop.js';
import { isAlertType } from '../domain/events.js';
import { zoneOffsetMs } from '../domain/time.js';
import type { SqlRunner } from './sql-runner.js';
import { summaryStatus } from './summaries.js';
import { monthBounds } from './views.js';

/** Sites a user may see: a list, or null for all. */
export type SiteScope = readonly string[] | null;

/** The SQL condition "column is in the scope" (and the site asked for, if any) and its arguments. */
export function scopeFilter(scope: SiteScope, site?: string | null, column = 'site'): { sql: string; args: string[] } {
  const parts: string[] = [];
  const args: string[] = [];
  if (scope !== null) {
    if (scope.length === 0) return { sql: '1 = 0', args: [] };
    parts.push(`${column} IN (${scope.map(() => '?').join(', ')})`);
    args.push(...scope);
  }
  if (site) { parts.push(`${column} = ?`); args.push(site); }
  return { sql: parts.length ? parts.join(' AND ') : '1 = 1', args };
}

/** Step time statistics of one SOP step over the month. */
export interface StepStats {
  /** SOP step number (shared/sop/README.md; 0 for a step the catalogue does not number). */
  number: number;
  /** Measured transitions. */
  count: number;
  /** Average seconds (rounded; 0 with none). */
  avgSeconds: number;
  /** Longest seconds. */
  maxSeconds: number;
  /** The standard in seconds (the one the doors measured against, else the Mutu Baku default). */
  standardSeconds: number;
  /** Transitions over the standard. */
  overStandard: number;
}

/** The figures of a door, a site or all sites for a month. */
export interface ReportFigures {
  /** Distinct visits with at least one granted entry. */
  visitors: number;
  /** Visitors per local day of the month, every day (YYYY-MM-DD → visits that entered that day). */
  visitsPerDay: { day: string; visitors: number }[];
  /** Visit requests recorded (all kinds). */
  requests: number;
  /** Of which maintenance visits (SOP 002). */
  maintenanceRequests: number;
  /** Visits denied by the head. */
  visitsDenied: number;
  /** Granted entries (taps in) by holder: officer, visitor. */
  entries: Record<string, number>;
  /** Refused taps, by reason. */
  deniedAttempts: Record<string, number>;
  /** Alarms by kind (event type: alarm.*, door.forced, door.held, visit.device_mismatch). */
  alarms: Record<string, number>;
  /** door.forced alarms. */
  forced: number;
  /** door.held alarms. */
  held: number;
  /** Checkouts whose devices out differed from the devices in. */
  deviceMismatches: number;
  /** Incidents written in the book (SOP 004). */
  incidents: number;
  /** Step times for every SOP step, in step order. */
  steps: Record<string, StepStats>;
  /** Maintenance checklists (SOP 002) recorded at maintenance visits, and their items by condition. */
  checklists: { recorded: number; ok: number; degraded: number; failed: number };
  /** The door's own health checklist runs (SOP 002), by worst result. */
  healthChecks: { runs: number; ok: number; warn: number; fail: number };
}

/** The report of one door. */
export interface DoorReport extends ReportFigures {
  /** Site id. */
  site: string;
  /** Door id. */
  door: string;
}

/** An incident of the month (its text only where the site sends it). */
export interface IncidentEntry {
  /** Site id. */
  site: string;
  /** Door id. */
  door: string;
  /** Event seq at the door. */
  seq: number;
  /** When (ISO). */
  at: string;
  /** Incident number in the door's book. */
  incident: number | null;
  /** The visit it concerns. */
  visit: string | null;
  /** The note, when the site sends incident text; else null. */
  text: string | null;
}

/** A maintenance checklist of the month (SOP 002). */
export interface ChecklistEntry {
  /** Site id. */
  site: string;
  /** Door id. */
  door: string;
  /** When (ISO). */
  at: string;
  /** The maintenance visit. */
  visit: string | null;
  /** Items ok, degraded, failed. */
  ok: number;
  /** Items degraded. */
  degraded: number;
  /** Items failed. */
  failed: number;
  /** The items checked (item, status, note). */
  items: { item: string; status: string; note: string | null }[];
}

/** The report of one site: its totals and its doors. */
export interface SiteReport extends ReportFigures {
  /** Site id. */
  site: string;
  /** Its doors with events in the month. */
  doors: DoorReport[];
}

/** The monthly report. */
export interface MonthlyReport {
  /** The month, YYYY-MM. */
  month: string;
  /** The time zone its days are in (the summaries'). */
  timeZone: string;
  /** First instant of the month (UTC ISO). */
  from: string;
  /** First instant of the next month (UTC ISO). */
  to: string;
  /** False while the summaries of some doors in scope are still being backfilled (the figures then miss their events). */
  complete: boolean;
  /** Every door with events in the month, by site and door. */
  doors: DoorReport[];
  /** The same by site, with site totals. */
  sites: SiteReport[];
  /** All sites in scope together. */
  totals: ReportFigures;
  /** The month's incidents (at most `LIST_LIMIT`). */
  incidentList: IncidentEntry[];
  /** The month's maintenance checklists (at most `LIST_LIMIT`). */
  checklistList: ChecklistEntry[];
}

/** At most this many incidents and checklists are listed (all are counted). */
export const LIST_LIMIT = 1000;

/** The steps every report lists, in SOP order (the Mutu Baku steps), before any other step a door measured. */
const STEPS = (Object.keys(DEFAULT_STANDARDS) as SopStep[]).sort((a, b) => STEP_NUMBER[a] - STEP_NUMBER[b]);

/** Every local day of a month, YYYY-MM-DD. */
export function daysOf(month: string): string[] {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const n = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return Array.from({ length: n }, (_, i) => `${month}-${String(i + 1).padStart(2, '0')}`);
}

/** The first day of the month after `month` (YYYY-MM-DD). */
function nextMonthDay(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
}

/** Empty figures for a month. */
function emptyFigures(days: readonly string[]): ReportFigures & { perDay: Map<string, number>; stepSums: Map<string, { n: number; sum: number; max: number; over: number; std: number | null }> } {
  return {
    visitors: 0, visitsPerDay: [], requests: 0, maintenanceRequests: 0, visitsDenied: 0, entries: {}, deniedAttempts: {}, alarms: {}, forced: 0, held: 0,
    deviceMismatches: 0, incidents: 0, steps: {}, checklists: { recorded: 0, ok: 0, degraded: 0, failed: 0 }, healthChecks: { runs: 0, ok: 0, warn: 0, fail: 0 },
    perDay: new Map(days.map((d) => [d, 0])), stepSums: new Map(),
  };
}

type Acc = ReturnType<typeof emptyFigures>;
const add = (r: Record<string, number>, k: string, n: number): void => { r[k] = (r[k] ?? 0) + n; };

/** Add one counter (metric, key, n) to figures. */
function addCount(f: Acc, metric: string, key: string, n: number): void {
  switch (metric) {
    case 'type':
      if (key === 'visit.denied') f.visitsDenied += n;
      else if (key === 'incident.recorded') f.incidents += n;
      else if (key === 'visit.checklist_recorded') f.checklists.recorded += n;
      if (isAlertType(key)) add(f.alarms, key, n);
      if (key === 'door.forced') f.forced += n;
      if (key === 'door.held') f.held += n;
      if (key === 'visit.device_mismatch') f.deviceMismatches += n;
      break;
    case 'requests': f.requests += n; if (key === 'maintenance') f.maintenanceRequests += n; break;
    case 'entries': add(f.entries, key, n); break;
    case 'denied': add(f.deniedAttempts, key, n); break;
    case 'checklist': if (key === 'ok' || key === 'degraded' || key === 'failed') f.checklists[key] += n; break;
    case 'health': f.healthChecks.runs += n; if (key === 'ok' || key === 'warn' || key === 'fail') f.healthChecks[key] += n; break;
    default: break;
  }
}

/** Add one step row to figures. */
function addStep(f: Acc, step: string, n: number, sum: number, max: number, over: number, std: number | null): void {
  const s = f.stepSums.get(step) ?? { n: 0, sum: 0, max: 0, over: 0, std: null };
  s.n += n; s.sum += sum; s.max = Math.max(s.max, max); s.over += over;
  if (std !== null) s.std = Math.max(s.std ?? 0, std);
  f.stepSums.set(step, s);
}

/** Add figures `b` into `a` (site and total roll-ups). */
function addFigures(a: Acc, b: Acc): void {
  a.visitors += b.visitors;
  for (const [d, n] of b.perDay) a.perDay.set(d, (a.perDay.get(d) ?? 0) + n);
  for (const k of ['requests', 'maintenanceRequests', 'visitsDenied', 'forced', 'held', 'deviceMismatches', 'incidents'] as const) a[k] += b[k];
  for (const k of ['entries', 'deniedAttempts', 'alarms'] as const) for (const [key, n] of Object.entries(b[k])) add(a[k], key, n);
  for (const k of ['recorded', 'ok', 'degraded', 'failed'] as const) a.checklists[k] += b.checklists[k];
  for (const k of ['runs', 'ok', 'warn', 'fail'] as const) a.healthChecks[k] += b.healthChecks[k];
  for (const [step, s] of b.stepSums) addStep(a, step, s.n, s.sum, s.max, s.over, s.std);
}

/** Finished figures: visits per day as a list, every SOP step listed. */
function finish(f: Acc): ReportFigures {
  const { perDay, stepSums, ...rest } = f;
  const steps: Record<string, StepStats> = {};
  const names = [...STEPS, ...[...stepSums.keys()].filter((s) => !(STEPS as string[]).includes(s)).sort()];
  for (const step of names) {
    const s = stepSums.get(step);
    const number = (STEP_NUMBER as Record<string, number>)[step] ?? 0;
    const standardSeconds = s?.std ?? Math.round(((DEFAULT_STANDARDS as Record<string, number>)[step] ?? 0) * 60);
    steps[step] = { number, count: s?.n ?? 0, avgSeconds: s && s.n ? Math.round(s.sum / s.n) : 0, maxSeconds: s?.max ?? 0, standardSeconds, overStandard: s?.over ?? 0 };
  }
  return { ...rest, visitsPerDay: [...perDay].map(([day, visitors]) => ({ day, visitors })), steps };
}

const n = (v: number | string | null): number => Number(v ?? 0);

/** Options of `buildMonthlyReport`. */
export interface ReportQuery {
  /** The month, YYYY-MM (local, in the summaries' time zone). */
  month: string;
  /** The user's sites (null: all). */
  scope: SiteScope;
  /** Only this site (within the scope). */
  site?: string | null;
}

/** Check a month (YYYY-MM); throws naming `--month` otherwise. */
export function checkMonth(month: string): void {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) throw new Error(`--month "${month}" must be YYYY-MM`);
}

/** The monthly report of the sites in scope, from the summaries (and the events' type index for the lists). */
export async function buildMonthlyReport(sql: SqlRunner, q: ReportQuery): Promise<MonthlyReport> {
  checkMonth(q.month);
  const status = await summaryStatus(sql, q.site ? (q.scope === null ? [q.site] : q.scope.filter((s) => s === q.site)) : q.scope);
  const timeZone = status.timeZone ?? 'Asia/Jakarta';
  const days = daysOf(q.month);
  const dayFrom = days[0]!;
  const dayTo = nextMonthDay(q.month);
  const bounds = monthBounds(q.month, (at) => zoneOffsetMs(at, timeZone));
  const scope = scopeFilter(q.scope, q.site);
  const doors = new Map<string, Acc & { site: string; door: string }>();
  const doorOf = (site: string, door: string): Acc => {
    const k = `${site}\n${door}`;
    let d = doors.get(k);
    if (!d) { d = { ...emptyFigures(days), site, door }; doors.set(k, d); }
    return d;
  };
  const range = [dayFrom, dayTo, ...scope.args];
  const counts = await sql.rows<{ site: string; door: string; metric: string; key: string; n: number | string }>(
    `SELECT site, door, metric, key, sum(n) AS n FROM daily_counts WHERE day >= ? AND day < ? AND metric <> 'visitor' AND ${scope.sql} GROUP BY site, door, metric, key`, range);
  for (const r of counts) addCount(doorOf(r.site, r.door), r.metric, r.key, n(r.n));
  const perDay = await sql.rows<{ site: string; door: string; day: string; visits: number | string }>(
    `SELECT site, door, day, count(*) AS visits FROM daily_counts WHERE day >= ? AND day < ? AND metric = 'visitor' AND ${scope.sql} GROUP BY site, door, day`, range);
  for (const r of perDay) { const d = doorOf(r.site, r.door); d.perDay.set(r.day, n(r.visits)); }
  const distinct = await sql.rows<{ site: string; door: string; visitors: number | string }>(
    `SELECT site, door, count(DISTINCT key) AS visitors FROM daily_counts WHERE day >= ? AND day < ? AND metric = 'visitor' AND ${scope.sql} GROUP BY site, door`, range);
  for (const r of distinct) doorOf(r.site, r.door).visitors = n(r.visitors);
  const steps = await sql.rows<{ site: string; door: string; step: string; n: number | string; s: number | string; mx: number | string; o: number | string; std: number | string | null }>(
    `SELECT site, door, step, sum(n) AS n, sum(sum_seconds) AS s, max(max_seconds) AS mx, sum(over_n) AS o, max(standard_seconds) AS std FROM step_daily
     WHERE day >= ? AND day < ? AND ${scope.sql} GROUP BY site, door, step`, range);
  for (const r of steps) addStep(doorOf(r.site, r.door), r.step, n(r.n), n(r.s), n(r.mx), n(r.o), r.std === null ? null : n(r.std));

  const sorted = [...doors.values()].sort((a, b) => (a.site === b.site ? (a.door < b.door ? -1 : 1) : a.site < b.site ? -1 : 1));
  const sites = new Map<string, { acc: Acc; doors: DoorReport[] }>();
  const total = emptyFigures(days);
  for (const d of sorted) {
    const s = sites.get(d.site) ?? { acc: emptyFigures(days), doors: [] };
    sites.set(d.site, s);
    addFigures(s.acc, d);
    addFigures(total, d);
    const { site, door, ...acc } = d;
    s.doors.push({ site, door, ...finish(acc as Acc) });
  }
  const lists = { from: bounds.from, to: bounds.to, scope: scopeFilter(q.scope, q.site) };
  return {
    month: q.month, timeZone, from: bounds.from, to: bounds.to, complete: status.doorsBehind === 0,
    doors: [...sites.values()].flatMap((s) => s.doors),
    sites: [...sites.entries()].map(([site, s]) => ({ site, ...finish(s.acc), doors: s.doors })),
    totals: finish(total),
    incidentList: await incidentsOf(sql, lists),
    checklistList: await checklistsOf(sql, lists),
  };
}

/** Rows of one event type in [from, to), in scope, through the events' (type, at) index. */
async function eventsOfType(sql: SqlRunner, type: string, o: { from: string; to: string; scope: { sql: string; args: string[] } }): Promise<{ site: string; door: string; seq: number; at: string; data: Record<string, unknown> }[]> {
  const rows = await sql.rows<{ site: string; door: string; seq: number | string; at: string; data: string }>(
    `SELECT site, door, seq, at, data FROM events WHERE type = ? AND at >= ? AND at < ? AND ${o.scope.sql} ORDER BY at, site, door, seq LIMIT ?`,
    [type, o.from, o.to, ...o.scope.args, LIST_LIMIT]);
  return rows.map((r) => {
    let data: Record<string, unknown> = {};
    try { data = JSON.parse(r.data) as Record<string, unknown>; } catch { /* listed without its fields */ }
    return { site: r.site, door: r.door, seq: Number(r.seq), at: r.at, data };
  });
}

const textOf = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const countOf = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** The month's incidents: number, visit, and the text where the site sends it (`text`; `note` from a door of another version). */
async function incidentsOf(sql: SqlRunner, o: { from: string; to: string; scope: { sql: string; args: string[] } }): Promise<IncidentEntry[]> {
  return (await eventsOfType(sql, 'incident.recorded', o)).map((e) => ({
    site: e.site, door: e.door, seq: e.seq, at: e.at, incident: typeof e.data.incident === 'number' ? e.data.incident : null,
    visit: textOf(e.data.visit), text: textOf(e.data.text) ?? textOf(e.data.note),
  }));
}

/** The month's maintenance checklists (SOP 002). */
async function checklistsOf(sql: SqlRunner, o: { from: string; to: string; scope: { sql: string; args: string[] } }): Promise<ChecklistEntry[]> {
  return (await eventsOfType(sql, 'visit.checklist_recorded', o)).map((e) => ({
    site: e.site, door: e.door, at: e.at, visit: textOf(e.data.visit), ok: countOf(e.data.ok), degraded: countOf(e.data.degraded), failed: countOf(e.data.failed),
    items: Array.isArray(e.data.items) ? (e.data.items as unknown[]).filter((i): i is Record<string, unknown> => !!i && typeof i === 'object')
      .map((i) => ({ item: String(i.item ?? ''), status: String(i.status ?? ''), note: textOf(i.note) })) : [],
  }));
}
