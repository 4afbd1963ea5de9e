/**
 * The account rules on PostgreSQL, the store of a centre with many sites (issue 13): a TOTP code accepted once, the
 * last active head kept, the lockout counted in the table across restarts, the audit trail scoped in SQL, and a
 * site-limited user's pages free of the other site.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEntries } from '../../src/central/audit.js';
import { totpOf } from '../../src/central/users.js';
import { PASSWORD, startDashboard } from '../helpers/dashboard.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { expectScoped, HIDDEN, pageRoutes, pathFor, seedTwoSites, VISIBLE } from '../helpers/scoped.js';

let postgres: TestPostgres;
beforeAll(async () => { postgres = await startPostgres(); }, 120_000);
afterAll(async () => { await postgres?.cleanup(); });

describe('accounts on PostgreSQL', () => {
  it('one use per TOTP code, never without a head, a lockout that survives a restart', async () => {
    const url = await postgres.database();
    const d = await startDashboard({ store: url });
    try {
      const { secret } = await d.addUser('kepala', 'head', { totp: true });
      const code = totpOf(secret!).generate();
      const both = await Promise.all([d.ctx.users.signIn('kepala', PASSWORD, code), d.ctx.users.signIn('kepala', PASSWORD, code)]);
      expect(both.filter((r) => r.ok)).toHaveLength(1);
      await expect(d.ctx.users.setActive('kepala', false)).rejects.toThrow('last active head');
      await expect(d.ctx.users.set('kepala', { role: 'subhead' })).rejects.toThrow('last active head');
      await d.addUser('budi', 'analyst');
      for (let i = 0; i < 5; i++) await d.ctx.users.signIn('budi', 'salah-sekali');
    } finally {
      await d.close();
    }
    const again = await startDashboard({ store: url });
    try {
      expect(await again.ctx.users.signIn('budi', PASSWORD)).toMatchObject({ ok: false, why: 'locked' });
      await again.ctx.users.unlock('budi');
      expect((await again.ctx.users.signIn('budi', PASSWORD)).ok).toBe(true);
    } finally {
      await again.close();
    }
  }, 120_000);

  it('a site-limited analyst and subhead never see the other site; the trail is scoped in SQL', async () => {
    const d = await startDashboard({ store: await postgres.database() });
    try {
      await seedTwoSites(d);
      expect((await auditEntries(d.store.sql, { scope: [VISIBLE.site] })).map((e) => e.site)).toEqual([VISIBLE.site]);
      const paths = pageRoutes(d).flatMap((r) => r.path.includes(':') ? [pathFor(r.path, HIDDEN)] : [r.path, `${r.path}?site=${HIDDEN.site}`]);
      for (const role of ['analyst', 'subhead'] as const) {
        await d.addUser(`${role}-a`, role, { sites: [VISIBLE.site] });
        await expectScoped(await d.signedIn(`${role}-a`), paths);
      }
    } finally {
      await d.close();
    }
  }, 120_000);
});
