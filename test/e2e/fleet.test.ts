/**
 * The fleet view in a real Chromium against a real centre (`pintu central run` with its dashboard), a real Mosquitto
 * and real doors (door 1: `pintu run` with its readers on socat ptys): door 1's daemon stops and the open fleet page
 * shows it offline without a reload, starts again and it shows online; on door 1's page a card tapped at the reader
 * pty appears in the live event list, and the stored chain checks intact. Both pages are axe-clean, without script
 * errors or CSP violations, and saved under test-output/screens/.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { checkScreen, launchBrowser, officerContext, waitForLive, watchPage } from '../helpers/browser.js';
import { centreDashboard, cleanupWorlds, DOOR, SITE, SITE_B, DOOR_B, start, stop, STRANGER, tap, TEST_MS, world } from '../helpers/central-world.js';

afterEach(cleanupWorlds);

/** The text of a door's row on the open fleet page, once `test` holds for it (no reload: the page's own DOM). */
async function rowBecomes(page: Page, key: string, text: string): Promise<void> {
  await page.waitForFunction(([k, want]) => {
    const row = document.querySelector(`tr[data-door="${k}"]`);
    return row !== null && row.textContent!.includes(want!);
  }, [key, text] as const, { timeout: 60_000 });
}

describe('fleet view in Chromium', { timeout: TEST_MS }, () => {
  it('a door that stops shows offline on the open fleet page without reload, then online again; its page streams new events', async () => {
    const w = await world(true);
    const { url } = await centreDashboard(w, { id: 'ani', role: 'analyst' });
    const browser = await launchBrowser();
    try {
      const context = await officerContext(browser, url);
      const page = await context.newPage();
      const problems = watchPage(page);
      await page.goto('/signin');
      await page.fill('#user', 'ani');
      await page.fill('#password', 'kata-sandi-uji-1');
      await Promise.all([page.waitForURL((u) => u.pathname === '/fleet'), page.click('form[action="/signin"] button[type="submit"]')]);
      await waitForLive(page);
      const key = `${SITE}/${DOOR}`;
      await rowBecomes(page, key, 'Daring');
      await rowBecomes(page, `${SITE_B}/${DOOR_B}`, 'Daring');
      // The door's facts from its status: its version and its two serial readers.
      const row = (await page.locator(`tr[data-door="${key}"]`).textContent())!;
      expect(row).toMatch(/\d+\.\d+\.\d+/);
      expect(row).toMatch(/in \(in\)/);
      await checkScreen(page, 'dashboard-fleet');

      // Marked, so a reload would be seen: the page must change in place.
      await page.evaluate(() => { (window as unknown as { kept: boolean }).kept = true; });
      expect(await stop(w.daemon1!)).toBe(0);
      await rowBecomes(page, key, 'Luring');
      await page.waitForFunction(() => /1 luring/.test(document.querySelector('.fleet-summary')?.textContent ?? ''));
      w.daemon1 = await start(w.door1.file, ['run'], 'pintu ready');
      await rowBecomes(page, key, 'Daring');
      expect(await page.evaluate(() => (window as unknown as { kept?: boolean }).kept)).toBe(true);

      // The door's page: a refused card tapped at the door's reader pty appears in its events without reload.
      await page.click(`tr[data-door="${key}"] a`);
      await page.waitForURL((u) => u.pathname === `/fleet/${SITE}/${DOOR}`);
      await waitForLive(page);
      const newest = await page.locator('#door-events tbody tr').first().getAttribute('data-seq');
      await page.evaluate(() => { (window as unknown as { kept: boolean }).kept = true; });
      tap(w, 0, STRANGER);
      await page.waitForFunction((seq) => {
        const first = document.querySelector('#door-events tbody tr');
        return first !== null && Number(first.getAttribute('data-seq')) > Number(seq) && /access\.denied/.test(document.querySelector('#door-events')!.textContent ?? '');
      }, newest, { timeout: 60_000 });
      expect(await page.evaluate(() => (window as unknown as { kept?: boolean }).kept)).toBe(true);
      await checkScreen(page, 'dashboard-door');

      // The stored chain checks intact (POST, then the page says so).
      await Promise.all([page.waitForURL((u) => u.pathname === `/fleet/${SITE}/${DOOR}`), page.click('#chain button[name="from"][value="1"]')]);
      await expect(page.locator('#chain .chain-check').textContent()).resolves.toMatch(/^Utuh: nomor urut 1–\d+/);
      expect(problems).toMatchObject({ errors: [], consoleErrors: [], dialogs: [] });
      await context.close();
    } finally {
      await browser.close();
    }
  });
});
