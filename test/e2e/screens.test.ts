/**
 * Every screen of the console in a real Chromium, as the head sees it on a desk screen and a staff officer on a phone,
 * and in English on a 10" tablet: each loads (200), has no serious or critical axe-core violation, raises no script
 * error or CSP violation, and is saved under test-output/screens/. The screens are those of the navigation each role
 * is given, plus a visit's detail and the maintenance checklist, with a visitor inside and an incident written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { checkScreen, launchBrowser, officerContext, waitUntil, watchPage, type ContextOptions } from '../helpers/browser.js';
import { CARDS, PINS, startConsoleDoor, type ConsoleDoor } from '../helpers/console.js';

async function signIn(page: Page, officer: string, pin: string): Promise<void> {
  await page.goto('/signin');
  await page.selectOption('#officer', officer);
  await page.fill('#pin', pin);
  await Promise.all([page.waitForURL((u) => u.pathname === '/door'), page.click('form[data-signin] button[type="submit"]')]);
}

/** The paths of the page's navigation. */
async function navPaths(page: Page): Promise<string[]> {
  return page.locator('header nav a').evaluateAll((as) => as.map((a) => new URL((a as HTMLAnchorElement).href).pathname));
}

describe('every screen in Chromium: axe-clean, no script error, saved', { timeout: 600_000 }, () => {
  let door: ConsoleDoor;
  let browser: Browser;
  let inside: string;

  beforeAll(async () => {
    door = await startConsoleDoor();
    inside = door.seedVisit({ name: 'Agus Pratama', devices: [{ description: 'Laptop', serial: 'SN-9' }], issue: 'TAMU-01' });
    door.reader.in.tap(CARDS.staff);
    await waitUntil(() => door.store.officer('O3')?.presence === 'inside', 'the escorting officer inside');
    door.reader.in.tap(CARDS.badge1);
    await waitUntil(() => door.console.context.ports.queries.visitsInside().some((x) => x.visit.id === inside), 'the visitor inside');
    door.visits.incident('O3', 'Pintu tertahan terbuka 2 menit saat pengiriman rak');
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await door?.close();
  });

  const tour = async (officer: keyof typeof PINS, role: string, o: ContextOptions & { lang?: 'en'; only?: string[] } = {}): Promise<string[]> => {
    const ctx = await officerContext(browser, door.url, o);
    const page = await ctx.newPage();
    const problems = watchPage(page);
    await signIn(page, officer, PINS[officer]);
    if (o.lang === 'en') {
      await Promise.all([page.waitForLoadState('load'), page.click('form[action="/lang"] button')]);
      await expect(page.locator('html').getAttribute('lang')).resolves.toBe('en');
    }
    const paths = o.only ?? [...new Set([...(await navPaths(page)), `/visits/${inside}`])];
    const seen: string[] = [];
    for (const path of paths) {
      const res = await page.goto(path);
      expect(res?.status(), `${path} as ${role}`).toBe(200);
      const name = `${role}${o.device && o.device !== 'desk' ? `-${o.device}` : ''}${o.lang ? `-${o.lang}` : ''}${path.replace(/[^a-z0-9]+/gi, '-').replace(/-$/, '')}`;
      await checkScreen(page, name);
      seen.push(path);
    }
    expect(problems.errors, `script errors as ${role}`).toEqual([]);
    expect(problems.consoleErrors, `console errors (CSP) as ${role}`).toEqual([]);
    await ctx.close();
    return seen;
  };

  it('the head: every screen of the navigation, on a desk screen', async () => {
    const seen = await tour('O1', 'head');
    expect(seen).toEqual(expect.arrayContaining(['/door', '/queue', '/visits', '/officers']));
  });

  it('a staff officer: every screen of the navigation, on a phone', async () => {
    expect(await tour('O3', 'staff', { device: 'phone' })).toEqual(expect.arrayContaining(['/door', '/visits/new']));
  });

  it('the head in English on a 10" tablet: the door and a visit', async () => {
    expect(await tour('O1', 'head', { device: 'tablet', lang: 'en', only: ['/door', `/visits/${inside}`] })).toHaveLength(2);
  });
});
