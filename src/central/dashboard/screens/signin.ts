/**
 * Sign-in and sign-out: user id, password and (for accounts with a second factor) a TOTP code. Wrong answers say only
 * "wrong id, password or code"; a lockout says until when. Every outcome is an audit entry (never the password or code).
 */
import { getCookie, setCookie } from 'hono/cookie';
import { SESSION_COOKIE } from '../../../adapters/console/session.js';
import { audit } from '../../audit.js';
import type { Context } from 'hono';
import type { DashboardEnv, DashboardScreen } from '../context.js';
import { csrfField, formOf, h, homeOf, localPath, page, when } from '../view.js';

/** Sign-in and sign-out routes. */
export const signinScreen: DashboardScreen = (app, ctx) => {
  const form = (c: Context<DashboardEnv>, o: { user?: string; next?: string; error?: string; status?: 200 | 401 | 429 }): Response => {
    const t = c.get('t');
    return page(c, ctx, {
      title: t('signin.title'), status: o.status ?? 200,
      body: h`${o.error ? h`<p class="field-error" role="alert">${o.error}</p>` : ''}
<form method="post" action="/signin" class="card">${csrfField(c)}
<input type="hidden" name="next" value="${o.next ?? ''}">
<p><label for="user">${t('signin.user')}</label><input id="user" name="user" autocomplete="username" required maxlength="32" value="${o.user ?? ''}"${o.user ? '' : h` autofocus`}></p>
<p><label for="password">${t('signin.password')}</label><input id="password" name="password" type="password" autocomplete="current-password" required maxlength="200"${o.user ? h` autofocus` : ''}></p>
<p><label for="code">${t('signin.code')}</label><input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{6,7}" maxlength="7" aria-describedby="code-help"><small id="code-help">${t('signin.codeHelp')}</small></p>
<p><button type="submit">${t('signin.submit')}</button></p>
</form>`,
    });
  };

  app.get('/signin', (c) => {
    if (c.get('user')) return c.redirect(homeOf(c.get('user')!.role), 303);
    return form(c, { next: localPath(c.req.query('next')) ?? '' });
  });

  app.post('/signin', async (c) => {
    const t = c.get('t');
    const f = await formOf(c);
    const id = (f.user ?? '').trim().toLowerCase().slice(0, 32);
    const next = localPath(f.next) ?? '';
    const r = await ctx.users.signIn(id, f.password ?? '', f.code?.trim() || undefined);
    const now = ctx.now();
    if (!r.ok) {
      const known = r.why !== 'bad' || (await ctx.users.get(id)) !== null;
      await audit(ctx.sql, { actor: known ? id : '(unknown)', action: r.why === 'locked' ? 'user.locked_out' : 'user.sign_in_refused', detail: { why: r.why } }, now);
      ctx.log.warn({ why: r.why }, 'dashboard sign-in refused');
      const error = r.why === 'locked' ? t('signin.locked', { until: when(r.lockedUntil, ctx.settings.timeZone) })
        : r.why === 'inactive' ? t('signin.inactive') : r.why === 'code' ? t('signin.code.needed') : t('signin.bad');
      return form(c, { user: id, next, error, status: r.why === 'locked' ? 429 : 401 });
    }
    const old = getCookie(c, SESSION_COOKIE);
    if (old) ctx.sessions.end(old);
    // Sessions left idle are dropped here (nothing else sweeps them), so repeated sign-ins cannot grow memory for ever.
    ctx.sessions.sweep(now);
    const { token } = ctx.sessions.open(r.user.id, c.get('lang'), now);
    setCookie(c, SESSION_COOKIE, token, { httpOnly: true, sameSite: 'Strict', secure: ctx.settings.secure, path: '/' });
    await audit(ctx.sql, { actor: r.user.id, action: 'user.signed_in' }, now);
    return c.redirect(next || homeOf(r.user.role), 303);
  });

  app.post('/signout', async (c) => {
    const s = ctx.sessions.end(getCookie(c, SESSION_COOKIE));
    if (s) await audit(ctx.sql, { actor: s.officerId, action: 'user.signed_out' }, ctx.now());
    setCookie(c, SESSION_COOKIE, '', { httpOnly: true, sameSite: 'Strict', secure: ctx.settings.secure, path: '/', maxAge: 0 });
    return c.redirect('/signin', 303);
  });
};
