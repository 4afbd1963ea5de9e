/**
 * The alarm banner on every page: every alarm not yet acknowledged, newest first, each with its time and an
 * "acknowledge" form (the acknowledgement is an event with the actor). Kept live as the `alarms` pane; while it holds
 * an alarm the browser sounds it (assets/app.js) until acknowledged. While the fire input says fire (or its line is in
 * fault) a fire box leads the banner, acknowledged or not, for as long as it lasts: what the strike does (the site's
 * policy) and the muster list, one tap away, with the number of people inside.
 */
import type { Role } from '../../domain/types.js';
import type { StoredEvent } from '../../domain/events.js';
import type { ConsoleContext } from './context.js';
import type { MessageKey, Translate } from './i18n/index.js';
import { h, timeTag, when, type Html } from './view.js';

/** At most this many alarms are listed; the rest are counted. */
const SHOWN = 5;

/** Whether an event opens or closes an alarm (the banner then changes). */
export function isAlarmChange(type: string): boolean {
  return type.startsWith('alarm.') || type.startsWith('fire.') || type === 'door.forced' || type === 'door.held' || type === 'visit.device_mismatch';
}

/** The fire box: shown while the fire input says fire or fault (from the door's live state, not the alarms' acknowledgement). */
export function fireBox(ctx: ConsoleContext, t: Translate): Html {
  const fire = ctx.ports.door().fire;
  if (!fire || (!fire.alarm && !fire.fault)) return h``;
  const tz = ctx.settings.timeZone;
  const parts: Html[] = [];
  if (fire.alarm) {
    const q = ctx.ports.queries;
    const count = q.visitsInside().length + q.officersInside().length;
    parts.push(h`<h2>${t('fire.banner')}</h2>
<p>${t('fire.since', { time: when(fire.alarmSince, tz) })}. ${t(fire.released ? 'fire.released' : 'fire.stayLocked')}</p>
<p><a class="fire-muster" href="/muster">${t('fire.muster', { count })}</a></p>`);
  }
  if (fire.fault) parts.push(h`<p class="fire-fault">${t('fire.fault', { time: when(fire.faultSince, tz) })}</p>`);
  return h`<div class="fire-box" data-fire="${fire.alarm ? 'alarm' : 'fault'}" role="alert">${parts}</div>`;
}

/** One alarm as officer text. */
export function alarmText(t: Translate, e: StoredEvent): string {
  const d = e.data as Record<string, unknown>;
  const key = `alarm.${e.type}` as MessageKey;
  const params: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(d)) if (typeof v === 'string' || typeof v === 'number') params[k] = v;
  const text = t(key, params);
  return text === key ? t('alarm.other', { type: e.type }) : text;
}

/** The banner's HTML. */
export function alarmBanner(ctx: ConsoleContext, t: Translate, _role: Role, csrf = ''): Html {
  const open = ctx.ports.alarms.open(100);
  const fire = fireBox(ctx, t);
  if (open.length === 0) return fire;
  const shown = open.slice(0, SHOWN);
  return h`${fire}<div class="alarm-box" role="alert" data-alarm-count="${open.length}">
<h2>${t('alarm.banner')}</h2>
<button type="button" class="sound" data-sound-toggle>${t('alarm.sound.off')}</button>
<ul>${shown.map(({ event: e }) => h`<li class="alarm" data-seq="${e.seq}"><span class="what">${alarmText(t, e)}</span> ${timeTag(e.at, ctx.settings.timeZone)}
<form method="post" action="/alarms/${e.seq}/ack" class="inline"><input type="hidden" name="_csrf" value="${csrf}"><label><span class="sr">${t('alarm.ackNote')}</span><input name="note" maxlength="200" placeholder="${t('alarm.ackNote')}"></label><button type="submit">${t('alarm.ack')}</button></form></li>`)}</ul>
${open.length > SHOWN ? h`<p>${t('alarm.more', { count: open.length >= 100 ? '99+' : open.length - SHOWN })}</p>` : ''}
</div>`;
}
