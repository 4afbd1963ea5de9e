/**
 * The heads' page of secure badges (issue 15, docs/badges.md): the site's key versions, every pool badge and officer's
 * badge with the key version its card holds (or "UID only — can be copied"), and the desk reader as badge programmer:
 * enrol a new pool badge or an officer's badge, re-key a card still on an older version, reset a card to its factory
 * key. Each change is confirmed with the head's own PIN (a wrong one counts toward the lock, like a sign-in), then the
 * desk reader waits for the card ("tempelkan kartu") while the request is held; the app records on the write queue.
 */
import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import { PROOF_FAILURES, type ProofFailure, type SecureBadge } from '../../../domain/badge-proof.js';
import { UserError } from '../../../domain/errors.js';
import type { Officer, VisitorBadge } from '../../../domain/types.js';
import type { BadgeKeyView, SecureBadgeDesk, SecureBadgeTarget } from '../../../ports/console.js';
import type { ConsoleApp, ConsoleContext, ConsoleEnv } from '../context.js';
import type { MessageKey, Translate } from '../i18n/index.js';
import { page } from '../layout.js';
import { SESSION_COOKIE } from '../session.js';
import { allowed, clock, csrfField, fieldError, formOf, h, redirectWith, refusal, timeTag, type Html } from '../view.js';

/** How long the desk reader waits for the card after the head pressed the button (ms). */
export const CARD_WAIT_MS = 30_000;
/** A card UID in a path. */
const CARD = ':uid{[0-9A-F]{8,32}}';
/** What a row's button does. */
type RowAction = 'enrol' | 'rekey' | 'reset';

/** One card on the page: a pool badge or an officer's badge, with its enrolment if any. */
interface CardRow {
  uid: string;
  target: SecureBadgeTarget;
  holderText: string;
  pool: VisitorBadge | null;
  enrolled: SecureBadge | null;
}

/** Every pool badge still in use and every active officer's badge, with their enrolments. */
function cardRows(ctx: ConsoleContext, t: Translate, desk: SecureBadgeDesk): CardRow[] {
  const enrolled = new Map(desk.enrolled().map((b) => [b.uid, b]));
  const pool = ctx.ports.queries.badges().filter((b) => b.status !== 'retired').map((b): CardRow => ({
    uid: b.uid, target: { holder: 'pool', label: b.label }, holderText: t('secure.holder.pool', { label: b.label }), pool: b, enrolled: enrolled.get(b.uid) ?? null,
  }));
  const officers = ctx.ports.queries.officers().filter((o) => o.active).map((o: Officer): CardRow => ({
    uid: o.badgeUid, target: { holder: 'officer', officer: o.id }, holderText: t('secure.holder.officer', { name: o.name, officer: o.id }), pool: null, enrolled: enrolled.get(o.badgeUid) ?? null,
  }));
  return [...officers, ...pool];
}

/** How safe a row's card is: current key, older (still accepted or retired), unknown version, or UID only. */
function security(keys: BadgeKeyView, row: CardRow): 'current' | 'old' | 'retired' | 'unknown' | 'uidOnly' {
  const e = row.enrolled;
  if (!e) return 'uidOnly';
  if (!keys.usable) return 'unknown';
  if (e.keyVersion === keys.current) return 'current';
  if (keys.accepted.includes(e.keyVersion)) return 'old';
  return keys.retired.includes(e.keyVersion) ? 'retired' : 'unknown';
}

/** The actions a row offers. */
function rowActions(keys: BadgeKeyView, row: CardRow): RowAction[] {
  const s = security(keys, row);
  if (row.pool && row.pool.status === 'lost') return [];
  if (s === 'uidOnly') return ['enrol'];
  const reset: RowAction[] = s === 'unknown' ? [] : ['reset'];
  return s === 'current' ? reset : ['rekey', ...reset];
}

/** The key versions box. */
function keysBox(t: Translate, keys: BadgeKeyView): Html {
  if (!keys.usable) return h`<section class="card" aria-labelledby="h-keys"><h2 id="h-keys">${t('secure.keys')}</h2><p class="error" role="alert">${t('secure.keys.unusable')}</p></section>`;
  const list = (xs: number[]): string => (xs.length ? xs.join(', ') : t('secure.keys.none'));
  return h`<section class="card" aria-labelledby="h-keys"><h2 id="h-keys">${t('secure.keys')}</h2>
<p data-key-current="${keys.current}">${t('secure.keys.current', { version: keys.current })}</p>
<p>${t('secure.keys.accepted', { versions: list(keys.accepted) })}</p>
<p>${t('secure.keys.retired', { versions: list(keys.retired) })}</p></section>`;
}

/** The cards table. */
function cardTable(ctx: ConsoleContext, t: Translate, keys: BadgeKeyView, rows: readonly CardRow[], ready: boolean): Html {
  if (rows.length === 0) return h`<p class="muted">${t('secure.none')}</p>`;
  const count = { secure: 0, old: 0, uidOnly: 0 };
  const line = (r: CardRow): Html => {
    const s = security(keys, r);
    if (s === 'current') count.secure += 1; else if (s === 'uidOnly') count.uidOnly += 1; else count.old += 1;
    const version = r.enrolled?.keyVersion ?? 0;
    const label = t(`secure.status.${s}` as MessageKey, { version });
    const acts = ready ? rowActions(keys, r) : [];
    return h`<tr data-card="${r.uid}" data-security="${s}"><td><code>${r.uid}</code></td><td>${r.holderText}${r.pool ? h` <span class="muted">(${t('secure.poolStatus', { status: t(`badges.status.${r.pool.status}` as MessageKey) })})</span>` : ''}</td>
<td><span class="badge-state secure-${s}">${label}</span></td><td>${r.enrolled ? timeTag(r.enrolled.enrolledAt, ctx.settings.timeZone) : '-'}</td>
<td>${acts.map((a) => h`<a class="button${a === 'reset' ? '' : ' primary'}" href="/badges/secure/card/${r.uid}/${a}">${t(`secure.${a}` as MessageKey)}<span class="sr"> ${r.holderText}</span></a> `)}</td></tr>`;
  };
  const body = rows.map(line);
  return h`<p data-summary>${t('secure.summary', count)}</p>
<div class="table-wrap" tabindex="0"><table><caption class="sr">${t('secure.list')}</caption>
<thead><tr><th scope="col">${t('secure.col.card')}</th><th scope="col">${t('secure.col.holder')}</th><th scope="col">${t('secure.col.status')}</th><th scope="col">${t('secure.col.enrolledAt')}</th><th scope="col">${t('secure.col.action')}</th></tr></thead>
<tbody>${body}</tbody></table></div>`;
}

/** The PIN field and the "tap the card" note every programming form ends with (`id`: keeps the ids of two forms apart). */
function confirmFields(t: Translate, errors: Record<string, string>, submit: string, id = 'pin'): Html {
  return h`<label for="${id}">${t('secure.pin')}</label>
<p class="muted" id="${id}-hint">${t('secure.pinHint')}</p>
<input id="${id}" name="pin" type="password" inputmode="numeric" autocomplete="current-password" maxlength="12" required aria-describedby="${id}-hint${errors.pin ? ' err-pin' : ''}"${errors.pin ? h` aria-invalid="true"` : ''}>
${fieldError(t, errors, 'pin')}
<p class="tap-status" role="status">${t('secure.tapHint', { seconds: CARD_WAIT_MS / 1000 })}</p>
<p><button type="submit" class="primary" data-waiting="${t('secure.waiting')}">${submit}</button></p>`;
}

/** The two forms for new cards: a pool badge by label, an officer's badge. */
function newCardForms(c: Context<ConsoleEnv>, ctx: ConsoleContext, t: Translate, v: Record<string, string>, errors: Record<string, string>, form: string | undefined): Html {
  const officers = ctx.ports.queries.officers().filter((o) => o.active);
  const err = (f: string): Record<string, string> => (form === f ? errors : {});
  const pe = err('pool');
  const oe = err('officer');
  return h`<div class="grid">
<form method="post" action="/badges/secure/pool" class="card" novalidate>${csrfField(c)}
<h2 id="h-pool">${t('secure.newPool')}</h2>
${pe.form ? h`<p class="error" role="alert">${pe.form}</p>` : ''}
<label for="label">${t('secure.label')}</label>
<p class="muted" id="label-hint">${t('secure.labelHint')}</p>
<input id="label" name="label" value="${form === 'pool' ? v.label ?? '' : ''}" required maxlength="32" autocomplete="off" aria-describedby="label-hint${pe.label ? ' err-label' : ''}"${pe.label ? h` aria-invalid="true"` : ''}>
${fieldError(t, pe, 'label')}
${confirmFields(t, pe, t('secure.enrol'), 'pin-pool')}
</form>
<form method="post" action="/badges/secure/officer" class="card" novalidate>${csrfField(c)}
<h2 id="h-officer">${t('secure.newOfficer')}</h2>
${oe.form ? h`<p class="error" role="alert">${oe.form}</p>` : ''}
<label for="officer">${t('secure.officer')}</label>
<p class="muted" id="officer-hint">${t('secure.officerHint')}</p>
<select id="officer" name="officer" required aria-describedby="officer-hint${oe.officer ? ' err-officer' : ''}"${oe.officer ? h` aria-invalid="true"` : ''}><option value="">${t('secure.officerChoose')}</option>${officers.map((o) => h`<option value="${o.id}"${form === 'officer' && v.officer === o.id ? h` selected` : ''}>${o.name} (${o.id})</option>`)}</select>
${fieldError(t, oe, 'officer')}
${confirmFields(t, oe, t('secure.enrol'), 'pin-officer')}
</form></div>`;
}

/** The page: keys, cards, new-card forms (with what was typed and its errors after a refusal). */
function securePage(c: Context<ConsoleEnv>, ctx: ConsoleContext, desk: SecureBadgeDesk, o: { v?: Record<string, string>; errors?: Record<string, string>; form?: 'pool' | 'officer'; status?: 422 | 409 } = {}): Response {
  const t = c.get('t');
  const keys = desk.keys();
  const w = desk.writer();
  const body = h`<p>${t('secure.lead')}</p>
${o.errors?.top ? h`<p class="error" role="alert">${o.errors.top}</p>` : ''}
${keysBox(t, keys)}
${!w.ready && w.why === 'no-reader' ? h`<p class="error" role="alert">${t('secure.noReader')}</p>` : ''}
<section aria-labelledby="h-cards"><h2 id="h-cards">${t('secure.list')}</h2>
${cardTable(ctx, t, keys, cardRows(ctx, t, desk), w.ready)}</section>
${w.ready ? newCardForms(c, ctx, t, o.v ?? {}, o.errors ?? {}, o.form) : ''}`;
  return page(c, ctx, { title: t('secure.title'), body, active: '/badges/secure', ...(o.status ? { status: o.status } : {}) });
}

/** The confirm page of one card's action (enrol, re-key, reset), with its errors. */
function actionPage(c: Context<ConsoleEnv>, ctx: ConsoleContext, row: CardRow, action: RowAction, errors: Record<string, string> = {}, status?: 422 | 409): Response {
  const t = c.get('t');
  const title = t(`secure.action.title.${action}` as MessageKey);
  const body = h`<form method="post" action="/badges/secure/card/${row.uid}/${action}" class="card" novalidate>${csrfField(c)}
${errors.form ? h`<p class="error" role="alert">${errors.form}</p>` : ''}
<dl class="facts"><dt>${t('secure.col.holder')}</dt><dd>${row.holderText}</dd><dt>${t('secure.col.card')}</dt><dd><code>${row.uid}</code></dd></dl>
${action === 'reset' ? h`<p>${t('secure.action.resetLead')}</p>` : ''}
${confirmFields(t, errors, t(`secure.${action}` as MessageKey))}
<p><a class="button" href="/badges/secure">${t('secure.cancel')}</a></p>
</form>`;
  return page(c, ctx, { title, body, active: '/badges/secure', ...(status ? { status } : {}) });
}

/** A writer's or the app's refusal as officer text (a card that failed its proof in the catalogue's words). */
function notWritten(ctx: ConsoleContext, t: Translate, err: unknown, action: 'enrol' | 'reset'): string {
  // The card was written but its record refused: both, in the officer's words.
  const why = (err as { why?: unknown }).why;
  if (err instanceof UserError && why instanceof UserError) return `${refusal(ctx, t, err)} ${refusal(ctx, t, why)}`;
  if (err instanceof UserError) return refusal(ctx, t, err);
  // At enrolment a factory-key card is refused only when it shows an enrolled badge's UID: a copy of that UID.
  if (why === 'factory-key' && action === 'enrol') return t('secure.notWritten', { message: t('secure.why.copy') });
  if (typeof why === 'string' && (PROOF_FAILURES as readonly string[]).includes(why)) return t('secure.notWritten', { message: t(`secure.why.${why as ProofFailure}` as MessageKey) });
  return t('secure.notWritten', { message: err instanceof Error ? err.message : String(err) });
}

/** The page's routes (a head's). */
export function secureBadgesScreen(app: ConsoleApp, ctx: ConsoleContext): void {
  const head = allowed('secure_badges');
  const desk = ctx.ports.secureBadges;
  if (!desk) return;
  // The desk reader programs one card at a time: a second head's request is refused while one waits.
  let busy = false;

  /** Check the head's PIN like a sign-in; a Response when it failed (the form's error, or the lock's page). */
  const pinRefused = async (c: Context<ConsoleEnv>, pin: string, again: (errors: Record<string, string>) => Response): Promise<Response | null> => {
    const t = c.get('t');
    const me = c.get('officer')!;
    if (!pin) return again({ pin: t('secure.pinMissing') });
    const match = await ctx.ports.officers.matchPin(me.id, pin);
    const check = await ctx.ports.write('console.secure_badge_pin', () => ctx.ports.officers.verifyPin(me.id, pin, match));
    if (check.ok) return null;
    if (check.reason === 'wrong') return again({ pin: t('secure.pinWrong', { left: check.left }) });
    if (check.reason === 'locked') {
      ctx.sessions.end(getCookie(c, SESSION_COOKIE));
      c.set('session', null);
      c.set('officer', null);
      return page(c, ctx, { title: t('secure.title'), status: 429, live: false, body: h`<p class="error" role="alert">${t('signin.locked', { until: clock(check.until, ctx.settings.timeZone) })}</p><p><a href="/signin">${t('signin.title')}</a></p>` });
    }
    return again({ form: t(check.reason === 'no-pin' ? 'signin.noPin' : 'signin.inactive') });
  };

  /** Run one programming of the desk reader (one at a time), the PIN checked first; the redirect with its notice. */
  const program = async (c: Context<ConsoleEnv>, pin: string, again: (errors: Record<string, string>, status?: 409) => Response, job: (signal: AbortSignal) => Promise<string>, action: 'enrol' | 'reset' = 'enrol'): Promise<Response> => {
    const t = c.get('t');
    if (busy) return again({ form: t('secure.busy') }, 409);
    const refused = await pinRefused(c, pin, again);
    if (refused) return refused;
    if (busy) return again({ form: t('secure.busy') }, 409);
    busy = true;
    try {
      const notice = await job(c.req.raw.signal);
      return redirectWith(c, '/badges/secure', notice);
    } catch (err) {
      return again({ form: notWritten(ctx, t, err, action) });
    } finally {
      busy = false;
    }
  };

  /** Enrol or re-key `target` and say what was recorded. */
  const enrol = async (c: Context<ConsoleEnv>, target: SecureBadgeTarget, signal: AbortSignal): Promise<string> => {
    const t = c.get('t');
    const by = c.get('officer')!.id;
    desk.check(target, by);
    const r = await desk.enroll(target, by, { timeoutMs: ctx.settings.cardWaitMs ?? CARD_WAIT_MS, signal });
    if (r.added) return t('secure.enrolledNew', { label: r.label ?? '', card: r.uid, version: r.keyVersion });
    if (r.replacedBadge) return t('secure.replaced', { card: r.uid, officer: r.officer ?? '', version: r.keyVersion, old: r.replacedBadge });
    return r.previousKeyVersion > 0 ? t('secure.rekeyed', { card: r.uid, previous: r.previousKeyVersion, version: r.keyVersion }) : t('secure.enrolled', { card: r.uid, version: r.keyVersion });
  };

  app.get('/badges/secure', head, (c) => securePage(c, ctx, desk));

  app.post('/badges/secure/pool', head, async (c) => {
    const t = c.get('t');
    const f = await formOf(c);
    const label = (f.label ?? '').trim();
    const again = (errors: Record<string, string>, status: 422 | 409 = 422): Response => securePage(c, ctx, desk, { v: { label }, errors: { form: t('error.form'), ...errors }, form: 'pool', status });
    if (!label) return again({ label: t('secure.labelMissing') });
    return program(c, f.pin ?? '', again, (signal) => enrol(c, { holder: 'pool', label }, signal));
  });

  app.post('/badges/secure/officer', head, async (c) => {
    const t = c.get('t');
    const f = await formOf(c);
    const officer = (f.officer ?? '').trim();
    const again = (errors: Record<string, string>, status: 422 | 409 = 422): Response => securePage(c, ctx, desk, { v: { officer }, errors: { form: t('error.form'), ...errors }, form: 'officer', status });
    if (!officer) return again({ officer: t('secure.officerMissing') });
    return program(c, f.pin ?? '', again, (signal) => enrol(c, { holder: 'officer', officer }, signal));
  });

  /** The row of a card in the path, with the action if the row offers it. */
  const rowOf = (c: Context<ConsoleEnv>, action: string): CardRow | null => {
    const row = cardRows(ctx, c.get('t'), desk).find((r) => r.uid === c.req.param('uid'));
    return row && (rowActions(desk.keys(), row) as string[]).includes(action) ? row : null;
  };
  const unknown = (c: Context<ConsoleEnv>): Response => securePage(c, ctx, desk, { errors: { top: c.get('t')('secure.unknownCard') }, status: 422 });

  app.get(`/badges/secure/card/${CARD}/:action{enrol|rekey|reset}`, head, (c) => {
    const action = c.req.param('action') as RowAction;
    const row = rowOf(c, action);
    return row ? actionPage(c, ctx, row, action) : unknown(c);
  });

  app.post(`/badges/secure/card/${CARD}/:action{enrol|rekey|reset}`, head, async (c) => {
    const t = c.get('t');
    const action = c.req.param('action') as RowAction;
    const row = rowOf(c, action);
    if (!row) return unknown(c);
    const f = await formOf(c);
    const again = (errors: Record<string, string>, status: 422 | 409 = 422): Response => actionPage(c, ctx, row, action, { form: errors.form ?? t('error.form'), ...errors }, status);
    if (action !== 'reset') return program(c, f.pin ?? '', again, (signal) => enrol(c, row.target, signal));
    return program(c, f.pin ?? '', again, async (signal) => {
      const r = await desk.reset(row.uid, c.get('officer')!.id, { timeoutMs: ctx.settings.cardWaitMs ?? CARD_WAIT_MS, signal });
      return t('secure.resetDone', { card: r.uid });
    }, 'reset');
  });
}
