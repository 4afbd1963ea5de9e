/**
 * What the console reads (ConsoleQueries) and its alarms (AlarmDesk) over a real SQLite store (issue 12): the visit
 * list's search and pages, the day's list, pending requests, who is inside with their escort, a visit's timeline, open
 * alarms and their acknowledgement, and migration 5 on a database that already holds visits and events.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/adapters/sqlite/db.js';
import { MIGRATIONS } from '../../src/adapters/sqlite/migrations.js';
import { Store } from '../../src/adapters/sqlite/store.js';
import { EventLog } from '../../src/adapters/sqlite/event-log.js';
import { silentLogger } from '../../src/adapters/log/pino.js';
import { AccessService } from '../../src/app/access-service.js';
import { AlarmService, ConsoleQueryService } from '../../src/app/console-queries.js';
import { VisitService } from '../../src/app/visit-service.js';
import { DEFAULT_STANDARDS } from '../../src/domain/sop.js';
import { EVENT_TYPES, isAlertType } from '../../src/domain/events.js';
import { UserError } from '../../src/domain/errors.js';
import { filler } from '../helpers/events.js';
import { testNik } from '../helpers/config.js';

const TZ = 'Asia/Jakarta';
const DAY1 = Date.UTC(2026, 11, 1, 2, 0, 0); // 2026-12-01 09:00 WIB
const MIN = 60_000;

/** The UserError `fn` throws. */
function refusal(fn: () => unknown): UserError {
  try { fn(); } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return err as UserError;
  }
  throw new Error('expected a refusal');
}

describe('console queries and alarms', () => {
  let dir: string;
  let store: Store;
  let s: VisitService;
  let q: ConsoleQueryService;
  let alarms: AlarmService;
  const clock = { now: DAY1 };
  beforeEach(() => {
    clock.now = DAY1;
    dir = mkdtempSync(join(tmpdir(), 'pintu-cq-'));
    store = new Store(openDatabase(join(dir, 'p.db'), { synchronous: 'normal' }), 'd1', null);
    s = new VisitService(store, { standards: DEFAULT_STANDARDS, defaultValidity: 'end-of-day', timeZone: TZ, secret: Buffer.alloc(32, 7), now: () => clock.now });
    q = new ConsoleQueryService(store, TZ);
    alarms = new AlarmService(store, () => clock.now);
    s.addOfficer('Head', 'head', '0A01'); // O1
    s.addOfficer('Staff', 'staff', '0A02'); // O2
  });
  afterEach(() => { store.db.close(); rmSync(dir, { recursive: true, force: true }); });

  const request = (name: string, org: string, n = 1): string => s.request({ name, nik: testNik(n), org, purpose: 'kunjungan' }).id;

  describe('searchVisits', () => {
    // Issue 14: names are found through a keyed blind index of their words (name-index.ts), so a name matches by the start
    // of its words (each word of the term), no longer by any part inside a word ("antoso", "udi" found before).
    it('filters by the start of the name\'s words (each word of the term, any case, accents ignored) and by part of the institution, the local day and the state; newest id first', () => {
      const a = request('Budi Santoso', 'Dinas Kominfo');
      const b = request('Siti Aminah', 'PT Telkom');
      clock.now = DAY1 + 24 * 60 * MIN;
      const c = request('budiman', 'PT TELKOM Witel');
      s.check(c, 'O2');
      expect([a, b, c]).toEqual(['V-20261201-001', 'V-20261201-002', 'V-20261202-001']);
      const ids = (query: Parameters<ConsoleQueryService['searchVisits']>[0]): string[] => q.searchVisits(query).map((v) => v.id);
      expect(ids({})).toEqual([c, b, a]);
      expect(ids({ name: 'BUDI' })).toEqual([c, a]);
      expect(ids({ name: '  santoso ' })).toEqual([a]);
      expect(ids({ name: 'budi san' })).toEqual([a]);
      expect(ids({ name: 'SANTOSO bu' })).toEqual([a]);
      expect(ids({ name: 'Búdí' })).toEqual([c, a]);
      expect(ids({ name: 'bu' })).toEqual([c, a]);
      expect(ids({ name: 'antoso' })).toEqual([]); // a part inside a word: not a word's start
      expect(ids({ name: 'udi' })).toEqual([]);
      expect(ids({ name: 'budi aminah' })).toEqual([]); // every word must match the same visit
      expect(ids({ org: 'telkom' })).toEqual([c, b]);
      expect(ids({ name: 'budi', org: 'telkom' })).toEqual([c]);
      expect(ids({ day: '2026-12-01' })).toEqual([b, a]);
      expect(ids({ day: '2026-12-02', name: 'budi' })).toEqual([c]);
      expect(ids({ state: 'checked' })).toEqual([c]);
      expect(ids({ state: 'requested', org: 'telkom' })).toEqual([b]);
      expect(ids({ name: 'nobody' })).toEqual([]);
      expect(ids({ name: '%' })).toEqual([]); // no pattern characters: a part of the name, literally
      expect(ids({ name: '' })).toEqual([c, b, a]);
    });

    it('pages by id (keyset): each page continues before the last id of the previous one, with or without filters', () => {
      const all: string[] = [];
      for (let i = 1; i <= 23; i++) all.push(request(i % 2 ? `Andi ${i}` : `Rina ${i}`, 'PT X', i));
      const newest = [...all].reverse();
      const pages = (query: { name?: string; state?: 'requested' }, size: number): string[][] => {
        const out: string[][] = [];
        let before: string | undefined;
        for (;;) {
          const page = q.searchVisits({ ...query, limit: size, ...(before ? { before } : {}) }).map((v) => v.id);
          if (!page.length) return out;
          out.push(page);
          before = page.at(-1);
        }
      };
      expect(pages({}, 10).map((p) => p.length)).toEqual([10, 10, 3]);
      expect(pages({}, 10).flat()).toEqual(newest);
      expect(pages({ state: 'requested' }, 7).flat()).toEqual(newest);
      expect(pages({ name: 'andi' }, 5).flat()).toEqual(newest.filter((_, i) => (23 - i) % 2 === 1));
      expect(q.searchVisits({ limit: 100_000 }).length).toBe(23);
      expect(q.searchVisits({ limit: 0 }).length).toBe(1);
    });

    it('refuses a day that is no date and an unknown state, with codes', () => {
      expect(refusal(() => q.searchVisits({ day: '2026-02-30' }))).toMatchObject({ code: 'day.format', field: 'day' });
      expect(refusal(() => q.searchVisits({ state: 'gone' as 'requested' }))).toMatchObject({ code: 'visit.state_unknown', field: 'state' });
    });

    it('forgets a purged name: the search row is overwritten with the visit', () => {
      const a = request('Budi Santoso', 'Dinas Kominfo');
      const v = store.visit(a)!;
      store.tx(() => store.saveVisit({ ...v, visitor: { ...v.visitor, name: '(purged)', nik: '', phone: null } }));
      expect(q.searchVisits({ name: 'budi' })).toEqual([]);
      expect(q.searchVisits({ org: 'kominfo' }).map((x) => x.id)).toEqual([a]);
      expect(JSON.stringify(store.db.prepare('SELECT * FROM visit_search').all())).not.toMatch(/budi/i);
    });
  });

  describe('the day, the queue, who is inside, a visit\'s timeline', () => {
    const accessOf = (): AccessService => new AccessService(store, { grant: () => undefined }, {
      policy: { escortRequired: true, escortWindowMs: 30_000, officerRoles: ['staff', 'coordinator', 'head'], antiPassback: true },
      repeatWindowMs: 0, readers: new Map([['in', { direction: 'in', secure: false }], ['out', { direction: 'out', secure: false }]]), secret: Buffer.alloc(32, 7), now: () => clock.now,
    }, silentLogger());

    it('lists visitors inside with the officer who escorted their entry and since when; a timeline oldest first', () => {
      s.addBadge('1B01', 'TAMU-01');
      const id = request('Budi', 'PT X');
      const other = request('Sari', 'PT Y', 2);
      s.check(id, 'O2');
      s.approve(id, 'O1');
      s.issue(id, 'TAMU-01', 'O2', { rulesAcknowledged: true });
      const access = accessOf();
      const tap = (reader: 'in' | 'out', uid: string): void => { access.handleTap({ readerId: reader, uid, tech: 'sim', at: clock.now }); };
      clock.now += MIN;
      tap('in', '0A02');
      clock.now += 1000;
      tap('in', '1B01');
      expect(q.visitsInside()).toEqual([{ visit: expect.objectContaining({ id, escort: 'O2' }), escort: 'O2', since: clock.now }]);
      expect(q.officersInside().map((o) => o.id)).toEqual(['O2']);
      const timeline = q.eventsOfVisit(id.toLowerCase());
      expect(timeline.map((e) => e.type)).toEqual(['visit.requested', 'visit.checked', 'visit.approved', 'badge.issued', 'access.granted']);
      expect(timeline.map((e) => e.seq)).toEqual([...timeline.map((e) => e.seq)].sort((x, y) => x - y));
      expect(timeline.every((e) => e.data.visit === id)).toBe(true);
      expect(q.eventsOfVisit(other).map((e) => e.type)).toEqual(['visit.requested']);
      expect(q.recentEvents(2).map((e) => e.seq)).toEqual([store.events.lastSeq(), store.events.lastSeq() - 1]);
      tap('out', '1B01');
      expect(q.visitsInside()).toEqual([]);
      expect(store.visit(id)?.escort).toBe('O2'); // kept: the escort of the last entry
    });

    it('the day\'s list holds visits requested that day and visits issued, inside or checked out that day', () => {
      s.addBadge('1B01', 'TAMU-01');
      const early = request('Budi', 'PT X'); // requested on the 1st, comes on the 2nd
      s.check(early, 'O2');
      s.approve(early, 'O1', { until: DAY1 + 48 * 60 * MIN });
      const first = request('Sari', 'PT Y', 2);
      clock.now = DAY1 + 24 * 60 * MIN; // 2026-12-02 09:00 WIB
      s.issue(early, 'TAMU-01', 'O2', { rulesAcknowledged: true });
      const second = request('Tono', 'PT Z', 3);
      expect(q.visitsOfDay('2026-12-01').map((v) => v.id)).toEqual([early, first]);
      expect(q.visitsOfDay('2026-12-02').map((v) => v.id)).toEqual([early, second]);
      expect(q.visitsOfDay('2026-12-03')).toEqual([]);
      expect(refusal(() => q.visitsOfDay('kemarin')).code).toBe('day.format');
    });

    it('pending: requests waiting for a check or a decision, oldest first', () => {
      const a = request('A', 'O', 1);
      clock.now += MIN;
      const b = request('B', 'O', 2);
      clock.now += MIN;
      const c = request('C', 'O', 3);
      s.check(a, 'O2');
      s.deny(c, 'O1', 'no letter');
      expect(q.pending().map((v) => v.id)).toEqual([a, b]);
    });

    it('officer by badge: only an active officer; badges and officers by id in any case', () => {
      expect(q.officerByBadge('0a02')?.id).toBe('O2');
      s.setOfficerActive('O2', false, 'O1');
      expect(q.officerByBadge('0A02')).toBeNull();
      expect(q.officerByBadge('zz')).toBeNull();
      expect(q.officer(' o1 ')?.role).toBe('head');
      s.addBadge('1B01', 'TAMU-01');
      expect(q.badge('1b01')?.label).toBe('TAMU-01');
      expect(q.badges().length).toBe(1);
    });
  });

  describe('alarms', () => {
    const raise = (type: string, data: Record<string, unknown> = {}): number => store.tx(() => store.events.append([filler(type, data)], clock.now))[0]!.seq;

    it('lists open alarms newest first; an acknowledgement is an event with the actor, shrinks the list, and is refused twice', () => {
      const forced = raise('door.forced');
      raise('door.opened', { via: 'grant', refs: [] });
      const reader = raise('alarm.reader_down', { reader: 'in', direction: 'in', error: 'gone' });
      expect(alarms.open().map((a) => a.event.seq)).toEqual([reader, forced]);
      const before = store.events.lastSeq();
      alarms.acknowledge(reader, 'O2');
      expect(store.events.since(before).map((e) => [e.type, e.data])).toEqual([['alarm.acknowledged', { alarm: reader, alarmType: 'alarm.reader_down', officer: 'O2' }]]);
      expect(alarms.open().map((a) => a.event.seq)).toEqual([forced]);
      const twice = refusal(() => alarms.acknowledge(reader, 'O1'));
      expect(twice).toMatchObject({ code: 'alarm.acknowledged', params: { seq: reader } });
      expect(refusal(() => alarms.acknowledge(before + 1, 'O1')).code).toBe('alarm.unknown'); // the acknowledgement is no alarm
      expect(refusal(() => alarms.acknowledge(forced + 1, 'O1')).code).toBe('alarm.unknown'); // door.opened
      expect(refusal(() => alarms.acknowledge(99_999, 'O1')).code).toBe('alarm.unknown');
      expect(refusal(() => alarms.acknowledge(forced, 'O9')).code).toBe('notfound.officer');
      s.setOfficerActive('O2', false, 'O1');
      expect(refusal(() => alarms.acknowledge(forced, 'O2')).code).toBe('officer.inactive');
      const seq = store.events.lastSeq();
      alarms.acknowledge(forced, 'O1', 'pintu didorong petugas kebersihan');
      const [incident] = store.incidents();
      expect(incident).toMatchObject({ officerId: 'O1', visitId: null, note: 'pintu didorong petugas kebersihan' });
      expect(store.events.since(seq).map((e) => e.type)).toEqual(['incident.recorded', 'alarm.acknowledged']);
      expect(store.events.since(seq)[1]?.data).toEqual({ alarm: forced, alarmType: 'door.forced', officer: 'O1', incident: incident!.id });
      expect(alarms.open()).toEqual([]);
    });

    it('opens a row for exactly the catalogue\'s alarms (isAlertType), whoever appends', () => {
      const seqs = new Map(EVENT_TYPES.filter((t) => t !== 'alarm.acknowledged').map((t) => [raise(t, { visit: 'V-20261201-001' }), t]));
      const open = alarms.open(500).map((a) => a.event.type).sort();
      expect(open).toEqual(EVENT_TYPES.filter(isAlertType).sort());
      expect(raise('alarm.from_a_newer_door')).toBeGreaterThan(0);
      expect(alarms.open(1)[0]?.event.type).toBe('alarm.from_a_newer_door');
      expect(store.openAlarmsOfVisit('V-20261201-001', 'visit.device_mismatch')).toEqual([...seqs].filter(([, t]) => t === 'visit.device_mismatch').map(([seq]) => seq));
    });
  });

  it('migration 5 on a database with visits and events: search rows for every visit, open alarms of the last day only', () => {
    const file = join(dir, 'old.db');
    const old = openDatabase(file, { synchronous: 'normal' }, MIGRATIONS.slice(0, 4));
    const log = new EventLog(old, 'd1', null);
    old.exec(`INSERT INTO visits (id, kind, state, presence, badge_uid, ktp_hash, requested_at, data)
      VALUES ('V-20261101-001', 'visit', 'requested', NULL, NULL, NULL, 1, '{"id":"V-20261101-001","visitor":{"name":"Budi Santoso","org":"Dinas Kominfo"}}')`);
    old.transaction(() => log.append([filler('door.forced')], Date.now() - 3 * 86_400_000))();
    old.transaction(() => log.append([filler('alarm.reader_down', { reader: 'in' }), filler('door.opened')], Date.now() - 3_600_000))();
    old.close();
    const db = openDatabase(file, { synchronous: 'normal' });
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    const migrated = new Store(db, 'd1', null);
    expect(migrated.searchVisits({ name: 'santoso', limit: 10 }).map((x) => x.id)).toEqual(['V-20261101-001']);
    expect(migrated.openAlarms(10).map((e) => e.type)).toEqual(['alarm.reader_down']);
    db.close();
  });
});
