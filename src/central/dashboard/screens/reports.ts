/**
 * The reports screens (issue 13 item 5): the monthly report page `/reports?month=YYYY-MM&site=…` per site and door
 * with its charts (Chart.js served locally, each with its table; the page reads without script), the downloads (CSV,
 * XLSX, and the A4 PDF with the SOP 002 signature block), and the SOP 002 monthly health report chain. Every query
 * takes the user's site scope; a site out of scope answers 404, page or download. Every download is an audit entry.
 */
import type { Context } from 'hono';
import { audit } from '../../audit.js';
import { buildMonthlyReport, scopeFilter, type MonthlyReport } from '../../report.js';
import { HealthReports, lastHealthRuns, type HealthReport } from '../../health-reports.js';
import { ChromiumMissing, PdfBusy, ReportPdfPrinter } from '../../report-pdf.js';
import type { DashboardContext, DashboardEnv, DashboardScreen } from '../context.js';
import { may } from '../roles.js';
import { allowed, errorPage, h, page, siteAllowed, type Html } from '../view.js';
import { healthChainRoutes, chainSection } from './health-chain.js';
import { canvasChart, reportSections, type LastHealth } from './report-view.js';
import { printDocument } from './report-print.js';
import { exportLabels, reportCsv, reportXlsx } from './report-files.js';
import { MONTH_RE, previousMonth } from './report-month.js';

/** What a report request asks for, once checked. */
type Selection = { month: string; site: string | null };

/** A selection, or the error page answering the request. */
type Selected = { ok: true; s: Selection } | { ok: false; res: Response };

/** The month and site of a request, or the error page to answer (bad month 400, site out of scope 404). */
function selectionOf(c: Context<DashboardEnv>, ctx: DashboardContext): Selected {
  const t = c.get('t');
  const month = c.req.query('month') || previousMonth(ctx.now(), ctx.settings.timeZone);
  if (!MONTH_RE.test(month)) return { ok: false, res: errorPage(c, ctx, 400, t('reports.badMonth', { month })) };
  const scope = c.get('scope');
  const asked = c.req.query('site');
  const site = asked ? asked : scope && scope.length === 1 ? scope[0]! : null;
  if (site !== null && !siteAllowed(c, site)) return { ok: false, res: errorPage(c, ctx, 404, t('error.notFound')) };
  return { ok: true, s: { month, site } };
}

/** The report and the doors' last health runs of a selection, in the user's scope. */
async function reportOf(c: Context<DashboardEnv>, ctx: DashboardContext, s: Selection): Promise<{ report: MonthlyReport; lastHealth: LastHealth[] }> {
  const scope = c.get('scope');
  const report = await buildMonthlyReport(ctx.sql, { month: s.month, scope, site: s.site });
  const lastHealth = await lastHealthRuns(ctx.sql, { from: report.from, to: report.to, scope, site: s.site });
  return { report, lastHealth };
}

/** Sites the user may choose (those with doors, in scope). */
async function sitesOf(c: Context<DashboardEnv>, ctx: DashboardContext): Promise<string[]> {
  const f = scopeFilter(c.get('scope'));
  const rows = await ctx.sql.rows<{ site: string }>(`SELECT DISTINCT site FROM doors WHERE ${f.sql} ORDER BY site`, f.args);
  return rows.map((r) => r.site);
}

/** A download's file name: site (or all) and month, nothing else. */
function fileName(s: Selection, ext: string): string {
  return `laporan-${(s.site ?? 'semua-lokasi').replace(/[^A-Za-z0-9_-]/g, '_')}-${s.month}.${ext}`;
}

/** Routes of the reports screens. */
export const reportsScreen: DashboardScreen = (app, ctx) => {
  const chains = new HealthReports(ctx.sql);
  const printer = new ReportPdfPrinter({ chromiumPath: ctx.settings.chromiumPath, timeoutMs: 60_000, maxWaiting: 2 });

  app.get('/reports', allowed(ctx, 'reports.view'), async (c) => {
    const t = c.get('t');
    const sel = selectionOf(c, ctx);
    if (!sel.ok) return sel.res;
    const s = sel.s;
    const user = c.get('user')!;
    const [{ report, lastHealth }, sites] = await Promise.all([reportOf(c, ctx, s), sitesOf(c, ctx)]);
    if (s.site && !sites.includes(s.site)) sites.push(s.site);
    const chain: HealthReport | null = s.site ? await chains.get(s.site, s.month) : null;
    const q = `month=${s.month}${s.site ? `&site=${encodeURIComponent(s.site)}` : ''}`;
    const exportable = may(user.role, 'reports.export');
    const body: Html = h`<form method="get" action="/reports" class="filters report-filter">
<label for="r-month">${t('reports.month')}</label><input id="r-month" name="month" type="month" value="${s.month}" required pattern="\\d{4}-\\d{2}">
<label for="r-site">${t('common.site')}</label><select id="r-site" name="site">${c.get('scope') === null || (c.get('scope')?.length ?? 0) > 1 ? h`<option value="">${t('reports.allSites')}</option>` : ''}
${sites.map((x) => h`<option value="${x}"${x === s.site ? h` selected` : ''}>${x}</option>`)}</select>
<button type="submit">${t('reports.show')}</button></form>
<h2 class="report-heading">${t('reports.heading', { site: s.site ?? t('reports.allSites'), month: s.month })}</h2>
${exportable ? h`<nav class="downloads" aria-label="${t('reports.downloads')}"><h2>${t('reports.downloads')}</h2><ul>
<li><a href="/reports/download.csv?${q}" download>${t('reports.csv')}</a></li><li><a href="/reports/download.xlsx?${q}" download>${t('reports.xlsx')}</a></li>
<li><a href="/reports/download.pdf?${q}" download>${t('reports.pdf')}</a></li></ul></nav>` : ''}
${report.complete ? '' : h`<p class="notice" role="status">${t('reports.incomplete')}</p>`}
<p class="chart-note">${t('reports.chartNote')}</p>
${reportSections({ report, site: s.site, t, lang: c.get('lang'), catalogue: ctx.catalogue, timeZone: ctx.settings.timeZone, chart: canvasChart, lastHealth }, { perDoorSteps: true })}
${s.site ? chainSection(c, ctx, s.site, s.month, chain) : h`<section aria-labelledby="h-chain" id="chain"><h2 id="h-chain">${t('reports.chain')}</h2><p>${t('reports.chain.pick')}</p></section>`}`;
    return page(c, ctx, { title: t('reports.title'), active: '/reports', body, scripts: ['chart.umd.min.js', 'reports.js'], bodyClass: 'reports' });
  });

  for (const ext of ['csv', 'xlsx', 'pdf'] as const) app.get(`/reports/download.${ext}`, allowed(ctx, 'reports.export'), async (c) => {
    const t = c.get('t');
    const sel = selectionOf(c, ctx);
    if (!sel.ok) return sel.res;
    const s = sel.s;
    const user = c.get('user')!;
    const { report, lastHealth } = await reportOf(c, ctx, s);
    let body: Uint8Array<ArrayBuffer> | string;
    let type: string;
    const labels = exportLabels(t, c.get('lang'), ctx.catalogue);
    if (ext === 'csv') { body = reportCsv(report, labels); type = 'text/csv; charset=utf-8'; }
    else if (ext === 'xlsx') { body = new Uint8Array(await reportXlsx(report, labels)); type = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'; }
    else {
      const chain = s.site ? await chains.get(s.site, s.month) : null;
      const html = printDocument({ report, site: s.site, chain, lastHealth, t, lang: c.get('lang'), catalogue: ctx.catalogue, timeZone: ctx.settings.timeZone, printedBy: user.name, now: ctx.now() });
      try {
        body = new Uint8Array(await printer.print(html, { left: `${t('reports.pdf.title')} — ${s.site ?? t('reports.allSites')} — ${s.month}`, page: t('reports.pdf.page'), of: t('reports.pdf.of') }));
      } catch (err) {
        const message = err instanceof ChromiumMissing ? t('reports.noChromium', { path: err.path }) : err instanceof PdfBusy ? t('reports.pdfBusy') : t('reports.pdfFailed', { message: (err as Error).message.split('\n')[0]!.slice(0, 200) });
        if (!(err instanceof ChromiumMissing) && !(err instanceof PdfBusy)) ctx.log.error({ err: (err as Error).message }, 'report PDF failed');
        // errorPage knows 4xx only; the same page with the status that says what happened.
        const res = await (errorPage(c, ctx, 409, message) as Response | Promise<Response>);
        return new Response(await res.text(), { status: err instanceof PdfBusy ? 429 : 503, headers: res.headers });
      }
      type = 'application/pdf';
    }
    await audit(ctx.sql, { actor: user.id, action: 'report.exported', site: s.site, detail: { month: s.month, format: ext, scope: s.site ? 'site' : 'all-in-scope' } }, ctx.now());
    return c.body(body, 200, { 'content-type': type, 'content-disposition': `attachment; filename="${fileName(s, ext)}"`, 'cache-control': 'no-store' });
  });

  healthChainRoutes(app, ctx);
};
