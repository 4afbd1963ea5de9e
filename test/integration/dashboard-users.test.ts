/**
 * Accounts of the central dashboard (issue 13): the head's users page (add with an initial password, role and sites,
 * deactivate/activate, unlock, password reset, a new TOTP secret shown once), every user's own password change, the
 * audit trail page (filters, limited to the viewer's sites), and the rules behind them: never without an active head,
 * a TOTP code accepted once, a lockout that survives a restart. Every change is an audit entry naming the head.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { audit, auditEntries } from '../../src/central/audit.js';
import { totpOf } from '../../src/central/users.js';
import { PASSWORD, startDashboard, type TestDashboard } from '../helpers/dashboard.js';

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
const actions = async (d: TestDashboard, actor: string): Promise<string[]> => (await auditEntries(d.store.sql, { scope: null, actor })).map((e) => e.action).reverse();

describe('users page (head)', () => {
  it('the head adds an account with an initial password; the new user signs in and changes it at /account', async () => {
    const d = await dash();
    await d.addUser('kepala', 'head');
    const head = await d.signedIn('kepala');
    const list = await head.get('/users');
    expect(list.status).toBe(200);
    expect(list.text).toContain('data-user="kepala"');
    const differ = await head.post('/users', { id: 'dewi', name: 'Dewi', role: 'helpdesk', sites: 'site-a', password: 'sandi-awal-dewi', again: 'lain-sekali-123' });
    expect(differ.status).toBe(422);
    expect(differ.text).toContain('Kedua kata sandi berbeda');
    const weak = await head.post('/users', { id: 'dewi', name: 'Dewi', role: 'helpdesk', sites: '', password: 'pendek', again: 'pendek' });
    expect(weak.status).toBe(422);
    expect(weak.text).toContain('sedikitnya 10 karakter');
    const r = await head.post('/users', { id: 'dewi', name: 'Dewi', role: 'helpdesk', sites: 'site-a, site-b', password: 'sandi-awal-dewi', again: 'sandi-awal-dewi' });
    expect(r.status).toBe(303);
    expect(r.location).toBe('/users/dewi');
    expect(await d.ctx.users.get('dewi')).toMatchObject({ role: 'helpdesk', sites: ['site-a', 'site-b'], active: true, totp: false });
    expect((await head.get('/users/dewi')).text).toContain('Akun dewi dibuat');
    const taken = await head.post('/users', { id: 'dewi', name: 'Dewi 2', role: 'analyst', sites: '', password: 'sandi-awal-dewi', again: 'sandi-awal-dewi' });
    expect(taken.text).toContain('ID pengguna dewi sudah dipakai');

    const dewi = await d.signedIn('dewi', { password: 'sandi-awal-dewi' });
    expect((await dewi.get('/account')).text).toContain('Ganti kata sandi');
    expect((await dewi.post('/account/password', { current: 'bukan-sandinya', password: 'sandi-baru-dewi-1', again: 'sandi-baru-dewi-1' })).status).toBe(401);
    expect((await d.ctx.users.get('dewi'))!.failed).toBe(1);
    const ok = await dewi.post('/account/password', { current: 'sandi-awal-dewi', password: 'sandi-baru-dewi-1', again: 'sandi-baru-dewi-1' });
    expect(ok.status).toBe(303);
    expect((await d.ctx.users.signIn('dewi', 'sandi-awal-dewi')).ok).toBe(false);
    expect((await d.ctx.users.signIn('dewi', 'sandi-baru-dewi-1')).ok).toBe(true);
    expect(await actions(d, 'kepala')).toEqual(expect.arrayContaining(['user.added']));
    expect(await actions(d, 'dewi')).toEqual(expect.arrayContaining(['user.password_change_refused', 'user.password_changed']));
    const added = (await auditEntries(d.store.sql, { scope: null, action: 'user.added' }))[0]!;
    expect(added).toMatchObject({ actor: 'kepala', detail: { user: 'dewi', role: 'helpdesk', sites: ['site-a', 'site-b'] } });
    expect(JSON.stringify(await auditEntries(d.store.sql, { scope: null }))).not.toContain('sandi-');
  });

  it('changes role and sites, deactivates (the user’s session ends at once) and activates, each audited with the head as actor', async () => {
    const d = await dash();
    await d.addUser('kepala', 'head');
    await d.addUser('ani', 'analyst');
    const head = await d.signedIn('kepala');
    const ani = await d.signedIn('ani');
    expect((await ani.get('/fleet')).status).toBe(200);
    await head.get('/users/ani');
    expect((await head.post('/users/ani/access', { role: 'subhead', sites: 'site-a' })).status).toBe(303);
    expect(await d.ctx.users.get('ani')).toMatchObject({ role: 'subhead', sites: ['site-a'] });
    expect((await ani.get('/audit')).status).toBe(200);
    expect((await head.post('/users/ani/access', { role: 'analyst', sites: '' })).status).toBe(303);
    expect((await d.ctx.users.get('ani'))!.sites).toBeNull();
    expect((await head.post('/users/ani/active', { active: '0' })).status).toBe(303);
    expect((await ani.get('/fleet')).status).toBe(303);
    expect((await d.ctx.users.signIn('ani', PASSWORD))).toMatchObject({ ok: false, why: 'inactive' });
    expect((await head.post('/users/ani/active', { active: '1' })).status).toBe(303);
    expect((await d.ctx.users.signIn('ani', PASSWORD)).ok).toBe(true);
    expect(await actions(d, 'kepala')).toEqual(['user.signed_in', 'user.changed', 'user.changed', 'user.disabled', 'user.enabled']);
    expect((await head.get('/users/nobody')).status).toBe(404);
  });

  it('never leaves the centre without an active head of every site: the last one can be neither deactivated, demoted nor limited to some sites', async () => {
    const d = await dash();
    await d.addUser('kepala', 'head');
    const head = await d.signedIn('kepala');
    await head.get('/users/kepala');
    const off = await head.post('/users/kepala/active', { active: '0' });
    expect(off.status).toBe(409);
    expect(off.text).toContain('Kepala aktif terakhir');
    expect((await head.post('/users/kepala/access', { role: 'analyst', sites: '' })).status).toBe(409);
    expect(await d.ctx.users.get('kepala')).toMatchObject({ role: 'head', active: true });
    await d.addUser('kepala2', 'head');
    await d.ctx.users.setActive('kepala2', false);
    await expect(d.ctx.users.set('kepala', { role: 'analyst' })).rejects.toThrow('last active head');
    await d.ctx.users.setActive('kepala2', true);
    expect((await head.post('/users/kepala2/active', { active: '0' })).status).toBe(303);
    await expect(d.ctx.users.set('kepala', { sites: ['site-a'] })).rejects.toThrow('last active head of every site');
    await d.addUser('kepala-a', 'head', { sites: ['site-a'] });
    await expect(d.ctx.users.setActive('kepala', false)).rejects.toThrow('last active head of every site');
    await d.ctx.users.set('kepala-a', { sites: null });
    expect((await d.ctx.users.set('kepala', { sites: ['site-a'] })).sites).toEqual(['site-a']);
  });

  it('a locked account is unlocked by the head; a password reset also unlocks it', async () => {
    const d = await dash();
    await d.addUser('kepala', 'head');
    await d.addUser('budi', 'analyst');
    for (let i = 0; i < 5; i++) await d.ctx.users.signIn('budi', 'salah-sekali');
    expect((await d.ctx.users.signIn('budi', PASSWORD)).ok).toBe(false);
    const head = await d.signedIn('kepala');
    const list = await head.get('/users');
    expect(list.text).toMatch(/data-user="budi"[\s\S]*?<time datetime=[^>]*>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} WIB/);
    expect((await head.get('/users/budi')).text).toContain('Buka kunci');
    expect((await head.post('/users/budi/unlock', {})).status).toBe(303);
    expect((await d.ctx.users.signIn('budi', PASSWORD)).ok).toBe(true);
    for (let i = 0; i < 5; i++) await d.ctx.users.signIn('budi', 'salah-sekali');
    await head.get('/users/budi');
    expect((await head.post('/users/budi/password', { password: 'sandi-reset-budi', again: 'sandi-reset-budi' })).status).toBe(303);
    expect((await d.ctx.users.signIn('budi', 'sandi-reset-budi')).ok).toBe(true);
    expect(await actions(d, 'kepala')).toEqual(expect.arrayContaining(['user.unlocked', 'user.password_reset']));
  });

  it('a new TOTP secret is shown once as an otpauth URI, works, and can be removed', async () => {
    const d = await dash();
    await d.addUser('kepala', 'head');
    await d.addUser('ani', 'analyst');
    const head = await d.signedIn('kepala');
    await head.get('/users/ani');
    const r = await head.post('/users/ani/totp', { mode: 'on' });
    expect(r.status).toBe(200);
    const uri = /<code id="totp-uri">([^<]+)<\/code>/.exec(r.text)![1]!.replace(/&amp;/g, '&');
    expect(uri).toMatch(/^otpauth:\/\/totp\/pintu:ani\?/);
    const secret = new URL(uri).searchParams.get('secret')!;
    expect((await head.get('/users/ani')).text).not.toContain(secret);
    expect((await head.get('/users')).text).not.toContain(secret);
    expect((await d.ctx.users.signIn('ani', PASSWORD))).toMatchObject({ ok: false, why: 'code' });
    expect((await d.ctx.users.signIn('ani', PASSWORD, totpOf(secret).generate())).ok).toBe(true);
    expect((await head.post('/users/ani/totp', { mode: 'off' })).status).toBe(303);
    expect((await d.ctx.users.signIn('ani', PASSWORD)).ok).toBe(true);
    expect(await actions(d, 'kepala')).toEqual(expect.arrayContaining(['user.totp_set', 'user.totp_removed']));
    expect(JSON.stringify(await auditEntries(d.store.sql, { scope: null }))).not.toContain(secret);
  });

  it('only a head who sees every site manages accounts; other roles get 403 on every users route', async () => {
    const d = await dash();
    await d.addUser('kepala', 'head');
    await d.addUser('kepala-a', 'head', { sites: ['site-a'] });
    await d.addUser('sub', 'subhead');
    for (const id of ['kepala-a', 'sub']) {
      const c = await d.signedIn(id);
      expect((await c.get('/users')).status).toBe(403);
      expect((await c.get('/users/kepala')).status).toBe(403);
      expect((await c.post('/users', { id: 'jahat', name: 'Jahat', role: 'head', sites: '', password: 'sandi-jahat-123', again: 'sandi-jahat-123' })).status).toBe(403);
      expect((await c.post('/users/kepala/active', { active: '0' })).status).toBe(403);
    }
    expect(await d.ctx.users.get('jahat')).toBeNull();
    expect((await d.ctx.users.get('kepala'))!.active).toBe(true);
  });
});

describe('account rules', () => {
  it('a TOTP code is accepted once: the same code cannot sign in twice', async () => {
    const d = await dash();
    const { secret } = await d.addUser('kepala', 'head', { totp: true });
    const code = totpOf(secret!).generate();
    expect((await d.ctx.users.signIn('kepala', PASSWORD, code)).ok).toBe(true);
    expect(await d.ctx.users.signIn('kepala', PASSWORD, code)).toMatchObject({ ok: false, why: 'bad' });
    const c = d.client();
    await c.get('/signin');
    expect((await c.post('/signin', { user: 'kepala', password: PASSWORD, code })).status).toBe(401);
    expect((await c.post('/signin', { user: 'kepala', password: PASSWORD, code: await d.freshCode('kepala', secret!) })).status).toBe(303);
  });

  it('the lockout count and the lockout survive a restart of the centre', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pintu-lock-'));
    dirs.push(dir);
    const db = join(dir, 'central.db');
    const first = await startDashboard({ store: db });
    await first.addUser('budi', 'analyst');
    for (let i = 0; i < 3; i++) await first.ctx.users.signIn('budi', 'salah-sekali');
    await first.close();
    const second = await dash({ store: db });
    expect((await second.ctx.users.get('budi'))!.failed).toBe(3);
    for (let i = 0; i < 2; i++) await second.ctx.users.signIn('budi', 'salah-sekali');
    await second.close();
    open.splice(0);
    const third = await dash({ store: db });
    expect(await third.ctx.users.signIn('budi', PASSWORD)).toMatchObject({ ok: false, why: 'locked' });
  });
});

describe('audit page', () => {
  it('lists entries newest first with filters, limited to the viewer’s sites, for subhead and head only', async () => {
    const d = await dash();
    await d.addUser('kepala', 'head');
    await d.addUser('sub-a', 'subhead', { sites: ['site-a'] });
    await d.addUser('ani', 'analyst');
    await audit(d.store.sql, { actor: 'ani', action: 'alert.acknowledged', site: 'site-a', door: 'd1', detail: { alert: 7, note: 'dicek' } });
    await audit(d.store.sql, { actor: 'ani', action: 'alert.acknowledged', site: 'site-rahasia', door: 'd9', detail: { alert: 8 } });
    const head = await d.signedIn('kepala');
    const all = await head.get('/audit');
    expect(all.status).toBe(200);
    expect(all.text).toContain('site-rahasia / d9');
    expect(all.text).toContain('alert: 7; note: dicek');
    const filtered = await head.get('/audit?actor=ani&action=alert.acknowledged');
    expect(filtered.text.match(/data-audit=/g)).toHaveLength(2);
    expect((await head.get('/audit?actor=nobody')).text).toContain('Tidak ada.');
    const sub = await d.signedIn('sub-a');
    const scoped = await sub.get('/audit');
    expect(scoped.status).toBe(200);
    expect(scoped.text).toContain('site-a / d1');
    expect(scoped.text).not.toContain('site-rahasia');
    expect((await (await d.signedIn('ani')).get('/audit')).status).toBe(403);
  });

  it('escapes markup in names, ids and audit facts on the users, account and audit pages', async () => {
    const d = await dash();
    await d.addUser('kepala', 'head');
    await d.ctx.users.add({ id: 'xss', name: '<img src=x onerror=alert(1)>"\'', role: 'analyst', sites: null, password: PASSWORD });
    await audit(d.store.sql, { actor: '<script>alert(2)</script>', action: '<b>x</b>', site: '<i>site</i>', door: '<u>d</u>', detail: { note: '<svg onload=alert(3)>' } });
    const head = await d.signedIn('kepala');
    const xss = await d.signedIn('xss');
    for (const [c, path] of [[head, '/users'], [head, '/users/xss'], [head, '/audit'], [xss, '/account'], [xss, '/fleet']] as const) {
      const p = await c.get(path);
      expect(p.status, path).toBe(200);
      expect(p.text, path).not.toMatch(/<img src=x|<script>alert|<b>x<\/b>|<i>site|<u>d<\/u>|<svg onload/);
    }
    expect((await head.get('/audit')).text).toContain('&lt;script&gt;alert(2)&lt;/script&gt;');
  });
});
