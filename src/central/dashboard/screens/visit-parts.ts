/**
 * What the visit screens share: a stored event of a visit in analysts' words, the SOP step times of a visit against
 * their standards, and sending a signed command from a form (never logging its arguments: a pre-registration carries
 * a name, NIK and phone that must reach only the door).
 */
import type { Context } from 'hono';
import { UserError } from '../../../domain/errors.js';
import { NoSealKeyError } from '../../commands.js';
import type { CommandAction, ReplyMessage } from '../../../protocol/messages.js';
import type { VisitEvent } from '../../visit-events.js';
import type { DashboardContext, DashboardEnv } from '../context.js';
import type { DashKey, DashTranslate } from '../i18n/index.js';
import { h, when, type Html } from '../view.js';

/** Errors of a form, by field (`general`: the whole form). */
export type FieldErrors = Record<string, string>;

/** How long each command the dashboard sends stays valid for a door that is offline (seconds). */
export const COMMAND_TTL_SECONDS: Partial<Record<CommandAction, number>> = { preregister: 24 * 3600, revoke: 6 * 3600 };
/** How long a form waits for the door's reply before showing the command page (ms); the page keeps waiting live. */
export const REPLY_WAIT_MS = 1500;

/** Outcome of sending a command from a form: its id (and the reply, if it came while waiting), or the error to show. */
export type SendOutcome = { id: string; reply: ReplyMessage | null } | { error: string; status: 409 | 422 };

/** Send a signed command; the arguments are never logged. */
export async function sendCommand(c: Context<DashboardEnv>, ctx: DashboardContext, site: string, door: string, action: CommandAction, args: Record<string, unknown>): Promise<SendOutcome> {
  const t = c.get('t');
  if (!ctx.commands) return { error: t('prereg.offline'), status: 409 };
  try {
    return await ctx.commands.send(site, door, action, args, { ttlSeconds: COMMAND_TTL_SECONDS[action] ?? 3600, waitMs: REPLY_WAIT_MS });
  } catch (err) {
    // A UserError names the field and the rule broken, never the value; anything else is logged by kind only.
    if (err instanceof NoSealKeyError) return { error: t('prereg.noSealKey', { door: `${site}/${door}` }), status: 409 };
    if (err instanceof UserError) return { error: t('prereg.failed', { why: err.message }), status: 422 };
    ctx.log.warn({ action, site, door, err: (err as Error).name }, 'a signed command could not be sent');
    return { error: t('prereg.failed', { why: (err as Error).message.slice(0, 200) }), status: 409 };
  }
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** One timeline line: what happened and its detail (door-sent text escaped by `h`). */
export function eventLine(t: DashTranslate, e: VisitEvent, tz: string): { what: string; detail: Html } {
  const d = e.data;
  const by = str(d.officer) ? t('visit.by', { officer: str(d.officer) }) : '';
  const reason = str(d.reason) ? t('visit.reason', { reason: str(d.reason) }) : '';
  const parts = (...xs: string[]): Html => h`${xs.filter(Boolean).join('; ')}`;
  const key: Partial<Record<string, DashKey>> = {
    'visit.checked': 'visit.ev.checked', 'visit.denied': 'visit.ev.denied', 'badge.returned': 'visit.ev.badgeReturned',
    'visit.device_mismatch': 'visit.ev.mismatch', 'visit.mismatch_acknowledged': 'visit.ev.mismatchAck', 'visit.reported': 'visit.ev.reported',
    'visit.archived': 'visit.ev.archived', 'visit.revoked': 'visit.ev.revoked', 'alarm.revoked_inside': 'visit.ev.revokedInside',
    'visit.checklist_recorded': 'visit.ev.checklist', 'badge.lost': 'visit.ev.badgeLost', 'visit.cancelled': 'visit.ev.cancelled', 'visit.expired': 'visit.ev.expired',
    'access.awaiting_escort': 'visit.ev.awaiting', 'alarm.visit_overstay': 'visit.ev.overstay', 'incident.recorded': 'visit.ev.incident',
    'visit.nik_revealed': 'visit.ev.nikRevealed',
  };
  switch (e.type) {
    case 'visit.requested': return { what: t(d.officer ? 'visit.ev.requested' : 'visit.ev.preregistered'), detail: parts(by, str(d.letterRef)) };
    case 'visit.approved': return { what: t('visit.ev.approved', { until: when(Date.parse(str(d.validUntil)), tz) }), detail: parts(by) };
    case 'badge.issued': return { what: t('visit.ev.issued', { label: str(d.label) }), detail: parts(by, str(d.rulesVersion) ? t('visit.rulesVersion', { version: str(d.rulesVersion) }) : '') };
    case 'visit.checked_out': return { what: t('visit.ev.checkedOut', { n: typeof d.devicesOut === 'number' ? d.devicesOut : 0 }), detail: parts(by) };
    case 'access.granted': return { what: t('visit.ev.granted', { dir: t(d.direction === 'out' ? 'visit.dir.out' : 'visit.dir.in') }), detail: parts(str(d.reader)) };
    case 'access.denied': return { what: t('visit.ev.refused', { why: str(d.reason) }), detail: parts(str(d.reader)) };
    case 'command.executed': return { what: t('visit.ev.command', { action: str(d.action) }), detail: parts(str(d.command)) };
    case 'visit.cancelled': return { what: t('visit.ev.cancelled'), detail: parts(by, str(d.reason), str(d.note)) };
    default: {
      const k = key[e.type];
      return { what: k ? t(k) : t('visit.ev.other', { type: e.type }), detail: parts(by, reason) };
    }
  }
}

/** SOP steps in their order, with their labels. */
const STEPS: ReadonlyArray<[string, DashKey]> = [
  ['request', 'visit.step.request'], ['check', 'visit.step.check'], ['decide', 'visit.step.decide'], ['issue', 'visit.step.issue'],
  ['inside', 'visit.step.inside'], ['checkout', 'visit.step.checkout'], ['report', 'visit.step.report'], ['archive', 'visit.step.archive'],
];

const minutes = (t: DashTranslate, s: number): string => t('visit.minutes', { m: Math.round((s / 60) * 10) / 10 });

/** The visit's measured SOP steps against their standards (from the events' timing fields). */
export function stepRows(t: DashTranslate, events: readonly VisitEvent[]): Html {
  const rows: Array<{ step: string; took: number; standard: number | null; over: boolean }> = [];
  for (const e of events) {
    const d = e.data;
    if (typeof d.sopStep === 'string' && typeof d.durationSeconds === 'number') {
      rows.push({ step: d.sopStep, took: d.durationSeconds, standard: typeof d.standardSeconds === 'number' ? d.standardSeconds : null, over: d.overStandard === true });
    }
    // The time inside (step 4) is measured at checkout.
    if (e.type === 'visit.checked_out' && typeof d.insideSeconds === 'number') {
      rows.push({ step: 'inside', took: d.insideSeconds, standard: typeof d.insideStandardSeconds === 'number' ? d.insideStandardSeconds : null, over: d.insideOverStandard === true });
    }
  }
  if (!rows.length) return h`<p>${t('visit.steps.none')}</p>`;
  const order = (s: string): number => STEPS.findIndex(([k]) => k === s);
  rows.sort((a, b) => order(a.step) - order(b.step));
  const label = (s: string): string => { const k = STEPS.find(([x]) => x === s); return k ? t(k[1]) : s; };
  return h`<div class="table-wrap" tabindex="0" role="region" aria-label="${t('visit.steps')}"><table>
<thead><tr><th scope="col">${t('visit.col.step')}</th><th scope="col">${t('visit.col.took')}</th><th scope="col">${t('visit.col.standard')}</th><th scope="col">${t('visit.col.verdict')}</th></tr></thead>
<tbody>${rows.map((r) => h`<tr${r.over ? h` class="over-row"` : ''}><td>${label(r.step)}</td><td>${minutes(t, r.took)}</td><td>${r.standard === null ? '-' : minutes(t, r.standard)}</td><td>${r.over ? h`<strong>${t('visit.step.over')}</strong>` : t('visit.step.within')}</td></tr>`)}</tbody>
</table></div>`;
}
