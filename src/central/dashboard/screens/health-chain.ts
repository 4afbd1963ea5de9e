/**
 * The SOP 002 monthly health report chain on the report page: each step (5 submit, 6 review, 7 approve) with who, when
 * and its time against the Mutu Baku standard (over-standard marked), the forms the user's role may use in the chain's
 * state, and the route that records a step (role and site scope checked on the server, separation of duties in
 * `HealthReports`, each step an audit entry).
 */
import type { Context } from 'hono';
import { audit } from '../../audit.js';
import { buildMonthlyReport } from '../../report.js';
import { HealthChainError, HealthReports, healthStepTimes, type HealthReport, type HealthSigner } from '../../health-reports.js';
import type { DashboardContext, DashboardEnv, DashboardApp } from '../context.js';
import type { DashKey, DashTranslate } from '../i18n/index.js';
import { may, type DashboardAction } from '../roles.js';
import { csrfField, errorPage, formOf, h, redirectWith, signedIn, siteAllowed, timeTag, type Html } from '../view.js';
import { duration } from './report-view.js';
import { monthEndOf, MONTH_RE } from './report-month.js';

/** The chain's section of the report page for one site and month. */
export function chainSection(c: Context<DashboardEnv>, ctx: DashboardContext, site: string, month: string, r: HealthReport | null): Html {
  const t = c.get('t');
  const user = c.get('user')!;
  const tz = ctx.settings.timeZone;
  const times = healthStepTimes(r, monthEndOf(month, tz));
  const signer: Record<5 | 6 | 7, HealthSigner | null> = { 5: r && r.state !== 'returned' ? r.submitted : null, 6: r?.state === 'returned' ? null : r?.reviewed ?? null, 7: r?.state === 'returned' ? null : r?.approved ?? null };
  const state = !r ? t('reports.chain.state.none') : r.state === 'returned' ? t('reports.chain.state.returned', { who: r.returned?.name ?? '', note: r.returned?.note ?? '' }) : t(`reports.chain.state.${r.state}` as DashKey);
  const form = (action: string, label: DashKey, extra: Html = h``): Html => h`<form method="post" action="/reports/health" class="chain-step">${csrfField(c)}
<input type="hidden" name="site" value="${site}"><input type="hidden" name="month" value="${month}"><input type="hidden" name="action" value="${action}">${extra}<button type="submit">${t(label)}</button></form>`;
  const returnForm = (stage: 'submitted' | 'reviewed'): Html => form('return', 'reports.chain.return', h`<input type="hidden" name="stage" value="${stage}">
<label for="return-note-${stage}">${t('reports.chain.returnNote')}</label><textarea id="return-note-${stage}" name="note" rows="2" maxlength="1000" required></textarea>`);
  const forms: Html[] = [];
  if ((!r || r.state === 'returned') && may(user.role, 'health.submit')) {
    forms.push(form('submit', 'reports.chain.submit', h`<label for="submit-note">${t('reports.chain.note')}</label><textarea id="submit-note" name="note" rows="2" maxlength="1000"></textarea>`));
  }
  if (r?.state === 'submitted' && may(user.role, 'health.review') && r.submitted.id !== user.id) { forms.push(form('review', 'reports.chain.review')); forms.push(returnForm('submitted')); }
  if (r?.state === 'reviewed' && may(user.role, 'health.approve') && r.reviewed?.id !== user.id && r.submitted.id !== user.id) { forms.push(form('approve', 'reports.chain.approve')); forms.push(returnForm('reviewed')); }
  return h`<section aria-labelledby="h-chain" id="chain"><h2 id="h-chain">${t('reports.chain')}</h2>
<p class="chain-state" data-state="${r?.state ?? 'none'}">${state}</p>
${r && r.returns > 0 ? h`<p>${t('reports.chain.returns', { n: r.returns })}</p>` : ''}
${r?.submitNote && r.state !== 'returned' ? h`<p>${t('reports.chain.submitNote', { note: r.submitNote })}</p>` : ''}
<table class="data chain"><thead><tr><th scope="col">${t('reports.step')}</th><th scope="col">${t('reports.chain.who')}</th><th scope="col">${t('reports.chain.when')}</th>
<th scope="col">${t('reports.chain.took')}</th><th scope="col">${t('reports.standard')}</th><th scope="col">${t('reports.chain.status')}</th></tr></thead>
<tbody>${times.map((s) => { const who = signer[s.step]; return h`<tr data-step="${s.step}"${s.over ? h` class="over"` : ''}><th scope="row">${t(`reports.chain.step.${s.step}` as DashKey)}</th>
<td>${who ? `${who.name} (${t(`role.${who.role}` as DashKey)})` : '-'}</td><td>${who ? timeTag(who.at, tz) : '-'}</td>
<td class="num">${s.seconds === null ? '-' : h`${duration(t, s.seconds)} <small>${t(`reports.chain.from.${s.step}` as DashKey)}</small>`}</td><td class="num">${duration(t, s.standardSeconds)}</td>
<td>${s.seconds === null ? t('reports.chain.pending') : s.over ? h`<strong class="over-mark">${t('reports.chain.overStd')}</strong>` : t('reports.chain.within')}</td></tr>`; })}</tbody></table>
${forms}</section>`;
}

/** The notice after a step. */
const DONE: Record<string, DashKey> = { submit: 'reports.chain.done.submit', review: 'reports.chain.done.review', approve: 'reports.chain.done.approve', return: 'reports.chain.done.return' };

/** Register the route recording a step of the chain. */
export function healthChainRoutes(app: DashboardApp, ctx: DashboardContext): void {
  const chains = new HealthReports(ctx.sql);
  app.post('/reports/health', signedIn, async (c) => {
    const t: DashTranslate = c.get('t');
    const user = c.get('user')!;
    const f = await formOf(c);
    const site = f.site ?? '';
    const month = f.month ?? '';
    if (!MONTH_RE.test(month)) return errorPage(c, ctx, 400, t('reports.badMonth', { month }));
    if (!site) return errorPage(c, ctx, 400, t('reports.chain.needSite'));
    const stage = f.stage === 'reviewed' ? 'reviewed' : 'submitted';
    const need: Record<string, DashboardAction> = { submit: 'health.submit', review: 'health.review', approve: 'health.approve', return: stage === 'reviewed' ? 'health.approve' : 'health.review' };
    const action = need[f.action ?? ''];
    if (!action) return errorPage(c, ctx, 400, t('error.notFound'));
    if (!may(user.role, action)) return errorPage(c, ctx, 403, t('error.forbidden', { role: t(`role.${user.role}` as DashKey) }));
    if (!siteAllowed(c, site)) return errorPage(c, ctx, 404, t('error.notFound'));
    const at = ctx.now();
    const monthEnd = monthEndOf(month, ctx.settings.timeZone);
    const by = { id: user.id, name: user.name, role: user.role };
    let r: HealthReport;
    try {
      if (f.action === 'submit') {
        const rep = await buildMonthlyReport(ctx.sql, { month, scope: c.get('scope'), site });
        const x = rep.totals;
        const content = { visitors: x.visitors, checklists: x.checklists, healthChecks: x.healthChecks, incidents: x.incidents, deviceMismatches: x.deviceMismatches, checklistsListed: rep.checklistList.length, complete: rep.complete };
        r = await chains.submit(site, month, by, at, monthEnd, content, f.note);
      } else if (f.action === 'review') r = await chains.review(site, month, by, at);
      else if (f.action === 'approve') r = await chains.approve(site, month, by, at);
      else r = await chains.returnToAnalyst(site, month, by, at, stage, f.note ?? '');
    } catch (err) {
      if (err instanceof HealthChainError) return errorPage(c, ctx, 409, t(`reports.chain.refused.${err.reason}` as DashKey));
      throw err;
    }
    const times = healthStepTimes(r, monthEnd);
    const step = f.action === 'submit' ? times[0]! : f.action === 'review' ? times[1]! : f.action === 'approve' ? times[2]! : null;
    await audit(ctx.sql, {
      actor: user.id, action: `health.${f.action === 'submit' ? 'submitted' : f.action === 'review' ? 'reviewed' : f.action === 'approve' ? 'approved' : 'returned'}`, site,
      detail: { month, step: step?.step ?? (stage === 'reviewed' ? 7 : 6), ...(step ? { seconds: step.seconds, standardSeconds: step.standardSeconds, overStandard: step.over } : {}), ...(f.action === 'return' || f.action === 'submit' ? { note: r.state === 'returned' ? r.returned?.note ?? null : r.submitNote } : {}) },
    }, at);
    return redirectWith(c, `/reports?month=${month}&site=${encodeURIComponent(site)}#chain`, t(DONE[f.action!]!, { site, month }));
  });
}
