/**
 * The SOP 002 monthly health report chain on the report page (issue 13 item 5): the analyst submits after the month's
 * end (step 5, standard 1 day from the month's end), the sub-section head reviews (step 6, 30 minutes from the
 * submission), the head approves (step 7, 10 minutes from the review); each step's time against its standard on the
 * page (over-standard marked) and in the audit trail; a return with a note sends it back to the analyst. Role guards
 * and separation of duties are checked on the server; a site out of scope is 404. Time moves with the dashboard's
 * `now` option.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { auditEntries } from '../../src/central/audit.js';
import { HealthReports } from '../../src/central/health-reports.js';
import { startDashboard, type TestDashboard } from '../helpers/dashboard.js';
import { SEED_MONTH, SEED_MONTH_END, seedMonth } from '../helpers/report-seed.js';

const MIN = 60_000;
const open: TestDashboard[] = [];
afterEach(async () => { for (const d of open.splice(0)) await d.close(); });

/** A dashboard with the seeded month and a clock the test moves. */
async function dash(): Promise<{ d: TestDashboard; clock: { at: number } }> {
  const clock = { at: SEED_MONTH_END - 60 * MIN };
  const d = await startDashboard({ now: () => clock.at });
  open.push(d);
  await seedMonth(d.store);
  await d.addUser('ani', 'analyst');
  await d.addUser('kasubag', 'subhead');
  await d.addUser('kasubag2', 'subhead');
  await d.addUser('kepala', 'head');
  await d.addUser('hd', 'helpdesk');
  await d.addUser('luar', 'subhead', { sites: ['kanwil-b'] });
  return { d, clock };
}

const step = (action: string, extra: Record<string, string> = {}): Record<string, string> => ({ site: 'kanwil-a', month: SEED_MONTH, action, ...extra });
const row = (html: string, n: number): string => new RegExp(`<tr data-step="${n}"[^>]*>[\\s\\S]*?</tr>`).exec(html)![0];

describe('SOP 002 health report chain', () => {
  it('submit → review → approve, each timed against its standard, over-standard marked, each an audit entry', async () => {
    const { d, clock } = await dash();
    const early = await d.signedIn('ani');
    await early.get(`/reports?month=${SEED_MONTH}&site=kanwil-a`);
    // Before the month's end: refused.
    const refused = await early.post('/reports/health', step('submit'));
    expect(refused.status).toBe(409);
    expect(refused.text).toContain('belum berakhir');
    // 26 hours after the month's end (sessions signed in then): over the one-day standard.
    clock.at = SEED_MONTH_END + 26 * 60 * MIN;
    const ani = await d.signedIn('ani');
    const kasubag = await d.signedIn('kasubag');
    const sub = await ani.post('/reports/health', step('submit', { note: 'UPS d1 menurun' }));
    expect(sub.status).toBe(303);
    let p = await ani.get(sub.location!.replace('#chain', ''));
    expect(p.text).toContain('Laporan pemeliharaan kanwil-a 2026-11 diajukan.');
    expect(p.text).toContain('data-state="submitted"');
    expect(row(p.text, 5)).toContain('class="over"');
    expect(row(p.text, 5)).toContain('1 hari 2:00:00');
    expect(row(p.text, 5)).toContain('Melebihi mutu baku');
    expect(row(p.text, 5)).toContain('Pengguna ani (Analis)');
    // The analyst has no review or approve form, and the server refuses both.
    expect(p.text).not.toContain('value="review"');
    expect((await ani.post('/reports/health', step('review'))).status).toBe(403);
    expect((await ani.post('/reports/health', step('approve'))).status).toBe(403);
    // 10 minutes later the sub-section head reviews: within 30 minutes.
    clock.at += 10 * MIN;
    await kasubag.get(`/reports?month=${SEED_MONTH}&site=kanwil-a`);
    expect((await kasubag.post('/reports/health', step('approve'))).status).toBe(403);
    expect((await kasubag.post('/reports/health', step('review'))).status).toBe(303);
    // 25 minutes later the head approves: over the 10-minute standard.
    clock.at += 25 * MIN;
    const kepala = await d.signedIn('kepala');
    await kepala.get(`/reports?month=${SEED_MONTH}&site=kanwil-a`);
    expect((await kepala.post('/reports/health', step('approve'))).status).toBe(303);
    p = await kepala.get(`/reports?month=${SEED_MONTH}&site=kanwil-a`);
    expect(p.text).toContain('data-state="approved"');
    expect(row(p.text, 6)).not.toContain('class="over"');
    expect(row(p.text, 6)).toContain('0:10:00');
    expect(row(p.text, 6)).toContain('Sesuai mutu baku');
    expect(row(p.text, 6)).toContain('Pengguna kasubag (Kepala Sub Bagian)');
    expect(row(p.text, 7)).toContain('class="over"');
    expect(row(p.text, 7)).toContain('0:25:00');
    expect(row(p.text, 7)).toContain('Pengguna kepala (Kepala)');
    expect(p.text).not.toContain('value="approve"');
    const trail = (await auditEntries(d.store.sql, { scope: null })).filter((e) => e.action.startsWith('health.')).reverse();
    expect(trail.map((e) => [e.actor, e.action, e.site, e.detail.step, e.detail.seconds, e.detail.standardSeconds, e.detail.overStandard])).toEqual([
      ['ani', 'health.submitted', 'kanwil-a', 5, 26 * 3600, 86_400, true],
      ['kasubag', 'health.reviewed', 'kanwil-a', 6, 600, 1800, false],
      ['kepala', 'health.approved', 'kanwil-a', 7, 1500, 600, true],
    ]);
    // The figures the signers saw are kept with the chain.
    const stored = await new HealthReports(d.store.sql).get('kanwil-a', SEED_MONTH);
    expect(stored?.content).toMatchObject({ checklists: { recorded: 1, ok: 1, degraded: 1, failed: 0 }, healthChecks: { runs: 1 } });
  });

  it('a return with a note goes back to the analyst, who resubmits; the note is required and shown as text', async () => {
    const { d, clock } = await dash();
    clock.at = SEED_MONTH_END + 2 * 60 * MIN;
    const ani = await d.signedIn('ani');
    const kasubag = await d.signedIn('kasubag');
    await ani.get('/reports');
    expect((await ani.post('/reports/health', step('submit'))).status).toBe(303);
    await kasubag.get('/reports');
    expect((await kasubag.post('/reports/health', step('return', { stage: 'submitted', note: '  ' }))).status).toBe(409);
    const back = await kasubag.post('/reports/health', step('return', { stage: 'submitted', note: 'Lengkapi <b>UPS</b>' }));
    expect(back.status).toBe(303);
    let p = await ani.get(`/reports?month=${SEED_MONTH}&site=kanwil-a`);
    expect(p.text).toContain('data-state="returned"');
    expect(p.text).toContain('Dikembalikan ke analis oleh Pengguna kasubag: Lengkapi &lt;b&gt;UPS&lt;/b&gt;');
    expect(p.text).toContain('value="submit"');
    expect(row(p.text, 5)).toContain('Belum');
    clock.at += 30 * MIN;
    expect((await ani.post('/reports/health', step('submit'))).status).toBe(303);
    p = await ani.get(`/reports?month=${SEED_MONTH}&site=kanwil-a`);
    expect(p.text).toContain('data-state="submitted"');
    expect(p.text).toContain('Dikembalikan 1 kali.');
    expect(row(p.text, 5)).toContain('2:30:00');
    const returned = (await auditEntries(d.store.sql, { scope: null, action: 'health.returned' }))[0]!;
    expect(returned).toMatchObject({ actor: 'kasubag', site: 'kanwil-a', detail: { month: SEED_MONTH, step: 6, note: 'Lengkapi <b>UPS</b>' } });
  });

  it('separation of duties: no one reviews their own submission, the head does not approve what they submitted; a second submit is refused', async () => {
    const { d, clock } = await dash();
    clock.at = SEED_MONTH_END + 60 * MIN;
    const kasubag = await d.signedIn('kasubag');
    const kasubag2 = await d.signedIn('kasubag2');
    const kepala = await d.signedIn('kepala');
    await kasubag.get('/reports');
    expect((await kasubag.post('/reports/health', step('submit'))).status).toBe(303);
    expect((await kasubag.post('/reports/health', step('submit'))).status).toBe(409);
    const own = await kasubag.post('/reports/health', step('review'));
    expect(own.status).toBe(409);
    expect(own.text).toContain('Anda yang mengajukan laporan ini');
    await kasubag2.get('/reports');
    expect((await kasubag2.post('/reports/health', step('review'))).status).toBe(303);
    await kepala.get('/reports');
    expect((await kepala.post('/reports/health', step('approve'))).status).toBe(303);

    // The head submits another month's report: someone else reviews, and the head may not approve it.
    const month = '2026-10';
    await kepala.post('/reports/health', { site: 'kanwil-a', month, action: 'submit' });
    await kasubag.post('/reports/health', { site: 'kanwil-a', month, action: 'review' });
    const self = await kepala.post('/reports/health', { site: 'kanwil-a', month, action: 'approve' });
    expect(self.status).toBe(409);
    expect(self.text).toContain('Anda yang mengajukan laporan ini');
    expect((await new HealthReports(d.store.sql).get('kanwil-a', month))?.state).toBe('reviewed');
  });

  it('helpdesk cannot touch the chain; a sub-section head limited to another site gets 404 and changes nothing', async () => {
    const { d, clock } = await dash();
    clock.at = SEED_MONTH_END + 60 * MIN;
    const hd = await d.signedIn('hd');
    await hd.get('/visits');
    expect((await hd.post('/reports/health', step('submit'))).status).toBe(403);
    const ani = await d.signedIn('ani');
    await ani.get('/reports');
    expect((await ani.post('/reports/health', step('submit'))).status).toBe(303);
    const luar = await d.signedIn('luar');
    await luar.get('/reports');
    expect((await luar.post('/reports/health', step('review'))).status).toBe(404);
    expect((await luar.get(`/reports?month=${SEED_MONTH}&site=kanwil-a`)).status).toBe(404);
    expect((await new HealthReports(d.store.sql).get('kanwil-a', SEED_MONTH))?.state).toBe('submitted');
  });
});
