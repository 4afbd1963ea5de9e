/**
 * BadgeEnrolment against a real SQLite store (issue 15): what the desk records once a card holds the site key — a pool
 * badge (added when its label is new) or an officer's own badge, the enrolment with its key version and
 * `badge.enrolled`, all in one transaction; the card's UID checked against the target before anything is written to it;
 * retiring an enrolled badge with or without its card.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/adapters/sqlite/db.js';
import { Store } from '../../src/adapters/sqlite/store.js';
import { VisitService } from '../../src/app/visit-service.js';
import { BadgeEnrolment, NOT_RECORDED } from '../../src/app/badge-enrolment.js';
import { DEFAULT_STANDARDS } from '../../src/domain/sop.js';
import { Refused, UserError } from '../../src/domain/errors.js';

const HEAD = '04A0000000000A';
const STAFF = '04A0000000000B';
const CARD = '04C1C2C3C4C5C6';
const OTHER = '04D1D2D3D4D5D6';

describe('BadgeEnrolment', () => {
  let dir: string;
  let store: Store;
  let visits: VisitService;
  let enrol: BadgeEnrolment;
  const types = (since = 0): string[] => store.events.since(since).map((e) => e.type);

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pintu-enrol-'));
    store = new Store(openDatabase(join(dir, 'p.db'), { synchronous: 'normal' }), 'd1', null);
    visits = new VisitService(store, { standards: DEFAULT_STANDARDS, defaultValidity: 'end-of-day', timeZone: 'Asia/Jakarta', secret: Buffer.alloc(32, 7) });
    visits.addOfficer('Head', 'head', HEAD);
    visits.addOfficer('Staff', 'staff', STAFF);
    enrol = new BadgeEnrolment(store, visits, { now: () => Date.UTC(2026, 11, 2, 3, 0, 0) });
  });
  afterEach(() => { store.db.close(); rmSync(dir, { recursive: true, force: true }); });

  it('a new label: the card joins the pool and is enrolled with its key version, in one go', () => {
    const before = store.events.lastSeq();
    const r = enrol.record({ holder: 'pool', label: 'TAMU-07' }, { uid: CARD, keyVersion: 1, previousKeyVersion: 0 }, null);
    expect(r).toEqual({ uid: CARD, holder: 'pool', label: 'TAMU-07', officer: null, replacedBadge: null, keyVersion: 1, previousKeyVersion: 0, added: true });
    expect(store.badge(CARD)).toMatchObject({ label: 'TAMU-07', status: 'available' });
    expect(store.secureBadge(CARD)).toEqual({ uid: CARD, keyVersion: 1, holder: 'pool', enrolledAt: Date.UTC(2026, 11, 2, 3, 0, 0) });
    const evs = store.events.since(before);
    expect(evs.map((e) => e.type)).toEqual(['badge.added', 'badge.enrolled']);
    expect(evs[1]!.data).toEqual({ badge: CARD, holder: 'pool', label: 'TAMU-07', keyVersion: 1, previousKeyVersion: 0, by: 'cli' });
  });

  it('re-keying an enrolled badge (a rotation) updates its key version; a head named by --by is in the event', () => {
    enrol.record({ holder: 'pool', label: 'TAMU-07' }, { uid: CARD, keyVersion: 1, previousKeyVersion: 0 }, null);
    const r = enrol.record({ holder: 'pool', label: 'TAMU-07' }, { uid: CARD, keyVersion: 2, previousKeyVersion: 1 }, 'o1');
    expect(r.added).toBe(false);
    expect(store.secureBadge(CARD)!.keyVersion).toBe(2);
    expect(store.events.since(0).filter((e) => e.type === 'badge.enrolled').at(-1)!.data).toMatchObject({ keyVersion: 2, previousKeyVersion: 1, by: 'O1' });
  });

  it('refuses, before the card is written, a card that is not the target: another badge\'s label, another pool badge, an officer\'s card', () => {
    visits.addBadge(OTHER, 'TAMU-01');
    expect(() => enrol.acceptCard({ holder: 'pool', label: 'TAMU-01' }, CARD)).toThrow(`label TAMU-01 is badge ${OTHER}; this card is ${CARD}`);
    expect(() => enrol.acceptCard({ holder: 'pool', label: 'TAMU-09' }, OTHER)).toThrow('this card is already badge TAMU-01 of the pool: enrol it with --label TAMU-01');
    expect(() => enrol.acceptCard({ holder: 'pool', label: 'TAMU-09' }, STAFF)).toThrow('this card is the badge of officer O2: enrol it with --officer O2');
    expect(() => enrol.acceptCard({ holder: 'officer', officer: 'O2' }, HEAD)).toThrow('this card is the badge of officer O1, not of officer O2');
    expect(() => enrol.acceptCard({ holder: 'officer', officer: 'O2' }, OTHER)).toThrow('this card is badge TAMU-01 of the visitor pool');
    expect(() => enrol.acceptCard({ holder: 'pool', label: 'TAMU-09' }, '08A1B2C3')).toThrow(/random UID/);
    // And the record re-checks: nothing is written for a card that is not the target.
    const before = store.events.lastSeq();
    expect(() => enrol.record({ holder: 'pool', label: 'TAMU-01' }, { uid: CARD, keyVersion: 1, previousKeyVersion: 0 }, null)).toThrow(Refused);
    expect(store.events.lastSeq()).toBe(before);
    expect(store.secureBadge(CARD)).toBeNull();
  });

  it('an officer\'s own badge is enrolled by an active head only, and recorded as the officer\'s', () => {
    const target = { holder: 'officer', officer: 'O2' } as const;
    expect(() => enrol.checkTarget(target, null)).toThrow(UserError);
    expect(() => enrol.checkTarget(target, 'O2')).toThrow('officer O2 is staff; only an active head enrols badges');
    expect(() => enrol.checkTarget({ holder: 'officer', officer: 'O9' }, 'O1')).toThrow('no officer with id "O9"');
    const r = enrol.record(target, { uid: STAFF, keyVersion: 1, previousKeyVersion: 0 }, 'O1');
    expect(r).toMatchObject({ holder: 'officer', officer: 'O2', label: null, replacedBadge: null });
    expect(store.secureBadge(STAFF)).toMatchObject({ holder: 'officer', keyVersion: 1 });
    expect(store.events.since(0).at(-1)!.data).toEqual({ badge: STAFF, holder: 'officer', holderOfficer: 'O2', keyVersion: 1, previousKeyVersion: 0, by: 'O1' });
  });

  it('a new card for an officer replaces their former badge (an EM4100 card moving to a secure badge): the old card opens nothing', () => {
    enrol.record({ holder: 'officer', officer: 'O2' }, { uid: STAFF, keyVersion: 1, previousKeyVersion: 0 }, 'O1');
    enrol.acceptCard({ holder: 'officer', officer: 'O2' }, CARD);
    const r = enrol.record({ holder: 'officer', officer: 'O2' }, { uid: CARD, keyVersion: 1, previousKeyVersion: 0 }, 'O1');
    expect(r).toMatchObject({ uid: CARD, officer: 'O2', replacedBadge: STAFF });
    expect(store.officer('O2')!.badgeUid).toBe(CARD);
    expect(store.officerByBadge(STAFF)).toBeNull();
    expect(store.secureBadge(STAFF)).toBeNull();
    expect(store.secureBadge(CARD)).toMatchObject({ holder: 'officer' });
  });

  it('a retired or lost pool badge is not enrolled', () => {
    visits.addBadge(OTHER, 'TAMU-01');
    visits.retireBadge('TAMU-01', 'O1');
    expect(() => enrol.checkTarget({ holder: 'pool', label: 'TAMU-01' }, null)).toThrow('badge TAMU-01 is retired: it is not enrolled');
  });

  it('one transaction: when the enrolment cannot be saved, the pool badge is not added and no event is written', () => {
    const before = store.events.lastSeq();
    const save = store.saveSecureBadge.bind(store);
    store.saveSecureBadge = () => { throw new Error('disk I/O error'); };
    try {
      expect(() => enrol.record({ holder: 'pool', label: 'TAMU-07' }, { uid: CARD, keyVersion: 1, previousKeyVersion: 0 }, null)).toThrow('disk I/O error');
    } finally {
      store.saveSecureBadge = save;
    }
    expect(store.badge(CARD)).toBeNull();
    expect(store.events.lastSeq()).toBe(before);
    expect(NOT_RECORDED(1, 'disk I/O error')).toMatch(/^the card now holds the site key \(version 1\) but was NOT enrolled: disk I\/O error\. .*enrol it again/);
  });

  it('retiring an enrolled badge: reset at the desk (badge.key_reset), or with the card lost (enrolment removed, card untouched)', () => {
    enrol.record({ holder: 'pool', label: 'TAMU-07' }, { uid: CARD, keyVersion: 1, previousKeyVersion: 0 }, null);
    expect(() => enrol.retire('TAMU-07', 'O2', { uid: OTHER, previousKeyVersion: 1 })).toThrow(`the card reset is ${OTHER}, not badge TAMU-07`);
    expect(store.badge(CARD)!.status).toBe('available'); // nothing changed
    const before = store.events.lastSeq();
    enrol.retire('TAMU-07', 'O2', { uid: CARD, previousKeyVersion: 1 });
    expect(types(before)).toEqual(['badge.retired', 'badge.key_reset']);
    expect(store.events.since(before)[1]!.data).toEqual({ badge: CARD, previousKeyVersion: 1, by: 'O2' });
    expect(store.secureBadge(CARD)).toBeNull();

    enrol.record({ holder: 'pool', label: 'TAMU-08' }, { uid: OTHER, keyVersion: 1, previousKeyVersion: 0 }, null);
    const lost = store.events.lastSeq();
    enrol.retire('TAMU-08', 'O2', null);
    expect(types(lost)).toEqual(['badge.retired']);
    expect(store.secureBadge(OTHER)).toBeNull();
  });
});
