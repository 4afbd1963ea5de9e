/**
 * Issue 14, item 2: the NIK is masked wherever a visit is shown (`withMaskedNik`), and only an active head reveals it,
 * with a reason, as a `visit.nik_revealed` event naming the head and the reason but never the NIK.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/adapters/sqlite/db.js';
import { Store } from '../../src/adapters/sqlite/store.js';
import { VisitService } from '../../src/app/visit-service.js';
import { DEFAULT_STANDARDS } from '../../src/domain/sop.js';
import { maskNik, withMaskedNik } from '../../src/domain/nik.js';
import { UserError } from '../../src/domain/errors.js';

const NIK = '3201011205900001';

describe('NIK shown only as needed', () => {
  let dir: string;
  let store: Store;
  let s: VisitService;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pintu-nik-'));
    store = new Store(openDatabase(join(dir, 'p.db'), { synchronous: 'normal' }), 'd1', null);
    s = new VisitService(store, { standards: DEFAULT_STANDARDS, defaultValidity: 'end-of-day', timeZone: 'Asia/Jakarta', secret: Buffer.alloc(32, 7), now: () => Date.UTC(2026, 10, 23, 2) });
    s.addOfficer('Head', 'head', '0A01');
    s.addOfficer('Staff', 'staff', '0A02');
    s.addOfficer('Coord', 'coordinator', '0A03');
  });
  afterEach(() => { store.db.close(); rmSync(dir, { recursive: true, force: true }); });

  it('masks a visit for display: region and serial kept, the birth date hidden; the stored visit keeps the NIK', () => {
    const v = s.request({ name: 'A', nik: NIK, org: 'O', purpose: 'P' });
    expect(withMaskedNik(v).visitor.nik).toBe('320101******0001');
    expect(JSON.stringify(withMaskedNik(v))).not.toContain(NIK);
    expect(store.visit(v.id)!.visitor.nik).toBe(NIK);
    expect(maskNik('')).toBe('');
    expect(maskNik('12345')).toBe('*****');
  });

  it('a head reveals the NIK with a reason: an event with the head and the reason, without the NIK', () => {
    const v = s.request({ name: 'A', nik: NIK, org: 'O', purpose: 'P' });
    const before = store.events.lastSeq();
    expect(s.revealNik(v.id.toLowerCase(), 'o1', 'police letter 12/2026 asks for the identity')).toBe(NIK);
    const [e, ...rest] = store.events.since(before);
    expect(rest).toEqual([]);
    expect(e).toMatchObject({ type: 'visit.nik_revealed', data: { visit: v.id, officer: 'O1', reason: 'police letter 12/2026 asks for the identity' } });
    expect(JSON.stringify(e)).not.toContain(NIK);
  });

  it('refuses anyone but an active head, and a reveal without a reason, writing nothing', () => {
    const v = s.request({ name: 'A', nik: NIK, org: 'O', purpose: 'P' });
    const before = store.events.lastSeq();
    for (const who of ['O2', 'O3']) expect(() => s.revealNik(v.id, who, 'curious')).toThrow(/only an active head may reveal a NIK/);
    expect(() => s.revealNik(v.id, 'O1', '   ')).toThrow(UserError);
    expect(() => s.revealNik(v.id, 'O1', '')).toThrow(/reason for revealing the NIK must not be empty/);
    expect(() => s.revealNik('V-20261123-999', 'O1', 'x')).toThrow(/no visit with id/);
    s.setOfficerActive('O1', false, 'O1');
    const after = store.events.lastSeq();
    expect(() => s.revealNik(v.id, 'O1', 'x')).toThrow(/O1 is deactivated/);
    expect(store.events.lastSeq()).toBe(after);
    expect(after - before).toBe(1); // only the deactivation
  });
});
