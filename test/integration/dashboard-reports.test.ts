/**
 * The monthly report page and its downloads (issue 13 item 5), in-process on SQLite: every section of a seeded month
 * (visitors, visits per day, refused taps by reason, alarms by kind, device mismatches, incidents with their text,
 * SOP step times for every step, maintenance and health checklists) with each chart's data in a JSON block and a
 * table beside it; door-sent markup shown as text everywhere; site scope enforced on the server for the page and every
 * download; role guards; CSV and XLSX downloads named by site and month, each an audit entry; a missing Chromium
 * answers with a page naming console.chromiumPath and apt-get install chromium.
 */
import { afterEach, describe, expect, it } from 'vitest';
import readXlsxFile from 'read-excel-file/node';
import { auditEntries } from '../../src/central/audit.js';
import { startDashboard, type TestDashboard } from '../helpers/dashboard.js';
import type { ConsoleClient } from '../helpers/console.js';
import { SEED_MONTH, seedMonth, XSS_INCIDENT, XSS_NOTE, XSS_REASON } from '../helpers/report-seed.js';

const open: TestDashboard[] = [];
afterEach(async () => { for (const d of open.splice(0)) await d.close(); });

/** A dashboard with the seeded month, on 2 December 2026 10:00 WIB. */
async function dash(o: Parameters<typeof startDashboard>[0] = {}): Promise<TestDashboard> {
  const d = await startDashboard({ now: () => Date.parse('2026-12-02T03:00:00.000Z'), ...o });
  open.push(d);
  await seedMonth(d.store);
  return d;
}

/** GET a download as bytes with the client's cookies. */
async function download(d: TestDashboard, c: ConsoleClient, path: string): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
  const res = await fetch(d.url + path, { redirect: 'manual', headers: { cookie: [...c.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

describe('monthly report page', () => {
  it('shows every section of a seeded month for one site, with charts fed from JSON blocks and tables beside them', async () => {
    const d = await dash();
    await d.addUser('ani', 'analyst');
    const c = await d.signedIn('ani');
    const p = await c.get(`/reports?month=${SEED_MONTH}&site=kanwil-a`);
    expect(p.status).toBe(200);
    for (const heading of ['Ringkasan', 'Per pintu', 'Pengunjung per hari', 'Percobaan masuk ditolak menurut alasan', 'Alarm menurut jenis', 'Perangkat tidak sesuai',
      'Buku insiden', 'Waktu langkah SOP terhadap mutu baku', 'Daftar periksa pemeliharaan (SOP 002)', 'Laporan pemeliharaan kinerja sistem (SOP 002 langkah 5–7)']) {
      expect(p.text, heading).toContain(`>${heading}</h2>`);
    }
    // Every SOP step against its standard, measured or not.
    for (const step of ['Pengisian formulir dan KTP', 'Periksa kelengkapan', 'Persetujuan atau penolakan', 'Serahkan kartu khusus', 'Di dalam ruang server (didampingi)', 'Pencatatan keluar', 'Laporan kunjungan', 'Arsipkan']) {
      expect(p.text, step).toContain(step);
    }
    expect(p.text).toMatch(/<tr class="over"><th scope="row">3 Persetujuan atau penolakan<\/th><td class="num">2<\/td>/);
    expect(p.text).toContain('Kartu tidak terdaftar');
    expect(p.text).toContain('Pintu dibuka paksa');
    expect(p.text).toContain('Pintu terbuka terlalu lama');
    // Charts: canvases with their data in JSON blocks (no inline script), the library and the page's script from /assets.
    expect(p.text).toContain('<canvas id="chart-perday" data-chart="chart-perday-data"');
    expect(p.text).toContain('<script src="/assets/chart.umd.min.js" defer></script>');
    expect(p.text).toContain('<script src="/assets/reports.js" defer></script>');
    const inline = [...p.text.matchAll(/<script(?![^>]*\bsrc=)([^>]*)>/g)].map((m) => m[1]);
    expect(inline.length).toBeGreaterThan(0);
    for (const attrs of inline) expect(attrs).toMatch(/type="application\/json"/);
    const perDay = JSON.parse(/<script type="application\/json" id="chart-perday-data">([^<]*)<\/script>/.exec(p.text)![1]!) as { labels: string[]; datasets: { label: string; data: number[] }[] };
    expect(perDay.labels).toHaveLength(30);
    expect(perDay.datasets.map((x) => x.label)).toEqual(['d1', 'd2']);
    expect(perDay.datasets[0]!.data[2]).toBe(1);
    expect(perDay.datasets[0]!.data[3]).toBe(1);
    // Door-sent text: escaped in HTML, inert in the JSON blocks.
    expect(p.text).not.toContain(XSS_INCIDENT);
    expect(p.text).toContain('&lt;script&gt;alert(&quot;insiden&quot;)&lt;/script&gt;kabel&lt;/td&gt;');
    expect(p.text).not.toContain(XSS_REASON);
    expect(p.text).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(p.text).not.toContain(XSS_NOTE);
    expect(p.text).toContain('\\u003cimg src=x onerror=alert(1)\\u003e');
    // The incident without text says so; kanwil-b's incident text is not on kanwil-a's page.
    expect(p.text).toContain('(lokasi ini tidak mengirim teks insiden)');
    expect(p.text).not.toContain('rahasia-b');
    // Health checklist of the controller: last run with its items.
    expect(p.text).toContain('semua pembaca aktif');
    // Downloads for an analyst (reports.export).
    expect(p.text).toContain(`href="/reports/download.csv?month=${SEED_MONTH}&amp;site=kanwil-a"`);
    expect(p.text).toContain(`href="/reports/download.pdf?month=${SEED_MONTH}&amp;site=kanwil-a"`);
  });

  it('limits a site-limited analyst to their site on the server: page, fragment of the form and every download', async () => {
    const d = await dash();
    await d.addUser('budi', 'analyst', { sites: ['kanwil-b'] });
    const c = await d.signedIn('budi');
    const mine = await c.get(`/reports?month=${SEED_MONTH}`);
    expect(mine.status).toBe(200);
    expect(mine.text).toContain('rahasia-b');
    expect(mine.text).not.toContain('kanwil-a');
    expect((await c.get(`/reports?month=${SEED_MONTH}&site=kanwil-a`)).status).toBe(404);
    for (const ext of ['csv', 'xlsx', 'pdf']) {
      const r = await download(d, c, `/reports/download.${ext}?month=${SEED_MONTH}&site=kanwil-a`);
      expect(r.status, ext).toBe(404);
      expect(r.bytes.toString('utf8')).not.toContain('d2');
    }
    const csv = await download(d, c, `/reports/download.csv?month=${SEED_MONTH}`);
    expect(csv.status).toBe(200);
    expect(csv.bytes.toString('utf8')).toContain('rahasia-b');
    expect(csv.bytes.toString('utf8')).not.toContain('kanwil-a');
    expect(csv.headers.get('content-disposition')).toBe(`attachment; filename="laporan-kanwil-b-${SEED_MONTH}.csv"`);
  });

  it('role guards: helpdesk may not view or download; a bad month is refused with the format', async () => {
    const d = await dash();
    await d.addUser('hd', 'helpdesk');
    await d.addUser('ani', 'analyst');
    const hd = await d.signedIn('hd');
    expect((await hd.get(`/reports?month=${SEED_MONTH}`)).status).toBe(403);
    expect((await download(d, hd, `/reports/download.csv?month=${SEED_MONTH}`)).status).toBe(403);
    const a = await d.signedIn('ani');
    const bad = await a.get('/reports?month=2026-13');
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('harus berformat TTTT-BB');
  });

  it('downloads CSV and XLSX named by site and month (XLSX read back), each an audit entry', async () => {
    const d = await dash();
    await d.addUser('ani', 'analyst');
    const c = await d.signedIn('ani');
    const csv = await download(d, c, `/reports/download.csv?month=${SEED_MONTH}&site=kanwil-a`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.headers.get('content-disposition')).toBe(`attachment; filename="laporan-kanwil-a-${SEED_MONTH}.csv"`);
    const text = csv.bytes.toString('utf8');
    expect(text.startsWith('\uFEFF"Ringkasan per pintu, lokasi dan semua lokasi"')).toBe(true);
    expect(text).toContain('\r\nLokasi,Pintu,Pengunjung,Permohonan,');
    expect(text).toMatch(/\r\nkanwil-a,d1,1,1,1,0,/);
    expect(text).toContain('\r\nkanwil-a,d1,Kartu tidak terdaftar,2');
    expect(text).toContain('Pintu dibuka paksa');
    expect(text).not.toContain('kanwil-b');
    const xlsx = await download(d, c, `/reports/download.xlsx?month=${SEED_MONTH}&site=kanwil-a`);
    expect(xlsx.status).toBe(200);
    expect(xlsx.headers.get('content-disposition')).toBe(`attachment; filename="laporan-kanwil-a-${SEED_MONTH}.xlsx"`);
    const sheets = await readXlsxFile(xlsx.bytes);
    const rowsOf = (name: string): string[][] => sheets.find((x) => x.sheet === name)!.data.map((r) => r.map((v) => (v === null ? '' : String(v))));
    const summary = rowsOf('Ringkasan');
    expect(summary[0]!.slice(0, 3)).toEqual(['Lokasi', 'Pintu', 'Pengunjung']);
    expect(summary.find((r) => r[0] === 'kanwil-a' && r[1] === 'd1')!.slice(2, 6)).toEqual(['1', '1', '1', '0']);
    expect(rowsOf('Masuk ditolak')).toContainEqual(['kanwil-a', 'd1', 'Kartu tidak terdaftar', '2']);
    expect(rowsOf('Insiden').some((r) => r.includes(XSS_INCIDENT))).toBe(true);
    const all = await download(d, c, `/reports/download.csv?month=${SEED_MONTH}`);
    expect(all.headers.get('content-disposition')).toBe(`attachment; filename="laporan-semua-lokasi-${SEED_MONTH}.csv"`);
    const trail = (await auditEntries(d.store.sql, { scope: null, action: 'report.exported' })).reverse();
    expect(trail.map((e) => [e.actor, e.site, e.detail.format, e.detail.month])).toEqual([
      ['ani', 'kanwil-a', 'csv', SEED_MONTH], ['ani', 'kanwil-a', 'xlsx', SEED_MONTH], ['ani', null, 'csv', SEED_MONTH],
    ]);
  });

  it('a missing Chromium gives a clear page naming console.chromiumPath and apt-get install chromium (no audit entry)', async () => {
    const d = await dash({ config: { chromiumPath: '/nonexistent/chromium' } });
    await d.addUser('ani', 'analyst');
    const c = await d.signedIn('ani');
    const r = await c.get(`/reports/download.pdf?month=${SEED_MONTH}&site=kanwil-a`);
    expect(r.status).toBe(503);
    expect(r.text).toContain('/nonexistent/chromium');
    expect(r.text).toContain('console.chromiumPath');
    expect(r.text).toContain('apt-get install chromium');
    expect(await auditEntries(d.store.sql, { scope: null, action: 'report.exported' })).toEqual([]);
  });
  it('all sites in scope: charts split by site, the chain asks for one site; in English after the switch', async () => {
    const d = await dash();
    await d.addUser('kepala', 'head');
    const c = await d.signedIn('kepala');
    const p = await c.get(`/reports?month=${SEED_MONTH}`);
    expect(p.status).toBe(200);
    const perDay = JSON.parse(/<script type="application\/json" id="chart-perday-data">([^<]*)<\/script>/.exec(p.text)![1]!) as { datasets: { label: string }[] };
    expect(perDay.datasets.map((x) => x.label)).toEqual(['kanwil-a', 'kanwil-b']);
    expect(p.text).toContain('Pilih satu lokasi untuk melihat dan mengesahkan laporan pemeliharaannya.');
    expect(p.text).toContain('rahasia-b');
    await c.post('/lang', { lang: 'en', next: '/reports' });
    const en = await c.get(`/reports?month=${SEED_MONTH}&site=kanwil-b`);
    expect(en.text).toContain('<h1>Monthly report</h1>');
    expect(en.text).toContain('SOP step times against the standards (Mutu Baku)');
    expect(en.text).toContain('Visitor unescorted');
  });
});
