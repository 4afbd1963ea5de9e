/**
 * The printed lists (A4, print CSS in assets/app.css): the muster list (`/muster`: who is inside now, with escort,
 * devices and since when; read only from this door's own store, so it works with the WAN down) and the day's visitor
 * list for the head's signature (`/daily?day=YYYY-MM-DD`, default today in the site's zone).
 */
import type { Officer, Visit } from '../../../domain/types.js';
import { DAY_MS, isCalendarDate, localDate } from '../../../domain/time.js';
import type { ConsoleApp, ConsoleContext } from '../context.js';
import type { Lang, MessageKey, Translate } from '../i18n/index.js';
import { page } from '../layout.js';
import { stateLabel } from '../visit-view.js';
import { h, signedIn, timeTag, when, type Html } from '../view.js';
import { maskNik } from '../../../domain/nik.js';
import { officerNames, sinceTag } from './door.js';

/** The print button (shown by assets/app.js; without JS the browser's own print works). */
function printButton(t: Translate): Html {
  return h`<button type="button" class="primary no-print" data-print hidden>${t('common.print')}</button>`;
}

/** Today in the site's zone as YYYY-MM-DD. */
export function today(at: number, timeZone: string): string {
  const d = localDate(at, timeZone);
  return `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}`;
}

/** The day before or after a YYYY-MM-DD day. */
function shiftDay(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** A day written out in the console's language (e.g. "Selasa, 1 Desember 2026"). */
function longDay(day: string, lang: Lang): string {
  return new Intl.DateTimeFormat(lang === 'id' ? 'id-ID' : 'en-GB', { timeZone: 'UTC', weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' })
    .format(Date.parse(`${day}T00:00:00Z`));
}

/** Devices as a list with their serial numbers. */
function devices(t: Translate, list: Visit['devicesIn']): Html {
  if (list.length === 0) return h`<span class="muted">${t('visit.noDevices')}</span>`;
  return h`<ul class="plain">${list.map((d) => h`<li>${d.description} (${t('muster.serial', { serial: d.serial })})</li>`)}</ul>`;
}

/** The muster list's content. */
export function musterList(ctx: ConsoleContext, t: Translate): Html {
  const q = ctx.ports.queries;
  const visitors = q.visitsInside();
  const officers = q.officersInside();
  const name = officerNames(ctx);
  const now = ctx.now();
  // During a fire alarm the printed list says so (the live fire box is not printed).
  const fire = ctx.ports.door().fire;
  return h`<p class="list-meta">${t('app.site', { door: ctx.settings.door, site: ctx.settings.site })} — ${t('muster.printed', { time: when(now, ctx.settings.timeZone) })}</p>
${fire?.alarm ? h`<p class="fire-note"><strong>${t('fire.banner')}</strong> — ${t('fire.since', { time: when(fire.alarmSince, ctx.settings.timeZone) })}. ${t('fire.rollCall')}</p>` : ''}
<p><strong>${t('inside.summary', { visitors: visitors.length, officers: officers.length })}</strong></p>
<h2>${t('inside.visitors')}</h2>
${visitors.length === 0 ? h`<p>${t('inside.noVisitors')}</p>` : h`<table class="print-table muster-visitors"><thead><tr>
<th scope="col">${t('muster.no')}</th><th scope="col">${t('inside.visitor')}</th><th scope="col">${t('inside.org')}</th><th scope="col">${t('inside.badge')}</th><th scope="col">${t('inside.escort')}</th><th scope="col">${t('inside.devices')}</th><th scope="col">${t('inside.since')}</th><th scope="col">${t('inside.visit')}</th>
</tr></thead><tbody>${visitors.map(({ visit: v, escort, since }, i) => h`<tr data-visit="${v.id}"><td>${i + 1}</td><td>${v.visitor.name}</td><td>${v.visitor.org}</td>
<td>${(v.badgeUid ? q.badge(v.badgeUid)?.label : null) ?? '-'}</td><td>${name(escort) ?? t('inside.noEscort')}</td><td>${devices(t, v.devicesIn)}</td><td>${sinceTag(ctx, since)}</td><td>${v.id}</td></tr>`)}</tbody></table>`}
<h2>${t('inside.officers')}</h2>
${officers.length === 0 ? h`<p>${t('inside.noOfficers')}</p>` : h`<table class="print-table muster-officers"><thead><tr>
<th scope="col">${t('muster.no')}</th><th scope="col">${t('inside.officer')}</th><th scope="col">${t('inside.role')}</th><th scope="col">${t('inside.since')}</th></tr></thead>
<tbody>${officers.map((o, i) => h`<tr data-officer="${o.id}"><td>${i + 1}</td><td>${o.name}</td><td>${t(`role.${o.role}` as MessageKey)}</td><td>${sinceTag(ctx, o.enteredAt)}</td></tr>`)}</tbody></table>`}
<p class="muted">${t('muster.local')}</p>`;
}

/** The daily list's table and signature lines. */
export function dailyList(ctx: ConsoleContext, t: Translate, day: string, visits: readonly Visit[], printedBy: Officer): Html {
  const tz = ctx.settings.timeZone;
  /** A time of the list's day as the time of day, another day's in full. */
  const onDay = (at: number | undefined): Html => (at === undefined ? h`-` : timeTag(at, tz, today(at, tz) === day));
  const name = officerNames(ctx);
  const q = ctx.ports.queries;
  return h`<p><strong>${t('daily.count', { count: visits.length })}</strong></p>
${visits.length === 0 ? h`<p>${t('daily.none')}</p>` : h`<div class="table-wrap" tabindex="0"><table class="print-table daily"><thead><tr>
<th scope="col">${t('muster.no')}</th><th scope="col">${t('visit.id')}</th><th scope="col">${t('inside.visitor')}</th><th scope="col">${t('daily.nik')}</th><th scope="col">${t('inside.org')}</th><th scope="col">${t('daily.purpose')}</th><th scope="col">${t('inside.badge')}</th><th scope="col">${t('inside.escort')}</th><th scope="col">${t('daily.entry')}</th><th scope="col">${t('daily.exit')}</th><th scope="col">${t('daily.state')}</th><th scope="col">${t('rules.label')}</th>
</tr></thead><tbody>${visits.map((v, i) => {
  const badgeUid = v.badgeUid ?? null;
  const label = badgeUid ? q.badge(badgeUid)?.label ?? '-' : '-';
  return h`<tr data-visit="${v.id}"><td>${i + 1}</td><td><a href="/visits/${v.id}">${v.id}</a></td><td>${v.visitor.name}</td><td class="nowrap">${maskNik(v.visitor.nik)}</td><td>${v.visitor.org}</td><td>${v.purpose}</td>
<td>${label}</td><td>${name(v.escort) ?? '-'}</td><td>${onDay(v.at.firstEntry)}</td><td>${onDay(v.at.checkedOut ?? v.at.lastExit)}</td><td>${stateLabel(t, v.state)}</td><td class="nowrap">${v.rulesAck?.version ?? '-'}</td></tr>`;
})}</tbody></table></div>`}
<div class="signature">
<div class="sign"><p>${t('daily.madeBy')}<br>${t(`role.${printedBy.role}` as MessageKey)}</p><div class="sign-space"></div><p class="sign-name">${printedBy.name}</p></div>
<div class="sign"><p>${t('daily.known')}<br>${t('daily.head')}</p><div class="sign-space"></div><p class="sign-name">${t('daily.signName')}</p></div>
</div>`;
}

/** The muster list and the daily list. */
export function listsScreen(app: ConsoleApp, ctx: ConsoleContext): void {
  app.get('/muster', signedIn, (c) => {
    const t = c.get('t');
    return page(c, ctx, {
      title: t('muster.title'), active: '/muster', bodyClass: 'print-list',
      body: h`<p class="no-print">${printButton(t)} <a class="button" href="/muster">${t('muster.reload')}</a></p>${musterList(ctx, t)}`,
    });
  });

  app.get('/daily', signedIn, (c) => {
    const t = c.get('t');
    const tz = ctx.settings.timeZone;
    const asked = (c.req.query('day') ?? '').trim();
    const day = asked || today(ctx.now(), tz);
    const officer = c.get('officer')!;
    const picker = (value: string, error: string | null): Html => h`<form method="get" action="/daily" class="no-print day-picker">
<label for="day">${t('daily.day')}</label>
<input id="day" name="day" type="date" value="${value}" required${error ? h` aria-invalid="true" aria-describedby="err-day"` : ''}>
${error ? h`<p class="field-error" id="err-day" role="alert">${error}</p>` : ''}
<button type="submit">${t('daily.show')}</button> ${printButton(t)}
</form>`;
    if (!isCalendarDate(day)) {
      return page(c, ctx, { title: t('daily.title'), active: '/daily', status: 422, body: picker(asked, t('daily.badDay', { day: asked })) });
    }
    const visits = ctx.ports.queries.visitsOfDay(day);
    return page(c, ctx, {
      title: t('daily.title'), active: '/daily', bodyClass: 'print-list daily-list', heading: false,
      body: h`<h1>${t('daily.heading', { day: longDay(day, c.get('lang')) })}</h1>
${picker(day, null)}
<p class="no-print"><a href="/daily?day=${shiftDay(day, -1)}">${t('daily.prev')}</a> · <a href="/daily">${t('daily.today')}</a> · <a href="/daily?day=${shiftDay(day, 1)}">${t('daily.next')}</a></p>
<p class="list-meta">${t('app.site', { door: ctx.settings.door, site: ctx.settings.site })} — ${t('daily.printedBy', { officer: officer.name, time: when(ctx.now(), tz) })}</p>
${dailyList(ctx, t, day, visits, officer)}`,
    });
  });
}
