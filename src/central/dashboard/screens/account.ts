/**
 * The signed-in user's own account: change the password (the current one must be right; a wrong one counts toward the
 * lockout, so an unattended session cannot be used to guess it). Every user has it; a head's initial password is meant
 * to be changed here. The change is an audit entry (never the password).
 */
import type { Context } from 'hono';
import { audit } from '../../audit.js';
import { MIN_PASSWORD } from '../../users.js';
import type { DashboardEnv, DashboardScreen } from '../context.js';
import { csrfField, formOf, h, page, redirectWith, signedIn, when } from '../view.js';
import { accountProblem } from './users.js';

/** The account screen's routes. */
export const accountScreen: DashboardScreen = (app, ctx) => {
  const form = (c: Context<DashboardEnv>, o: { error?: string; status?: 200 | 401 | 422 | 429 } = {}): Response => {
    const t = c.get('t');
    const u = c.get('user')!;
    return page(c, ctx, {
      title: t('account.title'), status: o.status ?? 200,
      body: h`<dl class="facts">
<dt>${t('users.id')}</dt><dd>${u.id}</dd>
<dt>${t('users.name')}</dt><dd>${u.name}</dd>
<dt>${t('users.role')}</dt><dd>${t(`role.${u.role}`)}</dd>
<dt>${t('users.sites')}</dt><dd>${u.sites ? u.sites.join(', ') : t('users.sites.all')}</dd>
<dt>${t('users.totp')}</dt><dd>${u.totp ? t('users.totp.on') : t('users.totp.off')}</dd>
</dl>
<h2>${t('account.password')}</h2>
${o.error ? h`<p class="field-error" role="alert">${o.error}</p>` : ''}
<form method="post" action="/account/password" class="card">${csrfField(c)}
<input type="text" name="username" autocomplete="username" value="${u.id}" hidden>
<p><label for="a-cur">${t('account.current')}</label><input id="a-cur" name="current" type="password" required maxlength="200" autocomplete="current-password"></p>
<p><label for="a-new">${t('account.new')}</label><input id="a-new" name="password" type="password" required minlength="${MIN_PASSWORD}" maxlength="200" autocomplete="new-password"></p>
<p><label for="a-new2">${t('account.again')}</label><input id="a-new2" name="again" type="password" required maxlength="200" autocomplete="new-password"></p>
<p><button type="submit">${t('account.submit')}</button></p>
</form>`,
    });
  };

  app.get('/account', signedIn, (c) => form(c));

  app.post('/account/password', signedIn, async (c) => {
    const t = c.get('t');
    const u = c.get('user')!;
    const f = await formOf(c);
    if ((f.password ?? '') !== (f.again ?? '')) return form(c, { error: t('users.password.differ'), status: 422 });
    let ok: boolean;
    try {
      ok = await ctx.users.changeOwnPassword(u.id, f.current ?? '', f.password ?? '');
    } catch (err) {
      return form(c, { error: accountProblem(t, err), status: 422 });
    }
    if (!ok) {
      await audit(ctx.sql, { actor: u.id, action: 'user.password_change_refused' }, ctx.now());
      const now = (await ctx.users.get(u.id))!;
      if (now.lockedUntil !== null && now.lockedUntil > ctx.now()) return form(c, { error: t('account.locked', { until: when(now.lockedUntil, ctx.settings.timeZone) }), status: 429 });
      return form(c, { error: t('account.wrong'), status: 401 });
    }
    // Other sessions of this account (another browser, a stolen cookie) end with the old password; this one stays.
    ctx.sessions.endOfficer(u.id, c.get('session'));
    await audit(ctx.sql, { actor: u.id, action: 'user.password_changed' }, ctx.now());
    return redirectWith(c, '/account', t('account.changed'));
  });
};
