/**
 * CLI write commands keep their write transaction short: every statement they run reads through an index (a search or
 * an index range), never a scan of a table that grows with use (visits, events, badges, incidents). The daemon's taps
 * wait for the write lock those transactions hold (issue 9, section 5).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { openDatabase } from '../../src/adapters/sqlite/db.js';
import { Store } from '../../src/adapters/sqlite/store.js';
import { visitService } from '../../src/main.js';
import { ClockGuard, TIMESYNC_FLAG } from '../../src/app/clock.js';
import { realSystem } from '../../src/adapters/os/system.js';
import { tempConfig, testNik, type TempConfig } from '../helpers/config.js';

/** Tables that stay small (a few officers, one row per door or key): a scan of them costs nothing. */
const SMALL = new Set(['officers', 'meta', 'door_status', 'central_link']);

let tc: TempConfig | null = null;
afterEach(() => { tc?.cleanup(); tc = null; });

function paramsOf(sql: string): unknown[] {
  const named = [...sql.matchAll(/@(\w+)/g)].map((m) => m[1]!);
  if (named.length) return [Object.fromEntries(named.map((n) => [n, null]))];
  return Array.from(sql.matchAll(/\?/g), () => null);
}

describe('CLI write transactions', () => {
  it('read only index ranges of the growing tables (no scan of visits while holding the write lock)', () => {
    tc = tempConfig();
    const db = openDatabase(join(tc.config.dataDir, 'pintu.db'), { synchronous: 'normal' });
    // Many visits of other days, inserted directly (fast).
    db.exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)
      INSERT INTO visits (id, kind, state, presence, badge_uid, ktp_hash, requested_at, data)
      SELECT printf('V-2025%04d-%03d', i / 100, i % 100 + 1), 'visit', 'archived', NULL, NULL, NULL, i, '{}' FROM n`);
    const seen = new Set<string>();
    const prepare = db.prepare.bind(db);
    (db as unknown as { prepare: (sql: string) => unknown }).prepare = (sql: string) => { seen.add(sql); return prepare(sql); };
    const store = new Store(db, tc.config.door.id, new ClockGuard({ probe: () => realSystem().exists(TIMESYNC_FLAG) }));
    const visits = visitService(tc.config, store);
    visits.addOfficer('Head', 'head', '0A00000001');
    visits.addOfficer('Staff', 'staff', '0A00000002');
    visits.addBadge('1B00000001', 'TAMU-01');
    const v = visits.request({ name: 'Budi', nik: testNik(1), org: 'PT X', purpose: 'disk', devices: [], ktpUid: '04AABBCCDD' });
    visits.request({ name: 'Ani', nik: testNik(2), org: 'PT X', purpose: 'disk', devices: [] });
    visits.check(v.id, 'O2');
    visits.approve(v.id, 'O1');
    visits.issue(v.id, 'TAMU-01', 'O2', { rulesAcknowledged: true });
    visits.checkout(v.id, 'O2', []);
    visits.report(v.id, 'O1', 'done');
    visits.archive(v.id, 'O1');
    visits.incident('O2', 'note', v.id);
    visits.setDoorMode('disabled', 'O1');
    // Every other write command of the CLI: deny, revoke, a lost badge, retiring a badge, deactivating an officer.
    const w = visits.request({ name: 'Citra', nik: testNik(3), org: 'PT Y', purpose: 'rack', devices: [] });
    visits.check(w.id, 'O2');
    visits.deny(w.id, 'O1', 'no letter');
    visits.addBadge('1B00000002', 'TAMU-02');
    const x = visits.request({ name: 'Dedi', nik: testNik(4), org: 'PT Y', purpose: 'rack', devices: [] });
    visits.check(x.id, 'O2');
    visits.approve(x.id, 'O1');
    visits.issue(x.id, 'TAMU-02', 'O2', { rulesAcknowledged: true });
    visits.badgeLost(x.id, 'O2');
    visits.revoke(x.id, 'O1', 'lost badge');
    visits.addBadge('1B00000003', 'TAMU-03');
    visits.retireBadge('TAMU-03', 'O1');
    visits.addOfficer('Temp', 'staff', '0A00000003');
    visits.setOfficerActive('O3', false, 'O1');
    visits.visitByKtp('04AABBCCDD');
    expect(v.id).toMatch(/^V-\d{8}-001$/);

    const scans: string[] = [];
    for (const sql of seen) {
      if (!/^\s*(SELECT|UPDATE|DELETE|INSERT)/i.test(sql)) continue;
      const plan = prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...paramsOf(sql)) as { detail: string }[];
      for (const { detail } of plan) {
        // A SCAN, or a SEARCH with no constraint on the index (SQLite's plan for `LIKE ?`), reads the whole table.
        const m = /^(?:SCAN|SEARCH) (\w+)/.exec(detail);
        const whole = m !== null && (detail.startsWith('SCAN') || !detail.includes('('));
        if (m && whole && !SMALL.has(m[1]!)) scans.push(`${detail}  ←  ${sql.replace(/\s+/g, ' ').trim()}`);
      }
    }
    expect(scans).toEqual([]);
    db.close();
  });

  it('numbers visits per local day past 999 without a collision', () => {
    tc = tempConfig();
    const store = new Store(openDatabase(join(tc.config.dataDir, 'pintu.db'), { synchronous: 'normal' }), tc.config.door.id, null);
    const ins = store.db.prepare("INSERT INTO visits (id, kind, state, requested_at, data) VALUES (?, 'visit', 'requested', 0, '{}')");
    expect(store.nextVisitId('20261123')).toBe('V-20261123-001');
    ins.run('V-20261123-999');
    ins.run('V-20261124-005');
    expect(store.nextVisitId('20261123')).toBe('V-20261123-1000');
    ins.run('V-20261123-1000');
    expect(store.nextVisitId('20261123')).toBe('V-20261123-1001');
    expect(store.nextVisitId('20261124')).toBe('V-20261124-006');
    expect(store.nextVisitId('20261122')).toBe('V-20261122-001');
    store.db.close();
  });
});
