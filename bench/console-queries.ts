/**
 * `node dist/bench/console-queries.js`: the officers' console's reads on a door database of 100,000 visits and
 * 1,000,000 events (issue 12: a page's server time p99 ≤ 50 ms), and what migration 5 costs a tap's transaction.
 *
 * The database is generated straight through the schema (like bench/seed.ts, but with each visit's own events: about
 * 7 naming the visit, the rest door events; 5,000 alarms of which 20 are open). Each query runs on random arguments;
 * p50/p99/max are printed per query and per page (the reads one page makes). Then the tap's transaction (the visit's
 * presence saved + access.granted appended) is timed with migration 5's index, triggers and search row, and without
 * them (the schema of version 4), on the same database.
 * Names are found through the keyed name index (name-index.ts), built by the store's first open (timed).
 * Sizes: BENCH_VISITS (100000), BENCH_EVENTS (1000000), BENCH_RUNS (300 per query), BENCH_TAPS (3000).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openDatabase } from '../src/adapters/sqlite/db.js';
import { MIGRATIONS } from '../src/adapters/sqlite/migrations.js';
import { Store } from '../src/adapters/sqlite/store.js';
import { AesGcmFieldCipher } from '../src/adapters/sqlite/field-cipher.js';
import { searchAad, VisitSealer } from '../src/adapters/sqlite/sealed-visit.js';
import { markEncrypted } from '../src/adapters/sqlite/at-rest.js';
import { newDataKey } from '../src/adapters/os/data-key-file.js';
import { AlarmService, ConsoleQueryService } from '../src/app/console-queries.js';
import { eventHash, GENESIS_HASH } from '../src/protocol/chain.js';
import type { Visit, VisitState } from '../src/domain/types.js';
import type { DomainEvent } from '../src/domain/events.js';

const VISITS = Number(process.env.BENCH_VISITS ?? 100_000);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 300);
const TAPS = Number(process.env.BENCH_TAPS ?? 3000);
const DOOR = 'door-1';
const TZ = 'Asia/Jakarta';
const FIRST = ['Budi', 'Siti', 'Agus', 'Dewi', 'Eko', 'Rina', 'Andi', 'Sri', 'Joko', 'Ayu', 'Hendra', 'Putri', 'Bambang', 'Wati', 'Rudi'];
const LAST = ['Santoso', 'Wijaya', 'Saputra', 'Lestari', 'Hidayat', 'Kusuma', 'Pratama', 'Nugroho', 'Rahayu', 'Setiawan'];
const ORGS = ['PT Telkom Indonesia', 'Dinas Kominfo', 'PT Lintasarta', 'CV Mitra Jaringan', 'BPS Kabupaten', 'PT Biznet', 'Bappeda', 'PT Icon+'];

/** The data key of this run's database (personal fields encrypted at rest, as on a door). */
const CIPHER = new AesGcmFieldCipher([newDataKey()]);

/** A seeded random number generator (mulberry32), so every run measures the same database. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = rng(12);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

/** Fill the database: visits (40/day over 2,500 days), their events and door events in time order, alarms. */
function generate(file: string): { days: string[]; ids: string[] } {
  const db = openDatabase(file, { synchronous: 'off' as 'normal' });
  const insVisit = db.prepare('INSERT INTO visits (id, kind, state, presence, badge_uid, ktp_hash, requested_at, data, sealed) VALUES (?, ?, ?, ?, NULL, NULL, ?, ?, ?)');
  const insSearch = db.prepare('INSERT INTO visit_search (id, name, org) VALUES (?, ?, lower(?))');
  // Personal fields sealed as the door's store keeps them (issue 14): the name search opens each scanned sealed name.
  const sealer = new VisitSealer(CIPHER);
  const insEvent = db.prepare('INSERT INTO events (door, seq, type, at, data, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const perDay = 40;
  const day0 = Date.UTC(2020, 0, 1, 1, 0, 0);
  const perVisitEvents = 7;
  const doorEventsPerVisit = Math.max(0, Math.floor(EVENTS / VISITS) - perVisitEvents);
  const ids: string[] = [];
  const days: string[] = [];
  let seq = 0;
  let prev = GENESIS_HASH;
  let alarms = 0;
  const append = (type: string, atMs: number, data: Record<string, unknown>): void => {
    seq += 1;
    const at = new Date(atMs).toISOString();
    const json = JSON.stringify(data);
    const hash = eventHash(prev, DOOR, seq, type, at, json);
    insEvent.run(DOOR, seq, type, at, json, prev, hash);
    prev = hash;
  };
  const states: VisitState[] = ['archived', 'archived', 'archived', 'archived', 'checked_out', 'denied', 'cancelled', 'revoked'];
  db.transaction(() => {
    for (let i = 0; i < VISITS; i++) {
      const dayIndex = Math.floor(i / perDay);
      const at = day0 + dayIndex * 86_400_000 + (i % perDay) * 10 * 60_000;
      const date = new Date(at + 7 * 3_600_000).toISOString().slice(0, 10);
      if (i % perDay === 0) days.push(date);
      const id = `V-${date.replaceAll('-', '')}-${String((i % perDay) + 1).padStart(3, '0')}`;
      ids.push(id);
      const recent = i >= VISITS - 30;
      const state: VisitState = recent ? pick(['requested', 'checked', 'approved'] as const) : pick(states);
      const name = `${pick(FIRST)} ${pick(LAST)}`;
      const org = pick(ORGS);
      const v: Visit = {
        id, kind: 'visit', state, presence: null, visitor: { name, nik: '3201011205900001', org, phone: null },
        purpose: 'pemeliharaan server', plannedMinutes: 30, devicesIn: [{ description: 'Laptop', serial: `SN${i}` }], devicesOut: null,
        letterRef: null, ktpHash: null, ktpHeld: false, badgeUid: null, validFrom: at, validUntil: at + 3_600_000,
        at: { requested: at, checked: at + 60_000, decided: at + 120_000 }, by: {}, denyReason: null, revokeReason: null, disposition: null,
      };
      const row = sealer.seal(v);
      insVisit.run(id, 'visit', state, null, at, row.data, row.sealed);
      insSearch.run(id, CIPHER.seal(name.toLowerCase(), searchAad(id)), org);
      const base = { visit: id, officer: 'O2' };
      append('visit.requested', at, { ...base, kind: 'visit', step: 1, org, purpose: v.purpose, plannedMinutes: 30, devicesIn: v.devicesIn, letterRef: null, ktpRead: true });
      append('visit.checked', at + 60_000, { ...base, step: 2, sopStep: 'check', durationSeconds: 60, standardSeconds: 300, overStandard: false });
      append('visit.approved', at + 120_000, { ...base, validFrom: new Date(at).toISOString(), validUntil: new Date(at + 3_600_000).toISOString(), step: 3, sopStep: 'decide' });
      append('badge.issued', at + 180_000, { ...base, badge: '1B000001', label: 'TAMU-01', ktpHeld: true, reissue: false, step: 3, sopStep: 'issue' });
      append('access.granted', at + 240_000, { reader: 'in', direction: 'in', badge: '1B000001', holder: 'visitor', visit: id, escort: 'O2' });
      append('access.granted', at + 1_200_000, { reader: 'out', direction: 'out', badge: '1B000001', holder: 'visitor', visit: id, escort: null });
      append('visit.checked_out', at + 1_300_000, { ...base, badge: '1B000001', ktpReturned: true, wasInside: false, devicesOut: 1, step: 5, sopStep: 'checkout' });
      for (let k = 0; k < doorEventsPerVisit; k++) {
        const t = at + 1_400_000 + k * 1000;
        if (k % 3 === 0) append('access.granted', t, { reader: 'in', direction: 'in', badge: '0A000001', holder: 'officer', officer: 'O1' });
        else if (k % 3 === 1) append('door.opened', t, { via: 'grant', refs: [{ reader: 'in', badge: '0A000001', officer: 'O1', direction: 'in', at: t }] });
        else append('door.closed', t, { openSeconds: 3, via: 'grant' });
      }
      // An alarm every 20 visits; all but the newest 20 acknowledged.
      if (i % 20 === 0) {
        append(i % 40 === 0 ? 'door.held' : 'alarm.reader_down', at + 1_500_000, i % 40 === 0 ? { openSeconds: 40 } : { reader: 'in', direction: 'in', error: 'timeout' });
        alarms += 1;
        if (i < VISITS - 400) append('alarm.acknowledged', at + 1_560_000, { alarm: seq, alarmType: 'x', officer: 'O1' });
      }
    }
  })();
  db.exec('ANALYZE');
  markEncrypted(db, CIPHER);
  db.close();
  console.log(`generated: ${VISITS} visits, ${seq} events, ${alarms} alarms (${days.length} days)`);
  return { days, ids };
}

/** p50/p99/max of `runs` calls of `fn(i)`, in ms. */
function measure(name: string, runs: number, fn: (i: number) => unknown): { name: string; p50: number; p99: number; max: number } {
  for (let i = 0; i < 5; i++) fn(i); // warm the statement cache and the pages
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    fn(i);
    t.push(performance.now() - s);
  }
  t.sort((a, b) => a - b);
  const r = { name, p50: t[Math.floor(runs * 0.5)]!, p99: t[Math.min(runs - 1, Math.floor(runs * 0.99))]!, max: t[runs - 1]! };
  console.log(`${name.padEnd(58)} p50 ${r.p50.toFixed(2).padStart(7)} ms   p99 ${r.p99.toFixed(2).padStart(7)} ms   max ${r.max.toFixed(2).padStart(7)} ms`);
  return r;
}

/** The parts of migration 5 a tap's transaction meets (recreated between rounds; the same SQL as migrations.ts). */
const MIGRATION_5_TAP_PARTS = (MIGRATIONS.find((m) => m.sql.includes('CREATE TABLE alarm_open'))!.sql.match(/CREATE INDEX events_visit[^;]*;|CREATE TRIGGER[\s\S]*?END;/g) ?? []).join('\n');

function main(): void {
  const dir = mkdtempSync(join(tmpdir(), 'pintu-bench-console-'));
  const file = join(dir, 'pintu.db');
  try {
    const t0 = performance.now();
    const { days, ids } = generate(file);
    console.log(`(generated in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    // The first open builds the name index (keyed tokens of every visit's name words, name-index.ts), as on an upgraded door.
    const t1 = performance.now();
    const store = new Store(openDatabase(file, { synchronous: 'normal', cacheKiB: 16_384 }), DOOR, null, CIPHER);
    console.log(`(first open, name index built for ${VISITS} visits: ${((performance.now() - t1) / 1000).toFixed(1)} s)`);
    const q = new ConsoleQueryService(store, TZ);
    const alarms = new AlarmService(store);
    const anyId = (): string => pick(ids);
    console.log('\nqueries (random arguments each run):');
    measure('searchVisits first page (50)', RUNS, () => q.searchVisits({}));
    measure('searchVisits page before a random id', RUNS, () => q.searchVisits({ before: anyId() }));
    measure('searchVisits name (common part, e.g. "budi")', RUNS, () => q.searchVisits({ name: pick(FIRST).toLowerCase() }));
    measure('searchVisits name, no match', RUNS, (i) => q.searchVisits({ name: `zz${i}` }));
    measure('searchVisits two words, e.g. "budi san"', RUNS, () => q.searchVisits({ name: `${pick(FIRST)} ${pick(LAST).slice(0, 3)}` }));
    measure('searchVisits org + name, before a random id', RUNS, () => q.searchVisits({ org: pick(ORGS).slice(0, 6), name: pick(LAST), before: anyId() }));
    measure('searchVisits day', RUNS, () => q.searchVisits({ day: pick(days) }));
    measure('searchVisits state requested (rare)', RUNS, () => q.searchVisits({ state: 'requested' }));
    measure('searchVisits state archived, before a random id', RUNS, () => q.searchVisits({ state: 'archived', before: anyId() }));
    measure('searchVisits name + state cancelled (rare + rare)', RUNS, () => q.searchVisits({ name: pick(LAST), state: 'cancelled' }));
    measure('visitsOfDay', RUNS, () => q.visitsOfDay(pick(days)));
    measure('pending', RUNS, () => q.pending());
    measure('eventsOfVisit (random visit)', RUNS, () => q.eventsOfVisit(anyId()));
    measure('recentEvents(50)', RUNS, () => q.recentEvents(50));
    measure('alarms.open(50)', RUNS, () => alarms.open(50));
    measure('visitsInside + officersInside + doorStatus', RUNS, () => [q.visitsInside(), q.officersInside(), q.doorStatus()]);
    console.log('\npages (the reads one page makes):');
    const list = measure('visit list: searchVisits(name) + alarms.open', RUNS, () => [q.searchVisits({ name: pick(FIRST) }), alarms.open(20)]);
    const detail = measure('visit detail: visit + eventsOfVisit + alarms.open', RUNS, () => { const id = anyId(); return [q.visit(id), q.eventsOfVisit(id), alarms.open(20)]; });
    const door = measure('door: inside + officers + recentEvents(50) + alarms + status', RUNS, () => [q.visitsInside(), q.officersInside(), q.recentEvents(50), alarms.open(20), q.doorStatus()]);
    const day = measure('daily list: visitsOfDay + alarms.open', RUNS, () => [q.visitsOfDay(pick(days)), alarms.open(20)]);
    for (const p of [list, detail, door, day]) console.log(`${p.p99 <= 50 ? 'PASS' : 'MISS'} ${p.name}: p99 ${p.p99.toFixed(2)} ms (goal ≤ 50 ms)`);

    console.log('\na tap\'s transaction (visit presence saved + access.granted appended), on this database:');
    const v = store.visit(ids[ids.length - 100]!)!;
    const granted = (i: number): DomainEvent => ({ type: 'access.granted', data: { reader: 'in', direction: i % 2 ? 'out' : 'in', badge: '1B000001', holder: 'visitor', visit: v.id, escort: 'O2' } }) as DomainEvent;
    let now = Date.now();
    const tap = (i: number): void => store.tx(() => {
      store.saveVisit({ ...v, presence: i % 2 ? 'outside' : 'inside', escort: 'O2' });
      store.events.append([granted(i)], (now += 1));
    });
    const save3 = store.db.prepare(`INSERT INTO visits (id, kind, state, presence, badge_uid, ktp_hash, requested_at, data) VALUES (@id, @kind, @state, @presence, @badge_uid, @ktp_hash, @requested_at, @data)
      ON CONFLICT(id) DO UPDATE SET state = excluded.state, presence = excluded.presence, badge_uid = excluded.badge_uid, ktp_hash = excluded.ktp_hash, data = excluded.data`);
    // The visit saved by version 4's one statement (no search row).
    const tap3 = (i: number): void => store.tx(() => {
      const x = { ...v, presence: i % 2 ? 'outside' as const : 'inside' as const, escort: 'O2' };
      save3.run({ id: x.id, kind: x.kind, state: x.state, presence: x.presence, badge_uid: x.badgeUid, ktp_hash: x.ktpHash, requested_at: x.at.requested ?? 0, data: JSON.stringify(x) });
      store.events.append([granted(i)], (now += 1));
    });
    // Interleaved rounds, so the machine's load falls on both alike; then the parts of migration 5 one by one.
    const rounds = 5;
    const a: number[][] = [[], []];
    for (let r = 0; r < rounds; r++) {
      a[0]!.push(measure(`round ${r + 1}: with migration 5 (index, triggers, search row)`, TAPS / rounds, tap).p50);
      store.db.exec('DROP INDEX events_visit; DROP TRIGGER alarm_opens; DROP TRIGGER alarm_closes;');
      a[1]!.push(measure(`round ${r + 1}: schema of version 4 (before issue 12)`, TAPS / rounds, tap3).p50);
      store.db.exec(MIGRATION_5_TAP_PARTS);
    }
    const med = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
    console.log(`tap transaction p50, median of ${rounds} rounds: ${(med(a[0]!) * 1000).toFixed(0)} µs with migration 5, ${(med(a[1]!) * 1000).toFixed(0)} µs without: +${((med(a[0]!) - med(a[1]!)) * 1000).toFixed(0)} µs`);
    store.db.exec('DROP TRIGGER alarm_opens; DROP TRIGGER alarm_closes;');
    measure('  without the alarm triggers (index + search row)', TAPS / rounds, tap);
    store.db.exec('DROP INDEX events_visit;');
    measure('  without the triggers and the index (search row only)', TAPS / rounds, tap);
    store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
