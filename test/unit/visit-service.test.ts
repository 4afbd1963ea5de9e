/**
 * VisitService against a real SQLite store: the officer-side commands as transactions.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/adapters/sqlite/db.js';
import { Store } from '../../src/adapters/sqlite/store.js';
import { VisitService } from '../../src/app/visit-service.js';
import { parseChecklistItem } from '../../src/cli/input.js';
import { DEFAULT_STANDARDS } from '../../src/domain/sop.js';
import { UserError } from '../../src/domain/errors.js';

const H = 3_600_000;

describe('VisitService', () => {
  let dir: string;
  let store: Store;
  let now = Date.UTC(2026, 10, 23, 2, 0, 0);
  const make = (limit?: (from: number, until: number) => number): VisitService => new VisitService(store, {
    standards: DEFAULT_STANDARDS, defaultValidity: 'end-of-day', timeZone: 'Asia/Jakarta', secret: Buffer.alloc(32, 7), now: () => now,
    ...(limit ? { limitValidity: limit } : {}),
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pintu-vs-'));
    store = new Store(openDatabase(join(dir, 'p.db'), { synchronous: 'normal' }), 'd1', null);
    const s = make();
    s.addOfficer('Head', 'head', '0A01');
    s.addOfficer('Staff', 'staff', '0A02');
    s.addBadge('1B01', 'TAMU-01');
  });
  afterEach(() => { store.db.close(); rmSync(dir, { recursive: true, force: true }); });

  const approved = (s: VisitService, ktp?: string) => {
    const v = s.request({ name: 'A', nik: '3201011205900001', org: 'O', purpose: 'P', ...(ktp ? { ktpUid: ktp } : {}) });
    s.check(v.id, 'O2');
    return s.approve(v.id, 'O1');
  };

  it('approves until the end of the local day (WIB), capped while the clock cannot be trusted', () => {
    const v = approved(make());
    expect(new Date(v.validUntil!).toISOString()).toBe('2026-11-23T16:59:59.999Z');
    const capped = approved(make((from, until) => Math.min(until, from + 4 * H)));
    expect(capped.validUntil).toBe(now + 4 * H);
  });

  it('refuses an approval longer than visits.maxValidityDays (a typo or --until 2099), changing nothing', () => {
    const s = make();
    const v = s.request({ name: 'A', nik: '3201011205900001', org: 'O', purpose: 'P' });
    s.check(v.id, 'O2');
    const seq = store.events.lastSeq();
    expect(() => s.approve(v.id, 'O1', { until: Date.UTC(2099, 0, 1) })).toThrow(/longer than visits.maxValidityDays \(31\)/);
    expect(() => s.approve(v.id, 'O1', { until: now + 32 * 24 * H })).toThrow(UserError);
    expect(store.visit(v.id)?.state).toBe('checked');
    expect(store.events.lastSeq()).toBe(seq);
    expect(s.approve(v.id, 'O1', { until: now + 30 * 24 * H }).state).toBe('approved');
    const strict = new VisitService(store, { standards: DEFAULT_STANDARDS, defaultValidity: 'end-of-day', timeZone: 'Asia/Jakarta', secret: Buffer.alloc(32, 7), now: () => now, maxValidityMs: 2 * H });
    const w = strict.request({ name: 'B', nik: '3201011205900001', org: 'O', purpose: 'P' });
    strict.check(w.id, 'O2');
    expect(() => strict.approve(w.id, 'O1', { until: now + 3 * H })).toThrow(/maxValidityDays/);
  });

  it('holds one KTP for one visit at a time and stores only its keyed hash', () => {
    const s = make();
    const v = approved(s, '04A1B2C3');
    s.issue(v.id, 'TAMU-01', 'O2', { rulesAcknowledged: true });
    expect(() => s.request({ name: 'A', nik: '3201011205900001', org: 'O', purpose: 'P', ktpUid: '04a1b2c3' })).toThrow(/already held for visit/);
    expect(s.visitByKtp('04A1B2C3')?.id).toBe(v.id);
    expect(JSON.stringify(store.visit(v.id))).not.toContain('04A1B2C3');
    s.checkout(v.id, 'O2', []);
    expect(s.visitByKtp('04A1B2C3')).toBeNull();
  });

  it('lends a badge to one visit at a time, and back to the pool at checkout', () => {
    const s = make();
    const a = approved(s);
    const b = approved(s);
    s.issue(a.id, 'TAMU-01', 'O2', { rulesAcknowledged: true });
    expect(() => s.issue(b.id, '1b01', 'O2', { rulesAcknowledged: true })).toThrow(/badge TAMU-01 is issued to visit/);
    s.checkout(a.id, 'O2', []);
    expect(s.issue(b.id, 'TAMU-01', 'O2', { rulesAcknowledged: true }).badgeUid).toBe('1B01');
  });

  it('records a maintenance checklist and parses --item', () => {
    const s = make();
    const v = s.request({ name: 'A', nik: '3201011205900001', org: 'IT', purpose: 'monthly check', kind: 'maintenance', disposition: { orderedBy: 'Kabag', reference: 'ND-1', date: '2026-11-20' } });
    s.check(v.id, 'O2');
    s.approve(v.id, 'O1');
    s.issue(v.id, 'TAMU-01', 'O2', { rulesAcknowledged: true });
    const done = s.checklist(v.id, 'O2', [parseChecklistItem('UPS battery:degraded:runtime 6 min'), parseChecklistItem('core switch:ok')]);
    expect(done.checklist).toEqual([{ item: 'UPS battery', status: 'degraded', note: 'runtime 6 min' }, { item: 'core switch', status: 'ok', note: null }]);
    expect(() => parseChecklistItem('UPS:broken')).toThrow(UserError);
    expect(() => s.request({ name: 'A', nik: '3201011205900001', org: 'IT', purpose: 'p', kind: 'maintenance' })).toThrow(/needs its disposition/);
  });
});
