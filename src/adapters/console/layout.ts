/**
 * The page shell every screen renders into: header with the site and door, the navigation the officer's role may use,
 * the language switch and sign-out, the alarm banner (live, with sound), the one-time notice, and the time-zone note.
 */
import type { Context } from 'hono';
import type { Officer } from '../../domain/types.js';
import type { ConsoleContext, ConsoleEnv } from './context.js';
import { may } from './context.js';
import type { MessageKey, Translate } from './i18n/index.js';
import { alarmBanner } from './alarm-banner.js';
import { h, trusted, zoneLabel, type Html } from './view.js';

/** A page to render. */
export interface PageSpec {
  /** Title (also the `<h1>` unless `heading` is false). */
  title: string;
  /** The page's content. */
  body: Html;
  /** Navigation entry to mark as current (its path). */
  active?: string;
  /** HTTP status (422 for a form sent back with errors). */
  status?: 200 | 401 | 403 | 404 | 409 | 422 | 429;
  /** Show the title as `<h1>` (default true). */
  heading?: boolean;
  /** Connect to the live stream (default: when signed in). */
  live?: boolean;
  /** Extra class on `<body>` (e.g. `print-list`). */
  bodyClass?: string;
}

/** Navigation: path, label, and the action a role needs to see it. */
const NAV: ReadonlyArray<{ path: string; label: MessageKey; action: string | null; shown?: (ctx: ConsoleContext) => boolean }> = [
  { path: '/door', label: 'nav.door', action: null },
  { path: '/visits/new', label: 'nav.request', action: 'request' },
  { path: '/queue', label: 'nav.queue', action: null },
  { path: '/visits', label: 'nav.visits', action: null },
  { path: '/muster', label: 'nav.muster', action: null },
  { path: '/daily', label: 'nav.daily', action: null },
  { path: '/incidents', label: 'nav.incidents', action: 'incident' },
  { path: '/officers', label: 'nav.officers', action: 'manage' },
  { path: '/watchlist', label: 'nav.watchlist', action: 'watchlist' },
  { path: '/badges/secure', label: 'nav.secureBadges', action: 'secure_badges', shown: (ctx) => ctx.ports.secureBadges !== undefined },
  { path: '/account', label: 'nav.account', action: null },
];

function nav(ctx: ConsoleContext, t: Translate, officer: Officer, active: string | undefined, pending: number): Html {
  const items = NAV.filter((n) => (n.action === null || may(officer.role, n.action)) && (n.shown?.(ctx) ?? true));
  return h`<nav aria-label="${t('nav.menu')}"><ul>${items.map((n) => h`<li><a href="${n.path}"${n.path === active ? trusted(' aria-current="page"') : ''}>${t(n.label)}${n.path === '/queue' ? h` <span class="count" id="pending-count" sse-swap="pending-count" data-pending-count="${pending}">${pending ? String(pending) : ''}</span>` : ''}</a></li>`)}</ul></nav>`;
}

/** Render a page for the signed-in officer (or the sign-in page when no one is). */
export function page(c: Context<ConsoleEnv>, ctx: ConsoleContext, spec: PageSpec): Response {
  const t = c.get('t');
  const lang = c.get('lang');
  const officer = c.get('officer');
  const session = c.get('session');
  const flash = session?.flash ?? null;
  if (session) session.flash = null;
  const now = ctx.now();
  const pending = officer ? ctx.ports.queries.pending().length : 0;
  const live = spec.live ?? officer !== null;
  const title = `${pending && officer && (may(officer.role, 'approve') || may(officer.role, 'check')) ? `(${pending}) ` : ''}${spec.title} — Pintu`;
  const csrf = c.get('csrf');
  const doc = h`<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="csrf" content="${csrf}">
<meta name="title-base" content="${spec.title} — Pintu">
<title>${title}</title>
<link rel="stylesheet" href="/assets/app.css">
<meta name="htmx-config" content='{"includeIndicatorStyles":false,"allowEval":false,"allowScriptTags":false}'>
<script src="/assets/htmx.min.js" defer></script>
<script src="/assets/sse.min.js" defer></script>
<script src="/assets/app.js" defer></script>
</head>
<body class="${spec.bodyClass ?? ''}"${live ? h` hx-ext="sse" sse-connect="/live"` : ''} data-sound-on="${t('alarm.sound.on')}" data-sound-off="${t('alarm.sound.off')}">
<a class="skip" href="#main">${t('nav.skip')}</a>
<header class="top">
<div class="brand"><strong>${t('app.name')}</strong> <span>${t('app.site', { door: ctx.settings.door, site: ctx.settings.site })}</span></div>
${officer ? nav(ctx, t, officer, spec.active, pending) : ''}
<div class="who">
${officer ? h`<span class="officer">${officer.name} · ${t(`role.${officer.role}` as MessageKey)}</span>` : ''}
<form method="post" action="/lang" class="inline"><input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="lang" value="${lang === 'id' ? 'en' : 'id'}"><input type="hidden" name="next" value="${new URL(c.req.url).pathname}"><button type="submit" lang="${lang === 'id' ? 'en' : 'id'}">${t('lang.switch')}</button></form>
${officer ? h`<form method="post" action="/signout" class="inline"><input type="hidden" name="_csrf" value="${csrf}"><button type="submit">${t('nav.signout')}</button></form>` : ''}
</div>
</header>
${officer ? h`<section id="alarms" class="alarms" sse-swap="alarms" aria-live="assertive">${alarmBanner(ctx, t, officer.role, csrf)}</section>
<p id="offline" class="offline" hidden role="status">${t('common.offline')}</p>
<div hidden sse-swap="desk"></div>` : ''}
<main id="main" tabindex="-1">
${flash ? h`<p class="notice" role="status">${flash}</p>` : ''}
${spec.heading === false ? '' : h`<h1>${spec.title}</h1>`}
${spec.body}
</main>
<footer><p>${t('time.zone', { zone: zoneLabel(ctx.settings.timeZone, now) })}</p></footer>
</body>
</html>`;
  return c.html(doc, spec.status ?? 200);
}
