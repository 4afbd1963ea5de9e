/**
 * The watchlist page of heads (issue 14 item 8): the entries in force (masked NIK, reason, until in the site's zone
 * with its offset, who added it, local or from the centre), a form to add one (the NIK checked as typed like the
 * request form's) and a remove button per entry. Every change runs on the daemon's write queue and is an event naming
 * the head (`watchlist.added` / `watchlist.removed`); a full NIK is never shown, not even back in a refused form.
 */
import type { Context } from 'hono';
import { UserError } from '../../../domain/errors.js';
import { watchlistUntil } from '../../../domain/watchlist.js';
import { TEXT_LIMITS } from '../../../domain/text.js';
import type { WatchlistEntry } from '../../../ports/watchlist.js';
import type { ConsoleApp, ConsoleContext, ConsoleEnv } from '../context.js';
import type { Translate } from '../i18n/index.js';
import { page } from '../layout.js';
import { allowed, csrfField, fieldError, formOf, h, redirectWith, refusal, timeTag, when, zoneLabel, type Html } from '../view.js';
import { nikLine, nikReason } from './request.js';

/** What was typed in the add form (the NIK is never sent back: it is typed again). */
interface Typed { reason: string; until: string }

/** The entries table. */
function entryTable(c: Context<ConsoleEnv>, ctx: ConsoleContext, t: Translate, list: readonly WatchlistEntry[]): Html {
  if (list.length === 0) return h`<p class="muted">${t('watchlist.none')}</p>`;
  const who = (id: string): string => ctx.ports.queries.officer(id)?.name ?? id;
  const row = (e: WatchlistEntry): Html => h`<tr><td>${String(e.id)}</td><td><code>${e.nikMasked}</code></td><td>${e.reason}</td>
<td>${timeTag(e.until, ctx.settings.timeZone)}</td><td>${who(e.addedBy)}</td><td>${t(e.source === 'central' ? 'watchlist.source.central' : 'watchlist.source.local')}</td>
<td><form method="post" action="/watchlist/${String(e.id)}/remove" class="inline">${csrfField(c)}<button type="submit" class="danger">${t('watchlist.remove')}<span class="sr"> ${String(e.id)}</span></button></form></td></tr>`;
  return h`<div class="table-wrap" tabindex="0"><table><caption class="sr">${t('watchlist.list')}</caption>
<thead><tr><th scope="col">${t('watchlist.entry')}</th><th scope="col">${t('watchlist.nik')}</th><th scope="col">${t('watchlist.reason')}</th><th scope="col">${t('watchlist.until')}</th><th scope="col">${t('watchlist.addedBy')}</th><th scope="col">${t('watchlist.source')}</th><th scope="col"><span class="sr">${t('watchlist.remove')}</span></th></tr></thead>
<tbody>${list.map(row)}</tbody></table></div>`;
}

/** The add form. */
function addForm(c: Context<ConsoleEnv>, ctx: ConsoleContext, t: Translate, v: Typed, errors: Record<string, string>): Html {
  const zone = zoneLabel(ctx.settings.timeZone, ctx.now());
  return h`<form method="post" action="/watchlist/new" class="card" novalidate>
${csrfField(c)}
<h2 id="h-add">${t('watchlist.add')}</h2>
${errors.form ? h`<p class="error" role="alert">${errors.form}</p>` : ''}
<label for="nik">${t('watchlist.nik')}</label>
<p class="muted" id="nik-hint">${t('watchlist.nikHint')}</p>
<input id="nik" name="nik" value="" required inputmode="numeric" maxlength="24" autocomplete="off" aria-describedby="nik-hint nik-reason"${errors.nik ? h` aria-invalid="true"` : ''}
 hx-post="/watchlist/nik" hx-trigger="input changed delay:300ms, blur" hx-params="nik" hx-target="#nik-reason" hx-swap="outerHTML" hx-sync="this:replace">
${nikLine(t, '', errors.nik)}
<label for="reason">${t('watchlist.reason')}</label>
<p class="muted" id="reason-hint">${t('watchlist.reasonHint')}</p>
<input id="reason" name="reason" value="${v.reason}" required maxlength="${TEXT_LIMITS.reason}" autocomplete="off" aria-describedby="reason-hint${errors.reason ? ' err-reason' : ''}"${errors.reason ? h` aria-invalid="true"` : ''}>
${fieldError(t, errors, 'reason')}
<label for="until">${t('watchlist.until')}</label>
<p class="muted" id="until-hint">${t('watchlist.untilHint', { zone })}</p>
<input id="until" name="until" type="date" value="${v.until}" required aria-describedby="until-hint${errors.until ? ' err-until' : ''}"${errors.until ? h` aria-invalid="true"` : ''}>
${fieldError(t, errors, 'until')}
<p><button type="submit" class="primary">${t('watchlist.add')}</button></p>
</form>`;
}

/** The watchlist page (with the add form, as typed and with its errors after a refusal). */
function watchlistPage(c: Context<ConsoleEnv>, ctx: ConsoleContext, v: Typed = { reason: '', until: '' }, errors: Record<string, string> = {}): Response {
  const t = c.get('t');
  const failed = Object.keys(errors).length > 0;
  const body = h`<p>${t('watchlist.lead')}</p>
<section aria-labelledby="h-list"><h2 id="h-list">${t('watchlist.list')}</h2>
${entryTable(c, ctx, t, ctx.ports.watchlist.list())}</section>
${addForm(c, ctx, t, v, errors)}`;
  return page(c, ctx, { title: t('watchlist.title'), body, active: '/watchlist', ...(failed ? { status: 422 as const } : {}) });
}

/** The watchlist's routes (a head's). */
export function watchlistScreen(app: ConsoleApp, ctx: ConsoleContext): void {
  const head = allowed('watchlist');

  app.get('/watchlist', head, (c) => watchlistPage(c, ctx));

  app.post('/watchlist/nik', head, async (c) => c.html(nikLine(c.get('t'), (await formOf(c)).nik ?? '')));

  app.post('/watchlist/new', head, async (c) => {
    const t = c.get('t');
    const f = await formOf(c);
    const typed: Typed = { reason: (f.reason ?? '').trim(), until: (f.until ?? '').trim() };
    const errors: Record<string, string> = {};
    const nik = (f.nik ?? '').trim();
    const bad = nik ? nikReason(t, nik) : t('request.nik.hint');
    if (bad) errors.nik = bad;
    if (!typed.reason) errors.reason = t('watchlist.reasonMissing');
    let until = 0;
    if (!typed.until) errors.until = t('watchlist.untilMissing');
    else {
      try { until = watchlistUntil(typed.until, 'until', ctx.settings.timeZone); } catch (err) { errors.until = refusal(ctx, t, err); }
    }
    if (Object.keys(errors).length > 0) return watchlistPage(c, ctx, typed, { form: t('error.form'), ...errors });
    try {
      const by = c.get('officer')!.id;
      const e = await ctx.ports.write('console.watchlist_add', () => ctx.ports.watchlist.add({ nik, reason: typed.reason, until, by }));
      return redirectWith(c, '/watchlist', t('watchlist.added', { entry: e.id, nik: e.nikMasked, until: when(e.until, ctx.settings.timeZone) }));
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      const field = err.field === 'nik' || err.field === 'reason' || err.field === 'until' ? err.field : 'form';
      return watchlistPage(c, ctx, typed, { form: t('error.form'), [field]: refusal(ctx, t, err) });
    }
  });

  app.post('/watchlist/:id{[0-9]{1,9}}/remove', head, async (c) => {
    const t = c.get('t');
    const id = Number.parseInt(c.req.param('id'), 10);
    if (!ctx.ports.watchlist.list({ all: true }).some((e) => e.id === id)) return watchlistPage(c, ctx, undefined, { form: t('watchlist.unknown') });
    try {
      const by = c.get('officer')!.id;
      const e = await ctx.ports.write('console.watchlist_remove', () => ctx.ports.watchlist.remove(id, by));
      return redirectWith(c, '/watchlist', t('watchlist.removed', { entry: e.id, nik: e.nikMasked }));
    } catch (err) {
      return watchlistPage(c, ctx, undefined, { form: refusal(ctx, t, err) });
    }
  });
}

