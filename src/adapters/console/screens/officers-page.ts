/**
 * The officers page of a head: the officers (each with a link to manage them) and the special badge pool (with
 * retire and found buttons), optionally with a refusal at the top.
 */
import type { Context } from 'hono';
import type { Officer, Role, VisitorBadge } from '../../../domain/types.js';
import type { ConsoleContext, ConsoleEnv } from '../context.js';
import { may } from '../context.js';
import type { MessageKey, Translate } from '../i18n/index.js';
import { page } from '../layout.js';
import { csrfField, h, type Html } from '../view.js';

/** A role as its label. */
export const roleText = (t: Translate, r: Role): string => t(`role.${r}` as MessageKey);

/** The officers table. */
function officerTable(t: Translate, list: readonly Officer[], self: string): Html {
  return h`<div class="table-wrap" tabindex="0"><table><caption class="sr">${t('officers.list')}</caption>
<thead><tr><th scope="col">${t('officers.id')}</th><th scope="col">${t('officers.name')}</th><th scope="col">${t('officers.role')}</th><th scope="col">${t('officers.badge')}</th><th scope="col">${t('officers.status')}</th><th scope="col"><span class="sr">${t('officers.manage')}</span></th></tr></thead>
<tbody>${list.map((o) => h`<tr${o.active ? '' : h` class="muted"`}><td>${o.id}</td><td>${o.name} ${o.id === self ? t('officers.you') : ''}</td><td>${roleText(t, o.role)}</td><td><code>${o.badgeUid}</code></td><td>${o.active ? t('officers.active') : t('officers.inactive')}</td><td><a href="/officers/${o.id}">${t('officers.manage')}<span class="sr"> ${o.id}</span></a></td></tr>`)}</tbody></table></div>`;
}

/** The officers and badges page (optionally with a refusal at the top). */
export function officersPage(c: Context<ConsoleEnv>, ctx: ConsoleContext, error: string | null = null): Response {
  const t = c.get('t');
  const me = c.get('officer')!;
  const body = h`${error ? h`<p class="error" role="alert">${error}</p>` : ''}
<section aria-labelledby="h-officers"><h2 id="h-officers">${t('officers.list')}</h2>
<p><a class="button primary" href="/officers/new">${t('officers.add')}</a></p>
${officerTable(t, ctx.ports.queries.officers(), me.id)}</section>
${badgePool(c, ctx)}`;
  return page(c, ctx, { title: t('officers.title'), body, active: '/officers', ...(error ? { status: 422 as const } : {}) });
}

/** The pool's section of the officers page. */
export function badgePool(c: Context<ConsoleEnv>, ctx: ConsoleContext): Html {
  const t = c.get('t');
  const role = c.get('officer')!.role;
  const badges = ctx.ports.queries.badges();
  const row = (b: VisitorBadge): Html => h`<tr><td>${b.label}</td><td><code>${b.uid}</code></td>
<td><span class="badge-state badge-${b.status}">${t(`badges.status.${b.status}` as MessageKey)}</span></td>
<td>${b.visitId && (b.status === 'issued' || b.status === 'lost') ? h`<a href="/visits/${b.visitId}">${b.visitId}</a>` : ''}</td>
<td>${b.status === 'lost' && may(role, 'badge_found') ? h`<form method="post" action="/officers/badges/${b.uid}/found" class="inline">${csrfField(c)}<button type="submit" class="primary">${t('badges.found')}<span class="sr"> ${b.label}</span></button></form> ` : ''}${b.status === 'available' || b.status === 'lost' ? h`<form method="post" action="/officers/badges/${b.uid}/retire" class="inline">${csrfField(c)}<button type="submit">${t('badges.retire')}<span class="sr"> ${b.label}</span></button></form>` : ''}</td></tr>`;
  return h`<section aria-labelledby="h-badges"><h2 id="h-badges">${t('badges.title')}</h2>
<p><a class="button primary" href="/officers/badges/new">${t('badges.add')}</a></p>
${badges.length === 0 ? h`<p class="muted">${t('badges.none')}</p>` : h`<div class="table-wrap" tabindex="0"><table><caption class="sr">${t('badges.title')}</caption>
<thead><tr><th scope="col">${t('badges.label')}</th><th scope="col">${t('badges.uid')}</th><th scope="col">${t('badges.status')}</th><th scope="col">${t('badges.visit')}</th><th scope="col"><span class="sr">${t('officers.manage')}</span></th></tr></thead>
<tbody>${badges.map(row)}</tbody></table></div>`}</section>`;
}

