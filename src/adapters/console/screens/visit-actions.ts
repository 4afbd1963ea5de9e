/**
 * The actions on one visit that need no more than a confirmation or one line of text — check (SOP step 2), revoke
 * with a reason, report with a note (step 6), archive (step 7), badge lost — each a page with the visit's summary and
 * one form; and which actions a visit's state offers to an officer's role (the detail page links every one of them,
 * including the other screens' issue, checkout, cancel, checklist and mismatch acknowledgement). The page offers;
 * the route checks the role (`allowed`) and the app checks the state: a refusal comes back on the same form.
 */
import type { Context } from 'hono';
import { UserError } from '../../../domain/errors.js';
import { TEXT_LIMITS } from '../../../domain/text.js';
import type { Role, Visit } from '../../../domain/types.js';
import type { DeskCommands } from '../../../ports/console.js';
import type { ConsoleApp, ConsoleContext, ConsoleEnv } from '../context.js';
import { may } from '../context.js';
import type { MessageKey, Translate } from '../i18n/index.js';
import { page } from '../layout.js';
import { visitSummary } from '../visit-view.js';
import { allowed, csrfField, fieldError, formOf, h, redirectWith, refusal } from '../view.js';

/** The route pattern of a visit id (so `/visits/new` and other words never match a visit). */
export const VISIT_ID = ':id{V-[0-9]{8}-[0-9]+}';

/** An action a visit's state may offer, with where it is done and its label. */
export interface OfferedAction {
  /** The role check's action name (`may`). */
  action: string;
  /** The page that does it. */
  href: string;
  /** Its label. */
  label: MessageKey;
}

const OPEN_REQUEST = ['requested', 'checked', 'approved'];
const holds = (v: Visit): boolean => v.badgeUid !== null || v.ktpHeld;

/** Every action of a visit, in SOP order: its role action, its path under the visit, its label, and the states offering it. */
const ACTIONS: ReadonlyArray<{ action: string; path: string; label: MessageKey; offered: (v: Visit) => boolean }> = [
  { action: 'check', path: 'check', label: 'visits.action.check', offered: (v) => v.state === 'requested' },
  { action: 'approve', path: 'approve', label: 'visits.action.decide', offered: (v) => v.state === 'checked' },
  { action: 'deny', path: 'approve', label: 'visits.action.decide', offered: (v) => v.state === 'requested' },
  { action: 'issue', path: 'issue', label: 'visits.action.issue', offered: (v) => v.state === 'approved' || (v.state === 'issued' && v.badgeUid === null) },
  { action: 'checkout', path: 'checkout', label: 'visits.action.checkout', offered: (v) => v.state === 'issued' || (v.state === 'revoked' && holds(v)) },
  { action: 'acknowledge_mismatch', path: 'mismatch-ack', label: 'visits.action.mismatch', offered: (v) => v.state === 'checked_out' && v.mismatchPending === true },
  { action: 'checklist', path: 'checklist', label: 'visits.action.checklist', offered: (v) => v.kind === 'maintenance' && (v.state === 'issued' || v.state === 'checked_out') },
  { action: 'report', path: 'report', label: 'visits.action.report', offered: (v) => v.state === 'checked_out' && v.at.reported === undefined },
  { action: 'archive', path: 'archive', label: 'visits.action.archive', offered: (v) => ['checked_out', 'denied', 'revoked', 'cancelled', 'expired'].includes(v.state) && !holds(v) },
  { action: 'cancel', path: 'cancel', label: 'visits.action.cancel', offered: (v) => OPEN_REQUEST.includes(v.state) },
  { action: 'badge_lost', path: 'badge-lost', label: 'visits.action.badgeLost', offered: (v) => (v.state === 'issued' || v.state === 'revoked') && v.badgeUid !== null },
  { action: 'revoke', path: 'revoke', label: 'visits.action.revoke', offered: (v) => [...OPEN_REQUEST, 'issued'].includes(v.state) },
];

/** The actions a visit's state offers to an officer of `role` (one link per page). */
export function actionsFor(v: Visit, role: Role): OfferedAction[] {
  const out: OfferedAction[] = [];
  for (const a of ACTIONS) {
    const href = `/visits/${v.id}/${a.path}`;
    if (a.offered(v) && may(role, a.action) && !out.some((o) => o.href === href)) out.push({ action: a.action, href, label: a.label });
  }
  return out;
}

/** Does the visit's state offer this action now? */
export function isOffered(v: Visit, action: string): boolean {
  return ACTIONS.some((a) => a.action === action && a.offered(v));
}

/** Where to go after an action: the queue, the list or the visit's page (nothing else, so no open redirect). */
export function backTo(next: string | undefined, id: string, fallback: string): string {
  return next === '/queue' || next === '/visits' || next === `/visits/${id}` ? next : fallback;
}

/** Text from a textarea as one line (the app refuses control characters, line breaks included). */
export function oneLine(text: string | undefined): string {
  return (text ?? '').replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

/** The visit of the route's `:id`, or null. */
export function routeVisit(c: Context<ConsoleEnv>, ctx: ConsoleContext): Visit | null {
  return ctx.ports.queries.visit(c.req.param('id') ?? '');
}

/** The page for a visit that does not exist. */
export function visitNotFound(c: Context<ConsoleEnv>, ctx: ConsoleContext): Response {
  const t = c.get('t');
  return page(c, ctx, { title: t('error.title'), body: h`<p role="alert">${t('visits.notFound', { visit: c.req.param('id') ?? '' })}</p><p><a href="/visits">${t('nav.visits')}</a></p>`, status: 404 });
}

/** The form's error (or the refusal's) for a field, or at the top of the form (`_form`). */
export type FormErrors = Record<string, string>;

/** A refusal of the app as a form error: on the form's field when the error names it, else at the top. */
export function refusalError(ctx: ConsoleContext, t: Translate, err: unknown, fields: Record<string, string>): FormErrors {
  const field = err instanceof UserError && err.field ? fields[err.field] : undefined;
  return { [field ?? '_form']: refusal(ctx, t, err) };
}

/** One simple action: its route, words, optional text field, and the command it runs. */
interface SimpleAction {
  /** Role action (`allowed`). */
  action: string;
  /** Path under `/visits/:id/`. */
  path: string;
  /** Title, lead and button. */
  title: MessageKey;
  lead: MessageKey;
  submit: MessageKey;
  /** Notice after it is done. */
  done: MessageKey;
  /** A text field: form name, label, the app's field name, whether required (and the message then), limit. */
  text?: { name: string; label: MessageKey; appField: string; required: MessageKey | null; max: number };
  /** Button style. */
  style: 'primary' | 'danger';
  /** Where to go after it by default. */
  after: 'visit' | 'queue';
  /** Run the command. */
  run: (desk: DeskCommands, id: string, by: string, text: string) => unknown;
}

const SIMPLE: readonly SimpleAction[] = [
  { action: 'check', path: 'check', title: 'queue.checkTitle', lead: 'queue.checkLead', submit: 'queue.checkSubmit', done: 'queue.checkedDone', style: 'primary', after: 'queue', run: (d, id, by) => d.check(id, by) },
  {
    action: 'revoke', path: 'revoke', title: 'visits.revokeTitle', lead: 'visits.revokeLead', submit: 'visits.revokeSubmit', done: 'visits.revokedDone', style: 'danger', after: 'visit',
    text: { name: 'reason', label: 'visits.revokeReasonLabel', appField: 'reason', required: 'visits.reasonRequired', max: TEXT_LIMITS.reason }, run: (d, id, by, text) => d.revoke(id, by, text),
  },
  {
    action: 'report', path: 'report', title: 'visits.reportTitle', lead: 'visits.reportLead', submit: 'visits.reportSubmit', done: 'visits.reportedDone', style: 'primary', after: 'visit',
    text: { name: 'note', label: 'visits.reportNote', appField: 'note', required: null, max: TEXT_LIMITS.note }, run: (d, id, by, text) => d.report(id, by, text || undefined),
  },
  { action: 'archive', path: 'archive', title: 'visits.archiveTitle', lead: 'visits.archiveLead', submit: 'visits.archiveSubmit', done: 'visits.archivedDone', style: 'primary', after: 'visit', run: (d, id, by) => d.archive(id, by) },
  { action: 'badge_lost', path: 'badge-lost', title: 'visits.badgeLostTitle', lead: 'visits.badgeLostLead', submit: 'visits.badgeLostSubmit', done: 'visits.badgeLostDone', style: 'danger', after: 'visit', run: (d, id, by) => d.badgeLost(id, by) },
];

function badgeLabel(ctx: ConsoleContext, v: Visit): string {
  return v.badgeUid ? ctx.ports.queries.badge(v.badgeUid)?.label ?? v.badgeUid : '-';
}

function simplePage(c: Context<ConsoleEnv>, ctx: ConsoleContext, a: SimpleAction, v: Visit, values: Record<string, string>, errors: FormErrors, status: 200 | 422 = 200): Response {
  const t = c.get('t');
  const words = { visit: v.id, badge: badgeLabel(ctx, v), state: t(`state.${v.state}` as MessageKey) };
  const next = backTo(values.next, v.id, a.after === 'queue' ? '/queue' : `/visits/${v.id}`);
  const form = isOffered(v, a.action) || status === 422
    ? h`<form method="post" action="/visits/${v.id}/${a.path}" class="card" novalidate>
${csrfField(c)}<input type="hidden" name="next" value="${next}">
${errors._form ? h`<p class="error" role="alert">${errors._form}</p>` : ''}
${a.text ? h`<label for="${a.text.name}">${t(a.text.label)}${a.text.required ? '' : h` <span class="muted">(${t('common.optional')})</span>`}</label>
<textarea id="${a.text.name}" name="${a.text.name}" maxlength="${a.text.max}"${a.text.required ? h` required aria-required="true"` : ''} aria-describedby="${a.text.name}-privacy${errors[a.text.name] ? ` err-${a.text.name}` : ''}"${errors[a.text.name] ? h` aria-invalid="true"` : ''}>${values[a.text.name] ?? ''}</textarea>
<p id="${a.text.name}-privacy" class="muted">${t('common.noPersonalData')}</p>
${fieldError(t, errors, a.text.name)}` : ''}
<p class="actions"><button type="submit" class="${a.style}">${t(a.submit)}</button> <a href="${next}">${t('common.cancel')}</a></p>
</form>`
    : h`<p class="error" role="alert">${t('visits.notOffered', words)}</p><p><a href="/visits/${v.id}">${t('common.back')}</a></p>`;
  return page(c, ctx, {
    title: t(a.title, words), active: a.after === 'queue' ? '/queue' : '/visits', status,
    body: h`<p>${t(a.lead, words)}</p>${visitSummary(ctx, t, v)}${form}`,
  });
}

/** The routes of the simple actions. */
export function visitActionsScreen(app: ConsoleApp, ctx: ConsoleContext): void {
  for (const a of SIMPLE) {
    const path = `/visits/${VISIT_ID}/${a.path}`;
    app.get(path, allowed(a.action), (c) => {
      const v = routeVisit(c, ctx);
      if (!v) return visitNotFound(c, ctx);
      return simplePage(c, ctx, a, v, { next: c.req.query('next') ?? '' }, {});
    });
    app.post(path, allowed(a.action), async (c) => {
      const t = c.get('t');
      const by = c.get('officer')!.id;
      const v = routeVisit(c, ctx);
      if (!v) return visitNotFound(c, ctx);
      const f = await formOf(c);
      const text = a.text ? oneLine(f[a.text.name]) : '';
      if (a.text?.required && !text) return simplePage(c, ctx, a, v, f, { [a.text.name]: t(a.text.required) }, 422);
      const label = badgeLabel(ctx, v);
      try {
        await ctx.ports.write(`console.${a.action}`, () => a.run(ctx.ports.desk, v.id, by, text));
      } catch (err) {
        if (!(err instanceof UserError)) throw err;
        const now = ctx.ports.queries.visit(v.id) ?? v;
        return simplePage(c, ctx, a, now, f, refusalError(ctx, t, err, a.text ? { [a.text.appField]: a.text.name } : {}), 422);
      }
      const next = backTo(f.next, v.id, a.after === 'queue' ? '/queue' : `/visits/${v.id}`);
      return redirectWith(c, next, t(a.done, { visit: v.id, badge: label }));
    });
  }
}

