/**
 * The watchlist at the door (issue 14 item 8) on a real SQLite store: a head adds a NIK (kept only as a keyed hash,
 * shown masked); a request with that NIK is filed (never silently denied) and raises alarm.watchlist_match in the
 * same transaction, open for the console's banner and an alert for the centre; a KTP tap matches through the visits
 * that KTP was recorded for; an expired entry matches nothing; only a head changes the list; the CLI warns the officer.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeDoor, type TestDoor } from '../helpers/door.js';
import { WatchlistService } from '../../src/app/watchlist-service.js';
import { VisitService } from '../../src/app/visit-service.js';
import { DEFAULT_STANDARDS } from '../../src/domain/sop.js';
import { isAlertType } from '../../src/domain/events.js';
import { testNik, tempConfig, type TempConfig } from '../helpers/config.js';
import { pintu, pintuJson, setupHead, addOfficerCli, TEST_PIN } from '../helpers/cli.js';

const HOUR = 3_600_000;
const doors: TestDoor[] = [];
const configs: TempConfig[] = [];
afterEach(async () => {
  for (const d of doors.splice(0)) await d.cleanup();
  for (const c of configs.splice(0)) c.cleanup();
});

function door(): { d: TestDoor; clock: { now: number }; visits: VisitService; watchlist: WatchlistService } {
  const d = makeDoor('s', 'dc-1');
  doors.push(d);
  const clock = { now: Date.parse('2026-12-01T03:00:00Z') };
  const secret = Buffer.alloc(32, 7);
  const visits = new VisitService(d.store, { standards: DEFAULT_STANDARDS, defaultValidity: 'end-of-day', timeZone: 'Asia/Jakarta', secret, now: () => clock.now });
  const watchlist = new WatchlistService(d.store, { secret, now: () => clock.now });
  visits.addOfficer('Kepala', 'head', '0A01');
  visits.addOfficer('Staf', 'staff', '0A02');
  return { d, clock, visits, watchlist };
}

const person = (nik: string): { name: string; nik: string; org: string; purpose: string } => ({ name: 'Anton Pantau', nik, org: 'PT W', purpose: 'audit' });

describe('the watchlist at the door', () => {
  it('keeps a NIK only as a keyed hash, shown masked; a request with it is filed and raises an alarm (no NIK in it)', () => {
    const { d, clock, visits, watchlist } = door();
    const nik = testNik(41);
    const e = watchlist.add({ nik, reason: 'kartu pernah dipinjamkan', until: clock.now + 24 * HOUR, by: 'O1' });
    expect(e).toMatchObject({ id: 1, nikMasked: `${nik.slice(0, 6)}******${nik.slice(12)}`, source: 'local', addedBy: 'O1' });
    const rows = d.store.db.prepare('SELECT * FROM watchlist').all();
    expect(JSON.stringify(rows)).not.toContain(nik);
    expect(JSON.stringify(watchlist.list())).not.toContain(nik);

    const v = visits.request({ ...person(nik), by: 'O2' });
    expect(v.state).toBe('requested');
    const alarms = d.store.events.since(0).filter((x) => x.type === 'alarm.watchlist_match');
    expect(alarms.map((x) => x.data)).toEqual([{ visit: v.id, entry: 1, where: 'request', officer: 'O2' }]);
    expect(isAlertType('alarm.watchlist_match')).toBe(true);
    expect(d.store.openAlarms(10).map((x) => x.type)).toContain('alarm.watchlist_match');
    expect(JSON.stringify(d.store.events.since(0).map((x) => x.data))).not.toContain(nik);
    // Another NIK: no alarm.
    visits.request(person(testNik(42)));
    expect(d.store.events.since(0).filter((x) => x.type === 'alarm.watchlist_match')).toHaveLength(1);
  });

  it('an expired entry matches nothing (request or KTP), and is left out of the list unless asked', () => {
    const { d, clock, visits, watchlist } = door();
    const nik = testNik(43);
    visits.request({ ...person(nik), ktpUid: '04AA00000000C1' });
    watchlist.add({ nik, reason: 'sementara', until: clock.now + HOUR, by: 'O1' });
    clock.now += 2 * HOUR;
    visits.request(person(nik));
    expect(watchlist.ktpTapped('04AA00000000C1', 'O2')).toBeNull();
    expect(d.store.events.since(0).filter((x) => x.type === 'alarm.watchlist_match')).toEqual([]);
    expect(watchlist.list()).toEqual([]);
    expect(watchlist.list({ all: true })).toHaveLength(1);
  });

  it('a KTP tap matches through the visits that KTP was recorded for, and names the KTP\'s newest visit', () => {
    const { d, clock, visits, watchlist } = door();
    const nik = testNik(44);
    const first = visits.request({ ...person(nik), ktpUid: '04AA00000000D1' });
    expect(watchlist.ktpTapped('04AA00000000D1', 'O2')).toBeNull();
    watchlist.add({ nik, reason: 'dilarang masuk', until: clock.now + HOUR, by: 'O1' });
    const m = watchlist.ktpTapped('04aa00000000d1', 'O2');
    expect(m).toMatchObject({ visit: first.id, entry: { id: 1, reason: 'dilarang masuk' } });
    expect(d.store.events.since(0).filter((x) => x.type === 'alarm.watchlist_match').map((x) => x.data)).toEqual([{ visit: first.id, entry: 1, where: 'ktp', officer: 'O2' }]);
    // A KTP never seen matches nothing.
    expect(watchlist.ktpTapped('04AA00000000D2', 'O2')).toBeNull();
  });

  it('only an active head adds or removes; the removal is an event; bad input names the field', () => {
    const { d, clock, watchlist } = door();
    expect(() => watchlist.add({ nik: testNik(45), reason: 'x', until: clock.now + HOUR, by: 'O2' })).toThrow(/only an active head may change the watchlist/);
    expect(() => watchlist.add({ nik: '123', reason: 'x', until: clock.now + HOUR, by: 'O1' })).toThrow(/NIK must be exactly 16 digits/);
    expect(() => watchlist.add({ nik: testNik(45), reason: ' ', until: clock.now + HOUR, by: 'O1' })).toThrow(/reason must not be empty/);
    expect(() => watchlist.add({ nik: testNik(45), reason: 'x', until: clock.now - 1, by: 'O1' })).toThrow(/until must be in the future/);
    const e = watchlist.add({ nik: testNik(45), reason: 'x', until: clock.now + HOUR, by: 'O1' });
    expect(() => watchlist.remove(e.id, 'O2')).toThrow(/only an active head/);
    watchlist.remove(e.id, 'O1');
    expect(watchlist.list({ all: true })).toEqual([]);
    expect(d.store.events.since(0).filter((x) => x.type.startsWith('watchlist.')).map((x) => [x.type, x.data.entry])).toEqual([['watchlist.added', 1], ['watchlist.removed', 1]]);
  });

  it('the centre\'s list adds central entries, and replace drops only central ones (local entries stay)', () => {
    const { clock, watchlist } = door();
    watchlist.add({ nik: testNik(46), reason: 'lokal', until: clock.now + HOUR, by: 'O1' });
    expect(watchlist.applyCentral([{ nik: testNik(47), reason: 'pusat 1', until: clock.now + HOUR }, { nik: testNik(48), reason: 'kedaluwarsa', until: clock.now - 1 }], 'add', 'kanwil-admin')).toBe(1);
    expect(watchlist.list().map((e) => [e.source, e.reason])).toEqual([['central', 'pusat 1'], ['local', 'lokal']]);
    expect(watchlist.applyCentral([{ nik: testNik(49), reason: 'pusat 2', until: clock.now + HOUR }], 'replace', 'kanwil-admin')).toBe(1);
    expect(watchlist.list().map((e) => [e.source, e.reason])).toEqual([['central', 'pusat 2'], ['local', 'lokal']]);
    expect(watchlist.matchNik(testNik(49))).toMatchObject({ source: 'central', addedBy: 'kanwil-admin' });
    expect(watchlist.matchNik(testNik(47))).toBeNull();
  });
});

describe('pintu watchlist and pintu visit request', () => {
  it('a head adds, lists (masked, office time with offset) and removes; a listed NIK at visit request warns the officer and raises the alarm', () => {
    const tc = tempConfig();
    configs.push(tc);
    setupHead(tc.file, 'Kepala', '0A00000001');
    addOfficerCli(tc.file, 'Staf', 'staff', '0A00000003');
    const nik = testNik(51);
    // A change to the watchlist needs the head's PIN (like an officer change): a wrong or missing one changes nothing.
    const wrong = pintu(tc.file, ['watchlist', 'add', '--nik', nik, '--reason', 'pernah merusak rak', '--until', '2030-12-31', '--by', 'O1'], '000000\n');
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('the PIN of officer O1 is wrong');
    expect(pintu(tc.file, ['watchlist', 'add', '--nik', nik, '--reason', 'pernah merusak rak', '--until', '2030-12-31', '--by', 'O1']).code).toBe(2);
    expect(pintuJson<unknown[]>(tc.file, ['watchlist', 'list', '--all'])).toEqual([]);
    const added = pintuJson<{ id: number; nikMasked: string; until: string }>(tc.file, ['watchlist', 'add', '--nik', nik, '--reason', 'pernah merusak rak', '--until', '2030-12-31', '--by', 'O1'], `${TEST_PIN}\n`);
    expect(added).toMatchObject({ id: 1, nikMasked: `${nik.slice(0, 6)}******${nik.slice(12)}`, until: '2030-12-31T16:59:59.999Z' });
    const listed = pintu(tc.file, ['watchlist', 'list']);
    expect(listed.stdout).toContain('until 2030-12-31 23:59:59 WIB (+07:00)');
    expect(listed.stdout).toContain('pernah merusak rak');
    expect(listed.stdout).not.toContain(nik);
    expect(pintu(tc.file, ['watchlist', 'add', '--nik', nik, '--reason', 'x', '--until', '2030-12-31', '--by', 'O2']).code).toBe(2);

    const r = pintu(tc.file, ['visit', 'request', '--name', 'Anton', '--nik', nik, '--org', 'PT W', '--purpose', 'audit', '--by', 'O2', '--json']);
    expect(r.code).toBe(0);
    const v = JSON.parse(r.stdout) as { id: string; state: string; watchlist?: { entry: number } };
    expect(v).toMatchObject({ state: 'requested', watchlist: { entry: 1 } });
    expect(r.stderr).toMatch(/^WARNING watchlist: the visitor of V-\d{8}-\d{3} is on the watchlist \(entry 1, NIK \d{6}\*{6}\d{4}, until 2030-12-31 23:59:59 WIB \(\+07:00\)\): pernah merusak rak/);
    expect(r.stderr).not.toContain(nik);
    const events = pintu(tc.file, ['events', '--type', 'alarm.watchlist', '--json']).stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events).toMatchObject([{ type: 'alarm.watchlist_match', visit: v.id, entry: 1, where: 'request' }]);
    // The database file names the NIK nowhere in the watchlist table (it holds the hash).
    expect(readFileSync(join(tc.config.dataDir, 'pintu.db')).toString('latin1')).not.toContain(`${nik}","reason`);

    expect(pintu(tc.file, ['watchlist', 'remove', '1', '--by', 'O1'], '000000\n').code).toBe(2);
    expect(pintuJson<unknown[]>(tc.file, ['watchlist', 'list'])).toHaveLength(1);
    expect(pintuJson(tc.file, ['watchlist', 'remove', '1', '--by', 'O1'], `${TEST_PIN}\n`)).toMatchObject({ id: 1 });
    expect(pintuJson<unknown[]>(tc.file, ['watchlist', 'list', '--all'])).toEqual([]);
  }, 60_000);
});
