/**
 * What the officers' console and the central dashboard share at the HTTP edge: the content security policy, static
 * assets with ETag and gzip, the loopback-name check against DNS rebinding, and the same-origin test for changes.
 */
import type { Context, Handler, MiddlewareHandler } from 'hono';
import type { Asset } from './assets.js';

/** The content security policy of every page: only this server's scripts, styles and connections. */
export const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; "
  + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** GET /assets/:file — the named asset, gzipped when accepted, revalidated by ETag; 404 for any other name. */
export function assetRoute(assets: Map<string, Asset>): Handler {
  return (c) => {
    const a = assets.get(c.req.param('file') ?? '');
    if (!a) return c.notFound();
    const headers: Record<string, string> = { 'content-type': a.type, etag: a.etag, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' };
    if (c.req.header('if-none-match') === a.etag) return c.body(null, 304, headers);
    const gz = /\bgzip\b/.test(c.req.header('accept-encoding') ?? '');
    if (gz) headers['content-encoding'] = 'gzip';
    headers.vary = 'accept-encoding';
    return c.body(new Uint8Array(gz ? a.gzip : a.body), 200, headers);
  };
}

/**
 * A server on loopback answers only to loopback names: a web page elsewhere cannot reach it through DNS rebinding (a
 * name of the attacker's that resolves to 127.0.0.1 in a browser on this machine). Others get 421 with `refusal()`.
 */
export function loopbackNamesOnly(refusal: () => string): MiddlewareHandler {
  return async (c, next) => {
    const host = (c.req.header('host') ?? '').replace(/:\d+$/, '').toLowerCase();
    if (!['127.0.0.1', 'localhost', '[::1]', '::1'].includes(host) && !/^127\.\d+\.\d+\.\d+$/.test(host)) return c.text(refusal(), 421);
    await next();
  };
}

/** Is this request a change from this server's own pages (Sec-Fetch-Site, else Origin against Host; `null` refused)? */
export function sameOrigin(c: Context): boolean {
  const site = c.req.header('sec-fetch-site');
  if (site && site !== 'same-origin' && site !== 'none') return false;
  const origin = c.req.header('origin');
  if (origin === 'null') return false;
  if (origin) {
    try { if (new URL(origin).host !== c.req.header('host')) return false; } catch { return false; }
  }
  return true;
}
