/**
 * The watchlist page of heads on the officers' console (issue 14 item 8): a head adds a NIK (event watchlist.added),
 * sees it listed masked with its expiry in the site's zone, and removes it (watchlist.removed); a staff officer is
 * refused (403) for the page and every change and has no nav link; a bad NIK is refused with the field named and
 * nothing added; no page ever shows a full NIK.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsoleDoor, type ConsoleDoor } from '../helpers/console.js';
import { testNik } from '../helpers/config.js';
import { maskNik } from '../../src/domain/nik.js';

let door: ConsoleDoor;
beforeAll(async () => { door = await startConsoleDoor(); });
afterAll(async () => { await door?.close(); });

/** A local date (YYYY-MM-DD) `days` from now in the site's zone. */
const dayFromNow = (days: number): string =>
  new Intl.DateTimeFormat('en-CA', { timeZone: door.tc.config.visits.timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(Date.now() + days * 86_400_000);
const events = (type: string) => door.store.events.since(0, 100_000).filter((e) => e.type === type);
const entries = () => door.store.watchlist.list(null);

describe('the console watchlist page', () => {
  it('a head adds a NIK, sees it masked with its expiry, and removes it; no page shows the NIK', async () => {
    const nik = testNik(91);
    const head = await door.signedIn('O1');
    const door0 = await head.get('/door');
    expect(door0.text).toContain('href="/watchlist"');
    const empty = await head.get('/watchlist');
    expect(empty.status).toBe(200);
    expect(empty.text).toContain('Daftar pantauan');

    const added = await head.post('/watchlist/new', { nik, reason: 'dilarang masuk ruang server', until: dayFromNow(7) });
    expect(added.status).toBe(303);
    expect(added.location).toBe('/watchlist');
    const list = entries();
    expect(list).toHaveLength(1);
    const id = list[0]!.id;
    const ev = events('watchlist.added').find((e) => e.data.entry === id);
    expect(ev?.data).toMatchObject({ source: 'local', by: 'O1' });
    expect(JSON.stringify(ev)).not.toContain(nik);

    const shown = await head.get('/watchlist');
    expect(shown.text).toContain(maskNik(nik));
    expect(shown.text).toContain('dilarang masuk ruang server');
    expect(shown.text).toMatch(/WI[BT]A? \(UTC\+0[789]:00\)/);
    expect(shown.text).toContain(`action="/watchlist/${id}/remove"`);
    expect(shown.text).toContain(`Entri ${id} (${maskNik(nik)}) ditambahkan`);
    expect(shown.text).not.toContain(nik);

    const removed = await head.post(`/watchlist/${id}/remove`, {});
    expect(removed.status).toBe(303);
    expect(entries()).toHaveLength(0);
    expect(events('watchlist.removed').some((e) => e.data.entry === id && e.data.officer === 'O1')).toBe(true);
    const after = await head.get('/watchlist');
    expect(after.text).toContain('Tidak ada entri yang berlaku.');
    expect(after.text).not.toContain(nik);
  });

  it('refuses a bad NIK with the field named and adds nothing, never echoing the NIK', async () => {
    const head = await door.signedIn('O1');
    await head.get('/watchlist');
    const before = entries().length;
    const addedBefore = events('watchlist.added').length;
    const typed = '32010112345';
    const r = await head.post('/watchlist/new', { nik: typed, reason: 'uji', until: dayFromNow(3) });
    expect(r.status).toBe(422);
    expect(r.text).toMatch(/<input id="nik"[^>]*aria-invalid="true"/);
    expect(r.text).toMatch(/<p id="nik-reason" class="field-error"/);
    expect(r.text).toContain('Periksa isian yang ditandai.');
    expect(r.text).not.toContain(typed);
    expect(entries().length).toBe(before);
    expect(events('watchlist.added').length).toBe(addedBefore);
    const past = await head.post('/watchlist/new', { nik: testNik(92), reason: 'uji', until: dayFromNow(-2) });
    expect(past.status).toBe(422);
    expect(past.text).toMatch(/<input id="until"[^>]*aria-invalid="true"/);
    expect(past.text).not.toContain(testNik(92));
    expect(entries().length).toBe(before);
  });

  it('a staff officer is refused the page and every change (403) and has no nav link', async () => {
    const head = await door.signedIn('O1');
    await head.get('/watchlist');
    await head.post('/watchlist/new', { nik: testNik(93), reason: 'tetap', until: dayFromNow(5) });
    const id = entries()[0]!.id;
    const staff = await door.signedIn('O3');
    const home = await staff.get('/door');
    expect(home.text).not.toContain('href="/watchlist"');
    const page = await staff.get('/watchlist');
    expect(page.status).toBe(403);
    expect(page.text).toContain('tidak berwenang untuk tindakan ini');
    expect((await staff.post('/watchlist/new', { nik: testNik(94), reason: 'x', until: dayFromNow(5) })).status).toBe(403);
    expect((await staff.post(`/watchlist/${id}/remove`, {})).status).toBe(403);
    expect(entries().map((e) => e.id)).toEqual([id]);
  });
});
