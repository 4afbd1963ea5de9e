/**
 * The dashboard's page shell and guards: the header with the navigation the user's role may use, the language switch
 * and sign-out, the live connection, the one-time notice and the time-zone note; `signedIn` and `allowed(action)` on
 * every route; `siteAllowed` for anything of one site (out of scope answers 404, as if it did not exist).
 */
import type { Context, MiddlewareHandler } from 'hono';
import { setCookie } from 'hono/cookie';
import { h, trusted, zoneLabel, type Html } from '../../adapters/console/view.js';
import type { DashboardContext, DashboardEnv } from './context.js';
import type { DashKey } from './i18n/index.js';
import { inScope, may, type DashboardAction } from './roles.js';

export { h, trusted, timeTag, when, zoneLabel, localPath, formOf, formList, type Html } from '../../adapters/console/view.js';

/** A page to render. */
export interface PageSpec {
  /** Title (also the `<h1>` unless `heading` is false). */
  title: string;
  /** The page's content. */
  body: Html;
  /** Navigation entry to mark as current (its path). */
  active?: string;
  /** HTTP status. */
  status?: 200 | 400 | 401 | 403 | 404 | 409 | 422 | 429;
  /** Show the title as `<h1>` (default true). */
  heading?: boolean;
  /** Extra scripts of this page (asset names, e.g. `chart.umd.min.js`). */
  scripts?: readonly string[];
  /** Extra class on `<body>`. */
  bodyClass?: string;
}

/** Navigation: path, label, and the action a role needs to see it. */
const NAV: ReadonlyArray<{ path: string; label: DashKey; action: DashboardAction }> = [
  { path: '/fleet', label: 'nav.fleet', action: 'fleet.view' },
  { path: '/alerts', label: 'nav.alerts', action: 'alerts.view' },
  { path: '/visits', label: 'nav.visits', action: 'visits.view' },
  { path: '/reports', label: 'nav.reports', action: 'reports.view' },
  { path: '/users', label: 'nav.users', action: 'users.manage' },
  { path: '/audit', label: 'nav.audit', action: 'audit.view' },
];

/** The first page a role may see (where `/` and sign-in lead). */
export function homeOf(role: Parameters<typeof may>[0]): string {
  return NAV.find((n) => may(role, n.action))?.path ?? '/visits';
}

/** Render a page for the signed-in user (or the sign-in page when no one is). */
export function page(c: Context<DashboardEnv>, ctx: DashboardContext, spec: PageSpec): Response {
  const t = c.get('t');
  const lang = c.get('lang');
  const user = c.get('user');
  const session = c.get('session');
  const flash = session?.flash ?? null;
  if (session) session.flash = null;
  const csrf = c.get('csrf');
  const items = user ? NAV.filter((n) => may(user.role, n.action)) : [];
  const doc = h`<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="csrf" content="${csrf}">
<meta name="title-base" content="${spec.title} — ${t('app.name')}">
<title>${spec.title} — ${t('app.name')}</title>
<link rel="stylesheet" href="/assets/app.css">
<link rel="stylesheet" href="/assets/dashboard.css">
<meta name="htmx-config" content='{"includeIndicatorStyles":false,"allowEval":false,"allowScriptTags":false}'>
<script src="/assets/htmx.min.js" defer></script>
<script src="/assets/sse.min.js" defer></script>
<script src="/assets/app.js" defer></script>
${(spec.scripts ?? []).map((s) => h`<script src="/assets/${s}" defer></script>`)}
</head>
<body class="${spec.bodyClass ?? ''}"${user ? h` hx-ext="sse" sse-connect="/live"` : ''}>
<a class="skip" href="#main">${t('nav.skip')}</a>
<header class="top">
<div class="brand"><strong>${t('app.name')}</strong></div>
${user ? h`<nav aria-label="${t('nav.menu')}"><ul>${items.map((n) => h`<li><a href="${n.path}"${n.path === spec.active ? trusted(' aria-current="page"') : ''}>${t(n.label)}</a></li>`)}</ul></nav>` : ''}
<div class="who">
${user ? h`<a class="officer" href="/account" title="${t('account.title')}">${user.name} · ${t(`role.${user.role}`)}${user.sites ? h` · ${user.sites.join(', ')}` : ''}</a>` : ''}
<form method="post" action="/lang" class="inline"><input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="lang" value="${lang === 'id' ? 'en' : 'id'}"><input type="hidden" name="next" value="${new URL(c.req.url).pathname}"><button type="submit" lang="${lang === 'id' ? 'en' : 'id'}">${t('lang.switch')}</button></form>
${user ? h`<form method="post" action="/signout" class="inline"><input type="hidden" name="_csrf" value="${csrf}"><button type="submit">${t('nav.signout')}</button></form>` : ''}
</div>
</header>
${user ? h`<p id="offline" class="offline" hidden role="status">${t('common.offline')}</p>` : ''}
<main id="main" tabindex="-1">
${flash ? h`<p class="notice" role="status">${flash}</p>` : ''}
${spec.heading === false ? '' : h`<h1>${spec.title}</h1>`}
${spec.body}
</main>
<footer><p>${t('time.zone', { zone: zoneLabel(ctx.settings.timeZone, ctx.now()) })}</p></footer>
</body>
</html>`;
  return c.html(doc, spec.status ?? 200);
}

/** A short error page (403/404/…) in the user's language. */
export function errorPage(c: Context<DashboardEnv>, ctx: DashboardContext, status: 400 | 403 | 404 | 409 | 422, message: string): Response {
  return page(c, ctx, { title: c.get('t')('error.title'), body: h`<p role="alert">${message}</p><p><a href="/">${c.get('t')('common.back')}</a></p>`, status });
}

/** Only signed-in users; a browser without a session is sent to the sign-in page. */
export const signedIn: MiddlewareHandler<DashboardEnv> = async (c, next) => {
  if (!c.get('user')) {
    if (c.req.header('hx-request')) return c.text(c.get('t')('error.signin'), 401);
    return c.redirect(`/signin?next=${encodeURIComponent(new URL(c.req.url).pathname)}`, 303);
  }
  await next();
};

/** Only users whose role may do `action` (checked on the server for every request). */
export function allowed(ctx: DashboardContext, action: DashboardAction): MiddlewareHandler<DashboardEnv> {
  return async (c, next) => {
    const u = c.get('user');
    if (!u) {
      if (c.req.header('hx-request')) return c.text(c.get('t')('error.signin'), 401);
      return c.redirect(`/signin?next=${encodeURIComponent(new URL(c.req.url).pathname)}`, 303);
    }
    if (!may(u.role, action)) return errorPage(c, ctx, 403, c.get('t')('error.forbidden', { role: c.get('t')(`role.${u.role}`) }));
    await next();
  };
}

/** May the signed-in user see this site? (Answer 404 when not: a site out of scope does not exist for them.) */
export function siteAllowed(c: Context<DashboardEnv>, site: string): boolean {
  return c.get('user') !== null && inScope(c.get('scope'), site);
}

/** A cookie of the dashboard: HttpOnly, SameSite=Strict, Secure under TLS. */
export function dashCookie(c: Context<DashboardEnv>, ctx: DashboardContext, name: string, value: string, maxAgeSeconds?: number): void {
  setCookie(c, name, value, { httpOnly: true, sameSite: 'Strict', secure: ctx.settings.secure, path: '/', ...(maxAgeSeconds !== undefined ? { maxAge: maxAgeSeconds } : {}) });
}

/** Redirect after a change, with a notice shown once on the next page (post/redirect/get). */
export function redirectWith(c: Context<DashboardEnv>, to: string, notice: string | null): Response {
  const s = c.get('session');
  if (s && notice) s.flash = notice;
  return c.redirect(to, 303);
}

/** The hidden CSRF field every form carries. */
export function csrfField(c: Context<DashboardEnv>): Html {
  return h`<input type="hidden" name="_csrf" value="${c.get('csrf')}">`;
}
