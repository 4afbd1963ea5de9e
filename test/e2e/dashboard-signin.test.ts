/**
 * The central dashboard's sign-in in a real Chromium against a real `pintu central run` (real Mosquitto, two doors):
 * a head whose account has a TOTP second factor (the code computed from the secret `pintu central user add --totp`
 * printed) signs in and lands on the fleet page; the sign-in, users, account and audit pages have no serious or
 * critical axe-core violation; the head adds an account from the users page; the centre's log holds no password,
 * code or secret. Screenshots go to test-output/screens/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { totpOf } from '../../src/central/users.js';
import { checkScreen, launchBrowser, officerContext, watchPage } from '../helpers/browser.js';
import { centreDashboard, cleanupWorlds, outputs, world, type World } from '../helpers/central-world.js';

const PASSWORD = 'kata-sandi-kepala-1';

describe('central dashboard sign-in in Chromium', { timeout: 300_000 }, () => {
  let w: World;
  let browser: Browser;

  beforeAll(async () => {
    w = await world(true);
    browser = await launchBrowser();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await cleanupWorlds();
  });

  it('a head signs in with password and TOTP code, lands on the fleet page, and the account pages are accessible', async () => {
    const { url, secret } = await centreDashboard(w, { id: 'kepala', role: 'head', totp: true, password: PASSWORD });
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const context = await officerContext(browser, url);
    const page = await context.newPage();
    const problems = watchPage(page);
    await page.goto('/signin');
    await expect(page.title()).resolves.toMatch(/Masuk/);
    await checkScreen(page, 'dashboard-signin');

    await page.fill('#user', 'kepala');
    await page.fill('#password', PASSWORD);
    await Promise.all([page.waitForResponse((r) => new URL(r.url()).pathname === '/signin' && r.request().method() === 'POST'), page.click('form[action="/signin"] button[type="submit"]')]);
    await page.waitForSelector('p.field-error[role="alert"]');
    await expect(page.locator('p.field-error[role="alert"]').textContent()).resolves.toContain('kode dari aplikasi autentikator');

    await page.fill('#password', PASSWORD);
    await page.fill('#code', totpOf(secret!).generate());
    await Promise.all([page.waitForURL((u) => u.pathname === '/fleet'), page.click('form[action="/signin"] button[type="submit"]')]);
    const cookie = (await context.cookies()).find((c) => c.name === 'pintu_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });

    await page.goto('/users');
    await checkScreen(page, 'dashboard-users');
    await page.fill('#u-id', 'dewi');
    await page.fill('#u-name', 'Dewi Analis');
    await page.selectOption('#u-role', 'analyst');
    await page.fill('#u-sites', 'dinas-kominfo');
    await page.fill('#u-pw', 'sandi-awal-dewi-1');
    await page.fill('#u-pw2', 'sandi-awal-dewi-1');
    await Promise.all([page.waitForURL((u) => u.pathname === '/users/dewi'), page.click('form[action="/users"] button[type="submit"]')]);
    await expect(page.locator('.notice').textContent()).resolves.toContain('Akun dewi dibuat');
    await checkScreen(page, 'dashboard-user');

    await page.goto('/account');
    await checkScreen(page, 'dashboard-account');
    await page.goto('/audit');
    await expect(page.locator('#audit').textContent()).resolves.toContain('user.added');
    await checkScreen(page, 'dashboard-audit');

    expect(problems).toMatchObject({ errors: [], consoleErrors: [], dialogs: [] });
    const log = outputs.get(w.centre!)!();
    for (const s of [PASSWORD, 'sandi-awal-dewi-1', secret!]) expect(log).not.toContain(s);
    await context.close();
  });
});
