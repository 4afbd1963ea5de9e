/**
 * Visits across the user's sites (issue 13 item 4): a filtered, paged list from the visit index (newest change first),
 * and a visit's page with its timeline read from the stored events through the `events_visit` index, its SOP step
 * times against the standards, and (head only) a remote revocation sent as the signed `revoke` command. Only what the
 * doors send is shown: visit id, institution, purpose, states and times (never names, NIK or phone). Every query takes
 * the user's site scope; a visit of a site out of scope answers 404.
 */
import type { Context } from 'hono';
import { listVisits, visitById, type IndexedVisit } from '../../visit-index.js';
import { doorHeads, doorsInScope, visitEvents, type VisitEvent } from '../../visit-events.js';
import { parseTime } from '../../../domain/time.js';
import { personalDataProblem } from '../../../domain/free-text.js';
import { audit } from '../../audit.js';
import type { DashboardContext, DashboardEnv, DashboardScreen } from '../context.js';
import type { DashTranslate } from '../i18n/index.js';
import { may } from '../roles.js';
import { allowed, csrfField, errorPage, formOf, h, page, siteAllowed, timeTag, zoneLabel, type Html } from '../view.js';
import { eventLine, sendCommand, stepRows, type FieldErrors } from './visit-parts.js';

/** Visit states in the SOP's order (the filter's choices). */
export const VISIT_STATES = ['requested', 'checked', 'approved', 'denied', 'issued', 'checked_out', 'archived', 'revoked', 'cancelled', 'expired'] as const;
/** States a head may still revoke (the door's own rule, domain/visit.ts). */
const REVOCABLE = new Set(['requested', 'checked', 'approved', 'issued']);
/** Visits per page of the list. */
export const PAGE_SIZE = 50;
/** Route of one visit (ids as the doors write them). */
const VISIT_ROUTE = '/visits/:site{[A-Za-z0-9._-]{1,64}}/:door{[A-Za-z0-9._-]{1,64}}/:visit{[A-Za-z0-9._-]{1,40}}';

/** A visit state in the SOP's words. */
export function stateText(t: DashTranslate, state: string): string {
  return (VISIT_STATES as readonly string[]).includes(state) ? t(`visit.state.${state as (typeof VISIT_STATES)[number]}`) : state;
}

/** The link of a visit's page. */
export function visitPath(site: string, door: string, visit: string): string {
  return `/visits/${encodeURIComponent(site)}/${encodeURIComponent(door)}/${encodeURIComponent(visit)}`;
}

/** The list's filter as typed (strings, kept in the form and the paging links). */
interface ListFilter { site: string; door: string; state: string; from: string; to: string; q: string; page: number }

function filterOf(c: Context<DashboardEnv>): ListFilter {
  const q = (k: string, max = 100): string => (c.req.query(k) ?? '').trim().slice(0, max);
  const p = Number(c.req.query('page') ?? '1');
  return { site: q('site', 64), door: q('door', 64), state: q('state', 32), from: q('from', 10), to: q('to', 10), q: q('q'), page: Number.isInteger(p) && p >= 1 && p <= 10_000 ? p : 1 };
}

function linkOf(f: ListFilter, page: number): string {
  const u = new URLSearchParams();
  for (const k of ['site', 'door', 'state', 'from', 'to', 'q'] as const) if (f[k]) u.set(k, f[k]);
  if (page > 1) u.set('page', String(page));
  const s = u.toString();
  return `/visits${s ? `?${s}` : ''}`;
}

/** Routes of the visits screens. */
export const visitsScreen: DashboardScreen = (app, ctx) => {
  const tz = (): string => ctx.settings.timeZone;

  app.get('/visits', allowed(ctx, 'visits.view'), async (c) => {
    const t = c.get('t');
    const scope = c.get('scope');
    const f = filterOf(c);
    const errors: FieldErrors = {};
    // A date typed in the centre's zone: "from" is the start of that day, "to" the start of the day after (inclusive).
    const day = (value: string, field: 'from' | 'to'): string | null => {
      if (!value) return null;
      const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
      try {
        if (!m) throw new Error('not a date');
        const date = field === 'from' ? value : new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + 1)).toISOString().slice(0, 10);
        if (field === 'to') parseTime(value, field, tz());
        return new Date(parseTime(date, field, tz())).toISOString();
      } catch {
        errors[field] = t('visits.filter.bad', { date: value });
        return null;
      }
    };
    const from = day(f.from, 'from');
    const to = day(f.to, 'to');
    const doors = await doorsInScope(ctx.sql, scope);
    // A site out of scope lists nothing (the query filters by scope too): the same as a site with no visits.
    const r = f.site && !siteAllowed(c, f.site) ? { visits: [], total: 0 } : await listVisits(ctx.sql, {
      scope, site: f.site || null, door: f.door || null, state: (VISIT_STATES as readonly string[]).includes(f.state) ? f.state : null,
      from, to, q: f.q || null, limit: PAGE_SIZE, offset: (f.page - 1) * PAGE_SIZE,
    });
    const zone = zoneLabel(tz(), ctx.now());
    const sites = [...new Set(doors.map((d) => d.site))];
    const doorIds = [...new Set(doors.filter((d) => !f.site || d.site === f.site).map((d) => d.door))];
    const user = c.get('user')!;
    const body = h`<p>${t('visits.lead')}</p>
${may(user.role, 'visits.preregister') ? h`<p><a class="button primary" href="/visits/new">${t('visits.new')}</a></p>` : ''}
<form method="get" action="/visits" class="filters" role="search">
<label>${t('common.site')}<select name="site"><option value="">${t('common.all')}</option>${sites.map((s) => h`<option value="${s}"${s === f.site ? h` selected` : ''}>${s}</option>`)}</select></label>
<label>${t('common.door')}<select name="door"><option value="">${t('common.all')}</option>${doorIds.map((d) => h`<option value="${d}"${d === f.door ? h` selected` : ''}>${d}</option>`)}</select></label>
<label>${t('visits.filter.state')}<select name="state"><option value="">${t('common.all')}</option>${VISIT_STATES.map((s) => h`<option value="${s}"${s === f.state ? h` selected` : ''}>${stateText(t, s)}</option>`)}</select></label>
<label>${t('visits.filter.from', { zone })}<input type="date" name="from" value="${f.from}"${errors.from ? h` aria-invalid="true"` : ''}></label>
<label>${t('visits.filter.to', { zone })}<input type="date" name="to" value="${f.to}"${errors.to ? h` aria-invalid="true"` : ''}></label>
<label>${t('visits.filter.q')}<input type="search" name="q" value="${f.q}" maxlength="100"></label>
<button type="submit">${t('common.filter')}</button>
</form>
${Object.values(errors).map((e) => h`<p class="field-error" role="alert">${e}</p>`)}
${visitTable(t, r.visits, tz())}
<p class="muted">${t('visits.count', { shown: r.visits.length, total: r.total })}</p>
<nav aria-label="${t('visits.page.nav')}" class="pager">
${f.page > 1 ? h`<a href="${linkOf(f, f.page - 1)}" rel="prev">${t('visits.page.prev')}</a>` : ''}
${f.page * PAGE_SIZE < r.total ? h`<a href="${linkOf(f, f.page + 1)}" rel="next">${t('visits.page.next')}</a>` : ''}
</nav>`;
    return page(c, ctx, { title: t('visits.title'), active: '/visits', body });
  });

  /** The visit a route names, in the user's scope, or a 404 page. */
  const visitOf = async (c: Context<DashboardEnv>): Promise<IndexedVisit | Response> => {
    const { site, door, visit } = c.req.param() as { site: string; door: string; visit: string };
    const v = siteAllowed(c, site) ? await visitById(ctx.sql, c.get('scope'), site, door, visit) : null;
    return v ?? errorPage(c, ctx, 404, c.get('t')('visit.notFound'));
  };

  app.get(VISIT_ROUTE, allowed(ctx, 'visits.view'), async (c) => {
    const v = await visitOf(c);
    if (v instanceof Response) return v;
    return visitPage(c, ctx, v, {});
  });

  // The timeline alone: re-fetched when the door sends events (`sse:door:<site>/<door>`), under this user's scope.
  app.get(`${VISIT_ROUTE}/timeline`, allowed(ctx, 'visits.view'), async (c) => {
    const v = await visitOf(c);
    if (v instanceof Response) return v;
    const events = await visitEvents(ctx.sql, c.get('scope'), v.site, v.door, v.visit);
    return c.html(timeline(c.get('t'), v, events, tz()));
  });

  app.post(`${VISIT_ROUTE}/revoke`, allowed(ctx, 'visits.revoke'), async (c) => {
    const t = c.get('t');
    const v = await visitOf(c);
    if (v instanceof Response) return v;
    const f = await formOf(c);
    const values = { by: (f.by ?? '').trim(), reason: (f.reason ?? '').trim() };
    const errors: FieldErrors = {};
    if (!values.by) errors.by = t('visits.form.required');
    else if (values.by.length > 32) errors.by = t('visits.form.tooLong', { max: 32 });
    if (!values.reason) errors.reason = t('visits.form.required');
    else if (values.reason.length > 500) errors.reason = t('visits.form.tooLong', { max: 500 });
    else {
      // The reason goes into the door's event (never purged): no NIK or phone number in it (the centre has no name to match).
      const personal = personalDataProblem(values.reason);
      if (personal) errors.reason = t(`visits.form.personal.${personal.code.slice('text.personal.'.length) as 'nik' | 'phone' | 'name'}`);
    }
    if (!REVOCABLE.has(v.state)) errors.general = t('revoke.notNow', { state: stateText(t, v.state) });
    if (Object.keys(errors).length) return visitPage(c, ctx, v, { values, errors, status: 422 });
    const sent = await sendCommand(c, ctx, v.site, v.door, 'revoke', { visit: v.visit, by: values.by, reason: values.reason });
    if ('error' in sent) return visitPage(c, ctx, v, { values, errors: { general: sent.error }, status: sent.status });
    // The audit names who sent it, the visit and the door head named; the reason stays in the door's own event.
    await audit(ctx.sql, { actor: c.get('user')!.id, action: 'visit.revoke_sent', site: v.site, door: v.door, detail: { visit: v.visit, command: sent.id, doorHead: values.by, ...(sent.reply ? { accepted: sent.reply.ok } : {}) } }, ctx.now());
    return c.redirect(`/commands/${encodeURIComponent(sent.id)}`, 303);
  });
};

function visitTable(t: DashTranslate, visits: readonly IndexedVisit[], tz: string): Html {
  if (!visits.length) return h`<p>${t('visits.none')}</p>`;
  return h`<div class="table-wrap" tabindex="0" role="region" aria-label="${t('visits.title')}"><table>
<thead><tr><th scope="col">${t('visits.col.visit')}</th><th scope="col">${t('common.site')}</th><th scope="col">${t('common.door')}</th><th scope="col">${t('visits.col.state')}</th><th scope="col">${t('visits.col.org')}</th><th scope="col">${t('visits.col.purpose')}</th><th scope="col">${t('visits.col.requested')}</th><th scope="col">${t('visits.col.entered')}</th><th scope="col">${t('visits.col.updated')}</th></tr></thead>
<tbody>${visits.map((v) => h`<tr>
<td><a href="${visitPath(v.site, v.door, v.visit)}">${v.visit}</a></td><td>${v.site}</td><td>${v.door}</td>
<td><span class="state state-${v.state}">${stateText(t, v.state)}</span></td><td>${v.org ?? '-'}</td><td>${v.purpose ?? '-'}</td>
<td>${timeTag(v.requestedAt, tz)}</td><td>${timeTag(v.enteredAt, tz)}</td><td>${timeTag(v.updatedAt, tz)}</td>
</tr>`)}</tbody></table></div>`;
}

function timeline(t: DashTranslate, v: IndexedVisit, events: readonly VisitEvent[], tz: string): Html {
  if (!events.length) return h`<p>${t('visit.timeline.none')}</p>`;
  return h`<div class="table-wrap" tabindex="0" role="region" aria-label="${t('visit.timeline')}"><table>
<thead><tr><th scope="col">${t('visit.col.seq')}</th><th scope="col">${t('visit.col.at')}</th><th scope="col">${t('visit.col.event')}</th><th scope="col">${t('visit.col.detail')}</th></tr></thead>
<tbody>${events.map((e) => { const l = eventLine(t, e, tz); return h`<tr><td>${e.seq}</td><td>${timeTag(e.at, tz)}</td><td>${l.what}</td><td>${l.detail}</td></tr>`; })}</tbody>
</table></div>
<h3>${t('visit.steps')}</h3>
${stepRows(t, events)}`;
}

/** A visit's page, optionally with the revocation form's values and errors (422). */
async function visitPage(c: Context<DashboardEnv>, ctx: DashboardContext, v: IndexedVisit, o: { values?: { by: string; reason: string }; errors?: FieldErrors; status?: 200 | 409 | 422 }): Promise<Response> {
  const t = c.get('t');
  const tz = ctx.settings.timeZone;
  const events = await visitEvents(ctx.sql, c.get('scope'), v.site, v.door, v.visit);
  const user = c.get('user')!;
  const errors = o.errors ?? {};
  const canRevoke = may(user.role, 'visits.revoke') && REVOCABLE.has(v.state);
  const heads = canRevoke ? await doorHeads(ctx.sql, v.site, v.door) : [];
  const path = visitPath(v.site, v.door, v.visit);
  const body = h`<p>${t('visit.where', { site: v.site, door: v.door })}</p>
<dl class="facts">
<dt>${t('visits.col.state')}</dt><dd><span class="state state-${v.state}">${stateText(t, v.state)}</span></dd>
<dt>${t('visit.kind')}</dt><dd>${v.kind === 'maintenance' ? t('visits.kind.maintenance') : t('visits.kind.visit')}</dd>
<dt>${t('visits.col.org')}</dt><dd>${v.org ?? '-'}</dd>
<dt>${t('visits.col.purpose')}</dt><dd>${v.purpose ?? '-'}</dd>
<dt>${t('visits.col.requested')}</dt><dd>${timeTag(v.requestedAt, tz)}</dd>
<dt>${t('visits.col.entered')}</dt><dd>${timeTag(v.enteredAt, tz)}</dd>
<dt>${t('visits.col.updated')}</dt><dd>${timeTag(v.updatedAt, tz)}</dd>
</dl>
<h2>${t('visit.timeline')}</h2>
<section id="timeline" hx-get="${path}/timeline" hx-trigger="sse:door:${v.site}/${v.door}" hx-swap="innerHTML" aria-live="polite">
${timeline(t, v, events, tz)}
</section>
${canRevoke || errors.general ? revokeForm(c, t, path, heads, o.values ?? { by: heads.length === 1 ? heads[0]! : '', reason: '' }, errors, canRevoke) : ''}`;
  return page(c, ctx, { title: t('visit.title', { visit: v.visit }), active: '/visits', body, status: o.status ?? 200 });
}

function revokeForm(c: Context<DashboardEnv>, t: DashTranslate, path: string, heads: readonly string[], v: { by: string; reason: string }, errors: FieldErrors, open: boolean): Html {
  const err = (k: string): Html => (errors[k] ? h`<p class="field-error" id="err-${k}" role="alert">${errors[k]}</p>` : h``);
  const inv = (k: string): Html => (errors[k] ? h` aria-invalid="true" aria-describedby="err-${k}"` : h``);
  return h`<section class="card" aria-labelledby="revoke-h"><h2 id="revoke-h">${t('revoke.title')}</h2>
${errors.general ? h`<p class="error" role="alert">${errors.general}</p>` : ''}
${open ? h`<p>${t('revoke.lead')}</p>
<form method="post" action="${path}/revoke" novalidate>${csrfField(c)}
<p><label for="by">${t('revoke.by')}</label><input id="by" name="by" value="${v.by}" maxlength="32" required list="door-heads" autocomplete="off"${inv('by')}>
<small>${heads.length ? t('revoke.by.hint', { ids: heads.join(', ') }) : t('revoke.by.unknown')}</small>
<datalist id="door-heads">${heads.map((id) => h`<option value="${id}"></option>`)}</datalist>${err('by')}</p>
<p><label for="reason">${t('revoke.reason')}</label><textarea id="reason" name="reason" maxlength="500" required aria-describedby="reason-privacy${errors.reason ? ' err-reason' : ''}"${errors.reason ? h` aria-invalid="true"` : ''}>${v.reason}</textarea>
<small id="reason-privacy">${t('visits.form.noPersonalData')}</small>${err('reason')}</p>
<p><button type="submit" class="danger">${t('revoke.submit')}</button></p>
</form>` : ''}
</section>`;
}
