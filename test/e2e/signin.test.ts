/**
 * The sign-in page in a real Chromium: it loads, axe-core finds no serious or critical violation, a badge frame
 * written to the desk reader's pty (socat; a real serial reader) picks the officer live, the PIN signs in, and the
 * session cookie is HttpOnly and SameSite=Strict. Until the app's officer service is wired, the console runs here on
 * a small stand-in for its ports (only what the sign-in page reads).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { ConsoleServer } from '../../src/adapters/console/server.js';
import { SerialCardReader } from '../../src/adapters/serial/serial-reader.js';
import { encodeEm4100Frame } from '../../src/adapters/serial/em4100.js';
import { silentLogger } from '../../src/adapters/log/pino.js';
import { consoleSchema } from '../../src/config/schema.js';
import { DEFAULT_STANDARDS } from '../../src/domain/sop.js';
import type { Officer } from '../../src/domain/types.js';
import type { ConsolePorts, PinCheck } from '../../src/ports/console.js';
import { startPtyPair, type PtyPair } from '../helpers/socat.js';
import { checkScreen, launchBrowser, officerContext, waitForLive, watchPage } from '../helpers/browser.js';
import { startCrossSite } from '../helpers/cross-site.js';

const HEAD: Officer = { id: 'O1', name: 'Siti Rahma', role: 'head', badgeUid: '0A00000001', active: true, presence: 'outside', enteredAt: null } as Officer;
const PIN = '493817';

/** The few ports the sign-in page uses; anything else throws, naming what the page asked for. */
function standInPorts(desk: SerialCardReader | null): ConsolePorts {
  const tries = { wrong: 0 };
  const queries = {
    officers: () => [HEAD],
    officer: (id: string) => (id === HEAD.id ? HEAD : null),
    officerByBadge: (uid: string) => (uid === HEAD.badgeUid ? HEAD : null),
    badge: () => null,
    pending: () => [],
  };
  const officers = {
    verifyPin: (id: string, pin: string): PinCheck => {
      if (id === HEAD.id && pin === PIN) return { ok: true, officer: HEAD };
      tries.wrong += 1;
      return { ok: false, reason: 'wrong', left: Math.max(0, 5 - tries.wrong) };
    },
    signedIn: () => undefined,
  };
  const missing = (part: string): object => new Proxy({}, { get: (_t, k) => { throw new Error(`stand-in ports: ${part}.${String(k)} not provided`); } });
  return {
    desk: missing('desk') as ConsolePorts['desk'],
    officers: new Proxy(officers, { get: (t, k) => (k in t ? t[k as keyof typeof t] : (missing('officers') as Record<string | symbol, unknown>)[k]) }) as unknown as ConsolePorts['officers'],
    alarms: { open: () => [], acknowledge: () => undefined },
    queries: new Proxy(queries, { get: (t, k) => (k in t ? t[k as keyof typeof t] : (missing('queries') as Record<string | symbol, unknown>)[k]) }) as unknown as ConsolePorts['queries'],
    write: async <T>(_name: string, job: () => T): Promise<T> => job(),
    subscribe: () => () => undefined,
    door: () => ({ locked: true, open: false, openSince: null, mode: 'enabled' }),
    deskReader: desk,
    ktpHash: (uid: string) => uid,
  };
}

describe('sign-in page in Chromium', { timeout: 120_000 }, () => {
  let pair: PtyPair;
  let server: ConsoleServer;
  let base: string;
  let browser: Browser;
  let fd: number | null = null;

  beforeAll(async () => {
    pair = await startPtyPair();
    const desk = new SerialCardReader({ id: 'desk', direction: 'desk', kind: 'serial', path: pair.a, baudRate: 9600, protocol: 'em4100-ascii' } as never, silentLogger());
    server = new ConsoleServer(standInPorts(desk), {
      config: consoleSchema.parse({ listen: '127.0.0.1:0' }), site: 'kominfo-bdg', door: 'ruang-server',
      timeZone: 'Asia/Jakarta', standards: DEFAULT_STANDARDS, defaultValidity: 'end-of-day',
    }, silentLogger());
    base = `http://127.0.0.1:${await server.start()}`;
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (fd !== null) closeSync(fd);
    await pair?.stop();
  });

  it('loads accessible, picks the officer from a badge tap on the desk pty, and signs in with the PIN', async () => {
    const context = await officerContext(browser, base);
    const page = await context.newPage();
    const problems = watchPage(page);
    await page.goto('/signin');
    await expect(page.title()).resolves.toMatch(/Masuk/);
    await checkScreen(page, 'signin');
    await waitForLive(page);

    fd = openSync(pair.b, 'w');
    writeSync(fd, encodeEm4100Frame(HEAD.badgeUid));
    await page.waitForFunction(() => (document.querySelector('#officer') as HTMLSelectElement | null)?.value === 'O1');
    await expect(page.locator('input[name="tap"][data-tap-field="officer"]').inputValue()).resolves.toMatch(/^[A-Za-z0-9_-]{16,}$/);

    await page.fill('#pin', PIN);
    await Promise.all([page.waitForURL((u) => u.pathname === '/door'), page.click('form[data-signin] button[type="submit"]')]);
    const cookie = (await context.cookies()).find((c) => c.name === 'pintu_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', secure: false });
    expect(problems).toMatchObject({ errors: [], consoleErrors: [], dialogs: [] });
    await context.close();
  });

  it('refuses a change posted by another site or another origin (no CSRF token) although the browser sends the cookie', async () => {
    const context = await officerContext(browser, base);
    const page = await context.newPage();
    await page.goto('/signin');
    await page.selectOption('#officer', HEAD.id);
    await page.fill('#pin', PIN);
    await Promise.all([page.waitForURL((u) => u.pathname === '/door'), page.click('form[data-signin] button[type="submit"]')]);
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
    const tls = new ConsoleServer(standInPorts(null), {
      config: consoleSchema.parse({ listen: '127.0.0.1:0', tls: { certFile, keyFile } }), site: 'kominfo-bdg', door: 'ruang-server',
      timeZone: 'Asia/Jakarta', standards: DEFAULT_STANDARDS, defaultValidity: 'end-of-day',
    }, silentLogger());
    const tlsBase = `https://127.0.0.1:${await tls.start()}`;
    const context = await officerContext(browser, tlsBase, { ignoreHTTPSErrors: true });
    try {
      const page = await context.newPage();
      await page.goto('/signin');
      await page.selectOption('#officer', HEAD.id);
      await page.fill('#pin', PIN);
      await Promise.all([page.waitForURL((u) => u.pathname === '/door'), page.click('form[data-signin] button[type="submit"]')]);
      const cookies = await context.cookies();
      expect(cookies.find((c) => c.name === 'pintu_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict', secure: true });
      expect(cookies.find((c) => c.name === 'pintu_pre')).toMatchObject({ httpOnly: true, sameSite: 'Strict', secure: true });
    } finally {
      await context.close();
      await tls.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
