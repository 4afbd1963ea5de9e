/**
 * `pintu central user …` through the built CLI (issue 13): set role and sites, disable/enable (never the last active
 * head), a password reset from stdin, a TOTP secret printed once and removed, unlock; each change is an audit entry
 * with the actor `cli`; no password is ever printed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { auditEntries } from '../../src/central/audit.js';
import { SqliteCentralStore } from '../../src/central/sqlite-store.js';
import { CentralUsers, totpOf } from '../../src/central/users.js';
import { pintu, pintuJson } from '../helpers/cli.js';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

function centre(): { yaml: string; db: string } {
  const dir = mkdtempSync(join(tmpdir(), 'pintu-users-cli-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'store'));
  const db = join(dir, 'store', 'central.db');
  const yaml = join(dir, 'central.yaml');
  writeFileSync(yaml, stringify({ console: { listen: '127.0.0.1:0' }, broker: { url: 'mqtt://127.0.0.1:1' }, store: db, dataDir: join(dir, 'data'), log: { level: 'warn' } }));
  return { yaml, db };
}

/** Read the store while no CLI runs. */
async function withStore<T>(db: string, fn: (s: SqliteCentralStore, u: CentralUsers) => Promise<T>): Promise<T> {
  const s = new SqliteCentralStore(db);
  try { return await fn(s, new CentralUsers(s.sql, { lockoutAttempts: 5, lockoutMinutes: 15 })); } finally { await s.close(); }
}

describe('pintu central user', () => {
  it('set, disable, enable, password, totp and unlock change the account, refuse leaving no head, and audit as cli', async () => {
    const { yaml, db } = centre();
    const add = (id: string, role: string): void => { expect(pintu(yaml, ['central', 'user', 'add', id, '--name', `Nama ${id}`, '--role', role], 'kata-sandi-awal-1\n').code).toBe(0); };
    add('kepala', 'head');
    add('ani', 'analyst');

    expect(pintuJson(yaml, ['central', 'user', 'set', 'ani', '--role', 'subhead', '--site', 'site-a', '--site', 'site-b'])).toMatchObject({ id: 'ani', role: 'subhead', sites: ['site-a', 'site-b'] });
    expect(pintu(yaml, ['central', 'user', 'set', 'ani', '--all-sites']).stdout).toContain('user ani: subhead, every site, active');
    const both = pintu(yaml, ['central', 'user', 'set', 'ani', '--all-sites', '--site', 'x']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('either --site or --all-sites');
    const badRole = pintu(yaml, ['central', 'user', 'set', 'ani', '--role', 'boss']);
    expect(badRole.code).toBe(2);
    expect(badRole.stderr).toContain('role "boss" is not one of');

    const lastOff = pintu(yaml, ['central', 'user', 'disable', 'kepala']);
    expect(lastOff.code).toBe(2);
    expect(lastOff.stderr).toContain('last active head');
    const lastDemote = pintu(yaml, ['central', 'user', 'set', 'kepala', '--role', 'analyst']);
    expect(lastDemote.code).toBe(2);
    expect(lastDemote.stderr).toContain('last active head');
    expect(pintu(yaml, ['central', 'user', 'disable', 'ani']).code).toBe(0);
    expect(pintu(yaml, ['central', 'user', 'list']).stdout).toMatch(/^ani\s+subhead\s+inactive/m);
    expect(pintu(yaml, ['central', 'user', 'enable', 'ani']).code).toBe(0);

    const weak = pintu(yaml, ['central', 'user', 'password', 'ani'], 'pendek\n');
    expect(weak.code).toBe(2);
    const reset = pintu(yaml, ['central', 'user', 'password', 'ani'], 'kata-sandi-baru-2\n');
    expect(reset.code).toBe(0);
    expect(reset.stdout + reset.stderr).not.toContain('kata-sandi-baru-2');
    expect(pintu(yaml, ['central', 'user', 'password', 'siapa'], 'kata-sandi-baru-2\n').stderr).toContain('no user siapa');

    const on = pintuJson<{ totp: string }>(yaml, ['central', 'user', 'totp', 'ani', 'on']);
    expect(on.totp).toMatch(/^otpauth:\/\/totp\//);
    const secret = new URL(on.totp).searchParams.get('secret')!;
    expect(pintu(yaml, ['central', 'user', 'list']).stdout).toMatch(/^ani\s+subhead\s+active\s+totp/m);
    await withStore(db, async (_s, users) => {
      expect((await users.signIn('ani', 'kata-sandi-baru-2', totpOf(secret).generate())).ok).toBe(true);
      for (let i = 0; i < 5; i++) await users.signIn('ani', 'salah-sekali');
    });
    expect(pintu(yaml, ['central', 'user', 'list']).stdout).toMatch(/^ani .*locked until \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} WIB/m);
    expect(pintu(yaml, ['central', 'user', 'unlock', 'ani']).stdout).toContain('user ani unlocked');
    expect(pintu(yaml, ['central', 'user', 'totp', 'ani', 'off']).stdout).toContain('second factor of ani removed');
    expect(pintu(yaml, ['central', 'user', 'totp', 'ani', 'maybe']).code).toBe(2);

    await withStore(db, async (s, users) => {
      expect((await users.signIn('ani', 'kata-sandi-baru-2')).ok).toBe(true);
      const trail = await auditEntries(s.sql, { scope: null, actor: 'cli' });
      expect(trail.map((e) => e.action).reverse()).toEqual(['user.added', 'user.added', 'user.changed', 'user.changed', 'user.disabled', 'user.enabled', 'user.password_reset', 'user.totp_set', 'user.unlocked', 'user.totp_removed']);
      expect(JSON.stringify(trail)).not.toMatch(/kata-sandi|secret/);
    });
  }, 300_000);
});
