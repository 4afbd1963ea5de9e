/**
 * The console's officer, badge, account, incident-book and maintenance-checklist screens of a real door (daemon,
 * store, write queue, sim door and desk readers; test/helpers/console.ts): staff and coordinators are refused every
 * officer and badge change on the server (and nothing changes); a head's changes are events naming the head; a badge
 * tapped on the desk reader reaches the form as a one-time token; deactivation ends the officer's session at once; the
 * last head stays a head; a PIN change needs the current PIN and no PIN is ever echoed into a page or the log;
 * incidents are written, listed and printed; the SOP 002 checklist is recorded with its Indonesian conditions.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/adapters/log/pino.js';
import { testNik } from '../helpers/config.js';
import { CARDS, PINS, startConsoleDoor, type ConsoleDoor, type ConsoleClient } from '../helpers/console.js';

let door: ConsoleDoor | null = null;
let logDir: string | null = null;
afterEach(async () => {
  await door?.close();
  door = null;
  if (logDir) rmSync(logDir, { recursive: true, force: true });
  logDir = null;
});

/** A door whose log (debug level) is kept in a file, to show no PIN reaches it. */
async function loggedDoor(): Promise<{ d: ConsoleDoor; log: () => string }> {
  logDir = mkdtempSync(join(tmpdir(), 'pintu-s3-log-'));
  const file = join(logDir, 'log.jsonl');
  door = await startConsoleDoor({ log: createLogger('debug', file) });
  return { d: door, log: () => readFileSync(file, 'utf8') };
}

/** The events written after `seq`, as type and data (without the clock guard's `clockSynced` stamp). */
function eventsAfter(d: ConsoleDoor, seq: number): Array<{ type: string; data: Record<string, unknown> }> {
  return d.store.events.since(seq).map((e) => {
    const { clockSynced: _stamp, ...data } = e.data as Record<string, unknown>;
    return { type: e.type, data };
  });
}

/** A card tapped on the desk reader, as the page's live stream tells the browser: its one-time token. */
async function deskTap(d: ConsoleDoor, c: ConsoleClient, uid: string): Promise<{ token: string; kind: string }> {
  const live = await c.live();
  try {
    d.desk.tap(uid);
    return JSON.parse(await live.waitFor('desk')) as { token: string; kind: string };
  } finally {
    live.close();
  }
}

/** A maintenance visit with its disposition, up to the badge issued (TAMU-01). */
function maintenanceVisitIssued(d: ConsoleDoor): string {
  const v = d.visits.request({
    name: 'Teknisi UPS', nik: testNik(40), org: 'PT Daya', purpose: 'pemeliharaan UPS', by: 'O3', kind: 'maintenance',
    disposition: { orderedBy: 'Kabag Umum', reference: 'ND-12/2026', date: '2026-11-30' },
  });
  d.visits.check(v.id, 'O2');
  d.visits.approve(v.id, 'O1');
  d.visits.issue(v.id, CARDS.badge1, 'O3', { rulesAcknowledged: true });
  return v.id;
}

describe('console officers and badges', () => {
  it('staff and coordinators are refused every officer and badge change (403) and nothing changes', async () => {
    door = await startConsoleDoor();
    const d = door;
    const lost = d.seedVisit({ issue: CARDS.badge2 });
    d.visits.badgeLost(lost, 'O3');
    for (const who of ['O3', 'O2'] as const) {
      const c = await d.signedIn(who);
      expect((await c.get('/officers')).status).toBe(403);
      expect((await c.get('/officers/new')).status).toBe(403);
      expect((await c.get('/officers/badges/new')).status).toBe(403);
      const officers = JSON.stringify(d.store.officers());
      const badges = JSON.stringify(d.store.badges());
      const seq = d.store.events.lastSeq();
      const changes: Array<[string, Record<string, string>]> = [
        ['/officers/new', { name: 'Penyusup', role: 'head', uid: 'CC000001' }],
        ['/officers/O3/role', { role: 'head' }],
        ['/officers/O2/role', { role: 'head' }],
        ['/officers/O1/active', { active: '0' }],
        ['/officers/O1/pin', { pin: '902718', pin2: '902718' }],
        ['/officers/badges/new', { label: 'TAMU-99', uid: 'CC000002' }],
        [`/officers/badges/${CARDS.badge3}/retire`, {}],
        [`/officers/badges/${CARDS.badge2}/found`, {}],
      ];
      for (const [path, form] of changes) expect((await c.post(path, form)).status, `${who} POST ${path}`).toBe(403);
      expect(JSON.stringify(d.store.officers())).toBe(officers);
      expect(JSON.stringify(d.store.badges())).toBe(badges);
      expect(eventsAfter(d, seq)).toEqual([]);
    }
    const head = await d.signedIn('O1');
    expect(head.csrf).not.toBe('');
    expect((await head.get('/officers')).status).toBe(200);
    expect(d.officers.hasPin('O1')).toBe(true);
  });

  it('a head adds an officer by a badge tapped on the desk reader: the event names the head; a taken card keeps the form', async () => {
    door = await startConsoleDoor();
    const d = door;
    const head = await d.signedIn('O1');
    await head.get('/officers/new');
    const tap = await deskTap(d, head, 'CC00000A');
    expect(tap.kind).toBe('card');
    const seq = d.store.events.lastSeq();
    const r = await head.post('/officers/new', { name: 'Nina Baru', role: 'coordinator', tap: tap.token });
    expect(r.status).toBe(303);
    const added = d.store.officers().find((o) => o.name === 'Nina Baru')!;
    expect(added).toMatchObject({ role: 'coordinator', badgeUid: 'CC00000A', active: true });
    expect(r.location).toBe(`/officers/${added.id}`);
    expect(eventsAfter(d, seq)).toEqual([{ type: 'officer.added', data: { officer: added.id, role: 'coordinator', badge: 'CC00000A', by: 'O1' } }]);
    // The same card typed (any case and separators) is already Nina's: refused, the form kept.
    const again = await head.post('/officers/new', { name: 'Dua Kali', role: 'staff', uid: 'cc:00:00:0a' });
    expect(again.status).toBe(422);
    expect(again.text).toContain('Nina Baru');
    expect(again.text).toContain('value="Dua Kali"');
    const long = await head.post('/officers/new', { name: 'N'.repeat(101), role: 'staff', uid: 'CC00000B' });
    expect(long.status).toBe(422);
    expect(long.text).toContain('paling banyak 100 karakter');
    expect(d.store.officerByBadge('CC00000B')).toBeNull();
  });

  it('deactivating an officer ends their session at once; the event names the head', async () => {
    door = await startConsoleDoor();
    const d = door;
    const staff = await d.signedIn('O3');
    expect((await staff.get('/account')).status).toBe(200);
    const head = await d.signedIn('O1');
    await head.get('/officers/O3');
    const seq = d.store.events.lastSeq();
    expect((await head.post('/officers/O3/active', { active: '0' })).status).toBe(303);
    expect(d.store.officer('O3')!.active).toBe(false);
    expect(eventsAfter(d, seq)).toEqual([{ type: 'officer.deactivated', data: { officer: 'O3', by: 'O1' } }]);
    const after = await staff.get('/account');
    expect(after.status).toBe(303);
    expect(after.location).toMatch(/^\/signin/);
    const c = d.client();
    await c.get('/signin');
    expect((await c.post('/signin', { officer: 'O3', pin: PINS.O3 })).status).toBe(401);
  });

  it('the last active head can be neither demoted nor deactivated; with a second head the first may step down', async () => {
    door = await startConsoleDoor();
    const d = door;
    const head = await d.signedIn('O1');
    await head.get('/officers/O1');
    const seq = d.store.events.lastSeq();
    const demote = await head.post('/officers/O1/role', { role: 'staff' });
    expect(demote.status).toBe(422);
    expect(demote.text).toContain('satu-satunya kepala bidang');
    expect((await head.post('/officers/O1/active', { active: '0' })).status).toBe(422);
    expect(d.store.officer('O1')).toMatchObject({ role: 'head', active: true });
    expect(eventsAfter(d, seq)).toEqual([]);
    expect((await head.post('/officers/O2/role', { role: 'head' })).status).toBe(303);
    expect((await head.post('/officers/O1/role', { role: 'coordinator' })).status).toBe(303);
    expect(eventsAfter(d, seq)).toEqual([
      { type: 'officer.role_changed', data: { officer: 'O2', role: 'head', by: 'O1' } },
      { type: 'officer.role_changed', data: { officer: 'O1', role: 'coordinator', by: 'O1' } },
    ]);
    // The role applies at once: the former head no longer manages officers.
    expect((await head.get('/officers')).status).toBe(403);
  });

  it('a head resets a PIN: never echoed nor logged, the officer signed out, the new PIN works', async () => {
    const { d, log } = await loggedDoor();
    const staff = await d.signedIn('O3');
    const head = await d.signedIn('O1');
    await head.get('/officers/O3');
    const weak = await head.post('/officers/O3/pin', { pin: '111111', pin2: '111111' });
    expect(weak.status).toBe(422);
    const differ = await head.post('/officers/O3/pin', { pin: '902718', pin2: '902719' });
    expect(differ.status).toBe(422);
    const seq = d.store.events.lastSeq();
    expect((await head.post('/officers/O3/pin', { pin: '902718', pin2: '902718' })).status).toBe(303);
    expect(eventsAfter(d, seq)).toEqual([{ type: 'officer.pin_set', data: { officer: 'O3', by: 'O1' } }]);
    expect((await staff.get('/account')).status).toBe(303);
    const fresh = d.client();
    await fresh.signIn('O3', '902718');
    for (const text of [weak.text, differ.text, log()]) {
      for (const pin of ['902718', '902719', '111111', PINS.O3]) expect(text).not.toContain(pin);
    }
  });

  it('a head adds a badge by a desk tap, retires one, and puts a found lost badge back in the pool', async () => {
    door = await startConsoleDoor();
    const d = door;
    const lost = d.seedVisit({ issue: CARDS.badge2 });
    d.visits.badgeLost(lost, 'O3');
    const head = await d.signedIn('O1');
    await head.get('/officers/badges/new');
    const tap = await deskTap(d, head, 'DD000001');
    expect((await head.post('/officers/badges/new', { label: 'TAMU-04', tap: tap.token })).status).toBe(303);
    expect(d.store.badge('DD000001')).toMatchObject({ label: 'TAMU-04', status: 'available' });
    const added = d.store.events.since(0).filter((e) => e.type === 'badge.added').pop()!;
    expect(added.data).toMatchObject({ badge: 'DD000001', label: 'TAMU-04', by: 'O1' });
    const taken = await head.post('/officers/badges/new', { label: 'TAMU-01', uid: 'DD000002' });
    expect(taken.status).toBe(422);
    expect(taken.text).toContain('value="DD000002"');
    const seq = d.store.events.lastSeq();
    expect((await head.post('/officers/badges/DD000001/retire', {})).status).toBe(303);
    expect(d.store.badge('DD000001')!.status).toBe('retired');
    expect((await head.post(`/officers/badges/${CARDS.badge2}/found`, {})).status).toBe(303);
    expect(d.store.badge(CARDS.badge2)!.status).toBe('available');
    expect(eventsAfter(d, seq)).toEqual([
      { type: 'badge.retired', data: { badge: 'DD000001', label: 'TAMU-04', officer: 'O1' } },
      { type: 'badge.found', data: { badge: CARDS.badge2, label: 'TAMU-02', officer: 'O1' } },
    ]);
    const page = (await head.get('/officers')).text;
    expect(page).toContain('TAMU-04');
    expect(page).toContain('Ditarik');
  });
});

describe('console account, incident book and maintenance checklist', () => {
  it('changing one\'s own PIN needs the current PIN; a wrong one is counted and nothing changes', async () => {
    const { d, log } = await loggedDoor();
    const staff = await d.signedIn('O3');
    await staff.get('/account');
    const seq = d.store.events.lastSeq();
    const wrong = await staff.post('/account', { current: '518302', pin: '864209', pin2: '864209' });
    expect(wrong.status).toBe(422);
    expect(wrong.text).toContain('Sisa percobaan sebelum kartu dikunci: 4');
    expect(eventsAfter(d, seq)).toEqual([]);
    const ok = await staff.post('/account', { current: PINS.O3, pin: '864209', pin2: '864209' });
    expect(ok.status).toBe(303);
    expect(eventsAfter(d, seq)).toEqual([{ type: 'officer.pin_set', data: { officer: 'O3', by: 'O3' } }]);
    const page = await staff.get('/account');
    expect(page.text).toContain('PIN Anda telah diubah');
    const fresh = d.client();
    await fresh.get('/signin');
    expect((await fresh.post('/signin', { officer: 'O3', pin: PINS.O3 })).status).toBe(401);
    await fresh.signIn('O3', '864209');
    for (const text of [wrong.text, page.text, log()]) {
      for (const pin of ['864209', '518302', PINS.O3]) expect(text).not.toContain(pin);
    }
  });

  it('an incident is written about a visit by the signed-in officer, listed, and printed', async () => {
    door = await startConsoleDoor();
    const d = door;
    const id = d.seedVisit();
    const staff = await d.signedIn('O3');
    expect((await staff.get(`/incidents?visit=${id}`)).text).toContain(`value="${id}"`);
    const seq = d.store.events.lastSeq();
    const r = await staff.post('/incidents', { note: 'Kabel patch\r\nterlepas saat <b>kunjungan</b>', visit: id.toLowerCase() });
    expect(r.status).toBe(303);
    const [entry] = d.store.incidents(1);
    expect(entry).toMatchObject({ officerId: 'O3', visitId: id, note: 'Kabel patch terlepas saat <b>kunjungan</b>' });
    expect(eventsAfter(d, seq)).toEqual([{ type: 'incident.recorded', data: { incident: entry!.id, officer: 'O3', visit: id } }]);
    const list = (await staff.get('/incidents')).text;
    expect(list).toContain('Kabel patch terlepas saat &lt;b&gt;kunjungan&lt;/b&gt;');
    expect(list).toContain('Citra Staf');
    expect(list).toMatch(/\d\d:\d\d:\d\d WIB/);
    const print = (await staff.get('/incidents/print')).text;
    expect(print).toContain('print-list');
    expect(print).toContain('Kabel patch');
    const bad = await staff.post('/incidents', { note: 'Catatan kedua', visit: 'V-20000101-999' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('Catatan kedua');
    expect(d.store.incidents(10)).toHaveLength(1);
  });

  it('the SOP 002 checklist of a maintenance visit is recorded with its Indonesian conditions', async () => {
    door = await startConsoleDoor();
    const d = door;
    const id = maintenanceVisitIssued(d);
    const staff = await d.signedIn('O3');
    const form = (await staff.get(`/visits/${id}/checklist`)).text;
    for (const word of ['Baik', 'Menurun', 'Rusak', 'Kabag Umum']) expect(form).toContain(word);
    const missing = await staff.post(`/visits/${id}/checklist`, {
      item: ['UPS dan baterai', 'Switch inti'], status: ['degraded', ''], note: ['baterai 62%', ''],
    });
    expect(missing.status).toBe(422);
    expect(missing.text).toContain('value="baterai 62%"');
    expect(d.store.visit(id)!.checklist ?? []).toEqual([]);
    const r = await staff.post(`/visits/${id}/checklist`, {
      item: ['UPS dan baterai', 'Switch inti', 'Pendingin ruangan (AC)', ''], status: ['degraded', 'failed', 'ok', ''], note: ['baterai 62%', '', '21 °C', ''],
    });
    expect(r.status).toBe(303);
    expect(d.store.visit(id)!.checklist).toEqual([
      { item: 'UPS dan baterai', status: 'degraded', note: 'baterai 62%' },
      { item: 'Switch inti', status: 'failed', note: null },
      { item: 'Pendingin ruangan (AC)', status: 'ok', note: '21 °C' },
    ]);
    const page = (await staff.get(`/visits/${id}/checklist`)).text;
    expect(page).toMatch(/condition-degraded">Menurun</);
    expect(page).toMatch(/condition-failed">Rusak</);
    expect(page).toMatch(/condition-ok">Baik</);
    // An ordinary visit has no checklist form.
    expect((await staff.get(`/visits/${d.seedVisit()}/checklist`)).text).toContain('bukan kunjungan pemeliharaan');
  });
});
