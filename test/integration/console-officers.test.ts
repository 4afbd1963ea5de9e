/**
 * The console's officer, badge, account, incident-book and maintenance-checklist screens over HTTP, with the real
 * store, VisitService and OfficerService behind the console's ports: officers sign in with their PIN; staff and
 * coordinators are refused every officer and badge change on the server (and nothing changes); a head's changes are
 * events naming the head; deactivation ends the officer's session at once; the last head stays a head; a PIN change
 * needs the current PIN and no PIN is ever echoed into a page or a log; incidents are written and listed; the SOP 002
 * checklist is recorded with its Indonesian conditions.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/adapters/sqlite/db.js';
import { Store } from '../../src/adapters/sqlite/store.js';
import { VisitService } from '../../src/app/visit-service.js';
import { OfficerService } from '../../src/app/officer-service.js';
import { ConsoleServer } from '../../src/adapters/console/server.js';
import { SESSION_COOKIE } from '../../src/adapters/console/session.js';
import { consoleSchema } from '../../src/config/schema.js';
import { DEFAULT_STANDARDS } from '../../src/domain/sop.js';
import type { Officer } from '../../src/domain/types.js';
import type { ConsolePorts, DeskCommands } from '../../src/ports/console.js';
import type { Log } from '../../src/ports/log.js';

const TZ = 'Asia/Jakarta';
const NIK = '3201012501900003';
const PINS = { head: '493817', coordinator: '582914', staff: '715392' } as const;

/** An officer's browser: cookies kept, the CSRF token read from the pages it loads. */
class Browser {
  private cookie = '';
  private csrf = '';
  constructor(private readonly base: string) {}

  /** GET a page (redirects not followed). */
  async get(path: string): Promise<Response> {
    const r = await fetch(this.base + path, { headers: { cookie: this.cookie }, redirect: 'manual' });
    this.keep(r);
    const text = await r.clone().text();
    const m = /name="_csrf" value="([^"]+)"/.exec(text);
    if (m) this.csrf = m[1]!;
    return r;
  }

  /** POST a form as this page would (same origin, its CSRF token). */
  async post(path: string, form: Record<string, string> | URLSearchParams): Promise<Response> {
    const body = new URLSearchParams(form);
    if (!body.has('_csrf')) body.set('_csrf', this.csrf);
    const r = await fetch(this.base + path, {
      method: 'POST', redirect: 'manual', body,
      headers: { cookie: this.cookie, 'content-type': 'application/x-www-form-urlencoded', origin: this.base },
    });
    this.keep(r);
    return r;
  }

  /** Sign in with the officer's id and PIN through the sign-in form. */
  async signIn(officer: string, pin: string): Promise<void> {
    await this.get('/signin');
    const r = await this.post('/signin', { officer, pin });
    expect(r.status, 'signed in').toBe(303);
  }

  private keep(r: Response): void {
    for (const c of r.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const [name] = pair!.split('=');
      const rest = this.cookie.split('; ').filter((x) => x && !x.startsWith(`${name}=`));
      this.cookie = [...rest, pair].join('; ');
    }
  }
}

interface World {
  dir: string;
  store: Store;
  visits: VisitService;
  officers: OfficerService;
  server: ConsoleServer;
  base: string;
  logged: string[];
  head: Officer;
  coordinator: Officer;
  staff: Officer;
  browser: (o: Officer) => Promise<Browser>;
  seqNow: () => number;
}

let w: World;

/** A log that keeps every line written (to show no PIN reaches it). */
function memoryLog(lines: string[]): Log {
  const log: Log = {
    debug: (o: unknown, m?: string) => void lines.push(JSON.stringify([o, m])),
    info: (o: unknown, m?: string) => void lines.push(JSON.stringify([o, m])),
    warn: (o: unknown, m?: string) => void lines.push(JSON.stringify([o, m])),
    error: (o: unknown, m?: string) => void lines.push(JSON.stringify([o, m])),
    child: () => log,
  } as unknown as Log;
  return log;
}

async function world(): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), 'pintu-console-s3-'));
  const store = new Store(openDatabase(join(dir, 'pintu.db'), { synchronous: 'normal' }), 'D1', null);
  const visits = new VisitService(store, { standards: DEFAULT_STANDARDS, defaultValidity: 'end-of-day', timeZone: TZ, secret: Buffer.alloc(32, 7) });
  const officers = new OfficerService(store, { lockoutMinutes: 15, scryptCost: 1 << 10 });
  const head = officers.setupFirstHead({ name: 'Hadi Kabid', badge: 'AA000003', pin: PINS.head });
  const coordinator = officers.addOfficer(head.id, { name: 'Kori Koordinator', role: 'coordinator', badge: 'AA000002' });
  const staff = officers.addOfficer(head.id, { name: 'Sari Staf', role: 'staff', badge: 'AA000001' });
  officers.setPin(head.id, coordinator.id, PINS.coordinator);
  officers.setPin(head.id, staff.id, PINS.staff);
  visits.addBadge('BB000001', 'TAMU-01');
  visits.addBadge('BB000002', 'TAMU-02');
  let queue = Promise.resolve();
  const ports: ConsolePorts = {
    desk: visits as unknown as DeskCommands,
    officers,
    alarms: { open: () => [], acknowledge: () => undefined },
    queries: {
      visit: (id) => store.visit(id),
      searchVisits: () => [],
      visitsOfDay: () => [],
      pending: () => [],
      visitsInside: () => [],
      officersInside: () => [],
      officers: () => store.officers(),
      officer: (id) => store.officer(id),
      officerByBadge: (uid) => { const o = store.officerByBadge(uid); return o && o.active ? o : null; },
      badges: () => store.badges(),
      badge: (uid) => store.badge(uid),
      eventsOfVisit: () => [],
      recentEvents: () => [],
      incidents: (limit) => store.incidents(limit),
      doorStatus: () => store.doorStatus(),
    },
    // One write at a time, in order, as the daemon's write queue runs them.
    write: <T>(_name: string, job: () => T): Promise<T> => { const run = queue.then(job); queue = run.then(() => undefined, () => undefined); return run; },
    subscribe: () => () => undefined,
    door: () => ({ locked: true, open: false, openSince: null, mode: 'enabled' }),
    deskReader: null,
    ktpHash: (uid) => uid,
  };
  const logged: string[] = [];
  const server = new ConsoleServer(ports, {
    config: consoleSchema.parse({ listen: '127.0.0.1:0' }), site: 'kominfo', door: 'ruang-server', timeZone: TZ,
    standards: DEFAULT_STANDARDS, defaultValidity: 'end-of-day',
  }, memoryLog(logged));
  const base = `http://127.0.0.1:${await server.start()}`;
  const pinOf = (o: Officer): string => PINS[o.role];
  return {
    dir, store, visits, officers, server, base, logged, head, coordinator, staff,
    browser: async (o) => { const b = new Browser(base); await b.signIn(o.id, pinOf(o)); return b; },
    seqNow: () => store.events.since(0, 1_000_000).length,
  };
}

beforeEach(async () => { w = await world(); });
afterEach(async () => { await w.server.stop(); w.store.close(); rmSync(w.dir, { recursive: true, force: true }); });

/** The events written since `from` (a count), as type and data. */
function eventsSince(from: number): Array<{ type: string; data: Record<string, unknown> }> {
  return w.store.events.since(0, 1_000_000).slice(from).map((e) => ({ type: e.type, data: e.data as Record<string, unknown> }));
}

describe('console officers and badges', () => {
  it('staff and coordinators are refused every officer and badge change (403) and nothing changes', async () => {
    w.visits.issue(approvedVisit(), 'BB000002', w.staff.id);
    const lostVisit = w.store.badge('BB000002')!.visitId!;
    w.visits.badgeLost(lostVisit, w.staff.id);
    for (const o of [w.staff, w.coordinator]) {
      const b = await w.browser(o);
      expect((await b.get('/officers')).status).toBe(403);
      expect((await b.get('/officers/new')).status).toBe(403);
      await b.get('/account');
      const officersBefore = JSON.stringify(w.store.officers());
      const badgesBefore = JSON.stringify(w.store.badges());
      const events = w.seqNow();
      const changes: Array<[string, Record<string, string>]> = [
        ['/officers/new', { name: 'Penyusup', role: 'head', uid: 'CC000001' }],
        [`/officers/${w.staff.id}/role`, { role: 'head' }],
        [`/officers/${w.coordinator.id}/role`, { role: 'head' }],
        [`/officers/${w.head.id}/active`, { active: '0' }],
        [`/officers/${w.head.id}/pin`, { pin: '902718', pin2: '902718' }],
        ['/officers/badges/new', { label: 'TAMU-99', uid: 'CC000002' }],
        ['/officers/badges/BB000001/retire', {}],
        ['/officers/badges/BB000002/found', {}],
      ];
      for (const [path, form] of changes) expect((await b.post(path, form)).status, `${o.role} POST ${path}`).toBe(403);
      expect(JSON.stringify(w.store.officers())).toBe(officersBefore);
      expect(JSON.stringify(w.store.badges())).toBe(badgesBefore);
      expect(eventsSince(events)).toEqual([]);
      expect(w.officers.verifyPin(w.head.id, PINS.head).ok).toBe(true);
    }
  });

  it('a head adds an officer with a badge tapped on the desk reader: the event names the head', async () => {
    const head = await w.browser(w.head);
    expect((await head.get('/officers/new')).status).toBe(200);
    const tap = w.server.context.desk.add({ uid: 'CC00000A' });
    const from = w.seqNow();
    const r = await head.post('/officers/new', { name: 'Nina Baru', role: 'coordinator', tap: tap.token });
    expect(r.status).toBe(303);
    const added = w.store.officers().find((o) => o.name === 'Nina Baru')!;
    expect(added).toMatchObject({ role: 'coordinator', badgeUid: 'CC00000A', active: true });
    expect(r.headers.get('location')).toBe(`/officers/${added.id}`);
    expect(eventsSince(from)).toEqual([{ type: 'officer.added', data: { officer: added.id, role: 'coordinator', badge: 'CC00000A', by: w.head.id } }]);
    // A typed UID works too; a card that is already an officer's badge is refused with the form kept.
    const again = await head.post('/officers/new', { name: 'Dua Kali', role: 'staff', uid: 'cc:00:00:0a' });
    expect(again.status).toBe(422);
    const page = await again.text();
    expect(page).toContain('Nina Baru');
    expect(page).toContain('value="Dua Kali"');
    const long = await head.post('/officers/new', { name: 'N'.repeat(101), role: 'staff', uid: 'CC00000B' });
    expect(long.status).toBe(422);
    expect(await long.text()).toContain('paling banyak 100 karakter');
    expect(w.store.officerByBadge('CC00000B')).toBeNull();
  });

  it('deactivating an officer ends their session at once; the event names the head', async () => {
    const staff = await w.browser(w.staff);
    expect((await staff.get('/account')).status).toBe(200);
    const head = await w.browser(w.head);
    await head.get(`/officers/${w.staff.id}`);
    const from = w.seqNow();
    const r = await head.post(`/officers/${w.staff.id}/active`, { active: '0' });
    expect(r.status).toBe(303);
    expect(w.store.officer(w.staff.id)!.active).toBe(false);
    expect(eventsSince(from)).toEqual([{ type: 'officer.deactivated', data: { officer: w.staff.id, by: w.head.id } }]);
    const after = await staff.get('/account');
    expect(after.status).toBe(303);
    expect(after.headers.get('location')).toMatch(/^\/signin/);
    // Signing in again is refused while deactivated.
    const b = new Browser(w.base);
    await b.get('/signin');
    expect((await b.post('/signin', { officer: w.staff.id, pin: PINS.staff })).status).toBe(401);
  });

  it('the last active head can be neither demoted nor deactivated', async () => {
    const head = await w.browser(w.head);
    await head.get(`/officers/${w.head.id}`);
    const from = w.seqNow();
    const demote = await head.post(`/officers/${w.head.id}/role`, { role: 'staff' });
    expect(demote.status).toBe(422);
    expect(await demote.text()).toContain('satu-satunya kepala bidang');
    const off = await head.post(`/officers/${w.head.id}/active`, { active: '0' });
    expect(off.status).toBe(422);
    expect(w.store.officer(w.head.id)).toMatchObject({ role: 'head', active: true });
    expect(eventsSince(from)).toEqual([]);
    // With a second head, the first may step down: the role change is an event naming the head.
    expect((await head.post(`/officers/${w.coordinator.id}/role`, { role: 'head' })).status).toBe(303);
    expect((await head.post(`/officers/${w.head.id}/role`, { role: 'coordinator' })).status).toBe(303);
    expect(eventsSince(from)).toEqual([
      { type: 'officer.role_changed', data: { officer: w.coordinator.id, role: 'head', by: w.head.id } },
      { type: 'officer.role_changed', data: { officer: w.head.id, role: 'coordinator', by: w.head.id } },
    ]);
    // The role applies at once: the former head may no longer manage officers.
    expect((await head.get('/officers')).status).toBe(403);
  });

  it('a head resets a PIN: never echoed, the officer signed out, the new PIN works', async () => {
    const staff = await w.browser(w.staff);
    const head = await w.browser(w.head);
    await head.get(`/officers/${w.staff.id}`);
    const weak = await head.post(`/officers/${w.staff.id}/pin`, { pin: '111111', pin2: '111111' });
    expect(weak.status).toBe(422);
    const differ = await head.post(`/officers/${w.staff.id}/pin`, { pin: '902718', pin2: '902719' });
    expect(differ.status).toBe(422);
    const from = w.seqNow();
    expect((await head.post(`/officers/${w.staff.id}/pin`, { pin: '902718', pin2: '902718' })).status).toBe(303);
    expect(eventsSince(from)).toEqual([{ type: 'officer.pin_set', data: { officer: w.staff.id, by: w.head.id } }]);
    expect((await staff.get('/account')).status).toBe(303);
    expect(w.officers.verifyPin(w.staff.id, '902718').ok).toBe(true);
    for (const text of [await weak.text(), await differ.text(), ...w.logged]) {
      expect(text).not.toContain('902718');
      expect(text).not.toContain('111111');
    }
  });

  it('a head adds a badge to the pool, retires one, and puts a found lost badge back', async () => {
    const head = await w.browser(w.head);
    await head.get('/officers/badges/new');
    const tap = w.server.context.desk.add({ uid: 'DD000001' });
    expect((await head.post('/officers/badges/new', { label: 'TAMU-03', tap: tap.token })).status).toBe(303);
    expect(w.store.badge('DD000001')).toMatchObject({ label: 'TAMU-03', status: 'available' });
    const taken = await head.post('/officers/badges/new', { label: 'TAMU-01', uid: 'DD000002' });
    expect(taken.status).toBe(422);
    expect(await taken.text()).toContain('value="DD000002"');
    await head.get('/officers');
    expect((await head.post('/officers/badges/DD000001/retire', {})).status).toBe(303);
    expect(w.store.badge('DD000001')!.status).toBe('retired');
    const page = await (await head.get('/officers')).text();
    expect(page).toContain('TAMU-03');
    expect(page).toContain('Ditarik');
  });
});

describe('console account, incident book and maintenance checklist', () => {
  it('changing one\'s own PIN needs the current PIN; a wrong one is counted and nothing changes', async () => {
    const staff = await w.browser(w.staff);
    await staff.get('/account');
    const from = w.seqNow();
    const wrong = await staff.post('/account', { current: '000000', pin: '864209', pin2: '864209' });
    expect(wrong.status).toBe(422);
    const wrongPage = await wrong.text();
    expect(wrongPage).toContain('Sisa percobaan');
    expect(eventsSince(from)).toEqual([]);
    expect(w.officers.verifyPin(w.staff.id, PINS.staff).ok).toBe(true);
    const ok = await staff.post('/account', { current: PINS.staff, pin: '864209', pin2: '864209' });
    expect(ok.status).toBe(303);
    expect(eventsSince(from)).toEqual([{ type: 'officer.pin_set', data: { officer: w.staff.id, by: w.staff.id } }]);
    expect(w.officers.verifyPin(w.staff.id, '864209').ok).toBe(true);
    expect(w.officers.verifyPin(w.staff.id, PINS.staff).ok).toBe(false);
    for (const text of [wrongPage, await (await staff.get('/account')).text(), ...w.logged]) {
      expect(text).not.toContain('864209');
      expect(text).not.toContain(PINS.staff);
    }
  });

  it('an incident is written (about a visit, by the signed-in officer) and listed, and prints', async () => {
    const id = approvedVisit();
    const staff = await w.browser(w.staff);
    await staff.get(`/incidents?visit=${id}`);
    const from = w.seqNow();
    const r = await staff.post('/incidents', { note: 'Kabel patch\r\nterlepas saat <b>kunjungan</b>', visit: id.toLowerCase() });
    expect(r.status).toBe(303);
    const [entry] = w.store.incidents(1);
    expect(entry).toMatchObject({ officerId: w.staff.id, visitId: id, note: 'Kabel patch terlepas saat <b>kunjungan</b>' });
    expect(eventsSince(from)).toEqual([{ type: 'incident.recorded', data: { incident: entry!.id, officer: w.staff.id, visit: id } }]);
    const list = await (await staff.get('/incidents')).text();
    expect(list).toContain('Kabel patch terlepas saat &lt;b&gt;kunjungan&lt;/b&gt;');
    expect(list).toContain('Sari Staf');
    expect(list).toContain('WIB');
    const print = await (await staff.get('/incidents/print')).text();
    expect(print).toContain('print-list');
    expect(print).toContain('Kabel patch');
    // An unknown visit keeps the form and writes nothing.
    const bad = await staff.post('/incidents', { note: 'Catatan kedua', visit: 'V-20000101-999' });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain('Catatan kedua');
    expect(w.store.incidents(10)).toHaveLength(1);
  });

  it('the SOP 002 checklist of a maintenance visit is recorded with its Indonesian conditions', async () => {
    const id = maintenanceVisitIssued();
    const staff = await w.browser(w.staff);
    const form = await (await staff.get(`/visits/${id}/checklist`)).text();
    expect(form).toContain('Baik');
    expect(form).toContain('Menurun');
    expect(form).toContain('Rusak');
    const missing = await staff.post(`/visits/${id}/checklist`, new URLSearchParams([
      ['item', 'UPS dan baterai'], ['status', 'degraded'], ['note', 'baterai 62%'],
      ['item', 'Switch inti'], ['status', ''], ['note', ''],
    ]));
    expect(missing.status).toBe(422);
    expect(await missing.text()).toContain('value="baterai 62%"');
    expect(w.store.visit(id)!.checklist ?? []).toEqual([]);
    const r = await staff.post(`/visits/${id}/checklist`, new URLSearchParams([
      ['item', 'UPS dan baterai'], ['status', 'degraded'], ['note', 'baterai 62%'],
      ['item', 'Switch inti'], ['status', 'failed'], ['note', ''],
      ['item', 'Pendingin ruangan (AC)'], ['status', 'ok'], ['note', '21 °C'],
      ['item', ''], ['status', ''], ['note', ''],
    ]));
    expect(r.status).toBe(303);
    expect(w.store.visit(id)!.checklist).toEqual([
      { item: 'UPS dan baterai', status: 'degraded', note: 'baterai 62%' },
      { item: 'Switch inti', status: 'failed', note: null },
      { item: 'Pendingin ruangan (AC)', status: 'ok', note: '21 °C' },
    ]);
    const page = await (await staff.get(`/visits/${id}/checklist`)).text();
    expect(page).toMatch(/condition-degraded">Menurun</);
    expect(page).toMatch(/condition-failed">Rusak</);
    expect(page).toMatch(/condition-ok">Baik</);
    // An ordinary visit has no checklist form.
    const plain = approvedVisit();
    expect(await (await staff.get(`/visits/${plain}/checklist`)).text()).toContain('bukan kunjungan pemeliharaan');
  });
});

/** A visit requested, checked and approved (badge not yet issued). */
function approvedVisit(): string {
  const id = w.visits.request({ name: 'Budi Santoso', nik: NIK, org: 'PT Jaringan', purpose: 'ganti UPS', by: w.staff.id }).id;
  w.visits.check(id, w.staff.id);
  w.visits.approve(id, w.head.id);
  return id;
}

/** A maintenance visit with its disposition, up to the badge issued. */
function maintenanceVisitIssued(): string {
  const id = w.visits.request({
    name: 'Teknisi UPS', nik: NIK, org: 'PT Daya', purpose: 'pemeliharaan UPS', by: w.staff.id, kind: 'maintenance',
    disposition: { orderedBy: 'Kabag Umum', reference: 'ND-12/2026', date: '2026-11-30' },
  }).id;
  w.visits.check(id, w.staff.id);
  w.visits.approve(id, w.head.id);
  w.visits.issue(id, 'BB000001', w.staff.id);
  return id;
}
