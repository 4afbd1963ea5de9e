/**
 * The monthly report (`report.ts`) as tables, and those tables as CSV and XLSX for the analysts' spreadsheets:
 *   - `reportTables`: one table per section (summary per door, site and all sites; visitors per day; refused taps by
 *     reason; alarms by kind; SOP step times; incidents; maintenance checklists; health checks), titles and column
 *     headers from `ReportLabels` (the dashboard passes its catalogue's, Indonesian by default; the CLI the English ones);
 *   - `reportCsv`: RFC 4180 (CRLF, quoted where needed, every line as many fields), UTF-8 with a BOM so Excel reads it
 *     as UTF-8, each table after a title line and a blank line; a text cell starting with = + - @ (or tab / CR) is
 *     prefixed with ' so no spreadsheet runs it as a formula (door-sent text: institutions, incident notes);
 *   - `reportXlsx`: one sheet per table (write-excel-file), headers bold and frozen; text stays text (never a formula).
 * Times are shown in the report's time zone with its name and offset (WIB/WITA/WIT).
 */
import writeXlsxFile from 'write-excel-file/node';
import type { SheetData } from 'write-excel-file/node';
import { formatTime } from '../domain/time.js';
import type { DoorReport, MonthlyReport, ReportFigures } from './report.js';

/** A cell: text, a number, or empty. */
export type TableCell = string | number | null;

/** One section of the report as a table. */
export interface ReportTable {
  /** Short name (a sheet name: at most 31 characters, no []:*?/\). */
  name: string;
  /** Title line. */
  title: string;
  /** Column headers. */
  columns: string[];
  /** Rows. */
  rows: TableCell[][];
}

/** The words of the exported report (the dashboard passes its catalogue's). */
export interface ReportLabels {
  /** Sheet names and titles of the tables, by table. */
  tables: Record<TableKey, { name: string; title: string }>;
  /** Column headers. */
  columns: Record<ColumnKey, string>;
  /** Shown in the site or door column of a total row. */
  all: string;
  /** A label for a code (deny reason, alarm kind, SOP step, holder); default: the code itself. */
  term?: (group: 'reason' | 'alarm' | 'step', code: string) => string;
}

/** The tables of the export. */
export type TableKey = 'summary' | 'perDay' | 'denied' | 'alarms' | 'steps' | 'incidents' | 'checklists' | 'health';
/** The column headers of the export. */
export type ColumnKey = 'site' | 'door' | 'visitors' | 'requests' | 'maintenance' | 'visitsDenied' | 'entriesOfficer' | 'entriesVisitor' | 'deniedTaps'
  | 'alarms' | 'forced' | 'held' | 'deviceMismatches' | 'incidents' | 'checklists' | 'healthRuns' | 'day' | 'reason' | 'kind' | 'count' | 'stepNumber'
  | 'step' | 'avgSeconds' | 'maxSeconds' | 'standardSeconds' | 'overStandard' | 'at' | 'incident' | 'visit' | 'text' | 'ok' | 'degraded' | 'failed'
  | 'items' | 'warn' | 'fail' | 'runs';

/** English labels (the CLI's). */
export const ENGLISH_LABELS: ReportLabels = {
  tables: {
    summary: { name: 'Summary', title: 'Summary per door, site and all sites' },
    perDay: { name: 'Visitors per day', title: 'Visitors per day (visits with a granted entry)' },
    denied: { name: 'Refused taps', title: 'Refused taps by reason' },
    alarms: { name: 'Alarms', title: 'Alarms by kind' },
    steps: { name: 'SOP steps', title: 'SOP step times against the Mutu Baku standards' },
    incidents: { name: 'Incidents', title: 'Incidents (text where the site sends it)' },
    checklists: { name: 'Maintenance checklists', title: 'Maintenance checklists (SOP 002)' },
    health: { name: 'Health checks', title: 'Door health checklists (SOP 002)' },
  },
  columns: {
    site: 'Site', door: 'Door', visitors: 'Visitors', requests: 'Requests', maintenance: 'Maintenance visits', visitsDenied: 'Visits denied',
    entriesOfficer: 'Officer entries', entriesVisitor: 'Visitor entries', deniedTaps: 'Refused taps', alarms: 'Alarms', forced: 'Forced', held: 'Held open',
    deviceMismatches: 'Device mismatches', incidents: 'Incidents', checklists: 'Checklists', healthRuns: 'Health checks', day: 'Day', reason: 'Reason',
    kind: 'Kind', count: 'Count', stepNumber: 'Step', step: 'SOP step', avgSeconds: 'Average (s)', maxSeconds: 'Longest (s)', standardSeconds: 'Standard (s)',
    overStandard: 'Over standard', at: 'Time', incident: 'Incident no.', visit: 'Visit', text: 'Text', ok: 'OK', degraded: 'Degraded', failed: 'Failed',
    items: 'Items', warn: 'Warnings', fail: 'Failures', runs: 'Runs',
  },
  all: 'all',
};

const sum = (r: Record<string, number>): number => Object.values(r).reduce((a, b) => a + b, 0);

/** The report's rows of figures: each door, then its site's total, and all sites last. */
function figureRows(r: MonthlyReport, all: string): { site: string; door: string; f: ReportFigures }[] {
  const out: { site: string; door: string; f: ReportFigures }[] = [];
  for (const s of r.sites) {
    for (const d of s.doors) out.push({ site: d.site, door: d.door, f: d });
    out.push({ site: s.site, door: all, f: s });
  }
  out.push({ site: all, door: all, f: r.totals });
  return out;
}

/** The report as tables (see the module comment). */
export function reportTables(r: MonthlyReport, labels: ReportLabels = ENGLISH_LABELS): ReportTable[] {
  const c = labels.columns;
  const term = labels.term ?? ((_g: string, code: string) => code);
  const rows = figureRows(r, labels.all);
  const doors: DoorReport[] = r.doors;
  const table = (key: TableKey, columns: string[], body: TableCell[][]): ReportTable => ({ ...labels.tables[key], columns, rows: body });
  const tz = r.timeZone;
  return [
    table('summary', [c.site, c.door, c.visitors, c.requests, c.maintenance, c.visitsDenied, c.entriesOfficer, c.entriesVisitor, c.deniedTaps, c.alarms, c.forced,
      c.held, c.deviceMismatches, c.incidents, c.checklists, c.healthRuns], rows.map(({ site, door, f }) => [site, door, f.visitors, f.requests, f.maintenanceRequests,
      f.visitsDenied, f.entries.officer ?? 0, f.entries.visitor ?? 0, sum(f.deniedAttempts), sum(f.alarms), f.forced, f.held, f.deviceMismatches, f.incidents,
      f.checklists.recorded, f.healthChecks.runs])),
    table('perDay', [c.site, c.door, c.day, c.visitors], rows.flatMap(({ site, door, f }) => f.visitsPerDay.map((d) => [site, door, d.day, d.visitors]))),
    table('denied', [c.site, c.door, c.reason, c.count], rows.flatMap(({ site, door, f }) => Object.entries(f.deniedAttempts).sort().map(([k, n]) => [site, door, term('reason', k), n]))),
    table('alarms', [c.site, c.door, c.kind, c.count], rows.flatMap(({ site, door, f }) => Object.entries(f.alarms).sort().map(([k, n]) => [site, door, term('alarm', k), n]))),
    table('steps', [c.site, c.door, c.stepNumber, c.step, c.count, c.avgSeconds, c.maxSeconds, c.standardSeconds, c.overStandard],
      rows.flatMap(({ site, door, f }) => Object.entries(f.steps).map(([k, s]) => [site, door, s.number, term('step', k), s.count, s.avgSeconds, s.maxSeconds, s.standardSeconds, s.overStandard]))),
    table('incidents', [c.site, c.door, c.at, c.incident, c.visit, c.text],
      r.incidentList.map((i) => [i.site, i.door, formatTime(Date.parse(i.at), tz), i.incident, i.visit, i.text])),
    table('checklists', [c.site, c.door, c.at, c.visit, c.ok, c.degraded, c.failed, c.items],
      r.checklistList.map((k) => [k.site, k.door, formatTime(Date.parse(k.at), tz), k.visit, k.ok, k.degraded, k.failed,
        k.items.map((i) => `${i.item}: ${i.status}${i.note ? ` (${i.note})` : ''}`).join('; ')])),
    table('health', [c.site, c.door, c.runs, c.ok, c.warn, c.fail], [
      ...doors.map((d) => [d.site, d.door, d.healthChecks.runs, d.healthChecks.ok, d.healthChecks.warn, d.healthChecks.fail]),
      [labels.all, labels.all, r.totals.healthChecks.runs, r.totals.healthChecks.ok, r.totals.healthChecks.warn, r.totals.healthChecks.fail],
    ]),
  ];
}

/** A text cell a spreadsheet could take for a formula (= + - @, or a leading tab / CR) gets a leading apostrophe. */
export function neutralised(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

/** One CSV field (RFC 4180): numbers as they are, text neutralised and quoted when it holds a quote, comma or line break. */
function csvField(v: TableCell): string {
  if (v === null) return '';
  if (typeof v === 'number') return String(v);
  const t = neutralised(v);
  return /[",\r\n]/.test(t) ? `"${t.replaceAll('"', '""')}"` : t;
}

/** The tables as one CSV text: UTF-8 BOM, CRLF lines, every line as many fields; per table a title line, its header and rows, then a blank line. */
export function reportCsv(tables: readonly ReportTable[]): string {
  const width = Math.max(1, ...tables.map((t) => t.columns.length));
  const line = (cells: TableCell[]): string => [...cells, ...Array<TableCell>(width - cells.length).fill(null)].map(csvField).join(',');
  const lines: string[] = [];
  tables.forEach((t, i) => {
    if (i > 0) lines.push(line([]));
    lines.push(line([t.title]), line(t.columns), ...t.rows.map(line));
  });
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

/** A sheet name Excel accepts: at most 31 characters, none of []:*?/\, unique in the workbook. */
function sheetName(name: string, used: Set<string>): string {
  const base = name.replace(/[[\]:*?/\\]/g, ' ').slice(0, 31).trim() || 'Sheet';
  let n = base;
  for (let i = 2; used.has(n.toLowerCase()); i++) n = `${base.slice(0, 28)} ${i}`;
  used.add(n.toLowerCase());
  return n;
}

/** The tables as an XLSX workbook (one sheet each, header row bold and frozen). */
export async function reportXlsx(tables: readonly ReportTable[]): Promise<Buffer> {
  const used = new Set<string>();
  const sheets = tables.map((t) => {
    const data: SheetData = [
      t.columns.map((h) => ({ value: h, type: String, fontWeight: 'bold' as const })),
      ...t.rows.map((row) => row.map((v) => (v === null ? null : typeof v === 'number' ? { value: v, type: Number } : { value: v, type: String }))),
    ];
    return { data, sheet: sheetName(t.name, used), stickyRowsCount: 1, columns: t.columns.map((h) => ({ width: Math.max(10, Math.min(40, h.length + 2)) })) };
  });
  return writeXlsxFile(sheets).toBuffer();
}
