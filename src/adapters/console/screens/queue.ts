/**
 * The head's approval queue and the decision on a request. The queue lists the requests waiting for a completeness
 * check or a decision, oldest first, and is kept live (pane `queue`: a new request appears without reload; the count
 * is in the tab title through the layout). The decision page approves with a validity typed in the site's time
 * (date and time read in `visits.timeZone`, shown with WIB/WITA/WIT, defaulting to `visits.defaultValidity`) or
 * denies with a reason; a refusal keeps what was typed. One column, large targets: it is used on a phone.
 */
import type { Context } from 'hono';
import { UserError } from '../../../domain/errors.js';
import { TEXT_LIMITS } from '../../../domain/text.js';
import { endOfLocalDay, formatTime, HOUR_MS, isCalendarDate, MINUTE_MS, parseTime } from '../../../domain/time.js';
import type { Role, Visit } from '../../../domain/types.js';
import type { ConsoleApp, ConsoleContext, ConsoleEnv } from '../context.js';
import { may } from '../context.js';
import type { MessageKey, Translate } from '../i18n/index.js';
import { page } from '../layout.js';
import { devicesTable, stateLabel, visitSummary } from '../visit-view.js';
import { allowed, csrfField, fieldError, formOf, h, redirectWith, signedIn, timeTag, when, zoneLabel, type Html } from '../view.js';
import { backTo, oneLine, refusalError, routeVisit, VISIT_ID, visitNotFound, type FormErrors } from './visit-actions.js';

/** One waiting request as a card of the queue, with what the viewer's role may do on it. */
function queueItem(ctx: ConsoleContext, t: Translate, role: Role, csrf: string, v: Visit): Html {
  const tz = ctx.settings.timeZone;
  const waiting = v.state === 'requested' ? t('queue.waitingCheck') : t('queue.waitingDecision');
  const canCheck = v.state === 'requested' && may(role, 'check');
  const canDecide = (v.state === 'checked' && may(role, 'approve')) || may(role, 'deny');
  return h`<li class="card queue-item" data-visit="${v.id}">
<h2><a href="/visits/${v.id}">${v.visitor.name}</a> <span class="muted">${v.visitor.org}</span></h2>
<p>${stateLabel(t, v.state)} ${waiting}</p>
<dl class="facts">
<dt>${t('visit.id')}</dt><dd>${v.id}</dd>
<dt>${t('queue.requestedAt')}</dt><dd>${timeTag(v.at.requested, tz)}</dd>
<dt>${t('visit.purpose')}</dt><dd>${v.purpose}</dd>
<dt>${t('queue.planned')}</dt><dd>${t('queue.minutes', { minutes: v.plannedMinutes })}</dd>
<dt>${t('queue.devices')}</dt><dd>${t('queue.deviceCount', { count: v.devicesIn.length })}</dd>
${v.letterRef ? h`<dt>${t('queue.letter')}</dt><dd>${v.letterRef}</dd>` : ''}
</dl>
<div class="actions">
${canCheck ? h`<form method="post" action="/visits/${v.id}/check" class="inline"><input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="next" value="/queue"><button type="submit" class="primary">${t('queue.check')}<span class="sr"> ${v.id}</span></button></form>` : ''}
${canDecide ? h`<a class="button${v.state === 'checked' ? ' primary' : ''}" href="/visits/${v.id}/approve">${t('queue.decide')}<span class="sr"> ${v.id}</span></a>` : ''}
<a class="button" href="/visits/${v.id}">${t('queue.open')}<span class="sr"> ${v.id}</span></a>
</div>
</li>`;
}

/** The queue's content (the page's and the live pane's: live, the CSRF field is empty and filled by the page's script). */
export function queueList(ctx: ConsoleContext, t: Translate, role: Role, csrf: string): Html {
  const pending = ctx.ports.queries.pending();
  if (pending.length === 0) return h`<p class="muted">${t('queue.empty')}</p>`;
  return h`<ul class="queue">${pending.map((v) => queueItem(ctx, t, role, csrf, v))}</ul>`;
}

/** What the decision form holds (typed or default). */
interface DecisionValues {
  /** Local date (YYYY-MM-DD) the approval ends. */
  untilDate: string;
  /** Local time (HH:MM) it ends. */
  untilTime: string;
  /** The denial's reason. */
  reason: string;
}

/** The default end of an approval (`visits.defaultValidity`) as a local date and time. */
export function defaultUntil(ctx: ConsoleContext, now: number): { untilDate: string; untilTime: string } {
  const d = ctx.settings.defaultValidity;
  const at = d === 'end-of-day' ? endOfLocalDay(now, ctx.settings.timeZone) : Math.floor((now + d * HOUR_MS) / MINUTE_MS) * MINUTE_MS;
  const local = formatTime(at, ctx.settings.timeZone);
  return { untilDate: local.slice(0, 10), untilTime: local.slice(11, 16) };
}

/** A local date and time typed by the head as an instant, read in the site's zone; null when not a real date and time. */
export function readUntil(date: string, time: string, timeZone: string): number | null {
  const d = date.trim();
  const tm = time.trim();
  if (!isCalendarDate(d) || !/^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$/.test(tm)) return null;
  try {
    return parseTime(`${d}T${tm}`, 'until', timeZone);
  } catch (err) {
    if (err instanceof UserError) return null;
    throw err;
  }
}

function decisionPage(c: Context<ConsoleEnv>, ctx: ConsoleContext, v: Visit, values: DecisionValues, errors: FormErrors, status: 200 | 422 = 200): Response {
  const t = c.get('t');
  const role = c.get('officer')!.role;
  const now = ctx.now();
  const zone = zoneLabel(ctx.settings.timeZone, now);
  const dflt = ctx.settings.defaultValidity === 'end-of-day' ? t('queue.defaultEndOfDay') : t('queue.defaultHours', { hours: ctx.settings.defaultValidity });
  const pending = v.state === 'requested' || v.state === 'checked';
  const approve = v.state === 'checked' && may(role, 'approve');
  const invalid = (f: string): Html => (errors[f] ? h` aria-invalid="true"` : h``);
  const top = errors._form ?? (approve ? undefined : errors.untilDate);
  const body = h`${top ? h`<p class="error" role="alert">${top}</p>` : ''}
${!pending ? h`<p class="error" role="alert">${t('queue.notPending', { visit: v.id, state: t(`state.${v.state}` as MessageKey) })}</p>` : ''}
${pending && v.state === 'requested' ? h`<p class="notice" role="status">${t('queue.needsCheck')}</p>` : ''}
${visitSummary(ctx, t, v)}
<div class="decide">
${approve ? h`<form method="post" action="/visits/${v.id}/approve" class="card" novalidate>
${csrfField(c)}
<fieldset><legend>${t('queue.approveLegend')}</legend>
<div class="datetime">
<div><label for="untilDate">${t('queue.untilDate')}</label><input type="date" id="untilDate" name="untilDate" value="${values.untilDate}" required aria-describedby="until-hint${errors.untilDate ? ' err-untilDate' : ''}"${invalid('untilDate')}></div>
<div><label for="untilTime">${t('queue.untilTime', { zone })}</label><input type="time" id="untilTime" name="untilTime" value="${values.untilTime}" required aria-describedby="until-hint${errors.untilDate ? ' err-untilDate' : ''}"${invalid('untilDate')}></div>
</div>
<p id="until-hint" class="muted">${t('queue.untilHint', { zone, default: dflt })}</p>
${fieldError(t, errors, 'untilDate')}
</fieldset>
<button type="submit" class="primary">${t('queue.approveSubmit')}</button>
</form>` : ''}
${pending ? h`<form method="post" action="/visits/${v.id}/deny" class="card" novalidate>
${csrfField(c)}
<fieldset><legend>${t('queue.denyLegend')}</legend>
<label for="reason">${t('queue.reason')}</label>
<textarea id="reason" name="reason" maxlength="${TEXT_LIMITS.reason}" required aria-required="true" aria-describedby="reason-privacy${errors.reason ? ' err-reason' : ''}"${invalid('reason')}>${values.reason}</textarea>
<p id="reason-privacy" class="muted">${t('common.noPersonalData')}</p>
${fieldError(t, errors, 'reason')}
</fieldset>
<button type="submit" class="danger">${t('queue.denySubmit')}</button>
</form>` : ''}
</div>
<h2>${t('queue.devices')}</h2>
${devicesTable(t, v.devicesIn)}
<p><a href="/queue">${t('common.back')}</a></p>`;
  return page(c, ctx, { title: t('queue.decideTitle', { visit: v.id }), active: '/queue', body, status });
}

/** The queue page, its live pane, and the decision routes (approve, deny). */
export function queueScreen(app: ConsoleApp, ctx: ConsoleContext): void {
  ctx.live.pane({ name: 'queue', affectedBy: (e) => e.type.startsWith('visit.'), render: (t, role) => String(queueList(ctx, t, role, '')) });

  app.get('/queue', signedIn, (c) => {
    const t = c.get('t');
    const role = c.get('officer')!.role;
    return page(c, ctx, {
      title: t('queue.title'), active: '/queue',
      body: h`<p>${t('queue.lead')} <span class="muted">(${t('common.live')})</span></p>
<div id="queue" sse-swap="queue" aria-live="polite">${queueList(ctx, t, role, c.get('csrf'))}</div>`,
    });
  });

  const decision = `/visits/${VISIT_ID}/approve`;
  app.get(decision, allowed('deny'), (c) => {
    const v = routeVisit(c, ctx);
    if (!v) return visitNotFound(c, ctx);
    return decisionPage(c, ctx, v, { ...defaultUntil(ctx, ctx.now()), reason: '' }, {});
  });
  app.get(`/visits/${VISIT_ID}/deny`, allowed('deny'), (c) => c.redirect(`/visits/${c.req.param('id')}/approve`, 303));

  app.post(decision, allowed('approve'), async (c) => {
    const t = c.get('t');
    const by = c.get('officer')!.id;
    const v = routeVisit(c, ctx);
    if (!v) return visitNotFound(c, ctx);
    const f = await formOf(c);
    const values: DecisionValues = { untilDate: f.untilDate ?? '', untilTime: f.untilTime ?? '', reason: '' };
    const until = readUntil(values.untilDate, values.untilTime, ctx.settings.timeZone);
    if (until === null) return decisionPage(c, ctx, v, values, { untilDate: t('queue.untilInvalid') }, 422);
    if (until <= ctx.now()) return decisionPage(c, ctx, v, values, { untilDate: t('queue.untilPast') }, 422);
    let done: Visit;
    try {
      done = await ctx.ports.write('console.approve', () => ctx.ports.desk.approve(v.id, by, { until }));
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      return decisionPage(c, ctx, ctx.ports.queries.visit(v.id) ?? v, values, refusalError(ctx, t, err, { until: 'untilDate', from: 'untilDate' }), 422);
    }
    const tz = ctx.settings.timeZone;
    const notice = done.validUntil !== null && done.validUntil < until
      ? t('queue.approvedShorter', { visit: v.id, until: when(done.validUntil, tz), asked: when(until, tz) })
      : t('queue.approvedDone', { visit: v.id, until: when(done.validUntil, tz) });
    return redirectWith(c, backTo(f.next, v.id, '/queue'), notice);
  });

  app.post(`/visits/${VISIT_ID}/deny`, allowed('deny'), async (c) => {
    const t = c.get('t');
    const by = c.get('officer')!.id;
    const v = routeVisit(c, ctx);
    if (!v) return visitNotFound(c, ctx);
    const f = await formOf(c);
    const values: DecisionValues = { ...defaultUntil(ctx, ctx.now()), reason: f.reason ?? '' };
    const reason = oneLine(f.reason);
    if (!reason) return decisionPage(c, ctx, v, values, { reason: t('queue.reasonRequired') }, 422);
    try {
      await ctx.ports.write('console.deny', () => ctx.ports.desk.deny(v.id, by, reason));
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      return decisionPage(c, ctx, ctx.ports.queries.visit(v.id) ?? v, values, refusalError(ctx, t, err, { reason: 'reason' }), 422);
    }
    return redirectWith(c, backTo(f.next, v.id, '/queue'), t('queue.deniedDone', { visit: v.id }));
  });
}
