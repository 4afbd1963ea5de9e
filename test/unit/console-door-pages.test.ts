/**
 * The door page, the muster list and the daily list as the console renders them from its ports (fake ports here; the
 * integration test test/integration/console-door.test.ts drives a real daemon): the door's state in the SOP's words,
 * who is inside with escort, devices and since when in the site zone, names with HTML shown as text, the daily list
 * with its signature lines, a bad day refused with the form kept, and the live panes re-rendered by the events that
 * change them.
 */
import { describe, expect, it } from 'vitest';
import { ConsoleServer } from '../../src/adapters/console/server.js';
import { SESSION_COOKIE } from '../../src/adapters/console/session.js';
import { changesDoor, changesInside } from '../../src/adapters/console/screens/door.js';
import type { ConsolePorts, LiveDoor } from '../../src/ports/console.js';
import type { Officer, Visit, VisitorBadge } from '../../src/domain/types.js';
import type { StoredEvent } from '../../src/domain/events.js';
import { DEFAULT_STANDARDS } from '../../src/domain/sop.js';

const NOW = Date.parse('2026-12-01T03:00:00.000Z'); // 10:00 WIB
const head: Officer = { id: 'O1', name: 'Budi Santoso', role: 'head', badgeUid: '04AA11BB22CC33', active: true, presence: 'inside', enteredAt: NOW - 3_600_000 };
const badge: VisitorBadge = { uid: '04DD44EE55FF66', label: 'TAMU-03', status: 'issued', visitId: 'V-20261201-001' };
const visit: Visit = {
  id: 'V-20261201-001', kind: 'visit', state: 'issued', presence: 'inside',
  visitor: { name: '<script>alert(1)</script>', nik: '3171012345678934', org: 'PT <b>Jaringan</b>', phone: null },
  purpose: 'Ganti modul UPS', plannedMinutes: 60, devicesIn: [{ description: 'Laptop Dell', serial: 'SN-123' }], devicesOut: null,
  letterRef: null, ktpHash: null, ktpHeld: true, badgeUid: badge.uid, validFrom: NOW - 7_200_000, validUntil: NOW + 3_600_000,
  at: { requested: NOW - 9_000_000, firstEntry: NOW - 1_800_000, lastEntry: NOW - 1_800_000 }, by: {}, denyReason: null, revokeReason: null, disposition: null,
};
const ev = (seq: number, type: string, data: Record<string, unknown>, at = NOW - 60_000): StoredEvent =>
  ({ door: 'd1', seq, type, at: new Date(at).toISOString(), data, prevHash: '', hash: '' }) as unknown as StoredEvent;

function world(door: LiveDoor, events: StoredEvent[] = []): { server: ConsoleServer; days: string[] } {
  const days: string[] = [];
  const queries = {
    visit: () => visit, searchVisits: () => [visit], visitsOfDay: (day: string) => { days.push(day); return day === '2026-12-01' ? [{ ...visit, escort: 'O1' }] : []; },
    pending: () => [], visitsInside: () => [{ visit, escort: 'O1', since: NOW - 1_800_000 }], officersInside: () => [head],
    officers: () => [head], officer: (id: string) => (id === 'O1' ? head : null), officerByBadge: () => null, badges: () => [badge],
    badge: (uid: string) => (uid === badge.uid ? badge : null), eventsOfVisit: () => [], recentEvents: (n: number) => events.slice(0, n),
    incidents: () => [], doorStatus: () => ({ ...door, daemonPid: 1, heartbeatAt: NOW, startedAt: NOW }),
  };
  const ports = {
    desk: {}, officers: {}, alarms: { open: () => [], acknowledge: () => undefined }, queries,
    write: async <T>(_n: string, job: () => T) => job(), subscribe: () => () => undefined, door: () => door, deskReader: null, ktpHash: (u: string) => u,
  } as unknown as ConsolePorts;
  const log = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined, child: () => log } as never;
  const server = new ConsoleServer(ports, {
    config: { listen: '127.0.0.1:0', allowPlainHttp: false, language: 'id', idleMinutes: 15, pinLockoutMinutes: 15 } as never,
    site: 'Diskominfo', door: 'd1', timeZone: 'Asia/Jakarta', standards: DEFAULT_STANDARDS, defaultValidity: 'end-of-day', now: () => NOW,
  }, log);
  return { server, days };
}

async function get(w: { server: ConsoleServer }, path: string, lang: 'id' | 'en' = 'id'): Promise<{ status: number; html: string }> {
  const port = await w.server.start();
  try {
    const { token } = w.server.context.sessions.open('O1', lang, NOW);
    const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { cookie: `${SESSION_COOKIE}=${token}` }, redirect: 'manual' });
    return { status: res.status, html: await res.text() };
  } finally {
    await w.server.stop();
  }
}

describe('door page', () => {
  it('shows the door locked and closed since its last closing, who is inside with escort, and the events as text', async () => {
    const events = [ev(3, 'door.closed', { openSeconds: 4, via: 'grant' }, NOW - 120_000), ev(2, 'access.granted', { reader: 'in', direction: 'in', badge: badge.uid, holder: 'visitor', visit: visit.id, escort: 'O1' }, NOW - 125_000)];
    const { status, html } = await get(world({ locked: true, open: false, openSince: null, mode: 'enabled' }, events), '/door');
    expect(status).toBe(200);
    expect(html).toMatch(/sse-swap="door"[^>]*>[\s\S]*Terkunci[\s\S]*Tertutup<\/span> <span class="since">sejak <time[^>]*>09:58 WIB<\/time>/);
    expect(html).toContain('Aktif: kartu diperiksa di pembaca');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('PT &lt;b&gt;Jaringan&lt;/b&gt;');
    expect(html).toMatch(/<tr data-visit="V-20261201-001">[\s\S]*TAMU-03[\s\S]*Budi Santoso[\s\S]*09:30 WIB/);
    expect(html).toMatch(/<tr data-officer="O1">[\s\S]*Kepala bidang[\s\S]*09:00 WIB/);
    expect(html).toContain('Akses diberikan: pengunjung kunjungan V-20261201-001 (kartu TAMU-03) masuk, didampingi Budi Santoso (pembaca in)');
    expect(html).not.toContain(badge.uid);
    expect(html).toMatch(/id="inside" sse-swap="inside"/);
    expect(html).toMatch(/id="events" sse-swap="events"/);
  });

  it('shows an unlocked, open, disabled door in English', async () => {
    const { html } = await get(world({ locked: false, open: true, openSince: NOW - 30_000, mode: 'disabled' }), '/door', 'en');
    expect(html).toContain('Unlocked');
    expect(html).toMatch(/Open<\/span> <span class="since">since <time[^>]*>09:59 WIB/);
    expect(html).toContain('Disabled: every badge is refused, the exit button still works');
  });

  it('re-renders its panes only for the events that change them', () => {
    const t = (type: string): StoredEvent => ev(1, type, {});
    expect(changesDoor(t('door.opened'))).toBe(true);
    expect(changesDoor(t('access.granted'))).toBe(true);
    expect(changesDoor(t('visit.requested'))).toBe(false);
    expect(changesInside(t('access.granted'))).toBe(true);
    expect(changesInside(t('visit.checked_out'))).toBe(true);
    expect(changesInside(t('door.closed'))).toBe(false);
    expect(changesInside(t('health.report'))).toBe(false);
  });
});

describe('muster list', () => {
  it('lists who is inside with escort, devices with serial numbers and since when, printable', async () => {
    const { status, html } = await get(world({ locked: true, open: false, openSince: null, mode: 'enabled' }), '/muster');
    expect(status).toBe(200);
    expect(html).toContain('class="print-list"');
    expect(html).toMatch(/<tr data-visit="V-20261201-001"><td>1<\/td><td>&lt;script&gt;alert\(1\)&lt;\/script&gt;<\/td>[\s\S]*TAMU-03[\s\S]*Budi Santoso[\s\S]*Laptop Dell \(nomor seri SN-123\)[\s\S]*09:30 WIB/);
    expect(html).toContain('Keadaan pada 2026-12-01 10:00:00 WIB (+07:00)');
    expect(html).toContain('data-print');
  });
});

describe('daily list', () => {
  it('defaults to today in the site zone and shows the visits with masked NIK and signature lines', async () => {
    const w = world({ locked: true, open: false, openSince: null, mode: 'enabled' });
    const { status, html } = await get(w, '/daily');
    expect(status).toBe(200);
    expect(w.days).toEqual(['2026-12-01']);
    expect(html).toContain('Daftar kunjungan Selasa, 1 Desember 2026');
    expect(html).toContain('317101******8934');
    expect(html).not.toContain('3171012345678934');
    expect(html).toMatch(/<tr data-visit="V-20261201-001">[\s\S]*Budi Santoso[\s\S]*09:30 WIB/);
    expect(html).toMatch(/class="signature"[\s\S]*Mengetahui,<br>Kepala bidang[\s\S]*\(nama dan tanda tangan\)/);
  });

  it('shows another day on request, and refuses a day that does not exist with the form kept', async () => {
    const w = world({ locked: true, open: false, openSince: null, mode: 'enabled' });
    const other = await get(w, '/daily?day=2026-11-30');
    expect(other.html).toContain('Tidak ada kunjungan pada hari ini.');
    const bad = await get(w, '/daily?day=2026-02-30');
    expect(bad.status).toBe(422);
    expect(bad.html).toContain('Tanggal &quot;2026-02-30&quot; tidak sah');
    expect(bad.html).toContain('value="2026-02-30"');
    expect(w.days).toEqual(['2026-11-30']);
  });
});
