/**
 * The console's defences in a real Chromium, on a real daemon: 5 wrong PINs lock the badge (the right PIN is then
 * refused too) and raise an alarm the head sees; a staff officer cannot approve, whatever she posts (server-side, with
 * a valid session and CSRF token); a visitor named `<script>alert(1)</script>` shows as text on every screen and no
 * dialog opens; and the daemon's log holds none of the names, NIK or PINs typed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { checkScreen, launchBrowser, officerContext, watchPage } from '../helpers/browser.js';
import { PINS } from '../helpers/console.js';
import { startPtyDoor, type PtyDoor } from '../helpers/pty-door.js';
import { testNik } from '../helpers/config.js';

const XSS = '<script>alert(1)</script>';

async function signIn(page: Page, officer: string, pin: string): Promise<void> {
  await page.goto('/signin');
  await page.selectOption('#officer', officer);
  await page.fill('#pin', pin);
  await Promise.all([page.waitForURL((u) => u.pathname === '/door'), page.click('form[data-signin] button[type="submit"]')]);
}

describe('console security in Chromium', { timeout: 300_000 }, () => {
  let pd: PtyDoor;
  let browser: Browser;

  beforeAll(async () => {
    pd = await startPtyDoor();
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await pd?.close();
  });

  it('locks the badge after 5 wrong PINs (the right PIN is then refused) and shows the alarm to the head', async () => {
    const ctx = await officerContext(browser, pd.door.url);
    const page = await ctx.newPage();
    const wrong = '802469';
    for (let i = 1; i <= 5; i += 1) {
      await page.goto('/signin');
      await page.selectOption('#officer', 'O2');
      await page.fill('#pin', wrong);
      await Promise.all([page.waitForLoadState('load'), page.click('form[data-signin] button[type="submit"]')]);
      await page.locator('form[data-signin]').waitFor();
      if (i === 1) await checkScreen(page, 'signin-wrong-pin');
    }
    await page.selectOption('#officer', 'O2');
    await page.fill('#pin', PINS.O2);
    const [res] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/signin') && r.request().method() === 'POST'), page.click('form[data-signin] button[type="submit"]')]);
    expect(res.status()).toBe(429);
    expect(new URL(page.url()).pathname).toBe('/signin');
    await expect(page.locator('main [role="alert"]').textContent()).resolves.toMatch(/dikunci sampai \d{2}:\d{2} WIB/);
    await checkScreen(page, 'signin-locked');
    expect((await ctx.cookies()).some((c) => c.name === 'pintu_session')).toBe(false);
    await ctx.close();

    const headCtx = await officerContext(browser, pd.door.url);
    const head = await headCtx.newPage();
    await signIn(head, 'O1', PINS.O1);
    await head.locator('#alarms .alarm').first().waitFor();
    await checkScreen(head, 'alarm-pin-lockout');
    await headCtx.close();
    expect(pd.logText()).not.toContain(wrong);
  });

  it('refuses approval by a staff officer on the server (no decision link, and a forged post with a valid token is refused)', async () => {
    const id = pd.door.seedVisit({ approve: false });
    expect(pd.door.visits.visit(id).state).toBe('checked');
    const ctx = await officerContext(browser, pd.door.url);
    const page = await ctx.newPage();
    await signIn(page, 'O3', PINS.O3);
    await page.goto('/queue');
    await page.locator(`li[data-visit="${id}"]`).waitFor();
    expect(await page.locator(`li[data-visit="${id}"] a[href="/visits/${id}/approve"]`).count()).toBe(0);
    const shown = await page.goto(`/visits/${id}/approve`);
    expect(shown?.status()).toBe(403);
    await checkScreen(page, 'forbidden');
    // The staff officer's own session and CSRF token, as a form of hers would send them.
    await page.goto('/door');
    const token = await page.locator('meta[name="csrf"]').getAttribute('content');
    expect(token).toBeTruthy();
    const res = await page.request.post(`/visits/${id}/approve`, { form: { _csrf: token!, untilDate: '2099-01-01', untilTime: '23:00' }, headers: { origin: pd.door.url }, maxRedirects: 0 });
    expect(res.status()).toBe(403);
    expect(pd.door.visits.visit(id).state).toBe('checked');
    await ctx.close();
  });

  it('shows a visitor named <script>alert(1)</script> as text on the request, detail, queue, list and door screens', async () => {
    const ctx = await officerContext(browser, pd.door.url);
    const page = await ctx.newPage();
    const problems = watchPage(page);
    await signIn(page, 'O3', PINS.O3);
    await page.goto('/visits/new');
    await page.fill('#name', XSS);
    await page.fill('#nik', testNik(42));
    await page.fill('#org', `PT ${XSS}`);
    await page.fill('#purpose', `<img src=x onerror=alert(2)>`);
    await page.fill('#dev-desc-0', `<b>Laptop</b>`);
    await page.fill('#dev-serial-0', `"><script>alert(3)</script>`);
    await Promise.all([page.waitForURL(/\/visits\/V-\d{8}-\d+$/), page.click('form.request-form button.primary')]);
    const id = /\/visits\/(V-\d{8}-\d+)$/.exec(page.url())![1]!;
    expect(pd.door.visits.visit(id).visitor.name).toBe(XSS);
    await expect(page.locator('main').textContent()).resolves.toContain(XSS);
    await checkScreen(page, 'visit-detail-xss');
    for (const path of ['/queue', `/visits?name=${encodeURIComponent('script')}`, '/visits', '/door']) {
      await page.goto(path);
      if (path === '/queue' || path.startsWith('/visits')) await expect(page.locator('main').textContent()).resolves.toContain(XSS);
    }
    // Issued and inside: the door page and the muster list show the name as text too.
    pd.door.visits.check(id, 'O2');
    pd.door.visits.approve(id, 'O1', { until: Date.now() + 2 * 3_600_000 });
    pd.door.visits.issue(id, 'TAMU-02', 'O3', { rulesAcknowledged: true });
    for (const path of ['/door', '/muster', '/daily']) {
      const r = await page.goto(path);
      expect(r?.status()).toBe(200);
    }
    expect(await page.locator('script:not([src])').count()).toBe(0);
    expect(problems.dialogs).toEqual([]);
    expect(problems.errors).toEqual([]);
    await ctx.close();
    const log = pd.logText();
    for (const secret of [XSS, testNik(42), PINS.O1, PINS.O2, PINS.O3, 'Siti Head', 'Budi Koordinator', 'Citra Staf']) expect(log).not.toContain(secret);
  });
});
