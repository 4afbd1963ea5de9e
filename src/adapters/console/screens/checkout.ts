/**
 * Checkout (SOP step 5): the devices brought in, each with its serial and a checkbox "carried out", extra devices
 * carried out added row by row, and "Tempelkan kartu yang dikembalikan" checking the returned badge is the visit's.
 * A device mismatch is shown loudly and asked again before it is recorded; then the KTP stays held at the desk until a
 * head acknowledges on `/visits/:id/mismatch-ack` with a note (the head's form on that page; the server refuses
 * anyone else).
 */
import type { Context } from 'hono';
import { UserError } from '../../../domain/errors.js';
import type { Device, Visit } from '../../../domain/types.js';
import { deviceMismatch } from '../../../domain/visit.js';
import type { ConsoleApp, ConsoleContext, ConsoleEnv } from '../context.js';
import { may } from '../context.js';
import type { MessageKey, Translate } from '../i18n/index.js';
import { page } from '../layout.js';
import { devicesTable, visitSummary } from '../visit-view.js';
import { allowed, csrfField, refusal, formList, formOf, h, redirectWith, signedIn, when, type Html } from '../view.js';
import {
  VISIT_ID, devicesOf, errorFor, formError, mismatchAcknowledgedAt, mismatchPending, rowAction, rowsFieldset, rowsOf, visitOf, type DeviceRow,
} from './desk-form.js';

/** What the officer ticked and typed at checkout. */
interface CheckoutValues {
  /** Indexes of the devices brought in that are carried out. */
  out: Set<number>;
  /** Extra devices carried out. */
  rows: DeviceRow[];
  /** One-time token of the returned badge tapped on the desk reader ('' for none). */
  tap: string;
}

/** The device mismatch, loudly: what stayed inside, what left without being brought in. */
export function mismatchBlock(t: Translate, devicesIn: Device[], devicesOut: Device[]): Html {
  const m = deviceMismatch(devicesIn, devicesOut);
  const list = (ds: Device[]): Html => h`<ul>${ds.map((d) => h`<li><strong>${d.description}</strong> — ${t('rows.serial')}: ${d.serial}</li>`)}</ul>`;
  return h`<section class="mismatch" role="alert" aria-labelledby="mismatch-title">
<h2 id="mismatch-title">⚠ ${t('checkout.mismatch')}</h2>
${m.notCarriedOut.length ? h`<p>${t('checkout.mismatch.notOut')}</p>${list(m.notCarriedOut)}` : ''}
${m.notBroughtIn.length ? h`<p>${t('checkout.mismatch.notIn')}</p>${list(m.notBroughtIn)}` : ''}
<p><strong>${t('checkout.mismatch.keep')}</strong></p>
</section>`;
}

/** The label of the visit's special badge, or null when it holds none. */
function badgeLabel(ctx: ConsoleContext, v: Visit): string | null {
  return v.badgeUid ? ctx.ports.queries.badge(v.badgeUid)?.label ?? v.badgeUid : null;
}

/** Whether a tapped card is the visit's badge: null when nothing was tapped, else ok or why not. */
function returnedCheck(ctx: ConsoleContext, t: Translate, v: Visit, token: string): { ok: boolean; text: string } | null {
  if (!token) return null;
  const n = ctx.desk.peek(token);
  if (!n) return { ok: false, text: token === 'latest' ? t('common.tapNone') : t('issue.offer.expired') };
  if (n.kind === 'unproven') return { ok: false, text: t('desk.unproven') };
  if (n.kind !== 'badge') return { ok: false, text: t('checkout.badge.notBadge') };
  const expected = badgeLabel(ctx, v);
  if (expected === null) return { ok: false, text: t('checkout.badge.none') };
  if (n.label !== expected) return { ok: false, text: t('checkout.badge.wrong', { badge: n.label ?? '', expected }) };
  return { ok: true, text: t('checkout.badge.ok', { badge: expected }) };
}

/** The returned-badge pane: the tap field (filled by the desk reader) and whether the card is the visit's. */
function returnedPane(ctx: ConsoleContext, t: Translate, v: Visit, token: string): Html {
  const check = returnedCheck(ctx, t, v, token);
  const expected = badgeLabel(ctx, v);
  return h`<div id="returned" aria-live="polite">
<input type="hidden" name="tap" value="${check?.ok ? token : ''}" data-tap-field="badge" data-status="returned-tap" data-label="" data-unproven="${t('desk.unproven')}"
 hx-get="/visits/${v.id}/checkout/badge" hx-trigger="change" hx-target="#returned" hx-swap="outerHTML">
<p>${expected ? t('checkout.badge.expect', { badge: expected }) : t('checkout.badge.none')}</p>
${check ? (check.ok ? h`<p class="notice">${check.text}</p>` : h`<p class="error" role="alert">${check.text}</p>`) : ''}
</div>`;
}

function checkoutBody(c: Context<ConsoleEnv>, ctx: ConsoleContext, v: Visit, values: CheckoutValues, errors: Record<string, string>, general: string | null, mismatch: Html | null): Html {
  const t = c.get('t');
  const summary = visitSummary(ctx, t, v);
  if (v.state !== 'issued' && v.state !== 'revoked') {
    return h`${summary}<p class="error" role="alert">${general ?? t('checkout.notNow', { state: t(`state.${v.state}` as MessageKey) })}</p><p><a href="/visits/${v.id}">${t('desk.visit', { visit: v.id })}</a></p>`;
  }
  return h`${summary}
<p>${t('checkout.lead')}</p>
${formError(general)}
${mismatch ?? ''}
<form method="post" action="/visits/${v.id}/checkout">
${csrfField(c)}
<button type="submit" class="sr" tabindex="-1" aria-hidden="true">${t('checkout.submit')}</button>
<fieldset class="card"><legend>${t('checkout.devicesIn')}</legend>
${v.devicesIn.length === 0 ? h`<p class="muted">${t('visit.noDevices')}</p>` : h`<p>${t('checkout.tick')}</p>
<div class="table-wrap" tabindex="0"><table><thead><tr><th scope="col">${t('checkout.carriedOut')}</th><th scope="col">${t('rows.description')}</th><th scope="col">${t('rows.serial')}</th></tr></thead><tbody>
${v.devicesIn.map((d, i) => h`<tr><td><input type="checkbox" class="tick" id="out-${i}" name="out" value="${i}"${values.out.has(i) ? h` checked` : ''} aria-describedby="out-${i}-what"></td>
<td><label for="out-${i}" id="out-${i}-what">${d.description}</label></td><td>${d.serial}</td></tr>`)}
</tbody></table></div>`}
</fieldset>
${rowsFieldset(t, { prefix: 'out', legend: t('checkout.extra'), hint: t('checkout.extra.hint'), rows: values.rows, ...(errors.out ? { error: errors.out } : {}) })}
<fieldset class="card"><legend>${t('checkout.badge')}</legend>
${returnedPane(ctx, t, v, values.tap)}
${errorFor(errors, 'tap')}
<button type="submit" name="_action" value="tap:latest">${t('common.tapUseLatest')}</button>
</fieldset>
<p class="actions"><button type="submit" class="primary">${t('checkout.submit')}</button>
${mismatch ? h`<button type="submit" class="danger" name="_confirm" value="mismatch">${t('checkout.mismatch.confirm')}</button>` : ''}</p>
</form>`;
}

function render(c: Context<ConsoleEnv>, ctx: ConsoleContext, v: Visit, values: CheckoutValues, errors: Record<string, string> = {}, general: string | null = null, mismatch: Html | null = null, status: 200 | 422 = 200): Response {
  const t = c.get('t');
  return page(c, ctx, { title: t('checkout.title', { visit: v.id }), body: checkoutBody(c, ctx, v, values, errors, general, mismatch), status });
}

function ackBody(c: Context<ConsoleEnv>, ctx: ConsoleContext, v: Visit, note: string, error: string | null): Html {
  const t = c.get('t');
  const officer = c.get('officer')!;
  const pending = mismatchPending(v);
  const ackAt = mismatchAcknowledgedAt(v);
  const out = v.devicesOut ?? [];
  return h`${visitSummary(ctx, t, v)}
${pending ? mismatchBlock(t, v.devicesIn, out) : h`<p class="notice" role="status">${ackAt !== undefined ? t('mismatch.acknowledged', { when: when(ackAt, ctx.settings.timeZone) }) : t('mismatch.none')}</p>`}
<div class="grid"><section><h2>${t('checkout.devicesIn')}</h2>${devicesTable(t, v.devicesIn)}</section><section><h2>${t('mismatch.devicesOut')}</h2>${devicesTable(t, out)}</section></div>
${!pending ? '' : may(officer.role, 'acknowledge_mismatch') ? h`${formError(error)}
<form method="post" action="/visits/${v.id}/mismatch-ack" class="card">
${csrfField(c)}
<label for="note">${t('mismatch.note')}</label>
<textarea id="note" name="note" required maxlength="1000"${error ? h` aria-invalid="true" aria-describedby="err-note"` : ''}>${note}</textarea>
${error ? h`<p class="field-error" id="err-note">${error}</p>` : ''}
<button type="submit" class="primary">${t('mismatch.submit')}</button>
</form>` : h`<p class="error" role="status">${t('mismatch.waiting')}</p>`}
<p><a href="/visits/${v.id}">${t('desk.visit', { visit: v.id })}</a></p>`;
}

function renderAck(c: Context<ConsoleEnv>, ctx: ConsoleContext, v: Visit, note = '', error: string | null = null, status: 200 | 422 = 200): Response {
  const t = c.get('t');
  return page(c, ctx, { title: t('mismatch.title', { visit: v.id }), body: ackBody(c, ctx, v, note, error), status });
}

/** The checkout and mismatch-acknowledgement routes. */
export function checkoutScreen(app: ConsoleApp, ctx: ConsoleContext): void {
  app.get(`/visits/${VISIT_ID}/checkout`, allowed('checkout'), (c) => {
    const found = visitOf(c, ctx);
    if ('response' in found) return found.response;
    if (mismatchPending(found.visit)) return c.redirect(`/visits/${found.visit.id}/mismatch-ack`, 303);
    return render(c, ctx, found.visit, { out: new Set(), rows: [], tap: c.req.query('tap') ?? '' });
  });

  // Whether a tapped card is the visit's badge (htmx, when the desk reader fills the tap field).
  app.get(`/visits/${VISIT_ID}/checkout/badge`, allowed('checkout'), (c) => {
    const found = visitOf(c, ctx);
    if ('response' in found) return found.response;
    return c.html(returnedPane(ctx, c.get('t'), found.visit, c.req.query('tap') ?? ''));
  });

  app.post(`/visits/${VISIT_ID}/checkout`, allowed('checkout'), async (c) => {
    const t = c.get('t');
    const officer = c.get('officer')!;
    const found = visitOf(c, ctx);
    if ('response' in found) return found.response;
    const v = found.visit;
    const f = await formOf(c);
    const out = new Set((await formList(c, 'out')).map(Number).filter((i) => Number.isInteger(i) && i >= 0 && i < v.devicesIn.length));
    const values: CheckoutValues = { out, rows: await rowsOf(c, 'out'), tap: (f.tap ?? '').trim() };
    const rows = rowAction(f._action, values.rows);
    if (rows) return render(c, ctx, v, { ...values, rows });
    if (f._action === 'tap:latest') {
      const latest = ctx.desk.peek('latest');
      if (!latest) return render(c, ctx, v, { ...values, tap: '' }, { tap: t('common.tapNone') }, null, null, 422);
      const check = returnedCheck(ctx, t, v, latest.token);
      return check?.ok ? render(c, ctx, v, { ...values, tap: latest.token }) : render(c, ctx, v, { ...values, tap: '' }, { tap: check?.text ?? '' }, null, null, 422);
    }
    const extra = devicesOf(values.rows);
    const errors: Record<string, string> = {};
    if (extra.incomplete) errors.out = t('rows.incomplete');
    const returned = returnedCheck(ctx, t, v, values.tap);
    if (returned && !returned.ok) { errors.tap = returned.text; values.tap = ''; }
    // SOP step 5: the special badge comes back in exchange for the KTP; a visit holding one is not checked out without it.
    const expected = badgeLabel(ctx, v);
    if (!returned && v.badgeUid !== null && expected !== null) errors.tap = t('checkout.badge.required', { badge: expected });
    if (Object.keys(errors).length) return render(c, ctx, v, values, errors, t('error.form'), null, 422);

    const devicesOut = [...v.devicesIn.filter((_, i) => out.has(i)), ...extra.devices];
    const m = deviceMismatch(v.devicesIn, devicesOut);
    const mismatched = m.notCarriedOut.length > 0 || m.notBroughtIn.length > 0;
    if (mismatched && f._confirm !== 'mismatch') return render(c, ctx, v, values, {}, null, mismatchBlock(t, v.devicesIn, devicesOut), 422);
    const taken = values.tap ? ctx.desk.take(values.tap) : null;
    try {
      const after = await ctx.ports.write('console.checkout', () => ctx.ports.desk.checkout(v.id, officer.id, devicesOut));
      if (mismatchPending(after)) return redirectWith(c, `/visits/${v.id}/mismatch-ack`, t('checkout.doneMismatch'));
      return redirectWith(c, `/visits/${v.id}`, t('checkout.done'));
    } catch (err) {
      if (!(err instanceof UserError)) ctx.log.error({ err: (err as Error).message, path: '/visits/:id/checkout' }, 'console checkout failed');
      const fresh = ctx.ports.queries.visit(v.id) ?? v;
      const again = taken ? ctx.desk.add(taken).token : '';
      return render(c, ctx, fresh, { ...values, tap: again }, {}, refusal(ctx, t, err), mismatched ? mismatchBlock(t, v.devicesIn, devicesOut) : null, 422);
    }
  });

  app.get(`/visits/${VISIT_ID}/mismatch-ack`, signedIn, (c) => {
    const found = visitOf(c, ctx);
    if ('response' in found) return found.response;
    return renderAck(c, ctx, found.visit);
  });

  app.post(`/visits/${VISIT_ID}/mismatch-ack`, allowed('acknowledge_mismatch'), async (c) => {
    const t = c.get('t');
    const officer = c.get('officer')!;
    const found = visitOf(c, ctx);
    if ('response' in found) return found.response;
    const v = found.visit;
    const note = (await formOf(c)).note ?? '';
    if (!note.trim()) return renderAck(c, ctx, v, note, t('mismatch.noteRequired'), 422);
    try {
      await ctx.ports.write('console.mismatch_ack', () => ctx.ports.desk.acknowledgeMismatch(v.id, officer.id, note.trim()));
      return redirectWith(c, `/visits/${v.id}`, t('mismatch.done'));
    } catch (err) {
      if (!(err instanceof UserError)) ctx.log.error({ err: (err as Error).message, path: '/visits/:id/mismatch-ack' }, 'console mismatch acknowledgement failed');
      return renderAck(c, ctx, ctx.ports.queries.visit(v.id) ?? v, note, refusal(ctx, t, err), 422);
    }
  });
}
