/**
 * A visit's detail: what it is (summary with the NIK masked, request details, devices in and out, maintenance
 * checklist), what can be done on it now by this officer (a link to every page its state offers to their role,
 * including the desk's issue, checkout and cancel and the maintenance checklist), each SOP step's time against its
 * standard (over the standard marked), and its timeline: every event of the visit, in the site's time, with the officer.
 */
import type { StoredEvent } from '../../../domain/events.js';
import { eventNames, eventText } from '../event-text.js';
import type { SopStep } from '../../../domain/sop.js';
import type { Visit } from '../../../domain/types.js';
import type { ConsoleApp, ConsoleContext } from '../context.js';
import type { MessageKey, Translate } from '../i18n/index.js';
import { page } from '../layout.js';
import { devicesTable, visitSummary } from '../visit-view.js';
import { h, signedIn, timeTag, when, type Html } from '../view.js';
import { may } from '../context.js';
import { nikRevealForm } from './nik-reveal.js';
import { actionsFor, routeVisit, VISIT_ID, visitNotFound } from './visit-actions.js';

/** The measured steps, in SOP order (step 1, the request, starts the clock). */
const STEPS: readonly SopStep[] = ['check', 'decide', 'issue', 'inside', 'checkout', 'report', 'archive'];

/** A step's measured time against its standard. */
export interface StepTime {
  /** The step. */
  step: SopStep;
  /** Seconds it took (null: not done or not measured). */
  seconds: number | null;
  /** Its standard in seconds. */
  standardSeconds: number;
  /** Over the standard. */
  over: boolean;
}

/** Each SOP step's time from the visit's events (the timing the visit machine wrote), against its standard. */
export function stepTimes(events: readonly StoredEvent[], standards: Record<SopStep, number>): StepTime[] {
  const found = new Map<SopStep, { seconds: number; standard: number; over: boolean }>();
  for (const e of events) {
    const d = e.data as Record<string, unknown>;
    const step = d.sopStep as SopStep | undefined;
    if (step && typeof d.durationSeconds === 'number' && typeof d.standardSeconds === 'number') {
      found.set(step, { seconds: d.durationSeconds, standard: d.standardSeconds, over: d.overStandard === true });
    }
    if (typeof d.insideSeconds === 'number' && typeof d.insideStandardSeconds === 'number') {
      found.set('inside', { seconds: d.insideSeconds, standard: d.insideStandardSeconds, over: d.insideOverStandard === true });
    }
  }
  return STEPS.map((step) => {
    const f = found.get(step);
    return f ? { step, seconds: f.seconds, standardSeconds: f.standard, over: f.over } : { step, seconds: null, standardSeconds: Math.round(standards[step] * 60), over: false };
  });
}

function duration(t: Translate, seconds: number): string {
  return t('visits.duration', { minutes: Math.floor(seconds / 60), seconds: String(seconds % 60).padStart(2, '0') });
}

function stepTable(ctx: ConsoleContext, t: Translate, events: readonly StoredEvent[]): Html {
  const rows = stepTimes(events, ctx.settings.standards);
  return h`<div class="table-wrap" tabindex="0" role="region" aria-labelledby="steps-h"><table class="steps">
<thead><tr><th scope="col">${t('visits.stepCol')}</th><th scope="col">${t('visits.tookCol')}</th><th scope="col">${t('visits.standardCol')}</th><th scope="col">${t('visits.resultCol')}</th></tr></thead>
<tbody>${rows.map((r) => h`<tr${r.over ? h` class="over-row"` : ''}><th scope="row">${t(`visits.step.${r.step}` as MessageKey)}</th>
<td>${r.seconds === null ? t('visits.notYet') : duration(t, r.seconds)}</td>
<td>${t('visits.standard', { minutes: Math.round(r.standardSeconds / 60) })}</td>
<td>${r.seconds === null ? t('time.none') : r.over ? h`<strong class="over">${t('visits.over')}</strong>` : t('visits.within')}</td></tr>`)}</tbody>
</table></div>`;
}

/** What an event's text does not say: a report's note, and the step's time against its standard (over it marked). */
function eventDetails(t: Translate, e: StoredEvent): Html {
  const d = e.data as Record<string, unknown>;
  const note = e.type === 'visit.reported' && typeof d.note === 'string' ? d.note : null;
  const timed = typeof d.durationSeconds === 'number' && typeof d.standardSeconds === 'number';
  return h`${note ? h`<q>${note}</q> ` : ''}${timed ? h`<span class="${d.overStandard === true ? 'over' : 'muted'}">${duration(t, d.durationSeconds as number)} / ${t('visits.standard', { minutes: Math.round((d.standardSeconds as number) / 60) })}${d.overStandard === true ? h` — ${t('visits.over')}` : ''}</span>` : ''}`;
}

function timeline(ctx: ConsoleContext, t: Translate, events: readonly StoredEvent[]): Html {
  if (events.length === 0) return h`<p class="muted">${t('visits.timeNone')}</p>`;
  const texts = eventNames(ctx.ports.queries, ctx.settings.timeZone);
  return h`<div class="table-wrap" tabindex="0" role="region" aria-labelledby="timeline-h"><table class="timeline">
<thead><tr><th scope="col">${t('visits.timeTime')}</th><th scope="col">${t('visits.timeWhat')}</th><th scope="col">${t('visits.timeStep')}</th></tr></thead>
<tbody>${events.map((e) => h`<tr data-seq="${e.seq}"><td>${timeTag(e.at, ctx.settings.timeZone)}</td><td data-type="${e.type}">${eventText(t, e, texts)}</td><td>${eventDetails(t, e)}</td></tr>`)}</tbody>
</table></div>`;
}

function facts(ctx: ConsoleContext, t: Translate, v: Visit): Html {
  const escort = v.escort ? ctx.ports.queries.officer(v.escort)?.name ?? v.escort : null;
  return h`<dl class="card facts">
${v.visitor.phone ? h`<dt>${t('visits.phone')}</dt><dd>${v.visitor.phone}</dd>` : ''}
<dt>${t('visits.planned')}</dt><dd>${t('visits.minutes', { minutes: v.plannedMinutes })}</dd>
${v.letterRef ? h`<dt>${t('visits.letter')}</dt><dd>${v.letterRef}</dd>` : ''}
${v.disposition ? h`<dt>${t('visits.disposition')}</dt><dd>${t('visits.dispositionText', { ...v.disposition })}</dd>` : ''}
${v.rulesAck ? h`<dt>${t('rules.label')}</dt><dd data-rules="${v.rulesAck.version}">${t('rules.acked', { version: v.rulesAck.version, time: when(v.rulesAck.at, ctx.settings.timeZone), officer: ctx.ports.queries.officer(v.rulesAck.officer)?.name ?? v.rulesAck.officer })}</dd>` : ''}
${v.presence ? h`<dt>${t('visits.presence')}</dt><dd>${t(`presence.${v.presence}` as MessageKey)}</dd>` : ''}
${escort ? h`<dt>${t('visits.escort')}</dt><dd>${escort}</dd>` : ''}
${v.mismatchPending ? h`<dt>${t('visits.mismatch')}</dt><dd><strong class="over">${t('visits.mismatchPending')}</strong></dd>` : ''}
${v.cancelReason ? h`<dt>${t('visits.cancelReason')}</dt><dd>${t(`visits.cancel.${v.cancelReason}` as MessageKey)}</dd>` : ''}
${v.denyReason ? h`<dt>${t('visits.denyReason')}</dt><dd>${v.denyReason}</dd>` : ''}
${v.revokeReason ? h`<dt>${t('visits.revokeReason')}</dt><dd>${v.revokeReason}</dd>` : ''}
</dl>`;
}

function checklist(t: Translate, v: Visit): Html {
  if (!v.checklist?.length) return h``;
  return h`<h2>${t('visits.checklist')}</h2><div class="table-wrap" tabindex="0"><table>
<thead><tr><th scope="col">${t('visits.checklistItem')}</th><th scope="col">${t('visits.checklistStatus')}</th><th scope="col">${t('visits.checklistNote')}</th></tr></thead>
<tbody>${v.checklist.map((i) => h`<tr><td>${i.item}</td><td class="status-${i.status}">${t(`visits.status.${i.status}` as MessageKey)}</td><td>${i.note ?? ''}</td></tr>`)}</tbody></table></div>`;
}

/** The visit detail route. */
export function visitDetailScreen(app: ConsoleApp, ctx: ConsoleContext): void {
  app.get(`/visits/${VISIT_ID}`, signedIn, (c) => {
    const t = c.get('t');
    const role = c.get('officer')!.role;
    const v = routeVisit(c, ctx);
    if (!v) return visitNotFound(c, ctx);
    const events = ctx.ports.queries.eventsOfVisit(v.id);
    const actions = actionsFor(v, role);
    return page(c, ctx, {
      title: t('visits.detailTitle', { visit: v.id }), active: '/visits',
      body: h`<section aria-labelledby="actions-h" class="visit-actions"><h2 id="actions-h">${t('visits.actions')}</h2>
${actions.length ? h`<p class="actions">${actions.map((a) => h`<a class="button${a.action === 'revoke' || a.action === 'badge_lost' ? ' danger' : ''}" href="${a.href}">${t(a.label)}</a>`)}</p>` : h`<p class="muted">${t('visits.noActions')}</p>`}
</section>
<div class="grid">${visitSummary(ctx, t, v)}${facts(ctx, t, v)}</div>
${may(role, 'reveal_nik') && v.visitor.nik ? h`<details class="nik-reveal"><summary>${t('nik.reveal.submit')}</summary>${nikRevealForm(c, t, v)}</details>` : ''}
<h2>${t('visits.devicesIn')}</h2>
${devicesTable(t, v.devicesIn)}
${v.devicesOut ? h`<h2>${t('visits.devicesOut')}</h2>${v.devicesOut.length ? devicesTable(t, v.devicesOut) : h`<p class="muted">${t('common.none')}</p>`}` : ''}
${checklist(t, v)}
<h2 id="steps-h">${t('visits.steps')}</h2>
${stepTable(ctx, t, events)}
<h2 id="timeline-h">${t('visits.timeline')}</h2>
${timeline(ctx, t, events)}
<p><a href="/visits">${t('nav.visits')}</a></p>`,
    });
  });
}
