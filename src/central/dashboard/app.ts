/**
 * The dashboard's HTTP application (hono), the same shape as the officers' console: security headers, the
 * per-request context (session, user read fresh, site scope, language, CSRF token), CSRF and cross-site checks on
 * every change, static assets, the live stream (topics only; pages re-fetch under their own session), the language
 * switch, and every screen group's routes.
 */
import { Hono } from 'hono';
import { getCookie } from 'hono/cookie';
import { streamSSE } from 'hono/streaming';
import { bodyLimit } from 'hono/body-limit';
import type { Asset } from '../../adapters/console/assets.js';
import { assetRoute, CSP, loopbackNamesOnly, sameOrigin } from '../../adapters/console/web-guards.js';
import { SESSION_COOKIE, randomToken } from '../../adapters/console/session.js';
import type { DashboardContext, DashboardEnv, DashboardScreen } from './context.js';
import { LANGS, type Lang } from './i18n/index.js';
import { inScope } from './roles.js';
import { dashCookie, formOf, h, homeOf, localPath, page, signedIn } from './view.js';
import type { FeedNotice } from './feed.js';

/** Cookie of the pre-session CSRF token (the sign-in form). */
const PRE_COOKIE = 'pintu_pre';
/** Cookie of the language chosen before signing in. */
const LANG_COOKIE = 'pintu_lang';
/** The largest request body read (bytes). */
export const MAX_BODY_BYTES = 64 * 1024;

/** Live streams one user may hold open at once (a browser holds one per tab; each costs a socket and a feed listener). */
export const MAX_STREAMS_PER_USER = 16;
/** Live streams the dashboard holds open at once (it shares its process with the receiver that stores the doors' events). */
export const MAX_STREAMS = 1000;

/** How often an open live stream re-reads its user (ms): a stream of a user deactivated, or whose role or sites changed, ends. */
export const STREAM_USER_CHECK_MS = 5000;

/** Least time between two notices of one topic to one page (ms): a busy door must not make pages re-fetch all the time. */
const TOPIC_EVERY_MS: Record<string, number> = { fleet: 1000, door: 500, alerts: 0, command: 0 };

/** Build the dashboard's app with its screens. */
export function dashboardApp(ctx: DashboardContext, assets: Map<string, Asset>, screens: readonly DashboardScreen[]): Hono<DashboardEnv> {
  const app = new Hono<DashboardEnv>();
  const bare = (lang: Lang, title: string, message: string): string => String(h`<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title><link rel="stylesheet" href="/assets/app.css"></head><body><main id="main"><h1>${title}</h1><p role="alert">${message}</p><p><a href="/">${ctx.catalogue.translator(lang)('common.back')}</a></p></main></body></html>`);

  app.onError((err, c) => {
    ctx.log.error({ err: err.message, stack: err.stack, path: new URL(c.req.url).pathname }, 'dashboard request failed');
    const t = c.get('t') ?? ctx.catalogue.translator(ctx.settings.language);
    return c.html(bare(c.get('lang') ?? ctx.settings.language, t('error.title'), t('error.internal')), 500);
  });

  app.get('/assets/:file', assetRoute(assets));

  app.use('*', bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => c.text(ctx.catalogue.translator(ctx.settings.language)('error.tooLarge'), 413) }));

  // On loopback, answer only to loopback names (no DNS rebinding from a web page in a browser on this machine).
  if (ctx.settings.loopbackOnly) app.use('*', loopbackNamesOnly(() => ctx.catalogue.translator(ctx.settings.language)('error.host')));

  app.use('*', async (c, next) => {
    const now = ctx.now();
    const token = getCookie(c, SESSION_COOKIE);
    const session = ctx.sessions.touch(token, now);
    let user = session ? await ctx.users.get(session.officerId) : null;
    if (session && (!user || !user.active)) { ctx.sessions.end(token); user = null; }
    const cookieLang = getCookie(c, LANG_COOKIE);
    const lang: Lang = session && user ? session.lang : (LANGS as readonly string[]).includes(cookieLang ?? '') ? cookieLang as Lang : ctx.settings.language;
    let csrf = session && user ? session.csrf : getCookie(c, PRE_COOKIE);
    if (!csrf) { csrf = randomToken(24); dashCookie(c, ctx, PRE_COOKIE, csrf); }
    c.set('session', user ? session : null);
    c.set('user', user);
    c.set('scope', user ? user.sites : []);
    c.set('lang', lang);
    c.set('t', ctx.catalogue.translator(lang));
    c.set('csrf', csrf);
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      let sent = c.req.header('x-csrf-token');
      if (!sent) {
        const type = c.req.header('content-type') ?? '';
        if (type.startsWith('application/x-www-form-urlencoded') || type.startsWith('multipart/form-data')) sent = (await formOf(c))._csrf;
      }
      if (!sameOrigin(c) || !sent || sent !== csrf) {
        ctx.log.warn({ path: new URL(c.req.url).pathname, crossSite: !sameOrigin(c) }, 'dashboard change refused: CSRF check failed');
        const t = c.get('t');
        return c.html(bare(lang, t('error.title'), t('error.csrf')), 403);
      }
    }
    await next();
    c.header('content-security-policy', CSP);
    c.header('x-content-type-options', 'nosniff');
    c.header('referrer-policy', 'same-origin');
    c.header('x-frame-options', 'DENY');
    if (!c.res.headers.get('cache-control')) c.header('cache-control', 'no-store');
  });

  app.get('/', signedIn, (c) => c.redirect(homeOf(c.get('user')!.role), 303));

  app.post('/lang', async (c) => {
    const f = await formOf(c);
    const lang: Lang = f.lang === 'en' ? 'en' : 'id';
    const s = c.get('session');
    if (s) s.lang = lang; else dashCookie(c, ctx, LANG_COOKIE, lang, 365 * 86400);
    return c.redirect(localPath(f.next) ?? '/', 303);
  });

  // The live stream: topic names only (`alerts`, `fleet`, `door:<site>/<door>`, `command:<id>`), of sites in scope.
  const streamsOf = new Map<string, number>();
  let streamsOpen = 0;
  app.get('/live', signedIn, (c) => {
    const userId = c.get('user')!.id;
    if ((streamsOf.get(userId) ?? 0) >= MAX_STREAMS_PER_USER || streamsOpen >= MAX_STREAMS) {
      ctx.log.warn({ user: userId, open: streamsOpen }, 'live stream refused: too many open');
      return c.text(c.get('t')('error.streams'), 429, { 'retry-after': '10' });
    }
    streamsOf.set(userId, (streamsOf.get(userId) ?? 0) + 1);
    streamsOpen += 1;
    let counted = true;
    const release = (): void => {
      if (!counted) return;
      counted = false;
      streamsOpen -= 1;
      const n = (streamsOf.get(userId) ?? 1) - 1;
      if (n > 0) streamsOf.set(userId, n); else streamsOf.delete(userId);
    };
    const scope = c.get('scope');
    const role = c.get('user')!.role;
    const token = getCookie(c, SESSION_COOKIE);
    const session = c.get('session');
    c.header('cache-control', 'no-store');
    c.header('x-accel-buffering', 'no');
    return streamSSE(c, async (stream) => {
      const due = new Map<string, number>();
      const pending = new Set<string>();
      let wake: (() => void) | null = null;
      let open = true;
      const alive = (): boolean => ctx.sessions.peek(token, ctx.now()) === session;
      const poke = (): void => { const w = wake; wake = null; w?.(); };
      const off = ctx.feed.listen((n: FeedNotice) => {
        if (n.site !== '*' && !inScope(scope, n.site)) return;
        if (pending.size < 500) pending.add(n.topic);
        poke();
      });
      stream.onAbort(() => { open = false; off(); release(); poke(); });
      const ping = setInterval(poke, 15_000);
      ping.unref();
      let checkedAt = Date.now();
      // The scope was read when the stream opened: re-read the user now and then, and end the stream when it no longer
      // holds (the browser reconnects under the new scope, or to the sign-in page).
      const sameUser = async (): Promise<boolean> => {
        if (Date.now() - checkedAt < STREAM_USER_CHECK_MS) return true;
        checkedAt = Date.now();
        const u = await ctx.users.get(userId);
        return u !== null && u.active && u.role === role && JSON.stringify(u.sites) === JSON.stringify(scope);
      };
      try {
        await stream.writeSSE({ event: 'hello', data: 'ok', retry: 2000 });
        while (open && alive() && await sameUser()) {
          const now = Date.now();
          let sent = false;
          let nextDue = Infinity;
          for (const topic of [...pending]) {
            const at = due.get(topic) ?? 0;
            if (at > now) { nextDue = Math.min(nextDue, at); continue; }
            pending.delete(topic);
            due.set(topic, now + (TOPIC_EVERY_MS[topic.split(':')[0]!] ?? 500));
            await stream.writeSSE({ event: topic, data: String(now) });
            sent = true;
          }
          if (sent) continue;
          await new Promise<void>((r) => {
            wake = r;
            if (nextDue !== Infinity) setTimeout(poke, Math.max(10, nextDue - Date.now())).unref();
          });
          if (open && pending.size === 0) await stream.write(': ping\n\n');
        }
      } finally {
        clearInterval(ping);
        off();
        release();
      }
    });
  });

  for (const screen of screens) screen(app, ctx);

  app.notFound((c) => {
    const t = c.get('t') ?? ctx.catalogue.translator(ctx.settings.language);
    if (!c.get('user')) return c.redirect('/signin', 303);
    return page(c, ctx, { title: t('error.title'), body: h`<p>${t('error.notFound')}</p>`, status: 404 });
  });
  return app;
}
