/**
 * Security of the central dashboard across every route it registers (issue 13), read from the hono app so that routes
 * added by later screens are covered without editing this file: a user limited to one site never sees another site
 * (URLs naming it answer 404, lists and fragments never name it), every change refuses a missing or forged CSRF token
 * and a cross-site origin, and sign-ins and account changes leave no password, code, secret or name in the log.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../src/adapters/log/pino.js';
import { CENTRAL_ROLES } from '../../src/central/users.js';
import { totpOf } from '../../src/central/users.js';
import { PASSWORD, startDashboard, type TestDashboard } from '../helpers/dashboard.js';
import { dashboardRoutes, expectScoped, HIDDEN, pageRoutes, pathFor, seedTwoSites, VISIBLE } from '../helpers/scoped.js';

const open: TestDashboard[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const d of open.splice(0)) await d.close();
  for (const x of dirs.splice(0)) rmSync(x, { recursive: true, force: true });
});
async function dash(o: Parameters<typeof startDashboard>[0] = {}): Promise<TestDashboard> {
  const d = await startDashboard(o);
  open.push(d);
  return d;
}

describe('site scope on every route', () => {
  it('a user of each role limited to one site never sees the other site on any page, fragment or URL', async () => {
    const d = await dash();
    await seedTwoSites(d);
    const routes = pageRoutes(d);
    expect(routes.map((r) => r.path)).toEqual(expect.arrayContaining(['/fleet', '/alerts', '/visits', '/reports', '/users', '/audit', '/account']));
    const paths: string[] = [];
    for (const r of routes) {
      if (r.path.includes(':')) {
        paths.push(pathFor(r.path, HIDDEN), pathFor(r.path, VISIBLE));
      } else {
        paths.push(r.path, `${r.path}?site=${HIDDEN.site}&door=${HIDDEN.door}`);
      }
    }
    // The seeded rows do reach the pages: a head of every site sees the hidden site in the audit trail.
    await d.addUser('kepala', 'head');
    expect((await (await d.signedIn('kepala')).get('/audit')).text).toContain(HIDDEN.site);
    for (const role of CENTRAL_ROLES) {
      await d.addUser(`${role}-a`, role, { sites: [VISIBLE.site] });
      await expectScoped(await d.signedIn(`${role}-a`), paths);
    }
  }, 120_000);

  it('a change naming a site out of scope answers 404 or 403 and sends no command there', async () => {
    const d = await dash();
    await seedTwoSites(d);
    const posts = dashboardRoutes(d).filter((r) => r.method !== 'GET' && r.path.includes(':site'));
    for (const role of CENTRAL_ROLES) {
      await d.addUser(`${role}-a`, role, { sites: [VISIBLE.site] });
      const c = await d.signedIn(`${role}-a`);
      for (const r of posts) {
        const p = await c.post(pathFor(r.path, HIDDEN), {});
        expect([403, 404], `${r.method} ${r.path} as ${role}: ${p.status}`).toContain(p.status);
      }
    }
    expect(d.sent.filter((s) => s.site === HIDDEN.site)).toEqual([]);
  }, 120_000);
});

describe('CSRF on every change', () => {
  it('every non-GET route refuses a missing token, a forged token, a foreign origin and a cross-site fetch', async () => {
    const d = await dash();
    await d.addUser('kepala', 'head');
    const c = await d.signedIn('kepala');
    const changes = dashboardRoutes(d).filter((r) => r.method !== 'GET' && r.method !== 'HEAD');
    expect(changes.map((r) => r.path)).toEqual(expect.arrayContaining(['/signin', '/signout', '/lang', '/users', '/users/:id/active', '/account/password']));
    for (const r of changes) {
      const path = pathFor(r.path, VISIBLE, { id: 'kepala' });
      const tries: Array<[string, Record<string, string>, Record<string, string>]> = [
        ['no token', { _csrf: '' }, {}],
        ['forged token', { _csrf: 'x'.repeat(32) }, {}],
        ['foreign origin', {}, { origin: 'http://evil.example' }],
        ['null origin', {}, { origin: 'null' }],
        ['cross-site fetch', {}, { 'sec-fetch-site': 'cross-site' }],
      ];
      for (const [what, fields, headers] of tries) {
        const p = await c.post(path, { ...fields, active: '0', mode: 'off', lang: 'en' }, headers);
        expect(p.status, `${r.method} ${r.path} with ${what}`).toBe(403);
        expect(p.text, `${r.method} ${r.path} with ${what}`).toContain('Formulir kedaluwarsa');
      }
    }
    expect(await d.ctx.users.get('kepala')).toMatchObject({ active: true, totp: false });
    expect((await c.get('/users')).status).toBe(200);
  });
});

describe('logs', () => {
  it('sign-ins, refusals, lockouts and account changes log no password, code, TOTP secret or name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pintu-dash-log-'));
    dirs.push(dir);
    const file = join(dir, 'log.jsonl');
    const d = await dash({ log: createLogger('trace', file) });
    const { secret } = await d.addUser('kepala', 'head', { totp: true });
    await d.ctx.users.add({ id: 'dewi', name: 'Dewi Lestari Rahasia', role: 'analyst', sites: null, password: 'sandi-dewi-rahasia-1' });
    const anon = d.client();
    await anon.get('/signin');
    await anon.post('/signin', { user: 'kepala', password: PASSWORD, code: '000000' });
    await anon.post('/signin', { user: 'siapa-ini', password: 'tebakan-rahasia-9' });
    for (let i = 0; i < 5; i++) await anon.post('/signin', { user: 'dewi', password: `salah-rahasia-${i}` });
    const head = await d.signedIn('kepala', { secret });
    await head.post('/users', { id: 'budi', name: 'Budi Santoso Rahasia', role: 'helpdesk', sites: VISIBLE.site, password: 'sandi-budi-awal-1', again: 'sandi-budi-awal-1' });
    await head.post('/users/dewi/unlock', {});
    await head.post('/users/dewi/password', { password: 'sandi-dewi-reset-2', again: 'sandi-dewi-reset-2' });
    const totp = await head.post('/users/budi/totp', { mode: 'on' });
    const budiSecret = new URL(/<code id="totp-uri">([^<]+)</.exec(totp.text)![1]!.replace(/&amp;/g, '&')).searchParams.get('secret')!;
    const budi = await d.signedIn('budi', { password: 'sandi-budi-awal-1', secret: budiSecret });
    await budi.post('/account/password', { current: 'salah-rahasia-x', password: 'sandi-budi-baru-3', again: 'sandi-budi-baru-3' });
    await budi.post('/account/password', { current: 'sandi-budi-awal-1', password: 'sandi-budi-baru-3', again: 'sandi-budi-baru-3' });
    await head.post('/users/budi/password', { password: 'x', again: 'y' });
    await new Promise((r) => setTimeout(r, 300));
    const log = readFileSync(file, 'utf8');
    expect(log).toContain('dashboard sign-in refused');
    for (const secretText of [PASSWORD, 'sandi-', 'salah-rahasia', 'tebakan-rahasia', 'Rahasia', secret!, budiSecret, totpOf(secret!).generate()]) {
      expect(log, secretText).not.toContain(secretText);
    }
  });
});
