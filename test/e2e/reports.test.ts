/**
 * The monthly report in Debian's Chromium (issue 13 item 5): the report page of a seeded month draws its charts with
 * the locally served Chart.js (no script error, no CSP violation), is axe-clean and is saved as a screenshot for the
 * README; it downloads as CSV, as XLSX (read back with read-excel-file) and as an A4 PDF (pdfinfo: 595×842 pt;
 * pdftotext: the site, the month, the section headings and the SOP 002 signature block with the signers' names;
 * pdftoppm renders its first page). The dashboard runs in-process with the month stored through the ingest.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import readXlsxFile from 'read-excel-file/node';
import { CHROMIUM_PATH, SCREENS_DIR, checkScreen, launchBrowser, officerContext, watchPage } from '../helpers/browser.js';
import { PASSWORD, startDashboard, type TestDashboard } from '../helpers/dashboard.js';
import { SEED_MONTH, SEED_MONTH_END, seedMonth } from '../helpers/report-seed.js';
import { HealthReports } from '../../src/central/health-reports.js';

const MIN = 60_000;

async function signIn(page: Page, user: string): Promise<void> {
  await page.goto('/signin');
  await page.fill('#user', user);
  await page.fill('#password', PASSWORD);
  await Promise.all([page.waitForURL((u) => u.pathname !== '/signin'), page.click('main form button[type="submit"]')]);
}

/** Click a download link and save the file; returns its path and suggested name. */
async function downloadOf(page: Page, linkText: string, dir: string): Promise<{ file: string; name: string }> {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click(`nav.downloads a:has-text("${linkText}")`)]);
  const file = join(dir, dl.suggestedFilename());
  await dl.saveAs(file);
  return { file, name: dl.suggestedFilename() };
}

describe('monthly report in Chromium', { timeout: 300_000 }, () => {
  let d: TestDashboard;
  let browser: Browser;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pintu-report-e2e-'));
    const at = SEED_MONTH_END + 2 * 60 * MIN;
    d = await startDashboard({ now: () => at, config: { chromiumPath: CHROMIUM_PATH } });
    await seedMonth(d.store);
    await d.addUser('ani', 'analyst');
    await d.addUser('kasubag', 'subhead');
    await d.addUser('kepala', 'head');
    // The SOP 002 chain of kanwil-a for the month: submitted, reviewed, approved (the PDF's signature block).
    const chains = new HealthReports(d.store.sql);
    await chains.submit('kanwil-a', SEED_MONTH, { id: 'ani', name: 'Ani Analis', role: 'analyst' }, SEED_MONTH_END + 60 * MIN, SEED_MONTH_END, {});
    await chains.review('kanwil-a', SEED_MONTH, { id: 'kasubag', name: 'Sari Kasubag', role: 'subhead' }, SEED_MONTH_END + 80 * MIN);
    await chains.approve('kanwil-a', SEED_MONTH, { id: 'kepala', name: 'Budi Kepala', role: 'head' }, SEED_MONTH_END + 95 * MIN);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await d?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('draws the charts, is axe-clean, and downloads CSV, XLSX and an A4 PDF with the signature block', async () => {
    const context = await officerContext(browser, d.url);
    const page = await context.newPage();
    const problems = watchPage(page);
    await signIn(page, 'kepala');
    await page.goto(`/reports?month=${SEED_MONTH}&site=kanwil-a`);
    await page.waitForSelector('canvas#chart-perday[data-drawn="true"]');
    await page.waitForSelector('canvas#chart-denied[data-drawn="true"]');
    await page.waitForSelector('canvas#chart-alarms[data-drawn="true"]');
    expect(await page.locator('#chain .chain-state').getAttribute('data-state')).toBe('approved');
    await checkScreen(page, 'central-report');

    const csv = await downloadOf(page, 'CSV', dir);
    expect(csv.name).toBe(`laporan-kanwil-a-${SEED_MONTH}.csv`);
    expect(readFileSync(csv.file, 'utf8')).toMatch(/\r\nkanwil-a,d1,1,1,1,0,/);

    const xlsx = await downloadOf(page, 'XLSX', dir);
    expect(xlsx.name).toBe(`laporan-kanwil-a-${SEED_MONTH}.xlsx`);
    const sheets = await readXlsxFile(readFileSync(xlsx.file));
    const denied = sheets.find((x) => x.sheet === 'Masuk ditolak')!.data.map((r) => r.map((v) => (v === null ? '' : String(v))));
    expect(denied).toContainEqual(['kanwil-a', 'd1', 'Kartu tidak terdaftar', '2']);

    const pdf = await downloadOf(page, 'PDF', dir);
    mkdirSync(SCREENS_DIR, { recursive: true });
    for (const old of readdirSync(SCREENS_DIR).filter((f) => f.startsWith('central-report-pdf-'))) rmSync(join(SCREENS_DIR, old));
    expect(pdf.name).toBe(`laporan-kanwil-a-${SEED_MONTH}.pdf`);
    const info = execFileSync('pdfinfo', [pdf.file], { encoding: 'utf8' });
    expect(info).toMatch(/Page size:\s+595(\.\d+)? x 842(\.\d+)? pts \(A4\)/);
    const text = execFileSync('pdftotext', ['-layout', pdf.file, '-'], { encoding: 'utf8' });
    for (const s of ['Laporan Bulanan Ruang Server', 'kanwil-a', SEED_MONTH, 'Ringkasan', 'Pengunjung per hari', 'Percobaan masuk ditolak menurut alasan', 'Alarm menurut jenis',
      'Buku insiden', 'Waktu langkah SOP terhadap mutu baku', 'Daftar periksa pemeliharaan (SOP 002)', 'Disusun oleh', 'Diperiksa oleh', 'Disetujui oleh',
      'Ani Analis', 'Sari Kasubag', 'Budi Kepala', 'kanwil-a, 2026-12-01', 'Halaman 1 dari']) {
      expect(text, s).toContain(s);
    }
    // Door-sent markup is text in the PDF too.
    const raw = execFileSync('pdftotext', ['-raw', pdf.file, '-'], { encoding: 'utf8' });
    expect(raw).toContain('<script>alert("insiden")');
    expect(raw).toContain('</script>kabel</td>');
    execFileSync('pdftoppm', ['-png', '-r', '50', '-f', '1', '-l', '1', pdf.file, join(dir, 'page')]);
    const first = readdirSync(dir).find((f) => /^page-0*1\.png$/.test(f));
    expect(first).toBeDefined();
    expect(statSync(join(dir, first!)).size).toBeGreaterThan(5000);
    execFileSync('pdftoppm', ['-png', '-r', '60', pdf.file, join(SCREENS_DIR, 'central-report-pdf')]);

    expect(problems).toMatchObject({ errors: [], consoleErrors: [], dialogs: [] });
    await context.close();
  });
});
