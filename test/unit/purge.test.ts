import { describe, it, expect, afterEach, vi } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/adapters/sqlite/db.js';
import { Store } from '../../src/adapters/sqlite/store.js';
import { PURGED, purgePersonalData } from '../../src/app/maintenance/purge.js';
import type { Visit, VisitState } from '../../src/domain/types.js';
import { filler } from '../helpers/events.js';

const DAY = 86_400_000;
const NOW = Date.parse('2027-12-01T00:00:00Z');
const dirs: string[] = [];
const stores: Store[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) if (s.db.open) s.db.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function visit(n: number, state: VisitState, closedDaysAgo: number): Visit {
  const closed = NOW - closedDaysAgo * DAY;
  return {
    id: `V-20261120-${String(n).padStart(3, '0')}`, kind: 'visit', state, presence: state === 'issued' ? 'inside' : 'outside',
    visitor: { name: `Budi Santoso ${n}`, nik: `320101120590000${n}`, org: 'PT Contoh', phone: `08123456${n}` },
    purpose: 'server maintenance', plannedMinutes: 60,
    devicesIn: [{ description: 'Laptop', serial: `SN-${n}` }], devicesOut: state === 'checked_out' || state === 'archived' ? [{ description: 'Laptop', serial: `SN-${n}` }] : null,
    letterRef: null, ktpHash: `hash${n}`, ktpHeld: state === 'issued', badgeUid: null, validFrom: null, validUntil: null,
    at: { requested: closed - 3_600_000, ...(state === 'denied' ? { decided: closed } : {}), ...(state === 'checked_out' || state === 'archived' ? { checkedOut: closed } : {}), ...(state === 'archived' ? { archived: closed } : {}) },
    by: {}, denyReason: null, revokeReason: null, disposition: null,
  };
}

function seeded(): { store: Store; path: string } {
  const d = mkdtempSync(join(tmpdir(), 'pintu-purge-'));
  dirs.push(d);
  const path = join(d, 'pintu.db');
  const store = new Store(openDatabase(path, { synchronous: 'normal' }), 'door-1', null);
  stores.push(store);
  store.tx(() => {
    store.saveVisit(visit(1, 'archived', 400));     // due
    store.saveVisit(visit(2, 'checked_out', 366));  // due
    store.saveVisit(visit(3, 'denied', 500));       // due
    store.saveVisit(visit(4, 'archived', 100));     // too recent
    store.saveVisit(visit(5, 'issued', 900));       // still open: never purged
    store.events.append([filler('visit.archived', { visit: 'V-20261120-001' })], NOW - 400 * DAY);
  });
  return { store, path };
}

const counts = (s: Store) => s.db.prepare('SELECT state, COUNT(*) AS n FROM visits GROUP BY state ORDER BY state').all();

describe('purge of personal data (UU PDP 27/2022)', () => {
  it('dry run lists what would go (ids only) and changes nothing', () => {
    const { store } = seeded();
    const before = store.db.prepare('SELECT * FROM visits ORDER BY id').all();
    const r = purgePersonalData(store, { retentionDays: 365, now: NOW, dryRun: true });
    expect(r.count).toBe(3);
    expect(r.visits.map((v) => v.visit)).toEqual(['V-20261120-003', 'V-20261120-001', 'V-20261120-002']);
    expect(JSON.stringify(r)).not.toMatch(/Budi|3201011205|0812/);
    expect(store.db.prepare('SELECT * FROM visits ORDER BY id').all()).toEqual(before);
    expect(store.events.lastSeq()).toBe(1);
  });

  it('replaces name, NIK, phone and KTP hash of old closed visits; records, counts, times, devices and events stay', () => {
    const { store, path } = seeded();
    const before = counts(store);
    const r = purgePersonalData(store, { retentionDays: 365, now: NOW, dryRun: false });
    expect(r.count).toBe(3);
    expect(counts(store)).toEqual(before);
    for (const id of ['V-20261120-001', 'V-20261120-002', 'V-20261120-003']) {
      const v = store.visit(id)!;
      expect(v.visitor).toEqual({ name: PURGED, nik: '', org: 'PT Contoh', phone: null });
      expect(v.ktpHash).toBeNull();
      expect(v.devicesIn).toHaveLength(1);
      expect(v.at.requested).toBeTypeOf('number');
    }
    expect(store.db.prepare('SELECT COUNT(*) AS n FROM visits WHERE ktp_hash IS NOT NULL').get()).toEqual({ n: 2 });
    expect(store.visit('V-20261120-004')!.visitor.name).toBe('Budi Santoso 4');
    expect(store.visit('V-20261120-005')!.visitor.nik).toBe('3201011205900005');
    const last = store.events.since(0).at(-1)!;
    expect(last.type).toBe('privacy.purged');
    expect(last.data).toMatchObject({ count: 3, retentionDays: 365 });
    expect(store.events.verify()).toBeNull();
    // The purged values are gone from the database file itself, not only from the rows.
    const file = readFileSync(path).toString('latin1');
    expect(file).not.toContain('Budi Santoso 1');
    expect(file).not.toContain('3201011205900002');
    // A second run finds nothing left to purge.
    expect(purgePersonalData(store, { retentionDays: 365, now: NOW, dryRun: false }).count).toBe(0);
  });

  it('loads only the due visits out of SQLite: a purge over thousands of closed visits with three due parses three (issue 10, memory)', () => {
    const { store } = seeded();
    store.tx(() => {
      for (let n = 100; n < 2100; n++) store.saveVisit(visit(n, n % 3 === 0 ? 'denied' : n % 3 === 1 ? 'archived' : 'checked_out', 30 + (n % 300)));
      // Already purged long ago (the purged_at column, issue 14): never read or purged twice.
      store.saveVisit({ ...visit(7, 'archived', 800), visitor: { name: PURGED, nik: '', org: 'PT Contoh', phone: null }, ktpHash: null, purged: { at: NOW - 400 * DAY, why: 'retention' } });
    });
    const parse = vi.spyOn(JSON, 'parse');
    try {
      const r = purgePersonalData(store, { retentionDays: 365, now: NOW, dryRun: true });
      expect(r.visits.map((v) => v.visit)).toEqual(['V-20261120-003', 'V-20261120-001', 'V-20261120-002']);
      expect(parse.mock.calls.length).toBeLessThanOrEqual(3);
    } finally {
      parse.mockRestore();
    }
  });
});


describe('purge: watchlist entries past their expiry (review of issue 14 items 3 and 8)', () => {
  const entry = (store: Store, n: number, untilDaysAgo: number): void => {
    store.watchlist.insert({ nikHash: `h${n}`, nikMasked: '320101******000' + n, reason: `alasan ${n}`, until: NOW - untilDaysAgo * DAY, addedBy: 'O1', source: 'local', addedAt: NOW - 1000 * DAY });
  };
  it('removes entries expired longer than the retention, keeps the others, and says so in the destruction record', () => {
    const { store } = seeded();
    store.tx(() => { entry(store, 1, 400); entry(store, 2, 100); entry(store, 3, -30); });
    const r = purgePersonalData(store, { retentionDays: 365, now: NOW, dryRun: false });
    expect(r.categories.watchlistEntries).toBe(1);
    expect(store.watchlist.list(null).map((e) => e.reason).sort()).toEqual(['alasan 2', 'alasan 3']);
    const rec = store.events.since(0).filter((e) => e.type === 'privacy.purged');
    expect(rec.map((e) => (e.data as { categories?: Record<string, number> }).categories?.watchlistEntries)).toEqual([1]);
  });
  it('runs with no visit due: an expired entry alone is removed and recorded', () => {
    const d = mkdtempSync(join(tmpdir(), 'pintu-purge-'));
    dirs.push(d);
    const store = new Store(openDatabase(join(d, 'pintu.db'), { synchronous: 'normal' }), 'door-1', null);
    stores.push(store);
    entry(store, 1, 400);
    const dry = purgePersonalData(store, { retentionDays: 365, now: NOW, dryRun: true });
    expect(dry.categories.watchlistEntries).toBe(1);
    expect(store.watchlist.list(null)).toHaveLength(1);
    const r = purgePersonalData(store, { retentionDays: 365, now: NOW, dryRun: false });
    expect(r).toMatchObject({ count: 0, categories: { watchlistEntries: 1 } });
    expect(store.watchlist.list(null)).toEqual([]);
    const rec = store.events.since(0).filter((e) => e.type === 'privacy.purged');
    expect(rec).toHaveLength(1);
    expect(rec[0]!.data).not.toHaveProperty('oldestClosed');
  });
});
