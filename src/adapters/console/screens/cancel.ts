/**
 * Closing a request that never came (cancel / no-show), before any special badge was issued: the reason (cancelled,
 * or the visitor did not come) and an optional note. Any officer may; the visit's state is checked by the app.
 */
import type { Context } from 'hono';
import { UserError } from '../../../domain/errors.js';
import type { Visit } from '../../../domain/types.js';
import type { CancelReason } from '../../../ports/console.js';
import type { ConsoleApp, ConsoleContext, ConsoleEnv } from '../context.js';
import type { MessageKey } from '../i18n/index.js';
import { page } from '../layout.js';
import { visitSummary } from '../visit-view.js';
import { allowed, csrfField, refusal, formOf, h, redirectWith, type Html } from '../view.js';
import { VISIT_ID, errorFor, formError, visitOf } from './desk-form.js';

/** Reasons a request is closed, in the order offered. */
const REASONS: readonly CancelReason[] = ['no_show', 'cancelled'];

/** States a request can be closed from. */
const OPEN: readonly string[] = ['requested', 'checked', 'approved'];

function cancelBody(c: Context<ConsoleEnv>, ctx: ConsoleContext, v: Visit, reason: string, note: string, errors: Record<string, string>, general: string | null): Html {
  const t = c.get('t');
  const summary = visitSummary(ctx, t, v);
  if (!OPEN.includes(v.state)) {
    return h`${summary}<p class="error" role="alert">${general ?? t('cancel.notNow', { state: t(`state.${v.state}` as MessageKey) })}</p><p><a href="/visits/${v.id}">${t('desk.visit', { visit: v.id })}</a></p>`;
  }
  return h`${summary}
<p>${t('cancel.lead')}</p>
${formError(general)}
<form method="post" action="/visits/${v.id}/cancel" class="card">
${csrfField(c)}
<fieldset${errors.reason ? h` aria-describedby="err-reason"` : ''}><legend>${t('cancel.reason')}</legend>
${REASONS.map((r) => h`<label class="choice"><input type="radio" name="reason" value="${r}" required${reason === r ? h` checked` : ''}> ${t(`cancel.reason.${r}`)}</label>`)}
${errorFor(errors, 'reason')}
</fieldset>
<label for="note">${t('cancel.note')} <span class="muted">(${t('common.optional')})</span></label>
<textarea id="note" name="note" maxlength="1000" aria-describedby="note-privacy${errors.note ? ' err-note' : ''}"${errors.note ? h` aria-invalid="true"` : ''}>${note}</textarea>
<p id="note-privacy" class="muted">${t('common.noPersonalData')}</p>
${errorFor(errors, 'note')}
<button type="submit" class="danger">${t('cancel.submit')}</button>
</form>`;
}

function render(c: Context<ConsoleEnv>, ctx: ConsoleContext, v: Visit, reason = '', note = '', errors: Record<string, string> = {}, general: string | null = null, status: 200 | 422 = 200): Response {
  const t = c.get('t');
  return page(c, ctx, { title: t('cancel.title', { visit: v.id }), body: cancelBody(c, ctx, v, reason, note, errors, general), status });
}

/** The cancel / no-show routes. */
export function cancelScreen(app: ConsoleApp, ctx: ConsoleContext): void {
  app.get(`/visits/${VISIT_ID}/cancel`, allowed('cancel'), (c) => {
    const found = visitOf(c, ctx);
    if ('response' in found) return found.response;
    return render(c, ctx, found.visit);
  });

  app.post(`/visits/${VISIT_ID}/cancel`, allowed('cancel'), async (c) => {
    const t = c.get('t');
    const officer = c.get('officer')!;
    const found = visitOf(c, ctx);
    if ('response' in found) return found.response;
    const v = found.visit;
    const f = await formOf(c);
    const reason = f.reason ?? '';
    const note = f.note ?? '';
    if (!(REASONS as readonly string[]).includes(reason)) return render(c, ctx, v, reason, note, { reason: t('cancel.reasonRequired') }, t('error.form'), 422);
    try {
      await ctx.ports.write('console.cancel', () => ctx.ports.desk.cancel(v.id, officer.id, reason as CancelReason, note.trim() || undefined));
      return redirectWith(c, `/visits/${v.id}`, t('cancel.done', { visit: v.id, reason: t(`cancel.reason.${reason as CancelReason}`) }));
    } catch (err) {
      if (!(err instanceof UserError)) ctx.log.error({ err: (err as Error).message, path: '/visits/:id/cancel' }, 'console cancel failed');
      const text = refusal(ctx, t, err);
      const field = err instanceof UserError && err.field === 'note' ? 'note' : null;
      return render(c, ctx, ctx.ports.queries.visit(v.id) ?? v, reason, note, field ? { [field]: text } : {}, field ? t('error.form') : text, 422);
    }
  });
}
