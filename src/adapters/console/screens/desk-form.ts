/**
 * What the desk's forms share: device rows added and removed by a submit button (works without JavaScript: the form
 * comes back with every value and one row more or less), the visit a route names, a visit's mismatch waiting for a
 * head, and the fields' error messages.
 */
import type { Context } from 'hono';
import { UserError } from '../../../domain/errors.js';
import type { Device, Visit } from '../../../domain/types.js';
import type { ConsoleContext, ConsoleEnv } from '../context.js';
import type { Translate } from '../i18n/index.js';
import { page } from '../layout.js';
import { formList, h, type Html } from '../view.js';

/** A visit id in a route (`V-20261201-001`), so `/visits/new` never matches. */
export const VISIT_ID = ':id{V-[0-9]{8}-[0-9]+}';

/** Most device rows a form carries (a form is not a bulk import). */
export const MAX_ROWS = 50;

/** One device row as typed (either part may be empty while the officer types). */
export interface DeviceRow {
  /** Description typed. */
  description: string;
  /** Serial number typed. */
  serial: string;
}

/** The device rows of a form (`<prefix>_desc` and `<prefix>_serial`, one pair per row, in order). */
export async function rowsOf(c: Context<ConsoleEnv>, prefix: string): Promise<DeviceRow[]> {
  const desc = await formList(c, `${prefix}_desc`);
  const serial = await formList(c, `${prefix}_serial`);
  const n = Math.min(Math.max(desc.length, serial.length), MAX_ROWS);
  const rows: DeviceRow[] = [];
  for (let i = 0; i < n; i += 1) rows.push({ description: desc[i] ?? '', serial: serial[i] ?? '' });
  return rows;
}

/** Apply a row button (`rows:add`, `rows:remove:<i>`) to the rows; null when the action is not a row button. */
export function rowAction(action: string | undefined, rows: DeviceRow[]): DeviceRow[] | null {
  if (action === 'rows:add') return rows.length >= MAX_ROWS ? rows : [...rows, { description: '', serial: '' }];
  const m = /^rows:remove:(\d+)$/.exec(action ?? '');
  if (m) return rows.filter((_, i) => i !== Number(m[1]));
  return null;
}

/** The devices of the rows (empty rows dropped), or `incomplete` when a row has only one of its two parts. */
export function devicesOf(rows: readonly DeviceRow[]): { devices: Device[]; incomplete: boolean } {
  const devices: Device[] = [];
  let incomplete = false;
  for (const r of rows) {
    const description = r.description.trim();
    const serial = r.serial.trim();
    if (!description && !serial) continue;
    if (!description || !serial) incomplete = true;
    else devices.push({ description, serial });
  }
  return { devices, incomplete };
}

/** Device rows as inputs with a remove button each, and an "add a row" button (plain submit buttons). */
export function rowsFieldset(t: Translate, spec: { prefix: string; legend: string; hint: string; rows: readonly DeviceRow[]; error?: string }): Html {
  const rows = spec.rows.length ? spec.rows : [{ description: '', serial: '' }];
  const p = spec.prefix;
  return h`<fieldset class="card device-rows" id="${p}-rows"${spec.error ? h` aria-describedby="err-${p}"` : ''}>
<legend>${spec.legend}</legend>
<p class="muted" id="${p}-hint">${spec.hint}</p>
${spec.error ? h`<p class="field-error" id="err-${p}" role="alert">${spec.error}</p>` : ''}
<div class="table-wrap" tabindex="0"><table><thead><tr><th scope="col">${t('rows.description')}</th><th scope="col">${t('rows.serial')}</th><th scope="col"><span class="sr">${t('rows.remove', { n: '' })}</span></th></tr></thead><tbody>
${rows.map((r, i) => h`<tr>
<td><label class="sr" for="${p}-desc-${i}">${t('rows.description')}, ${t('rows.row', { n: i + 1 })}</label><input id="${p}-desc-${i}" name="${p}_desc" value="${r.description}" maxlength="200" autocomplete="off"></td>
<td><label class="sr" for="${p}-serial-${i}">${t('rows.serial')}, ${t('rows.row', { n: i + 1 })}</label><input id="${p}-serial-${i}" name="${p}_serial" value="${r.serial}" maxlength="100" autocomplete="off"></td>
<td><button type="submit" name="_action" value="rows:remove:${i}" formnovalidate>${t('rows.remove', { n: i + 1 })}</button></td>
</tr>`)}
</tbody></table></div>
<button type="submit" name="_action" value="rows:add" formnovalidate>${t('rows.add')}</button>
</fieldset>`;
}

/** The input an app refusal is about (`UserError.field`), if one. */
export function fieldOf(err: unknown): string | undefined {
  return err instanceof UserError ? err.field : undefined;
}

/** The visit a route names, or null after rendering "not found" (404). */
export function visitOf(c: Context<ConsoleEnv>, ctx: ConsoleContext): { visit: Visit } | { response: Response } {
  const id = c.req.param('id') ?? '';
  const visit = ctx.ports.queries.visit(id);
  if (visit) return { visit };
  const t = c.get('t');
  return { response: page(c, ctx, { title: t('error.title'), body: h`<p role="alert">${t('desk.notFound', { visit: id })}</p>`, status: 404 }) };
}

/** A visit's device mismatch is waiting for a head: checked out with the KTP still held at the desk. */
export function mismatchPending(v: Visit): boolean {
  return v.state === 'checked_out' && v.ktpHeld;
}

/** When a head acknowledged the visit's device mismatch (ms), if they did. */
export function mismatchAcknowledgedAt(v: Visit): number | undefined {
  return (v.at as Record<string, number | undefined>).mismatchAcknowledged;
}

/** A field's error paragraph (or nothing), with the id its input names in `aria-describedby`. */
export function errorFor(errors: Readonly<Record<string, string>>, field: string): Html {
  const e = errors[field];
  return e ? h`<p class="field-error" id="err-${field}" role="alert">${e}</p>` : h``;
}

/** `aria-invalid` and `aria-describedby` of an input with an error (and its hint, if any). */
export function describe(errors: Readonly<Record<string, string>>, field: string, hint?: string): Html {
  const ids = [errors[field] ? `err-${field}` : '', hint ?? ''].filter(Boolean).join(' ');
  return h`${errors[field] ? h` aria-invalid="true"` : ''}${ids ? h` aria-describedby="${ids}"` : ''}`;
}

/** The general error box at the top of a form sent back. */
export function formError(message: string | null): Html {
  return message ? h`<p class="error" role="alert">${message}</p>` : h``;
}
