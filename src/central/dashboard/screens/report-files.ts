/**
 * The monthly report as rows for CSV and XLSX downloads: one row per door (and site total) and figure, so a
 * spreadsheet can pivot it. Interim writer until the report model's own writers (report-export.ts) are on main.
 */
import writeXlsxFile from 'write-excel-file/node';
import type { MonthlyReport, ReportFigures } from '../../report.js';

/** Rows: site, door ('' for a site total), section, key, value. */
export function reportRows(r: MonthlyReport): (string | number)[][] {
  const out: (string | number)[][] = [['month', 'site', 'door', 'section', 'key', 'value']];
  const figures = (site: string, door: string, f: ReportFigures): void => {
    const row = (section: string, key: string, value: number): void => { out.push([r.month, site, door, section, key, value]); };
    for (const k of ['visitors', 'requests', 'maintenanceRequests', 'visitsDenied', 'deviceMismatches', 'incidents'] as const) row('totals', k, f[k]);
    for (const d of f.visitsPerDay) row('visitsPerDay', d.day, d.visitors);
    for (const [k, n] of Object.entries(f.deniedAttempts)) row('deniedByReason', k, n);
    for (const [k, n] of Object.entries(f.alarms)) row('alarmsByKind', k, n);
    for (const [k, s] of Object.entries(f.steps)) for (const m of ['count', 'avgSeconds', 'maxSeconds', 'overStandard', 'standardSeconds'] as const) row(`step:${k}`, m, s[m]);
    for (const [k, n] of Object.entries(f.checklists)) row('checklists', k, n);
    for (const [k, n] of Object.entries(f.healthChecks)) row('healthChecks', k, n);
  };
  for (const s of r.sites) { figures(s.site, '', s); for (const d of s.doors) figures(d.site, d.door, d); }
  for (const i of r.incidentList) out.push([r.month, i.site, i.door, 'incident', `${i.incident ?? ''} ${i.at}`.trim(), i.text ?? '']);
  return out;
}

/** A CSV cell (quoted; a leading = + - @ made inert so a spreadsheet never runs door-sent text as a formula). */
function cell(v: string | number): string {
  if (typeof v === 'number') return String(v);
  const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return `"${safe.replace(/"/g, '""')}"`;
}

/** The report as CSV (UTF-8 with BOM, CRLF). */
export function reportCsv(r: MonthlyReport): string {
  return `\uFEFF${reportRows(r).map((row) => row.map(cell).join(',')).join('\r\n')}\r\n`;
}

/** The report as an XLSX workbook. */
export async function reportXlsx(r: MonthlyReport): Promise<Buffer> {
  const rows = reportRows(r).map((row) => row.map((v) => ({ value: v })));
  return (await writeXlsxFile(rows, { sheet: r.month }).toBuffer()) as Buffer;
}
