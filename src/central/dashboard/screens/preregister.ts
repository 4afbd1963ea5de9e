/**
 * SOP 003 pre-registration from a form (helpdesk and head): the access request filed on the helpdesk website goes to
 * one door of the user's sites as the signed `preregister` command. Name, NIK, phone and the free text travel only
 * sealed to that door's X25519 key (central/commands.ts; a door whose key the centre does not know gets nothing, and
 * the form says so): the centre keeps what `commands` keeps (id, action, the door's reply), the audit entry names who sent which
 * command to which door (and the visit, once the door answered), and nothing of the visitor reaches the log. A form
 * with errors comes back (422) with every value kept, the NIK too (it was typed by this user, goes back only to them
 * in a no-store page, and saves retyping 16 digits); the door chosen is checked against the scope on the server.
 */
import type { Context } from 'hono';
import { checkNik, maskNik, type NikProblem } from '../../../domain/nik.js';
import { personalDataProblem } from '../../../domain/free-text.js';
import { audit } from '../../audit.js';
import { doorsInScope, type DoorRef } from '../../visit-events.js';
import type { DashboardContext, DashboardEnv, DashboardScreen } from '../context.js';
import type { DashTranslate } from '../i18n/index.js';
import { allowed, csrfField, errorPage, formList, formOf, h, page, siteAllowed, type Html } from '../view.js';
import { sendCommand, type FieldErrors } from './visit-parts.js';

/** Most device rows a form carries. */
export const MAX_DEVICE_ROWS = 50;

/** One device row as typed. */
interface DeviceRow { description: string; serial: string }

/** The form as typed. */
interface PreregValues { name: string; nik: string; org: string; phone: string; purpose: string; planned: string; letterRef: string; door: string; rows: DeviceRow[] }

const EMPTY: PreregValues = { name: '', nik: '', org: '', phone: '', purpose: '', planned: '60', letterRef: '', door: '', rows: [] };

/** Field limits (the command's schema, protocol/messages.ts). */
const MAX = { name: 200, org: 200, phone: 40, purpose: 1000, letterRef: 200, description: 200, serial: 100 } as const;

/** Why a NIK is refused, in the user's words (never a digit of it). */
function nikProblem(t: DashTranslate, nik: string): string | null {
  const r = checkNik(nik);
  if (r.ok) return null;
  if (r.code === 'nik.length') return t('prereg.nik.length', { length: r.params?.length ?? 0 });
  const why: Record<Exclude<NikProblem, 'nik.length'>, string> = {
    'nik.province': '1–2', 'nik.regency': '3–4', 'nik.district': '5–6', 'nik.month': '9–10', 'nik.day': '7–8', 'nik.serial': '13–16',
  };
  return t('prereg.nik.invalid', { why: `${r.code.slice(4)} (${why[r.code]})` });
}

/** The form's checks (the door checks again; its refusal shows on the command page). */
function check(t: DashTranslate, v: PreregValues, doors: readonly DoorRef[]): FieldErrors {
  const e: FieldErrors = {};
  const need = (k: 'name' | 'org' | 'purpose'): void => { if (!v[k].trim()) e[k] = t('visits.form.required'); };
  need('name'); need('org'); need('purpose');
  for (const k of ['name', 'org', 'phone', 'purpose', 'letterRef'] as const) if (v[k].trim().length > MAX[k]) e[k] = t('visits.form.tooLong', { max: MAX[k] });
  // The purpose travels in the door's visit.requested event (never purged): no NIK, phone or the visitor's name in it.
  const personal = e.purpose ? null : personalDataProblem(v.purpose, { name: v.name, nik: v.nik, phone: v.phone });
  if (personal) e.purpose = t(`visits.form.personal.${personal.code.slice('text.personal.'.length) as 'nik' | 'phone' | 'name'}`);
  const nik = v.nik.trim() ? nikProblem(t, v.nik) : t('visits.form.required');
  if (nik) e.nik = nik;
  if (!/^\d{1,4}$/.test(v.planned.trim()) || Number(v.planned) < 1 || Number(v.planned) > 1440) e.planned = t('prereg.planned.invalid');
  if (v.rows.some((r) => !r.description.trim() !== !r.serial.trim())) e.dev = t('prereg.devices.incomplete');
  if (v.rows.some((r) => r.description.trim().length > MAX.description || r.serial.trim().length > MAX.serial)) e.dev = t('visits.form.tooLong', { max: MAX.description });
  if (!doors.some((d) => `${d.site}/${d.door}` === v.door)) e.door = t('visits.form.required');
  return e;
}

async function valuesOf(c: Context<DashboardEnv>): Promise<{ v: PreregValues; action: string | undefined }> {
  const f = await formOf(c);
  const desc = await formList(c, 'dev_desc');
  const serial = await formList(c, 'dev_serial');
  const rows: DeviceRow[] = [];
  for (let i = 0; i < Math.min(Math.max(desc.length, serial.length), MAX_DEVICE_ROWS); i += 1) rows.push({ description: desc[i] ?? '', serial: serial[i] ?? '' });
  const s = (k: string): string => (f[k] ?? '').slice(0, 2000);
  return { v: { name: s('name'), nik: s('nik').slice(0, 32), org: s('org'), phone: s('phone'), purpose: s('purpose'), planned: s('planned'), letterRef: s('letterRef'), door: s('door'), rows }, action: f._action };
}

function field(id: string, label: string, value: string, errors: FieldErrors, attrs: Html, help?: Html): Html {
  const described = [errors[id] ? `err-${id}` : '', help ? `help-${id}` : ''].filter(Boolean).join(' ');
  return h`<p><label for="${id}">${label}</label><input id="${id}" name="${id}" value="${value}"${attrs}${errors[id] ? h` aria-invalid="true"` : ''}${described ? h` aria-describedby="${described}"` : ''}>
${help ? h`<small id="help-${id}">${help}</small>` : ''}${errors[id] ? h`<span class="field-error" id="err-${id}" role="alert">${errors[id]}</span>` : ''}</p>`;
}

function form(c: Context<DashboardEnv>, t: DashTranslate, v: PreregValues, doors: readonly DoorRef[], errors: FieldErrors): Html {
  const rows = v.rows.length ? v.rows : [{ description: '', serial: '' }];
  const nikOk = !errors.nik && v.nik.trim() && checkNik(v.nik).ok ? t('prereg.nik.ok', { masked: maskNik(v.nik) }) : '';
  return h`<p>${t('prereg.lead')}</p>
${errors.general ? h`<p class="error" role="alert">${errors.general}</p>` : Object.keys(errors).length ? h`<p class="error" role="alert">${t('visits.form.problem')}</p>` : ''}
<form method="post" action="/visits/new" novalidate autocomplete="off">${csrfField(c)}
<button type="submit" class="sr" tabindex="-1" aria-hidden="true">${t('prereg.submit')}</button>
<fieldset class="card"><legend>${t('prereg.door')}</legend>
${doors.length ? h`<p><label for="door">${t('prereg.door')}</label><select id="door" name="door" required${errors.door ? h` aria-invalid="true" aria-describedby="err-door"` : ''}>
<option value="">${t('prereg.door.choose')}</option>${doors.map((d) => { const k = `${d.site}/${d.door}`; return h`<option value="${k}"${k === v.door ? h` selected` : ''}>${d.site} / ${d.door}</option>`; })}</select>
${errors.door ? h`<span class="field-error" id="err-door" role="alert">${errors.door}</span>` : ''}</p>` : h`<p role="alert">${t('prereg.door.none')}</p>`}
</fieldset>
<fieldset class="card"><legend>${t('prereg.visitor')}</legend>
${field('name', t('prereg.name'), v.name, errors, h` required maxlength="${MAX.name}"`)}
${field('nik', t('prereg.nik'), v.nik, errors, h` required inputmode="numeric" maxlength="32"`, nikOk ? h`${nikOk}` : undefined)}
${field('org', t('prereg.org'), v.org, errors, h` required maxlength="${MAX.org}"`)}
${field('phone', t('prereg.phone'), v.phone, errors, h` type="tel" maxlength="${MAX.phone}"`)}
</fieldset>
<fieldset class="card"><legend>${t('prereg.details')}</legend>
<p><label for="purpose">${t('prereg.purpose')}</label><textarea id="purpose" name="purpose" required maxlength="${MAX.purpose}" aria-describedby="purpose-privacy${errors.purpose ? ' err-purpose' : ''}"${errors.purpose ? h` aria-invalid="true"` : ''}>${v.purpose}</textarea>
<small id="purpose-privacy">${t('visits.form.noPersonalData')}</small>
${errors.purpose ? h`<span class="field-error" id="err-purpose" role="alert">${errors.purpose}</span>` : ''}</p>
${field('planned', t('prereg.planned'), v.planned, errors, h` type="number" min="1" max="1440" step="1" inputmode="numeric"`)}
${field('letterRef', t('prereg.letterRef'), v.letterRef, errors, h` maxlength="${MAX.letterRef}"`)}
</fieldset>
<fieldset class="card"${errors.dev ? h` aria-describedby="err-dev"` : ''}><legend>${t('prereg.devices')}</legend>
<p class="muted">${t('prereg.devices.hint')}</p>
${errors.dev ? h`<p class="field-error" id="err-dev" role="alert">${errors.dev}</p>` : ''}
<div class="table-wrap" tabindex="0" role="region" aria-label="${t('prereg.devices')}"><table><thead><tr><th scope="col">${t('prereg.devices.description')}</th><th scope="col">${t('prereg.devices.serial')}</th><th scope="col"><span class="sr">${t('prereg.devices.remove', { n: '' })}</span></th></tr></thead><tbody>
${rows.map((r, i) => h`<tr>
<td><label class="sr" for="dev-desc-${i}">${t('prereg.devices.description')}, ${t('prereg.devices.row', { n: i + 1 })}</label><input id="dev-desc-${i}" name="dev_desc" value="${r.description}" maxlength="${MAX.description}"></td>
<td><label class="sr" for="dev-serial-${i}">${t('prereg.devices.serial')}, ${t('prereg.devices.row', { n: i + 1 })}</label><input id="dev-serial-${i}" name="dev_serial" value="${r.serial}" maxlength="${MAX.serial}"></td>
<td><button type="submit" name="_action" value="rows:remove:${i}" formnovalidate>${t('prereg.devices.remove', { n: i + 1 })}</button></td>
</tr>`)}
</tbody></table></div>
<button type="submit" name="_action" value="rows:add" formnovalidate>${t('prereg.devices.add')}</button>
</fieldset>
<p><button type="submit" class="primary">${t('prereg.submit')}</button></p>
</form>`;
}

function render(c: Context<DashboardEnv>, ctx: DashboardContext, v: PreregValues, doors: readonly DoorRef[], errors: FieldErrors = {}, status: 200 | 409 | 422 = 200): Response {
  const t = c.get('t');
  return page(c, ctx, { title: t('prereg.title'), active: '/visits', body: form(c, t, v, doors, errors), status });
}

/** Routes of the pre-registration form. */
export const preregisterScreen: DashboardScreen = (app, ctx) => {
  app.get('/visits/new', allowed(ctx, 'visits.preregister'), async (c) => {
    const doors = await doorsInScope(ctx.sql, c.get('scope'));
    return render(c, ctx, { ...EMPTY, door: doors.length === 1 ? `${doors[0]!.site}/${doors[0]!.door}` : '' }, doors);
  });

  app.post('/visits/new', allowed(ctx, 'visits.preregister'), async (c) => {
    const { v, action } = await valuesOf(c);
    const doors = await doorsInScope(ctx.sql, c.get('scope'));
    // A door of a site out of scope does not exist for this user, whatever the POST says.
    const [site = '', door = ''] = v.door.split('/');
    if (v.door && !doors.some((d) => d.site === site && d.door === door)) {
      if (!siteAllowed(c, site)) return errorPage(c, ctx, 404, c.get('t')('error.notFound'));
    }
    if (action === 'rows:add') return render(c, ctx, { ...v, rows: [...(v.rows.length ? v.rows : [{ description: '', serial: '' }]), { description: '', serial: '' }].slice(0, MAX_DEVICE_ROWS) }, doors);
    const remove = /^rows:remove:(\d+)$/.exec(action ?? '');
    if (remove) return render(c, ctx, { ...v, rows: v.rows.filter((_, i) => i !== Number(remove[1])) }, doors);
    const t = c.get('t');
    const errors = check(t, v, doors);
    if (Object.keys(errors).length) return render(c, ctx, v, doors, errors, 422);
    const devices = v.rows.filter((r) => r.description.trim() && r.serial.trim()).map((r) => ({ description: r.description.trim(), serial: r.serial.trim() }));
    const nik = checkNik(v.nik);
    const args = {
      name: v.name.trim(), nik: nik.ok ? nik.nik : v.nik.trim(), org: v.org.trim(), purpose: v.purpose.trim(), plannedMinutes: Number(v.planned),
      ...(v.phone.trim() ? { phone: v.phone.trim() } : {}), ...(v.letterRef.trim() ? { letterRef: v.letterRef.trim() } : {}), ...(devices.length ? { devices } : {}),
    };
    const sent = await sendCommand(c, ctx, site, door, 'preregister', args);
    if ('error' in sent) return render(c, ctx, v, doors, { general: sent.error }, sent.status);
    // Who pre-registered which visit at which door: the command id always, the visit when the door already answered.
    await audit(ctx.sql, {
      actor: c.get('user')!.id, action: 'visit.preregistered', site, door,
      detail: { command: sent.id, devices: devices.length, ...(sent.reply?.ok && sent.reply.visit ? { visit: sent.reply.visit } : {}), ...(sent.reply && !sent.reply.ok ? { refused: true } : {}) },
    }, ctx.now());
    return c.redirect(`/commands/${encodeURIComponent(sent.id)}`, 303);
  });
};
