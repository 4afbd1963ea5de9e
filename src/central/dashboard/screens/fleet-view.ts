/**
 * How the fleet screens show a door's facts (shared by the doors table and a door's page): its state, backlog, clock,
 * version, readers and health, each '-' when the door never said. Everything a door sends (versions, reader ids,
 * health item names) is interpolated through `h`, so it is escaped.
 */
import type { DoorRecord } from '../../store.js';
import type { DashTranslate } from '../i18n/index.js';
import { h, type Html } from '../view.js';

/** The door page's path of a door. */
export function doorPath(site: string, door: string): string {
  return `/fleet/${encodeURIComponent(site)}/${encodeURIComponent(door)}`;
}

/** A door's state as a labelled badge (the class colours it; the text says it). */
export function stateCell(t: DashTranslate, state: DoorRecord['state']): Html {
  const s = state === 'online' || state === 'offline' ? state : 'unknown';
  return h`<span class="badge-state state-${s}">${t(`fleet.state.${s}`)}</span>`;
}

/** The backlog in events, or '-' when the door never reported its last seq. */
export function backlogCell(t: DashTranslate, backlog: number | null): Html {
  if (backlog === null) return h`-`;
  return backlog > 0 ? h`<span class="over">${t('fleet.backlog.events', { count: backlog })}</span>` : h`0`;
}

/** The door's clock state. */
export function clockCell(t: DashTranslate, clock: DoorRecord['clock']): Html {
  if (!clock) return h`-`;
  return clock === 'trusted' ? h`${t('fleet.clock.trusted')}` : h`<span class="over">${t(`fleet.clock.${clock}`)}</span>`;
}

/** The app version (and the OS line in small print when `withOs`). */
export function versionCell(d: Pick<DoorRecord, 'app' | 'os'>, withOs = true): Html {
  if (!d.app && !d.os) return h`-`;
  return h`${d.app ?? '-'}${withOs && d.os ? h`<br><small class="muted">${d.os}</small>` : ''}`;
}

/** Each reader with up/down. */
export function readersCell(t: DashTranslate, readers: DoorRecord['readers']): Html {
  if (!readers || readers.length === 0) return h`-`;
  return h`<ul class="plain">${readers.map((r) => h`<li>${r.id} (${r.role}): ${r.up ? t('fleet.reader.up') : h`<span class="over">${t('fleet.reader.down')}</span>`}</li>`)}</ul>`;
}

/** The health verdict and the items not ok. */
export function healthCell(t: DashTranslate, health: DoorRecord['health']): Html {
  if (!health) return h`-`;
  const label = t(`fleet.health.${health.state}`);
  return h`${health.state === 'ok' ? label : h`<span class="over">${label}</span>`}${health.failing.length ? h`<br><small>${t('fleet.health.failing', { items: health.failing.join(', ') })}</small>` : ''}`;
}
