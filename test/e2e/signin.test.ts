/**
 * The sign-in page in a real Chromium: it loads, axe-core finds no serious or critical violation, a badge frame
 * written to the desk reader's pty (socat; a real serial reader) picks the officer live, the PIN signs in, and the
 * session cookie is HttpOnly and SameSite=Strict (Secure too under TLS); a change posted from another site is refused.
 * The door is a real daemon with its readers on socat ptys.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { checkScreen, launchBrowser, officerContext, waitForLive, watchPage } from '../helpers/browser.js';
import { startCrossSite } from '../helpers/cross-site.js';
import { CARDS, PINS, startConsoleDoor } from '../helpers/console.js';
import { startPtyDoor, type PtyDoor } from '../helpers/pty-door.js';

async function signInByChoice(page: Page, officer: string, pin: string): Promise<void> {
  await page.goto('/signin');
  await page.selectOption('#officer', officer);
  await page.fill('#pin', pin);
  await Promise.all([page.waitForURL((u) => u.pathname === '/door'), page.click('form[data-signin] button[type="submit"]')]);
}

describe('sign-in page in Chromium', { timeout: 300_000 }, () => {
  let pd: PtyDoor;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    pd = await startPtyDoor();
    base = pd.door.url;
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await pd?.close();
  });

  it('loads accessible, picks the officer from a badge tap on the desk pty, and signs in with the PIN', async () => {
    const context = await officerContext(browser, base);
    const page = await context.newPage();
    const problems = watchPage(page);
    await page.goto('/signin');
    await expect(page.title()).resolves.toMatch(/Masuk/);
    await checkScreen(page, 'signin');
    await waitForLive(page);

    pd.tap('desk', CARDS.head);
    await page.waitForFunction(() => (document.querySelector('#officer') as HTMLSelectElement | null)?.value === 'O1');
    await expect(page.locator('input[name="tap"][data-tap-field="officer"]').inputValue()).resolves.toMatch(/^[A-Za-z0-9_-]{16,}$/);

    await page.fill('#pin', PINS.O1);
    await Promise.all([page.waitForURL((u) => u.pathname === '/door'), page.click('form[data-signin] button[type="submit"]')]);
    const cookie = (await context.cookies()).find((c) => c.name === 'pintu_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', secure: false });
    expect(problems).toMatchObject({ errors: [], consoleErrors: [], dialogs: [] });
    await context.close();
  });

  it('refuses a change posted by another site or another origin (no CSRF token) although the browser sends the cookie', async () => {
    const context = await officerContext(browser, base);
    const page = await context.newPage();
    await signInByChoice(page, 'O1', PINS.O1);
    const evil = await startCrossSite();
    try {
      evil.aim(`${base}/signout`, { next: '/' });
      // Another site (localhost): SameSite=Strict keeps the cookie back, and the token is missing anyway.
      // The same site on another port: the cookie is sent, the origin check and the missing token refuse it.
      for (const origin of [`http://localhost:${evil.port}`, `http://127.0.0.1:${evil.port}`]) {
        const refused = page.waitForResponse((r) => r.url() === `${base}/signout` && r.request().method() === 'POST');
        await page.goto(`${origin}/`);
        const res = await refused;
        expect(res.status()).toBe(403);
        await expect(page.locator('main [role="alert"]').textContent()).resolves.toMatch(/situs lain/);
      }
      await checkScreen(page, 'csrf-refused');
      // Still signed in: the sign-in page sends a signed-in officer on to the door.
      await page.goto(`${base}/signin`);
      expect(new URL(page.url()).pathname).toBe('/door');
    } finally {
      await evil.close();
      await context.close();
    }
  });

  it('under TLS the session cookie is Secure too (and still HttpOnly, SameSite=Strict)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pintu-tls-'));
    const certFile = join(dir, 'cert.pem');
    const keyFile = join(dir, 'key.pem');
    const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', certFile], { encoding: 'utf8' });
    if (made.status !== 0) throw new Error(`openssl could not make a test certificate: ${made.stderr}`);
    const door = await startConsoleDoor({ configOverrides: { console: { listen: '127.0.0.1:0', tls: { certFile, keyFile } } } });
    const context = await officerContext(browser, `https://127.0.0.1:${door.console.port}`, { ignoreHTTPSErrors: true });
    try {
      const page = await context.newPage();
      await signInByChoice(page, 'O1', PINS.O1);
      const cookies = await context.cookies();
      expect(cookies.find((c) => c.name === 'pintu_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict', secure: true });
      expect(cookies.find((c) => c.name === 'pintu_pre')).toMatchObject({ httpOnly: true, sameSite: 'Strict', secure: true });
    } finally {
      await context.close();
      await door.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
