/**
 * Officers, managed by a head only (checked on the server for every request): the list of officers and the special
 * badge pool, adding an officer with their own badge (tapped on the desk reader or typed), changing a role,
 * deactivating (their console sessions end at once) or activating, and setting a PIN. The app refuses anything that
 * would leave the site without an active head; every change is an event naming the head. PINs are never echoed.
 */
import { pinProblem } from '../../../domain/pin.js';
import { textError, TEXT_LIMITS } from '../../../domain/text.js';
import { ROLES, type Officer, type Role } from '../../../domain/types.js';
import type { Context } from 'hono';
import type { ConsoleApp, ConsoleContext, ConsoleEnv } from '../context.js';
import type { Translate } from '../i18n/index.js';
import { page } from '../layout.js';
import { allowed, csrfField, fieldError, formOf, h, redirectWith, refusal, type Html } from '../view.js';
import { officersPage, roleText } from './officers-page.js';
import { cardFields, cardTaken, pickCard } from './card-field.js';

/** An officer id in a path. */
const OFFICER = '/officers/:id{O[0-9]{1,9}}';

/** The add-officer form, with what was typed and the errors. */
function addForm(c: Context<ConsoleEnv>, ctx: ConsoleContext, v: Record<string, string>, errors: Record<string, string>, status?: 422): Response {
  const t = c.get('t');
  const err = (f: string): Html => (errors[f] ? h` aria-invalid="true" aria-describedby="err-${f}"` : h``);
  const body = h`${errors.form ? h`<p class="error" role="alert">${errors.form}</p>` : ''}
<p>${t('officers.addLead')}</p>
<form method="post" action="/officers/new" class="card">
${csrfField(c)}
<label for="name">${t('officers.name')}</label>
<input id="name" name="name" value="${v.name ?? ''}" required maxlength="100" autocomplete="off"${err('name')}>
${fieldError(t, errors, 'name')}
<label for="role">${t('officers.role')}</label>
<select id="role" name="role"${err('role')}>${ROLES.map((r) => h`<option value="${r}"${r === (v.role ?? 'staff') ? h` selected` : ''}>${roleText(t, r)}</option>`)}</select>
${fieldError(t, errors, 'role')}
${cardFields(t, v.uid ?? '', errors)}
<p><button type="submit" class="primary">${t('officers.add')}</button> <a class="button" href="/officers">${t('common.cancel')}</a></p>
</form>`;
  return page(c, ctx, { title: t('officers.add'), body, active: '/officers', ...(status ? { status } : {}) });
}

/** Errors of the three forms of an officer's page. */
interface OfficerErrors {
  role?: string;
  active?: string;
  pin?: string;
}

/** An officer's page: role, activation, PIN. */
function officerPage(c: Context<ConsoleEnv>, ctx: ConsoleContext, o: Officer, errors: OfficerErrors = {}, roleTyped?: string): Response {
  const t = c.get('t');
  const me = c.get('officer')!;
  const pinErr = errors.pin ? h` aria-invalid="true" aria-describedby="err-pin"` : h``;
  const body = h`<dl class="card">
<dt>${t('officers.name')}</dt><dd>${o.name} ${o.id === me.id ? t('officers.you') : ''}</dd>
<dt>${t('officers.role')}</dt><dd>${roleText(t, o.role)}</dd>
<dt>${t('officers.badge')}</dt><dd><code>${o.badgeUid}</code></dd>
<dt>${t('officers.status')}</dt><dd>${o.active ? t('officers.active') : t('officers.inactive')}</dd>
</dl>
<section class="card" aria-labelledby="h-role"><h2 id="h-role">${t('officers.role')}</h2>
<form method="post" action="/officers/${o.id}/role">${csrfField(c)}
<label for="role">${t('officers.role')}</label>
<select id="role" name="role"${errors.role ? h` aria-invalid="true" aria-describedby="err-role"` : ''}>${ROLES.map((r) => h`<option value="${r}"${r === (roleTyped ?? o.role) ? h` selected` : ''}>${roleText(t, r)}</option>`)}</select>
${fieldError(t, errors as Record<string, string>, 'role')}
<p><button type="submit">${t('officers.roleSave')}</button></p></form></section>
<section class="card" aria-labelledby="h-active"><h2 id="h-active">${t('officers.activation')}</h2>
${o.active ? h`<p>${t('officers.deactivateLead')}</p>` : ''}
${fieldError(t, errors as Record<string, string>, 'active')}
<form method="post" action="/officers/${o.id}/active">${csrfField(c)}<input type="hidden" name="active" value="${o.active ? '0' : '1'}">
<button type="submit" class="${o.active ? 'danger' : 'primary'}">${o.active ? t('officers.deactivate') : t('officers.activate')}</button></form></section>
<section class="card" aria-labelledby="h-pin"><h2 id="h-pin">${t('officers.pin')}</h2>
${o.id === me.id ? h`<p><a href="/account">${t('officers.pinOwn')}</a></p>` : h`<p id="pin-lead">${t('officers.pinLead')} ${t('pin.rule')}</p>
<form method="post" action="/officers/${o.id}/pin">${csrfField(c)}
<label for="pin">${t('pin.new')}</label>
<input id="pin" name="pin" type="password" inputmode="numeric" autocomplete="new-password" maxlength="12" required${pinErr}>
<label for="pin2">${t('pin.again')}</label>
<input id="pin2" name="pin2" type="password" inputmode="numeric" autocomplete="new-password" maxlength="12" required${pinErr}>
${fieldError(t, errors as Record<string, string>, 'pin')}
<p><button type="submit">${t('officers.pin')}</button></p></form>`}</section>
<p><a href="/officers">${t('common.back')}</a></p>`;
  const status = errors.role || errors.active || errors.pin ? 422 as const : undefined;
  return page(c, ctx, { title: t('officers.detail', { id: o.id }), body, active: '/officers', ...(status ? { status } : {}) });
}

/** Would taking `o` out of the active heads leave none? */
function lastHead(ctx: ConsoleContext, o: Officer): boolean {
  return o.role === 'head' && o.active && !ctx.ports.queries.officers().some((x) => x.role === 'head' && x.active && x.id !== o.id);
}

/** Why a new PIN (typed twice) is refused, or null. */
export function newPinError(t: Translate, pin: string, again: string): string | null {
  if (pinProblem(pin)) return t('pin.rule');
  if (pin !== again) return t('pin.mismatch');
  return null;
}

/** The officers' routes (a head's). */
export function officersScreen(app: ConsoleApp, ctx: ConsoleContext): void {
  const manage = allowed('manage');

  app.get('/officers', manage, (c) => officersPage(c, ctx));

  app.get('/officers/new', manage, (c) => addForm(c, ctx, {}, {}));

  app.post('/officers/new', manage, async (c) => {
    const t = c.get('t');
    const f = await formOf(c);
    const errors: Record<string, string> = {};
    const name = (f.name ?? '').trim();
    const role = f.role as Role;
    if (!name) errors.name = t('officers.nameMissing');
    else if (textError(name, 'name', 'name')) errors.name = t('officers.nameBad', { max: TEXT_LIMITS.name });
    if (!ROLES.includes(role)) errors.role = t('error.form');
    const card = pickCard(ctx, f);
    const typed = { name: f.name ?? '', role: f.role ?? '', uid: card.ok ? card.uid : f.uid ?? '' };
    if (!card.ok) errors.uid = t(card.error, card.params);
    else {
      const taken = cardTaken(ctx, t, card.uid);
      if (taken) errors.uid = taken;
    }
    if (Object.keys(errors).length > 0 || !card.ok) return addForm(c, ctx, typed, { form: t('error.form'), ...errors }, 422);
    try {
      const by = c.get('officer')!.id;
      const o = await ctx.ports.write('console.officer_add', () => ctx.ports.officers.addOfficer(by, { name, role, badge: card.uid }));
      return redirectWith(c, `/officers/${o.id}`, t('officers.added', { id: o.id }));
    } catch (err) {
      return addForm(c, ctx, typed, { form: refusal(ctx, t, err) }, 422);
    }
  });

  app.get(OFFICER, manage, (c) => {
    const o = ctx.ports.queries.officer(c.req.param('id'));
    return o ? officerPage(c, ctx, o) : c.notFound();
  });

  app.post(`${OFFICER}/role`, manage, async (c) => {
    const t = c.get('t');
    const o = ctx.ports.queries.officer(c.req.param('id'));
    if (!o) return c.notFound();
    const role = (await formOf(c)).role as Role;
    if (!ROLES.includes(role)) return officerPage(c, ctx, o, { role: t('error.form') });
    if (role !== 'head' && lastHead(ctx, o)) return officerPage(c, ctx, o, { role: t('officers.lastHead', { id: o.id }) }, role);
    try {
      const by = c.get('officer')!.id;
      await ctx.ports.write('console.officer_role', () => ctx.ports.officers.setRole(by, o.id, role));
      return redirectWith(c, `/officers/${o.id}`, t('officers.roleChanged', { id: o.id, role: roleText(t, role) }));
    } catch (err) {
      return officerPage(c, ctx, o, { role: refusal(ctx, t, err) }, role);
    }
  });

  app.post(`${OFFICER}/active`, manage, async (c) => {
    const t = c.get('t');
    const o = ctx.ports.queries.officer(c.req.param('id'));
    if (!o) return c.notFound();
    const active = (await formOf(c)).active === '1';
    if (!active && lastHead(ctx, o)) return officerPage(c, ctx, o, { active: t('officers.lastHead', { id: o.id }) });
    try {
      const by = c.get('officer')!.id;
      await ctx.ports.write('console.officer_active', () => ctx.ports.officers.setActive(by, o.id, active));
    } catch (err) {
      return officerPage(c, ctx, o, { active: refusal(ctx, t, err) });
    }
    // A deactivated officer is signed out everywhere at once (the next request of theirs finds no session).
    if (!active) ctx.sessions.endOfficer(o.id);
    if (!active && o.id === c.get('officer')!.id) return c.redirect('/signin', 303);
    return redirectWith(c, `/officers/${o.id}`, t(active ? 'officers.activated' : 'officers.deactivated', { id: o.id }));
  });

  app.post(`${OFFICER}/pin`, manage, async (c) => {
    const t = c.get('t');
    const o = ctx.ports.queries.officer(c.req.param('id'));
    if (!o) return c.notFound();
    if (o.id === c.get('officer')!.id) return c.redirect('/account', 303);
    const f = await formOf(c);
    const bad = newPinError(t, f.pin ?? '', f.pin2 ?? '');
    if (bad) return officerPage(c, ctx, o, { pin: bad });
    try {
      const by = c.get('officer')!.id;
      await ctx.ports.write('console.officer_pin', () => ctx.ports.officers.setPin(by, o.id, f.pin!));
    } catch (err) {
      return officerPage(c, ctx, o, { pin: refusal(ctx, t, err) });
    }
    // A PIN reset ends the officer's open sessions: whoever knew the old PIN is signed out.
    ctx.sessions.endOfficer(o.id);
    return redirectWith(c, `/officers/${o.id}`, t('officers.pinSet', { id: o.id }));
  });
}
