/**
 * Issuing the special badge (SOP step 3), "Tempelkan kartu khusus": the badge tapped on the desk reader is offered
 * (its label and whether it is free), the officer confirms, and the visitor's KTP is recorded as held at the desk.
 * A badge that is not available (in use, lost, retired) or a card that is no special badge is refused with the reason.
 * Without JavaScript "use the card tapped last" offers the latest tap; a list of free badges is the fallback when the
 * desk reader is down.
 */
import type { Context } from 'hono';
import { UserError } from '../../../domain/errors.js';
import type { Visit } from '../../../domain/types.js';
import type { RawTap } from '../../../ports/hardware.js';
import type { ConsoleApp, ConsoleContext, ConsoleEnv } from '../context.js';
import type { MessageKey, Translate } from '../i18n/index.js';
import type { DeskTapNotice } from '../live.js';
import { page } from '../layout.js';
import { visitSummary } from '../visit-view.js';
import { allowed, csrfField, refusal, formOf, h, redirectWith, when, type Html } from '../view.js';
import { VISIT_ID, formError, visitOf } from './desk-form.js';

/** Whether a badge can be issued to the visit now (approved, or issued with its badge lost). */
function issuable(v: Visit): boolean {
  return v.state === 'approved' || (v.state === 'issued' && !v.badgeUid);
}

/** What a tap token offers: a free special badge, or why not. */
function offerOf(ctx: ConsoleContext, t: Translate, token: string): { notice: DeskTapNotice; ok: true } | { ok: false; why: string } | null {
  if (!token) return null;
  const n = ctx.desk.peek(token);
  if (!n) return { ok: false, why: token === 'latest' ? t('common.tapNone') : t('issue.offer.expired') };
  if (n.kind === 'random') return { ok: false, why: t('desk.randomUid.badge') };
  if (n.kind === 'unproven') return { ok: false, why: t('desk.unproven') };
  if (n.kind !== 'badge') return { ok: false, why: t('issue.offer.notBadge') };
  // The pool may have changed since the tap: ask it again.
  const status = ctx.ports.queries.badges().find((b) => b.label === n.label)?.status ?? n.status ?? 'retired';
  if (status !== 'available') return { ok: false, why: t('issue.offer.unavailable', { badge: n.label ?? '', status: t(`issue.status.${status}` as MessageKey) }) };
  return { notice: n, ok: true };
}

/** The offer pane: the tap field (filled by the desk reader) and what the tapped card offers. Replaced live on a tap. */
function offerPane(ctx: ConsoleContext, t: Translate, v: Visit, token: string, error?: string): Html {
  const offer = offerOf(ctx, t, token);
  const usable = offer?.ok ? offer.notice.token : '';
  const message = error
    ? h`<p class="error" role="alert">${error}</p>`
    : offer === null ? h`<p class="muted">${t('issue.waiting')}</p>`
      : offer.ok ? h`<p class="notice">${t('issue.offer', { badge: offer.notice.label ?? '' })}</p>`
        : h`<p class="error" role="alert">${offer.why}</p>`;
  return h`<div id="offer" class="offer" aria-live="polite">
<input type="hidden" name="tap" value="${usable}" data-tap-field="badge" data-status="offer-tap" data-label="" data-random="${t('desk.randomUid.badge')}" data-unproven="${t('desk.unproven')}"
 hx-get="/visits/${v.id}/issue/offer" hx-trigger="change" hx-target="#offer" hx-swap="outerHTML">
${message}
</div>`;
}

/** The server-room rules (`visits.rules`) shown to the officer, and the box confirming the visitor acknowledged them. */
function rulesFieldset(ctx: ConsoleContext, t: Translate): Html {
  const rules = ctx.settings.rules;
  return h`<fieldset class="card rules"><legend>${t('rules.title', { version: rules.version })}</legend>
<p>${t('rules.lead')}</p>
<ol class="rules-text">${rules.text.map((l) => h`<li>${l}</li>`)}</ol>
<label class="choice"><input type="checkbox" class="tick" name="rules" value="${rules.version}"> ${t('rules.confirm', { version: rules.version })}</label>
</fieldset>`;
}

function issueBody(c: Context<ConsoleEnv>, ctx: ConsoleContext, v: Visit, token: string, chosen: string, error: string | null): Html {
  const t = c.get('t');
  const tz = ctx.settings.timeZone;
  const summary = visitSummary(ctx, t, v);
  if (!issuable(v)) return h`${summary}<p class="error" role="alert">${error ?? t('issue.notNow', { state: t(`state.${v.state}` as MessageKey) })}</p><p><a href="/visits/${v.id}">${t('desk.visit', { visit: v.id })}</a></p>`;
  if (v.validUntil !== null && v.validUntil <= ctx.now()) {
    return h`${summary}<p class="error" role="alert">${t('issue.expired', { until: when(v.validUntil, tz) })}</p><p><a href="/visits/${v.id}">${t('desk.visit', { visit: v.id })}</a></p>`;
  }
  const free = ctx.ports.queries.badges().filter((b) => b.status === 'available');
  return h`${summary}
<p>${t('issue.lead')}</p>
${formError(error)}
<form method="post" action="/visits/${v.id}/issue" class="card">
${csrfField(c)}
<button type="submit" class="sr" tabindex="-1" aria-hidden="true">${t('issue.submit')}</button>
<h2>${t('issue.tap')}</h2>
${offerPane(ctx, t, v, token)}
<button type="submit" name="_action" value="tap:latest">${t('common.tapUseLatest')}</button>
<label for="badge">${t('issue.choose')}</label>
${free.length
    ? h`<select id="badge" name="badge"><option value="">${t('issue.choose.none')}</option>${free.map((b) => h`<option value="${b.label}"${b.label === chosen ? h` selected` : ''}>${b.label}</option>`)}</select>`
    : h`<p class="muted" id="badge">${t('issue.noneAvailable')}</p>`}
<p>${t('issue.ktp')}</p>
${rulesFieldset(ctx, t)}
<button type="submit" class="primary">${t('issue.submit')}</button>
</form>`;
}

function render(c: Context<ConsoleEnv>, ctx: ConsoleContext, v: Visit, token = '', chosen = '', error: string | null = null, status: 200 | 409 | 422 = 200): Response {
  const t = c.get('t');
  return page(c, ctx, { title: t('issue.title', { visit: v.id }), body: issueBody(c, ctx, v, token, chosen, error), status });
}

/** The issue screen's routes. */
export function issueScreen(app: ConsoleApp, ctx: ConsoleContext): void {
  app.get(`/visits/${VISIT_ID}/issue`, allowed('issue'), (c) => {
    const found = visitOf(c, ctx);
    if ('response' in found) return found.response;
    return render(c, ctx, found.visit, c.req.query('tap') ?? '');
  });

  // The offer of a tapped card (htmx, when the desk reader fills the tap field).
  app.get(`/visits/${VISIT_ID}/issue/offer`, allowed('issue'), (c) => {
    const found = visitOf(c, ctx);
    if ('response' in found) return found.response;
    return c.html(offerPane(ctx, c.get('t'), found.visit, c.req.query('tap') ?? ''));
  });

  app.post(`/visits/${VISIT_ID}/issue`, allowed('issue'), async (c) => {
    const t = c.get('t');
    const officer = c.get('officer')!;
    const found = visitOf(c, ctx);
    if ('response' in found) return found.response;
    const v = found.visit;
    const f = await formOf(c);
    const chosen = (f.badge ?? '').trim();
    if (f._action === 'tap:latest') {
      const latest = ctx.desk.peek('latest');
      return latest ? render(c, ctx, v, latest.token, chosen) : render(c, ctx, v, '', chosen, t('common.tapNone'), 422);
    }
    const token = (f.tap ?? '').trim();
    let badge = chosen;
    let tapped: { uid: string; proof?: RawTap['proof'] } | null = null;
    if (token) {
      const offer = offerOf(ctx, t, token);
      if (!offer?.ok) return render(c, ctx, v, '', chosen, offer?.why ?? t('issue.pick'), 422);
      const taken = ctx.desk.take(token);
      if (!taken) return render(c, ctx, v, '', chosen, t('issue.offer.expired'), 422);
      tapped = taken;
      badge = taken.uid;
    }
    if (!badge) return render(c, ctx, v, '', chosen, t('issue.pick'), 422);
    // The box names the version shown: a page served before the rules changed is no acknowledgement of the new ones.
    if (f.rules !== ctx.settings.rules.version) return render(c, ctx, v, tapped ? ctx.desk.add(tapped).token : '', chosen, t('rules.missing'), 422);
    try {
      const after = await ctx.ports.write('console.issue', () => ctx.ports.desk.issue(v.id, badge, officer.id, { rulesAcknowledged: true }));
      const label = after.badgeUid ? ctx.ports.queries.badge(after.badgeUid)?.label ?? '' : '';
      return redirectWith(c, `/visits/${v.id}`, t('issue.done', { badge: label }));
    } catch (err) {
      if (!(err instanceof UserError)) ctx.log.error({ err: (err as Error).message, path: '/visits/:id/issue' }, 'console issue failed');
      // The tapped badge stays offered (a new token) unless the refusal is about the badge itself.
      const again = tapped ? ctx.desk.add(tapped).token : '';
      const fresh = ctx.ports.queries.visit(v.id) ?? v;
      return render(c, ctx, fresh, again, chosen, refusal(ctx, t, err), 422);
    }
  });
}
