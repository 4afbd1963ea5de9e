/**
 * The head's decisions and the visit records through the console over HTTP, with the real daemon, store and services
 * (test/helpers/console.ts), the site in WITA (Asia/Makassar): roles enforced on the server (staff cannot approve,
 * nothing changes), an approval's validity typed in site time stored as that instant, refusals keeping what was typed,
 * the queue updating live, the list's filters and pages, the NIK masked everywhere, and a hostile name shown as text.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDate } from '../../src/domain/time.js';
import { CARDS, startConsoleDoor, type ConsoleDoor } from '../helpers/console.js';
import { testNik } from '../helpers/config.js';

const TZ = 'Asia/Makassar';
let door: ConsoleDoor;
let nikSerial = 500;

/** A local day in the site's zone, `days` from today, as YYYY-MM-DD. */
function siteDay(days: number): string {
  const d = localDate(Date.now() + days * 86_400_000, TZ);
  return `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6)}`;
}

/** A request recorded by staff (O3) with its own NIK; returns its id and the NIK. */
function request(name: string, org = 'PT Contoh'): { id: string; nik: string } {
  nikSerial += 1;
  const nik = testNik(nikSerial);
  return { id: door.visits.request({ name, nik, org, purpose: 'Ganti UPS', by: 'O3' }).id, nik };
}

/** Rows of the visit list on a page. */
const rows = (html: string): number => (html.match(/<tr><td><a href="\/visits\/V-/g) ?? []).length;

beforeAll(async () => {
  door = await startConsoleDoor({ configOverrides: { visits: { timeZone: TZ } } });
});
afterAll(async () => {
  await door?.close();
});

describe('console: decisions', () => {
  it('staff cannot approve or deny: 403 from the server and the visit unchanged', async () => {
    const { id } = request('Staf Tidak Boleh');
    door.visits.check(id, 'O2');
    const staff = await door.signedIn('O3');
    expect((await staff.get(`/visits/${id}/approve`)).status).toBe(403);
    const approve = await staff.post(`/visits/${id}/approve`, { untilDate: siteDay(1), untilTime: '10:00' });
    expect(approve.status).toBe(403);
    const deny = await staff.post(`/visits/${id}/deny`, { reason: 'coba' });
    expect(deny.status).toBe(403);
    const coordinator = await door.signedIn('O2');
    expect((await coordinator.post(`/visits/${id}/approve`, { untilDate: siteDay(1), untilTime: '10:00' })).status).toBe(403);
    const v = door.store.visit(id)!;
    expect(v.state).toBe('checked');
    expect(v.validUntil).toBeNull();
    expect(door.store.events.since(0, 100_000).some((e) => e.type === 'visit.approved' && (e.data as { visit: string }).visit === id)).toBe(false);
  });

  it('a head approves with a validity typed in site time (WITA): the stored validUntil is that instant', async () => {
    const { id } = request('Dua Hari');
    door.visits.check(id, 'O2');
    const head = await door.signedIn('O1');
    const form = await head.get(`/visits/${id}/approve`);
    expect(form.status).toBe(200);
    expect(form.text).toContain('WITA (UTC+08:00)');
    expect(form.text).toMatch(/type="date" id="untilDate" name="untilDate" value="\d{4}-\d{2}-\d{2}"/);
    expect(form.text).toContain('value="23:59"'); // visits.defaultValidity: end of the local day
    // Two hours from now, as a head in WITA reads it (within what an approval may last while the test machine's clock
    // is not NTP-synchronised: the app then limits approvals to a few hours).
    const at = Math.floor((Date.now() + 2 * 3_600_000) / 60_000) * 60_000;
    const wall = new Date(at + 8 * 3_600_000).toISOString();
    const [date, time] = [wall.slice(0, 10), wall.slice(11, 16)];
    const r = await head.post(`/visits/${id}/approve`, { untilDate: date, untilTime: time });
    expect(r.status).toBe(303);
    expect(r.location).toBe('/queue');
    const v = door.store.visit(id)!;
    expect(v.state).toBe('approved');
    expect(v.validUntil).toBe(at);
    expect(v.validUntil).toBe(Date.parse(`${date}T${time}:00+08:00`));
    expect(v.by.decided).toBe('O1');
    const queue = await head.get('/queue');
    expect(queue.text).toContain(`${date} ${time}:00 WITA (+08:00)`); // the notice, in site time
  });

  it('a refused approval or denial keeps what was typed, and a denial needs a reason', async () => {
    const { id } = request('Salah Ketik');
    door.visits.check(id, 'O2');
    const head = await door.signedIn('O1');
    const impossible = await head.post(`/visits/${id}/approve`, { untilDate: '2030-02-30', untilTime: '16:45' });
    expect(impossible.status).toBe(422);
    expect(impossible.text).toContain('value="2030-02-30"');
    expect(impossible.text).toContain('value="16:45"');
    expect(impossible.text).toContain('aria-invalid="true"');
    const past = await head.post(`/visits/${id}/approve`, { untilDate: siteDay(-1), untilTime: '08:00' });
    expect(past.status).toBe(422);
    expect(past.text).toContain(`value="${siteDay(-1)}"`);
    const empty = await head.post(`/visits/${id}/deny`, { reason: '  ' });
    expect(empty.status).toBe(422);
    expect(empty.text).toContain('id="err-reason"');
    const long = `Surat permohonan tidak ada ${'x'.repeat(480)}`;
    const tooLong = await head.post(`/visits/${id}/deny`, { reason: long });
    expect(tooLong.status).toBe(422);
    expect(tooLong.text).toContain(`>${long}</textarea>`);
    expect(door.store.visit(id)!.state).toBe('checked');
    const ok = await head.post(`/visits/${id}/deny`, { reason: 'Surat permohonan tidak ada' });
    expect(ok.status).toBe(303);
    expect(door.store.visit(id)!).toMatchObject({ state: 'denied', denyReason: 'Surat permohonan tidak ada' });
  });

  it('a new request appears live in the queue of a head, and a check by staff moves it on', async () => {
    const head = await door.signedIn('O1');
    const live = await head.live();
    try {
      await live.waitFor('hello');
      const { id } = request('Datang Langsung');
      const pane = await live.waitFor('queue', (d) => d.includes(id));
      expect(pane).toContain('Datang Langsung');
      const staff = await door.signedIn('O3');
      expect((await staff.get('/queue')).text).toContain(`action="/visits/${id}/check"`);
      const checked = await staff.post(`/visits/${id}/check`, { next: '/queue' });
      expect(checked.status).toBe(303);
      expect(checked.location).toBe('/queue');
      expect(door.store.visit(id)!.state).toBe('checked');
      await live.waitFor('queue', (d) => d.includes(`href="/visits/${id}/approve"`) && d.includes('Menunggu keputusan kepala bidang'));
    } finally {
      live.close();
    }
  });
});

describe('console: records', () => {
  it('revoke needs a reason; report keeps its note; archive; badge lost blocks the badge', async () => {
    const id = door.seedVisit({ name: 'Rekam Jejak', issue: 'TAMU-02' });
    const staff = await door.signedIn('O3');
    const detail = await staff.get(`/visits/${id}`);
    expect(detail.text).toContain(`href="/visits/${id}/checkout"`);
    expect(detail.text).toContain(`href="/visits/${id}/badge-lost"`);
    expect(detail.text).not.toContain(`href="/visits/${id}/revoke"`);
    expect((await staff.post(`/visits/${id}/revoke`, { reason: 'x' })).status).toBe(403);
    expect((await staff.post(`/visits/${id}/badge-lost`, {})).status).toBe(303);
    expect(door.store.badge(CARDS.badge2)!.status).toBe('lost');
    const head = await door.signedIn('O1');
    const noReason = await head.post(`/visits/${id}/revoke`, { reason: '' });
    expect(noReason.status).toBe(422);
    expect((await head.post(`/visits/${id}/revoke`, { reason: 'Tidak didampingi' })).status).toBe(303);
    expect(door.store.visit(id)!).toMatchObject({ state: 'revoked', revokeReason: 'Tidak didampingi' });
    door.visits.checkout(id, 'O3', []);
    const coordinator = await door.signedIn('O2');
    expect((await coordinator.post(`/visits/${id}/report`, { note: 'Selesai,\r\nUPS diganti' })).status).toBe(303);
    const reported = door.store.events.since(0, 100_000).find((e) => e.type === 'visit.reported' && (e.data as { visit: string }).visit === id);
    expect((reported!.data as { note?: string }).note).toBe('Selesai, UPS diganti');
    expect((await staff.post(`/visits/${id}/archive`, {})).status).toBe(303);
    expect(door.store.visit(id)!.state).toBe('archived');
  });

  it('a device mismatch at checkout: the head is offered the acknowledgement, nobody the archive while the KTP is held', async () => {
    const id = door.seedVisit({ name: 'Laptop Tertinggal', devices: [{ description: 'Laptop', serial: 'SN-LT-1' }], issue: 'TAMU-03' });
    door.visits.checkout(id, 'O3', []);
    const head = await door.signedIn('O1');
    const forHead = await head.get(`/visits/${id}`);
    expect(forHead.text).toContain(`href="/visits/${id}/mismatch-ack"`);
    expect(forHead.text).toContain('KTP tetap disimpan di meja petugas');
    expect(forHead.text).not.toContain(`href="/visits/${id}/archive"`);
    const staff = await door.signedIn('O3');
    const forStaff = await staff.get(`/visits/${id}`);
    expect(forStaff.text).not.toContain(`href="/visits/${id}/mismatch-ack"`);
    expect(forStaff.text).not.toContain(`href="/visits/${id}/archive"`);
    const refused = await staff.post(`/visits/${id}/archive`, {});
    expect(refused.status).toBe(422);
    expect(door.store.visit(id)!.state).toBe('checked_out');
  });

  it('the list searches by name, institution, day and state, in keyset pages, the NIK masked', async () => {
    const made = Array.from({ length: 52 }, (_, i) => request(`Halaman ${i}`, i % 2 ? 'Dinas Arsip Daerah' : 'PT Halaman'));
    const special = request('Yohana Cari', 'Bank Nusantara');
    door.visits.deny(special.id, 'O1', 'Tidak ada surat');
    const staff = await door.signedIn('O3');
    const first = await staff.get('/visits?name=halaman');
    expect(rows(first.text)).toBe(50);
    expect(first.text).toContain(made[51]!.id); // newest first
    const next = /href="(\/visits\?[^"]*before=V-[0-9-]+)"/.exec(first.text)![1]!.replace(/&amp;/g, '&');
    const second = await staff.get(next);
    expect(rows(second.text)).toBe(2);
    expect(second.text).toContain(made[0]!.id);
    expect(rows((await staff.get('/visits?org=arsip+daerah')).text)).toBe(26);
    const denied = await staff.get('/visits?state=denied&name=yohana');
    expect(rows(denied.text)).toBe(1);
    expect(denied.text).toContain(special.id);
    expect(rows((await staff.get(`/visits?day=${siteDay(0)}&name=yohana`)).text)).toBe(1);
    expect(rows((await staff.get(`/visits?day=${siteDay(-3)}&name=yohana`)).text)).toBe(0);
    expect((await staff.get('/visits?day=2026-13-01')).status).toBe(422);
    for (const v of [...made, special]) expect(first.text + second.text + denied.text).not.toContain(v.nik);
    expect(denied.text).toContain(`${special.nik.slice(0, 6)}******${special.nik.slice(12)}`);
  });

  it('the detail shows the NIK masked (never whole), the timeline in WITA, and each step against its standard', async () => {
    const { id, nik } = request('Rinci Detail');
    door.visits.check(id, 'O2');
    door.visits.approve(id, 'O1');
    const coordinator = await door.signedIn('O2');
    const page = await coordinator.get(`/visits/${id}`);
    expect(page.status).toBe(200);
    expect(page.text).not.toContain(nik);
    expect(page.text).toContain(`${nik.slice(0, 6)}******${nik.slice(12)}`);
    expect(page.text).toMatch(/<time datetime="[^"]+">\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} WITA \(\+08:00\)<\/time>/);
    expect(page.text).toContain('2. Periksa kelengkapan');
    expect(page.text).toContain('Sesuai mutu baku');
    expect(page.text).toContain(`href="/visits/${id}/cancel"`);
    expect((await coordinator.get('/visits/V-20000101-999')).status).toBe(404);
  });

  it('a visitor named <script>alert(1)</script> is shown as text in the list, the queue and the detail', async () => {
    const { id } = request('<script>alert(1)</script>', '<img src=x onerror=alert(2)>');
    const head = await door.signedIn('O1');
    for (const path of ['/visits?name=script', '/queue', `/visits/${id}`, `/visits/${id}/approve`]) {
      const page = await head.get(path);
      expect(page.status, path).toBe(200);
      expect(page.text, path).not.toContain('<script>alert(1)</script>');
      expect(page.text, path).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(page.text, path).not.toContain('<img src=x');
    }
  });
});
