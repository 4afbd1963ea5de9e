/**
 * The special badge pool, a head's (checked on the server): the pool's table on the officers page, adding a badge
 * (tapped on the desk reader or typed, with its printed label), retiring one, and putting a found lost badge back in
 * the pool. Every change runs on the daemon's write queue and is an event naming the head.
 */
import type { Context } from 'hono';
import type { ConsoleApp, ConsoleContext, ConsoleEnv } from '../context.js';
import { page } from '../layout.js';
import { allowed, csrfField, fieldError, formOf, h, redirectWith, refusal } from '../view.js';
import { cardFields, cardTaken, pickCard } from './card-field.js';
import { officersPage } from './officers-page.js';

/** A badge UID in a path. */
const BADGE = '/officers/badges/:uid{[0-9A-F]{4,32}}';

/** The add-badge form, with what was typed and the errors. */
function addForm(c: Context<ConsoleEnv>, ctx: ConsoleContext, v: Record<string, string>, errors: Record<string, string>, status?: 422): Response {
  const t = c.get('t');
  const body = h`${errors.form ? h`<p class="error" role="alert">${errors.form}</p>` : ''}
<p>${t('badges.addLead')}</p>
<form method="post" action="/officers/badges/new" class="card">
${csrfField(c)}
${cardFields(t, v.uid ?? '', errors)}
<label for="label">${t('badges.label')}</label>
<p class="muted" id="label-hint">${t('badges.labelHint')}</p>
<input id="label" name="label" value="${v.label ?? ''}" required maxlength="32" autocomplete="off" aria-describedby="label-hint${errors.label ? ' err-label' : ''}"${errors.label ? h` aria-invalid="true"` : ''}>
${fieldError(t, errors, 'label')}
<p><button type="submit" class="primary">${t('badges.add')}</button> <a class="button" href="/officers">${t('common.cancel')}</a></p>
</form>`;
  return page(c, ctx, { title: t('badges.add'), body, active: '/officers', ...(status ? { status } : {}) });
}

/** The badge pool's routes (a head's). */
export function badgesScreen(app: ConsoleApp, ctx: ConsoleContext): void {
  const manage = allowed('manage');

  app.get('/officers/badges/new', manage, (c) => addForm(c, ctx, {}, {}));

  app.post('/officers/badges/new', manage, async (c) => {
    const t = c.get('t');
    const f = await formOf(c);
    const errors: Record<string, string> = {};
    const label = (f.label ?? '').trim();
    if (!label) errors.label = t('badges.labelMissing');
    else if (ctx.ports.queries.badges().some((b) => b.label === label)) errors.label = t('badges.labelTaken', { label });
    const card = pickCard(ctx, f);
    const typed = { label: f.label ?? '', uid: card.ok ? card.uid : f.uid ?? '' };
    if (!card.ok) errors.uid = t(card.error, card.params);
    else {
      const inPool = ctx.ports.queries.badge(card.uid);
      const taken = inPool ? t('badges.inPool', { label: inPool.label }) : cardTaken(ctx, t, card.uid);
      if (taken) errors.uid = taken;
    }
    if (Object.keys(errors).length > 0 || !card.ok) return addForm(c, ctx, typed, { form: t('error.form'), ...errors }, 422);
    try {
      const by = c.get('officer')!.id;
      const b = await ctx.ports.write('console.badge_add', () => ctx.ports.desk.addBadge(card.uid, label, by));
      return redirectWith(c, '/officers', t('badges.added', { label: b.label }));
    } catch (err) {
      return addForm(c, ctx, typed, { form: refusal(ctx, t, err) }, 422);
    }
  });

  app.post(`${BADGE}/retire`, manage, async (c) => {
    const t = c.get('t');
    const b = ctx.ports.queries.badge(c.req.param('uid'));
    if (!b) return officersPage(c, ctx, t('badges.unknown'));
    try {
      const by = c.get('officer')!.id;
      await ctx.ports.write('console.badge_retire', () => ctx.ports.desk.retireBadge(b.uid, by));
      return redirectWith(c, '/officers', t('badges.retired', { label: b.label }));
    } catch (err) {
      return officersPage(c, ctx, refusal(ctx, t, err));
    }
  });

  app.post(`${BADGE}/found`, allowed('badge_found'), async (c) => {
    const t = c.get('t');
    const b = ctx.ports.queries.badge(c.req.param('uid'));
    if (!b) return officersPage(c, ctx, t('badges.unknown'));
    try {
      const by = c.get('officer')!.id;
      await ctx.ports.write('console.badge_found', () => ctx.ports.desk.badgeFound(b.uid, by));
      return redirectWith(c, '/officers', t('badges.foundDone', { label: b.label }));
    } catch (err) {
      return officersPage(c, ctx, refusal(ctx, t, err));
    }
  });
}
