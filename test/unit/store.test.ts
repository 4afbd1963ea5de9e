import { describe, it, expect, afterEach } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/adapters/sqlite/db.js';
import { Store } from '../../src/adapters/sqlite/store.js';
import type { Role, Visit, VisitState } from '../../src/domain/types.js';

const T0 = Date.UTC(2026, 10, 23, 1, 0, 0);
const dirs: string[] = [];
const stores: Store[] = [];
function store(door = 'door-1', path?: string): Store {
  let p = path;
  if (!p) { const d = mkdtempSync(join(tmpdir(), 'pintu-store-')); dirs.push(d); p = join(d, 'pintu.db'); }
  const s = new Store(openDatabase(p, { synchronous: 'normal' }), door, null);
  stores.push(s);
  return s;
}
afterEach(() => {
  for (const s of stores.splice(0)) if (s.db.open) s.db.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function visit(id: string, p: Partial<Visit> = {}): Visit {
  return {
    id, kind: 'visit', state: 'requested', presence: null, visitor: { name: 'Siti Rahma', nik: '3273015508900001', org: 'PT X', phone: '0812' },
    purpose: 'ganti disk', plannedMinutes: 30, devicesIn: [{ description: 'Laptop', serial: 'SN-1' }], devicesOut: null, letterRef: null, ktpHash: null,
    ktpHeld: false, badgeUid: null, validFrom: null, validUntil: null, at: { requested: T0 }, by: { requested: 'O1' }, denyReason: null, revokeReason: null,
    disposition: null, ...p,
  };
}
const addOfficer = (s: Store, n: number, role: Role = 'staff') => s.addOfficer({ name: `Petugas ${n}`, role, badgeUid: `0A0B0C${String(n).padStart(2, '0')}` }, T0);

describe('officers', () => {
  it('get ids O1, O2, … in order, active and outside, listed numerically (O10 after O9)', () => {
    const s = store();
    const first = addOfficer(s, 1, 'head');
    expect(first).toEqual({ id: 'O1', name: 'Petugas 1', role: 'head', badgeUid: '0A0B0C01', active: true, presence: 'outside', enteredAt: null });
    for (let n = 2; n <= 11; n++) addOfficer(s, n);
    expect(s.officers().map((o) => o.id)).toEqual(Array.from({ length: 11 }, (_, i) => `O${i + 1}`));
    expect(s.officer('O1')).toEqual(first);
    expect(s.officerByBadge('0A0B0C11')?.id).toBe('O11');
    expect(s.officer('O99')).toBeNull();
    expect(s.officerByBadge('FFFF')).toBeNull();
  });

  it('a badge UID belongs to one officer only', () => {
    const s = store();
    addOfficer(s, 1);
    expect(() => s.addOfficer({ name: 'Lain', role: 'coordinator', badgeUid: '0A0B0C01' }, T0)).toThrow(/UNIQUE/);
    expect(s.officers()).toHaveLength(1);
    expect(addOfficer(s, 2).id).toBe('O2');
  });

  it('the role is constrained to the SOP roles', () => {
    const s = store();
    expect(() => s.addOfficer({ name: 'X', role: 'admin' as Role, badgeUid: '01' }, T0)).toThrow(/CHECK/);
  });

  it('deactivation and presence are stored', () => {
    const s = store();
    addOfficer(s, 1); addOfficer(s, 2); addOfficer(s, 3);
    s.setOfficerActive('O2', false);
    expect(s.officer('O2')?.active).toBe(false);
    s.setOfficerActive('O2', true);
    expect(s.officer('O2')?.active).toBe(true);
    s.setOfficerPresence('O1', 'inside');
    s.setOfficerPresence('O3', 'inside');
    s.setOfficerPresence('O3', 'outside');
    expect(s.officersInside().map((o) => o.id)).toEqual(['O1']);
  });
});

describe('visitor badges', () => {
  it('the pool: added available, found by UID and label, listed by label', () => {
    const s = store();
    expect(s.addBadge('04BB', 'TAMU-02', T0)).toEqual({ uid: '04BB', label: 'TAMU-02', status: 'available', visitId: null });
    s.addBadge('04AA', 'TAMU-01', T0);
    expect(s.badge('04AA')).toEqual({ uid: '04AA', label: 'TAMU-01', status: 'available', visitId: null });
    expect(s.badgeByLabel('TAMU-02')?.uid).toBe('04BB');
    expect(s.badges().map((b) => b.label)).toEqual(['TAMU-01', 'TAMU-02']);
    expect(s.badge('04CC')).toBeNull();
    expect(s.badgeByLabel('TAMU-09')).toBeNull();
    expect(() => s.addBadge('04AA', 'TAMU-03', T0)).toThrow(/UNIQUE/);
    expect(() => s.addBadge('04CC', 'TAMU-01', T0)).toThrow(/UNIQUE/);
  });

  it('status and holder change together; an unknown status is refused', () => {
    const s = store();
    s.addBadge('04AA', 'TAMU-01', T0);
    s.setBadge('04AA', 'issued', 'V-20261123-001');
    expect(s.badge('04AA')).toMatchObject({ status: 'issued', visitId: 'V-20261123-001' });
    s.setBadge('04AA', 'available', null);
    expect(s.badge('04AA')).toMatchObject({ status: 'available', visitId: null });
    expect(() => s.setBadge('04AA', 'stolen' as never, null)).toThrow(/CHECK/);
  });

  it('a visit holds at most one issued badge; a lost badge no longer counts', () => {
    const s = store();
    s.addBadge('04AA', 'TAMU-01', T0);
    s.addBadge('04BB', 'TAMU-02', T0);
    s.setBadge('04AA', 'issued', 'V-1');
    expect(() => s.setBadge('04BB', 'issued', 'V-1')).toThrow(/UNIQUE/);
    expect(s.badge('04BB')?.status).toBe('available');
    s.setBadge('04BB', 'issued', 'V-2');
    s.setBadge('04AA', 'lost', 'V-1');
    s.setBadge('04BB', 'available', null);
    s.setBadge('04BB', 'issued', 'V-1'); // the re-issue after a loss
    expect(s.badges().map((b) => [b.label, b.status, b.visitId])).toEqual([['TAMU-01', 'lost', 'V-1'], ['TAMU-02', 'issued', 'V-1']]);
  });

  it('a badge UID can be held by only one visit at a time', () => {
    const s = store();
    s.saveVisit(visit('V-20261123-001', { state: 'issued', badgeUid: '04AA' }));
    expect(() => s.saveVisit(visit('V-20261123-002', { state: 'issued', badgeUid: '04AA' }))).toThrow(/UNIQUE/);
    s.saveVisit(visit('V-20261123-001', { state: 'checked_out', badgeUid: null }));
    s.saveVisit(visit('V-20261123-002', { state: 'issued', badgeUid: '04AA' }));
    expect(s.visit('V-20261123-002')?.badgeUid).toBe('04AA');
  });
});

describe('visits', () => {
  it('are saved and loaded whole, and updated in place', () => {
    const s = store();
    const v = visit('V-20261123-001', { ktpHash: 'ab'.repeat(32), letterRef: 'ND-1', disposition: { orderedBy: 'Kabag', reference: 'DISP-7', date: '2026-11-20' } });
    s.saveVisit(v);
    expect(s.visit(v.id)).toEqual(v);
    const next = { ...v, state: 'issued' as const, presence: 'outside' as const, badgeUid: '04AA', ktpHeld: true, at: { ...v.at, issued: T0 + 5 } };
    s.saveVisit(next);
    expect(s.visit(v.id)).toEqual(next);
    expect(s.visits()).toHaveLength(1);
    expect(s.visit('V-20261123-999')).toBeNull();
  });

  it('are listed newest first and filtered by state, presence and limit', () => {
    const s = store();
    const states: [string, VisitState, Visit['presence'], number][] = [
      ['V-20261123-001', 'issued', 'inside', T0], ['V-20261123-002', 'issued', 'outside', T0 + 1], ['V-20261123-003', 'archived', 'outside', T0 + 2],
      ['V-20261123-004', 'requested', null, T0 + 3], ['V-20261123-005', 'revoked', 'inside', T0 + 4],
    ];
    for (const [id, state, presence, at] of states) s.saveVisit(visit(id, { state, presence, at: { requested: at } }));
    const ids = (vs: Visit[]): string[] => vs.map((v) => v.id.slice(-3));
    expect(ids(s.visits())).toEqual(['005', '004', '003', '002', '001']);
    expect(ids(s.visits({ state: 'issued' }))).toEqual(['002', '001']);
    expect(ids(s.visits({ presence: 'inside' }))).toEqual(['005', '001']);
    expect(ids(s.visits({ state: 'issued', presence: 'inside' }))).toEqual(['001']);
    expect(ids(s.visits({ limit: 2 }))).toEqual(['005', '004']);
    expect(s.visits({ state: 'denied' })).toEqual([]);
  });

  it('nextVisitId numbers visits per local date from 001', () => {
    const s = store();
    expect(s.nextVisitId('20261123')).toBe('V-20261123-001');
    s.saveVisit(visit('V-20261123-001'));
    s.saveVisit(visit('V-20261123-002'));
    s.saveVisit(visit('V-20261122-009'));
    expect(s.nextVisitId('20261123')).toBe('V-20261123-003');
    expect(s.nextVisitId('20261122')).toBe('V-20261122-010');
    expect(s.nextVisitId('20261124')).toBe('V-20261124-001');
    s.saveVisit(visit('V-20261123-999'));
    expect(s.nextVisitId('20261123')).toBe('V-20261123-1000');
    s.saveVisit(visit('V-20261123-1000'));
    expect(s.nextVisitId('20261123')).toBe('V-20261123-1001');
  });

  it('visitByKtpHash finds the latest visit for that KTP', () => {
    const s = store();
    s.saveVisit(visit('V-20261122-001', { ktpHash: 'h1', state: 'checked_out', at: { requested: T0 - 86_400_000 } }));
    s.saveVisit(visit('V-20261123-001', { ktpHash: 'h1', state: 'issued', ktpHeld: true, at: { requested: T0 } }));
    s.saveVisit(visit('V-20261123-002', { ktpHash: 'h2', state: 'issued', ktpHeld: true, at: { requested: T0 + 1 } }));
    expect(s.visitByKtpHash('h1')?.id).toBe('V-20261123-001');
    expect(s.visitByKtpHash('h2')?.id).toBe('V-20261123-002');
    expect(s.visitByKtpHash('h3')).toBeNull();
  });
});

describe('incidents', () => {
  it('are numbered and listed newest first', () => {
    const s = store();
    const a = s.addIncident({ at: T0, officerId: 'O1', visitId: 'V-20261123-001', note: 'kabel tercabut' });
    const b = s.addIncident({ at: T0 + 1, officerId: 'O2', visitId: null, note: 'AC mati' });
    expect(b.id).toBeGreaterThan(a.id);
    expect(s.incidents()).toEqual([b, a]);
    expect(s.incidents(1)).toEqual([b]);
  });
});

describe('door status and meta', () => {
  it('the status row is created on first read with safe defaults', () => {
    expect(store().doorStatus()).toEqual({ mode: 'enabled', locked: true, open: null, openSince: null, daemonPid: null, heartbeatAt: null, startedAt: null });
  });

  it('updates only the given fields, booleans stored as such, per door', () => {
    const d = mkdtempSync(join(tmpdir(), 'pintu-store-'));
    dirs.push(d);
    const a = store('door-a', join(d, 'p.db'));
    const b = store('door-b', join(d, 'p.db'));
    a.updateDoorStatus({ mode: 'disabled', locked: false, open: true, openSince: T0, daemonPid: 4242 });
    a.updateDoorStatus({ heartbeatAt: T0 + 1000 });
    expect(a.doorStatus()).toEqual({ mode: 'disabled', locked: false, open: true, openSince: T0, daemonPid: 4242, heartbeatAt: T0 + 1000, startedAt: null });
    a.updateDoorStatus({ open: false, openSince: null });
    expect(a.doorStatus()).toMatchObject({ open: false, openSince: null, mode: 'disabled' });
    a.updateDoorStatus({});
    expect(a.doorStatus().daemonPid).toBe(4242);
    expect(b.doorStatus()).toMatchObject({ mode: 'enabled', locked: true });
    expect(() => a.updateDoorStatus({ mode: 'broken' as never })).toThrow(/CHECK/);
  });

  it('meta: missing is null, set and overwrite', () => {
    const s = store();
    expect(s.meta('site')).toBeNull();
    s.setMeta('site', 'Diskominfo Kudus');
    s.setMeta('door', 'server-1');
    s.setMeta('site', 'Diskominfo Cirebon');
    expect(s.meta('site')).toBe('Diskominfo Cirebon');
    expect(s.meta('door')).toBe('server-1');
  });

  it('tx commits together or not at all', () => {
    const s = store();
    s.tx(() => { s.setMeta('a', '1'); s.addBadge('04AA', 'TAMU-01', T0); });
    expect(() => s.tx(() => { s.setMeta('a', '2'); s.addBadge('04AA', 'TAMU-02', T0); })).toThrow(/UNIQUE/);
    expect(s.meta('a')).toBe('1');
    expect(s.badges()).toHaveLength(1);
    expect(s.tx(() => 42)).toBe(42);
  });
});
