/**
 * A head reveals one visitor's full NIK (issue 14, item 2): the form on the visit detail (heads only) posts a reason
 * (CSRF-checked like every form); the answer shows the NIK once, never cached (`Cache-Control: no-store`), and the
 * app records `visit.nik_revealed` with the head and the reason. Everyone else sees the NIK masked and is refused here.
 */
import type { Context } from 'hono';
import { UserError } from '../../../domain/errors.js';
import { TEXT_LIMITS } from '../../../domain/text.js';
import type { Visit } from '../../../domain/types.js';
import type { ConsoleApp, ConsoleContext, ConsoleEnv } from '../context.js';
import type { Translate } from '../i18n/index.js';
import { page } from '../layout.js';
import { visitSummary } from '../visit-view.js';
import { allowed, csrfField, fieldError, formOf, h, refusal, type Html } from '../view.js';
import { oneLine, routeVisit, VISIT_ID, visitNotFound } from './visit-actions.js';

/** The reveal form (on the visit detail for heads, and again after a refusal). */
export function nikRevealForm(c: Context<ConsoleEnv>, t: Translate, v: Visit, reason = '', errors: Record<string, string> = {}): Html {
  return h`<form method="post" action="/visits/${v.id}/nik" class="card nik-reveal" novalidate>
${csrfField(c)}
<p class="muted">${t('nik.reveal.lead')}</p>
${errors._form ? h`<p class="error" role="alert">${errors._form}</p>` : ''}
<label for="reveal-reason">${t('nik.reveal.reason')}</label>
<textarea id="reveal-reason" name="reason" required aria-required="true" maxlength="${TEXT_LIMITS.reason}" aria-describedby="reveal-reason-privacy${errors.reason ? ' err-reason' : ''}"${errors.reason ? h` aria-invalid="true"` : ''}>${reason}</textarea>
<p id="reveal-reason-privacy" class="muted">${t('common.noPersonalData')}</p>
${fieldError(t, errors, 'reason')}
<p class="actions"><button type="submit" class="danger">${t('nik.reveal.submit')}</button></p>
</form>`;
}

function formPage(c: Context<ConsoleEnv>, ctx: ConsoleContext, v: Visit, reason: string, errors: Record<string, string>): Response {
  const t = c.get('t');
  return page(c, ctx, { title: t('nik.reveal.title', { visit: v.id }), active: '/visits', status: 422, body: h`${visitSummary(ctx, t, v)}${nikRevealForm(c, t, v, reason, errors)}` });
}

/** The reveal route (heads only). */
export function nikRevealScreen(app: ConsoleApp, ctx: ConsoleContext): void {
  app.post(`/visits/${VISIT_ID}/nik`, allowed('reveal_nik'), async (c) => {
    const t = c.get('t');
    const officer = c.get('officer')!;
    const v = routeVisit(c, ctx);
    if (!v) return visitNotFound(c, ctx);
    const reason = oneLine((await formOf(c)).reason);
    if (!reason) return formPage(c, ctx, v, '', { reason: t('nik.reveal.reasonRequired') });
    let nik: string;
    try {
      nik = await ctx.ports.write('console.reveal_nik', () => ctx.ports.desk.revealNik(v.id, officer.id, reason));
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      return formPage(c, ctx, v, reason, err.field === 'reason' ? { reason: refusal(ctx, t, err) } : { _form: refusal(ctx, t, err) });
    }
    c.header('cache-control', 'no-store');
    return page(c, ctx, {
      title: t('nik.reveal.title', { visit: v.id }), active: '/visits',
      body: h`${visitSummary(ctx, t, v)}
<section class="card nik-revealed" aria-live="polite"><p>${t('nik.reveal.shown')}</p><p class="nik-full"><strong data-nik-revealed>${nik}</strong></p>
<p class="muted">${t('nik.reveal.recorded', { officer: officer.name, reason })}</p></section>
<p><a class="button" href="/visits/${v.id}">${t('nik.reveal.back')}</a></p>`,
    });
  });
}
