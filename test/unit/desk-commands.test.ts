/**
 * The console's desk commands on VisitService against a real SQLite store (issue 12): cancel / no-show, a checkout with a
 * device mismatch keeping the KTP until a head acknowledges it, archive refused while the KTP is held, a found badge
 * back in the pool, and the stable error codes the console translates.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/adapters/sqlite/db.js';
import { Store } from '../../src/adapters/sqlite/store.js';
import { VisitService } from '../../src/app/visit-service.js';
import { AlarmService } from '../../src/app/console-queries.js';
import { DEFAULT_STANDARDS } from '../../src/domain/sop.js';
import { UserError } from '../../src/domain/errors.js';
import type { CancelReason } from '../../src/domain/types.js';
import { testNik } from '../helpers/config.js';

const KTP = '04A1B2C3D4E5F6';
const LAPTOP = { description: 'Laptop', serial: 'SN-1' };
const HDD = { description: 'HDD', serial: 'WD-2' };

/** The UserError `fn` throws (fails if it throws nothing or something else). */
function refusal(fn: () => unknown): UserError {
  try { fn(); } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return err as UserError;
  }
  throw new Error('expected a refusal');
}

describe('desk commands (issue 12)', () => {
  let dir: string;
  let store: Store;
  let s: VisitService;
  let now = Date.UTC(2026, 11, 1, 2, 0, 0);
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pintu-desk-'));
    store = new Store(openDatabase(join(dir, 'p.db'), { synchronous: 'normal' }), 'd1', null);
    s = new VisitService(store, { standards: DEFAULT_STANDARDS, defaultValidity: 'end-of-day', timeZone: 'Asia/Jakarta', secret: Buffer.alloc(32, 7), now: () => now });
    s.addOfficer('Head', 'head', '0A01'); // O1
    s.addOfficer('Staff', 'staff', '0A02'); // O2
    s.addOfficer('Coord', 'coordinator', '0A03'); // O3
    s.addBadge('1B01', 'TAMU-01');
    s.addBadge('1B02', 'TAMU-02');
  });
  afterEach(() => { store.db.close(); rmSync(dir, { recursive: true, force: true }); });

  const requested = (n = 1): string => s.request({ name: 'Budi', nik: testNik(n), org: 'PT X', purpose: 'disk', devices: [LAPTOP, HDD], ktpUid: n === 1 ? KTP : `04A1B2C3D4E5${n}0` }).id;
  const issued = (): string => {
    const id = requested();
    s.check(id, 'O2');
    s.approve(id, 'O1');
    s.issue(id, 'TAMU-01', 'O2', { rulesAcknowledged: true });
    return id;
  };
  const types = (since: number): string[] => store.events.since(since).map((e) => e.type);

  describe('cancel', () => {
    it('closes a requested, checked or approved visit with its reason (event with the actor), and it can be archived', () => {
      const a = requested(1);
      const b = requested(2);
      s.check(b, 'O2');
      const c = requested(3);
      s.check(c, 'O2');
      s.approve(c, 'O1');
      const before = store.events.lastSeq();
      expect(s.cancel(a, 'O2', 'cancelled')).toMatchObject({ state: 'cancelled', cancelReason: 'cancelled', at: { cancelled: now }, by: { cancelled: 'O2' } });
      expect(s.cancel(b, 'O3', 'no_show', 'tidak datang')).toMatchObject({ state: 'cancelled', cancelReason: 'no_show' });
      expect(s.cancel(c, 'O1', 'no_show').state).toBe('cancelled');
      const ev = store.events.since(before);
      expect(ev.map((e) => [e.type, e.data])).toEqual([
        ['visit.cancelled', { visit: a, officer: 'O2', reason: 'cancelled' }],
        ['visit.cancelled', { visit: b, officer: 'O3', reason: 'no_show', note: 'tidak datang' }],
        ['visit.cancelled', { visit: c, officer: 'O1', reason: 'no_show' }],
      ]);
      expect(s.archive(a, 'O2').state).toBe('archived');
      expect(store.visit(a)?.state).toBe('archived');
    });

    it('refuses a visit with a badge issued, a denied or archived one, a bad reason, and a deactivated officer, changing nothing', () => {
      const id = issued();
      const e = refusal(() => s.cancel(id, 'O2', 'no_show'));
      expect(e.code).toBe('visit.state');
      expect(e.params).toMatchObject({ visit: id, state: 'issued', action: 'cancel' });
      expect(e.message).toMatch(/is issued; it cannot be cancelled \(allowed from: requested, checked, approved\)/);
      const d = requested(2);
      s.deny(d, 'O1', 'no letter');
      expect(refusal(() => s.cancel(d, 'O2', 'cancelled')).code).toBe('visit.state');
      const r = requested(3);
      expect(refusal(() => s.cancel(r, 'O2', 'gone' as CancelReason))).toMatchObject({ code: 'cancel.reason', field: 'reason' });
      s.setOfficerActive('O2', false, 'O1');
      expect(refusal(() => s.cancel(r, 'O2', 'cancelled')).code).toBe('officer.inactive');
      expect(store.visit(r)?.state).toBe('requested');
      const last = store.events.lastSeq();
      expect(refusal(() => s.cancel(r, 'O3', 'cancelled', 'x'.repeat(1001)))).toMatchObject({ code: 'text.length', params: { length: 1001, limit: 1000 } });
      expect(store.events.lastSeq()).toBe(last);
    });
  });

  describe('checkout with a device mismatch (the promise changed by issue 12)', () => {
    it('keeps the KTP held until a head acknowledges; archive is refused before; the note goes in the incident book', () => {
      const id = issued();
      const before = store.events.lastSeq();
      const out = s.checkout(id, 'O2', [LAPTOP]);
      expect(out).toMatchObject({ state: 'checked_out', ktpHeld: true, mismatchPending: true, badgeUid: null });
      expect(store.badge('1B01')?.status).toBe('available'); // the badge came back all the same
      expect(store.events.since(before).find((e) => e.type === 'visit.checked_out')?.data.ktpReturned).toBe(false);
      // The KTP is still held: the same KTP cannot start another visit, and the desk finds the visit by it.
      expect(s.visitByKtp(KTP)?.id).toBe(id);
      expect(() => s.request({ name: 'Budi', nik: testNik(1), org: 'PT X', purpose: 'again', ktpUid: KTP })).toThrow(/this KTP is already held/);
      s.report(id, 'O3', 'HDD kept for repair');
      const archive = refusal(() => s.archive(id, 'O2'));
      expect(archive).toMatchObject({ code: 'visit.mismatch_pending', params: { visit: id } });
      expect(archive.message).toMatch(/still holds the KTP/);

      // Only a head acknowledges; staff and coordinator are refused with the role code.
      for (const by of ['O2', 'O3']) {
        const e = refusal(() => s.acknowledgeMismatch(id, by, 'ok'));
        expect(e.code).toBe('role');
        expect(e.params).toMatchObject({ officer: by, action: 'acknowledge_mismatch', allowed: 'head' });
      }
      expect(refusal(() => s.acknowledgeMismatch(id, 'O1', '  '))).toMatchObject({ code: 'text.required', field: 'note' });
      expect(store.incidents()).toEqual([]);

      const seq = store.events.lastSeq();
      const mismatchSeq = store.events.since(before).find((e) => e.type === 'visit.device_mismatch')!.seq;
      const acked = s.acknowledgeMismatch(id, 'O1', 'HDD Budi ditahan untuk perbaikan');
      expect(acked).toMatchObject({ state: 'checked_out', ktpHeld: false, at: { mismatchAcknowledged: now }, by: { mismatchAcknowledged: 'O1' } });
      expect(acked.mismatchPending).toBeUndefined();
      const [incident] = store.incidents();
      expect(incident).toMatchObject({ officerId: 'O1', visitId: id, note: 'HDD Budi ditahan untuk perbaikan' });
      const ev = store.events.since(seq);
      expect(ev.map((e) => [e.type, e.data])).toEqual([
        ['incident.recorded', { incident: incident!.id, officer: 'O1', visit: id }],
        ['visit.mismatch_acknowledged', { visit: id, officer: 'O1', ktpReturned: true, incident: incident!.id }],
        ['alarm.acknowledged', { alarm: mismatchSeq, alarmType: 'visit.device_mismatch', officer: 'O1', incident: incident!.id }],
      ]);
      expect(JSON.stringify(ev)).not.toContain('Budi'); // the note (personal data) stays in the book
      expect(s.visitByKtp(KTP)).toBeNull();
      expect(new AlarmService(store).open().map((a) => a.event.type)).not.toContain('visit.device_mismatch');
      expect(refusal(() => s.acknowledgeMismatch(id, 'O1', 'again'))).toMatchObject({ code: 'visit.no_mismatch' });
      expect(s.archive(id, 'O2').state).toBe('archived');
    });

    it('returns the KTP at once when the devices match, and refuses an acknowledgement then', () => {
      const id = issued();
      const before = store.events.lastSeq();
      expect(s.checkout(id, 'O2', [LAPTOP, { description: 'HDD', serial: 'wd 2' }])).toMatchObject({ ktpHeld: false });
      expect(types(before)).toEqual(['visit.checked_out', 'badge.returned']);
      expect(store.events.since(before)[0]?.data.ktpReturned).toBe(true);
      expect(refusal(() => s.acknowledgeMismatch(id, 'O1', 'nothing')).code).toBe('visit.no_mismatch');
      expect(store.incidents()).toEqual([]);
    });

    it('a revoked visit checked out with a mismatch also keeps the KTP until the head acknowledges', () => {
      const id = issued();
      s.revoke(id, 'O1', 'wrong room');
      expect(s.checkout(id, 'O2', [])).toMatchObject({ state: 'checked_out', ktpHeld: true, mismatchPending: true });
      expect(refusal(() => s.archive(id, 'O2')).code).toBe('visit.mismatch_pending');
      s.acknowledgeMismatch(id, 'O1', 'devices stay');
      expect(s.archive(id, 'O2').state).toBe('archived');
    });
  });

  it('retention: a cancelled visit is due like any closed one; a visit whose KTP is still held is not', () => {
    const cancelled = requested(2);
    s.cancel(cancelled, 'O2', 'no_show');
    const held = issued();
    s.checkout(held, 'O2', []);
    const returned = requested(3);
    s.check(returned, 'O2');
    s.approve(returned, 'O1');
    s.issue(returned, 'TAMU-02', 'O2', { rulesAcknowledged: true });
    s.checkout(returned, 'O2', [LAPTOP, HDD]);
    expect(store.visitIdsClosedBefore(now + 1)).toEqual([cancelled, returned]);
    s.acknowledgeMismatch(held, 'O1', 'ok');
    expect(store.visitIdsClosedBefore(now + 1)).toEqual([cancelled, held, returned]);
  });

  describe('a found badge', () => {
    it('only a head puts a lost badge back in the pool (badge.found with the actor); anything but a lost badge is refused', () => {
      const id = issued();
      s.badgeLost(id, 'O2');
      expect(store.badge('1B01')?.status).toBe('lost');
      for (const by of ['O2', 'O3']) expect(refusal(() => s.badgeFound('TAMU-01', by))).toMatchObject({ code: 'role', field: 'by', params: { action: 'badge_found' } });
      expect(refusal(() => s.badgeFound('TAMU-02', 'O1'))).toMatchObject({ code: 'badge.status', params: { badge: 'TAMU-02', status: 'available' } });
      expect(refusal(() => s.badgeFound('TAMU-99', 'O1'))).toMatchObject({ code: 'notfound.badge' });
      const before = store.events.lastSeq();
      expect(s.badgeFound('1b01', 'O1')).toEqual({ uid: '1B01', label: 'TAMU-01', status: 'available', visitId: id });
      expect(store.badge('1B01')?.status).toBe('available');
      expect(store.events.since(before).map((e) => [e.type, e.data])).toEqual([['badge.found', { badge: '1B01', label: 'TAMU-01', officer: 'O1' }]]);
      // The found badge can be issued again (here to the same visit, which lost it).
      expect(s.issue(id, 'TAMU-01', 'O2', { rulesAcknowledged: true }).badgeUid).toBe('1B01');
    });
  });

  describe('error codes for the console', () => {
    it('NIK, text, state and role refusals carry a stable code and params; the messages stay as they were', () => {
      const nik = refusal(() => s.request({ name: 'A', nik: '12345', org: 'O', purpose: 'P' }));
      expect(nik).toMatchObject({ code: 'nik.length', field: 'nik', params: { length: 5, nonDigits: 0 } });
      expect(nik.message).toBe('NIK must be exactly 16 digits (got 5 characters)');
      expect(refusal(() => s.request({ name: 'A', nik: '9901011205900001', org: 'O', purpose: 'P' })).code).toBe('nik.province');
      expect(refusal(() => s.request({ name: 'A\u001b[2J', nik: testNik(1), org: 'O', purpose: 'P' }))).toMatchObject({ code: 'text.control', field: 'name', params: { codePoint: 'U+001B', position: 2 } });
      expect(refusal(() => s.request({ name: ' ', nik: testNik(1), org: 'O', purpose: 'P' }))).toMatchObject({ code: 'text.required', field: 'name' });
      const id = requested();
      const role = refusal(() => s.approve(id, 'O2'));
      expect(role).toMatchObject({ code: 'role', params: { officer: 'O2', role: 'staff', action: 'approve', allowed: 'head' } });
      expect(role.message).toBe('officer O2 is staff; only head may approve a visit');
      expect(refusal(() => s.approve(id, 'O1'))).toMatchObject({ code: 'visit.state', params: { state: 'requested', action: 'approve', allowed: 'checked' } });
      expect(refusal(() => s.check('V-20990101-001', 'O2'))).toMatchObject({ code: 'notfound.visit', field: 'visit' });
      expect(refusal(() => s.setDoorMode('disabled', 'O2'))).toMatchObject({ code: 'role', params: { action: 'door_mode' } });
    });
  });
});
