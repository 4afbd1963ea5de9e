/**
 * The dashboard's fleet view (issue 13 item 2) in-process on a real central store: the doors table sorts and filters
 * with GET parameters, shows each door's state, last contact, backlog, clock, version, readers and health, and a
 * site-limited user never sees another site's rows nor its door page (404). Everything a door sends is shown escaped.
 * A door's page lists its latest events, its chain head and chain alerts, and verifies the stored chain on demand,
 * catching an event changed in the database behind the receiver's back (written to the audit trail).
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { GENESIS_HASH, eventDataText, eventHash } from '../../src/protocol/chain.js';
import type { StatusFacts, WireEvent } from '../../src/protocol/messages.js';
import { auditEntries } from '../../src/central/audit.js';
import { verifyStoredChain } from '../../src/central/chain-check.js';
import type { SqliteCentralStore } from '../../src/central/sqlite-store.js';
import { startDashboard, type TestDashboard } from '../helpers/dashboard.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';

const open: TestDashboard[] = [];
afterEach(async () => { for (const d of open.splice(0)) await d.close(); });
let pg: TestPostgres | null = null;
afterAll(async () => { await pg?.cleanup(); });

/** Events seq from..to of a door, chained from `prev` (each with a little data). */
function chainOf(door: string, from: number, to: number, prev = GENESIS_HASH, dataOf: (seq: number) => Record<string, unknown> = (seq) => ({ reader: 'in', n: seq })): WireEvent[] {
  const out: WireEvent[] = [];
  for (let seq = from; seq <= to; seq++) {
    const type = seq % 5 === 0 ? 'access.denied' : 'access.granted';
    const at = new Date(Date.UTC(2026, 11, 1, 1, 0, seq)).toISOString();
    const data = dataOf(seq);
    const hash = eventHash(prev, door, seq, type, at, eventDataText(data));
    out.push({ seq, type, at, data, prevHash: prev, hash });
    prev = hash;
  }
  return out;
}

const KEY = 'A'.repeat(43) + '=';

/** A dashboard with doors: a/d1 online (3 events, door says 5), a/d2 offline, b/d1 online (facts), c/x9 unknown. */
async function fleetDash(): Promise<TestDashboard> {
  const d = await startDashboard();
  open.push(d);
  const s = d.store;
  const now = Date.now();
  for (const [site, door] of [['site-a', 'd1'], ['site-a', 'd2'], ['site-b', 'd1'], ['site-c', 'x9']] as const) await s.enroll(site, door, KEY, now - 86_400_000);
  expect((await s.ingest('site-a', 'd1', chainOf('d1', 1, 3), now)).stored).toBe(3);
  await s.setStatus('site-a', 'd1', 'online', now - 1000, 5, { app: '1.4.0', clock: 'trusted', readers: [{ id: 'in', role: 'in', up: true }, { id: 'out', role: 'out', up: false }], health: { state: 'degraded', failing: ['disk'] } });
  await s.setStatus('site-a', 'd2', 'offline', now - 60_000, 0);
  await s.setStatus('site-b', 'd1', 'online', now - 2000, 0, { app: '1.3.2', os: 'Raspberry Pi 4 Model B, Debian 12', clock: 'rolled-back', health: { state: 'ok', failing: [] } });
  await s.alert('site-a', 'd2', 'offline', 'door went offline', now);
  await s.alert('site-b', 'd1', 'clock.rolled_back', 'seq 1', now);
  await s.alert('site-b', 'd1', 'gap', 'expected seq 4, got 9', now);
  return d;
}

/** Door ids of the fleet table's rows, in order. */
const rowsOf = (html: string): string[] => [...html.matchAll(/data-door="([^"]+)"/g)].map((m) => m[1]!);

describe('fleet table', () => {
  it('lists every door with state, last contact (with the zone), backlog, clock, version, readers, health and open alerts', async () => {
    const d = await fleetDash();
    await d.addUser('ani', 'analyst');
    const c = await d.signedIn('ani');
    const p = await c.get('/fleet');
    expect(p.status).toBe(200);
    expect(rowsOf(p.text)).toEqual(['site-a/d1', 'site-a/d2', 'site-b/d1', 'site-c/x9']);
    expect(p.text).toContain('4 pintu: 2 daring, 1 luring, 1 belum diketahui.');
    const a1 = p.text.slice(p.text.indexOf('data-door="site-a/d1"'), p.text.indexOf('data-door="site-a/d2"'));
    expect(a1).toContain('Daring');
    expect(a1).toMatch(/<time datetime="[^"]+">\d{4}-\d\d-\d\d \d\d:\d\d:\d\d WIB/);
    expect(a1).toContain('2 peristiwa'); // the door says 5, the centre has 3
    expect(a1).toContain('Tepercaya');
    expect(a1).toContain('1.4.0');
    expect(a1).toMatch(/out \(out\): <span class="over">mati/);
    expect(a1).toContain('Butir bermasalah: disk');
    const b1 = p.text.slice(p.text.indexOf('data-door="site-b/d1"'), p.text.indexOf('data-door="site-c/x9"'));
    expect(b1).toContain('Mundur');
    expect(b1).toContain('Raspberry Pi 4 Model B, Debian 12');
    expect(b1).toMatch(/>2<\/a><\/td><\/tr>/); // two open alerts
    const x9 = p.text.slice(p.text.indexOf('data-door="site-c/x9"'));
    expect(x9).toContain('Belum diketahui');
    expect(p.headers.get('server-timing')).toMatch(/^db;dur=\d/);
    // Per site: open alerts.
    expect(p.text).toMatch(/site-b<\/a>: 1 pintu \(0 luring\), <a class="over" href="\/alerts\?site=site-b">2 peringatan terbuka/);
  });

  it('filters by site, state and text, and sorts by any column both ways, with plain GET links', async () => {
    const d = await fleetDash();
    await d.addUser('ani', 'analyst');
    const c = await d.signedIn('ani');
    expect(rowsOf((await c.get('/fleet?state=offline')).text)).toEqual(['site-a/d2']);
    expect(rowsOf((await c.get('/fleet?state=online')).text)).toEqual(['site-a/d1', 'site-b/d1']);
    expect(rowsOf((await c.get('/fleet?site=site-a')).text)).toEqual(['site-a/d1', 'site-a/d2']);
    expect(rowsOf((await c.get('/fleet?q=X9')).text)).toEqual(['site-c/x9']);
    expect(rowsOf((await c.get('/fleet?q=1.3')).text)).toEqual(['site-b/d1']);
    expect(rowsOf((await c.get('/fleet?q=%25')).text)).toEqual([]); // % is literal, not a wildcard
    expect((await c.get('/fleet?q=%25')).text).toContain('Tidak ada pintu yang cocok');
    expect(rowsOf((await c.get('/fleet?sort=backlog&dir=desc')).text)[0]).toBe('site-a/d1');
    expect(rowsOf((await c.get('/fleet?sort=state')).text)).toEqual(['site-a/d2', 'site-c/x9', 'site-a/d1', 'site-b/d1']);
    expect(rowsOf((await c.get('/fleet?sort=alerts&dir=desc')).text).slice(0, 2)).toEqual(['site-b/d1', 'site-a/d2']);
    expect(rowsOf((await c.get('/fleet?sort=contact&dir=desc')).text)).toEqual(['site-b/d1', 'site-a/d2', 'site-a/d1', 'site-c/x9']);
    expect(rowsOf((await c.get('/fleet?sort=door&dir=desc')).text)).toEqual(['site-c/x9', 'site-a/d2', 'site-b/d1', 'site-a/d1']);
    const sorted = await c.get('/fleet?state=online&sort=version');
    expect(rowsOf(sorted.text)).toEqual(['site-b/d1', 'site-a/d1']);
    // The header links keep the filters and flip the direction of the current column; the live part re-fetches the same view.
    expect(sorted.text).toContain('href="/fleet?state=online&amp;sort=version&amp;dir=desc"');
    expect(sorted.text).toContain('aria-sort="ascending"');
    expect(sorted.text).toContain('hx-get="/fleet/rows?state=online&amp;sort=version" hx-trigger="sse:fleet"');
    // Nonsense parameters fall back to the default view.
    expect(rowsOf((await c.get('/fleet?sort=evil;drop&state=zzz&site=%3Cx%3E')).text)).toHaveLength(4);
  });

  it('a site-limited user sees only their sites: rows, summary, fragments, and another site’s door page is 404', async () => {
    const d = await fleetDash();
    await d.addUser('budi', 'analyst', { sites: ['site-a'] });
    const c = await d.signedIn('budi');
    const p = await c.get('/fleet');
    expect(rowsOf(p.text)).toEqual(['site-a/d1', 'site-a/d2']);
    expect(p.text).toContain('2 pintu: 1 daring, 1 luring, 0 belum diketahui.');
    expect(p.text).not.toContain('site-b');
    expect(p.text).not.toContain('site-c');
    expect(rowsOf((await c.get('/fleet?site=site-b')).text)).toEqual([]);
    expect(rowsOf((await c.get('/fleet/rows?site=site-b')).text)).toEqual([]);
    expect((await c.get('/fleet/rows')).text).not.toContain('site-b');
    for (const path of ['/fleet/site-b/d1', '/fleet/site-b/d1/events', '/fleet/site-b/d1/facts', '/fleet/site-a/nope']) expect((await c.get(path)).status).toBe(404);
    expect((await c.post('/fleet/site-b/d1/verify', { from: '1' })).status).toBe(404);
    expect((await c.get('/fleet/site-a/d1')).status).toBe(200);
    // A helpdesk account has no fleet at all.
    await d.addUser('hd', 'helpdesk');
    const h = await d.signedIn('hd');
    expect((await h.get('/fleet/rows')).status).toBe(403);
    expect((await h.get('/fleet/site-a/d1')).status).toBe(403);
    expect((await h.post('/fleet/site-a/d1/verify', { from: '1' })).status).toBe(403);
    expect(await auditEntries(d.store.sql, { scope: null, action: 'door.chain_verified' })).toEqual([]);
  });

  it('the rows fragment follows a status change (what the live table re-fetches on sse:fleet)', async () => {
    const d = await fleetDash();
    await d.addUser('ani', 'analyst');
    const c = await d.signedIn('ani');
    const live = await c.live();
    try {
      await live.waitFor('hello');
      const before = await c.get('/fleet/rows?site=site-a&state=online', { 'hx-request': 'true' });
      expect(rowsOf(before.text)).toEqual(['site-a/d1']);
      expect(before.text).not.toContain('<html');
      // The feed reads the doors table every second: wait until it has seen them, then change one.
      await new Promise((r) => setTimeout(r, 1500));
      const changedAt = Date.now();
      await d.store.setStatus('site-a', 'd1', 'offline', Date.now(), 5);
      await live.waitFor('fleet', (at) => Number(at) >= changedAt);
      expect(rowsOf((await c.get('/fleet/rows?site=site-a&state=online')).text)).toEqual([]);
      const off = await c.get('/fleet/rows?site=site-a&state=offline');
      expect(rowsOf(off.text)).toEqual(['site-a/d1', 'site-a/d2']);
      expect(off.text).toContain('1 daring, 2 luring');
    } finally {
      live.close();
    }
  });
});

describe('fleet live feed', () => {
  it('a door enrolled into a centre that had none is announced (the feed’s baseline is the first read, even an empty one)', async () => {
    const d = await startDashboard();
    open.push(d);
    await d.addUser('ani', 'analyst');
    const c = await d.signedIn('ani');
    const live = await c.live();
    try {
      await live.waitFor('hello');
      await new Promise((r) => setTimeout(r, 1500));
      const at = Date.now();
      await d.store.enroll('site-a', 'd1', KEY, Date.now());
      await live.waitFor('fleet', (x) => Number(x) >= at);
      expect(rowsOf((await c.get('/fleet/rows')).text)).toEqual(['site-a/d1']);
    } finally {
      live.close();
    }
  });
});

describe('door page', () => {
  it('shows the facts, the latest events newest first (escaped), the chain head and the chain alerts', async () => {
    const d = await fleetDash();
    await d.addUser('ani', 'analyst');
    const c = await d.signedIn('ani');
    const p = await c.get('/fleet/site-a/d1');
    expect(p.status).toBe(200);
    expect(p.text).toContain('Pintu site-a/d1');
    const seqs = [...p.text.matchAll(/<tr data-seq="(\d+)">/g)].map((m) => Number(m[1]));
    expect(seqs).toEqual([3, 2, 1]);
    expect(p.text).toContain('hx-get="/fleet/site-a/d1/events" hx-trigger="sse:door:site-a/d1"');
    expect(p.text).toContain('{&quot;reader&quot;:&quot;in&quot;,&quot;n&quot;:3}');
    const head = (await d.store.door('site-a', 'd1'))!.lastHash;
    expect(p.text).toContain(`nomor urut 3, hash ${head.slice(0, 16)}…`);
    expect(p.text).toContain('Belum pernah diperiksa ulang.');
    const b = await c.get('/fleet/site-b/d1');
    expect(b.text).toContain('Celah');
    expect(b.text).toContain('expected seq 4, got 9');
    // New events appear in the fragment.
    await d.store.ingest('site-a', 'd1', chainOf('d1', 4, 4, head), Date.now());
    expect([...(await c.get('/fleet/site-a/d1/events')).text.matchAll(/<tr data-seq="(\d+)">/g)].map((m) => Number(m[1]))).toEqual([4, 3, 2, 1]);
    expect((await c.get('/fleet/site-a/d1?before=3')).text).toMatch(/<tr data-seq="2">[\s\S]*<tr data-seq="1">/);
  });

  it('escapes every text a door sends: event type and data, version, OS, reader ids, health items', async () => {
    const d = await startDashboard();
    open.push(d);
    const x = '<img src=x onerror=alert(1)>';
    await d.store.enroll('site-a', 'd1', KEY, Date.now());
    const e = chainOf('d1', 1, 1, GENESIS_HASH, () => ({ note: `</code><script>alert(1)</script>${x}`, [x]: 1 }));
    const typed: WireEvent[] = [{ ...e[0]!, type: `alarm.${x}` }];
    typed[0]!.hash = eventHash(GENESIS_HASH, 'd1', 1, typed[0]!.type, typed[0]!.at, eventDataText(typed[0]!.data));
    expect((await d.store.ingest('site-a', 'd1', typed, Date.now())).stored).toBe(1);
    const facts: StatusFacts = { app: x, os: `<b>os</b>${x}`, readers: [{ id: x, role: 'in', up: false }], health: { state: 'failed', failing: [x, '<script>alert(2)</script>'] } };
    await d.store.setStatus('site-a', 'd1', 'online', Date.now(), 1, facts);
    await d.addUser('ani', 'analyst');
    const c = await d.signedIn('ani');
    for (const path of ['/fleet', '/fleet/rows', '/fleet/site-a/d1', '/fleet/site-a/d1/events', '/fleet/site-a/d1/facts']) {
      const p = await c.get(path);
      expect(p.status).toBe(200);
      expect(p.text).not.toContain('<img src=x');
      expect(p.text).not.toContain('<script>alert');
      expect(p.text).not.toContain('<b>os</b>');
      expect(p.text).toContain('&lt;img src=x onerror=alert(1)&gt;');
    }
  });

  for (const db of ['sqlite', 'postgresql'] as const) {
    it(`verifies the stored chain: intact, then an event changed in the database is found at its seq, shown, and audited (${db})`, async () => {
      const d = await startDashboard(db === 'postgresql' ? { store: await (pg ??= await startPostgres()).database() } : {});
      open.push(d);
      await d.store.enroll('site-a', 'd1', KEY, Date.now());
      expect((await d.store.ingest('site-a', 'd1', chainOf('d1', 1, 40), Date.now())).stored).toBe(40);
      await d.store.setStatus('site-a', 'd1', 'online', Date.now(), 41, { app: '1.4.0', clock: 'jumped' });
      await d.addUser('ani', 'analyst');
      const c = await d.signedIn('ani');
      // The fleet's SQL on this database: filters, every sort, the summary.
      for (const sort of ['site', 'door', 'state', 'contact', 'backlog', 'alerts', 'version']) {
        expect(rowsOf((await c.get(`/fleet?sort=${sort}&dir=desc&state=online&q=D1&site=site-a`)).text)).toEqual(['site-a/d1']);
      }
      expect((await c.get('/fleet')).text).toContain('1 pintu: 1 daring');
      const page = await c.get('/fleet/site-a/d1');
      expect(page.text).toContain('Melompat maju');
      expect([...page.text.matchAll(/<tr data-seq="(\d+)">/g)]).toHaveLength(40);
      const ok = await c.post('/fleet/site-a/d1/verify', { from: '1' });
      expect(ok.status).toBe(303);
      expect(ok.location).toBe('/fleet/site-a/d1#chain');
      const after = await c.get('/fleet/site-a/d1');
      expect(after.text).toContain('Utuh: nomor urut 1–40 (40 peristiwa) cocok dengan hash-nya, dan kepala rantai cocok.');
      expect(after.text).toMatch(/oleh ani, \d+ ms/);

      // Tamper with seq 17 behind the receiver's back (SQLite: its append-only trigger dropped for the test).
      if (db === 'sqlite') await d.store.sql.run('DROP TRIGGER events_append_only', []);
      expect(await d.store.sql.run("UPDATE events SET data = ? WHERE site = 'site-a' AND door = 'd1' AND seq = 17", [JSON.stringify({ reader: 'in', n: 999 })])).toBe(1);
      const bad = await c.post('/fleet/site-a/d1/verify', { from: '1' });
      expect(bad.status).toBe(303);
      const shown = await c.get('/fleet/site-a/d1');
      expect(shown.text).toContain('RUSAK di nomor urut 17: isi peristiwa tidak cocok dengan hash-nya (diubah setelah disimpan). Nomor urut 1–16 sebelum itu utuh.');
      const trail = await auditEntries(d.store.sql, { scope: null, action: 'door.chain_verified' });
      expect(trail).toHaveLength(2);
      expect(trail[0]).toMatchObject({ actor: 'ani', site: 'site-a', door: 'd1', detail: { ok: false, problem: { seq: 17, kind: 'hash' }, from: 1, to: 16, checked: 16 } });
      expect(trail[1]).toMatchObject({ detail: { ok: true, complete: true, to: 40, checked: 40 } });
      // In English too.
      await c.post('/lang', { lang: 'en', next: '/fleet/site-a/d1' });
      expect((await c.get('/fleet/site-a/d1')).text).toContain('BROKEN at seq 17');
    });
  }
});

describe('stored chain check (verifyStoredChain)', () => {
  async function door(n: number): Promise<TestDashboard> {
    const d = await startDashboard();
    open.push(d);
    await d.store.enroll('s', 'd', KEY, Date.now());
    expect((await d.store.ingest('s', 'd', chainOf('d', 1, n), Date.now())).stored).toBe(n);
    return d;
  }

  it('stops where its limit is reached, says so, and continues from the next seq to the head', async () => {
    const d = await door(25);
    const first = await verifyStoredChain(d.store.sql, 's', 'd', { maxEvents: 10, pageSize: 4 });
    expect(first).toMatchObject({ from: 1, to: 10, checked: 10, headSeq: 25, ok: true, complete: false, problem: null });
    const rest = await verifyStoredChain(d.store.sql, 's', 'd', { from: 11, pageSize: 4 });
    expect(rest).toMatchObject({ from: 11, to: 25, checked: 15, ok: true, complete: true, problem: null });
    // A time budget spent stops between pages too.
    let clock = 0;
    const timed = await verifyStoredChain(d.store.sql, 's', 'd', { pageSize: 5, budgetMs: 10, now: () => (clock += 4) });
    expect(timed).toMatchObject({ ok: true, complete: false });
    expect(timed!.to).toBeLessThan(25);
    expect(await verifyStoredChain(d.store.sql, 's', 'nope')).toBeNull();
  });

  it('finds a missing event, a broken link and a head that does not match', async () => {
    const d = await door(12);
    const db = (d.store as SqliteCentralStore).db;
    db.exec('DROP TRIGGER events_append_only');
    db.prepare("UPDATE events SET prev_hash = ? WHERE seq = 5").run('f'.repeat(64));
    expect(await verifyStoredChain(d.store.sql, 's', 'd')).toMatchObject({ ok: false, to: 4, problem: { seq: 5, kind: 'link' } });
    db.prepare('DELETE FROM events WHERE seq = 5').run();
    expect(await verifyStoredChain(d.store.sql, 's', 'd')).toMatchObject({ ok: false, to: 4, problem: { seq: 5, kind: 'missing' } });
    expect(await verifyStoredChain(d.store.sql, 's', 'd', { from: 6 })).toMatchObject({ ok: false, problem: { seq: 5, kind: 'missing' } });
    db.prepare('DELETE FROM events WHERE seq >= 5').run();
    expect(await verifyStoredChain(d.store.sql, 's', 'd')).toMatchObject({ ok: false, to: 4, complete: true, problem: { seq: 5, kind: 'missing' } });
    db.prepare("UPDATE doors SET last_seq = 4, last_hash = ? WHERE site = 's'").run('e'.repeat(64));
    expect(await verifyStoredChain(d.store.sql, 's', 'd')).toMatchObject({ ok: false, to: 4, complete: true, problem: { seq: 4, kind: 'head' } });
  });
});
