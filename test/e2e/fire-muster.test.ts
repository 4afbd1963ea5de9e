/**
 * The fire alarm and the muster list in a real Chromium (issue 14 items 6, 7): with a visitor and an officer inside, the
 * fire input goes to fire; the fire box appears live (no reload) on the page the officer has open, its link leads to the
 * muster list, which names both people with escort and devices, passes axe-core with the fire box on it, and prints
 * (print media) without the live parts but with the fire note. The screens land in test-output/screens/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { checkScreen, launchBrowser, officerContext, waitUntil, watchPage } from '../helpers/browser.js';
import { CARDS, PINS, startConsoleDoor, type ConsoleDoor } from '../helpers/console.js';
import { SimDoorIo } from '../../src/adapters/sim/sim-door-io.js';

async function signIn(page: Page, officer: string, pin: string): Promise<void> {
  await page.goto('/signin');
  await page.selectOption('#officer', officer);
  await page.fill('#pin', pin);
  await Promise.all([page.waitForURL((u) => u.pathname === '/door'), page.click('form[data-signin] button[type="submit"]')]);
}

describe('fire alarm → muster list in Chromium', { timeout: 300_000 }, () => {
  let door: ConsoleDoor;
  let browser: Browser;
  let inside: string;

  beforeAll(async () => {
    door = await startConsoleDoor({ io: new SimDoorIo({ fireInput: true }), configOverrides: { fire: { onAlarm: 'release', settleMs: 50 } } });
    inside = door.seedVisit({ name: 'Agus Pratama', devices: [{ description: 'Laptop', serial: 'SN-9' }], issue: 'TAMU-01' });
    // Each walks through (the door opens on their strike): a grant nobody used would put them back outside.
    const walkIn = async (uid: string): Promise<void> => {
      await waitUntil(() => !door.io.relay.isOn, 'the door locked before the tap');
      const grants = door.io.relayHistory.filter((c) => c.on).length;
      door.reader.in.tap(uid);
      await waitUntil(() => door.io.relayHistory.filter((c) => c.on).length > grants, `the strike for ${uid}`);
      door.io.openDoor();
      await new Promise((r) => setTimeout(r, 50));
      door.io.closeDoor();
    };
    await walkIn(CARDS.staff);
    await waitUntil(() => door.store.officer('O3')?.presence === 'inside', 'the escorting officer inside');
    await walkIn(CARDS.badge1);
    await waitUntil(() => door.console.context.ports.queries.visitsInside().some((x) => x.visit.id === inside), 'the visitor inside');
    await waitUntil(() => !door.io.relay.isOn, 'the strike ended');
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await door?.close();
  });

  it('the fire box appears live, links the muster list, which is axe-clean and prints with the fire note', async () => {
    const ctx = await officerContext(browser, door.url);
    const page = await ctx.newPage();
    const problems = watchPage(page);
    await signIn(page, 'O1', PINS.O1);
    await expect(page.locator('.fire-box').count()).resolves.toBe(0);
    door.io.fireAlarm();
    // Live: the alarms pane brings the fire box without a reload.
    await page.locator('.fire-box[data-fire="alarm"]').waitFor({ state: 'visible', timeout: 20_000 });
    await expect(page.locator('.fire-box h2').textContent()).resolves.toContain('ALARM KEBAKARAN');
    expect(door.io.relay.isOn).toBe(true);
    await checkScreen(page, 'fire-door');
    await Promise.all([page.waitForURL((u) => u.pathname === '/muster'), page.click('a.fire-muster')]);
    const visitors = page.locator('table.muster-visitors tbody tr');
    await expect(visitors.count()).resolves.toBe(1);
    await expect(visitors.first().textContent()).resolves.toMatch(/Agus Pratama.*PT Contoh.*TAMU-01.*Citra Staf.*Laptop.*SN-9/s);
    await expect(page.locator('table.muster-officers tbody tr').first().textContent()).resolves.toContain('Citra Staf');
    await expect(page.locator('.fire-note').textContent()).resolves.toMatch(/ALARM KEBAKARAN[\s\S]*cocokkan daftar ini di titik kumpul/);
    await checkScreen(page, 'fire-muster');
    await page.emulateMedia({ media: 'print' });
    await expect(page.locator('.fire-box').isVisible()).resolves.toBe(false);
    await expect(page.locator('.fire-note').isVisible()).resolves.toBe(true);
    await expect(page.locator('table.muster-visitors').isVisible()).resolves.toBe(true);
    await page.emulateMedia({ media: 'screen' });
    door.io.fireClear();
    await page.locator('.fire-box').waitFor({ state: 'detached', timeout: 20_000 });
    await waitUntil(() => !door.io.relay.isOn, 'the strike locked again');
    expect(problems.errors).toEqual([]);
    expect(problems.consoleErrors).toEqual([]);
    await ctx.close();
  });
});
