/**
 * Site-scope and CSRF checks of the central dashboard, for every screen's tests: the dashboard's routes read from the
 * same hono app the server builds (so a route added later is checked without touching these tests), two sites' worth
 * of data in the store (visits, taps, an alarm, an alert, audit entries, a command), and `expectScoped(client, paths)`:
 * a site-limited user never sees the hidden site — a URL naming it answers 404 (403 when the role lacks the action),
 * and no other page or fragment mentions it.
 */
import { expect } from 'vitest';
import { dashboardApp } from '../../src/central/dashboard/app.js';
import { DASHBOARD_SCREENS } from '../../src/central/dashboard/screens/index.js';
import { audit } from '../../src/central/audit.js';
import { eventHash, GENESIS_HASH } from '../../src/protocol/chain.js';
import type { WireEvent } from '../../src/protocol/messages.js';
import type { ConsoleClient } from './console.js';
import type { TestDashboard } from './dashboard.js';

/** The site a site-limited test user may see, and its door. */
export const VISIBLE = { site: 'site-terlihat', door: 'pintu-terlihat' } as const;
/** The site it may not see, and its door: neither string may appear on any page that user gets. */
export const HIDDEN = { site: 'situs-rahasia', door: 'pintu-rahasia' } as const;

/** A route of the dashboard. */
export interface DashRoute {
  /** HTTP method (GET, POST …). */
  method: string;
  /** Path pattern, e.g. `/fleet/:site/:door`. */
  path: string;
}

/** Routes whose answers are not pages to check (a stream that never ends, static files). */
const NOT_PAGES = new Set(['/live', '/assets/:file']);

/** Every route the dashboard registers (middleware excluded), from a hono app built from the server's own screens. */
export function dashboardRoutes(d: TestDashboard): DashRoute[] {
  const app = dashboardApp(d.ctx, new Map(), DASHBOARD_SCREENS);
  const seen = new Map<string, DashRoute>();
  for (const r of app.routes) {
    if (r.method === 'ALL' || r.path.includes('*')) continue;
    seen.set(`${r.method} ${r.path}`, { method: r.method, path: r.path });
  }
  return [...seen.values()];
}

/** GET routes that render pages or fragments (not the live stream or assets). */
export function pageRoutes(d: TestDashboard): DashRoute[] {
  return dashboardRoutes(d).filter((r) => r.method === 'GET' && !NOT_PAGES.has(r.path));
}

/** A route's path with its parameters filled: `:site` and `:door` from `where`, any other from `other` (default '1'). */
export function pathFor(path: string, where: { site: string; door: string }, other: Record<string, string> = {}): string {
  return path.replace(/:([A-Za-z_]\w*)(\{[^}]*\})?\??/g, (_m, name: string) => encodeURIComponent(name === 'site' ? where.site : name === 'door' ? where.door : other[name] ?? '1'));
}

/** Chained wire events of one door: a visit requested and approved, a refused tap, a forced door. */
function doorHistory(site: string, door: string): WireEvent[] {
  const visit = `V-20261201-${site === HIDDEN.site ? '901' : '101'}`;
  const day = (s: number): string => new Date(Date.UTC(2026, 11, 1, 2, 0, s)).toISOString();
  const items: Array<[string, Record<string, unknown>]> = [
    ['visit.requested', { visit, kind: 'visit', step: 1, officer: 'O3', org: `Org ${site}`, purpose: `Perawatan ${door}`, plannedMinutes: 30, devicesIn: [], letterRef: null, ktpRead: false }],
    ['visit.approved', { visit, officer: 'O1', validFrom: day(2), validUntil: new Date(Date.UTC(2026, 11, 1, 10)).toISOString() }],
    ['access.denied', { reader: 'in', direction: 'in', reason: 'unknown-badge', cardHash: `hash-${door}` }],
    ['door.forced', {}],
  ];
  const out: WireEvent[] = [];
  let prev = GENESIS_HASH;
  items.forEach(([type, data], i) => {
    const seq = i + 1;
    const at = day(seq);
    const hash = eventHash(prev, door, seq, type, at, JSON.stringify(data));
    out.push({ seq, type, at, data, prevHash: prev, hash });
    prev = hash;
  });
  return out;
}

/** Both sites' doors enrolled with some history, an alert each, audit entries of each site, a command to each door. */
export async function seedTwoSites(d: TestDashboard): Promise<void> {
  const now = Date.now();
  for (const [i, x] of [VISIBLE, HIDDEN].entries()) {
    await d.store.enroll(x.site, x.door, `${String.fromCharCode(65 + i).repeat(43)}=`, now);
    const r = await d.store.ingest(x.site, x.door, doorHistory(x.site, x.door), now);
    if (r.outcome !== 'stored') throw new Error(`seeding ${x.site}/${x.door}: ${r.outcome}`);
    await d.store.alert(x.site, x.door, 'link.gap', `gap at ${x.door}`, now);
    await audit(d.store.sql, { actor: 'seed', action: 'alert.acknowledged', site: x.site, door: x.door, detail: { note: `catatan ${x.site}` } }, now);
    await d.store.sql.run('INSERT INTO commands (id, site, door, counter, action, issued_at, reply, replied_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      [`cmd-${x.door}`, x.site, x.door, 1, 'visit.revoke', now, null, null]);
  }
}

/**
 * GET each path as `client` (a user limited to sites without `hidden.site`): a path whose path part names the hidden
 * site or door answers 404, or 403 when the role may not use that screen at all; every other answer (queries such as
 * `?site=<hidden>` included) is not a server error and its body names neither the hidden site nor its door.
 */
export async function expectScoped(client: ConsoleClient, paths: readonly string[], hidden: { site: string; door: string } = HIDDEN): Promise<void> {
  for (const path of paths) {
    const p = await client.get(path);
    const where = path.split('?')[0]!;
    const names = where.includes(encodeURIComponent(hidden.site)) || where.includes(encodeURIComponent(hidden.door));
    if (names) {
      expect([403, 404], `${path} answered ${p.status}`).toContain(p.status);
    } else {
      expect(p.status, `${path} answered ${p.status}`).toBeLessThan(500);
      // A filter typed in the query may be echoed back into its field or the page's own links; rows may not.
      const body = path.includes('?') ? p.text.replace(/\s[\w:-]+="[^"]*"/g, '') : p.text;
      expect(body.includes(hidden.site), `${path} names the hidden site`).toBe(false);
      expect(body.includes(hidden.door), `${path} names the hidden door`).toBe(false);
    }
  }
}
