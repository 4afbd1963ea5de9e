/**
 * The maintenance checklist of SOP 002, recorded during a maintenance visit (from the badge's issue until checkout):
 * one row per component checked, its condition — baik / menurun / rusak — and a note or measured value. Rows are added
 * one at a time (a plain form button, no JavaScript needed); what was typed is kept on every refusal. The form starts
 * from the checklist already recorded, else from the usual components of a server room.
 */
import type { Context } from 'hono';
import { TEXT_LIMITS } from '../../../domain/text.js';
import type { ChecklistItem, Visit } from '../../../domain/types.js';
import type { ConsoleApp, ConsoleContext, ConsoleEnv } from '../context.js';
import type { MessageKey, Translate } from '../i18n/index.js';
import { page } from '../layout.js';
import { stateLabel, visitSummary } from '../visit-view.js';
import { allowed, csrfField, formList, formOf, h, redirectWith, refusal, type Html } from '../view.js';

/** The checklist's page of a visit. */
const CHECKLIST = '/visits/:id{V-[0-9]{8}-[0-9]+}/checklist';
/** Conditions, in the order they are offered. */
const STATUSES: ReadonlyArray<ChecklistItem['status']> = ['ok', 'degraded', 'failed'];
/** Visit states in which a checklist can be recorded (the badge issued, until checkout). */
const OPEN_STATES = ['issued', 'checked_out'];
/** Suggested components when nothing is recorded yet (catalogue keys). */
const SUGGESTED: readonly MessageKey[] = ['maintenance.suggest.1', 'maintenance.suggest.2', 'maintenance.suggest.3', 'maintenance.suggest.4', 'maintenance.suggest.5', 'maintenance.suggest.6'];
/** Most rows one checklist holds. */
const MAX_ROWS = 60;

/** A row of the form as typed (status may still be empty). */
interface Row {
  item: string;
  status: string;
  note: string;
}

/** A condition as officer text (baik / menurun / rusak). */
export function conditionText(t: Translate, status: string): string {
  return t(`maintenance.status.${status}` as MessageKey);
}

/** The checklist recorded on a visit, as a table. */
export function checklistTable(t: Translate, items: readonly ChecklistItem[]): Html {
  return h`<div class="table-wrap" tabindex="0"><table class="checklist"><thead><tr><th scope="col">${t('maintenance.item')}</th><th scope="col">${t('maintenance.status')}</th><th scope="col">${t('maintenance.note')}</th></tr></thead>
<tbody>${items.map((i) => h`<tr><td>${i.item}</td><td><span class="condition condition-${i.status}">${conditionText(t, i.status)}</span></td><td>${i.note ?? ''}</td></tr>`)}</tbody></table></div>`;
}

/** The rows the form starts with. */
function startRows(t: Translate, v: Visit): Row[] {
  const rows: Row[] = v.checklist?.length
    ? v.checklist.map((i) => ({ item: i.item, status: i.status, note: i.note ?? '' }))
    : SUGGESTED.map((k) => ({ item: t(k), status: '', note: '' }));
  return [...rows, { item: '', status: '', note: '' }];
}

/** The checklist page: the visit, its disposition, the recorded checklist and the form. */
function checklistPage(c: Context<ConsoleEnv>, ctx: ConsoleContext, v: Visit, rows: Row[], errors: Record<string, string> = {}): Response {
  const t = c.get('t');
  const d = v.disposition;
  let form: Html;
  if (v.kind !== 'maintenance') form = h`<p class="error" role="alert">${t('maintenance.notMaintenance', { visit: v.id })}</p>`;
  else if (!OPEN_STATES.includes(v.state)) form = h`<p class="error" role="alert">${t('maintenance.notNow', { state: t(`state.${v.state}` as MessageKey) })}</p>`;
  else {
    form = h`<form method="post" action="/visits/${v.id}/checklist" class="card">${csrfField(c)}
${errors.form ? h`<p class="error" role="alert">${errors.form}</p>` : ''}
<div class="table-wrap" tabindex="0"><table class="checklist-form"><thead><tr><th scope="col">${t('maintenance.item')}</th><th scope="col">${t('maintenance.status')}</th><th scope="col">${t('maintenance.note')}</th></tr></thead>
<tbody>${rows.map((r, i) => {
      const n = i + 1;
      const err = errors[`row-${n}`];
      return h`<tr${err ? h` class="row-error"` : ''}>
<td><label class="sr" for="item-${n}">${t('maintenance.item')} — ${t('maintenance.row', { n })}</label><input id="item-${n}" name="item" value="${r.item}" maxlength="${TEXT_LIMITS.checklistItem}"${err ? h` aria-invalid="true" aria-describedby="err-row-${n}"` : ''}>${err ? h`<p class="field-error" id="err-row-${n}" role="alert">${err}</p>` : ''}</td>
<td><label class="sr" for="status-${n}">${t('maintenance.status')} — ${t('maintenance.row', { n })}</label><select id="status-${n}" name="status"><option value="">${t('maintenance.choose')}</option>${STATUSES.map((s) => h`<option value="${s}"${s === r.status ? h` selected` : ''}>${conditionText(t, s)}</option>`)}</select></td>
<td><label class="sr" for="note-${n}">${t('maintenance.note')} — ${t('maintenance.row', { n })}</label><input id="note-${n}" name="note" value="${r.note}" maxlength="${TEXT_LIMITS.checklistNote}"></td></tr>`;
    })}</tbody></table></div>
<p class="muted">${t('maintenance.note')}: ${t('common.noPersonalData')}</p>
<p><button type="submit" name="more" value="1">${t('maintenance.addRow')}</button> <button type="submit" class="primary">${t('maintenance.submit')}</button></p>
${v.checklist?.length ? h`<p class="muted">${t('maintenance.replaceNote')}</p>` : ''}
</form>`;
  }
  const body = h`<p>${t('maintenance.lead')}</p>
${visitSummary(ctx, t, v)}
${d ? h`<section class="card" aria-labelledby="h-disp"><h2 id="h-disp">${t('maintenance.disposition')}</h2><p>${t('maintenance.orderedBy', { by: d.orderedBy })}${d.reference ? `, ${t('maintenance.reference', { reference: d.reference })}` : ''}${d.date ? `, ${t('maintenance.date', { date: d.date })}` : ''}</p></section>` : ''}
${v.checklist?.length ? h`<section aria-labelledby="h-recorded"><h2 id="h-recorded">${t('maintenance.recorded')}</h2>${checklistTable(t, v.checklist)}</section>` : ''}
${form}
<p><a href="/visits/${v.id}">${t('common.back')}</a> ${stateLabel(t, v.state)}</p>`;
  const status = Object.keys(errors).length ? 422 as const : undefined;
  return page(c, ctx, { title: t('maintenance.title', { visit: v.id }), body, ...(status ? { status } : {}) });
}

/** The rows a form sent, in order. */
async function sentRows(c: Context<ConsoleEnv>): Promise<Row[]> {
  const [items, statuses, notes] = [await formList(c, 'item'), await formList(c, 'status'), await formList(c, 'note')];
  return items.slice(0, MAX_ROWS).map((item, i) => ({ item, status: statuses[i] ?? '', note: notes[i] ?? '' }));
}

/** The maintenance checklist's routes (any officer whose role may record it). */
export function maintenanceScreen(app: ConsoleApp, ctx: ConsoleContext): void {
  app.get(CHECKLIST, allowed('checklist'), (c) => {
    const v = ctx.ports.queries.visit(c.req.param('id'));
    return v ? checklistPage(c, ctx, v, startRows(c.get('t'), v)) : c.notFound();
  });

  app.post(CHECKLIST, allowed('checklist'), async (c) => {
    const t = c.get('t');
    const v = ctx.ports.queries.visit(c.req.param('id'));
    if (!v) return c.notFound();
    const f = await formOf(c);
    const rows = await sentRows(c);
    if (f.more === '1') return checklistPage(c, ctx, v, rows.length < MAX_ROWS ? [...rows, { item: '', status: '', note: '' }] : rows);
    const errors: Record<string, string> = {};
    const items: ChecklistItem[] = [];
    rows.forEach((r, i) => {
      const item = r.item.trim();
      const note = r.note.trim();
      if (!item) return;
      const key = `row-${i + 1}`;
      if (!STATUSES.includes(r.status as ChecklistItem['status'])) errors[key] = t('maintenance.statusMissing');
      else if ([...item].length > TEXT_LIMITS.checklistItem) errors[key] = t('maintenance.itemLong', { max: TEXT_LIMITS.checklistItem });
      else if ([...note].length > TEXT_LIMITS.checklistNote) errors[key] = t('maintenance.noteLong', { max: TEXT_LIMITS.checklistNote });
      else items.push({ item, status: r.status as ChecklistItem['status'], note: note || null });
    });
    if (items.length === 0 && Object.keys(errors).length === 0) errors.form = t('maintenance.empty');
    if (Object.keys(errors).length) return checklistPage(c, ctx, v, rows, { form: errors.form ?? t('error.form'), ...errors });
    try {
      const by = c.get('officer')!.id;
      await ctx.ports.write('console.checklist', () => ctx.ports.desk.checklist(v.id, by, items));
      return redirectWith(c, `/visits/${v.id}/checklist`, t('maintenance.saved', { visit: v.id, count: items.length }));
    } catch (err) {
      return checklistPage(c, ctx, v, rows, { form: refusal(ctx, t, err) });
    }
  });
}
