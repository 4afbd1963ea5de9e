/**
 * Issue 14: free text that goes into the event log (kept for ever, sent to the centre) refused through the console when
 * it holds a visitor's personal data: the request's purpose with a phone number, a denial's reason with the visit's
 * own NIK, a cancel note with the visitor's name. Each refusal is in the officers' words (catalogue), names no digit and
 * no name, keeps what was typed, and changes nothing (no visit, no event); the forms carry the hint.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsoleDoor, type ConsoleDoor } from '../helpers/console.js';
import { testNik } from '../helpers/config.js';

let door: ConsoleDoor;
beforeAll(async () => { door = await startConsoleDoor(); });
afterAll(async () => { await door?.close(); });

const HINT = 'Jangan tulis nama, NIK, atau nomor telepon pengunjung di sini';
const eventCount = (): number => door.store.events.since(0, 100_000).length;

describe('console: no personal data in free text that goes into events', () => {
  it('a purpose holding a phone number is refused at the request: no visit, no event, the number not echoed', async () => {
    const staff = await door.signedIn('O3');
    const page = await staff.get('/visits/new');
    expect(page.text).toContain(HINT);
    const before = { events: eventCount() }; // a request recorded would append visit.requested in the same transaction
    const r = await staff.post('/visits/new', {
      name: 'Rina Kartika', nik: testNik(901), org: 'PT Contoh', phone: '', purpose: 'Ganti disk, hubungi 0812-3456-7890', planned: '30', letterRef: '', kind: 'visit',
    });
    expect(r.status).toBe(422);
    expect(r.text).toContain('Tidak boleh berisi nomor telepon: data pribadi tidak boleh masuk log kejadian');
    expect(r.text).toContain('Ganti disk, hubungi 0812-3456-7890'); // what was typed is kept in the form
    expect(r.text.split('0812-3456-7890').length).toBe(2); // …and shown only there, not in the message
    expect(eventCount()).toBe(before.events);
    expect(door.store.events.since(0, 100_000).some((e) => e.type === 'visit.requested' && JSON.stringify(e.data).includes('0812'))).toBe(false);
  });

  it('a denial whose reason holds the visit\'s own NIK is refused: the visit stays checked, no event', async () => {
    const nik = testNik(902);
    const id = door.visits.request({ name: 'Andi Pratama', nik, org: 'PT Contoh', purpose: 'Ganti UPS', by: 'O3' }).id;
    door.visits.check(id, 'O2');
    const head = await door.signedIn('O1');
    expect((await head.get(`/visits/${id}/approve`)).text).toContain(HINT);
    const before = eventCount();
    const r = await head.post(`/visits/${id}/deny`, { reason: `KTP ${nik} tidak cocok` });
    expect(r.status).toBe(422);
    expect(r.text).toContain('Tidak boleh berisi NIK (16 angka)');
    expect(door.store.visit(id)!.state).toBe('checked');
    expect(eventCount()).toBe(before);
  });

  it('a cancel note naming the visitor is refused; the same note without the name closes the request', async () => {
    const id = door.visits.request({ name: 'Yohanes Setiawan', nik: testNik(903), org: 'PT Contoh', purpose: 'Audit rak 2', by: 'O3' }).id;
    const staff = await door.signedIn('O3');
    expect((await staff.get(`/visits/${id}/cancel`)).text).toContain(HINT);
    const before = eventCount();
    const refused = await staff.post(`/visits/${id}/cancel`, { reason: 'no_show', note: 'Pak Yohanes tidak datang' });
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('Tidak boleh berisi nama pengunjung');
    expect(door.store.visit(id)!.state).toBe('requested');
    expect(eventCount()).toBe(before);
    const ok = await staff.post(`/visits/${id}/cancel`, { reason: 'no_show', note: 'Pengunjung tidak datang sampai 16.00' });
    expect(ok.status).toBe(303);
    expect(door.store.visit(id)!.state).toBe('cancelled');
  });
});
