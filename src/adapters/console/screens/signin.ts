/**
 * Signing in with the officer's badge and PIN: tap the badge on the desk reader (the page picks the officer) or choose
 * the officer, then the PIN. The PIN is checked by the app (scrypt; 5 wrong in a row lock the badge and raise an
 * alarm); a session cookie is set only on success. Signing out ends the session; both are events with the officer.
 */
import { deleteCookie, getCookie } from 'hono/cookie';
import type { ConsoleApp, ConsoleContext } from '../context.js';
import { page } from '../layout.js';
import { SESSION_COOKIE } from '../session.js';
import { clock, consoleCookie, formOf, h, localPath, type Html } from '../view.js';
import type { Translate } from '../i18n/index.js';

function safeNext(next: string | undefined): string {
  return localPath(next) ?? '/door';
}

function form(ctx: ConsoleContext, t: Translate, csrf: string, values: { officer?: string; next?: string }, message: Html | null): Html {
  const officers = ctx.ports.queries.officers().filter((o) => o.active);
  if (officers.length === 0) return h`<p class="error" role="alert">${t('signin.noOfficers')}</p>`;
  return h`<p>${t('signin.lead')}</p>
${message ?? ''}
<p id="tap-status" class="tap-status" role="status" aria-live="polite"></p>
<form method="post" action="/signin" class="card signin" data-signin>
<input type="hidden" name="_csrf" value="${csrf}">
<input type="hidden" name="tap" value="" data-tap-field="officer" data-unproven="${t('desk.unproven')}">
<input type="hidden" name="next" value="${values.next ?? ''}">
<label for="officer">${t('signin.officer')}</label>
<select id="officer" name="officer" required>
<option value="">${t('signin.choose')}</option>
${officers.map((o) => h`<option value="${o.id}"${o.id === values.officer ? h` selected` : ''}>${o.name} (${o.id})</option>`)}
</select>
<label for="pin">${t('signin.pin')}</label>
<input id="pin" name="pin" type="password" inputmode="numeric" autocomplete="off" pattern="[0-9]*" minlength="4" maxlength="12" required>
<button type="submit" class="primary">${t('signin.submit')}</button>
</form>`;
}

/** Sign-ins whose PIN hash may wait for the one running; more at once are refused (a flood from the LAN). */
const PIN_HASHES_WAITING = 4;

/**
 * PIN hashes one at a time (scrypt: tens of ms of a core and 16 MiB each): sign-ins sent by the hundred, each for
 * another officer id so no lock stops them, would otherwise fill every core and slow the door's taps. Null: refused.
 */
class PinHashGate {
  private running = false;
  private readonly waiting: Array<() => void> = [];

  /** Run `hash` when it is its turn, or null at once when too many already wait. */
  async run<T>(hash: () => Promise<T>): Promise<T | null> {
    if (this.running) {
      if (this.waiting.length >= PIN_HASHES_WAITING) return null;
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.running = true;
    try { return await hash(); } finally {
      const next = this.waiting.shift();
      if (next) next(); else this.running = false;
    }
  }
}

/** The sign-in and sign-out routes. */
export function signinScreen(app: ConsoleApp, ctx: ConsoleContext): void {
  const pinHashes = new PinHashGate();
  app.get('/signin', (c) => {
    if (c.get('officer')) return c.redirect('/door', 303);
    const t = c.get('t');
    const q = c.req.query();
    const note = q.bye === '1' ? t('signin.signedOut') : q.idle === '1' ? t('signin.timedOut') : null;
    return page(c, ctx, {
      title: t('signin.title'), live: false, bodyClass: 'signin-page',
      body: h`<div hx-ext="sse" sse-connect="/live?signin=1"><div hidden sse-swap="desk"></div>${form(ctx, t, c.get('csrf'), { next: safeNext(q.next) }, note ? h`<p class="notice" role="status">${note}</p>` : null)}</div>`,
    });
  });

  app.post('/signin', async (c) => {
    const t = c.get('t');
    const f = await formOf(c);
    const tapped = f.tap ? ctx.desk.take(f.tap) : null;
    const officerId = tapped?.notice.kind === 'officer' && tapped.notice.officer ? tapped.notice.officer : (f.officer ?? '').trim();
    const pin = f.pin ?? '';
    const again = (msg: string, status: 401 | 422 | 429): Response => page(c, ctx, {
      title: t('signin.title'), live: false, status,
      body: h`<div hx-ext="sse" sse-connect="/live?signin=1"><div hidden sse-swap="desk"></div>${form(ctx, t, c.get('csrf'), { officer: officerId, next: f.next }, h`<p class="error" role="alert">${msg}</p>`)}</div>`,
    });
    // A card showing an enrolled badge's UID without its proof signs nobody in (a suspected copy: the officer is told).
    if (tapped?.notice.kind === 'unproven') return again(t('desk.unproven'), 422);
    if (!officerId || !pin) return again(t('error.form'), 422);
    // scrypt on the thread pool first; the write queue (shared with the taps) then only counts the try.
    const match = await pinHashes.run(() => ctx.ports.officers.matchPin(officerId, pin));
    if (match === null) return again(t('signin.busy'), 429);
    const result = await ctx.ports.write('console.signin', () => ctx.ports.officers.verifyPin(officerId, pin, match));
    if (!result.ok) {
      if (result.reason === 'wrong') return again(t('signin.wrong', { left: result.left }), 401);
      if (result.reason === 'locked') return again(t('signin.locked', { until: clock(result.until, ctx.settings.timeZone) }), 429);
      return again(t(result.reason === 'no-pin' ? 'signin.noPin' : 'signin.inactive'), 401);
    }
    ctx.sessions.end(getCookie(c, SESSION_COOKIE));
    const { token, session } = ctx.sessions.open(result.officer.id, c.get('lang'), ctx.now());
    consoleCookie(c, ctx, SESSION_COOKIE, token);
    session.flash = t('signin.welcome', { name: result.officer.name });
    await ctx.ports.write('console.signed_in', () => ctx.ports.officers.signedIn(result.officer.id, 'in'));
    return c.redirect(safeNext(f.next), 303);
  });

  app.post('/signout', async (c) => {
    const s = ctx.sessions.end(getCookie(c, SESSION_COOKIE));
    deleteCookie(c, SESSION_COOKIE, { path: '/', secure: ctx.settings.secure, httpOnly: true, sameSite: 'Strict' });
    if (s) await ctx.ports.write('console.signed_out', () => ctx.ports.officers.signedIn(s.officerId, 'out'));
    return c.redirect('/signin?bye=1', 303);
  });
}
