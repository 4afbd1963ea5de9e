/**
 * Rendering helpers of the console: escaped HTML (`h`, from hono/html: every interpolated value is escaped unless it is
 * itself rendered HTML), times in the site's zone with its abbreviation and offset, masked NIKs, CSRF fields, role
 * guards, refusals translated from the app's errors, and redirects with a one-time notice.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { setCookie } from 'hono/cookie';
import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import { formatTime, offsetText } from '../../domain/time.js';
import { UserError } from '../../domain/errors.js';
import type { ConsoleContext, ConsoleEnv } from './context.js';
import { may } from './context.js';
import type { MessageKey, MessageParams, Translate } from './i18n/index.js';

/** Rendered, already-escaped HTML. */
export type Html = HtmlEscapedString;

/** Escaped HTML from a template (values are escaped; nested `Html` is kept). Synchronous: never pass promises. */
export function h(strings: TemplateStringsArray, ...values: unknown[]): Html {
  return html(strings, ...values) as Html;
}

/** Trusted HTML (only for text this program wrote, never for input). */
export const trusted = (s: string): Html => raw(s) as Html;

/** Indonesian zone abbreviations officers know. */
const ZONE_NAMES: Record<string, string> = { 'Asia/Jakarta': 'WIB', 'Asia/Pontianak': 'WIB', 'Asia/Makassar': 'WITA', 'Asia/Ujung_Pandang': 'WITA', 'Asia/Jayapura': 'WIT' };

/** The zone's name as officers say it (WIB/WITA/WIT), with its offset: `WIB (+07:00)`. */
export function zoneLabel(timeZone: string, at: number): string {
  const name = ZONE_NAMES[timeZone];
  return name ? `${name} (UTC${offsetText(at, timeZone)})` : `UTC${offsetText(at, timeZone)}`;
}

/** A full time in the site's zone: `2026-12-01 08:00:00 WIB (+07:00)`; '-' for none. */
export function when(at: number | null | undefined, timeZone: string): string {
  return formatTime(at, timeZone);
}

/** A time of day in the site's zone: `08:00 WIB`; '-' for none. */
export function clock(at: number | null | undefined, timeZone: string): string {
  const full = formatTime(at, timeZone);
  if (full === '-') return full;
  const name = ZONE_NAMES[timeZone];
  return `${full.slice(11, 16)} ${name ?? `UTC${offsetText(at as number, timeZone)}`}`;
}

/** A `<time>` element: the zone's time as text, the instant in `datetime`. */
export function timeTag(when_: number | string | null | undefined, timeZone: string, short = false): Html {
  const at = typeof when_ === 'string' ? Date.parse(when_) : when_;
  if (at === null || at === undefined || !Number.isFinite(at)) return h`-`;
  return h`<time datetime="${new Date(at).toISOString()}">${short ? clock(at, timeZone) : when(at, timeZone)}</time>`;
}

/** The hidden CSRF field every form carries. */
export function csrfField(c: Context<ConsoleEnv>): Html {
  return h`<input type="hidden" name="_csrf" value="${c.get('csrf')}">`;
}

/** A form field's error, translated. */
export function fieldError(t: Translate, errors: Record<string, string>, field: string): Html {
  const e = errors[field];
  return e ? h`<p class="field-error" id="err-${field}" role="alert">${e}</p>` : h``;
}

/** A comma list of states or roles as officer words. */
function wordsOf(t: Translate, prefix: 'state.' | 'role.', list: string): string {
  return list.split(',').filter(Boolean).map((x) => t(`${prefix}${x}` as MessageKey)).join(', ');
}

/**
 * The facts of a refusal in officers' words: states, roles, badge statuses and actions translated (the catalogue's
 * `state.*`, `role.*`, `issue.status.*`, `err.action.*`), times in the site's zone.
 */
function refusalParams(ctx: ConsoleContext, t: Translate, code: string, raw: Readonly<Record<string, string | number>>): MessageParams {
  const p: MessageParams = { ...raw };
  if (typeof raw.state === 'string') p.state = t(`state.${raw.state}` as MessageKey);
  if (typeof raw.role === 'string') p.role = t(`role.${raw.role}` as MessageKey);
  if (typeof raw.status === 'string') p.status = t(`issue.status.${raw.status}` as MessageKey);
  if (typeof raw.action === 'string') p.action = t(`err.action.${raw.action}` as MessageKey);
  if (typeof raw.allowed === 'string') p.allowed = wordsOf(t, code === 'role' ? 'role.' : 'state.', raw.allowed);
  if (typeof raw.until === 'number') p.until = when(raw.until, ctx.settings.timeZone);
  return p;
}

/**
 * An app refusal as officer text: a catalogue entry `err.<code>` when the error carries a code the catalogue knows
 * (with the error's params in officers' words), else the error's own message behind "Refused:".
 */
export function refusal(ctx: ConsoleContext, t: Translate, err: unknown): string {
  if (!(err instanceof UserError)) return t('error.internal');
  const { code, params } = err as UserError & { code?: string; params?: Record<string, string | number> };
  if (code) {
    const key = `err.${code}` as MessageKey;
    const text = t(key, refusalParams(ctx, t, code, params ?? {}));
    if (text !== key) return text;
  }
  return t('error.refused', { message: err.message });
}

/**
 * A path of this console to redirect to, or null: one leading slash only — `//host` (or `//3232235876`, a decimal IP)
 * is another host to a browser, so a page reached by such a link must not send the officer there.
 */
export function localPath(path: string | undefined | null): string | null {
  return typeof path === 'string' && /^\/(?!\/)[a-z0-9/_-]*$/i.test(path) ? path : null;
}

/** Redirect after a change, with a notice shown once on the next page (post/redirect/get). */
export function redirectWith(c: Context<ConsoleEnv>, to: string, notice: string | null): Response {
  const s = c.get('session');
  if (s && notice) s.flash = notice;
  return c.redirect(to, 303);
}

/** Only signed-in officers; a browser without a session is sent to the sign-in page. */
export const signedIn: MiddlewareHandler<ConsoleEnv> = async (c, next) => {
  if (!c.get('officer')) {
    if (c.req.header('hx-request')) return c.text(c.get('t')('error.signin'), 401);
    return c.redirect(`/signin?next=${encodeURIComponent(new URL(c.req.url).pathname)}`, 303);
  }
  await next();
};

/** Only officers whose role may do `action` (checked on the server for every request, whatever the page showed). */
export function allowed(action: string): MiddlewareHandler<ConsoleEnv> {
  return async (c, next) => {
    const o = c.get('officer');
    if (!o) return c.redirect('/signin', 303);
    if (!may(o.role, action)) {
      const t = c.get('t');
      c.status(403);
      return c.html(h`<!doctype html><html lang="${c.get('lang')}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${t('error.title')}</title><link rel="stylesheet" href="/assets/app.css"></head><body><main id="main"><h1>${t('error.title')}</h1><p role="alert">${t('error.forbidden', { role: t(`role.${o.role}`) })}</p><p><a href="/">${t('common.back')}</a></p></main></body></html>`);
    }
    await next();
  };
}

/** Form fields as strings (a repeated field keeps its last value; see `formList` for lists). */
export async function formOf(c: Context): Promise<Record<string, string>> {
  const body = await c.req.parseBody({ all: true });
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) {
    const last = Array.isArray(v) ? v[v.length - 1] : v;
    if (typeof last === 'string') out[k] = last;
  }
  return out;
}

/** A repeated form field as a list of strings (e.g. device rows). */
export async function formList(c: Context, name: string): Promise<string[]> {
  const body = await c.req.parseBody({ all: true });
  const v = body[name] ?? body[`${name}[]`];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string');
}

/** A cookie of the console: HttpOnly, SameSite=Strict, Secure under TLS. */
export function consoleCookie(c: Context<ConsoleEnv>, ctx: ConsoleContext, name: string, value: string, maxAgeSeconds?: number): void {
  setCookie(c, name, value, { httpOnly: true, sameSite: 'Strict', secure: ctx.settings.secure, path: '/', ...(maxAgeSeconds !== undefined ? { maxAge: maxAgeSeconds } : {}) });
}

