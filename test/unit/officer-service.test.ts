/**
 * OfficerService against a real SQLite store (issue 12): PINs kept only as scrypt hashes, the wrong-PIN counter kept in
 * the store, the lock and its alarm at the 5th wrong PIN, its end after the configured minutes, unknown officers
 * answered like real ones, and officer management by an active head that never leaves the site without one.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/adapters/sqlite/db.js';
import { Store } from '../../src/adapters/sqlite/store.js';
import { OfficerService, hashPin, pinMatches } from '../../src/app/officer-service.js';
import { Refused, UserError } from '../../src/domain/errors.js';
import { pinProblem } from '../../src/domain/pin.js';

const MIN = 60_000;
const PIN = '480915';
const COST = 1 << 10; // a cheap scrypt keeps the test fast; the cost is stored in each hash

describe('OfficerService', () => {
  let dir: string;
  let file: string;
  let store: Store;
  let now: number;
  const make = (s: Store = store): OfficerService => new OfficerService(s, { lockoutMinutes: 15, now: () => now, scryptCost: COST });
  const types = (since = 0): string[] => store.events.since(since).map((e) => e.type);

  beforeEach(() => {
    now = Date.UTC(2026, 10, 23, 2, 0, 0);
    dir = mkdtempSync(join(tmpdir(), 'pintu-os-'));
    file = join(dir, 'p.db');
    store = new Store(openDatabase(file, { synchronous: 'normal' }), 'd1', null);
    const s = make();
    s.setupFirstHead({ name: 'Siti Rahma', badge: '0A01', pin: PIN });
    s.addOfficer('O1', { name: 'Dewi Lestari', role: 'staff', badge: '0A02' });
  });
  afterEach(() => { store.db.close(); rmSync(dir, { recursive: true, force: true }); });

  it('keeps a PIN only as a salted scrypt hash: never in clear in the row, the events or the database file', () => {
    const rec = store.pinRecord('O1')!;
    expect(rec.hash).toMatch(/^scrypt\$1024\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(rec.hash).not.toContain(PIN);
    const row = store.db.prepare('SELECT * FROM officer_pins WHERE officer_id = ?').get('O1') as Record<string, unknown>;
    expect(JSON.stringify(row)).not.toContain(PIN);
    // Two hashes of one PIN differ (salted).
    expect(hashPin(PIN, COST)).not.toBe(hashPin(PIN, COST));
    expect(pinMatches(rec.hash!, PIN)).toBe(true);
    expect(pinMatches(rec.hash!, '480916')).toBe(false);
    const events = JSON.stringify(store.events.since(0));
    for (const secret of [PIN, 'Siti', 'Dewi', rec.hash!]) expect(events).not.toContain(secret);
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    expect(readFileSync(file).includes(Buffer.from(PIN))).toBe(false);
    expect(types()).toEqual(['officer.added', 'officer.pin_set', 'officer.added']);
    expect(store.events.since(0).map((e) => e.data)).toEqual([
      { officer: 'O1', role: 'head', badge: '0A01' }, { officer: 'O1', by: 'O1' }, { officer: 'O2', role: 'staff', badge: '0A02', by: 'O1' },
    ]);
  });

  it('matchPin hashes off the event loop and verifyPin then only counts: same answers, and a PIN changed in between is judged anew', async () => {
    const s = make();
    s.setPin('O1', 'O2', '271828');
    expect(s.verifyPin('O2', '271828', await s.matchPin('O2', '271828'))).toMatchObject({ ok: true });
    expect(s.verifyPin('O2', '999888', await s.matchPin('O2', '999888'))).toEqual({ ok: false, reason: 'wrong', left: 4 });
    // Matched against the old PIN, then a head set a new one: the stale match does not count.
    const stale = await s.matchPin('O2', '271828');
    s.setPin('O1', 'O2', '314159');
    expect(s.verifyPin('O2', '271828', stale)).toEqual({ ok: false, reason: 'wrong', left: 4 });
    expect(s.verifyPin('O2', '314159', await s.matchPin('O2', '314159'))).toMatchObject({ ok: true });
    // Unknown officers: no match, counted like a real one.
    expect(await s.matchPin('O99', '271828')).toEqual({ hash: null, right: false });
    expect(s.verifyPin('O99', '271828', await s.matchPin('O99', '271828'))).toEqual({ ok: false, reason: 'wrong', left: 4 });
  });

  it('refuses weak PINs without repeating them', () => {
    for (const bad of ['12345', '1234567890123', '12a456', '111111', '123456', '654321', '890123', '']) {
      expect(pinProblem(bad), bad).not.toBeNull();
      let err: unknown;
      try { make().setPin('O1', 'O2', bad); } catch (e) { err = e; }
      expect(err, bad).toBeInstanceOf(UserError);
      if (bad) expect((err as Error).message).not.toContain(bad);
    }
    expect(pinProblem('480915')).toBeNull();
    expect(pinProblem('112233445566')).toBeNull();
    expect(store.pinRecord('O2')).toBeNull();
  });

  it('counts wrong PINs; a right PIN resets the count', () => {
    const s = make();
    expect(s.verifyPin('O1', '000001')).toEqual({ ok: false, reason: 'wrong', left: 4 });
    expect(s.verifyPin('o1', '000002')).toEqual({ ok: false, reason: 'wrong', left: 3 });
    expect(store.pinRecord('O1')!.failures).toBe(2);
    expect(s.verifyPin('O1', PIN)).toMatchObject({ ok: true, officer: { id: 'O1', role: 'head' } });
    expect(store.pinRecord('O1')!.failures).toBe(0);
    expect(s.verifyPin('O1', '000003')).toEqual({ ok: false, reason: 'wrong', left: 4 });
  });

  it('locks the officer at the 5th wrong PIN in a row with alarm.pin_lockout, refuses even the right PIN, and ends the lock after the configured minutes', () => {
    const s = make();
    const seq = store.events.lastSeq();
    for (let i = 1; i <= 4; i++) expect(s.verifyPin('O1', `00000${i}`)).toEqual({ ok: false, reason: 'wrong', left: 5 - i });
    expect(types(seq)).toEqual([]);
    expect(s.verifyPin('O1', '000005')).toEqual({ ok: false, reason: 'locked', until: now + 15 * MIN });
    const alarms = store.events.since(seq);
    expect(alarms.map((e) => [e.type, e.data])).toEqual([['alarm.pin_lockout', { officer: 'O1', minutes: 15 }]]);
    // Locked: the right PIN is refused too, and nothing more is counted or raised.
    now += 15 * MIN - 1;
    expect(s.verifyPin('O1', PIN)).toEqual({ ok: false, reason: 'locked', until: now + 1 });
    expect(() => s.requirePin('O1', PIN, 'the PIN of head O1')).toThrow(/locked after 5 wrong PINs for 1 more minute/);
    expect(store.events.lastSeq()).toBe(seq + 1);
    // The lock ends; counting starts again from zero.
    now += 1;
    expect(s.verifyPin('O1', '000006')).toEqual({ ok: false, reason: 'wrong', left: 4 });
    expect(s.verifyPin('O1', PIN)).toMatchObject({ ok: true });
  });

  it('keeps the wrong-PIN count and the lock in the store: a new service on the same database goes on counting', () => {
    for (let i = 1; i <= 3; i++) make().verifyPin('O1', `00000${i}`);
    store.db.close();
    store = new Store(openDatabase(file, { synchronous: 'normal' }), 'd1', null);
    const s = make();
    expect(s.verifyPin('O1', '000004')).toEqual({ ok: false, reason: 'wrong', left: 1 });
    expect(s.verifyPin('O1', '000005')).toMatchObject({ ok: false, reason: 'locked' });
    store.db.close();
    store = new Store(openDatabase(file, { synchronous: 'normal' }), 'd1', null);
    expect(make().verifyPin('O1', PIN)).toMatchObject({ ok: false, reason: 'locked', until: now + 15 * MIN });
  });

  it('answers an unknown officer id like a wrong PIN, locks it alike, and never says it does not exist', () => {
    const s = make();
    for (let i = 1; i <= 4; i++) expect(s.verifyPin('O77', PIN)).toEqual({ ok: false, reason: 'wrong', left: 5 - i });
    const seq = store.events.lastSeq();
    expect(s.verifyPin('O77', PIN)).toEqual({ ok: false, reason: 'locked', until: now + 15 * MIN });
    expect(store.events.since(seq).map((e) => [e.type, e.data])).toEqual([['alarm.pin_lockout', { officer: 'O77', minutes: 15 }]]);
    expect(s.verifyPin('O77', PIN)).toMatchObject({ reason: 'locked' });
    // Text not shaped like an officer id is counted too, but never written to the log.
    for (let i = 0; i < 5; i++) s.verifyPin('<script>', PIN);
    expect(s.verifyPin('<script>', PIN)).toMatchObject({ reason: 'locked' });
    expect(store.events.lastSeq()).toBe(seq + 1);
    expect(() => s.requirePin('O78', PIN, 'the PIN of head O78')).toThrow(/^the PIN of head O78 is wrong \(4 tries left/);
  });

  it('says when an officer has no PIN yet or is deactivated', () => {
    const s = make();
    expect(s.verifyPin('O2', PIN)).toEqual({ ok: false, reason: 'no-pin' });
    s.setPin('O1', 'O2', '592617');
    expect(s.verifyPin('O2', '592617')).toMatchObject({ ok: true, officer: { id: 'O2' } });
    s.setActive('O1', 'O2', false);
    expect(s.verifyPin('O2', '592617')).toEqual({ ok: false, reason: 'inactive' });
  });

  it('lets an officer set a first PIN once, then change it only with the current one (a wrong one counts)', () => {
    const s = make();
    s.setFirstPin('O2', '592617');
    expect(() => s.setFirstPin('O2', '592618')).toThrow(/already has a PIN/);
    expect(() => s.changeOwnPin('O2', '000000', '730264')).toThrow(Refused);
    expect(store.pinRecord('O2')!.failures).toBe(1);
    s.changeOwnPin('O2', '592617', '730264');
    expect(s.verifyPin('O2', '730264')).toMatchObject({ ok: true });
    expect(store.events.since(0).filter((e) => e.type === 'officer.pin_set').map((e) => e.data)).toEqual([
      { officer: 'O1', by: 'O1' }, { officer: 'O2', by: 'O2' }, { officer: 'O2', by: 'O2' },
    ]);
  });

  it('a head resetting a PIN also ends a lock', () => {
    const s = make();
    s.setPin('O1', 'O2', '592617');
    for (let i = 0; i < 5; i++) s.verifyPin('O2', '000000');
    expect(s.verifyPin('O2', '592617')).toMatchObject({ reason: 'locked' });
    s.setPin('O1', 'O2', '730264');
    expect(s.verifyPin('O2', '730264')).toMatchObject({ ok: true });
  });

  it('refuses a second setup once a head exists', () => {
    expect(make().hasHead()).toBe(true);
    expect(() => make().setupFirstHead({ name: 'Another', badge: '0A09', pin: '592617' })).toThrow(/already registered: setup is done/);
    expect(store.officers()).toHaveLength(2);
  });

  it('never leaves the site without an active head', () => {
    const s = make();
    expect(() => s.setRole('O1', 'O1', 'coordinator')).toThrow(/O1 is the last active head/);
    expect(() => s.setActive('O1', 'O1', false)).toThrow(/O1 is the last active head/);
    expect(store.officer('O1')).toMatchObject({ role: 'head', active: true });
    // With a second head, the first may step down; the second is then the last.
    const seq = store.events.lastSeq();
    expect(s.setRole('O1', 'O2', 'head')).toMatchObject({ id: 'O2', role: 'head' });
    expect(s.setRole('O2', 'O1', 'staff')).toMatchObject({ id: 'O1', role: 'staff' });
    expect(() => s.setActive('O2', 'O2', false)).toThrow(/O2 is the last active head/);
    // An inactive head does not count as the active head, and cannot act.
    s.setRole('O2', 'O1', 'head');
    s.setActive('O2', 'O1', false);
    expect(() => s.setRole('O2', 'O2', 'staff')).toThrow(/last active head/);
    expect(() => s.setActive('O1', 'O1', true)).toThrow(/O1 is deactivated; only an active head/);
    expect(store.events.since(seq).map((e) => [e.type, e.data])).toEqual([
      ['officer.role_changed', { officer: 'O2', role: 'head', by: 'O1' }],
      ['officer.role_changed', { officer: 'O1', role: 'staff', by: 'O2' }],
      ['officer.role_changed', { officer: 'O1', role: 'head', by: 'O2' }],
      ['officer.deactivated', { officer: 'O1', by: 'O2' }],
    ]);
  });

  it('lets only a head manage officers: staff and coordinators are refused, and nothing changes', () => {
    const s = make();
    s.addOfficer('O1', { name: 'Andi', role: 'coordinator', badge: '0A03' });
    const seq = store.events.lastSeq();
    for (const by of ['O2', 'O3']) {
      expect(() => s.addOfficer(by, { name: 'X', role: 'head', badge: '0A09' })).toThrow(/only a head may manage officers/);
      expect(() => s.setRole(by, by, 'head')).toThrow(/only a head may manage officers/);
      expect(() => s.setActive(by, 'O1', false)).toThrow(/only a head may manage officers/);
      expect(() => s.setPin(by, 'O1', '592617')).toThrow(/only a head may manage officers/);
    }
    expect(() => s.addOfficer('O9', { name: 'X', role: 'staff', badge: '0A09' })).toThrow(/no officer with id "O9"/);
    expect(store.events.lastSeq()).toBe(seq);
    expect(store.officers().map((o) => [o.id, o.role, o.active])).toEqual([['O1', 'head', true], ['O2', 'staff', true], ['O3', 'coordinator', true]]);
    expect(pinMatches(store.pinRecord('O1')!.hash!, PIN)).toBe(true);
  });

  it('records console sign-ins and sign-outs', () => {
    const s = make();
    const seq = store.events.lastSeq();
    s.signedIn('O1', 'in');
    s.signedIn('O1', 'timeout');
    s.signedIn('o1', 'out');
    expect(store.events.since(seq).map((e) => [e.type, e.data])).toEqual([
      ['officer.signed_in', { officer: 'O1' }], ['officer.signed_out', { officer: 'O1', how: 'timeout' }], ['officer.signed_out', { officer: 'O1', how: 'out' }],
    ]);
  });
});
