/**
 * The monthly report's print view for the A4 PDF: one self-contained document (styles inline, charts as SVG, no
 * script, no link to anything) with the report's sections and the signature block of the SOP 002 chain: Disusun
 * oleh (step 5), Diperiksa oleh (step 6), Disetujui oleh (step 7), each with name, role and date, and the place/date
 * line. Door-sent text is escaped like on the page.
 */
import type { HealthReport, HealthSigner } from '../../health-reports.js';
import type { MonthlyReport } from '../../report.js';
import type { DashboardCatalogue, DashKey, DashTranslate, Lang } from '../i18n/index.js';
import { h, trusted, when, zoneLabel, type Html } from '../view.js';
import { reportSections, svgChart, type LastHealth } from './report-view.js';

/** What the print view shows. */
export interface PrintInput {
  /** The report model. */
  report: MonthlyReport;
  /** Only this site, else all in scope. */
  site: string | null;
  /** The site's SOP 002 chain (null: not submitted, or several sites). */
  chain: HealthReport | null;
  /** The doors' last health checklist runs. */
  lastHealth: LastHealth[];
  /** Translator. */
  t: DashTranslate;
  /** Language. */
  lang: Lang;
  /** Catalogue. */
  catalogue: DashboardCatalogue;
  /** Office time zone. */
  timeZone: string;
  /** Who prints (name). */
  printedBy: string;
  /** When (ms). */
  now: number;
}

const STYLE = `
@page { size: A4; }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; font-size: 9.5pt; color: #111; margin: 0; }
h1 { font-size: 15pt; margin: 0 0 2mm; } h2 { font-size: 11.5pt; margin: 5mm 0 2mm; border-bottom: 0.4pt solid #888; break-after: avoid; }
h3 { font-size: 10pt; margin: 3mm 0 1mm; } p { margin: 1mm 0; }
.meta { color: #333; margin-bottom: 3mm; }
table { border-collapse: collapse; width: 100%; margin: 1mm 0 2mm; break-inside: auto; }
th, td { border: 0.4pt solid #999; padding: 0.8mm 1.5mm; text-align: left; vertical-align: top; }
thead th { background: #eef2f7; } tr { break-inside: avoid; }
tbody td { white-space: nowrap; } tbody td:has(.door-text), tbody td:has(ul), tbody td:has(em), .signatures td { white-space: normal; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: bold; padding: 1mm 0; display: none; }
tr.over td, tr.over th { background: #fde8e6; }
table.summary { width: 60%; }
.report-chart { display: block; } figure.chart { margin: 1mm 0; break-inside: avoid; }
details > summary { font-weight: bold; margin-top: 2mm; list-style: none; }
ul.checklist { margin: 0; padding-left: 4mm; }
code { font-size: 8pt; color: #555; }
.signatures { break-inside: avoid; margin-top: 8mm; }
.place { text-align: right; margin: 4mm 0 2mm; }
.signatures table td, .signatures table th { width: 33%; border: 0.4pt solid #666; }
.signatures .space { height: 22mm; }
`;

/** One signature column. */
function signature(t: DashTranslate, tz: string, label: DashKey, s: HealthSigner | null): Html {
  return h`<td><strong>${t(label)}</strong><div class="space"></div>
<div>${t('reports.sign.name')}: ${s ? s.name : '.............................'}</div>
<div>${t('reports.sign.role')}: ${s ? t(`role.${s.role}` as DashKey) : ''}</div>
<div>${t('reports.sign.date')}: ${s ? when(s.at, tz) : ''}</div></td>`;
}

/** The print document (a whole HTML page). */
export function printDocument(i: PrintInput): string {
  const { t } = i;
  const site = i.site ?? t('reports.allSites');
  const live = i.chain && i.chain.state !== 'returned' ? i.chain : null;
  const placeDate = live?.approved?.at ?? i.now;
  const day = when(placeDate, i.timeZone).slice(0, 10);
  const body = reportSections({ report: i.report, site: i.site, t, lang: i.lang, catalogue: i.catalogue, timeZone: i.timeZone, chart: svgChart, lastHealth: i.lastHealth }, { perDoorSteps: true, open: true });
  return String(h`<!doctype html>
<html lang="${i.lang}"><head><meta charset="utf-8"><title>${t('reports.pdf.title')} — ${site} — ${i.report.month}</title><style>${trusted(STYLE)}</style></head>
<body>
<h1>${t('reports.pdf.title')}</h1>
<p class="meta"><strong>${t('common.site')}:</strong> ${site} · <strong>${t('reports.month')}:</strong> ${i.report.month} · ${t('time.zone', { zone: zoneLabel(i.timeZone, i.now) })}</p>
<p class="meta">${t('reports.pdf.printed', { at: when(i.now, i.timeZone), user: i.printedBy })}</p>
${i.report.complete ? '' : h`<p><strong>${t('reports.incomplete')}</strong></p>`}
${body}
<section class="signatures" aria-labelledby="h-sign"><h2 id="h-sign">${t('reports.sign.title')}</h2>
<p class="place">${t('reports.sign.place', { place: site, date: day })}</p>
<table><tbody><tr>${signature(t, i.timeZone, 'reports.sign.prepared', live?.submitted ?? null)}${signature(t, i.timeZone, 'reports.sign.checked', live?.reviewed ?? null)}${signature(t, i.timeZone, 'reports.sign.approved', live?.approved ?? null)}</tr></tbody></table>
</section>
</body></html>`);
}
