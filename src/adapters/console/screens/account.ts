/**
 * The signed-in officer's own account: who they are, and changing their own PIN (the current PIN, then the new one
 * twice). A wrong current PIN counts toward the lock like one at sign-in; the lock also ends this session. PINs are
 * never echoed into the page or a log.
 */
import { getCookie } from 'hono/cookie';
import type { Context } from 'hono';
import type { ConsoleApp, ConsoleContext, ConsoleEnv } from '../context.js';
import { page } from '../layout.js';
import { SESSION_COOKIE } from '../session.js';
import { clock, csrfField, fieldError, formOf, h, redirectWith, refusal, signedIn } from '../view.js';
import { roleText } from './officers-page.js';
import { newPinError } from './officers.js';

/** The account page, with the PIN form's errors. */
function accountPage(c: Context<ConsoleEnv>, ctx: ConsoleContext, errors: Record<string, string> = {}): Response {
  const t = c.get('t');
  const o = c.get('officer')!;
  const invalid = (f: string): ReturnType<typeof h> => (errors[f] ? h` aria-invalid="true" aria-describedby="err-${f}"` : h``);
  const body = h`<dl class="card">
<dt>${t('officers.id')}</dt><dd>${o.id}</dd>
<dt>${t('officers.name')}</dt><dd>${o.name}</dd>
<dt>${t('officers.role')}</dt><dd>${roleText(t, o.role)}</dd>
<dt>${t('officers.badge')}</dt><dd><code>${o.badgeUid}</code></dd>
</dl>
<section class="card" aria-labelledby="h-pin"><h2 id="h-pin">${t('account.pin')}</h2>
<p>${t('account.pinLead')} ${t('pin.rule')}</p>
${errors.form ? h`<p class="error" role="alert">${errors.form}</p>` : ''}
<form method="post" action="/account">${csrfField(c)}
<label for="current">${t('account.current')}</label>
<input id="current" name="current" type="password" inputmode="numeric" autocomplete="current-password" maxlength="12" required${invalid('current')}>
${fieldError(t, errors, 'current')}
<label for="pin">${t('pin.new')}</label>
<input id="pin" name="pin" type="password" inputmode="numeric" autocomplete="new-password" maxlength="12" required${invalid('pin')}>
<label for="pin2">${t('pin.again')}</label>
<input id="pin2" name="pin2" type="password" inputmode="numeric" autocomplete="new-password" maxlength="12" required${invalid('pin')}>
${fieldError(t, errors, 'pin')}
<p><button type="submit" class="primary">${t('account.submit')}</button></p>
</form></section>`;
  return page(c, ctx, { title: t('account.title'), body, active: '/account', ...(Object.keys(errors).length ? { status: 422 as const } : {}) });
}

/** The account routes (every signed-in officer, for themself only). */
export function accountScreen(app: ConsoleApp, ctx: ConsoleContext): void {
  app.get('/account', signedIn, (c) => accountPage(c, ctx));

  app.post('/account', signedIn, async (c) => {
    const t = c.get('t');
    const me = c.get('officer')!;
    const f = await formOf(c);
    const current = f.current ?? '';
    if (!current) return accountPage(c, ctx, { current: t('account.currentMissing') });
    const bad = newPinError(t, f.pin ?? '', f.pin2 ?? '');
    if (bad) return accountPage(c, ctx, { pin: bad });
    // The current PIN is checked first like a sign-in (a wrong one counts toward the lock), so the page can say how:
    // scrypt on the thread pool, then the write queue only counts the try.
    const match = await ctx.ports.officers.matchPin(me.id, current);
    const check = await ctx.ports.write('console.account_pin_check', () => ctx.ports.officers.verifyPin(me.id, current, match));
    if (!check.ok) {
      if (check.reason === 'wrong') return accountPage(c, ctx, { current: t('account.currentWrong', { left: check.left }) });
      if (check.reason === 'locked') {
        ctx.sessions.end(getCookie(c, SESSION_COOKIE));
        c.set('session', null);
        c.set('officer', null);
        return page(c, ctx, { title: t('account.title'), status: 429, live: false, body: h`<p class="error" role="alert">${t('signin.locked', { until: clock(check.until, ctx.settings.timeZone) })}</p><p><a href="/signin">${t('signin.title')}</a></p>` });
      }
      return accountPage(c, ctx, { form: t(check.reason === 'no-pin' ? 'signin.noPin' : 'signin.inactive') });
    }
    try {
      await ctx.ports.write('console.account_pin', () => ctx.ports.officers.changeOwnPin(me.id, current, f.pin!));
    } catch (err) {
      return accountPage(c, ctx, { form: refusal(ctx, t, err) });
    }
    return redirectWith(c, '/account', t('account.changed'));
  });
}
