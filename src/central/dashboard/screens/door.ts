/**
 * A door's page (`/fleet/<site>/<door>`): its facts (state, last contact, backlog, clock, version, readers, health), its
 * latest events (live: the feed's `door:<site>/<door>` topic re-fetches the fragments) and its hash chain: the stored
 * head, the chain and link alerts the receiver raised at ingest, and an on-demand check of the stored chain (POST,
 * time-bounded, written to the audit trail). A door of a site out of the user's scope answers 404 like an unknown one.
 * Event data is the door's own text: it is shown escaped.
 */
import type { Context } from 'hono';
import { audit } from '../../audit.js';
import { CHAIN_CHECK_ACTION, lastChainCheck, verifyStoredChain, type ChainCheck } from '../../chain-check.js';
import { CHAIN_ALERT_KINDS, backlogOf, doorChainAlerts, doorEvents, doorOpenAlerts, type DoorEventRow } from '../../fleet-queries.js';
import type { DoorRecord } from '../../store.js';
import type { DashboardContext, DashboardEnv, DashboardScreen } from '../context.js';
import type { DashTranslate } from '../i18n/index.js';
import { allowed, csrfField, errorPage, formOf, h, page, redirectWith, siteAllowed, timeTag, when, type Html } from '../view.js';
import { backlogCell, clockCell, doorPath, healthCell, readersCell, stateCell, versionCell } from './fleet-view.js';

/** Events on a door's page. */
export const DOOR_EVENTS = 50;
/** Longest a stored-chain check runs per request (ms); a bigger door is checked in steps. */
export const CHAIN_CHECK_BUDGET_MS = 5000;
/** Stored-chain checks running at once (each reads the database hard). */
const MAX_CHECKS = 2;
/** Longest data text shown per event (characters). */
const DATA_SHOWN = 240;

/** The door of a request, when the user may see it (else null: answer 404). */
async function doorOf(c: Context<DashboardEnv>, ctx: DashboardContext): Promise<DoorRecord | null> {
  const site = c.req.param('site') ?? '';
  const door = c.req.param('door') ?? '';
  if (!siteAllowed(c, site)) return null;
  return ctx.store.door(site, door);
}

function facts(t: DashTranslate, tz: string, d: DoorRecord, openAlerts: number): Html {
  return h`<dl class="facts">
<dt>${t('fleet.state')}</dt><dd>${stateCell(t, d.state)}</dd>
<dt>${t('fleet.col.contact')}</dt><dd>${timeTag(d.lastSeenAt, tz)}</dd>
<dt>${t('fleet.door.statusAt')}</dt><dd>${timeTag(d.statusAt, tz)}</dd>
<dt>${t('fleet.col.backlog')}</dt><dd>${backlogCell(t, backlogOf(d))}</dd>
<dt>${t('fleet.door.reportedSeq')}</dt><dd>${d.reportedLastSeq ?? '-'}</dd>
<dt>${t('fleet.door.storedSeq')}</dt><dd>${d.lastSeq}</dd>
<dt>${t('fleet.col.clock')}</dt><dd>${clockCell(t, d.clock)}</dd>
<dt>${t('fleet.col.version')}</dt><dd>${versionCell(d, false)}</dd>
<dt>${t('fleet.door.os')}</dt><dd>${d.os ?? '-'}</dd>
<dt>${t('fleet.col.readers')}</dt><dd>${readersCell(t, d.readers)}</dd>
<dt>${t('fleet.col.health')}</dt><dd>${healthCell(t, d.health)}</dd>
<dt>${t('fleet.door.enrolledAt')}</dt><dd>${timeTag(d.enrolledAt, tz)}</dd>
<dt>${t('fleet.col.alerts')}</dt><dd>${openAlerts > 0 ? h`<a class="over" href="/alerts?site=${encodeURIComponent(d.site)}&amp;door=${encodeURIComponent(d.door)}">${openAlerts}</a>` : '0'}</dd>
</dl>`;
}

function shortData(text: string): string {
  return text.length > DATA_SHOWN ? `${text.slice(0, DATA_SHOWN - 1)}…` : text;
}

function eventsTable(t: DashTranslate, tz: string, d: DoorRecord, events: readonly DoorEventRow[], before: number | undefined): Html {
  if (events.length === 0) return h`<p class="muted">${t('fleet.door.eventsNone')}</p>`;
  const last = events.at(-1)!;
  return h`<div class="table-wrap" tabindex="0" role="region" aria-label="${t('fleet.door.events')}"><table class="door-events">
<thead><tr><th scope="col">${t('fleet.door.ev.seq')}</th><th scope="col">${t('fleet.door.ev.type')}</th><th scope="col">${t('fleet.door.ev.at')}</th><th scope="col">${t('fleet.door.ev.received')}</th><th scope="col">${t('fleet.door.ev.data')}</th></tr></thead>
<tbody>${events.map((e) => h`<tr data-seq="${e.seq}"><td>${e.seq}</td><td>${e.type}</td><td>${Number.isFinite(Date.parse(e.at)) ? timeTag(e.at, tz) : e.at}</td><td>${timeTag(e.receivedAt, tz)}</td><td><code class="event-data">${shortData(e.data)}</code></td></tr>`)}</tbody>
</table></div>
<p class="actions">${before !== undefined ? h`<a href="${doorPath(d.site, d.door)}#events-h">${t('fleet.door.newest')}</a>` : ''}${last.seq > 1 ? h` <a href="${doorPath(d.site, d.door)}?before=${last.seq}#events-h">${t('fleet.door.older')}</a>` : ''}</p>`;
}

/** What a stored-chain check found, in the user's language. */
export function checkText(t: DashTranslate, c: ChainCheck): string {
  if (c.problem) {
    const why = t(`fleet.door.why.${c.problem.kind}`);
    return c.to >= c.from ? t('fleet.door.check.bad', { seq: c.problem.seq, why, from: c.from, to: c.to }) : t('fleet.door.check.badFirst', { seq: c.problem.seq, why });
  }
  if (!c.complete) return t('fleet.door.check.partial', { from: c.from, to: c.to, count: c.checked, head: c.headSeq });
  if (c.checked === 0 && c.headSeq === 0) return t('fleet.door.check.empty');
  return t('fleet.door.check.ok', { from: c.from, to: c.to, count: c.checked });
}

async function chainSection(c: Context<DashboardEnv>, ctx: DashboardContext, d: DoorRecord): Promise<Html> {
  const t = c.get('t');
  const tz = ctx.settings.timeZone;
  const [alerts, last] = await Promise.all([doorChainAlerts(ctx.sql, d.site, d.door), lastChainCheck(ctx.sql, d.site, d.door)]);
  const cont = last && !last.check.problem && !last.check.complete ? last.check.to + 1 : null;
  return h`<p class="muted">${t('fleet.door.chainLead')}</p>
<dl class="facts"><dt>${t('fleet.door.head')}</dt><dd class="chain-head">${d.lastSeq > 0 ? t('fleet.door.headValue', { seq: d.lastSeq, hash: d.lastHash.slice(0, 16) }) : t('fleet.door.headNone')}</dd>
<dt>${t('fleet.door.lastCheck')}</dt><dd class="chain-check">${last ? h`<span class="${last.check.problem ? 'over' : ''}">${checkText(t, last.check)}</span><br><small>${t('fleet.door.check.by', { at: when(last.at, tz), actor: last.actor, ms: Math.round(last.check.ms) })}</small>` : t('fleet.door.lastCheckNone')}</dd></dl>
<form method="post" action="${doorPath(d.site, d.door)}/verify" class="actions">${csrfField(c)}
<button type="submit" name="from" value="1">${t('fleet.door.verify')}</button>
${cont ? h`<button type="submit" name="from" value="${cont}">${t('fleet.door.verifyFrom', { seq: cont })}</button>` : ''}
<small class="muted">${t('fleet.door.verifyHelp', { seconds: CHAIN_CHECK_BUDGET_MS / 1000 })}</small></form>
<h3>${t('fleet.door.chainAlerts')}</h3>
${alerts.length === 0 ? h`<p class="muted">${t('fleet.door.chainAlertsNone')}</p>` : h`<div class="table-wrap" tabindex="0" role="region" aria-label="${t('fleet.door.chainAlerts')}"><table class="chain-alerts">
<thead><tr><th scope="col">${t('fleet.door.alert.kind')}</th><th scope="col">${t('fleet.door.alert.at')}</th><th scope="col">${t('fleet.door.alert.detail')}</th><th scope="col">${t('fleet.door.alert.status')}</th></tr></thead>
<tbody>${alerts.map((a) => h`<tr><td>${t(`fleet.door.kind.${a.kind as (typeof CHAIN_ALERT_KINDS)[number]}`)}</td><td>${timeTag(a.at, tz)}</td><td>${a.detail}</td><td>${a.ackedAt === null ? h`<span class="over">${t('fleet.door.alert.open')}</span>` : t('fleet.door.alert.acked', { at: when(a.ackedAt, tz) })}</td></tr>`)}</tbody></table></div>`}`;
}

/** Routes of a door's page, its live fragments and its stored-chain check. */
export const doorScreen: DashboardScreen = (app, ctx) => {
  const running = new Set<string>();
  const tz = ctx.settings.timeZone;
  const notFound = (c: Context<DashboardEnv>): Response => errorPage(c, ctx, 404, c.get('t')('error.notFound'));
  const beforeOf = (c: Context<DashboardEnv>): number | undefined => {
    const b = Number(c.req.query('before'));
    return Number.isSafeInteger(b) && b > 0 ? b : undefined;
  };

  app.get('/fleet/:site/:door', allowed(ctx, 'fleet.view'), async (c) => {
    const d = await doorOf(c, ctx);
    if (!d) return notFound(c);
    const t = c.get('t');
    const before = beforeOf(c);
    const [open, events, chain] = await Promise.all([doorOpenAlerts(ctx.sql, d.site, d.door), doorEvents(ctx.sql, d.site, d.door, { limit: DOOR_EVENTS, ...(before ? { before } : {}) }), chainSection(c, ctx, d)]);
    const path = doorPath(d.site, d.door);
    const topic = `sse:door:${d.site}/${d.door}`;
    return page(c, ctx, {
      title: t('fleet.door.title', { site: d.site, door: d.door }), active: '/fleet',
      body: h`<p><a href="/fleet">${t('fleet.door.back')}</a></p>
<section class="card" aria-labelledby="facts-h"><h2 id="facts-h">${t('fleet.door.facts')}</h2><div id="door-facts" hx-get="${path}/facts" hx-trigger="${topic}" hx-swap="innerHTML">${facts(t, tz, d, open)}</div></section>
<section class="card" aria-labelledby="chain-h" id="chain"><h2 id="chain-h">${t('fleet.door.chain')}</h2>${chain}</section>
<section class="card" aria-labelledby="events-h"><h2 id="events-h">${t('fleet.door.events')}</h2>
${before === undefined ? h`<p class="muted">${t('fleet.door.eventsLead')}</p><div id="door-events" hx-get="${path}/events" hx-trigger="${topic}" hx-swap="innerHTML">${eventsTable(t, tz, d, events, before)}</div>` : eventsTable(t, tz, d, events, before)}</section>`,
    });
  });

  app.get('/fleet/:site/:door/facts', allowed(ctx, 'fleet.view'), async (c) => {
    const d = await doorOf(c, ctx);
    if (!d) return notFound(c);
    return c.html(facts(c.get('t'), tz, d, await doorOpenAlerts(ctx.sql, d.site, d.door)));
  });

  app.get('/fleet/:site/:door/events', allowed(ctx, 'fleet.view'), async (c) => {
    const d = await doorOf(c, ctx);
    if (!d) return notFound(c);
    return c.html(eventsTable(c.get('t'), tz, d, await doorEvents(ctx.sql, d.site, d.door, { limit: DOOR_EVENTS }), undefined));
  });

  app.post('/fleet/:site/:door/verify', allowed(ctx, 'fleet.view'), async (c) => {
    const d = await doorOf(c, ctx);
    if (!d) return notFound(c);
    const t = c.get('t');
    const key = `${d.site}/${d.door}`;
    const back = `${doorPath(d.site, d.door)}#chain`;
    if (running.has(key) || running.size >= MAX_CHECKS) return redirectWith(c, back, t('fleet.door.verifyBusy'));
    const from = Number((await formOf(c)).from);
    running.add(key);
    let check: ChainCheck | null;
    try {
      check = await verifyStoredChain(ctx.sql, d.site, d.door, { from: Number.isSafeInteger(from) && from > 0 ? from : 1, budgetMs: CHAIN_CHECK_BUDGET_MS });
    } finally {
      running.delete(key);
    }
    if (!check) return notFound(c);
    const actor = c.get('user')!.id;
    await audit(ctx.sql, { actor, action: CHAIN_CHECK_ACTION, site: d.site, door: d.door, detail: { ...check } }, ctx.now());
    const log = { site: d.site, door: d.door, from: check.from, to: check.to, checked: check.checked, complete: check.complete, problem: check.problem, ms: check.ms };
    if (check.problem) ctx.log.warn(log, 'stored chain check found a problem'); else ctx.log.info(log, 'stored chain checked');
    return redirectWith(c, back, checkText(t, check));
  });
};
