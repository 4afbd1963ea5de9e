/**
 * One visit through the whole SOP in a real Chromium, with the door's and the desk's readers on socat ptys:
 * a staff officer signs in by tapping her badge on the desk reader plus her PIN; requests the visit with the KTP
 * tapped; the head, signed in on a phone in a second browser context, sees the request appear live in his queue and
 * approves it; the badge tapped on the desk reader is issued; the officer's and the visitor's taps at the door's pty
 * appear in "who is inside" without reload; at checkout a device left inside is flagged and acknowledged by the head,
 * and only then is the KTP returned. Every screen is saved under test-output/screens/ and checked with axe-core; the
 * daemon's log holds no NIK, name or PIN.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { checkScreen, launchBrowser, officerContext, waitForLive, watchPage, type PageProblems } from '../helpers/browser.js';
import { CARDS, PINS } from '../helpers/console.js';
import { startPtyDoor, type PtyDoor } from '../helpers/pty-door.js';
import { testNik } from '../helpers/config.js';

/** The visitor, as typed at the desk. */
const VISITOR = { name: 'Rina Wulandari', nik: testNik(7), org: 'PT Data Nusantara', phone: '081234567890', purpose: 'Penggantian disk server', letter: 'ND-12/2026' };
/** Her KTP chip as the desk reader reads it (a card that is neither an officer's badge nor a special badge). */
const KTP = '7E00C0FFEE';

/** Sign in on `page` by tapping `card` on the desk reader (the page picks the officer live), then the PIN. */
async function signInByTap(page: Page, pd: PtyDoor, card: string, officer: string, pin: string): Promise<void> {
  await page.goto('/signin');
  await waitForLive(page);
  pd.tap('desk', card);
  await page.waitForFunction((id) => (document.querySelector('#officer') as HTMLSelectElement | null)?.value === id, officer);
  await page.fill('#pin', pin);
  await Promise.all([page.waitForURL((u) => u.pathname === '/door'), page.click('form[data-signin] button[type="submit"]')]);
}

/** Sign in by choosing the officer (the head on his phone, away from the desk reader). */
async function signInByChoice(page: Page, officer: string, pin: string): Promise<void> {
  await page.goto('/signin');
  await page.selectOption('#officer', officer);
  await page.fill('#pin', pin);
  await Promise.all([page.waitForURL((u) => u.pathname === '/door'), page.click('form[data-signin] button[type="submit"]')]);
}

/** Mark the page's document: `unchanged` later proves an update came live, without a reload. */
async function mark(page: Page): Promise<void> {
  await page.evaluate(() => { (window as unknown as { pintuMark: string }).pintuMark = 'kept'; });
}
async function unchanged(page: Page): Promise<boolean> {
  return page.evaluate(() => (window as unknown as { pintuMark?: string }).pintuMark === 'kept');
}

/** Tap a card on the desk reader once the page listens, and wait until the page's tap field holds the token. */
async function tapAtDesk(page: Page, pd: PtyDoor, card: string, field: 'ktp' | 'badge'): Promise<void> {
  await waitForLive(page);
  pd.tap('desk', card);
  await page.waitForFunction((f) => ((document.querySelector(`input[data-tap-field="${f}"]`) as HTMLInputElement | null)?.value ?? '') !== '', field);
}

function clean(p: PageProblems): void {
  expect({ errors: p.errors, consoleErrors: p.consoleErrors, dialogs: p.dialogs }).toEqual({ errors: [], consoleErrors: [], dialogs: [] });
}

describe('a visit through the SOP in Chromium, readers on ptys', { timeout: 600_000 }, () => {
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

  it('request with a KTP tap, live approval by the head, issue by badge tap, who is inside live, checkout with a mismatch acknowledged', async () => {
    const { door } = pd;
    const staffCtx = await officerContext(browser, door.url);
    const headCtx = await officerContext(browser, door.url, { device: 'phone' });
    const staff = await staffCtx.newPage();
    const head = await headCtx.newPage();
    const staffProblems = watchPage(staff);
    const headProblems = watchPage(head);

    // Sign-in: the staff officer taps her badge on the desk reader and types her PIN; the head chooses himself.
    await signInByTap(staff, pd, CARDS.staff, 'O3', PINS.O3);
    await checkScreen(staff, 'door');
    await signInByChoice(head, 'O1', PINS.O1);
    await head.goto('/queue');
    await checkScreen(head, 'queue-empty-phone');
    await waitForLive(head);
    await mark(head);

    // The request, devices row by row, the KTP tapped on the desk reader.
    await staff.goto('/visits/new');
    await checkScreen(staff, 'request');
    await staff.fill('#name', VISITOR.name);
    await staff.fill('#nik', VISITOR.nik);
    await staff.fill('#org', VISITOR.org);
    await staff.fill('#phone', VISITOR.phone);
    await staff.fill('#purpose', VISITOR.purpose);
    await staff.fill('#planned', '90');
    await staff.fill('#letterRef', VISITOR.letter);
    await staff.fill('#dev-desc-0', 'Laptop');
    await staff.fill('#dev-serial-0', 'SN-LAP-1');
    await Promise.all([staff.waitForLoadState('load'), staff.click('button[name="_action"][value="rows:add"]')]);
    await staff.locator('#dev-desc-1').waitFor();
    expect(await staff.inputValue('#name')).toBe(VISITOR.name);
    await staff.fill('#dev-desc-1', 'HDD');
    await staff.fill('#dev-serial-1', 'SN-HDD-2');
    await tapAtDesk(staff, pd, KTP, 'ktp');
    await expect(staff.locator('#ktp-status').textContent()).resolves.not.toBe('');
    await checkScreen(staff, 'request-filled');
    await Promise.all([staff.waitForURL(/\/visits\/V-\d{8}-\d+$/), staff.click('form.request-form button.primary')]);
    const id = /\/visits\/(V-\d{8}-\d+)$/.exec(staff.url())![1]!;
    expect(door.visits.visit(id)).toMatchObject({ state: 'requested', devicesIn: [{ description: 'Laptop', serial: 'SN-LAP-1' }, { description: 'HDD', serial: 'SN-HDD-2' }] });
    expect(door.visits.visit(id).ktpHash).toBe(door.console.context.ports.ktpHash(KTP));
    await checkScreen(staff, 'visit-requested');

    // The head's queue shows it live, with the count in the tab title.
    await head.locator(`li.queue-item[data-visit="${id}"]`).waitFor();
    await head.waitForFunction(() => document.title.startsWith('(1)'));
    expect(await unchanged(head)).toBe(true);

    // The staff officer checks it; the head decides (on his phone) with the default validity.
    await staff.goto('/queue');
    await Promise.all([staff.waitForLoadState('load'), staff.click(`li[data-visit="${id}"] form[action="/visits/${id}/check"] button`)]);
    await head.locator(`li[data-visit="${id}"] a[href="/visits/${id}/approve"].primary`).waitFor();
    expect(await unchanged(head)).toBe(true);
    await checkScreen(head, 'queue-phone');
    await head.click(`li[data-visit="${id}"] a[href="/visits/${id}/approve"]`);
    await head.waitForURL((u) => u.pathname === `/visits/${id}/approve`);
    await checkScreen(head, 'approve-phone');
    // Valid until tomorrow noon, site time (not the default end of today: near midnight WIB it would lapse mid-test).
    const tomorrow = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Jakarta' }).format(Date.now() + 86_400_000);
    await head.fill('#untilDate', tomorrow);
    await head.fill('#untilTime', '12:00');
    await Promise.all([head.waitForURL((u) => u.pathname !== `/visits/${id}/approve`), head.click(`form[action="/visits/${id}/approve"] button[type="submit"]`)]);
    expect(door.visits.visit(id).state).toBe('approved');
    expect(door.visits.visit(id).validUntil).toBeGreaterThan(Date.now() + 3 * 3_600_000);

    // Issue: the special badge tapped on the desk reader is offered, then confirmed; the KTP is held.
    await staff.goto(`/visits/${id}/issue`);
    await tapAtDesk(staff, pd, CARDS.badge1, 'badge');
    await staff.locator('#offer .notice').waitFor();
    await checkScreen(staff, 'issue');
    await staff.check('input[name="rules"]');
    await Promise.all([staff.waitForURL((u) => u.pathname === `/visits/${id}`), staff.click(`form[action="/visits/${id}/issue"] button.primary`)]);
    expect(door.visits.visit(id)).toMatchObject({ state: 'issued', badgeUid: CARDS.badge1, ktpHeld: true });
    await checkScreen(staff, 'visit-issued');

    // At the door: the escorting officer taps in, then the visitor; the door page shows them inside without reload.
    await staff.goto('/door');
    await waitForLive(staff);
    await mark(staff);
    const inside = staff.locator('#inside');
    pd.tap('in', CARDS.staff);
    await inside.locator('tr[data-officer="O3"]').waitFor();
    pd.tap('in', CARDS.badge1);
    await inside.locator(`tr[data-visit="${id}"]`).waitFor();
    expect(await inside.locator(`tr[data-visit="${id}"]`).textContent()).toContain(VISITOR.name);
    expect(await inside.locator(`tr[data-visit="${id}"]`).textContent()).toContain('Citra Staf');
    expect(await unchanged(staff)).toBe(true);
    await checkScreen(staff, 'door-inside');

    // The visitor leaves; at checkout the HDD stays inside: flagged loudly, asked again, then the head acknowledges.
    pd.tap('out', CARDS.badge1);
    await inside.locator(`tr[data-visit="${id}"]`).waitFor({ state: 'detached' });
    await staff.goto(`/visits/${id}/checkout`);
    await staff.check('#out-0');
    await tapAtDesk(staff, pd, CARDS.badge1, 'badge');
    await staff.locator('#returned .notice').waitFor();
    await checkScreen(staff, 'checkout');
    await Promise.all([staff.waitForLoadState('load'), staff.click(`form[action="/visits/${id}/checkout"] button.primary`)]);
    await staff.locator('section.mismatch').waitFor();
    expect(await staff.locator('section.mismatch').textContent()).toContain('SN-HDD-2');
    await checkScreen(staff, 'checkout-mismatch');
    await Promise.all([staff.waitForURL((u) => u.pathname === `/visits/${id}/mismatch-ack`), staff.click('button[name="_confirm"][value="mismatch"]')]);
    expect(door.visits.visit(id)).toMatchObject({ state: 'checked_out', ktpHeld: true });
    await checkScreen(staff, 'mismatch-waiting');
    // The alarm reaches the head's page live.
    await head.goto('/queue');
    await head.locator('#alarms .alarm').first().waitFor();
    await checkScreen(head, 'alarm-phone');
    await head.goto(`/visits/${id}/mismatch-ack`);
    await checkScreen(head, 'mismatch-ack-phone');
    await head.fill('#note', 'HDD rusak ditahan di ruang server, berita acara dibuat');
    await Promise.all([head.waitForURL((u) => u.pathname === `/visits/${id}`), head.click(`form[action="/visits/${id}/mismatch-ack"] button[type="submit"]`)]);
    expect(door.visits.visit(id)).toMatchObject({ state: 'checked_out', ktpHeld: false });
    await checkScreen(head, 'visit-detail-phone');

    clean(staffProblems);
    clean(headProblems);
    await staffCtx.close();
    await headCtx.close();

    // Nothing personal in the daemon's log: no NIK, no name, no PIN, no KTP UID.
    const log = pd.logText();
    expect(log.length).toBeGreaterThan(0);
    for (const secret of [VISITOR.nik, VISITOR.name, VISITOR.phone, KTP, PINS.O1, PINS.O3, 'Citra Staf', 'Siti Head']) expect(log).not.toContain(secret);
  });
});

