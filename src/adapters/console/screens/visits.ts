/**
 * The visit list: search by the visitor's name, the institution, the local day of the request and the state; newest
 * first, in pages by visit id (keyset: "next page" carries the last id shown, so a page costs the same at any depth).
 * The NIK is shown masked. A plain GET form: a search is a link that can be kept or shared between officers.
 */
import { isCalendarDate } from '../../../domain/time.js';
import { VISIT_STATES, type VisitState } from '../../../domain/types.js';
import type { ConsoleApp, ConsoleContext } from '../context.js';
import type { MessageKey, Translate } from '../i18n/index.js';
import { page } from '../layout.js';
import { stateLabel } from '../visit-view.js';
import { fieldError, h, signedIn, timeTag, type Html } from '../view.js';
import { maskNik } from '../../../domain/nik.js';
import type { Visit } from '../../../domain/types.js';

/** Visits per page. */
export const PAGE_SIZE = 50;

/** Every state a visit can be searched by. */
const searchableStates = (): readonly string[] => VISIT_STATES;

/** The search as typed (strings, kept in the form). */
interface Search {
  name: string;
  org: string;
  day: string;
  state: string;
  before: string;
}

function searchForm(t: Translate, s: Search, errors: Record<string, string>): Html {
  return h`<form method="get" action="/visits" class="card search" role="search">
<fieldset><legend>${t('visits.searchLegend')}</legend>
<div class="grid">
<div><label for="q-name">${t('visits.name')}</label><input id="q-name" name="name" value="${s.name}" maxlength="100" autocomplete="off"></div>
<div><label for="q-org">${t('visits.org')}</label><input id="q-org" name="org" value="${s.org}" maxlength="200" autocomplete="off"></div>
<div><label for="q-day">${t('visits.day')}</label><input id="q-day" type="date" name="day" value="${s.day}"${errors.day ? h` aria-invalid="true" aria-describedby="err-day"` : ''}>${fieldError(t, errors, 'day')}</div>
<div><label for="q-state">${t('visits.state')}</label><select id="q-state" name="state">
<option value="">${t('visits.anyState')}</option>
${searchableStates().map((st) => h`<option value="${st}"${st === s.state ? h` selected` : ''}>${t(`state.${st}` as MessageKey)}</option>`)}
</select></div>
</div>
</fieldset>
<p class="actions"><button type="submit" class="primary">${t('visits.search')}</button> <a href="/visits">${t('visits.reset')}</a></p>
</form>`;
}

function resultTable(ctx: ConsoleContext, t: Translate, rows: readonly Visit[]): Html {
  if (rows.length === 0) return h`<p class="muted">${t('visits.none')}</p>`;
  const tz = ctx.settings.timeZone;
  return h`<div class="table-wrap" tabindex="0" role="region" aria-label="${t('visits.title')}"><table class="visits">
<caption class="sr">${t('visits.pageOf', { count: rows.length })}</caption>
<thead><tr><th scope="col">${t('visits.colId')}</th><th scope="col">${t('visits.colVisitor')}</th><th scope="col">${t('visit.org')}</th><th scope="col">${t('visits.colNik')}</th><th scope="col">${t('visits.state')}</th><th scope="col">${t('visits.colRequested')}</th></tr></thead>
<tbody>${rows.map((v) => h`<tr><td><a href="/visits/${v.id}">${v.id}</a></td><td>${v.visitor.name}</td><td>${v.visitor.org}</td><td class="nik">${maskNik(v.visitor.nik)}</td><td>${stateLabel(t, v.state)}</td><td>${timeTag(v.at.requested, tz)}</td></tr>`)}</tbody>
</table></div>`;
}

/** The visit list route. */
export function visitsScreen(app: ConsoleApp, ctx: ConsoleContext): void {
  app.get('/visits', signedIn, (c) => {
    const t = c.get('t');
    const q = c.req.query();
    const s: Search = {
      name: (q.name ?? '').trim().slice(0, 100), org: (q.org ?? '').trim().slice(0, 200), day: (q.day ?? '').trim(),
      state: searchableStates().includes(q.state ?? '') ? q.state! : '', before: /^V-\d{8}-\d+$/.test(q.before ?? '') ? q.before! : '',
    };
    const errors: Record<string, string> = {};
    if (s.day && !isCalendarDate(s.day)) errors.day = t('visits.dayInvalid');
    let rows: Visit[] = [];
    let more = false;
    if (!errors.day) {
      const found = ctx.ports.queries.searchVisits({
        ...(s.name ? { name: s.name } : {}), ...(s.org ? { org: s.org } : {}), ...(s.day ? { day: s.day } : {}),
        ...(s.state ? { state: s.state as VisitState } : {}), ...(s.before ? { before: s.before } : {}), limit: PAGE_SIZE + 1,
      });
      more = found.length > PAGE_SIZE;
      rows = found.slice(0, PAGE_SIZE);
    }
    const keep = (extra: Record<string, string>): string => {
      const p = new URLSearchParams();
      for (const k of ['name', 'org', 'day', 'state'] as const) if (s[k]) p.set(k, s[k]);
      for (const [k, v] of Object.entries(extra)) p.set(k, v);
      const text = p.toString();
      return text ? `/visits?${text}` : '/visits';
    };
    const last = rows[rows.length - 1];
    return page(c, ctx, {
      title: t('visits.title'), active: '/visits', status: errors.day ? 422 : 200,
      body: h`${searchForm(t, s, errors)}
${resultTable(ctx, t, rows)}
${s.before || more ? h`<nav class="pages" aria-label="${t('visits.title')}"><p class="actions">
${s.before ? h`<a class="button" href="${keep({})}">${t('visits.first')}</a>` : ''}
${more && last ? h`<a class="button" rel="next" href="${keep({ before: last.id })}">${t('visits.next')}</a>` : ''}
</p></nav>` : ''}`,
    });
  });
}
