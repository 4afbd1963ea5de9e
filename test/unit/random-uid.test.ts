/**
 * Issue 14, item 10: an ISO 14443-3 card answering a random UID (4 bytes, first byte 0x08; NXP AN10927) names no card.
 * The rule is one function (src/domain/uid.ts); the app refuses such a UID as a KTP chip link (never kept as ktpHash),
 * as a visitor badge of the pool and as an officer's badge, with a clear message, writing nothing; the console's desk
 * taps are classified `random` (no lookup, no UID to the page).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/adapters/sqlite/db.js';
import { Store } from '../../src/adapters/sqlite/store.js';
import { VisitService } from '../../src/app/visit-service.js';
import { OfficerService } from '../../src/app/officer-service.js';
import { DeskTaps } from '../../src/adapters/console/desk-taps.js';
import type { ConsoleQueries } from '../../src/ports/console.js';
import { DEFAULT_STANDARDS } from '../../src/domain/sop.js';
import { UserError } from '../../src/domain/errors.js';
import { isRandomUid } from '../../src/domain/uid.js';

const RANDOM = '08A1B2C3';

describe('random-UID cards', () => {
  it('the rule: a 4-byte UID starting 08 is random, typed in any case or with separators; nothing else is', () => {
    for (const u of ['08A1B2C3', '08a1b2c3', '08:A1:B2:C3', '08 00 00 00', '08FFFFFF']) expect(isRandomUid(u), u).toBe(true);
    for (const u of ['04A1B2C3', '0A08B2C3', '08A1B2C3D4', '08A1B2', '08A1B2C3D4E5F6', '88A1B2C3', '', 'zz']) expect(isRandomUid(u), u).toBe(false);
  });

  describe('in the app', () => {
    let dir: string;
    let store: Store;
    let visits: VisitService;
    let officers: OfficerService;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'pintu-ruid-'));
      store = new Store(openDatabase(join(dir, 'p.db'), { synchronous: 'normal' }), 'd1', null);
      visits = new VisitService(store, { standards: DEFAULT_STANDARDS, defaultValidity: 'end-of-day', timeZone: 'Asia/Jakarta', secret: Buffer.alloc(32, 7) });
      officers = new OfficerService(store, { lockoutMinutes: 15, scryptCost: 1 << 10 });
      officers.setupFirstHead({ name: 'Head', badge: '0A01', pin: '480915' });
    });
    afterEach(() => { store.db.close(); rmSync(dir, { recursive: true, force: true }); });

    const refusedWith = (fn: () => unknown, code: string, text: RegExp): void => {
      let caught: unknown;
      try { fn(); } catch (err) { caught = err; }
      expect(caught).toBeInstanceOf(UserError);
      expect((caught as UserError & { code?: string }).code).toBe(code);
      expect((caught as Error).message).toMatch(text);
    };

    it('refuses it as a KTP chip link (record the KTP manually), a pool badge and an officer badge, writing nothing', () => {
      const seq = store.events.lastSeq();
      refusedWith(() => visits.request({ name: 'A', nik: '3201011205900001', org: 'O', purpose: 'P', ktpUid: RANDOM }), 'uid.random.ktp', /random UID.*record the KTP manually/);
      refusedWith(() => visits.addBadge('08:a1:b2:c3', 'TAMU-09'), 'uid.random.badge', /badge UID: this card gives a random UID.*use another card/);
      refusedWith(() => visits.addOfficer('Staff', 'staff', RANDOM), 'uid.random.badge', /officer badge UID: this card gives a random UID/);
      refusedWith(() => officers.addOfficer('O1', { name: 'Staff', role: 'staff', badge: RANDOM }), 'uid.random.badge', /officer badge UID: this card gives a random UID/);
      refusedWith(() => visits.visitByKtp(RANDOM), 'uid.random.ktp', /random UID/);
      // The message never repeats the UID (a KTP's chip UID is personal data).
      try { visits.request({ name: 'A', nik: '3201011205900001', org: 'O', purpose: 'P', ktpUid: RANDOM }); } catch (err) { expect((err as Error).message).not.toContain(RANDOM); }
      expect(store.events.lastSeq()).toBe(seq);
      expect(store.badges()).toEqual([]);
      expect(store.officers().map((o) => o.badgeUid)).toEqual(['0A01']);
      // The KTP recorded by hand: the visit has no chip link.
      const v = visits.request({ name: 'A', nik: '3201011205900001', org: 'O', purpose: 'P', ktpUid: null });
      expect(v.ktpHash).toBeNull();
      // A 7-byte UID from 08 is a real (double-size) UID: accepted.
      expect(visits.addBadge('08A1B2C3D4E5F6', 'TAMU-01').uid).toBe('08A1B2C3D4E5F6');
    });
  });

  it('the console desk classifies a random tap as such: no lookup, a token whose notice carries no UID', () => {
    const asked: string[] = [];
    const queries = { officerByBadge: (u: string) => { asked.push(u); return null; }, badge: (u: string) => { asked.push(u); return null; } } as unknown as ConsoleQueries;
    const desk = new DeskTaps(queries, () => 1_000);
    const n = desk.add({ uid: RANDOM });
    expect(n.kind).toBe('random');
    expect(JSON.stringify(n)).not.toContain(RANDOM);
    expect(asked).toEqual([]);
    expect(desk.peek('latest')?.kind).toBe('random');
    expect(desk.add({ uid: '04A1B2C3' }).kind).toBe('card');
  });
});
