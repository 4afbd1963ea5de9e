/**
 * A card named on a form by a tap on the desk reader (a one-time token; the page never sees the UID) or by its typed
 * UID, with the no-JavaScript fallback "use the card tapped last"; and the form fields that ask for it. Used where a
 * head registers a new card: an officer's own badge, or a special badge for the pool.
 */
import { checkUid, isRandomUid } from '../../../domain/uid.js';
import type { ConsoleContext } from '../context.js';
import type { MessageKey, MessageParams, Translate } from '../i18n/index.js';
import { fieldError, h, type Html } from '../view.js';

/** The card a form named, or why none could be used (a catalogue key with its parameters). */
export type CardPick = { ok: true; uid: string } | { ok: false; error: MessageKey; params?: MessageParams };

/** The card of a form: its tap token, else its typed UID, else (box ticked) the desk reader's latest tap. */
export function pickCard(ctx: ConsoleContext, f: Record<string, string>): CardPick {
  const token = (f.tap ?? '').trim();
  if (token && token !== 'latest') {
    const tap = ctx.desk.take(token);
    if (tap?.notice.kind === 'random') return { ok: false, error: 'desk.randomUid.badge' };
    if (tap?.notice.kind === 'unproven') return { ok: false, error: 'desk.unproven' };
    return tap ? { ok: true, uid: tap.uid } : { ok: false, error: 'officers.tapExpired' };
  }
  const typed = (f.uid ?? '').trim();
  if (typed) {
    const r = checkUid(typed);
    if (r.ok && isRandomUid(r.uid)) return { ok: false, error: 'desk.randomUid.badge' };
    return r.ok ? { ok: true, uid: r.uid } : { ok: false, error: 'officers.uidBad' };
  }
  if (f.latest === '1') {
    const tap = ctx.desk.take('latest');
    if (tap?.notice.kind === 'random') return { ok: false, error: 'desk.randomUid.badge' };
    if (tap?.notice.kind === 'unproven') return { ok: false, error: 'desk.unproven' };
    return tap ? { ok: true, uid: tap.uid } : { ok: false, error: 'common.tapNone' };
  }
  return { ok: false, error: 'officers.tapMissing' };
}

/** Why a card cannot become a new officer badge or pool badge (already someone's, or in the pool), or null. */
export function cardTaken(ctx: ConsoleContext, t: Translate, uid: string): string | null {
  const officer = ctx.ports.queries.officerByBadge(uid);
  if (officer) return t('officers.tapIsOfficer', { name: officer.name });
  const badge = ctx.ports.queries.badge(uid);
  if (badge) return t('officers.tapIsBadge', { label: badge.label });
  return null;
}

/**
 * The fields naming a new card: the hidden tap field filled by a tap on the desk reader (kind `card`: a card the door
 * does not know), the typed UID, and the "use the card tapped last" box for browsers without JavaScript.
 */
export function cardFields(t: Translate, uid: string, errors: Record<string, string>): Html {
  return h`<p id="tap-status" class="tap-status" role="status" aria-live="polite"></p>
<input type="hidden" name="tap" value="" data-tap-field="card" data-label="${t('officers.tapLabel')}" data-random="${t('desk.randomUid.badge')}" data-unproven="${t('desk.unproven')}">
<label for="uid">${t('officers.uid')}</label>
<p class="muted" id="uid-hint">${t('officers.uidHint')}</p>
<input id="uid" name="uid" value="${uid}" autocomplete="off" spellcheck="false" maxlength="64" aria-describedby="uid-hint${errors.uid ? ' err-uid' : ''}"${errors.uid ? h` aria-invalid="true"` : ''}>
${fieldError(t, errors, 'uid')}
<label class="choice"><input type="checkbox" class="tick" name="latest" value="1"> ${t('common.tapUseLatest')}</label>`;
}
