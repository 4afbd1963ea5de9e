/**
 * The console's decision and record screens (queue, approve/deny, revoke, report, archive, badge lost, visit list,
 * visit detail) over the real store and VisitService, with the console's own app in memory (no socket): role guards on
 * the server, validity typed in site time, refusals keeping the form, masked NIK, escaping, search and pages.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/adapters/sqlite/db.js';
import { Store } from '../../src/adapters/sqlite/store.js';
import { VisitService } from '../../src/app/visit-service.js';
import { DEFAULT_STANDARDS } from '../../src/domain/sop.js';
import { localDate } from '../../src/domain/time.js';
import type { Officer } from '../../src/domain/types.js';
import { silentLogger } from '../../src/adapters/log/pino.js';
import type { ConsolePorts, DeskCommands } from '../../src/ports/console.js';
import { ConsoleServer } from '../../src/adapters/console/server.js';
import { consoleApp } from '../../src/adapters/console/app.js';
import { SCREENS } from '../../src/adapters/console/screens/index.js';
import { SESSION_COOKIE } from '../../src/adapters/console/session.js';
import { consoleSchema } from '../../src/config/schema.js';

const TZ = 'Asia/Jakarta';
const NIK = '3201012501900003';

interface World {
  dir: string;
  ctx: ConsoleServer['context'];
  store: Store;
  visits: VisitService;
  staff: Officer;
  coordinator: Officer;
  head: Officer;
  request: (name: string, org?: string) => string;
  as: (o: Officer) => { get: (path: string) => Promise<Response>; post: (path: string, form: Record<string, string>) => Promise<Response> };
}

let w: World;

function world(limitValidity?: (from: number, until: number) => number): World {
  const dir = mkdtempSync(join(tmpdir(), 'pintu-console-s2-'));
  const store = new Store(openDatabase(join(dir, 'pintu.db'), { synchronous: 'normal' }), 'D1', null);
  const visits = new VisitService(store, { standards: DEFAULT_STANDARDS, defaultValidity: 'end-of-day', timeZone: TZ, secret: Buffer.alloc(32, 7), ...(limitValidity ? { limitValidity } : {}) });
  const now = Date.now();
  const staff = store.addOfficer({ name: 'Sari Staf', role: 'staff', badgeUid: 'AA000001' }, now);
  const coordinator = store.addOfficer({ name: 'Kori Koordinator', role: 'coordinator', badgeUid: 'AA000002' }, now);
  const head = store.addOfficer({ name: 'Hadi Kabid', role: 'head', badgeUid: 'AA000003' }, now);
  store.addBadge('BB000001', 'TAMU-01', now);
  const all = () => store.visits({ limit: 1_000_000 });
  const ports: ConsolePorts = {
    desk: visits as unknown as DeskCommands,
    officers: {} as ConsolePorts['officers'],
    alarms: { open: () => [], acknowledge: () => undefined, deskCloneSuspected: () => false },
    watchlist: {} as ConsolePorts['watchlist'],
    queries: {
      visit: (id) => store.visit(id),
      searchVisits: (q) => all()
        .filter((v) => (!q.name || v.visitor.name.toLowerCase().includes(q.name.toLowerCase()))
          && (!q.org || v.visitor.org.toLowerCase().includes(q.org.toLowerCase()))
          && (!q.state || v.state === q.state) && (!q.before || v.id < q.before)
          && (!q.day || localDate(v.at.requested ?? 0, TZ) === q.day.replace(/-/g, '')))
        .sort((a, b) => (a.id < b.id ? 1 : -1)).slice(0, q.limit ?? 50),
      visitsOfDay: () => [],
      pending: () => all().filter((v) => v.state === 'requested' || v.state === 'checked').sort((a, b) => (a.id < b.id ? -1 : 1)),
      visitsInside: () => [],
      officersInside: () => [],
      officers: () => store.officers(),
      officer: (id) => store.officer(id),
      officerByBadge: (uid) => store.officerByBadge(uid),
      badges: () => store.badges(),
      badge: (uid) => store.badge(uid),
      secureBadge: (uid) => store.secureBadge(uid),
      eventsOfVisit: (id) => store.events.since(0, 1_000_000).filter((e) => (e.data as { visit?: string }).visit === id),
      recentEvents: () => [],
      incidents: () => [],
      doorStatus: () => store.doorStatus(),
    },
    write: async (_name, job) => job(),
    subscribe: () => () => undefined,
    door: () => ({ locked: true, open: false, openSince: null, mode: 'enabled' }),
    deskReader: null,
    ktpHash: (uid) => uid,
  };
  const server = new ConsoleServer(ports, {
    config: consoleSchema.parse({}), site: 'S1', door: 'D1', timeZone: TZ, standards: DEFAULT_STANDARDS, defaultValidity: 'end-of-day',
  }, silentLogger());
  const ctx = server.context;
  const app = consoleApp(ctx, new Map(), SCREENS);
  let n = 0;
  return {
    dir, ctx, store, visits, staff, coordinator, head,
    request: (name, org = 'PT Jaringan') => visits.request({ name, nik: NIK, org, purpose: `ganti UPS ${++n}`, by: staff.id }).id,
    as: (o) => {
      const { token, session } = ctx.sessions.open(o.id, 'id', Date.now());
      const headers = { cookie: `${SESSION_COOKIE}=${token}`, host: 'localhost' };
      return {
        get: async (path) => app.request(`http://localhost${path}`, { headers }),
        post: async (path, form) => app.request(`http://localhost${path}`, {
          method: 'POST', headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost' },
          body: new URLSearchParams({ _csrf: session.csrf, ...form }).toString(),
        }),
      };
    },
  };
}

beforeEach(() => { w = world(); });
afterEach(() => { w.store.close(); rmSync(w.dir, { recursive: true, force: true }); });

describe('console decisions', () => {
  it('staff cannot approve: 403 on the server and the visit stays checked', async () => {
    const id = w.request('Budi');
    w.visits.check(id, w.staff.id);
    const staff = w.as(w.staff);
    expect((await staff.get(`/visits/${id}/approve`)).status).toBe(403);
    const r = await staff.post(`/visits/${id}/approve`, { untilDate: '2099-01-01', untilTime: '10:00' });
    expect(r.status).toBe(403);
    expect(w.store.visit(id)!.state).toBe('checked');
    expect((await w.as(w.coordinator).post(`/visits/${id}/deny`, { reason: 'tidak lengkap' })).status).toBe(403);
    expect(w.store.visit(id)!.state).toBe('checked');
  });

  it('a head approves with a validity typed in site time: the stored validUntil is that instant in WIB', async () => {
    const id = w.request('Budi');
    w.visits.check(id, w.staff.id);
    const head = w.as(w.head);
    const page = await (await head.get(`/visits/${id}/approve`)).text();
    expect(page).toContain('type="date"');
    expect(page).toContain('WIB');
    const day = localDate(Date.now() + 2 * 86_400_000, TZ);
    const date = `${day.slice(0, 4)}-${day.slice(4, 6)}-${day.slice(6)}`;
    const r = await head.post(`/visits/${id}/approve`, { untilDate: date, untilTime: '16:30' });
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe('/queue');
    const v = w.store.visit(id)!;
    expect(v.state).toBe('approved');
    expect(v.validUntil).toBe(Date.parse(`${date}T16:30:00+07:00`));
  });

  it('an approval the app shortened (clock not synchronised) says so, with both times in site time', async () => {
    w.store.close();
    rmSync(w.dir, { recursive: true, force: true });
    w = world((from, until) => Math.min(until, from + 4 * 3_600_000));
    const id = w.request('Budi');
    w.visits.check(id, w.staff.id);
    const head = w.as(w.head);
    const day = localDate(Date.now() + 2 * 86_400_000, TZ);
    const date = `${day.slice(0, 4)}-${day.slice(4, 6)}-${day.slice(6)}`;
    expect((await head.post(`/visits/${id}/approve`, { untilDate: date, untilTime: '16:30' })).status).toBe(303);
    const v = w.store.visit(id)!;
    expect(v.validUntil).toBeLessThan(Date.parse(`${date}T16:30:00+07:00`));
    const queue = await (await head.get('/queue')).text();
    expect(queue).toContain('jam sistem belum tersinkron');
    expect(queue).toContain(`${date} 16:30:00 WIB (+07:00)`);
  });

  it('a refused approval or denial keeps what was typed; a denial needs a reason', async () => {
    const id = w.request('Budi');
    w.visits.check(id, w.staff.id);
    const head = w.as(w.head);
    const bad = await head.post(`/visits/${id}/approve`, { untilDate: '2099-02-30', untilTime: '16:30' });
    expect(bad.status).toBe(422);
    const badText = await bad.text();
    expect(badText).toContain('value="2099-02-30"');
    expect(badText).toContain('value="16:30"');
    const none = await head.post(`/visits/${id}/deny`, { reason: '   ' });
    expect(none.status).toBe(422);
    expect(await none.text()).toContain('Penolakan harus disertai alasan.');
    const long = 'x'.repeat(501);
    const tooLong = await head.post(`/visits/${id}/deny`, { reason: long });
    expect(tooLong.status).toBe(422);
    expect(await tooLong.text()).toContain(`>${long}</textarea>`);
    expect(w.store.visit(id)!.state).toBe('checked');
    expect((await head.post(`/visits/${id}/deny`, { reason: 'surat belum ada' })).status).toBe(303);
    expect(w.store.visit(id)!.denyReason).toBe('surat belum ada');
  });

  it('the queue lists pending requests, with check for staff and the decision for a head', async () => {
    const a = w.request('Ani');
    const b = w.request('Budi');
    w.visits.check(b, w.staff.id);
    const forStaff = await (await w.as(w.staff).get('/queue')).text();
    expect(forStaff).toContain(`action="/visits/${a}/check"`);
    expect(forStaff).not.toContain(`href="/visits/${b}/approve"`);
    const forHead = await (await w.as(w.head).get('/queue')).text();
    expect(forHead).toContain(`href="/visits/${b}/approve"`);
    expect(forHead).not.toContain(`action="/visits/${a}/check"`);
    expect((await w.as(w.staff).post(`/visits/${a}/check`, { next: '/queue' })).headers.get('location')).toBe('/queue');
    expect(w.store.visit(a)!.state).toBe('checked');
  });

  it('a new request appears live in the queue pane of a connected head', async () => {
    const got: Array<{ event: string; data: string }> = [];
    const forStaff: Array<{ event: string; data: string }> = [];
    const off = w.ctx.live.connect({ lang: 'id', officerId: w.head.id, send: (event, data) => got.push({ event, data }) });
    const offStaff = w.ctx.live.connect({ lang: 'en', officerId: w.staff.id, send: (event, data) => forStaff.push({ event, data }) });
    const before = w.store.events.lastSeq();
    const id = w.request('Dewi Live');
    w.ctx.live.onEvents(w.store.events.since(before));
    // Panes are sent one per turn of the event loop: wait for both the queue and the count, for both viewers.
    const deadline = Date.now() + 15_000;
    const has = (list: typeof got, event: string): boolean => list.some((m) => m.event === event);
    while (!(has(got, 'queue') && has(got, 'pending-count') && has(forStaff, 'queue')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    off();
    offStaff();
    const pane = got.find((m) => m.event === 'queue')!.data;
    expect(pane).toContain(id);
    expect(pane).toContain('Dewi Live');
    expect(pane).toContain(`href="/visits/${id}/approve"`);
    const staffPane = forStaff.find((m) => m.event === 'queue')!.data;
    expect(staffPane).toContain('Check completeness');
    expect(staffPane).toMatch(new RegExp(`action="/visits/${id}/check" class="inline"><input type="hidden" name="_csrf" value="">`));
    expect(got.find((m) => m.event === 'pending-count')?.data).toBe('1');
  });

  it('revoke needs a reason, report keeps a note, archive and badge lost work from the visit page', async () => {
    const id = w.request('Budi');
    w.visits.check(id, w.staff.id);
    w.visits.approve(id, w.head.id);
    w.visits.issue(id, 'TAMU-01', w.staff.id, { rulesAcknowledged: true });
    const detail = await (await w.as(w.staff).get(`/visits/${id}`)).text();
    expect(detail).toContain(`href="/visits/${id}/checkout"`);
    expect(detail).toContain(`href="/visits/${id}/badge-lost"`);
    expect(detail).not.toContain(`href="/visits/${id}/revoke"`);
    expect((await w.as(w.staff).post(`/visits/${id}/badge-lost`, {})).status).toBe(303);
    expect(w.store.badge('BB000001')!.status).toBe('lost');
    const head = w.as(w.head);
    expect((await head.post(`/visits/${id}/revoke`, { reason: '' })).status).toBe(422);
    expect((await head.post(`/visits/${id}/revoke`, { reason: 'tidak didampingi' })).status).toBe(303);
    expect(w.store.visit(id)!.revokeReason).toBe('tidak didampingi');
    w.visits.checkout(id, w.staff.id, []);
    expect((await w.as(w.coordinator).post(`/visits/${id}/report`, { note: 'selesai\r\nbaik' })).status).toBe(303);
    expect((await w.as(w.staff).post(`/visits/${id}/report`, { note: 'x' })).status).toBe(403);
    expect((await w.as(w.staff).post(`/visits/${id}/archive`, {})).status).toBe(303);
    expect(w.store.visit(id)!.state).toBe('archived');
    const events = w.store.events.since(0, 1000).filter((e) => e.type === 'visit.reported');
    expect((events[0]!.data as { note?: string }).note).toBe('selesai baik');
  });

  it('the list searches by name, institution, day and state, in keyset pages, with the NIK masked', async () => {
    for (let i = 0; i < 53; i++) w.request(`Tamu ${String(i).padStart(2, '0')}`, i % 2 ? 'Dinas Kominfo' : 'PT Jaringan');
    const c = w.request('Citra Lestari', 'Bank Daerah');
    w.visits.deny(c, w.head.id, 'tidak ada surat');
    const staff = w.as(w.staff);
    const first = await (await staff.get('/visits')).text();
    expect(first.match(/<tr><td><a href="\/visits\/V-/g)!.length).toBe(50);
    const next = /href="(\/visits\?before=V-[0-9-]+)"/.exec(first)![1]!;
    const second = await (await staff.get(next)).text();
    expect(second.match(/<tr><td><a href="\/visits\/V-/g)!.length).toBe(4);
    expect(first).toContain('320101******0003');
    expect(first).not.toContain(NIK);
    expect(await (await staff.get('/visits?name=citra')).text()).toContain(c);
    const byOrg = await (await staff.get('/visits?org=kominfo')).text();
    expect(byOrg.match(/<tr><td><a href="\/visits\/V-/g)!.length).toBe(26);
    const byState = await (await staff.get('/visits?state=denied')).text();
    expect(byState.match(/<tr><td><a href="\/visits\/V-/g)!.length).toBe(1);
    const day = localDate(Date.now(), TZ);
    const today = `${day.slice(0, 4)}-${day.slice(4, 6)}-${day.slice(6)}`;
    expect(await (await staff.get(`/visits?day=${today}&name=citra`)).text()).toContain(c);
    expect(await (await staff.get('/visits?day=2001-01-01&name=citra')).text()).not.toContain(c);
    expect((await staff.get('/visits?day=2001-02-30')).status).toBe(422);
  });

  it('the detail shows the NIK masked, the timeline in WIB and the step times against their standards', async () => {
    const id = w.request('Budi');
    w.visits.check(id, w.staff.id);
    w.visits.deny(id, w.head.id, 'belum ada surat');
    const page = await (await w.as(w.coordinator).get(`/visits/${id}`)).text();
    expect(page).toContain('320101******0003');
    expect(page).not.toContain(NIK);
    expect(page).toContain(`Kunjungan ${id} ditolak oleh Hadi Kabid. Alasan: belum ada surat`);
    expect(page).toMatch(/WIB \(\+07:00\)/);
    expect(page).toContain('2. Periksa kelengkapan');
    expect(page).toContain('Sesuai mutu baku');
    expect(page).toContain('belum ada surat');
  });

  it('a visitor named <script> is text in the list, the queue and the detail', async () => {
    const id = w.request('<script>alert(1)</script>', '<img src=x onerror=alert(2)>');
    for (const path of ['/visits', '/queue', `/visits/${id}`]) {
      const text = await (await w.as(w.head).get(path)).text();
      expect(text, path).not.toContain('<script>alert(1)</script>');
      expect(text, path).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(text, path).not.toContain('<img src=x');
    }
  });
});
