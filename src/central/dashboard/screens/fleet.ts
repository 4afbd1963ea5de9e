/**
 * The fleet: every door in the user's sites as a table that sorts and filters with plain GET parameters (a filtered view
 * is a link; no script needed), with a summary (doors per state, open alerts per site). The table's part refreshes
 * live: on the feed's `fleet` topic it re-fetches `/fleet/rows` with the same parameters, rendered under the user's
 * own session and scope. Two statements per render (`fleetRows`, `fleetSummary`), whatever the number of doors.
 */
import type { Context } from 'hono';
import { FLEET_SORTS, FLEET_STATES, fleetRows, fleetSummary, type FleetQuery, type FleetRow, type FleetSort, type FleetState, type FleetSummary } from '../../fleet-queries.js';
import type { DashboardContext, DashboardEnv, DashboardScreen } from '../context.js';
import type { DashKey, DashTranslate } from '../i18n/index.js';
import { allowed, h, page, timeTag, trusted, type Html } from '../view.js';
import { backlogCell, clockCell, doorPath, healthCell, readersCell, stateCell, versionCell } from './fleet-view.js';
import { doorScreen } from './door.js';

/** The fleet page's parameters as given (kept in the form and the links). */
export interface FleetParams {
  /** Site filter ('' = all). */
  site: string;
  /** State filter ('' = all). */
  state: '' | FleetState;
  /** Text filter. */
  q: string;
  /** Sort column. */
  sort: FleetSort;
  /** Descending. */
  desc: boolean;
}

/** Read the fleet's GET parameters; anything unexpected is ignored (falls back to no filter, by site). */
export function fleetParams(get: (name: string) => string | undefined): FleetParams {
  const site = (get('site') ?? '').trim();
  const state = (get('state') ?? '') as FleetState;
  const sort = (get('sort') ?? '') as FleetSort;
  return {
    site: /^[A-Za-z0-9_-]{1,63}$/.test(site) ? site : '',
    state: (FLEET_STATES as readonly string[]).includes(state) ? state : '',
    q: (get('q') ?? '').trim().slice(0, 64),
    sort: (FLEET_SORTS as readonly string[]).includes(sort) ? sort : 'site',
    desc: get('dir') === 'desc',
  };
}

/** The query string of a fleet view ('' for the default view). */
export function fleetQueryString(p: FleetParams): string {
  const qs = new URLSearchParams();
  if (p.site) qs.set('site', p.site);
  if (p.state) qs.set('state', p.state);
  if (p.q) qs.set('q', p.q);
  if (p.sort !== 'site') qs.set('sort', p.sort);
  if (p.desc) qs.set('dir', 'desc');
  const s = qs.toString();
  return s ? `?${s}` : '';
}

const COLUMNS: ReadonlyArray<{ key: DashKey; sort: FleetSort | null }> = [
  { key: 'common.site', sort: 'site' },
  { key: 'common.door', sort: 'door' },
  { key: 'fleet.state', sort: 'state' },
  { key: 'fleet.col.contact', sort: 'contact' },
  { key: 'fleet.col.backlog', sort: 'backlog' },
  { key: 'fleet.col.clock', sort: null },
  { key: 'fleet.col.version', sort: 'version' },
  { key: 'fleet.col.readers', sort: null },
  { key: 'fleet.col.health', sort: null },
  { key: 'fleet.col.alerts', sort: 'alerts' },
];

function header(t: DashTranslate, p: FleetParams, col: (typeof COLUMNS)[number]): Html {
  const label = t(col.key);
  if (!col.sort) return h`<th scope="col">${label}</th>`;
  const current = p.sort === col.sort;
  const next: FleetParams = { ...p, sort: col.sort, desc: current ? !p.desc : false };
  const aria = current ? trusted(` aria-sort="${p.desc ? 'descending' : 'ascending'}"`) : '';
  return h`<th scope="col"${aria}><a href="/fleet${fleetQueryString(next)}">${label}${current ? h` <span aria-hidden="true">${p.desc ? '▼' : '▲'}</span><span class="sr">${t(p.desc ? 'fleet.sorted.desc' : 'fleet.sorted.asc')}</span>` : ''}</a></th>`;
}

function row(t: DashTranslate, tz: string, d: FleetRow): Html {
  return h`<tr class="fleet-row state-row-${d.state}" data-door="${d.site}/${d.door}"><td>${d.site}</td><th scope="row"><a href="${doorPath(d.site, d.door)}">${d.door}</a></th>
<td>${stateCell(t, d.state)}</td><td>${timeTag(d.lastSeenAt, tz)}</td><td>${backlogCell(t, d.backlog)}</td><td>${clockCell(t, d.clock)}</td>
<td>${versionCell(d)}</td><td>${readersCell(t, d.readers)}</td><td>${healthCell(t, d.health)}</td>
<td>${d.openAlerts > 0 ? h`<a class="over" href="/alerts?site=${encodeURIComponent(d.site)}&amp;door=${encodeURIComponent(d.door)}">${d.openAlerts}</a>` : '0'}</td></tr>`;
}

function summaryBlock(t: DashTranslate, s: FleetSummary): Html {
  const total = s.states.online + s.states.offline + s.states.unknown;
  return h`<p class="fleet-summary"><strong>${t('fleet.summary', { doors: total, ...s.states })}</strong></p>
${s.sites.length > 1 || s.sites.some((x) => x.openAlerts > 0) ? h`<details class="site-summary"${s.sites.length <= 6 ? trusted(' open') : ''}><summary>${t('fleet.sites')}</summary><ul>${s.sites.map((x) => h`<li><a href="/fleet?site=${encodeURIComponent(x.site)}">${x.site}</a>: ${t('fleet.siteLine', { doors: x.doors, offline: x.offline })}${x.openAlerts > 0 ? h`, <a class="over" href="/alerts?site=${encodeURIComponent(x.site)}">${t('fleet.siteAlerts', { count: x.openAlerts })}</a>` : ''}</li>`)}</ul></details>` : ''}`;
}

/** The live part of the fleet page: the summary and the table (also the `/fleet/rows` fragment). */
export function fleetLive(t: DashTranslate, tz: string, p: FleetParams, rows: readonly FleetRow[], summary: FleetSummary): Html {
  const total = summary.states.online + summary.states.offline + summary.states.unknown;
  return h`${summaryBlock(t, summary)}
${rows.length === 0 ? h`<p class="muted">${total === 0 ? t('fleet.noDoors') : t('fleet.none')}</p>` : h`<div class="table-wrap" tabindex="0" role="region" aria-label="${t('fleet.title')}"><table class="fleet sortable">
<caption class="sr">${t('fleet.shown', { count: rows.length })}</caption>
<thead><tr>${COLUMNS.map((col) => header(t, p, col))}</tr></thead>
<tbody>${rows.map((d) => row(t, tz, d))}</tbody></table></div>`}`;
}

function filterForm(t: DashTranslate, p: FleetParams, sites: readonly string[]): Html {
  return h`<form method="get" action="/fleet" class="card filters" role="search" aria-label="${t('fleet.search')}">
<label for="f-site">${t('common.site')}<select id="f-site" name="site"><option value="">${t('common.all')}</option>${sites.map((s) => h`<option value="${s}"${s === p.site ? trusted(' selected') : ''}>${s}</option>`)}</select></label>
<label for="f-state">${t('fleet.state')}<select id="f-state" name="state"><option value="">${t('common.all')}</option>${FLEET_STATES.map((s) => h`<option value="${s}"${s === p.state ? trusted(' selected') : ''}>${t(`fleet.state.${s}`)}</option>`)}</select></label>
<label for="f-q">${t('fleet.text')}<input id="f-q" name="q" value="${p.q}" maxlength="64" autocomplete="off"></label>
${p.sort !== 'site' ? h`<input type="hidden" name="sort" value="${p.sort}">` : ''}${p.desc ? h`<input type="hidden" name="dir" value="desc">` : ''}
<button type="submit" class="primary">${t('fleet.apply')}</button> <a href="/fleet">${t('fleet.reset')}</a>
</form>`;
}

/** Read the rows and the summary of a view (two statements) and report the time taken. */
async function readFleet(c: Context<DashboardEnv>, ctx: DashboardContext, p: FleetParams): Promise<{ rows: FleetRow[]; summary: FleetSummary }> {
  const started = performance.now();
  const scope = c.get('scope');
  const q: FleetQuery = { scope, site: p.site || null, state: p.state || null, text: p.q || null, sort: p.sort, desc: p.desc };
  const [rows, summary] = await Promise.all([fleetRows(ctx.sql, q), fleetSummary(ctx.sql, scope)]);
  c.header('server-timing', `db;dur=${(performance.now() - started).toFixed(1)}`);
  return { rows, summary };
}

/** Routes of the fleet screens (the doors table here, a door's page in door.ts). */
export const fleetScreen: DashboardScreen = (app, ctx) => {
  app.get('/fleet', allowed(ctx, 'fleet.view'), async (c) => {
    const t = c.get('t');
    const p = fleetParams((n) => c.req.query(n));
    const { rows, summary } = await readFleet(c, ctx, p);
    const qs = fleetQueryString(p);
    return page(c, ctx, {
      title: t('fleet.title'), active: '/fleet', bodyClass: 'wide',
      body: h`${filterForm(t, p, summary.sites.map((s) => s.site))}
<section id="fleet-live" class="fleet-live" hx-get="/fleet/rows${qs}" hx-trigger="sse:fleet" hx-swap="innerHTML">${fleetLive(t, ctx.settings.timeZone, p, rows, summary)}</section>`,
    });
  });

  app.get('/fleet/rows', allowed(ctx, 'fleet.view'), async (c) => {
    const p = fleetParams((n) => c.req.query(n));
    const { rows, summary } = await readFleet(c, ctx, p);
    return c.html(fleetLive(c.get('t'), ctx.settings.timeZone, p, rows, summary));
  });

  doorScreen(app, ctx);
};
