/**
 * SOP 003 from the central dashboard in a real Chromium, end to end (issue 13): a real Mosquitto, `pintu central run`
 * and door 1 (`pintu run` with its readers on socat ptys). The helpdesk pre-registers a visit from the form; the signed
 * command reaches the door (its own `pintu visit list` shows the request with the visitor's name, which the centre
 * never stores) and the command page shows the door's signed reply without reload; the visit then appears on the
 * visit list and page. A head revokes it remotely, naming the door's head, while the door is offline: the command page
 * waits, and shows the door's reply without reload once the door is back (its persistent session kept the command).
 * axe-core finds no serious or critical violation on the visit list, the form, the command page and the visit page;
 * screenshots go to test-output/screens/.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { checkScreen, launchBrowser, officerContext, waitForLive, waitUntil, watchPage } from '../helpers/browser.js';
import { centreDashboard, cleanupWorlds, DOOR, outputs, SITE, start, stop, TEST_MS, WAIT_MS, world } from '../helpers/central-world.js';
import { pintuJson } from '../helpers/cli.js';
import { testNik } from '../helpers/config.js';

let browser: Browser;
beforeAll(async () => { browser = await launchBrowser(); }, 60_000);
afterAll(async () => { await browser?.close(); });
afterEach(cleanupWorlds);

const PASSWORD = 'kata-sandi-uji-1';
const NAME = 'Rina Kartika Sari';

async function signIn(page: Page, user: string): Promise<void> {
  await page.goto('/signin');
  await page.fill('#user', user);
  await page.fill('#password', PASSWORD);
  await Promise.all([page.waitForURL((u) => u.pathname !== '/signin'), page.click('main form button[type="submit"]')]);
}

describe('SOP 003 pre-registration from the dashboard to a real door', () => {
  it('the form reaches the door, the reply shows live, the visit appears at the centre, and a head revokes it remotely', async () => {
    const w = await world(true);
    const { url } = await centreDashboard(w, { id: 'helpdesk1', role: 'helpdesk', sites: [SITE] });
    await centreDashboard(w, { id: 'kepala', role: 'head' });
    const ctx = await officerContext(browser, url);
    const page = await ctx.newPage();
    const problems = watchPage(page);
    await signIn(page, 'helpdesk1');
    expect(new URL(page.url()).pathname).toBe('/visits');
    await checkScreen(page, 'dashboard-visits-empty');

    await page.click('a[href="/visits/new"]');
    await page.selectOption('#door', `${SITE}/${DOOR}`);
    await page.fill('#name', NAME);
    await page.fill('#nik', '1234');
    await page.fill('#org', 'PT Sinar Data');
    await page.fill('#purpose', 'Pemeliharaan server SIMPEG');
    await page.fill('#planned', '45');
    await page.fill('#letterRef', 'HD-2026-0042');
    await page.fill('#dev-desc-0', 'Laptop Dell');
    await page.fill('#dev-serial-0', 'DL-778899');
    await page.click('form button.primary');
    // 422: the NIK is wrong; every value is kept.
    await page.waitForSelector('#err-nik');
    await expect(page.inputValue('#org')).resolves.toBe('PT Sinar Data');
    await expect(page.inputValue('#dev-serial-0')).resolves.toBe('DL-778899');
    await checkScreen(page, 'dashboard-preregister-errors');
    await page.fill('#nik', testNik(7));
    await Promise.all([page.waitForURL(/\/commands\//), page.click('form button.primary')]);
    await waitForLive(page);
    await checkScreen(page, 'dashboard-command-page');
    await page.waitForSelector('[data-state="accepted"]', { timeout: WAIT_MS });
    const accepted = await page.textContent('[data-state="accepted"]');
    expect(accepted).toMatch(/Diterima pintu .* WIB \(\+07:00\): kunjungan V-\d{8}-\d{3} berstatus "Diajukan"/);
    const visitId = /V-\d{8}-\d{3}/.exec(accepted!)![0];
    await checkScreen(page, 'dashboard-command-accepted');

    // At the door: the request with the visitor's name (which stays there).
    const atDoor = pintuJson<Array<{ id: string; state: string; visitor: { name: string; org: string }; devicesIn: unknown[] }>>(w.door1.file, ['visit', 'list']);
    expect(atDoor.find((v) => v.id === visitId)).toMatchObject({ state: 'requested', visitor: { name: NAME, org: 'PT Sinar Data' }, devicesIn: [{ description: 'Laptop Dell', serial: 'DL-778899' }] });

    // The visit reaches the centre with the door's events: its page, then the list.
    await waitUntil(async () => (await page.request.get(`/visits/${SITE}/${DOOR}/${visitId}`)).status() === 200, 'the visit at the centre', WAIT_MS);
    await page.click(`a[href="/visits/${SITE}/${DOOR}/${visitId}"]`);
    await page.waitForSelector('#timeline table');
    expect(await page.textContent('#timeline')).toContain('Permohonan akses dari kantor pusat dicatat');
    expect(await page.content()).not.toContain(NAME);
    await checkScreen(page, 'dashboard-visit-page');
    await page.goto('/visits');
    expect(await page.textContent('main table')).toContain(visitId);
    await checkScreen(page, 'dashboard-visits-list');
    expect(problems).toMatchObject({ errors: [], consoleErrors: [], dialogs: [] });
    await ctx.close();

    // A head revokes it remotely, in the name of the door's head O1.
    const headCtx = await officerContext(browser, url);
    const head = await headCtx.newPage();
    const headProblems = watchPage(head);
    await signIn(head, 'kepala');
    await head.goto(`/visits/${SITE}/${DOOR}/${visitId}`);
    await expect(head.inputValue('#by')).resolves.toBe('O1');
    await head.fill('#reason', 'Surat permohonan dibatalkan');
    // The door is offline when the command is sent: the page waits, and shows the reply live once the door is back.
    await stop(w.daemon1!);
    await Promise.all([head.waitForURL(/\/commands\//), head.click('form[action$="/revoke"] button')]);
    await head.waitForSelector('[data-state="waiting"]');
    await waitForLive(head);
    await checkScreen(head, 'dashboard-command-waiting');
    const loads = await head.evaluate(() => performance.getEntriesByType('navigation').length);
    w.daemon1 = await start(w.door1.file, ['run'], 'pintu ready');
    await head.waitForSelector('[data-state="accepted"]', { timeout: WAIT_MS });
    expect(await head.evaluate(() => performance.getEntriesByType('navigation').length)).toBe(loads);
    expect(await head.textContent('[data-state="accepted"]')).toContain('berstatus "Izin dicabut"');
    await checkScreen(head, 'dashboard-revoke-accepted');
    const revoked = pintuJson<{ state: string; revokeReason: string }>(w.door1.file, ['visit', 'show', visitId]);
    expect(revoked).toMatchObject({ state: 'revoked', revokeReason: 'Surat permohonan dibatalkan' });
    expect(headProblems).toMatchObject({ errors: [], consoleErrors: [], dialogs: [] });
    await headCtx.close();

    // Nothing of the visitor in the centre's output (its log) or its database.
    const centreOut = outputs.get(w.centre!)!();
    expect(centreOut).not.toContain(NAME);
    expect(centreOut).not.toContain(testNik(7));
    const storeDir = join(dirname(w.centreYaml), 'store');
    const files = readdirSync(storeDir).filter((f) => f.startsWith('central.db'));
    expect(files).toContain('central.db');
    for (const f of files) {
      const bytes = readFileSync(join(storeDir, f)).toString('latin1');
      expect(bytes).not.toContain(NAME);
      expect(bytes).not.toContain(testNik(7));
    }
  }, TEST_MS + 120_000);
});
