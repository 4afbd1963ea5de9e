/**
 * The audit trail for the sub-section head and the head: every action of a central user and of the shell, newest
 * first, filtered by actor and action, limited in SQL to the viewer's sites (entries of no site, such as sign-ins, are
 * shown to every viewer), 100 a page with a link to older entries.
 */
import { auditEntries, type AuditRecord } from '../../audit.js';
import type { DashboardScreen } from '../context.js';
import { allowed, h, page, timeTag } from '../view.js';

/** Entries per page. */
const PAGE = 100;

/** An entry's facts as `key: value` text (values as JSON when not plain). */
function detailText(d: AuditRecord['detail']): string {
  return Object.entries(d).map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`).join('; ');
}

/** The audit screen's routes. */
export const auditScreen: DashboardScreen = (app, ctx) => {
  app.get('/audit', allowed(ctx, 'audit.view'), async (c) => {
    const t = c.get('t');
    const actor = (c.req.query('actor') ?? '').trim().slice(0, 64);
    const action = (c.req.query('action') ?? '').trim().slice(0, 64);
    const before = Number(c.req.query('before'));
    const list = await auditEntries(ctx.sql, { scope: c.get('scope'), ...(actor ? { actor } : {}), ...(action ? { action } : {}), limit: PAGE, ...(Number.isSafeInteger(before) && before > 0 ? { before } : {}) });
    const older = list.length === PAGE ? `/audit?${new URLSearchParams({ ...(actor ? { actor } : {}), ...(action ? { action } : {}), before: String(list.at(-1)!.id) }).toString()}` : null;
    return page(c, ctx, {
      title: t('audit.title'), active: '/audit',
      body: h`<form method="get" action="/audit" class="filters" role="search">
<label for="f-actor">${t('audit.actor')}<input id="f-actor" name="actor" maxlength="64" value="${actor}" placeholder="${t('audit.any')}"></label>
<label for="f-action">${t('audit.action')}<input id="f-action" name="action" maxlength="64" value="${action}" placeholder="${t('audit.any')}"></label>
<button type="submit">${t('common.filter')}</button>
</form>
${list.length === 0 ? h`<p>${t('common.none')}</p>` : h`<div class="table-wrap"><table class="stack" id="audit">
<thead><tr><th scope="col">${t('audit.at')}</th><th scope="col">${t('audit.actor')}</th><th scope="col">${t('audit.action')}</th><th scope="col">${t('audit.where')}</th><th scope="col">${t('audit.detail')}</th></tr></thead>
<tbody>${list.map((e) => h`<tr data-audit="${String(e.id)}">
<td data-label="${t('audit.at')}">${timeTag(e.at, ctx.settings.timeZone)}</td>
<td data-label="${t('audit.actor')}">${e.actor}</td>
<td data-label="${t('audit.action')}"><code>${e.action}</code></td>
<td data-label="${t('audit.where')}">${e.site ? `${e.site}${e.door ? ` / ${e.door}` : ''}` : '-'}</td>
<td data-label="${t('audit.detail')}">${detailText(e.detail)}</td>
</tr>`)}</tbody></table></div>`}
${older ? h`<p><a href="${older}">${t('audit.older')}</a></p>` : ''}`,
    });
  });
};
