/**
 * The live door (`/door`, the console's home): the door's state (locked or not, open or closed, since when; enabled or
 * disabled), who is inside now (visitors with their escort and since when, officers since when) and the newest events,
 * each a live pane (`door`, `inside`, `events`) re-rendered and pushed over SSE when an event changes it. The relay
 * relocks without an event, so while the door is not at rest the `door` pane re-reads it twice a second (in memory,
 * only while a browser is connected) and is pushed again when it changed.
 */
import type { Role } from '../../../domain/types.js';
import { isAlertType, type StoredEvent } from '../../../domain/events.js';
import { localDate } from '../../../domain/time.js';
import type { LiveDoor } from '../../../ports/console.js';
import type { ConsoleApp, ConsoleContext } from '../context.js';
import { eventNames, eventText } from '../event-text.js';
import type { MessageKey, Translate } from '../i18n/index.js';
import { page } from '../layout.js';
import { h, signedIn, timeTag, type Html } from '../view.js';

/** Events shown in the stream. */
export const EVENTS_SHOWN = 30;
/** Newest events searched for when the door's state began (the door page reads no further back). */
const SINCE_WINDOW = 100;
/** How often a door not at rest is re-read (ms). */
const DOOR_POLL_MS = 500;

/** A time as "since": the time of day when it is today in the site's zone, else the full date and time. */
export function sinceTag(ctx: ConsoleContext, at: number | null | undefined): Html {
  const tz = ctx.settings.timeZone;
  if (at === null || at === undefined) return h`-`;
  return timeTag(at, tz, localDate(at, tz) === localDate(ctx.now(), tz));
}

/** Officers' names by id, read once per rendering. */
export function officerNames(ctx: ConsoleContext): (id: string | null | undefined) => string | null {
  const names = new Map(ctx.ports.queries.officers().map((o) => [o.id, o.name] as const));
  return (id) => (id ? names.get(id) ?? id : null);
}

/** Whether an event can change who is inside (taps, unused grants, visit and officer changes, badges). */
export function changesInside(e: StoredEvent): boolean {
  const t = e.type;
  return t === 'access.granted' || t === 'access.unused' || t.startsWith('visit.') || t.startsWith('officer.') || t.startsWith('badge.');
}

/** Whether an event can change the door's state (door events, grants and their strike, the daemon). */
export function changesDoor(e: StoredEvent): boolean {
  const t = e.type;
  return t.startsWith('door.') || t === 'access.granted' || t === 'access.unused' || t.startsWith('daemon.');
}

const atRest = (d: LiveDoor): boolean => d.locked && d.open !== true;
const signature = (d: LiveDoor): string => `${d.locked}|${d.open}|${d.openSince}|${d.mode}`;

/** Re-reads a door that is not at rest until it is, pushing the `door` pane when it changed; notes when it relocked. */
export class DoorWatch {
  private timer: NodeJS.Timeout | null = null;
  private shown = '';
  private wasLocked: boolean | null = null;
  /** When the relay was seen going off (the relock has no event), or null when not seen. */
  lockedSince: number | null = null;

  constructor(private readonly ctx: ConsoleContext) {}

  /** The door is being rendered in this state. */
  rendered(d: LiveDoor): void {
    this.note(d);
    this.shown = signature(d);
    if (!atRest(d)) this.arm();
  }

  private note(d: LiveDoor): void {
    if (d.locked && this.wasLocked === false) this.lockedSince = this.ctx.now();
    if (!d.locked) this.lockedSince = null;
    this.wasLocked = d.locked;
  }

  private arm(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => { this.timer = null; this.check(); }, DOOR_POLL_MS);
    this.timer.unref();
  }

  private check(): void {
    if (this.ctx.live.size === 0) return;
    const d = this.ctx.ports.door();
    this.note(d);
    if (signature(d) !== this.shown) this.ctx.live.refresh('door');
    else if (!atRest(d)) this.arm();
  }
}

/** When the newest event of these types happened (ms), among the newest events. */
function lastOf(events: readonly StoredEvent[], types: readonly string[]): number | null {
  const e = events.find((x) => types.includes(x.type));
  return e ? Date.parse(e.at) : null;
}

/** The door pane: lock, position and mode, each with since when. */
export function doorPane(ctx: ConsoleContext, t: Translate, d: LiveDoor, lockedSince: number | null = null): Html {
  const recent = ctx.ports.queries.recentEvents(SINCE_WINDOW);
  const since = (at: number | null): Html => (at === null ? h`` : h` <span class="since">${t('door.since')} ${sinceTag(ctx, at)}</span>`);
  const lockSince = d.locked ? lockedSince : lastOf(recent, ['access.granted', 'door.rex']);
  const position = d.open === null
    ? h`<span class="door-state">${t('door.unknown')}</span>`
    : h`<span class="door-state ${d.open ? 'open' : 'closed'}">${t(d.open ? 'door.open' : 'door.closed')}</span>${since(d.open ? d.openSince : lastOf(recent, ['door.closed', 'door.held_cleared']))}`;
  return h`<dl class="door-status" data-locked="${String(d.locked)}" data-open="${String(d.open)}" data-mode="${d.mode}">
<div><dt>${t('door.strike')}</dt><dd><span class="door-state ${d.locked ? 'locked' : 'unlocked'}">${t(d.locked ? 'door.locked' : 'door.unlocked')}</span>${since(lockSince)}</dd></div>
<div><dt>${t('door.position')}</dt><dd>${position}</dd></div>
<div><dt>${t('door.mode')}</dt><dd${d.mode === 'disabled' ? h` class="over"` : ''}>${t(d.mode === 'disabled' ? 'door.disabled' : 'door.enabled')}${since(lastOf(recent, [d.mode === 'disabled' ? 'door.disabled' : 'door.enabled']))}</dd></div>
</dl>`;
}

/** The "who is inside" pane: visitors with escort, badge, since when and approval end; officers since when. */
export function insidePane(ctx: ConsoleContext, t: Translate): Html {
  const q = ctx.ports.queries;
  const visitors = q.visitsInside();
  const officers = q.officersInside();
  const name = officerNames(ctx);
  const now = ctx.now();
  const tz = ctx.settings.timeZone;
  if (visitors.length === 0 && officers.length === 0) return h`<p class="nobody" data-inside="0">${t('inside.nobody')}</p>`;
  return h`<p data-inside="${visitors.length + officers.length}"><strong>${t('inside.summary', { visitors: visitors.length, officers: officers.length })}</strong></p>
${visitors.length > 0 && officers.length === 0 ? h`<p class="error" role="alert">${t('inside.unescorted')}</p>` : ''}
<h3>${t('inside.visitors')}</h3>
${visitors.length === 0 ? h`<p class="muted">${t('inside.noVisitors')}</p>` : h`<div class="table-wrap" tabindex="0"><table class="inside-visitors stack"><thead><tr>
<th scope="col">${t('inside.visitor')}</th><th scope="col">${t('inside.org')}</th><th scope="col">${t('inside.visit')}</th><th scope="col">${t('inside.badge')}</th><th scope="col">${t('inside.escort')}</th><th scope="col">${t('inside.since')}</th><th scope="col">${t('inside.validUntil')}</th>
</tr></thead><tbody>${visitors.map(({ visit: v, escort, since }) => {
  const badge = v.badgeUid ? q.badge(v.badgeUid) : null;
  const over = v.validUntil !== null && v.validUntil < now;
  return h`<tr data-visit="${v.id}"><td data-label="${t('inside.visitor')}">${v.visitor.name}</td><td data-label="${t('inside.org')}">${v.visitor.org}</td><td class="nowrap" data-label="${t('inside.visit')}"><a href="/visits/${v.id}">${v.id}</a></td><td class="nowrap" data-label="${t('inside.badge')}">${badge?.label ?? '-'}</td>
<td data-label="${t('inside.escort')}">${name(escort) ?? h`<span class="muted">${t('inside.noEscort')}</span>`}</td><td data-label="${t('inside.since')}">${sinceTag(ctx, since)}</td>
<td data-label="${t('inside.validUntil')}"${over ? h` class="over"` : ''}>${sinceTag(ctx, v.validUntil)}${over ? h` (${t('inside.over')})` : ''}</td></tr>`;
})}</tbody></table></div>`}
<h3>${t('inside.officers')}</h3>
${officers.length === 0 ? h`<p class="muted">${t('inside.noOfficers')}</p>` : h`<div class="table-wrap" tabindex="0"><table class="inside-officers stack"><thead><tr>
<th scope="col">${t('inside.officer')}</th><th scope="col">${t('inside.role')}</th><th scope="col">${t('inside.since')}</th></tr></thead>
<tbody>${officers.map((o) => h`<tr data-officer="${o.id}"><td data-label="${t('inside.officer')}">${o.name}</td><td data-label="${t('inside.role')}">${t(`role.${o.role}` as MessageKey)}</td><td data-label="${t('inside.since')}">${sinceTag(ctx, o.enteredAt)}</td></tr>`)}</tbody></table></div>`}`;
}

/** The events pane: the newest events, newest first, as officer text. */
export function eventsPane(ctx: ConsoleContext, t: Translate): Html {
  const events = ctx.ports.queries.recentEvents(EVENTS_SHOWN);
  if (events.length === 0) return h`<p class="muted">${t('door.noEvents')}</p>`;
  const names = eventNames(ctx.ports.queries, ctx.settings.timeZone);
  return h`<ol class="events">${events.map((e) => h`<li data-seq="${e.seq}" data-type="${e.type}"${isAlertType(e.type) ? h` class="alarm-event"` : ''}>${sinceTag(ctx, Date.parse(e.at))} <span class="what">${eventText(t, e, names)}</span></li>`)}</ol>`;
}

/** The door page and its live panes. */
export function doorScreen(app: ConsoleApp, ctx: ConsoleContext): void {
  const watch = new DoorWatch(ctx);
  const renderDoor = (t: Translate): Html => {
    const d = ctx.ports.door();
    watch.rendered(d);
    return doorPane(ctx, t, d, watch.lockedSince);
  };
  ctx.live.pane({ name: 'door', affectedBy: changesDoor, render: (t: Translate, _role: Role) => String(renderDoor(t)) });
  ctx.live.pane({ name: 'inside', affectedBy: changesInside, render: (t: Translate) => String(insidePane(ctx, t)) });
  ctx.live.pane({ name: 'events', affectedBy: () => true, render: (t: Translate) => String(eventsPane(ctx, t)) });

  app.get('/door', signedIn, (c) => {
    const t = c.get('t');
    return page(c, ctx, {
      title: t('door.title'), active: '/door',
      body: h`<div class="door-page">
<section class="card" aria-labelledby="door-h"><h2 id="door-h">${t('door.state')}</h2><div id="door" sse-swap="door" aria-live="polite">${renderDoor(t)}</div></section>
<section class="card" aria-labelledby="inside-h"><h2 id="inside-h">${t('inside.title')}</h2><div id="inside" sse-swap="inside" aria-live="polite">${insidePane(ctx, t)}</div></section>
<section class="card events-card" aria-labelledby="events-h"><h2 id="events-h">${t('door.events')}</h2><p class="muted">${t('door.eventsLead')}</p><div id="events" sse-swap="events">${eventsPane(ctx, t)}</div></section>
</div>`,
    });
  });
}
