/**
 * The monthly report's sections as HTML, shared by the page (charts drawn by Chart.js from a JSON block) and the A4
 * print view (charts as static SVG, no script): summary, doors, visitors per day, refused taps by reason, alarms by
 * kind, device mismatches, incidents, SOP step times against the standards, maintenance checklists and the doors'
 * health checklists. Every chart has a table with the same figures beside it. Door-sent text is escaped everywhere.
 */
import type { ChecklistEntry, DoorReport, MonthlyReport, ReportFigures, StepStats } from '../../report.js';
import type { DashKey, DashTranslate, Lang } from '../i18n/index.js';
import type { DashboardCatalogue } from '../i18n/index.js';
import { h, timeTag, trusted, type Html } from '../view.js';

/** A chart: bars of one or more datasets over labels. */
export interface ChartSpec {
  /** Bars are horizontal (long labels) or vertical (days). */
  horizontal: boolean;
  /** Category labels. */
  labels: string[];
  /** One dataset per group (door or site), stacked. */
  datasets: { label: string; data: number[] }[];
}

/** How a chart is drawn: a canvas for Chart.js on the page, SVG in the print view. */
export type ChartRenderer = (id: string, title: string, spec: ChartSpec) => Html;

/** What the sections need. */
export interface ReportViewInput {
  /** The report model. */
  report: MonthlyReport;
  /** Only this site (else every site in scope). */
  site: string | null;
  /** Translator. */
  t: DashTranslate;
  /** Language (for labels of codes). */
  lang: Lang;
  /** The catalogue (does a label exist for a code?). */
  catalogue: DashboardCatalogue;
  /** Time zone of every time shown. */
  timeZone: string;
  /** Chart renderer. */
  chart: ChartRenderer;
  /** The doors' last health checklist of the month (item verdicts), when known. */
  lastHealth?: LastHealth[];
}

/** The last health checklist run of a door in the month. */
export interface LastHealth {
  /** Site id. */
  site: string;
  /** Door id. */
  door: string;
  /** When (ISO). */
  at: string;
  /** Worst verdict. */
  status: string;
  /** Items (item, verdict, one line). */
  items: { item: string; status: string; detail: string }[];
}

/** A code's label from the catalogue (`reports.<kind>.<code>`), else the code as sent. */
function labelOf(i: ReportViewInput, kind: 'kind' | 'reason', code: string): string {
  const key = `reports.${kind}.${code}`;
  return i.catalogue.raw(i.lang, key) !== undefined ? i.t(key as DashKey) : code;
}

/** Seconds as `H:MM:SS` (with days when a day or more). */
export function duration(t: DashTranslate, seconds: number | null): string {
  if (seconds === null) return '-';
  const s = Math.max(0, Math.round(seconds));
  const d = Math.floor(s / 86_400);
  const rest = s % 86_400;
  const hms = `${Math.floor(rest / 3600)}:${String(Math.floor((rest % 3600) / 60)).padStart(2, '0')}:${String(rest % 60).padStart(2, '0')}`;
  return d ? `${t('reports.days', { n: d })} ${hms}` : hms;
}

const sum = (r: Record<string, number>): number => Object.values(r).reduce((a, b) => a + b, 0);

/** The groups charts and tables split by: the doors of the one site, or the sites. */
function groupsOf(i: ReportViewInput): { label: string; figures: ReportFigures }[] {
  if (i.site) return i.report.doors.filter((d) => d.site === i.site).map((d) => ({ label: d.door, figures: d }));
  return i.report.sites.map((s) => ({ label: s.site, figures: s }));
}

/** A table of keys × groups with totals. */
function keyTable(i: ReportViewInput, caption: string, head: string, keys: string[], label: (k: string) => string, of: (f: ReportFigures) => Record<string, number>): Html {
  const groups = groupsOf(i);
  return h`<table class="data"><caption>${caption}</caption><thead><tr><th scope="col">${head}</th>${groups.map((g) => h`<th scope="col">${g.label}</th>`)}<th scope="col">${i.t('reports.total')}</th></tr></thead>
<tbody>${keys.map((k) => h`<tr><th scope="row">${label(k)}${label(k) !== k ? h` <code>${k}</code>` : ''}</th>${groups.map((g) => h`<td class="num">${of(g.figures)[k] ?? 0}</td>`)}<td class="num">${of(i.report.totals)[k] ?? 0}</td></tr>`)}</tbody></table>`;
}

/** A chart and its table for a key → count breakdown (refused taps by reason, alarms by kind). */
function breakdown(i: ReportViewInput, id: string, title: string, head: string, kind: 'kind' | 'reason', of: (f: ReportFigures) => Record<string, number>): Html {
  const keys = Object.keys(of(i.report.totals)).sort((a, b) => (of(i.report.totals)[b] ?? 0) - (of(i.report.totals)[a] ?? 0) || (a < b ? -1 : 1));
  if (keys.length === 0) return h`<section aria-labelledby="h-${id}"><h2 id="h-${id}">${title}</h2><p>${i.t('common.none')}</p></section>`;
  const label = (k: string): string => labelOf(i, kind, k);
  const spec: ChartSpec = { horizontal: true, labels: keys.map(label), datasets: groupsOf(i).map((g) => ({ label: g.label, data: keys.map((k) => of(g.figures)[k] ?? 0) })) };
  return h`<section aria-labelledby="h-${id}"><h2 id="h-${id}">${title}</h2><div class="report-chart">${i.chart(id, title, spec)}${keyTable(i, title, head, keys, label, of)}</div></section>`;
}

/** The totals of the selection. */
function summary(i: ReportViewInput): Html {
  const f = i.report.totals;
  const rows: [DashKey, number][] = [
    ['reports.visitors', f.visitors], ['reports.requests', f.requests], ['reports.maintenanceRequests', f.maintenanceRequests],
    ['reports.visitsDenied', f.visitsDenied], ['reports.deniedTaps', sum(f.deniedAttempts)], ['reports.alarms', sum(f.alarms)],
    ['reports.mismatches', f.deviceMismatches], ['reports.incidents', f.incidents],
  ];
  return h`<section aria-labelledby="h-summary"><h2 id="h-summary">${i.t('reports.summary')}</h2>
<table class="data summary"><tbody>${rows.map(([k, n]) => h`<tr><th scope="row">${i.t(k)}</th><td class="num">${n}</td></tr>`)}</tbody></table></section>`;
}

/** Per door: the main figures. */
function doors(i: ReportViewInput): Html {
  const list = i.report.doors.filter((d) => !i.site || d.site === i.site);
  return h`<section aria-labelledby="h-doors"><h2 id="h-doors">${i.t('reports.doors')}</h2>
${list.length === 0 ? h`<p>${i.t('reports.empty')}</p>` : h`<table class="data"><thead><tr><th scope="col">${i.t('common.site')}</th><th scope="col">${i.t('common.door')}</th>
<th scope="col">${i.t('reports.visitors')}</th><th scope="col">${i.t('reports.requests')}</th><th scope="col">${i.t('reports.visitsDenied')}</th><th scope="col">${i.t('reports.deniedTaps')}</th>
<th scope="col">${i.t('reports.alarms')}</th><th scope="col">${i.t('reports.mismatches')}</th><th scope="col">${i.t('reports.incidents')}</th></tr></thead>
<tbody>${list.map((d) => h`<tr><td>${d.site}</td><th scope="row">${d.door}</th><td class="num">${d.visitors}</td><td class="num">${d.requests}</td><td class="num">${d.visitsDenied}</td>
<td class="num">${sum(d.deniedAttempts)}</td><td class="num">${sum(d.alarms)}</td><td class="num">${d.deviceMismatches}</td><td class="num">${d.incidents}</td></tr>`)}</tbody></table>`}</section>`;
}

/** Visitors per day: a chart of the groups stacked and the table. */
function perDay(i: ReportViewInput): Html {
  const groups = groupsOf(i);
  const days = i.report.totals.visitsPerDay.map((d) => d.day);
  const at = (f: ReportFigures, day: string): number => f.visitsPerDay.find((d) => d.day === day)?.visitors ?? 0;
  const spec: ChartSpec = { horizontal: false, labels: days.map((d) => d.slice(8)), datasets: groups.map((g) => ({ label: g.label, data: days.map((d) => at(g.figures, d)) })) };
  const title = i.t('reports.perDay');
  return h`<section aria-labelledby="h-perday"><h2 id="h-perday">${title}</h2><div class="report-chart">${i.chart('perday', title, spec)}
<table class="data"><caption>${title}</caption><thead><tr><th scope="col">${i.t('reports.day')}</th>${groups.map((g) => h`<th scope="col">${g.label}</th>`)}<th scope="col">${i.t('reports.total')}</th></tr></thead>
<tbody>${days.map((d) => h`<tr><th scope="row">${d}</th>${groups.map((g) => h`<td class="num">${at(g.figures, d)}</td>`)}<td class="num">${at(i.report.totals, d)}</td></tr>`)}</tbody></table></div></section>`;
}

/** Device mismatches per door. */
function mismatches(i: ReportViewInput): Html {
  const list = i.report.doors.filter((d) => (!i.site || d.site === i.site) && d.deviceMismatches > 0);
  return h`<section aria-labelledby="h-mismatch"><h2 id="h-mismatch">${i.t('reports.mismatches')}</h2>
${list.length === 0 ? h`<p>${i.t('common.none')}</p>` : h`<table class="data"><thead><tr><th scope="col">${i.t('common.site')}</th><th scope="col">${i.t('common.door')}</th><th scope="col">${i.t('reports.count')}</th></tr></thead>
<tbody>${list.map((d) => h`<tr><td>${d.site}</td><th scope="row">${d.door}</th><td class="num">${d.deviceMismatches}</td></tr>`)}</tbody></table>`}</section>`;
}

/** The incident book of the month: count, and the text where the site sends it. */
function incidents(i: ReportViewInput): Html {
  const list = i.report.incidentList.filter((x) => !i.site || x.site === i.site);
  return h`<section aria-labelledby="h-incidents"><h2 id="h-incidents">${i.t('reports.incidentList')}</h2>
<p>${i.t('reports.incidents')}: <strong>${i.report.totals.incidents}</strong></p>
${list.length === 0 ? '' : h`<table class="data"><thead><tr><th scope="col">${i.t('reports.at')}</th><th scope="col">${i.t('common.site')}</th><th scope="col">${i.t('common.door')}</th>
<th scope="col">${i.t('reports.incident.no')}</th><th scope="col">${i.t('reports.incident.visit')}</th><th scope="col">${i.t('reports.incident.text')}</th></tr></thead>
<tbody>${list.map((x) => h`<tr><td>${timeTag(x.at, i.timeZone)}</td><td>${x.site}</td><td>${x.door}</td><td class="num">${x.incident ?? '-'}</td><td>${x.visit ?? '-'}</td>
<td>${x.text === null ? h`<em>${i.t('reports.incident.noText')}</em>` : h`<span class="door-text">${x.text}</span>`}</td></tr>`)}</tbody></table>`}</section>`;
}

/** A step time table. */
function stepTable(i: ReportViewInput, caption: string, steps: Record<string, StepStats>): Html {
  const name = (s: string): string => (i.catalogue.raw(i.lang, `reports.step.${s}`) !== undefined ? i.t(`reports.step.${s}` as DashKey) : s);
  return h`<table class="data steps"><caption>${caption}</caption><thead><tr><th scope="col">${i.t('reports.step')}</th><th scope="col">${i.t('reports.count')}</th><th scope="col">${i.t('reports.avg')}</th>
<th scope="col">${i.t('reports.max')}</th><th scope="col">${i.t('reports.over')}</th><th scope="col">${i.t('reports.standard')}</th></tr></thead>
<tbody>${Object.entries(steps).map(([s, x]) => h`<tr${x.overStandard > 0 ? trusted(' class="over"') : ''}><th scope="row">${x.number || ''} ${name(s)}</th><td class="num">${x.count}</td>
<td class="num">${x.count ? duration(i.t, x.avgSeconds) : '-'}</td><td class="num">${x.count ? duration(i.t, x.maxSeconds) : '-'}</td><td class="num">${x.overStandard}</td><td class="num">${duration(i.t, x.standardSeconds)}</td></tr>`)}</tbody></table>`;
}

/** SOP step times against the standards: the selection's, and each door's when one site is shown. */
function steps(i: ReportViewInput, perDoor: boolean, open: boolean): Html {
  const title = i.t('reports.steps');
  const list: DoorReport[] = i.site ? i.report.doors.filter((d) => d.site === i.site) : [];
  return h`<section aria-labelledby="h-steps"><h2 id="h-steps">${title}</h2>${stepTable(i, title, i.report.totals.steps)}
${perDoor ? list.map((d) => h`<details${open ? trusted(' open') : ''}><summary>${i.t('reports.stepsOf', { door: d.door })}</summary>${stepTable(i, i.t('reports.stepsOf', { door: d.door }), d.steps)}</details>`) : ''}</section>`;
}

/** One maintenance checklist's items. */
function items(i: ReportViewInput, c: ChecklistEntry): Html {
  const st = (s: string): string => (s === 'ok' ? i.t('reports.ok') : s === 'degraded' ? i.t('reports.degraded') : s === 'failed' ? i.t('reports.failed') : s);
  return h`<ul class="checklist">${c.items.map((x) => h`<li><span class="door-text">${x.item}</span>: ${st(x.status)}${x.note ? h` (<span class="door-text">${x.note}</span>)` : ''}</li>`)}</ul>`;
}

/** Maintenance checklists (SOP 002) and the doors' health checklist runs. */
export function checklists(i: ReportViewInput): Html {
  const list = i.report.checklistList.filter((c) => !i.site || c.site === i.site);
  const doorsOf = i.report.doors.filter((d) => !i.site || d.site === i.site);
  const last = (d: DoorReport): LastHealth | undefined => i.lastHealth?.find((x) => x.site === d.site && x.door === d.door);
  const verdict = (s: string): string => (s === 'ok' ? i.t('reports.ok') : s === 'warn' ? i.t('reports.degraded') : s === 'fail' ? i.t('reports.failed') : s);
  return h`<section aria-labelledby="h-checklists"><h2 id="h-checklists">${i.t('reports.checklists')}</h2>
${list.length === 0 ? h`<p>${i.t('common.none')}</p>` : h`<table class="data"><thead><tr><th scope="col">${i.t('reports.at')}</th><th scope="col">${i.t('common.site')}</th><th scope="col">${i.t('common.door')}</th>
<th scope="col">${i.t('reports.incident.visit')}</th><th scope="col">${i.t('reports.ok')}</th><th scope="col">${i.t('reports.degraded')}</th><th scope="col">${i.t('reports.failed')}</th><th scope="col">${i.t('reports.checklist.items')}</th></tr></thead>
<tbody>${list.map((c) => h`<tr><td>${timeTag(c.at, i.timeZone)}</td><td>${c.site}</td><td>${c.door}</td><td>${c.visit ?? '-'}</td><td class="num">${c.ok}</td><td class="num">${c.degraded}</td><td class="num">${c.failed}</td><td>${items(i, c)}</td></tr>`)}</tbody></table>`}
<h3>${i.t('reports.healthRuns')}</h3>
${doorsOf.length === 0 ? h`<p>${i.t('common.none')}</p>` : h`<table class="data"><thead><tr><th scope="col">${i.t('common.site')}</th><th scope="col">${i.t('common.door')}</th><th scope="col">${i.t('reports.runs')}</th>
<th scope="col">${i.t('reports.ok')}</th><th scope="col">${i.t('reports.degraded')}</th><th scope="col">${i.t('reports.failed')}</th><th scope="col">${i.t('reports.lastHealth')}</th></tr></thead>
<tbody>${doorsOf.map((d) => { const l = last(d); return h`<tr><td>${d.site}</td><th scope="row">${d.door}</th><td class="num">${d.healthChecks.runs}</td><td class="num">${d.healthChecks.ok}</td><td class="num">${d.healthChecks.warn}</td><td class="num">${d.healthChecks.fail}</td>
<td>${l ? h`${timeTag(l.at, i.timeZone)}: ${verdict(l.status)}${l.items.length ? h`<ul class="checklist">${l.items.map((x) => h`<li><span class="door-text">${x.item}</span>: ${verdict(x.status)}${x.detail ? h` — <span class="door-text">${x.detail}</span>` : ''}</li>`)}</ul>` : ''}` : '-'}</td></tr>`; })}</tbody></table>`}</section>`;
}

/** Every section of the report, in order. */
export function reportSections(i: ReportViewInput, o: { perDoorSteps: boolean; open?: boolean }): Html {
  return h`${summary(i)}${doors(i)}${perDay(i)}${breakdown(i, 'denied', i.t('reports.deniedByReason'), i.t('reports.reason'), 'reason', (f) => f.deniedAttempts)}
${breakdown(i, 'alarms', i.t('reports.alarmsByKind'), i.t('reports.kind'), 'kind', (f) => f.alarms)}${mismatches(i)}${incidents(i)}${steps(i, o.perDoorSteps, o.open ?? false)}${checklists(i)}`;
}

/** JSON for a `<script type="application/json">` block: nothing in it can end the block or open markup. */
export function jsonBlock(value: unknown): Html {
  return trusted(JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029'));
}

/** A chart on the page: a canvas Chart.js draws from the JSON block beside it (no inline script; CSP script-src 'self'). */
export const canvasChart: ChartRenderer = (id, title, spec) =>
  h`<figure class="chart"><canvas id="chart-${id}" data-chart="chart-${id}-data" role="img" aria-label="${title}" width="640" height="${spec.horizontal ? Math.max(160, 28 * spec.labels.length + 60) : 280}"></canvas>
<script type="application/json" id="chart-${id}-data">${jsonBlock(spec)}</script></figure>`;

const PALETTE = ['#1f5fa8', '#c0392b', '#2e8b57', '#b8860b', '#6a3d9a', '#008080', '#d2691e', '#555555'];

/** A chart in the print view: static SVG bars (the datasets stacked), no script and no network. */
export const svgChart: ChartRenderer = (id, title, spec) => {
  const totals = spec.labels.map((_, k) => spec.datasets.reduce((a, d) => a + (d.data[k] ?? 0), 0));
  const max = Math.max(1, ...totals);
  if (spec.horizontal) {
    const rowH = 18;
    const labelW = 200;
    const barW = 300;
    const height = rowH * spec.labels.length + 4;
    return h`<figure class="chart"><svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${title}" id="svg-${id}" width="${labelW + barW + 40}" height="${height}" viewBox="0 0 ${labelW + barW + 40} ${height}">
${spec.labels.map((l, k) => {
    let x = labelW;
    return h`<text x="${labelW - 6}" y="${k * rowH + 13}" text-anchor="end" font-size="10">${l.length > 34 ? `${l.slice(0, 33)}…` : l}</text>${spec.datasets.map((d, j) => {
      const w = ((d.data[k] ?? 0) / max) * barW;
      const r = h`<rect x="${x.toFixed(1)}" y="${k * rowH + 3}" width="${w.toFixed(1)}" height="${rowH - 6}" fill="${PALETTE[j % PALETTE.length]}"></rect>`;
      x += w;
      return r;
    })}<text x="${(x + 4).toFixed(1)}" y="${k * rowH + 13}" font-size="10">${totals[k]}</text>`;
  })}</svg></figure>`;
  }
  const width = 520;
  const height = 150;
  const colW = width / Math.max(1, spec.labels.length);
  return h`<figure class="chart"><svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${title}" id="svg-${id}" width="${width}" height="${height + 16}" viewBox="0 0 ${width} ${height + 16}">
<line x1="0" y1="${height}" x2="${width}" y2="${height}" stroke="#999"></line>
${spec.labels.map((l, k) => {
    let y = height;
    return h`${spec.datasets.map((d, j) => {
      const hgt = ((d.data[k] ?? 0) / max) * (height - 12);
      y -= hgt;
      return h`<rect x="${(k * colW + 1).toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(1, colW - 2).toFixed(1)}" height="${hgt.toFixed(1)}" fill="${PALETTE[j % PALETTE.length]}"></rect>`;
    })}<text x="${(k * colW + colW / 2).toFixed(1)}" y="${height + 12}" text-anchor="middle" font-size="8">${l}</text>`;
  })}</svg></figure>`;
};
