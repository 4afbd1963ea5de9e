/**
 * How a visit is shown across screens: its state in the SOP's words, a summary card (visitor with the NIK masked,
 * institution, purpose, approval window, badge, KTP held), and a devices table.
 */
import type { Device, Visit } from '../../domain/types.js';
import type { ConsoleContext } from './context.js';
import type { MessageKey, Translate } from './i18n/index.js';
import { h, timeTag, type Html } from './view.js';
import { maskNik } from '../../domain/nik.js';

/** A visit's state as a label. */
export function stateLabel(t: Translate, state: string): Html {
  return h`<span class="badge-state state-${state}">${t(`state.${state}` as MessageKey)}</span>`;
}

/** A visit's summary card. */
export function visitSummary(ctx: ConsoleContext, t: Translate, v: Visit): Html {
  const tz = ctx.settings.timeZone;
  const badge = v.badgeUid ? ctx.ports.queries.badge(v.badgeUid) : null;
  return h`<dl class="card visit-summary">
<dt>${t('visit.id')}</dt><dd><a href="/visits/${v.id}">${v.id}</a> ${stateLabel(t, v.state)}${v.kind === 'maintenance' ? h` <span class="badge-state">${t('visit.maintenance')}</span>` : ''}</dd>
<dt>${t('visit.visitor')}</dt><dd>${v.visitor.name}</dd>
<dt>NIK</dt><dd>${maskNik(v.visitor.nik)}</dd>
<dt>${t('visit.org')}</dt><dd>${v.visitor.org}</dd>
<dt>${t('visit.purpose')}</dt><dd>${v.purpose}</dd>
${v.validUntil ? h`<dt>${t('visit.valid')}</dt><dd>${timeTag(v.validFrom, tz)} – ${timeTag(v.validUntil, tz)}</dd>` : ''}
${badge ? h`<dt>${t('visit.badge')}</dt><dd>${badge.label}</dd>` : ''}
<dt>${t('visit.ktp')}</dt><dd>${v.ktpHeld ? t('visit.ktpHeld') : t('visit.ktpNotHeld')}</dd>
</dl>`;
}

/** A table of devices (description, serial number). */
export function devicesTable(t: Translate, devices: readonly Device[]): Html {
  if (devices.length === 0) return h`<p class="muted">${t('visit.noDevices')}</p>`;
  return h`<div class="table-wrap" tabindex="0"><table><thead><tr><th scope="col">${t('visit.device')}</th><th scope="col">${t('visit.serial')}</th></tr></thead>
<tbody>${devices.map((d) => h`<tr><td>${d.description}</td><td>${d.serial}</td></tr>`)}</tbody></table></div>`;
}
