/**
 * The console's HTTP application (hono): security headers, the per-request context (session, officer, language,
 * CSRF token), CSRF and cross-site checks on every change, static assets, the live stream, the language switch,
 * alarm acknowledgements, and every screen group's routes.
 */
import { Hono } from 'hono';
import { getCookie } from 'hono/cookie';
import { streamSSE } from 'hono/streaming';
import { bodyLimit } from 'hono/body-limit';
import type { ConsoleContext, ConsoleEnv, Screen } from './context.js';
import type { Lang } from './i18n/index.js';
import { LANGS } from './i18n/index.js';
import type { Asset } from './assets.js';
import { SESSION_COOKIE, randomToken } from './session.js';
import { activeRole } from './live.js';
import { alarmBanner, isAlarmChange } from './alarm-banner.js';
import { consoleCookie, formOf, h, localPath, redirectWith, refusal, signedIn } from './view.js';
import { page } from './layout.js';
import { assetRoute, CSP, loopbackNamesOnly, sameOrigin } from './web-guards.js';

/** Cookie of the pre-session CSRF token (the sign-in form, before any session exists). */
const PRE_COOKIE = 'pintu_pre';
/** The largest request body the console reads (bytes). */
export const MAX_BODY_BYTES = 64 * 1024;

/** Cookie of the language chosen before signing in. */
const LANG_COOKIE = 'pintu_lang';

/** Build the console's app with its screens. */
export function consoleApp(ctx: ConsoleContext, assets: Map<string, Asset>, screens: readonly Screen[]): Hono<ConsoleEnv> {
  const app = new Hono<ConsoleEnv>();

  app.onError((err, c) => {
    ctx.log.error({ err: err.message, stack: err.stack, path: new URL(c.req.url).pathname }, 'console request failed');
    const t = c.get('t') ?? ctx.catalogue.translator(ctx.settings.language);
    return c.html(h`<!doctype html><html lang="${ctx.settings.language}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${t('error.title')}</title><link rel="stylesheet" href="/assets/app.css"></head><body><main id="main"><h1>${t('error.title')}</h1><p role="alert">${t('error.internal')}</p><p><a href="/">${t('common.back')}</a></p></main></body></html>`, 500);
  });

  // Static files first: no session needed.
  app.get('/assets/:file', assetRoute(assets));

  // No form of the console comes near 64 KiB: a bigger body is refused before it is read (memory stays bounded).
  app.use('*', bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => c.text(ctx.catalogue.translator(ctx.settings.language)('error.tooLarge'), 413) }));

  // A console on loopback answers only to loopback names: a web page elsewhere cannot reach it by DNS rebinding
  // (a name of the attacker's that resolves to 127.0.0.1 in a browser on this machine).
  if (ctx.settings.loopbackOnly) app.use('*', loopbackNamesOnly(() => ctx.catalogue.translator(ctx.settings.language)('error.host')));

  // Security headers, session, officer, language, CSRF token.
  app.use('*', async (c, next) => {
    const now = ctx.now();
    const session = ctx.sessions.touch(getCookie(c, SESSION_COOKIE), now);
    let officer = session ? ctx.ports.queries.officer(session.officerId) : null;
    if (session && !activeRole(officer)) { ctx.sessions.end(getCookie(c, SESSION_COOKIE)); officer = null; }
    const cookieLang = getCookie(c, LANG_COOKIE);
    const lang: Lang = session && officer ? session.lang : (LANGS as readonly string[]).includes(cookieLang ?? '') ? cookieLang as Lang : ctx.settings.language;
    let csrf = session && officer ? session.csrf : getCookie(c, PRE_COOKIE);
    if (!csrf) { csrf = randomToken(24); consoleCookie(c, ctx, PRE_COOKIE, csrf); }
    c.set('session', officer ? session : null);
    c.set('officer', officer);
    c.set('lang', lang);
    c.set('t', ctx.catalogue.translator(lang));
    c.set('csrf', csrf);
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      const t = c.get('t');
      let sent = c.req.header('x-csrf-token');
      if (!sent) {
        const type = c.req.header('content-type') ?? '';
        if (type.startsWith('application/x-www-form-urlencoded') || type.startsWith('multipart/form-data')) sent = (await formOf(c))._csrf;
      }
      if (!sameOrigin(c) || !sent || sent !== csrf) {
        ctx.log.warn({ path: new URL(c.req.url).pathname, crossSite: !sameOrigin(c) }, 'console change refused: CSRF check failed');
        return c.html(h`<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${t('error.title')}</title><link rel="stylesheet" href="/assets/app.css"></head><body><main id="main"><h1>${t('error.title')}</h1><p role="alert">${t('error.csrf')}</p><p><a href="/">${t('common.back')}</a></p></main></body></html>`, 403);
      }
    }
    await next();
    c.header('content-security-policy', CSP);
    c.header('x-content-type-options', 'nosniff');
    // same-origin, not no-referrer: under no-referrer Chromium sends `Origin: null` on the console's own form posts,
    // which the cross-site check must refuse; other sites still get neither a referrer nor, on a post, an origin.
    c.header('referrer-policy', 'same-origin');
    c.header('x-frame-options', 'DENY');
    if (!c.res.headers.get('cache-control')) c.header('cache-control', 'no-store');
  });

  app.get('/', signedIn, (c) => c.redirect('/door', 303));

  // Language switch: the session's language, or a cookie before signing in.
  app.post('/lang', async (c) => {
    const f = await formOf(c);
    const lang: Lang = f.lang === 'en' ? 'en' : 'id';
    const s = c.get('session');
    if (s) s.lang = lang; else consoleCookie(c, ctx, LANG_COOKIE, lang, 365 * 86400);
    const next = localPath(f.next) ?? '/';
    return c.redirect(next, 303);
  });

  // The live stream (SSE). A signed-in page gets every pane; the sign-in page gets only officer-badge taps.
  app.get('/live', (c) => {
    const officer = c.get('officer');
    const signinPage = !officer && c.req.query('signin') === '1';
    if (!officer && !signinPage) return c.text(c.get('t')('error.signin'), 401);
    c.header('cache-control', 'no-store');
    c.header('x-accel-buffering', 'no');
    return streamSSE(c, async (stream) => {
      const queue: Array<{ event: string; data: string }> = [];
      let wake: (() => void) | null = null;
      let open = true;
      // The stream lives only as long as the session it was opened in: signed out (another tab), timed out or ended
      // by a PIN reset, it gets nothing more and closes at its next wake (a page left open must not stay live).
      const token = getCookie(c, SESSION_COOKIE);
      const session = c.get('session');
      const alive = (): boolean => session === null || ctx.sessions.peek(token, ctx.now()) === session;
      const disconnect = ctx.live.connect({
        lang: c.get('lang'), officerId: officer?.id ?? null, alive,
        send: (event, data) => { if (queue.length < 200) queue.push({ event, data }); const w = wake; wake = null; w?.(); },
      });
      stream.onAbort(() => { open = false; disconnect(); const w = wake; wake = null; w?.(); });
      const ping = setInterval(() => { const w = wake; wake = null; w?.(); }, 15_000);
      ping.unref();
      try {
        await stream.writeSSE({ event: 'hello', data: 'ok', retry: 2000 });
        while (open && alive()) {
          const m = queue.shift();
          if (m) { await stream.writeSSE(m); continue; }
          await new Promise<void>((r) => { wake = r; });
          if (open && queue.length === 0) await stream.write(': ping\n\n');
        }
      } finally {
        clearInterval(ping);
        disconnect();
      }
    });
  });

  // Acknowledge an alarm (any signed-in officer; the acknowledgement is an event with the actor).
  app.post('/alarms/:seq/ack', signedIn, async (c) => {
    const t = c.get('t');
    const officer = c.get('officer')!;
    const seq = Number(c.req.param('seq'));
    const note = ((await formOf(c)).note ?? '').trim();
    if (!Number.isSafeInteger(seq) || seq < 1) return c.notFound();
    let notice: string;
    try {
      await ctx.ports.write('console.alarm_ack', () => ctx.ports.alarms.acknowledge(seq, officer.id, note || undefined));
      notice = t('alarm.acked');
    } catch (err) {
      notice = refusal(ctx, t, err);
    }
    if (c.req.header('hx-request')) return c.html(alarmBanner(ctx, t, officer.role, c.get('csrf')));
    const back = c.req.header('referer');
    const path = (back ? (() => { try { return localPath(new URL(back).pathname); } catch { return null; } })() : null) ?? '/door';
    return redirectWith(c, path, notice);
  });

  for (const screen of screens) screen(app, ctx);

  // Keep the alarm banner live on every page.
  ctx.live.pane({ name: 'alarms', affectedBy: (e) => isAlarmChange(e.type), render: (t, role) => String(alarmBanner(ctx, t, role)) });
  ctx.live.pane({ name: 'pending-count', affectedBy: (e) => e.type.startsWith('visit.'), render: () => { const n = ctx.ports.queries.pending().length; return n ? String(n) : ''; } });

  app.notFound((c) => {
    const t = c.get('t') ?? ctx.catalogue.translator(ctx.settings.language);
    if (!c.get('officer')) return c.redirect('/signin', 303);
    return page(c, ctx, { title: t('error.title'), body: h`<p>${t('error.notFound')}</p>`, status: 404 });
  });
  return app;
}
