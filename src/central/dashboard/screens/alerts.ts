/**
 * The alert queue: every door alarm and link fault of the user's sites, open first and newest first, filtered by site,
 * kind group and state, paged by keyset cursors, live (`sse:alerts` re-GETs the rows under the user's own session and
 * scope), every time in the centre's zone with its offset and every detail escaped (it holds what doors sent).
 * Analysts, sub-section heads and heads acknowledge one alert (its page) or several (checkboxes on the queue) with a
 * note; each acknowledgement is once only and an audit entry. An alert or site out of scope answers 404.
 */
import type { Context } from 'hono';
import { acknowledge, alertById, alertSites, groupOf, listAlerts, MAX_NOTE, openCount, type AlertGroup, type AlertQuery, type AlertState, type QueuedAlert } from '../../alert-queue.js';
import type { DashboardContext, DashboardEnv, DashboardScreen } from '../context.js';
import type { DashKey, DashTranslate } from '../i18n/index.js';
import { may } from '../roles.js';
import { allowed, csrfField, errorPage, formList, formOf, h, page, redirectWith, siteAllowed, timeTag, when, type Html } from '../view.js';

/** Beyond this many open alerts the count says "more than". */
const COUNT_CAP = 1000;
/** Most alerts acknowledged by one bulk form. */
const BULK_MAX = 200;

/** The queue's filters as read from the query string (unknown values are ignored). */
interface Filters { site: string | null; group: AlertGroup | null; state: AlertState; after: string | null }

function filtersOf(c: Context<DashboardEnv>): Filters {
  const q = (k: string): string => (c.req.query(k) ?? '').slice(0, 100);
  const group = q('group');
  const state = q('state');
  return {
    site: q('site') || null,
    group: group === 'alarm' || group === 'link' ? group : null,
    state: state === 'acked' || state === 'all' ? state : 'open',
    after: /^[oa]\d{0,15}$/.test(q('after')) ? q('after') : null,
  };
}

/** The query string of filters (optionally another page). */
function queryOf(f: Filters, after: string | null = null): string {
  const p = new URLSearchParams();
  if (f.site) p.set('site', f.site);
  if (f.group) p.set('group', f.group);
  if (f.state !== 'open') p.set('state', f.state);
  if (after) p.set('after', after);
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** An alert kind in analysts' words (the catalogue's), or "other alert: kind". */
export function kindText(t: DashTranslate, kind: string): string {
  const key = `alerts.kind.${kind}` as DashKey;
  const text = t(key);
  return text === key ? t('alerts.kind.other', { kind }) : text;
}

function stateCell(t: DashTranslate, a: QueuedAlert, tz: string): Html {
  if (a.ackedAt === null) return h`<span class="alert-open">${t('alerts.open')}</span>`;
  return h`<span class="alert-acked">${t('alerts.ackedBy', { user: a.ackedBy ?? '-', at: when(a.ackedAt, tz) })}</span>${a.ackNote ? h`<br><q>${a.ackNote}</q>` : ''}`;
}

/** The rows fragment: count, table and next-page link (re-fetched live). */
async function rowsFragment(c: Context<DashboardEnv>, ctx: DashboardContext, f: Filters): Promise<Html> {
  const t = c.get('t');
  const scope = c.get('scope');
  const tz = ctx.settings.timeZone;
  const canAck = may(c.get('user')!.role, 'alerts.ack');
  const query: AlertQuery = { scope, site: f.site, group: f.group, state: f.state, after: f.after, limit: 50 };
  const [pageOf, open] = await Promise.all([listAlerts(ctx.sql, query), openCount(ctx.sql, scope, COUNT_CAP)]);
  const count = open >= COUNT_CAP ? t('alerts.countMany', { count: COUNT_CAP }) : t('alerts.count', { count: open });
  const rows = pageOf.alerts.map((a) => h`<tr id="alert-${a.id}" class="alert-row ${a.ackedAt === null ? 'is-open' : 'is-acked'} group-${groupOf(a.kind)}">
${canAck ? h`<td data-label="${t('alerts.col.select')}">${a.ackedAt === null ? h`<input type="checkbox" name="id" value="${a.id}" form="bulk-ack" id="sel-${a.id}" hx-preserve="true" aria-label="${t('alerts.select', { id: a.id })}">` : ''}</td>` : ''}
<td data-label="${t('alerts.col.time')}">${timeTag(a.at, tz)}</td>
<td data-label="${t('alerts.col.place')}">${a.site} / ${a.door}</td>
<td data-label="${t('alerts.col.kind')}"><a href="/alerts/${a.id}">${kindText(t, a.kind)}</a> <small><code>${a.kind}</code></small></td>
<td data-label="${t('alerts.col.detail')}" class="alert-detail">${a.detail}</td>
<td data-label="${t('alerts.col.state')}">${stateCell(t, a, tz)}</td>
</tr>`);
  return h`<p id="alert-count" class="alert-count">${count}</p><span id="pending-count" hidden>${open > 0 ? (open >= COUNT_CAP ? `${COUNT_CAP}+` : String(open)) : ''}</span>
${pageOf.alerts.length === 0 ? h`<p>${t('alerts.none')}</p>` : h`<div class="table-wrap"><table class="stack alerts">
<caption>${t('alerts.caption')}</caption>
<thead><tr>${canAck ? h`<th scope="col">${t('alerts.col.select')}</th>` : ''}<th scope="col">${t('alerts.col.time')}</th><th scope="col">${t('alerts.col.place')}</th><th scope="col">${t('alerts.col.kind')}</th><th scope="col">${t('alerts.col.detail')}</th><th scope="col">${t('alerts.col.state')}</th></tr></thead>
<tbody>${rows}</tbody></table></div>`}
<p class="pager">${f.after ? h`<a href="/alerts${queryOf(f)}">${t('alerts.first')}</a> ` : ''}${pageOf.next ? h`<a href="/alerts${queryOf(f, pageOf.next)}" rel="next">${t('alerts.more')}</a>` : ''}</p>`;
}

/** The filter form (GET). */
function filterForm(t: DashTranslate, f: Filters, sites: readonly string[]): Html {
  const opt = (value: string, label: string, current: string | null): Html => h`<option value="${value}"${value === (current ?? '') ? h` selected` : ''}>${label}</option>`;
  return h`<form method="get" action="/alerts" class="filters" role="search">
<label>${t('alerts.filter.site')}<select name="site">${opt('', t('common.all'), f.site)}${sites.map((s) => opt(s, s, f.site))}</select></label>
<label>${t('alerts.filter.group')}<select name="group">${opt('', t('common.all'), f.group)}${opt('alarm', t('alerts.group.alarm'), f.group)}${opt('link', t('alerts.group.link'), f.group)}</select></label>
<label>${t('alerts.filter.state')}<select name="state">${opt('open', t('alerts.state.open'), f.state)}${opt('acked', t('alerts.state.acked'), f.state)}${opt('all', t('alerts.state.all'), f.state)}</select></label>
<button type="submit">${t('common.filter')}</button>
</form>`;
}

/** Where a bulk acknowledgement returns: the queue with its filters (nothing else). */
function queuePath(next: string | undefined): string {
  return typeof next === 'string' && /^\/alerts(\?[a-z0-9=&_.%-]{0,300})?$/i.test(next) ? next : '/alerts';
}

/** The note field of an acknowledgement form. */
function noteField(t: DashTranslate, id: string, error: string | null, value = ''): Html {
  return h`<p><label for="${id}">${t('alerts.note')}</label>
<textarea id="${id}" name="note" required minlength="1" maxlength="${MAX_NOTE}" rows="3" aria-describedby="${id}-help${error ? ` ${id}-error` : ''}"${error ? h` aria-invalid="true"` : ''}>${value}</textarea>
<small id="${id}-help">${t('alerts.note.help')}</small>${error ? h`<br><span id="${id}-error" class="field-error">${error}</span>` : ''}</p>`;
}

/** The note's problem, or null when it is fine (1–500 characters after trimming). */
function noteProblem(t: DashTranslate, note: string): string | null {
  if (!note) return t('alerts.note.missing');
  if ([...note].length > MAX_NOTE) return t('alerts.note.long');
  return null;
}

/** Say how long the server took (ms, from `start`: the queries and the rendering) in a Server-Timing header (the scale test reads it). */
function timed(c: Context<DashboardEnv>, start: number): void {
  c.header('server-timing', `alerts;dur=${(performance.now() - start).toFixed(1)}`);
}

/** Routes of the alerts screens. */
export const alertsScreen: DashboardScreen = (app, ctx) => {
  const tz = (): string => ctx.settings.timeZone;

  const queuePage = async (c: Context<DashboardEnv>): Promise<Response> => {
    const start = performance.now();
    const t = c.get('t');
    const f = filtersOf(c);
    if (f.site && !siteAllowed(c, f.site)) return errorPage(c, ctx, 404, t('error.notFound'));
    const canAck = may(c.get('user')!.role, 'alerts.ack');
    const [sites, rows] = await Promise.all([alertSites(ctx.sql, c.get('scope')), rowsFragment(c, ctx, f)]);
    const body = h`${filterForm(t, f, sites)}
${canAck ? h`<form method="post" action="/alerts/ack" id="bulk-ack" class="card bulk-ack">${csrfField(c)}<input type="hidden" name="next" value="/alerts${queryOf(f)}">
<fieldset><legend>${t('alerts.bulk.legend')}</legend>${noteField(t, 'bulk-note', null)}
<p><button type="submit" class="primary">${t('alerts.bulk.submit')}</button></p></fieldset></form>` : ''}
<section id="alert-rows" aria-label="${t('alerts.caption')}" hx-get="/alerts/rows${queryOf(f, f.after)}" hx-trigger="sse:alerts" hx-swap="innerHTML">${rows}</section>`;
    timed(c, start);
    return page(c, ctx, { title: t('alerts.title'), active: '/alerts', body });
  };

  app.get('/alerts', allowed(ctx, 'alerts.view'), (c) => queuePage(c));

  app.get('/alerts/rows', allowed(ctx, 'alerts.view'), async (c) => {
    const start = performance.now();
    const f = filtersOf(c);
    if (f.site && !siteAllowed(c, f.site)) return c.text(c.get('t')('error.notFound'), 404);
    const rows = await rowsFragment(c, ctx, f);
    timed(c, start);
    return c.html(rows);
  });

  const alertPage = async (c: Context<DashboardEnv>, a: QueuedAlert, o: { error?: string | null; note?: string; status?: 200 | 422 } = {}): Promise<Response> => {
    const t = c.get('t');
    const canAck = may(c.get('user')!.role, 'alerts.ack') && a.ackedAt === null;
    return page(c, ctx, {
      title: t('alerts.one', { id: a.id }), active: '/alerts', status: o.status ?? 200,
      body: h`<dl class="facts card" id="alert-facts">
<dt>${t('alerts.col.kind')}</dt><dd>${kindText(t, a.kind)} <small><code>${a.kind}</code></small></dd>
<dt>${t('alerts.col.place')}</dt><dd>${a.site} / ${a.door}</dd>
<dt>${t('alerts.raised')}</dt><dd>${timeTag(a.at, tz())}</dd>
<dt>${t('alerts.col.detail')}</dt><dd class="alert-detail">${a.detail}</dd>
<dt>${t('alerts.col.state')}</dt><dd id="alert-state">${stateCell(t, a, tz())}</dd>
</dl>
${canAck ? h`<form method="post" action="/alerts/${a.id}/ack" class="card">${csrfField(c)}${noteField(t, 'note', o.error ?? null, o.note ?? '')}
<p><button type="submit" class="primary">${t('alerts.ack')}</button></p></form>` : ''}
<p><a href="/alerts">${t('common.back')}</a></p>`,
    });
  };

  app.get('/alerts/:id{[0-9]{1,15}}', allowed(ctx, 'alerts.view'), async (c) => {
    const a = await alertById(ctx.sql, Number(c.req.param('id')), c.get('scope'));
    if (!a) return errorPage(c, ctx, 404, c.get('t')('error.notFound'));
    return alertPage(c, a);
  });

  app.post('/alerts/:id{[0-9]{1,15}}/ack', allowed(ctx, 'alerts.ack'), async (c) => {
    const t = c.get('t');
    const id = Number(c.req.param('id'));
    const a = await alertById(ctx.sql, id, c.get('scope'));
    if (!a) return errorPage(c, ctx, 404, t('error.notFound'));
    const note = ((await formOf(c)).note ?? '').trim();
    const problem = noteProblem(t, note);
    if (problem) return alertPage(c, a, { error: problem, note: note.slice(0, MAX_NOTE * 2), status: 422 });
    const r = await acknowledge(ctx.sql, { id, actor: c.get('user')!.id, note, scope: c.get('scope'), at: ctx.now() });
    if (r.outcome === 'not-found') return errorPage(c, ctx, 404, t('error.notFound'));
    if (r.outcome === 'already') {
      return errorPage(c, ctx, 409, t('alerts.ack.already', { id, user: r.alert?.ackedBy ?? '-', at: when(r.alert?.ackedAt, tz()) }));
    }
    ctx.feed.notify('alerts', a.site);
    ctx.log.info({ alert: id, site: a.site, door: a.door, kind: a.kind }, 'alert acknowledged');
    return redirectWith(c, `/alerts/${id}`, t('alerts.ack.done', { id }));
  });

  app.post('/alerts/ack', allowed(ctx, 'alerts.ack'), async (c) => {
    const t = c.get('t');
    const f = await formOf(c);
    const next = queuePath(f.next);
    const ids = [...new Set((await formList(c, 'id')).filter((x) => /^\d{1,15}$/.test(x)).map(Number))];
    const note = (f.note ?? '').trim();
    const problem = ids.length === 0 ? t('alerts.bulk.none') : ids.length > BULK_MAX ? t('alerts.bulk.tooMany') : noteProblem(t, note);
    if (problem) return redirectWith(c, next, problem);
    const user = c.get('user')!;
    let done = 0;
    let already = 0;
    let missing = 0;
    const sites = new Set<string>();
    for (const id of ids) {
      const r = await acknowledge(ctx.sql, { id, actor: user.id, note, scope: c.get('scope'), at: ctx.now() });
      if (r.outcome === 'acknowledged') { done += 1; sites.add(r.alert!.site); } else if (r.outcome === 'already') already += 1; else missing += 1;
    }
    for (const site of sites) ctx.feed.notify('alerts', site);
    ctx.log.info({ acknowledged: done, already, missing }, 'alerts acknowledged');
    return redirectWith(c, next, already || missing ? t('alerts.bulk.some', { done, already, missing }) : t('alerts.bulk.done', { done }));
  });
};
