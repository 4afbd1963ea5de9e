/**
 * Accounts of the centre, for the head: the list (role, sites, second factor, lockout, active), a new account with an
 * initial password the head types, and per account: role and sites, deactivate/activate (never the last active head of every site),
 * unlock, a password reset, and a new or removed TOTP second factor (its otpauth:// URI shown once, as text). Only a
 * head who sees every site manages accounts (a site-limited head could otherwise widen an account beyond their own
 * sites). Every route checks the role again on the server and every change is an audit entry with the head as actor.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { UserError } from '../../../domain/errors.js';
import { audit } from '../../audit.js';
import { CENTRAL_ROLES, MIN_PASSWORD, type CentralUser } from '../../users.js';
import type { DashboardContext, DashboardEnv, DashboardScreen } from '../context.js';
import type { DashTranslate } from '../i18n/index.js';
import { allowed, csrfField, errorPage, formOf, h, page, redirectWith, timeTag, type Html } from '../view.js';

/** A refusal from the accounts (UserError) in the user's language. */
export function accountProblem(t: DashTranslate, err: unknown): string {
  if (!(err instanceof UserError)) throw err;
  const m = err.message;
  if (/password/.test(m)) return t('users.problem.password', { min: MIN_PASSWORD });
  if (/last active head/.test(m)) return t('users.problem.lastHead');
  if (/exists already/.test(m)) return t('users.problem.exists', { id: /user (\S+)/.exec(m)?.[1] ?? '' });
  if (/^user id/.test(m)) return t('users.problem.id');
  if (/^site "/.test(m)) return t('users.problem.site', { site: /site "([^"]*)"/.exec(m)?.[1] ?? '' });
  if (/name/.test(m)) return t('users.problem.name');
  return t('error.refused', { message: m });
}

/** Sites typed as "a, b c" (empty: every site). */
function sitesTyped(text: string | undefined): string[] | null {
  const list = (text ?? '').split(/[\s,]+/).filter(Boolean);
  return list.length ? list : null;
}

/** Only a head who sees every site (after `allowed(ctx, 'users.manage')`). */
function everySite(ctx: DashboardContext): MiddlewareHandler<DashboardEnv> {
  return async (c, next) => {
    if (c.get('scope') !== null) return errorPage(c, ctx, 403, c.get('t')('users.scopeOnly'));
    await next();
  };
}

/** Role options of a `<select>`, `current` selected. */
function roleOptions(t: DashTranslate, current: string): Html {
  return h`${CENTRAL_ROLES.map((r) => h`<option value="${r}"${r === current ? h` selected` : ''}>${t(`role.${r}`)}</option>`)}`;
}

/** The users screen's routes. */
export const usersScreen: DashboardScreen = (app, ctx) => {
  const guard = [allowed(ctx, 'users.manage'), everySite(ctx)] as const;
  const tz = (): string => ctx.settings.timeZone;
  const locked = (u: CentralUser): boolean => u.lockedUntil !== null && u.lockedUntil > ctx.now();

  const listPage = async (c: Context<DashboardEnv>, o: { error?: string; form?: Record<string, string>; status?: 200 | 422 } = {}): Promise<Response> => {
    const t = c.get('t');
    const list = await ctx.users.list();
    const f = o.form ?? {};
    return page(c, ctx, {
      title: t('users.title'), active: '/users', status: o.status ?? 200,
      body: h`<h2>${t('users.list')}</h2>
<div class="table-wrap"><table class="stack" id="users">
<thead><tr><th scope="col">${t('users.id')}</th><th scope="col">${t('users.name')}</th><th scope="col">${t('users.role')}</th><th scope="col">${t('users.sites')}</th><th scope="col">${t('users.totp')}</th><th scope="col">${t('users.locked')}</th><th scope="col">${t('users.state')}</th></tr></thead>
<tbody>${list.map((u) => h`<tr data-user="${u.id}">
<td data-label="${t('users.id')}"><a href="/users/${u.id}">${u.id}</a></td>
<td data-label="${t('users.name')}">${u.name}</td>
<td data-label="${t('users.role')}">${t(`role.${u.role}`)}</td>
<td data-label="${t('users.sites')}">${u.sites ? u.sites.join(', ') : t('users.sites.all')}</td>
<td data-label="${t('users.totp')}">${u.totp ? t('users.totp.on') : t('users.totp.off')}</td>
<td data-label="${t('users.locked')}">${locked(u) ? timeTag(u.lockedUntil, tz()) : '-'}</td>
<td data-label="${t('users.state')}">${u.active ? t('users.active') : t('users.inactive')}</td>
</tr>`)}</tbody></table></div>
<h2 id="add">${t('users.add')}</h2>
${o.error ? h`<p class="field-error" role="alert">${o.error}</p>` : ''}
<form method="post" action="/users" class="card">${csrfField(c)}
<p><label for="u-id">${t('users.id')}</label><input id="u-id" name="id" required maxlength="32" autocomplete="off" value="${f.id ?? ''}"></p>
<p><label for="u-name">${t('users.name')}</label><input id="u-name" name="name" required maxlength="100" autocomplete="off" value="${f.name ?? ''}"></p>
<p><label for="u-role">${t('users.role')}</label><select id="u-role" name="role">${roleOptions(t, f.role ?? 'analyst')}</select></p>
<p><label for="u-sites">${t('users.sites')}</label><input id="u-sites" name="sites" maxlength="1000" aria-describedby="u-sites-help" value="${f.sites ?? ''}"><small id="u-sites-help">${t('users.sites.help')}</small></p>
<p><label for="u-pw">${t('users.password.initial')}</label><input id="u-pw" name="password" type="password" required minlength="${MIN_PASSWORD}" maxlength="200" autocomplete="new-password" aria-describedby="u-pw-help"><small id="u-pw-help">${t('users.add.help')}</small></p>
<p><label for="u-pw2">${t('users.password.again')}</label><input id="u-pw2" name="again" type="password" required maxlength="200" autocomplete="new-password"></p>
<p><button type="submit">${t('users.add.submit')}</button></p>
</form>`,
    });
  };

  const editPage = async (c: Context<DashboardEnv>, u: CentralUser, o: { error?: string; uri?: string; status?: 200 | 409 | 422 } = {}): Promise<Response> => {
    const t = c.get('t');
    const base = `/users/${encodeURIComponent(u.id)}`;
    return page(c, ctx, {
      title: t('users.edit', { id: u.id }), active: '/users', status: o.status ?? 200,
      body: h`${o.error ? h`<p class="field-error" role="alert">${o.error}</p>` : ''}
${o.uri ? h`<section class="card" aria-labelledby="uri-h"><h2 id="uri-h">${t('users.totp.uriTitle', { id: u.id })}</h2><p>${t('users.totp.uri')}</p><p><code id="totp-uri">${o.uri}</code></p></section>` : ''}
<dl class="facts">
<dt>${t('users.name')}</dt><dd>${u.name}</dd>
<dt>${t('users.role')}</dt><dd>${t(`role.${u.role}`)}</dd>
<dt>${t('users.sites')}</dt><dd>${u.sites ? u.sites.join(', ') : t('users.sites.all')}</dd>
<dt>${t('users.totp')}</dt><dd>${u.totp ? t('users.totp.on') : t('users.totp.off')}</dd>
<dt>${t('users.locked')}</dt><dd>${locked(u) ? timeTag(u.lockedUntil, tz()) : '-'}</dd>
<dt>${t('users.state')}</dt><dd>${u.active ? t('users.active') : t('users.inactive')}</dd>
<dt>${t('users.created')}</dt><dd>${timeTag(u.createdAt, tz())}</dd>
</dl>
<h2>${t('users.access')}</h2>
<form method="post" action="${base}/access" class="card">${csrfField(c)}
<p><label for="e-role">${t('users.role')}</label><select id="e-role" name="role">${roleOptions(t, u.role)}</select></p>
<p><label for="e-sites">${t('users.sites')}</label><input id="e-sites" name="sites" maxlength="1000" aria-describedby="e-sites-help" value="${u.sites ? u.sites.join(', ') : ''}"><small id="e-sites-help">${t('users.sites.help')}</small></p>
<p><button type="submit">${t('users.access.submit')}</button></p>
</form>
<div class="actions">
<form method="post" action="${base}/active" class="inline">${csrfField(c)}<input type="hidden" name="active" value="${u.active ? '0' : '1'}"><button type="submit"${u.active ? h` class="danger"` : ''}>${u.active ? t('users.disable') : t('users.enable')}</button></form>
${locked(u) ? h`<form method="post" action="${base}/unlock" class="inline">${csrfField(c)}<button type="submit">${t('users.unlock')}</button></form>` : ''}
<form method="post" action="${base}/totp" class="inline">${csrfField(c)}<input type="hidden" name="mode" value="on"><button type="submit">${t('users.totp.set')}</button></form>
${u.totp ? h`<form method="post" action="${base}/totp" class="inline">${csrfField(c)}<input type="hidden" name="mode" value="off"><button type="submit">${t('users.totp.remove')}</button></form>` : ''}
</div>
<h2>${t('users.reset')}</h2>
<form method="post" action="${base}/password" class="card">${csrfField(c)}
<p><label for="r-pw">${t('account.new')}</label><input id="r-pw" name="password" type="password" required minlength="${MIN_PASSWORD}" maxlength="200" autocomplete="new-password"></p>
<p><label for="r-pw2">${t('users.password.again')}</label><input id="r-pw2" name="again" type="password" required maxlength="200" autocomplete="new-password"></p>
<p><button type="submit">${t('users.reset.submit')}</button></p>
</form>
<p><a href="/users">${t('common.back')}</a></p>`,
    });
  };

  /** The account named in the path, or null (the route answers 404). */
  const target = async (c: Context<DashboardEnv>): Promise<CentralUser | null> => ctx.users.get(c.req.param('id') ?? '');
  const notFound = (c: Context<DashboardEnv>): Response => errorPage(c, ctx, 404, c.get('t')('error.notFound'));
  const actor = (c: Context<DashboardEnv>): string => c.get('user')!.id;

  app.get('/users', ...guard, (c) => listPage(c));

  app.post('/users', ...guard, async (c) => {
    const t = c.get('t');
    const f = await formOf(c);
    const form = { id: f.id ?? '', name: f.name ?? '', role: f.role ?? '', sites: f.sites ?? '' };
    if ((f.password ?? '') !== (f.again ?? '')) return listPage(c, { error: t('users.password.differ'), form, status: 422 });
    try {
      const u = await ctx.users.add({ id: form.id.trim().toLowerCase(), name: form.name, role: form.role, sites: sitesTyped(form.sites), password: f.password ?? '' });
      await audit(ctx.sql, { actor: actor(c), action: 'user.added', detail: { user: u.id, role: u.role, sites: u.sites, totp: false } }, ctx.now());
      return redirectWith(c, `/users/${encodeURIComponent(u.id)}`, t('users.added', { id: u.id }));
    } catch (err) {
      return listPage(c, { error: accountProblem(t, err), form, status: 422 });
    }
  });

  app.get('/users/:id', ...guard, async (c) => {
    const u = await target(c);
    return u ? editPage(c, u) : notFound(c);
  });

  app.post('/users/:id/access', ...guard, async (c) => {
    const t = c.get('t');
    const u = await target(c);
    if (!u) return notFound(c);
    const f = await formOf(c);
    try {
      const changed = await ctx.users.set(u.id, { role: f.role ?? u.role, sites: sitesTyped(f.sites) });
      await audit(ctx.sql, { actor: actor(c), action: 'user.changed', detail: { user: u.id, role: changed.role, sites: changed.sites } }, ctx.now());
      return redirectWith(c, `/users/${encodeURIComponent(u.id)}`, t('users.changed', { id: u.id }));
    } catch (err) {
      return editPage(c, u, { error: accountProblem(t, err), status: 409 });
    }
  });

  app.post('/users/:id/active', ...guard, async (c) => {
    const t = c.get('t');
    const u = await target(c);
    if (!u) return notFound(c);
    const active = (await formOf(c)).active === '1';
    try {
      await ctx.users.setActive(u.id, active);
      await audit(ctx.sql, { actor: actor(c), action: active ? 'user.enabled' : 'user.disabled', detail: { user: u.id } }, ctx.now());
      return redirectWith(c, `/users/${encodeURIComponent(u.id)}`, t(active ? 'users.enabled' : 'users.disabled', { id: u.id }));
    } catch (err) {
      return editPage(c, u, { error: accountProblem(t, err), status: 409 });
    }
  });

  app.post('/users/:id/unlock', ...guard, async (c) => {
    const t = c.get('t');
    const u = await target(c);
    if (!u) return notFound(c);
    if (!locked(u) && u.failed === 0) return redirectWith(c, `/users/${encodeURIComponent(u.id)}`, t('users.notLocked'));
    await ctx.users.unlock(u.id);
    await audit(ctx.sql, { actor: actor(c), action: 'user.unlocked', detail: { user: u.id } }, ctx.now());
    return redirectWith(c, `/users/${encodeURIComponent(u.id)}`, t('users.unlocked', { id: u.id }));
  });

  app.post('/users/:id/password', ...guard, async (c) => {
    const t = c.get('t');
    const u = await target(c);
    if (!u) return notFound(c);
    const f = await formOf(c);
    if ((f.password ?? '') !== (f.again ?? '')) return editPage(c, u, { error: t('users.password.differ'), status: 422 });
    try {
      await ctx.users.setPassword(u.id, f.password ?? '');
    } catch (err) {
      return editPage(c, u, { error: accountProblem(t, err), status: 422 });
    }
    // Whoever held a session of this account (perhaps why the password was reset) must sign in with the new one.
    ctx.sessions.endOfficer(u.id, u.id === actor(c) ? c.get('session') : null);
    await audit(ctx.sql, { actor: actor(c), action: 'user.password_reset', detail: { user: u.id } }, ctx.now());
    return redirectWith(c, `/users/${encodeURIComponent(u.id)}`, t('users.reset.done', { id: u.id }));
  });

  // A new secret answers with the page itself (not a redirect): the URI is in this one response and nowhere else.
  app.post('/users/:id/totp', ...guard, async (c) => {
    const t = c.get('t');
    const u = await target(c);
    if (!u) return notFound(c);
    if ((await formOf(c)).mode === 'off') {
      await ctx.users.disableTotp(u.id);
      await audit(ctx.sql, { actor: actor(c), action: 'user.totp_removed', detail: { user: u.id } }, ctx.now());
      return redirectWith(c, `/users/${encodeURIComponent(u.id)}`, t('users.totp.removed', { id: u.id }));
    }
    const uri = await ctx.users.enableTotp(u.id);
    ctx.sessions.endOfficer(u.id, u.id === actor(c) ? c.get('session') : null);
    await audit(ctx.sql, { actor: actor(c), action: 'user.totp_set', detail: { user: u.id } }, ctx.now());
    return editPage(c, (await ctx.users.get(u.id))!, { uri });
  });
};
