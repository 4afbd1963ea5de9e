/**
 * The incident book of SOP 004 ("apabila terjadi permasalahan akibat kunjungan tersebut dicatat di buku tersendiri"):
 * any officer writes an entry, optionally about a visit (the author is the signed-in officer, never typed); the latest
 * entries are listed; and the book prints on A4 by month, oldest first, with the signatures. Entries are never edited.
 */
import type { Context } from 'hono';
import { localDate } from '../../../domain/time.js';
import { TEXT_LIMITS } from '../../../domain/text.js';
import type { Incident } from '../../../ports/store.js';
import type { ConsoleApp, ConsoleContext, ConsoleEnv } from '../context.js';
import type { Translate } from '../i18n/index.js';
import { page } from '../layout.js';
import { allowed, csrfField, fieldError, formOf, h, redirectWith, refusal, signedIn, timeTag, when, type Html } from '../view.js';

/** Entries listed on the page. */
const LISTED = 100;
/** Entries read for the printed book (filtered by month). */
const PRINTED = 5000;
/** A visit id as typed. */
const VISIT_ID = /^V-[0-9]{8}-[0-9]+$/;

/** One officer's name (their id when unknown). */
function officerName(ctx: ConsoleContext, id: string): string {
  return ctx.ports.queries.officer(id)?.name ?? id;
}

/** The entries as a table. */
function incidentTable(ctx: ConsoleContext, t: Translate, list: readonly Incident[]): Html {
  const tz = ctx.settings.timeZone;
  if (list.length === 0) return h`<p class="muted">${t('incidents.none')}</p>`;
  return h`<div class="table-wrap" tabindex="0"><table class="incidents"><thead><tr><th scope="col">${t('incidents.no')}</th><th scope="col">${t('incidents.at')}</th><th scope="col">${t('incidents.officer')}</th><th scope="col">${t('visit.id')}</th><th scope="col">${t('incidents.note')}</th></tr></thead>
<tbody>${list.map((i) => h`<tr id="incident-${i.id}"><td>${i.id}</td><td>${timeTag(i.at, tz)}</td><td>${officerName(ctx, i.officerId)}</td><td>${i.visitId ? h`<a href="/visits/${i.visitId}">${i.visitId}</a>` : '-'}</td><td class="note">${i.note}</td></tr>`)}</tbody></table></div>`;
}

/** The book's page: the form (with what was typed and its errors) and the latest entries. */
function bookPage(c: Context<ConsoleEnv>, ctx: ConsoleContext, v: { note?: string; visit?: string }, errors: Record<string, string> = {}): Response {
  const t = c.get('t');
  const invalid = (f: string): Html => (errors[f] ? h` aria-invalid="true"` : h``);
  const body = h`<p>${t('incidents.lead')}</p>
<section class="card" aria-labelledby="h-write"><h2 id="h-write">${t('incidents.write')}</h2>
${errors.form ? h`<p class="error" role="alert">${errors.form}</p>` : ''}
<form method="post" action="/incidents">${csrfField(c)}
<label for="note">${t('incidents.note')}</label>
<p class="muted" id="note-hint">${t('incidents.noteHint')}</p>
<textarea id="note" name="note" rows="5" required maxlength="${TEXT_LIMITS.note}" aria-describedby="note-hint${errors.note ? ' err-note' : ''}"${invalid('note')}>${v.note ?? ''}</textarea>
${fieldError(t, errors, 'note')}
<label for="visit">${t('incidents.visit')} <span class="muted">(${t('common.optional')})</span></label>
<p class="muted" id="visit-hint">${t('incidents.visitHint')}</p>
<input id="visit" name="visit" value="${v.visit ?? ''}" autocomplete="off" spellcheck="false" maxlength="24" aria-describedby="visit-hint${errors.visit ? ' err-visit' : ''}"${invalid('visit')}>
${fieldError(t, errors, 'visit')}
<p><button type="submit" class="primary">${t('incidents.submit')}</button></p>
</form></section>
<section aria-labelledby="h-list"><h2 id="h-list">${t('incidents.list')}</h2>
<p><a class="button" href="/incidents/print">${t('incidents.print')}</a></p>
${incidentTable(ctx, t, ctx.ports.queries.incidents(LISTED))}</section>`;
  return page(c, ctx, { title: t('incidents.title'), body, active: '/incidents', ...(Object.keys(errors).length ? { status: 422 as const } : {}) });
}

/** The printable book of one month (`YYYY-MM` in the site's zone), or of every entry; oldest first. */
function printPage(c: Context<ConsoleEnv>, ctx: ConsoleContext, month: string | null): Response {
  const t = c.get('t');
  const tz = ctx.settings.timeZone;
  const all = ctx.ports.queries.incidents(PRINTED);
  const monthOf = (at: number): string => { const d = localDate(at, tz); return `${d.slice(0, 4)}-${d.slice(4, 6)}`; };
  const list = (month ? all.filter((i) => monthOf(i.at) === month) : all).slice().reverse();
  const months = [...new Set(all.map((i) => monthOf(i.at)))];
  const body = h`<form method="get" action="/incidents/print" class="no-print inline">
<label for="month">${t('incidents.printMonth')}</label>
<select id="month" name="month"><option value="">${t('incidents.printAll')}</option>${months.map((m) => h`<option value="${m}"${m === month ? h` selected` : ''}>${m}</option>`)}</select>
<button type="submit">${t('incidents.printShow')}</button></form>
<p class="muted">${month ? h`${t('incidents.printMonth')} ${month} · ` : ''}${t('incidents.printed', { at: when(ctx.now(), tz) })}</p>
${incidentTable(ctx, t, list)}
<div class="signature"><div>${t('incidents.signCoordinator')}</div><div>${t('incidents.signHead')}</div></div>
<p class="no-print"><a href="/incidents">${t('common.back')}</a></p>`;
  return page(c, ctx, { title: t('incidents.printTitle', { site: ctx.settings.site }), body, active: '/incidents', bodyClass: 'print-list', live: false });
}

/** The incident book's routes (any signed-in officer whose role may write incidents). */
export function incidentsScreen(app: ConsoleApp, ctx: ConsoleContext): void {
  app.get('/incidents', signedIn, (c) => {
    const visit = (c.req.query('visit') ?? '').trim();
    return bookPage(c, ctx, { visit: VISIT_ID.test(visit) ? visit : '' });
  });

  app.get('/incidents/print', signedIn, (c) => {
    const month = c.req.query('month') ?? '';
    return printPage(c, ctx, /^[0-9]{4}-[0-9]{2}$/.test(month) ? month : null);
  });

  app.post('/incidents', allowed('incident'), async (c) => {
    const t = c.get('t');
    const f = await formOf(c);
    // The book keeps one line per entry: line breaks typed in the box become spaces (the app refuses control characters).
    const note = (f.note ?? '').replace(/\s*[\r\n]+\s*/g, ' ').trim();
    const visit = (f.visit ?? '').trim().toUpperCase();
    const typed = { note: f.note ?? '', visit: f.visit ?? '' };
    const errors: Record<string, string> = {};
    if (!note) errors.note = t('incidents.noteMissing');
    else if ([...note].length > TEXT_LIMITS.note) errors.note = t('incidents.noteLong', { max: TEXT_LIMITS.note });
    if (visit && (!VISIT_ID.test(visit) || !ctx.ports.queries.visit(visit))) errors.visit = t('incidents.visitUnknown', { visit });
    if (Object.keys(errors).length) return bookPage(c, ctx, typed, { form: t('error.form'), ...errors });
    try {
      const by = c.get('officer')!.id;
      const id = await ctx.ports.write('console.incident', () => ctx.ports.desk.incident(by, note, visit || undefined));
      return redirectWith(c, '/incidents', t('incidents.written', { id }));
    } catch (err) {
      return bookPage(c, ctx, typed, { form: refusal(ctx, t, err) });
    }
  });
}
