/**
 * The console's desk flow over HTTP, through a real daemon, store and console (test/helpers/console.ts): the request
 * form keeps every value after a refusal and says why a NIK is wrong (as typed too), a KTP tapped on the desk reader
 * is linked by its one-time token, a special badge is issued by a tap (a badge not available is refused with the
 * reason), checkout with a missing device keeps the KTP until a head acknowledges (staff refused on the server), and
 * a request that never came is closed. No NIK or name reaches the log.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/adapters/log/pino.js';
import { CARDS, startConsoleDoor, type ConsoleClient, type ConsoleDoor } from '../helpers/console.js';
import { testNik } from '../helpers/config.js';
import { DEFAULT_RULES } from '../../src/domain/rules.js';

/** The token of the next desk-reader tap, as a browser on the page is told it (never the card's UID). */
async function tapToken(door: ConsoleDoor, client: ConsoleClient, uid: string): Promise<string> {
  const live = await client.live();
  try {
    await live.waitFor('hello');
    door.desk.tap(uid);
    const data = await live.waitFor('desk');
    const notice = JSON.parse(data) as { token: string; kind: string };
    expect(data).not.toContain(uid);
    return notice.token;
  } finally {
    live.close();
  }
}

/** The value of an input (by name) in a page, as the browser would send it back. */
function valueOf(html: string, name: string): string | undefined {
  return new RegExp(`name="${name}"[^>]*value="([^"]*)"`).exec(html)?.[1] ?? new RegExp(`value="([^"]*)"[^>]*name="${name}"`).exec(html)?.[1];
}

const visitOf = (door: ConsoleDoor, id: string) => door.store.visit(id)!;
/** A special badge free in the pool now (each test takes its own, so the tests do not depend on one another). */
const freeBadge = (door: ConsoleDoor, not: readonly string[] = []) => {
  const b = door.store.badges().find((x) => x.status === 'available' && !not.includes(x.uid));
  if (!b) throw new Error('no free badge left in the pool');
  return b;
};
const eventsOf = (door: ConsoleDoor, type: string) => door.store.events.since(0, 100_000).filter((e) => e.type === type);

describe('console desk flow', () => {
  let door: ConsoleDoor;
  let logDir: string;
  let logFile: string;

  /** Nothing personal the test typed or tapped is in the daemon's log. */
  const expectLogClean = (secrets: readonly string[]): void => {
    const log = readFileSync(logFile, 'utf8');
    expect(log).toContain('console listening');
    for (const secret of secrets) expect(log).not.toContain(secret);
  };

  beforeAll(async () => {
    logDir = mkdtempSync(join(tmpdir(), 'pintu-desk-log-'));
    logFile = join(logDir, 'log.jsonl');
    door = await startConsoleDoor({ log: createLogger('trace', logFile) });
    for (let i = 4; i <= 9; i += 1) door.visits.addBadge(`BB00001${i}`, `TAMU-0${i}`);
  });
  afterAll(async () => { await door?.close(); rmSync(logDir, { recursive: true, force: true }); });

  it('sends the request form back with every value and the NIK\'s reason after a refusal, and creates nothing', async () => {
    const staff = await door.signedIn('O3');
    const form = {
      name: '<script>alert(1)</script> Budi Santoso', nik: '9901011501900001', org: 'PT Contoh Jaya', phone: '0812-555-0101',
      purpose: 'Ganti disk server arsip', planned: '45', letterRef: 'ND-77/2026', kind: 'maintenance',
      orderedBy: 'Kabid TI', reference: 'DISP-12', date: '2026-11-30',
      dev_desc: ['Laptop Dell', 'HDD WD'], dev_serial: ['SN-LAP-1', 'WD-992'],
    };
    const before = door.store.visits({}).length;
    const r = await staff.post('/visits/new', form);
    expect(r.status).toBe(422);
    expect(door.store.visits({}).length).toBe(before);
    // Every value typed is back in the form.
    for (const [k, v] of Object.entries(form)) {
      if (k === 'name' || k === 'kind' || k === 'purpose') continue;
      for (const x of Array.isArray(v) ? v : [v]) expect(r.text).toContain(`value="${x}"`);
    }
    expect(r.text).toContain('value="&lt;script&gt;alert(1)&lt;/script&gt; Budi Santoso"');
    expect(r.text).not.toContain('<script>alert(1)</script>');
    expect(r.text).toContain('>Ganti disk server arsip</textarea>');
    expect(r.text).toMatch(/value="maintenance" checked/);
    // The reason, in Indonesian, next to the NIK, without repeating its digits.
    const reason = /<p id="nik-reason" class="field-error"[^>]*>([^<]*)<\/p>/.exec(r.text)?.[1];
    expect(reason).toBe('Angka ke-1–2 NIK (kode provinsi) bukan kode provinsi di Indonesia.');
    expect(r.text).toMatch(/id="nik"[^>]*aria-invalid="true"/);

    // Adding a device row (no JavaScript: a submit button) keeps everything and adds an empty row.
    const more = await staff.post('/visits/new', { ...form, _action: 'rows:add' });
    expect(more.status).toBe(200);
    expect(more.text.match(/name="dev_desc"/g)).toHaveLength(3);
    expect(more.text).toContain('value="WD-992"');
    expectLogClean([form.nik, 'Budi Santoso', form.phone]);
  });

  it('says why a NIK is wrong as it is typed, in the officer\'s language, and never repeats it', async () => {
    const staff = await door.signedIn('O3');
    let r = await staff.post('/visits/nik', { nik: '3201011' }, { 'hx-request': 'true' });
    expect(r.status).toBe(200);
    expect(r.text).toContain('Sudah 7 dari 16 angka.');
    r = await staff.post('/visits/nik', { nik: '3201011513900001' }, { 'hx-request': 'true' });
    expect(r.text).toContain('Angka ke-9–10 NIK (bulan lahir) harus 01–12.');
    expect(r.text).not.toContain('3201011513900001');
    r = await staff.post('/visits/nik', { nik: testNik(3) }, { 'hx-request': 'true' });
    expect(r.text).toContain('NIK sesuai aturan.');
    await staff.post('/lang', { lang: 'en', next: '/visits/new' });
    r = await staff.post('/visits/nik', { nik: '32010112059000011' }, { 'hx-request': 'true' });
    expect(r.text).toContain('A NIK is exactly 16 digits; 17 characters were entered.');
    const page = await staff.get('/visits/new');
    expect(page.text).toContain('New access request');
  });

  it('links the KTP tapped on the desk reader, and keeps the tap through a refusal', async () => {
    const staff = await door.signedIn('O3');
    const token = await tapToken(door, staff, CARDS.ktp);
    const form = { name: 'Dewi Lestari', nik: '3201011501900000', org: 'Dinas Kominfo', purpose: 'Audit rak', planned: '30', kind: 'visit', tap: token };
    // A typo (serial 0000) is refused; the KTP stays linked to the form under a fresh token.
    const r = await staff.post('/visits/new', form);
    expect(r.status).toBe(422);
    expect(r.text).toContain('KTP terbaca dan akan ditautkan ke kunjungan ini.');
    const again = valueOf(r.text, 'tap');
    expect(again).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    expect(r.text).not.toContain(CARDS.ktp);
    const ok = await staff.post('/visits/new', { ...form, nik: testNik(4), tap: again! });
    expect(ok.status).toBe(303);
    const id = /\/visits\/(V-\d{8}-\d+)$/.exec(ok.location ?? '')?.[1];
    expect(id).toBeDefined();
    const v = visitOf(door, id!);
    expect(v).toMatchObject({ state: 'requested', visitor: { name: 'Dewi Lestari', org: 'Dinas Kominfo' }, plannedMinutes: 30 });
    expect(v.ktpHash).toBe(door.console.context.ports.ktpHash(CARDS.ktp));
    // A token is used once.
    const reuse = await staff.post('/visits/new', { ...form, nik: testNik(5), tap: again! });
    expect(reuse.status).toBe(422);
    expect(reuse.text).toContain('Tempelan KTP sudah kedaluwarsa');
    expectLogClean([testNik(4), form.nik, 'Dewi Lestari', CARDS.ktp]);
  });

  it('issues the tapped free badge once the officer confirms, and refuses a badge in use with the reason', async () => {
    const staff = await door.signedIn('O3');
    const used = freeBadge(door);
    const busy = door.seedVisit({ issue: used.label });
    const id = door.seedVisit();
    // A badge in use is offered with the reason it cannot be issued, and the confirmation is refused.
    let token = await tapToken(door, staff, used.uid);
    let r = await staff.get(`/visits/${id}/issue/offer?tap=${token}`, { 'hx-request': 'true' });
    expect(r.text).toContain(`Kartu khusus ${used.label} tidak dapat diserahkan: sedang dipakai kunjungan lain.`);
    r = await staff.post(`/visits/${id}/issue`, { tap: token });
    expect(r.status).toBe(422);
    expect(r.text).toContain(`Kartu khusus ${used.label} tidak dapat diserahkan: sedang dipakai kunjungan lain.`);
    expect(visitOf(door, id).state).toBe('approved');
    expect(visitOf(door, busy).badgeUid).toBe(used.uid);
    // A free badge is offered, then issued on confirmation; the KTP is recorded as held.
    const free = freeBadge(door);
    token = await tapToken(door, staff, free.uid);
    r = await staff.get(`/visits/${id}/issue/offer?tap=${token}`, { 'hx-request': 'true' });
    expect(r.text).toContain(`Kartu khusus ${free.label} tersedia dan siap diserahkan.`);
    expect(visitOf(door, id).state).toBe('approved');
    r = await staff.post(`/visits/${id}/issue`, { tap: token, rules: DEFAULT_RULES.version });
    expect(r.status).toBe(303);
    expect(visitOf(door, id)).toMatchObject({ state: 'issued', badgeUid: free.uid, ktpHeld: true });
    const shown = await staff.get(r.location!);
    expect(shown.text).toContain(`Kartu khusus ${free.label} diserahkan; KTP disimpan di meja petugas.`);
  });

  it('keeps the KTP after a checkout with a missing device until a head acknowledges; staff cannot acknowledge', async () => {
    const staff = await door.signedIn('O3');
    const head = await door.signedIn('O1');
    const mine = freeBadge(door);
    const other = freeBadge(door, [mine.uid]);
    const id = door.seedVisit({ devices: [{ description: 'Laptop Dell', serial: 'SN-LAP-1' }, { description: 'HDD WD', serial: 'WD-992' }], issue: mine.label });
    let r = await staff.get(`/visits/${id}/checkout`);
    expect(r.status).toBe(200);
    expect(r.text).toMatch(/type="checkbox"[^>]*name="out" value="0"/);
    expect(r.text).toContain('SN-LAP-1');
    expect(r.text).toContain('WD-992');
    // "Tempelkan kartu yang dikembalikan": another badge is refused loudly, the visit's badge matches.
    let token = await tapToken(door, staff, other.uid);
    r = await staff.get(`/visits/${id}/checkout/badge?tap=${token}`, { 'hx-request': 'true' });
    expect(r.text).toContain(`Kartu ${other.label} BUKAN kartu kunjungan ini (seharusnya ${mine.label}).`);
    token = await tapToken(door, staff, mine.uid);
    r = await staff.get(`/visits/${id}/checkout/badge?tap=${token}`, { 'hx-request': 'true' });
    expect(r.text).toContain(`Kartu ${mine.label} cocok dengan kunjungan ini.`);
    // Only the laptop is ticked: the mismatch is shown loudly and asked again, with the ticks kept; nothing recorded yet.
    r = await staff.post(`/visits/${id}/checkout`, { out: ['0'], tap: token });
    expect(r.status).toBe(422);
    expect(r.text).toContain('PERANGKAT TIDAK SESUAI');
    expect(r.text).toMatch(/name="out" value="0" checked/);
    expect(r.text).not.toMatch(/name="out" value="1" checked/);
    expect(visitOf(door, id).state).toBe('issued');
    r = await staff.post(`/visits/${id}/checkout`, { out: ['0'], tap: valueOf(r.text, 'tap') ?? '', _confirm: 'mismatch' });
    expect(r.status).toBe(303);
    expect(r.location).toBe(`/visits/${id}/mismatch-ack`);
    expect(visitOf(door, id)).toMatchObject({ state: 'checked_out', ktpHeld: true, badgeUid: null });
    expect(door.store.badge(mine.uid)?.status).toBe('available');
    // Staff sees the wait, has no form, and is refused on the server.
    r = await staff.get(`/visits/${id}/mismatch-ack`);
    expect(r.text).toContain('Menunggu konfirmasi kepala bidang. KTP tetap disimpan di meja petugas.');
    expect(r.text).toContain('WD-992');
    expect(r.text).not.toContain(`action="/visits/${id}/mismatch-ack"`);
    r = await staff.post(`/visits/${id}/mismatch-ack`, { note: 'saya konfirmasi' });
    expect(r.status).toBe(403);
    expect(visitOf(door, id).ktpHeld).toBe(true);
    expect(eventsOf(door, 'visit.mismatch_acknowledged')).toHaveLength(0);
    // The head's form is on the same page; a note is required.
    r = await head.get(`/visits/${id}/mismatch-ack`);
    expect(r.text).toContain(`action="/visits/${id}/mismatch-ack"`);
    r = await head.post(`/visits/${id}/mismatch-ack`, { note: '  ' });
    expect(r.status).toBe(422);
    expect(visitOf(door, id).ktpHeld).toBe(true);
    r = await head.post(`/visits/${id}/mismatch-ack`, { note: 'HDD ditinggal untuk garansi, disetujui Kabid' });
    expect(r.status).toBe(303);
    expect(visitOf(door, id).ktpHeld).toBe(false);
    expect(eventsOf(door, 'visit.mismatch_acknowledged').map((e) => e.data)).toEqual([expect.objectContaining({ visit: id, officer: 'O1' })]);
  });

  it('closes a request that never came, and refuses to close one whose badge is out', async () => {
    const staff = await door.signedIn('O3');
    const id = door.seedVisit();
    let r = await staff.post(`/visits/${id}/cancel`, { note: 'tidak datang' });
    expect(r.status).toBe(422);
    expect(r.text).toContain('Pilih alasannya.');
    expect(r.text).toContain('>tidak datang</textarea>');
    r = await staff.post(`/visits/${id}/cancel`, { reason: 'no_show', note: 'tidak datang' });
    expect(r.status).toBe(303);
    expect(visitOf(door, id).state).toBe('cancelled');
    expect(eventsOf(door, 'visit.cancelled').map((e) => e.data)).toEqual([expect.objectContaining({ visit: id, officer: 'O3', reason: 'no_show' })]);
    const issued = door.seedVisit({ issue: freeBadge(door).label });
    r = await staff.post(`/visits/${issued}/cancel`, { reason: 'cancelled' });
    expect(r.status).toBe(422);
    expect(r.text).toContain(`Kunjungan ${issued} berstatus Kartu khusus diserahkan; tidak dapat menutup permohonan (hanya dari status: Diajukan, Diperiksa kelengkapannya, Disetujui).`);
    expect(visitOf(door, issued).state).toBe('issued');
  });
});
