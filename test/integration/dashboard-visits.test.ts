/**
 * The dashboard's visits (issue 13 item 4): the list across the user's sites with filters and pages, a visit's page
 * with its timeline (read through the events_visit index) and step times, XSS in the text the doors send, the SOP 003
 * pre-registration form (validation, roles, scope checked on the server, nothing personal kept at the centre, in the
 * audit trail or in the log), the command page (waiting, accepted, refused) and the head's remote revocation.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../src/adapters/log/pino.js';
import { auditEntries } from '../../src/central/audit.js';
import { visitEvents, visitEventsPlanSql } from '../../src/central/visit-events.js';
import type { SqliteCentralStore } from '../../src/central/sqlite-store.js';
import type { DashboardCommands } from '../../src/central/dashboard/context.js';
import { NoSealKeyError } from '../../src/central/commands.js';
import { startDashboard, type TestDashboard } from '../helpers/dashboard.js';
import { doorChain, type DoorChain } from '../helpers/visit-chain.js';
import { testNik } from '../helpers/config.js';

const open: TestDashboard[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const d of open.splice(0)) await d.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
async function dash(o: Parameters<typeof startDashboard>[0] = {}): Promise<TestDashboard> {
  const d = await startDashboard(o);
  open.push(d);
  return d;
}

const A = 'kanwil-a';
const B = 'kanwil-b';
const XSS_ORG = '<script>alert("org")</script>';
const XSS_PURPOSE = '<img src=x onerror=alert(1)>';

/** Two sites, a door each; visits at both (one with hostile text), a head registered at door A. */
async function seeded(d: TestDashboard): Promise<{ a: DoorChain; b: DoorChain }> {
  await d.store.enroll(A, 'd1', 'key-a', Date.now());
  await d.store.enroll(B, 'd1', 'key-b', Date.now());
  const a = doorChain('d1');
  const b = doorChain('d1', Date.UTC(2026, 11, 1, 3, 0));
  a.add('officer.added', { officer: 'O1', role: 'head', badge: 'AA01' });
  a.add('visit.requested', { visit: 'V-20261201-001', kind: 'visit', step: 1, officer: 'O2', org: 'PT Andalan', purpose: 'ganti disk', plannedMinutes: 60, devicesIn: [], letterRef: 'ND-7', ktpRead: true });
  a.add('visit.checked', { visit: 'V-20261201-001', officer: 'O2', step: 2, sopStep: 'check', durationSeconds: 120, standardSeconds: 300, overStandard: false });
  a.add('visit.approved', { visit: 'V-20261201-001', officer: 'O1', step: 3, sopStep: 'decide', durationSeconds: 900, standardSeconds: 600, overStandard: true, validFrom: '2026-12-01T02:00:00.000Z', validUntil: '2026-12-01T10:00:00.000Z' });
  a.add('visit.requested', { visit: 'V-20261201-002', kind: 'maintenance', step: 1, org: XSS_ORG, purpose: XSS_PURPOSE, plannedMinutes: 30, devicesIn: [], letterRef: null, ktpRead: false });
  a.add('access.granted', { reader: 'in', direction: 'in', badge: 'BB01', holder: 'officer', officer: 'O2' });
  b.add('visit.requested', { visit: 'V-20261201-001', kind: 'visit', step: 1, officer: 'O9', org: 'CV Barat', purpose: 'audit', plannedMinutes: 60, devicesIn: [], letterRef: null, ktpRead: true });
  expect((await d.store.ingest(A, 'd1', a.take(), Date.now())).outcome).toBe('stored');
  expect((await d.store.ingest(B, 'd1', b.take(), Date.now())).outcome).toBe('stored');
  return { a, b };
}

describe('visit list and visit page', () => {
  it('lists the visits of every site in scope, newest change first, states in the SOP\'s words and times in WIB; a site-limited user sees only their site', async () => {
    const d = await dash();
    await seeded(d);
    await d.addUser('ani', 'analyst');
    await d.addUser('hd-a', 'helpdesk', { sites: [A] });
    const all = await (await d.signedIn('ani')).get('/visits');
    expect(all.status).toBe(200);
    expect(all.text).toContain('CV Barat');
    expect(all.text).toContain('PT Andalan');
    expect(all.text).toContain('Disetujui');
    expect(all.text).toContain('WIB (+07:00)');
    // Newest change first: B's request (03:01 UTC) before A's approval (02:04 UTC).
    expect(all.text.indexOf('CV Barat')).toBeLessThan(all.text.indexOf('PT Andalan'));
    const ani = await d.signedIn('ani');
    expect((await ani.post('/lang', { lang: 'en', next: '/visits' })).status).toBe(303);
    const en = await ani.get('/visits');
    expect(en.text).toContain('Visits at all your sites');
    expect(en.text).toContain('Approved');
    expect(en.text).toContain('Changed from (date, WIB (UTC+07:00))');
    const limited = await d.signedIn('hd-a');
    const mine = await limited.get('/visits');
    expect(mine.text).toContain('PT Andalan');
    expect(mine.text).not.toContain('CV Barat');
    // Asking for the other site by the filter shows nothing of it either.
    expect((await limited.get(`/visits?site=${B}`)).text).not.toContain('CV Barat');
    expect((await limited.get(`/visits/${B}/d1/V-20261201-001`)).status).toBe(404);
    expect((await limited.get(`/visits/${B}/d1/V-20261201-001/timeline`)).status).toBe(404);
  });

  it('filters by state, text and date (typed in the centre\'s zone), and pages by 50', async () => {
    const d = await dash();
    const { a } = await seeded(d);
    await d.addUser('ani', 'analyst');
    const c = await d.signedIn('ani');
    expect((await c.get('/visits?state=approved')).text).toContain('PT Andalan');
    expect((await c.get('/visits?state=approved')).text).not.toContain('CV Barat');
    expect((await c.get('/visits?q=barat')).text).toContain('CV Barat');
    expect((await c.get('/visits?q=barat')).text).not.toContain('PT Andalan');
    // 2026-12-01 02:04 UTC is 09:04 WIB on the 1st; nothing changed on the 2nd (WIB).
    expect((await c.get('/visits?from=2026-12-01&to=2026-12-01')).text).toContain('PT Andalan');
    expect((await c.get('/visits?from=2026-12-02')).text).toContain('Tidak ada kunjungan yang cocok');
    const bad = await c.get('/visits?from=2026-02-30');
    expect(bad.text).toContain('Tanggal &quot;2026-02-30&quot; tidak valid');
    for (let i = 3; i <= 60; i++) a.add('visit.requested', { visit: `V-20261201-${String(i).padStart(3, '0')}`, kind: 'visit', step: 1, org: `PT Nomor ${i}`, purpose: 'p', plannedMinutes: 60, devicesIn: [], letterRef: null, ktpRead: true }, new Date(Date.UTC(2026, 11, 1, 5, i)).toISOString());
    expect((await d.store.ingest(A, 'd1', a.take(), Date.now())).outcome).toBe('stored');
    const first = await c.get(`/visits?site=${A}`);
    expect(first.text).toContain('50 dari 60 kunjungan');
    expect(first.text).toContain('PT Nomor 60');
    expect(first.text).toMatch(/href="\/visits\?site=kanwil-a&amp;page=2" rel="next"/);
    const second = await c.get(`/visits?site=${A}&page=2`);
    expect(second.text).toContain('10 dari 60 kunjungan');
    expect(second.text).toContain('PT Andalan');
  });

  it('a visit\'s page shows its own events in order with the step times against their standards, and the timeline query uses the events_visit index', async () => {
    const d = await dash();
    await seeded(d);
    await d.addUser('ani', 'analyst');
    const c = await d.signedIn('ani');
    const p = await c.get(`/visits/${A}/d1/V-20261201-001`);
    expect(p.status).toBe(200);
    expect(p.text).toContain('Kunjungan V-20261201-001');
    expect(p.text).toContain('Permohonan akses dicatat');
    expect(p.text).toContain('Kelengkapan diperiksa');
    expect(p.text).toContain('Disetujui sampai 2026-12-01 17:00:00 WIB (+07:00)');
    expect(p.text).not.toContain('V-20261201-002');
    expect(p.text).toContain('Melebihi mutu baku');
    expect(p.text).toContain('15 menit');
    expect(p.text).toContain(`hx-trigger="sse:door:${A}/d1"`);
    const events = await visitEvents(d.store.sql, null, A, 'd1', 'V-20261201-001');
    expect(events.map((e) => e.type)).toEqual(['visit.requested', 'visit.checked', 'visit.approved']);
    expect(await visitEvents(d.store.sql, [B], A, 'd1', 'V-20261201-001')).toEqual([]);
    const plan = (d.store as SqliteCentralStore).db.prepare(`EXPLAIN QUERY PLAN ${visitEventsPlanSql('sqlite')}`).all(A, 'd1', 'V-20261201-001') as Array<{ detail: string }>;
    expect(plan.map((r) => r.detail).join(' ')).toMatch(/USING INDEX events_visit/);
  });

  it('shows door-sent institution and purpose as text on the list and the visit page (no markup)', async () => {
    const d = await dash();
    await seeded(d);
    await d.addUser('ani', 'analyst');
    const c = await d.signedIn('ani');
    for (const path of ['/visits', `/visits/${A}/d1/V-20261201-002`]) {
      const p = await c.get(path);
      expect(p.status).toBe(200);
      expect(p.text).not.toContain(XSS_ORG);
      expect(p.text).not.toContain(XSS_PURPOSE);
      expect(p.text).toContain('&lt;script&gt;alert(&quot;org&quot;)&lt;/script&gt;');
      expect(p.text).toContain('&lt;img src=x onerror=alert(1)&gt;');
    }
  });
});

/** A command sender that records like the real one (a row in `commands`) and lets the test store the reply. */
function recordingSender(d: () => TestDashboard, sent: Array<{ site: string; door: string; action: string; args: Record<string, unknown> }>): DashboardCommands {
  return {
    async send(site, door, action, args) {
      const id = `cmd${String(sent.length + 1).padStart(8, '0')}`;
      sent.push({ site, door, action, args });
      await d().store.recordCommand({ id, site, door, counter: sent.length, action, issuedAt: Date.now() });
      return { id, reply: null };
    },
  };
}

const NAME = 'Siti Rahmawati Unik';
const PHONE = '0812-7777-4321';
const form = (nik: string, over: Record<string, string | string[]> = {}): Record<string, string | string[]> => ({
  door: `${A}/d1`, name: NAME, nik, org: 'PT Andalan', phone: PHONE, purpose: 'ganti disk', planned: '90', letterRef: 'TIKET-55',
  dev_desc: ['Laptop', ''], dev_serial: ['SN-1', ''], ...over,
});

describe('SOP 003 pre-registration', () => {
  it('only helpdesk and head may open or send the form (an analyst gets 403 from the server)', async () => {
    const d = await dash();
    await seeded(d);
    await d.addUser('ani', 'analyst');
    const c = await d.signedIn('ani');
    expect((await c.get('/visits/new')).status).toBe(403);
    expect((await c.post('/visits/new', form(testNik()))).status).toBe(403);
    expect(d.sent).toEqual([]);
    expect((await c.get('/visits')).text).not.toContain('href="/visits/new"');
  });

  it('sends a valid form as the signed preregister command to the chosen door, audits who sent it, and keeps nothing personal in the database, the audit trail or the log', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pintu-dash-prereg-'));
    dirs.push(dir);
    const logFile = join(dir, 'log.jsonl');
    const sent: Array<{ site: string; door: string; action: string; args: Record<string, unknown> }> = [];
    let dd: TestDashboard | null = null;
    const d = await dash({ log: createLogger('debug', logFile), commands: recordingSender(() => dd!, sent) });
    dd = d;
    await seeded(d);
    await d.addUser('hd', 'helpdesk');
    const c = await d.signedIn('hd');
    const nik = testNik();
    const spaced = `${nik.slice(0, 4)} ${nik.slice(4, 8)} ${nik.slice(8, 12)} ${nik.slice(12)}`;
    const r = await c.post('/visits/new', form(spaced));
    expect(r.status).toBe(303);
    expect(r.location).toBe('/commands/cmd00000001');
    expect(sent).toEqual([{ site: A, door: 'd1', action: 'preregister', args: {
      name: NAME, nik, org: 'PT Andalan', phone: PHONE, purpose: 'ganti disk', plannedMinutes: 90, letterRef: 'TIKET-55', devices: [{ description: 'Laptop', serial: 'SN-1' }],
    } }]);
    const waiting = await c.get(r.location!);
    expect(waiting.text).toContain('Menunggu jawaban pintu');
    const trail = await auditEntries(d.store.sql, { scope: null, action: 'visit.preregistered' });
    expect(trail).toHaveLength(1);
    expect(trail[0]).toMatchObject({ actor: 'hd', site: A, door: 'd1', detail: { command: 'cmd00000001', devices: 1 } });
    const trailText = JSON.stringify(await auditEntries(d.store.sql, { scope: null }));
    // The database file and its WAL, as they are on disk (read before close removes the test's directory).
    const dbDir = (d.store as SqliteCentralStore).db.name.replace(/\/[^/]+$/, '');
    const dbBytes = readdirSync(dbDir).map((f) => readFileSync(join(dbDir, f)).toString('latin1')).join('\n');
    expect(dbBytes).toContain('cmd00000001');
    const files = readdirSync(dir).map((f) => join(dir, f));
    const logText = files.map((f) => readFileSync(f, 'utf8')).join('\n');
    expect(logText.length).toBeGreaterThan(0);
    for (const secret of [NAME, nik, spaced, PHONE, nik.slice(0, 12)]) {
      expect(dbBytes).not.toContain(secret);
      expect(trailText).not.toContain(secret);
      expect(logText).not.toContain(secret);
    }
  });

  it('sends a form with errors back (422) with every value kept, each error at its field, and sends nothing', async () => {
    const d = await dash();
    await seeded(d);
    await d.addUser('hd', 'helpdesk');
    const c = await d.signedIn('hd');
    const r = await c.post('/visits/new', form('1234', { name: '', planned: '0', dev_desc: ['Laptop'], dev_serial: [''] }));
    expect(r.status).toBe(422);
    expect(r.text).toContain('id="err-name"');
    expect(r.text).toContain('NIK harus 16 angka (tertulis 4 karakter)');
    expect(r.text).toContain('Tulis jumlah menit 1 sampai 1440');
    expect(r.text).toContain('Setiap perangkat perlu uraian dan nomor seri');
    expect(r.text).toContain('value="PT Andalan"');
    expect(r.text).toContain(`value="${PHONE}"`);
    expect(r.text).toContain('value="TIKET-55"');
    expect(r.text).toContain('value="1234"');
    expect(r.text).toContain('value="Laptop"');
    expect(r.text).toContain(`value="${A}/d1" selected`);
    expect(d.sent).toEqual([]);
    // Add a device row without losing anything.
    const more = await c.post('/visits/new', form(testNik(), { _action: 'rows:add' }));
    expect(more.status).toBe(200);
    expect(more.text.match(/name="dev_desc"/g)).toHaveLength(3);
    expect(d.sent).toEqual([]);
  });

  it('refuses to pre-register at a door whose sealing key the centre does not know, in the catalogue\'s words, keeping the form (issue 14)', async () => {
    const d = await dash({ commands: { async send(site, door) { throw new NoSealKeyError(site, door); } } });
    await seeded(d);
    await d.addUser('hd', 'helpdesk');
    const c = await d.signedIn('hd');
    const r = await c.post('/visits/new', form(testNik()));
    expect(r.status).toBe(409);
    expect(r.text).toContain(`Pintu ${A}/d1 belum mengirim kunci segelnya`);
    expect(r.text).toContain(`value="${PHONE}"`);
    expect(await auditEntries(d.store.sql, { scope: null, action: 'visit.preregistered' })).toEqual([]);
  });

  it('a site-limited helpdesk cannot send to another site\'s door, even by crafting the POST (404, nothing sent), and sees only their doors', async () => {
    const d = await dash();
    await seeded(d);
    await d.addUser('hd-a', 'helpdesk', { sites: [A] });
    const c = await d.signedIn('hd-a');
    const f = await c.get('/visits/new');
    expect(f.text).toContain(`value="${A}/d1"`);
    expect(f.text).not.toContain(`value="${B}/d1"`);
    const r = await c.post('/visits/new', form(testNik(), { door: `${B}/d1` }));
    expect(r.status).toBe(404);
    expect(d.sent).toEqual([]);
  });
});

describe('command page and remote revocation', () => {
  it('shows "waiting", then the door\'s acceptance with the visit linked, or its refusal in words; another site\'s command is 404', async () => {
    const d = await dash();
    await seeded(d);
    await d.addUser('hd', 'helpdesk');
    await d.addUser('hd-b', 'helpdesk', { sites: [B] });
    const c = await d.signedIn('hd');
    await d.store.recordCommand({ id: 'cmdAccept1', site: A, door: 'd1', counter: 1, action: 'preregister', issuedAt: Date.now() });
    const w = await c.get('/commands/cmdAccept1');
    expect(w.status).toBe(200);
    expect(w.text).toContain('Menunggu jawaban pintu');
    expect(w.text).toContain('hx-trigger="sse:command:cmdAccept1, every 5s"');
    expect(w.text).toMatch(/berlaku sampai \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} WIB \(\+07:00\)/);
    await d.store.recordReply('cmdAccept1', JSON.stringify({ v: 1, id: 'cmdAccept1', ok: true, action: 'preregister', visit: 'V-20261201-009', state: 'requested', at: '2026-12-01T03:00:00.000Z', sig: 'x' }), Date.now());
    const ok = await c.get('/commands/cmdAccept1/status');
    expect(ok.text).toContain('Diterima pintu 2026-12-01 10:00:00 WIB (+07:00): kunjungan V-20261201-009 berstatus &quot;Diajukan&quot;');
    expect(ok.text).toContain(`href="/visits/${A}/d1/V-20261201-009"`);
    expect(ok.text).not.toContain('hx-trigger');
    await d.store.recordCommand({ id: 'cmdRefuse1', site: A, door: 'd1', counter: 2, action: 'revoke', issuedAt: Date.now() });
    await d.store.recordReply('cmdRefuse1', JSON.stringify({ v: 1, id: 'cmdRefuse1', ok: false, action: 'revoke', error: 'officer O7 <b>is</b> not a head', at: '2026-12-01T03:00:00.000Z', sig: 'x' }), Date.now());
    const refused = await c.get('/commands/cmdRefuse1');
    expect(refused.text).toContain('Ditolak pintu 2026-12-01 10:00:00 WIB (+07:00): officer O7 &lt;b&gt;is&lt;/b&gt; not a head');
    await d.store.recordCommand({ id: 'cmdReject1', site: A, door: 'd1', counter: 3, action: 'revoke', issuedAt: Date.now() });
    await d.store.recordReply('cmdReject1', JSON.stringify({ v: 1, id: 'cmdReject1', ok: false, rejected: 'expired', at: '2026-12-01T03:00:00.000Z', sig: 'x' }), Date.now());
    expect((await c.get('/commands/cmdReject1')).text).toContain('perintah sudah kedaluwarsa saat tiba');
    const other = await d.signedIn('hd-b');
    expect((await other.get('/commands/cmdAccept1')).status).toBe(404);
    expect((await other.get('/commands/cmdAccept1/status')).status).toBe(404);
  });

  it('a head revokes from the visit page with a reason and a head of the door (offered from the door\'s events); helpdesk gets 403, another site 404', async () => {
    const d = await dash();
    await seeded(d);
    await d.addUser('kepala', 'head');
    await d.addUser('kepala-b', 'head', { sites: [B] });
    await d.addUser('hd', 'helpdesk');
    const hd = await d.signedIn('hd');
    const visitPage = await hd.get(`/visits/${A}/d1/V-20261201-001`);
    expect(visitPage.text).not.toContain('/revoke');
    expect((await hd.post(`/visits/${A}/d1/V-20261201-001/revoke`, { by: 'O1', reason: 'surat dibatalkan' })).status).toBe(403);
    const headB = await d.signedIn('kepala-b');
    expect((await headB.post(`/visits/${A}/d1/V-20261201-001/revoke`, { by: 'O1', reason: 'surat dibatalkan' })).status).toBe(404);
    expect(d.sent).toEqual([]);
    const head = await d.signedIn('kepala');
    const p = await head.get(`/visits/${A}/d1/V-20261201-001`);
    expect(p.text).toContain('Cabut izin dari jarak jauh');
    expect(p.text).toContain('<option value="O1"></option>');
    expect(p.text).toContain('name="by" value="O1"');
    const missing = await head.post(`/visits/${A}/d1/V-20261201-001/revoke`, { by: 'O1', reason: '  ' });
    expect(missing.status).toBe(422);
    expect(missing.text).toContain('id="err-reason"');
    expect(d.sent).toEqual([]);
    const r = await head.post(`/visits/${A}/d1/V-20261201-001/revoke`, { by: 'O1', reason: 'surat dibatalkan' });
    expect(r.status).toBe(303);
    expect(r.location).toMatch(/^\/commands\//);
    expect(d.sent).toEqual([{ site: A, door: 'd1', action: 'revoke', args: { visit: 'V-20261201-001', by: 'O1', reason: 'surat dibatalkan' } }]);
    const trail = await auditEntries(d.store.sql, { scope: null, action: 'visit.revoke_sent' });
    expect(trail[0]).toMatchObject({ actor: 'kepala', site: A, door: 'd1', detail: { visit: 'V-20261201-001', doorHead: 'O1' } });
  });
});
