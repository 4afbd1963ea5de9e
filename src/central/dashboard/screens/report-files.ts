/**
 * The monthly report's CSV and XLSX downloads: the report model's own writers (`report-export.ts`) with the titles,
 * column headers and code labels (refusal reasons, alarm kinds, SOP steps) from the dashboard's catalogue, in the
 * user's language.
 */
import { reportCsv as csvOf, reportTables, reportXlsx as xlsxOf, type ColumnKey, type ReportLabels, type ReportTable, type TableKey } from '../../report-export.js';
import type { MonthlyReport } from '../../report.js';
import type { DashboardCatalogue, DashKey, DashTranslate, Lang } from '../i18n/index.js';

const TABLES: readonly TableKey[] = ['summary', 'perDay', 'denied', 'alarms', 'steps', 'incidents', 'checklists', 'health'];
const COLUMNS: readonly ColumnKey[] = ['site', 'door', 'visitors', 'requests', 'maintenance', 'visitsDenied', 'entriesOfficer', 'entriesVisitor', 'deniedTaps',
  'alarms', 'forced', 'held', 'deviceMismatches', 'incidents', 'checklists', 'healthRuns', 'day', 'reason', 'kind', 'count', 'stepNumber', 'step', 'avgSeconds',
  'maxSeconds', 'standardSeconds', 'overStandard', 'at', 'incident', 'visit', 'text', 'ok', 'degraded', 'failed', 'items', 'warn', 'fail', 'runs'];

/** The export's words in the user's language. */
export function exportLabels(t: DashTranslate, lang: Lang, catalogue: DashboardCatalogue): ReportLabels {
  const group = { reason: 'reason', alarm: 'kind', step: 'step' } as const;
  return {
    tables: Object.fromEntries(TABLES.map((k) => [k, { name: t(`reports.x.name.${k}` as DashKey), title: t(`reports.x.title.${k}` as DashKey) }])) as ReportLabels['tables'],
    columns: Object.fromEntries(COLUMNS.map((k) => [k, t(`reports.x.col.${k}` as DashKey)])) as ReportLabels['columns'],
    all: t('reports.x.all'),
    term: (g, code) => {
      const key = `reports.${group[g]}.${code}`;
      return catalogue.raw(lang, key) !== undefined ? t(key as DashKey) : code;
    },
  };
}

/** The report's tables in the user's language. */
export function tablesOf(r: MonthlyReport, labels: ReportLabels): ReportTable[] {
  return reportTables(r, labels);
}

/** The report as CSV. */
export function reportCsv(r: MonthlyReport, labels: ReportLabels): string {
  return csvOf(tablesOf(r, labels));
}

/** The report as an XLSX workbook. */
export function reportXlsx(r: MonthlyReport, labels: ReportLabels): Promise<Buffer> {
  return xlsxOf(tablesOf(r, labels));
}
