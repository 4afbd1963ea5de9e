/**
 * A real Chromium for end-to-end tests: Debian's `chromium` package driven by playwright-core through
 * `executablePath` (no browser is ever downloaded). Throws (never skips) when chromium is missing. Also: officer
 * browser contexts on a console, a screenshot of each screen under `test-output/screens/`, axe-core checks (no
 * serious or critical violation), and a record of the page's script errors and CSP violations.
 */
import { accessSync, constants, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';

/** Where Debian installs chromium (override with PINTU_CHROMIUM). */
export const CHROMIUM_PATH = process.env.PINTU_CHROMIUM ?? '/usr/bin/chromium';

/** The repository's root. */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where e2e tests save their screenshots (gitignored). */
export const SCREENS_DIR = join(ROOT, 'test-output', 'screens');

/** Throw a clear error unless Debian's chromium is installed. */
export function requireChromium(): void {
  try {
    accessSync(CHROMIUM_PATH, constants.X_OK);
  } catch {
    throw new Error(`chromium is required for the end-to-end tests (apt-get install chromium); not found at ${CHROMIUM_PATH}`);
  }
}

/** Launch a headless Chromium (with --no-sandbox when running as root, as CI does). */
export async function launchBrowser(): Promise<Browser> {
  requireChromium();
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    timeout: 60_000,
    args: [...(root ? ['--no-sandbox'] : []), '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--disable-extensions'],
  });
}

/** How an officer's browser looks. */
export interface ContextOptions {
  /** Viewport: desk (1280×800, the default), tablet (10", 800×1280) or phone (390×844). */
  device?: 'desk' | 'tablet' | 'phone';
  /** Accept a self-signed certificate (TLS tests). */
  ignoreHTTPSErrors?: boolean;
}

const VIEWPORTS = { desk: { width: 1280, height: 800 }, tablet: { width: 800, height: 1280 }, phone: { width: 390, height: 844 } } as const;

/** A new browser context (its own cookies: one officer) on the console at `baseURL`. */
export async function officerContext(browser: Browser, baseURL: string, o: ContextOptions = {}): Promise<BrowserContext> {
  const device = o.device ?? 'desk';
  const ctx = await browser.newContext({
    baseURL,
    viewport: VIEWPORTS[device],
    isMobile: device === 'phone',
    hasTouch: device !== 'desk',
    locale: 'id-ID',
    timezoneId: 'Asia/Jakarta',
    ignoreHTTPSErrors: o.ignoreHTTPSErrors ?? false,
  });
  ctx.setDefaultTimeout(20_000);
  ctx.setDefaultNavigationTimeout(30_000);
  return ctx;
}

/** Problems a page reported: uncaught script errors, console errors (CSP violations among them), dialogs opened. */
export interface PageProblems {
  /** Uncaught exceptions in the page. */
  errors: string[];
  /** `console.error` messages (a CSP violation is one), other than a failed load (see `failed`). */
  consoleErrors: string[];
  /** Responses with a status ≥ 400 (method, path, status). */
  failed: string[];
  /** Dialogs (alert/confirm/prompt) the page opened; each is dismissed. */
  dialogs: string[];
}

/** Start recording a page's problems (dialogs are dismissed and recorded). */
export function watchPage(page: Page): PageProblems {
  const p: PageProblems = { errors: [], consoleErrors: [], failed: [], dialogs: [] };
  page.on('pageerror', (e) => p.errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) p.consoleErrors.push(m.text()); });
  page.on('response', (r) => { if (r.status() >= 400) p.failed.push(`${r.request().method()} ${new URL(r.url()).pathname} ${r.status()}`); });
  page.on('dialog', (d) => { p.dialogs.push(`${d.type()}: ${d.message()}`); void d.dismiss().catch(() => undefined); });
  return p;
}

/** Save a full-page screenshot as `test-output/screens/<name>.png`; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  if (!/^[a-z0-9][a-z0-9._-]*$/i.test(name)) throw new Error(`screenshot name "${name}" must be a plain file name`);
  mkdirSync(SCREENS_DIR, { recursive: true });
  const file = join(SCREENS_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true, animations: 'disabled' });
  return file;
}

/** One axe-core finding, summarised. */
export interface AxeFinding {
  /** Rule id. */
  id: string;
  /** serious or critical. */
  impact: string;
  /** What the rule says. */
  help: string;
  /** Selectors of the offending elements. */
  targets: string[];
}

/** Run axe-core (WCAG 2.1 A/AA and best practices) on the page; returns the serious and critical findings. */
export async function axeFindings(page: Page): Promise<AxeFinding[]> {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).options({ resultTypes: ['violations'] }).analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact ?? '', help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
}

/** Throw, naming each rule and element, unless axe-core finds no serious or critical violation on the page. */
export async function expectAccessible(page: Page, screen: string): Promise<void> {
  const found = await axeFindings(page);
  if (found.length > 0) {
    throw new Error(`axe-core: ${found.length} serious/critical violation(s) on ${screen} (${page.url()}):\n`
      + found.map((f) => `- [${f.impact}] ${f.id}: ${f.help}\n    ${f.targets.slice(0, 5).join('\n    ')}`).join('\n'));
  }
}

/** Save the screen's screenshot and check it with axe-core: what every e2e test does on each screen it visits. */
export async function checkScreen(page: Page, name: string): Promise<void> {
  const t0 = Date.now();
  await page.waitForLoadState('load');
  await screenshot(page, name);
  const t1 = Date.now();
  await expectAccessible(page, name);
  if (process.env.PINTU_E2E_TIMING) console.log(`screen ${name}: screenshot ${t1 - t0} ms, axe ${Date.now() - t1} ms`);
}

/** Wait until `cond` holds (polled every 25 ms), or throw naming `what`. */
export async function waitUntil(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Wait until the page's live stream (SSE) is connected, so a later change reaches it without reload. */
export async function waitForLive(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const el = document.querySelector('[sse-connect]') as (Element & { 'htmx-internal-data'?: { sseEventSource?: EventSource } }) | null;
    const es = el?.['htmx-internal-data']?.sseEventSource;
    return es !== undefined && es.readyState === 1;
  }, undefined, { timeout: 20_000 });
}
