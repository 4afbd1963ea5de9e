/**
 * The dashboard's alert queue (issue 13, item 3): one queue of door alarms and link faults of the user's sites, open
 * first and newest first, filtered by site, kind group and state, paged; kinds in analysts' words (Indonesian default,
 * English switch), times in the centre's zone with offset, details escaped; live (an `alerts` notice, then the rows
 * fragment has the new alert); acknowledgement with a required note, once only, audited, 404 out of scope; bulk.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { auditEntries } from '../../src/central/audit.js';
import { EVENT_TYPES, isAlertType } from '../../src/domain/events.js';
import { LINK_FAULT_KINDS, listAlerts } from '../../src/central/alert-queue.js';
import { DashboardCatalogue } from '../../src/central/dashboard/i18n/index.js';
import { startDashboard, type TestDashboard } from '../helpers/dashboard.js';

const open: TestDashboard[] = [];
afterEach(async () => { for (const d of open.splice(0)) await d.close(); });

const A = 'kanwil-a';
const B = 'kanwil-b';
/** 2026-12-01 08:00:00 UTC = 15:00 WIB. */
const T0 = Date.UTC(2026, 11, 1, 8, 0, 0);

async function dash(): Promise<TestDashboard> {
  const d = await startDashboard();
  open.push(d);
  await d.store.enroll(A, 'srv-1', 'A'.repeat(43) + '=', T0);
  await d.store.enroll(B, 'srv-2', 'B'.repeat(43) + '=', T0);
  return d;
}

/** Alert ids by their position in the table of a page (document order). */
const idsOn = (html: string): number[] => [...html.matchAll(/<tr id="alert-(\d+)"/g)].map((m) => Number(m[1]));

/** The id of the newest alert. */
async function lastId(d: TestDashboard): Promise<number> {
  return (await d.store.alerts(1))[0]!.id;
}

describe('alert queue', () => {
  it('shows open alerts first, newest first, in analysts’ words with WIB times, and filters by site, kind group and state', async () => {
    const d = await dash();
    await d.store.alert(A, 'srv-1', 'door.forced', 'seq 7 at 2026-12-01T08:00:00.000Z: {}', T0);
    await d.store.alert(A, 'srv-1', 'offline', 'door silent for more than 120 s', T0 + 1000);
    await d.store.alert(B, 'srv-2', 'alarm.visitor_unescorted', 'seq 9: {"officer":"O2"}', T0 + 2000);
    const [forced, offline, unescorted] = [1, 2, 3];
    await d.addUser('ani', 'analyst');
    const c = await d.signedIn('ani');
    // Acknowledge the newest: it moves behind the open ones in "all".
    expect((await c.post(`/alerts/${unescorted}/ack`, { note: 'dicek, petugas sudah kembali' })).status).toBe(303);

    const p = await c.get('/alerts');
    expect(p.status).toBe(200);
    expect(idsOn(p.text)).toEqual([offline, forced]);
    expect(p.text).toContain('Pintu dibuka paksa');
    expect(p.text).toContain('Pintu terputus (offline)');
    expect(p.text).toContain('2026-12-01 15:00:00 WIB (+07:00)');
    expect(p.text).toContain('2 peringatan terbuka');
    expect(p.text).toContain('<span id="pending-count" hidden>2</span>');
    expect(p.text).toContain('hx-trigger="sse:alerts"');

    expect(idsOn((await c.get('/alerts?state=all')).text)).toEqual([offline, forced, unescorted]);
    expect(idsOn((await c.get('/alerts?state=acked')).text)).toEqual([unescorted]);
    expect(idsOn((await c.get('/alerts?group=link')).text)).toEqual([offline]);
    expect(idsOn((await c.get('/alerts?group=alarm&state=all')).text)).toEqual([forced, unescorted]);
    expect(idsOn((await c.get(`/alerts?site=${B}&state=all`)).text)).toEqual([unescorted]);
    const acked = (await c.get('/alerts?state=acked')).text;
    expect(acked).toContain('Dikonfirmasi oleh ani');
    expect(acked).toContain('dicek, petugas sudah kembali');

    // The rows fragment (what the live trigger re-GETs) has the same filters.
    const rows = await c.get('/alerts/rows?group=link', { 'hx-request': 'true' });
    expect(idsOn(rows.text)).toEqual([offline]);
    expect(rows.text).not.toContain('<html');

    // English: the same kinds in English.
    await c.post('/lang', { lang: 'en', next: '/alerts' });
    const en = await c.get('/alerts?state=all');
    expect(en.text).toContain('Door forced open');
    expect(en.text).toContain('Visitor inside without an escort');
    expect(en.text).toContain('Acknowledged by ani');
  });

  it('escapes what the door sent in the details (XSS) on the queue and on the alert’s page', async () => {
    const d = await dash();
    const evil = '<script>alert(1)</script><img src=x onerror="alert(2)">';
    await d.store.alert(A, 'srv-1', 'alarm.health', `seq 3: {"detail":"${evil}"}`, T0);
    await d.store.alert(A, 'srv-1', '<b>kind</b>', evil, T0);
    await d.addUser('ani', 'analyst');
    const c = await d.signedIn('ani');
    for (const path of ['/alerts', '/alerts/rows', '/alerts/1', '/alerts/2']) {
      const p = await c.get(path);
      expect(p.status, path).toBe(200);
      expect(p.text, path).not.toContain('<script>alert(1)');
      expect(p.text, path).not.toContain('<img src=x');
      expect(p.text, path).not.toContain('<b>kind</b>');
      expect(p.text, path).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    }
    expect((await c.get('/alerts/2')).text).toContain('Peringatan lain: &lt;b&gt;kind&lt;/b&gt;');
  });

  it('pages through many alerts with keyset cursors: every alert once, open ones first, in order', async () => {
    const d = await dash();
    for (let i = 0; i < 130; i++) await d.store.alert(i % 2 ? A : B, 'srv-1', i % 3 ? 'door.held' : 'gap', `n${i}`, T0 + i);
    // Acknowledge every fifth.
    for (let id = 5; id <= 130; id += 5) await d.store.sql.run('UPDATE alerts SET acked_at = ?, acked_by = ?, ack_note = ? WHERE id = ?', [T0 + 9999, 'x', 'ok', id]);
    const walk = async (q: Parameters<typeof listAlerts>[1]): Promise<number[]> => {
      const ids: number[] = [];
      let after: string | null = null;
      for (let i = 0; i < 20; i++) {
        const p = await listAlerts(d.store.sql, { ...q, after, limit: 40 });
        ids.push(...p.alerts.map((a) => a.id));
        if (!p.next) break;
        after = p.next;
      }
      return ids;
    };
    const all = Array.from({ length: 130 }, (_, i) => 130 - i);
    const isAcked = (id: number): boolean => id % 5 === 0;
    expect(await walk({ scope: null, state: 'all' })).toEqual([...all.filter((x) => !isAcked(x)), ...all.filter(isAcked)]);
    expect(await walk({ scope: null, state: 'open' })).toEqual(all.filter((x) => !isAcked(x)));
    expect(await walk({ scope: [A], state: 'all' })).toEqual([...all.filter((x) => !isAcked(x) && x % 2 === 0), ...all.filter((x) => isAcked(x) && x % 2 === 0)]);
    expect(await walk({ scope: [A], site: B })).toEqual([]);

    // The page links to the next page; the next page continues where the first stopped.
    await d.addUser('ani', 'analyst');
    const c = await d.signedIn('ani');
    const first = await c.get('/alerts');
    expect(idsOn(first.text)).toEqual(all.filter((x) => !isAcked(x)).slice(0, 50));
    const next = /<a href="(\/alerts\?after=o\d+)" rel="next">/.exec(first.text)![1]!;
    const second = await c.get(next);
    expect(idsOn(second.text)).toEqual(all.filter((x) => !isAcked(x)).slice(50, 100));
    // Its live refresh re-GETs the same page, not the first.
    expect(second.text).toContain(`hx-get="${next.replace('/alerts?', '/alerts/rows?')}"`);
  });

  it('a site-limited analyst sees only the alerts of their sites; other sites’ alerts, pages and acknowledgements answer 404', async () => {
    const d = await dash();
    await d.store.alert(A, 'srv-1', 'door.forced', 'a', T0);
    await d.store.alert(B, 'srv-2', 'door.forced', 'b', T0 + 1);
    await d.addUser('sa', 'analyst', { sites: [A] });
    const c = await d.signedIn('sa');
    const p = await c.get('/alerts?state=all');
    expect(idsOn(p.text)).toEqual([1]);
    expect(p.text).not.toContain(`>${B}<`);
    expect(p.text).toContain('1 peringatan terbuka');
    expect((await c.get(`/alerts?site=${B}`)).status).toBe(404);
    expect((await c.get(`/alerts/rows?site=${B}`, { 'hx-request': 'true' })).status).toBe(404);
    expect((await c.get('/alerts/2')).status).toBe(404);
    expect((await c.post('/alerts/2/ack', { note: 'bukan lokasi saya' })).status).toBe(404);
    const bulk = await c.post('/alerts/ack', { id: ['2'], note: 'coba' });
    expect(bulk.status).toBe(303);
    const after = await c.get(bulk.location!);
    expect(after.text).toContain('0 peringatan dikonfirmasi; 0 sudah dikonfirmasi sebelumnya, 1 tidak ditemukan.');
    expect((await d.store.sql.rows<{ acked_at: unknown }>('SELECT acked_at FROM alerts WHERE id = 2', []))[0]!.acked_at).toBeNull();
  });

  it('acknowledges with a required note (1–500 characters), once only, audited with actor, alert, site, door and note', async () => {
    const d = await dash();
    await d.store.alert(A, 'srv-1', 'door.forced', 'x', T0);
    const id = await lastId(d);
    await d.addUser('ani', 'analyst');
    await d.addUser('kasubag', 'subhead');
    await d.addUser('hd', 'helpdesk');
    const c = await d.signedIn('ani');
    const empty = await c.post(`/alerts/${id}/ack`, { note: '   ' });
    expect(empty.status).toBe(422);
    expect(empty.text).toContain('Isi catatan konfirmasi.');
    const long = await c.post(`/alerts/${id}/ack`, { note: 'x'.repeat(501) });
    expect(long.status).toBe(422);
    expect(long.text).toContain('paling banyak 500 karakter');
    expect((await d.store.sql.rows<{ acked_at: unknown }>('SELECT acked_at FROM alerts WHERE id = ?', [id]))[0]!.acked_at).toBeNull();

    const helpdesk = await d.signedIn('hd');
    expect((await helpdesk.post(`/alerts/${id}/ack`, { note: 'boleh?' })).status).toBe(403);
    expect((await helpdesk.get('/alerts')).status).toBe(403);

    const ok = await c.post(`/alerts/${id}/ack`, { note: 'Pintu diperiksa satpam; <b>aman</b>' });
    expect(ok.status).toBe(303);
    expect(ok.location).toBe(`/alerts/${id}`);
    const shown = await c.get(ok.location!);
    expect(shown.text).toContain(`Peringatan #${id} dikonfirmasi.`);
    expect(shown.text).toContain('Dikonfirmasi oleh ani');
    expect(shown.text).toContain('Pintu diperiksa satpam; &lt;b&gt;aman&lt;/b&gt;');
    expect(shown.text).not.toContain('<textarea');

    const again = await (await d.signedIn('kasubag')).post(`/alerts/${id}/ack`, { note: 'saya juga' });
    expect(again.status).toBe(409);
    expect(again.text).toContain(`Peringatan #${id} sudah dikonfirmasi oleh ani`);
    const row = (await d.store.sql.rows<{ acked_by: string; ack_note: string }>('SELECT acked_by, ack_note FROM alerts WHERE id = ?', [id]))[0]!;
    expect(row).toEqual({ acked_by: 'ani', ack_note: 'Pintu diperiksa satpam; <b>aman</b>' });

    const trail = (await auditEntries(d.store.sql, { scope: null, action: 'alert.acknowledged' }));
    expect(trail).toHaveLength(1);
    expect(trail[0]).toMatchObject({ actor: 'ani', site: A, door: 'srv-1', detail: { alert: id, kind: 'door.forced', note: 'Pintu diperiksa satpam; <b>aman</b>' } });
  });

  it('acknowledges selected alerts at once (bulk), skipping ones already acknowledged', async () => {
    const d = await dash();
    for (let i = 0; i < 4; i++) await d.store.alert(A, 'srv-1', 'door.held', `h${i}`, T0 + i);
    await d.addUser('kepala', 'head');
    const c = await d.signedIn('kepala');
    await c.get('/alerts');
    expect((await c.post('/alerts/1/ack', { note: 'sudah' })).status).toBe(303);
    const none = await c.post('/alerts/ack', { note: 'x', next: '/alerts' });
    expect((await c.get(none.location!)).text).toContain('Pilih sedikitnya satu peringatan.');
    const r = await c.post('/alerts/ack', { id: ['1', '2', '3'], note: 'pintu ditutup kembali', next: '/alerts?group=alarm' });
    expect(r.status).toBe(303);
    expect(r.location).toBe('/alerts?group=alarm');
    const p = await c.get(r.location!);
    expect(p.text).toContain('2 peringatan dikonfirmasi; 1 sudah dikonfirmasi sebelumnya, 0 tidak ditemukan.');
    expect(idsOn(p.text)).toEqual([4]);
    expect((await auditEntries(d.store.sql, { scope: null, action: 'alert.acknowledged' })).map((e) => e.detail.alert).sort()).toEqual([1, 2, 3]);
  });

  it('is live: a new alert and an acknowledgement send an `alerts` notice to a user of that site, and the rows then show it', async () => {
    const d = await dash();
    await d.addUser('ani', 'analyst', { sites: [A] });
    await d.addUser('budi', 'analyst');
    const c = await d.signedIn('ani');
    const live = await c.live();
    try {
      await live.waitFor('hello');
      await new Promise((r) => setTimeout(r, 150)); // the feed's first poll sets its baseline
      await d.store.alert(B, 'srv-2', 'offline', 'other site', T0);
      await d.store.alert(A, 'srv-1', 'door.forced', 'ours', T0 + 1);
      await live.waitFor('alerts');
      expect(idsOn((await c.get('/alerts/rows', { 'hx-request': 'true' })).text)).toEqual([2]);
      const n = live.messages.filter((m) => m.event === 'alerts').length;
      const other = await d.signedIn('budi');
      await other.get('/alerts');
      expect((await other.post('/alerts/2/ack', { note: 'ditangani' })).status).toBe(303);
      await live.waitFor('alerts', () => live.messages.filter((m) => m.event === 'alerts').length > n);
      expect((await c.get('/alerts/rows', { 'hx-request': 'true' })).text).toContain('Tidak ada peringatan.');
    } finally {
      live.close();
    }
  });

  it('names every alert kind in both languages: each door alarm type and each link fault', () => {
    const cat = new DashboardCatalogue();
    const kinds = [...EVENT_TYPES.filter(isAlertType), ...LINK_FAULT_KINDS];
    expect(kinds).toEqual(expect.arrayContaining(['door.forced', 'door.held', 'alarm.visitor_unescorted', 'alarm.visit_overstay', 'alarm.revoked_inside',
      'visit.device_mismatch', 'alarm.reader_down', 'alarm.clock_rollback', 'alarm.health', 'gap', 'chain-break', 'unknown-door', 'offline']));
    for (const k of kinds) {
      for (const lang of ['id', 'en'] as const) expect(cat.raw(lang, `alerts.kind.${k}`), `${lang}: ${k}`).toBeTruthy();
    }
  });
});

