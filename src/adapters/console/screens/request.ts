/**
 * The request form (SOP step 1): the visitor's name, NIK (checked as typed: `POST /visits/nik` answers with the
 * reason, and nothing of the NIK reaches a log), institution, phone, purpose, planned duration, devices with serials
 * added row by row, the letter reference, the kind (visit or maintenance with the disposition of SOP 002), and
 * "Tempelkan KTP": the KTP tapped on the desk reader is linked through a one-time tap token. A refusal sends the form
 * back with every value typed (the tapped KTP too) and the reason next to its field: a typo never loses the form.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import { checkNik } from '../../../domain/nik.js';
import { UserError } from '../../../domain/errors.js';
import { isCalendarDate } from '../../../domain/time.js';
import type { VisitKind } from '../../../domain/types.js';
import type { ConsoleApp, ConsoleContext, ConsoleEnv } from '../context.js';
import type { MessageKey, Translate } from '../i18n/index.js';
import { page } from '../layout.js';
import { allowed, csrfField, refusal, formOf, h, redirectWith, type Html } from '../view.js';
import { describe, devicesOf, errorFor, fieldOf, formError, rowAction, rowsFieldset, rowsOf, type DeviceRow } from './desk-form.js';

/** What the officer typed (kept as typed, to send the form back whole). */
interface RequestValues {
  name: string; nik: string; org: string; phone: string; purpose: string; planned: string; letterRef: string;
  kind: VisitKind; orderedBy: string; reference: string; date: string;
  /** One-time token of the KTP tapped on the desk reader ('' for none). */
  tap: string;
  /** When the form was first served, bound to the session (`intakeStamp`): SOP step 1 is timed from it ('' for none). */
  started: string;
  rows: DeviceRow[];
}

/** The form's field for each input an app refusal can name (`UserError.field`). */
const FIELD_OF_INPUT: Record<string, string> = {
  name: 'name', nik: 'nik', org: 'org', phone: 'phone', purpose: 'purpose', letterRef: 'letterRef', plannedMinutes: 'planned',
  kind: 'kind', devices: 'dev', 'devices.description': 'dev', 'devices.serial': 'dev', disposition: 'orderedBy',
  'disposition.orderedBy': 'orderedBy', 'disposition.reference': 'reference', 'disposition.date': 'date', ktpUid: 'ktp',
};

const blank = (started: string): RequestValues => ({
  name: '', nik: '', org: '', phone: '', purpose: '', planned: '60', letterRef: '', kind: 'visit', orderedBy: '', reference: '', date: '', tap: '', started, rows: [],
});

const intakeMac = (csrf: string, at: number): string => createHmac('sha256', csrf).update(`intake:${at}`).digest('base64url').slice(0, 22);

/** The start of an intake as the form carries it: the time (ms) and a MAC under the session's CSRF token, so a typed time is ignored. */
export function intakeStamp(csrf: string, at: number): string {
  return `${Math.trunc(at)}.${intakeMac(csrf, Math.trunc(at))}`;
}

/** The time of a stamp made by `intakeStamp` for this session, or null (none, altered, or another session's). */
export function intakeTime(csrf: string, stamp: string): number | null {
  const m = /^(\d{1,15})\.([A-Za-z0-9_-]{22})$/.exec(stamp);
  if (!m) return null;
  const at = Number(m[1]);
  const want = Buffer.from(intakeMac(csrf, at));
  const got = Buffer.from(m[2]!);
  return want.length === got.length && timingSafeEqual(want, got) ? at : null;
}

/** Why a NIK is refused, in officers' words (never repeating its digits), or null when it passes. */
export function nikReason(t: Translate, input: string): string | null {
  const r = checkNik(input);
  if (r.ok) return null;
  const code = (r as { code?: string }).code;
  const params = (r as { params?: Record<string, number> }).params;
  if (code) {
    const key = `err.${code}` as MessageKey;
    const text = t(key, params ?? { length: input.replace(/[\s.]/g, '').length });
    if (text !== key) return text;
  }
  return t('error.refused', { message: r.error });
}

/** The NIK's line under its input: the hint, the progress while typing, the reason it is refused, or that it passes. */
export function nikLine(t: Translate, input: string, error?: string): Html {
  const digits = input.replace(/[\s.]/g, '');
  let text = t('request.nik.hint');
  let bad = false;
  if (error) { text = error; bad = true; } else if (digits.length > 0 && /^\d{1,15}$/.test(digits)) text = t('request.nik.typing', { count: digits.length });
  else if (digits.length > 0) {
    const reason = nikReason(t, input);
    if (reason) { text = reason; bad = true; } else text = t('request.nik.ok');
  }
  return h`<p id="nik-reason" class="${bad ? 'field-error' : 'muted'}" aria-live="polite">${text}</p>`;
}

function input(id: string, label: string, value: string, errors: Record<string, string>, attrs: Html = h``, hint?: { id: string; text: string }): Html {
  return h`<label for="${id}">${label}</label>
<input id="${id}" name="${id}" value="${value}"${attrs}${describe(errors, id, hint?.id)}>
${hint ? h`<p id="${hint.id}" class="muted">${hint.text}</p>` : ''}${errorFor(errors, id)}`;
}

/** The privacy notice (`privacy.notice`) the officer shows or reads to the visitor before the form is filled (UU PDP). */
function noticeCard(t: Translate, notice: string | undefined): Html {
  if (!notice) return h``;
  return h`<section class="card privacy-notice" aria-labelledby="privacy-notice-title">
<h2 id="privacy-notice-title">${t('request.notice.title')}</h2>
<p>${notice}</p>
<p class="muted">${t('request.notice.hint')}</p>
</section>`;
}

function requestForm(c: Context<ConsoleEnv>, t: Translate, v: RequestValues, errors: Record<string, string>, general: string | null, notice?: string): Html {
  return h`<p>${t('request.lead')}</p>
${noticeCard(t, notice)}
${formError(general)}
<form method="post" action="/visits/new" class="request-form" novalidate>
${csrfField(c)}
<input type="hidden" name="started" value="${v.started}">
<button type="submit" class="sr" tabindex="-1" aria-hidden="true">${t('request.submit')}</button>
<fieldset class="card"><legend>${t('request.visitor')}</legend>
${input('name', t('request.name'), v.name, errors, h` required maxlength="100" autocomplete="off"`)}
<label for="nik">${t('request.nik')}</label>
<input id="nik" name="nik" value="${v.nik}" required inputmode="numeric" maxlength="24" autocomplete="off" aria-describedby="nik-reason"${errors.nik ? h` aria-invalid="true"` : ''}
 hx-post="/visits/nik" hx-trigger="input changed delay:300ms, blur" hx-params="nik" hx-target="#nik-reason" hx-swap="outerHTML" hx-sync="this:replace">
${nikLine(t, v.nik, errors.nik)}
${input('org', t('request.org'), v.org, errors, h` required maxlength="200" autocomplete="off"`)}
${input('phone', t('request.phone'), v.phone, errors, h` type="tel" maxlength="32" autocomplete="off"`)}
</fieldset>
<fieldset class="card"><legend>${t('request.ktp.tap')}</legend>
<p>${t('request.ktp.lead')}</p>
<p id="ktp-status" class="tap-status" role="status" aria-live="polite">${v.tap ? t('request.ktp.read') : ''}</p>
${errorFor(errors, 'ktp')}
<input type="hidden" name="tap" value="${v.tap}" data-tap-field="ktp" data-status="ktp-status" data-label="${t('request.ktp.read')}" data-random="${t('desk.randomUid.ktp')}" data-unproven="${t('desk.unproven')}">
<button type="submit" name="_action" value="ktp:latest" formnovalidate>${t('common.tapUseLatest')}</button>
${v.tap ? h`<button type="submit" name="_action" value="ktp:clear" formnovalidate>${t('request.ktp.clear')}</button>` : ''}
</fieldset>
<fieldset class="card"><legend>${t('request.details')}</legend>
<label for="purpose">${t('request.purpose')}</label>
<textarea id="purpose" name="purpose" required maxlength="500"${describe(errors, 'purpose', 'purpose-privacy')}>${v.purpose}</textarea>
<p id="purpose-privacy" class="muted">${t('common.noPersonalData')}</p>
${errorFor(errors, 'purpose')}
${input('planned', t('request.planned'), v.planned, errors, h` type="number" min="1" max="1440" step="1" inputmode="numeric"`)}
${input('letterRef', t('request.letterRef'), v.letterRef, errors, h` maxlength="100" autocomplete="off"`)}
</fieldset>
${rowsFieldset(t, { prefix: 'dev', legend: t('request.devices'), hint: t('request.devices.hint'), rows: v.rows, ...(errors.dev ? { error: errors.dev } : {}) })}
<fieldset class="card"><legend>${t('request.kind')}</legend>
${(['visit', 'maintenance'] as const).map((k) => h`<label class="choice"><input type="radio" name="kind" value="${k}"${v.kind === k ? h` checked` : ''}> ${t(`request.kind.${k}`)}</label>`)}
${errorFor(errors, 'kind')}
<fieldset class="disposition"><legend>${t('request.disposition')}</legend>
${input('orderedBy', t('request.disposition.orderedBy'), v.orderedBy, errors, h` maxlength="100" autocomplete="off"`, { id: 'orderedBy-privacy', text: t('common.noPersonalData') })}
${input('reference', t('request.disposition.reference'), v.reference, errors, h` maxlength="100" autocomplete="off"`)}
${input('date', t('request.disposition.date'), v.date, errors, h` type="date"`)}
</fieldset>
</fieldset>
<button type="submit" class="primary">${t('request.submit')}</button>
</form>`;
}

function render(c: Context<ConsoleEnv>, ctx: ConsoleContext, v: RequestValues, errors: Record<string, string> = {}, general: string | null = null, status: 200 | 422 = 200): Response {
  const t = c.get('t');
  return page(c, ctx, { title: t('request.title'), active: '/visits/new', body: requestForm(c, t, v, errors, general, ctx.settings.privacyNotice), status });
}

/** The form's values from a request body. */
async function valuesOf(c: Context<ConsoleEnv>): Promise<{ v: RequestValues; action: string | undefined }> {
  const f = await formOf(c);
  const v: RequestValues = {
    name: f.name ?? '', nik: f.nik ?? '', org: f.org ?? '', phone: f.phone ?? '', purpose: f.purpose ?? '', planned: f.planned ?? '',
    letterRef: f.letterRef ?? '', kind: f.kind === 'maintenance' ? 'maintenance' : 'visit', orderedBy: f.orderedBy ?? '',
    reference: f.reference ?? '', date: f.date ?? '', tap: f.tap ?? '', started: f.started ?? '', rows: await rowsOf(c, 'dev'),
  };
  return { v, action: f._action };
}

/** The form's own checks, before the app's (which check again). */
function check(t: Translate, v: RequestValues): Record<string, string> {
  const errors: Record<string, string> = {};
  const need = t('err.text.required');
  if (!v.name.trim()) errors.name = need;
  if (!v.org.trim()) errors.org = need;
  if (!v.purpose.trim()) errors.purpose = need;
  const nik = v.nik.trim() ? nikReason(t, v.nik) : need;
  if (nik) errors.nik = nik;
  if (!/^\d{1,4}$/.test(v.planned.trim()) || Number(v.planned) < 1 || Number(v.planned) > 1440) errors.planned = t('request.planned.invalid');
  if (devicesOf(v.rows).incomplete) errors.dev = t('rows.incomplete');
  if (v.kind === 'maintenance') {
    if (!v.orderedBy.trim()) errors.orderedBy = need;
    if (!v.reference.trim()) errors.reference = need;
    if (!v.date.trim()) errors.date = need;
  }
  if (v.date.trim() && !isCalendarDate(v.date.trim())) errors.date = t('request.disposition.dateInvalid');
  return errors;
}

/** Why a tap cannot be the KTP (an officer's badge, a special badge, or gone), or null. */
function notKtp(ctx: ConsoleContext, t: Translate, token: string): string | null {
  const n = ctx.desk.peek(token);
  if (!n) return token === 'latest' ? t('common.tapNone') : t('request.ktp.expired');
  if (n.kind === 'random') return t('desk.randomUid.ktp');
  if (n.kind === 'unproven') return t('desk.unproven');
  if (n.kind === 'officer') return t('request.ktp.officer');
  if (n.kind === 'badge') return t('request.ktp.badge', { label: n.label ?? '' });
  return null;
}

/** The request form's routes. */
export function requestScreen(app: ConsoleApp, ctx: ConsoleContext): void {
  // The intake starts when the form is first served (SOP step 1 is timed from here to the request recorded).
  app.get('/visits/new', allowed('request'), (c) => render(c, ctx, blank(intakeStamp(c.get('csrf'), ctx.now()))));

  // The NIK's reason as typed (htmx). A POST, so the NIK is in no URL; the answer never repeats its digits.
  app.post('/visits/nik', allowed('request'), async (c) => {
    const f = await formOf(c);
    return c.html(nikLine(c.get('t'), f.nik ?? ''));
  });

  app.post('/visits/new', allowed('request'), async (c) => {
    const t = c.get('t');
    const officer = c.get('officer')!;
    const { v, action } = await valuesOf(c);
    const rows = rowAction(action, v.rows);
    if (rows) return render(c, ctx, { ...v, rows });
    if (action === 'ktp:clear') return render(c, ctx, { ...v, tap: '' });
    if (action === 'ktp:latest') {
      const why = notKtp(ctx, t, 'latest');
      if (why) return render(c, ctx, v, { ktp: why }, null, 422);
      return render(c, ctx, { ...v, tap: ctx.desk.peek('latest')!.token });
    }
    const errors = check(t, v);
    if (v.tap) {
      const why = notKtp(ctx, t, v.tap);
      if (why) { errors.ktp = why; v.tap = ''; }
    }
    if (Object.keys(errors).length) return render(c, ctx, v, errors, t('error.form'), 422);

    const taken = v.tap ? ctx.desk.take(v.tap) : null;
    // A refused request gives the KTP tap back (a new token), so the officer need not tap it again.
    const keepTap = (): void => { v.tap = taken ? ctx.desk.add(taken).token : ''; };
    if (taken) {
      const held = (() => { try { return ctx.ports.desk.visitByKtp(taken.uid); } catch { return null; } })();
      if (held && held.ktpHeld) { keepTap(); return render(c, ctx, v, { ktp: t('request.ktp.held', { visit: held.id }) }, t('error.form'), 422); }
    }
    const { devices } = devicesOf(v.rows);
    try {
      const visit = await ctx.ports.write('console.request', () => ctx.ports.desk.request({
        name: v.name.trim(), nik: v.nik, org: v.org.trim(), phone: v.phone.trim() || null, purpose: v.purpose.trim(),
        plannedMinutes: Number(v.planned), devices, letterRef: v.letterRef.trim() || null, ktpUid: taken?.uid ?? null, kind: v.kind,
        disposition: v.kind === 'maintenance' ? { orderedBy: v.orderedBy.trim(), reference: v.reference.trim(), date: v.date.trim() } : null,
        by: officer.id, startedAt: intakeTime(c.get('csrf'), v.started),
      }));
      // A visitor on the watchlist: the request stands, the alarm tells the head, and the officer is told here (issue 14).
      const listed = ctx.ports.queries.eventsOfVisit(visit.id).some((e) => e.type === 'alarm.watchlist_match');
      return redirectWith(c, `/visits/${visit.id}`, t(listed ? 'request.doneWatchlist' : 'request.done', { visit: visit.id }));
    } catch (err) {
      keepTap();
      const text = refusal(ctx, t, err);
      if (!(err instanceof UserError)) ctx.log.error({ err: (err as Error).message, path: '/visits/new' }, 'console request failed');
      const field = FIELD_OF_INPUT[fieldOf(err) ?? ''];
      return field ? render(c, ctx, v, { [field]: text }, t('error.form'), 422) : render(c, ctx, v, {}, text, 422);
    }
  });
}
