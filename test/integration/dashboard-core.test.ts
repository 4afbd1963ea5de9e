/**
 * The central dashboard's shell (issue 13): password sign-in with an optional TOTP code and a lockout, sessions and
 * CSRF like the officers' console, role guards on the server, the live stream limited to the user's sites, and the
 * listen/TLS rules. Every sign-in outcome is an audit entry; no password or code reaches the log.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request as httpRequest } from 'node:http';
import { createLogger, silentLogger } from '../../src/adapters/log/pino.js';
import { DashboardServer } from '../../src/central/dashboard/server.js';
import { dashboardSchema } from '../../src/central/config.js';
import { auditEntries } from '../../src/central/audit.js';
import { totpOf } from '../../src/central/users.js';
import { PASSWORD, startDashboard, type TestDashboard } from '../helpers/dashboard.js';

const open: TestDashboard[] = [];
afterEach(async () => { for (const d of open.splice(0)) await d.close(); });
async function dash(o: Parameters<typeof startDashboard>[0] = {}): Promise<TestDashboard> {
  const d = await startDashboard(o);
  open.push(d);
  return d;
}

describe('dashboard sign-in', () => {
  it('signs an analyst in with a password, lands on the fleet page, and audits it', async () => {
    const d = await dash();
    await d.addUser('ani', 'analyst');
    const c = d.client();
    expect((await c.get('/fleet')).location).toBe('/signin?next=%2Ffleet');
    await c.get('/signin');
    const r = await c.post('/signin', { user: 'ani', password: PASSWORD });
    expect(r.status).toBe(303);
    expect(r.location).toBe('/fleet');
    const p = await c.get('/fleet');
    expect(p.status).toBe(200);
    expect(p.text).toContain('Pengguna ani');
    const cookie = c.setCookies.find((x) => x.startsWith('pintu_session='))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    const trail = await auditEntries(d.store.sql, { scope: null });
    expect(trail.map((e) => [e.actor, e.action])).toContainEqual(['ani', 'user.signed_in']);
  });

  it('a helpdesk account lands on visits and may not open the fleet page (403 from the server)', async () => {
    const d = await dash();
    await d.addUser('hd', 'helpdesk');
    const c = await d.signedIn('hd');
    expect((await c.get('/')).location).toBe('/visits');
    const r = await c.get('/fleet');
    expect(r.status).toBe(403);
    expect(r.text).toContain('Helpdesk');
  });

  it('needs the TOTP code when the account has one, and takes the current code', async () => {
    const d = await dash();
    const { secret } = await d.addUser('kepala', 'head', { totp: true });
    const c = d.client();
    await c.get('/signin');
    const without = await c.post('/signin', { user: 'kepala', password: PASSWORD });
    expect(without.status).toBe(401);
    expect(without.text).toContain('kode dari aplikasi autentikator');
    const wrong = await c.post('/signin', { user: 'kepala', password: PASSWORD, code: String((Number(totpOf(secret!).generate()) + 500_000) % 1_000_000).padStart(6, '0') });
    expect(wrong.status).toBe(401);
    expect(wrong.text).toContain('ID pengguna, kata sandi atau kode salah');
    const ok = await c.post('/signin', { user: 'kepala', password: PASSWORD, code: totpOf(secret!).generate() });
    expect(ok.status).toBe(303);
  });

  it('locks an account after 5 wrong passwords, refuses even the right one, says until when, and never logs the password', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pintu-dash-log-'));
    const file = join(dir, 'log.jsonl');
    try {
      const d = await dash({ log: createLogger('debug', file) });
      await d.addUser('budi', 'analyst');
      const c = d.client();
      await c.get('/signin');
      for (let i = 0; i < 4; i++) expect((await c.post('/signin', { user: 'budi', password: `salah-sekali-${i}` })).status).toBe(401);
      const fifth = await c.post('/signin', { user: 'budi', password: 'salah-sekali-4' });
      expect(fifth.status).toBe(429);
      expect(fifth.text).toMatch(/terkunci sampai \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} WIB/);
      expect((await c.post('/signin', { user: 'budi', password: PASSWORD })).status).toBe(429);
      const trail = await auditEntries(d.store.sql, { scope: null, actor: 'budi' });
      expect(trail.map((e) => e.action)).toContain('user.locked_out');
      await new Promise((r) => setTimeout(r, 200));
      const log = readFileSync(file, 'utf8');
      expect(log).toContain('dashboard sign-in refused');
      expect(log).not.toContain('salah-sekali');
      expect(log).not.toContain(PASSWORD);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an unknown user id gets the same answer as a wrong password', async () => {
    const d = await dash();
    await d.addUser('ani', 'analyst');
    const c = d.client();
    await c.get('/signin');
    const unknown = await c.post('/signin', { user: 'siapa', password: PASSWORD });
    const wrong = await c.post('/signin', { user: 'ani', password: 'bukan-sandinya' });
    expect(unknown.status).toBe(wrong.status);
    expect(unknown.text.replace(/value="[^"]*"/g, '')).toBe(wrong.text.replace(/value="[^"]*"/g, ''));
  });
});

describe('dashboard requests', () => {
  it('refuses a change without the CSRF token or from another origin', async () => {
    const d = await dash();
    await d.addUser('ani', 'analyst');
    const c = await d.signedIn('ani');
    expect((await c.post('/signout', { _csrf: 'forged' })).status).toBe(403);
    expect((await c.post('/signout', {}, { origin: 'http://evil.example' })).status).toBe(403);
    expect((await c.get('/fleet')).status).toBe(200);
    expect((await c.post('/signout', {})).status).toBe(303);
    expect((await c.get('/fleet')).status).toBe(303);
  });

  it('answers only to loopback names when it listens on loopback', async () => {
    const d = await dash();
    const port = Number(new URL(d.url).port);
    // fetch() will not send another Host header: node:http does, as a rebinding browser would.
    const get = (host: string): Promise<number> => new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: '/signin', headers: { host } }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); });
      req.on('error', reject);
      req.end();
    });
    expect(await get(`localhost:${port}`)).toBe(200);
    expect(await get('attacker.example:8090')).toBe(421);
  });

  it('refuses plain HTTP on a network address unless allowPlainHttp, naming the setting', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pintu-dash-'));
    try {
      const { SqliteCentralStore } = await import('../../src/central/sqlite-store.js');
      const store = new SqliteCentralStore(join(dir, 'c.db'));
      const make = (extra: object) => new DashboardServer({ store, sql: store.sql, commands: null, config: dashboardSchema.parse({ listen: '0.0.0.0:0', ...extra }), timeZone: 'Asia/Jakarta' }, silentLogger());
      expect(() => make({})).toThrow(/console\.tls.*allowPlainHttp/);
      expect(() => make({ allowPlainHttp: true })).not.toThrow();
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the live stream needs a session and carries only topics of the user’s sites', async () => {
    const d = await dash();
    await d.addUser('ani', 'analyst', { sites: ['site-a'] });
    expect((await d.client().get('/live')).status).toBe(303);
    const c = await d.signedIn('ani');
    const live = await c.live();
    try {
      await live.waitFor('hello');
      d.ctx.feed.notify('door:site-b/d1', 'site-b');
      d.ctx.feed.notify('door:site-a/d1', 'site-a');
      await live.waitFor('door:site-a/d1');
      expect(live.messages.map((m) => m.event)).not.toContain('door:site-b/d1');
    } finally {
      live.close();
    }
  });

  it('the feed notices a new alert stored by another process (the poll), for that alert’s site', async () => {
    const d = await dash();
    await d.addUser('ani', 'analyst');
    const c = await d.signedIn('ani');
    const live = await c.live();
    try {
      await live.waitFor('hello');
      await new Promise((r) => setTimeout(r, 200));
      await d.store.alert('site-a', 'd1', 'door.forced', 'seq 9', Date.now());
      await live.waitFor('alerts');
    } finally {
      live.close();
    }
  });
});
