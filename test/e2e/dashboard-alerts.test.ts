/**
 * A forced door reaches an open alert queue without reload and is acknowledged from the page (issue 13, item 3 and
 * its e2e): a real Mosquitto (the shipped ACL), a real `pintu central run` (dashboard on a free port, a webhook to a
 * local HTTP server), and door 1's daemon with its readers on socat ptys. Door 1 runs the daemon `pintu run` runs
 * (`buildDaemon`) in this process, because its simulated door contact can be opened only from inside the process:
 * opening it without a grant is what makes the door log `door.forced`. In Debian's Chromium the analyst sees the
 * alert appear live, acknowledges it with a note, sees the acknowledgement, and the audit trail and the webhook have
 * it; /alerts has no serious or critical axe-core finding and its screenshot goes to test-output/screens/.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHmac } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { parse, stringify } from 'yaml';
import type { Browser } from 'playwright-core';
import { SimDoorIo } from '../../src/adapters/sim/sim-door-io.js';
import { silentLogger } from '../../src/adapters/log/pino.js';
import { buildDaemon } from '../../src/main.js';
import type { Daemon } from '../../src/app/daemon.js';
import { checkScreen, launchBrowser, officerContext, waitForLive, watchPage } from '../helpers/browser.js';
import { centreDashboard, cleanupWorlds, enrolBoth, settled, SITE, DOOR, start, TEST_MS, world } from '../helpers/central-world.js';

const SECRET = 'rahasia-webhook-e2e-0123456789';

describe('alert queue in Chromium', { timeout: TEST_MS * 2 }, () => {
  let browser: Browser;
  let daemon: Daemon | null = null;
  let hookServer: Server | null = null;

  beforeAll(async () => { browser = await launchBrowser(); });
  afterAll(async () => { await browser?.close(); });
  afterEach(async () => {
    await daemon?.stop();
    daemon = null;
    hookServer?.closeAllConnections();
    await new Promise<void>((r) => (hookServer ? hookServer.close(() => r()) : r()));
    hookServer = null;
    await cleanupWorlds();
  });

  it('a forced door appears on the open queue without reload, is acknowledged with a note, audited, and sent to the webhook', async () => {
    // The webhook's receiver.
    const taken: { headers: IncomingHttpHeaders; body: string }[] = [];
    hookServer = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => { body += d.toString(); });
      req.on('end', () => { taken.push({ headers: req.headers, body }); res.writeHead(204).end(); });
    });
    await new Promise<void>((r) => hookServer!.listen(0, '127.0.0.1', r));
    const hookUrl = `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}/pintu`;

    const w = await world(false);
    const central = parse(readFileSync(w.centreYaml, 'utf8')) as Record<string, unknown>;
    writeFileSync(w.centreYaml, stringify({ ...central, alerts: { webhooks: [{ site: SITE, url: hookUrl, secret: SECRET, kinds: ['door.forced'] }] } }));
    enrolBoth(w);
    w.centre = await start(w.centreYaml, ['central', 'run'], '"receiving"');
    const io = new SimDoorIo();
    daemon = await buildDaemon(w.door1.config, silentLogger(), { io });
    await daemon.start();
    await settled(w.door1);
    const { url } = await centreDashboard(w, { id: 'ani', role: 'analyst' });

    const context = await officerContext(browser, url);
    const page = await context.newPage();
    const problems = watchPage(page);
    await page.goto('/signin');
    await page.fill('#user', 'ani');
    await page.fill('#password', 'kata-sandi-uji-1');
    await Promise.all([page.waitForURL((u) => u.pathname !== '/signin'), page.click('form[action="/signin"] button[type="submit"]')]);
    await page.goto('/alerts');
    await expect(page.locator('#alert-rows').textContent()).resolves.toContain('Tidak ada peringatan.');
    await waitForLive(page);

    // The door opens with no grant: the door logs door.forced, the centre stores it and raises the alert.
    const before = await page.evaluate(() => performance.now());
    io.openDoor();
    const row = page.locator('tr.alert-row', { hasText: 'Pintu dibuka paksa' });
    await row.waitFor({ state: 'visible', timeout: 45_000 });
    const shownMs = Math.round((await page.evaluate(() => performance.now())) - before);
    await expect(row.textContent()).resolves.toContain(`${SITE} / ${DOOR}`);
    await expect(row.locator('time').textContent()).resolves.toMatch(/WIB \(\+07:00\)$/);
    await expect(page.locator('#alert-count').textContent()).resolves.toBe('1 peringatan terbuka');
    await page.waitForFunction(() => document.title.startsWith('(1) Peringatan'));
    io.closeDoor();
    console.log(`door.forced → shown on the open /alerts page in ${shownMs} ms`);
    await checkScreen(page, 'dashboard-alerts');

    // Acknowledge from the alert's page, with a note.
    await Promise.all([page.waitForURL(/\/alerts\/\d+$/), row.locator('a').first().click()]);
    await checkScreen(page, 'dashboard-alert');
    await page.fill('#note', 'Satpam memeriksa: pintu ditutup kembali, tidak ada orang masuk.');
    await Promise.all([page.waitForURL(/\/alerts\/\d+$/), page.click('form[action$="/ack"] button[type="submit"]')]);
    await expect(page.locator('.notice').textContent()).resolves.toMatch(/^Peringatan #\d+ dikonfirmasi\.$/);
    await expect(page.locator('#alert-state').textContent()).resolves.toContain('Dikonfirmasi oleh ani');
    await expect(page.locator('#alert-state').textContent()).resolves.toContain('Satpam memeriksa: pintu ditutup kembali');
    const alertId = Number(/\/alerts\/(\d+)$/.exec(page.url())![1]);

    // The queue no longer lists it as open; the acknowledged list does.
    await page.goto('/alerts');
    await expect(page.locator('#alert-rows').textContent()).resolves.toContain('Tidak ada peringatan.');
    await page.goto('/alerts?state=acked');
    await expect(page.locator(`#alert-${alertId}`).textContent()).resolves.toContain('Dikonfirmasi oleh ani');
    expect(problems.errors).toEqual([]);
    expect(problems.consoleErrors).toEqual([]);
    expect(problems.dialogs).toEqual([]);
    await context.close();

    // The audit trail has the acknowledgement (actor, alert, site, door, note).
    const store = (parse(readFileSync(w.centreYaml, 'utf8')) as { store: string }).store;
    const db = new Database(store, { readonly: true });
    try {
      const rows = db.prepare("SELECT actor, site, door, detail FROM audit WHERE action = 'alert.acknowledged'").all() as { actor: string; site: string; door: string; detail: string }[];
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ actor: 'ani', site: SITE, door: DOOR });
      expect(JSON.parse(rows[0]!.detail)).toMatchObject({ alert: alertId, kind: 'door.forced', note: 'Satpam memeriksa: pintu ditutup kembali, tidak ada orang masuk.' });
    } finally {
      db.close();
    }

    // The webhook got the alert, signed.
    await expect.poll(() => taken.length, { timeout: 30_000 }).toBeGreaterThanOrEqual(1);
    const got = taken[0]!;
    expect(got.headers['x-pintu-signature']).toBe(`sha256=${createHmac('sha256', SECRET).update(got.body).digest('hex')}`);
    expect(JSON.parse(got.body)).toMatchObject({ id: alertId, site: SITE, door: DOOR, kind: 'door.forced', group: 'alarm', link: `${url}/alerts/${alertId}` });
  });
});
