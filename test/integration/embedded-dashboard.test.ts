/**
 * The embedded central office of `pintu demo` also serves the dashboard on loopback (issue 13) with the demo's
 * accounts: the head (no second factor) sees the fleet and manages users, the helpdesk limited to the demo site sees
 * visits but not the fleet, and the accounts' creation is in the audit trail.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../src/adapters/log/pino.js';
import { auditEntries } from '../../src/central/audit.js';
import { startEmbeddedCentral } from '../../src/central/embedded.js';
import { ConsoleClient } from '../helpers/console.js';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

async function signedIn(url: string, user: string, password: string): Promise<ConsoleClient> {
  const c = new ConsoleClient(url.replace(/\/$/, ''));
  await c.get('/signin');
  const r = await c.post('/signin', { user, password });
  expect(r.status, `${user} signs in`).toBe(303);
  return c;
}

describe('embedded central office with the dashboard', () => {
  it('serves the dashboard on loopback with its accounts, each limited as given', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pintu-embedded-'));
    dirs.push(dir);
    const centre = await startEmbeddedCentral({
      dir, log: silentLogger(), doors: [],
      dashboard: { port: 0, timeZone: 'Asia/Jakarta', accounts: [
        { id: 'kepala', name: 'Kepala', role: 'head', sites: null, password: 'kepala-demo-2026' },
        { id: 'helpdesk', name: 'Helpdesk', role: 'helpdesk', sites: ['demo-office'], password: 'helpdesk-demo-2026' },
      ] },
    });
    try {
      expect(centre.dashboardUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const head = await signedIn(centre.dashboardUrl!, 'kepala', 'kepala-demo-2026');
      expect((await head.get('/fleet')).status).toBe(200);
      expect((await head.get('/users')).text).toContain('data-user="helpdesk"');
      const hd = await signedIn(centre.dashboardUrl!, 'helpdesk', 'helpdesk-demo-2026');
      expect((await hd.get('/visits')).status).toBe(200);
      expect((await hd.get('/fleet')).status).toBe(403);
      expect((await auditEntries(centre.store.sql, { scope: null, action: 'user.added' })).map((e) => e.actor)).toEqual(['demo', 'demo']);
    } finally {
      await centre.stop();
    }
    const plain = await startEmbeddedCentral({ dir: join(dir, 'plain'), log: silentLogger(), doors: [] });
    expect(plain.dashboardUrl).toBeNull();
    await plain.stop();
  });
});
