/**
 * Issue 13, item 3: every door alarm the issue lists (forced, held, visitor unescorted, overstay, revoked inside, device
 * mismatch, reader down, clock rollback, health) is an alert at the centre. Each alarm, built with the door's own event
 * constructor and payload and stored by the central store (SQLite and PostgreSQL), raises one alert of its own kind in
 * the transaction that stores it; ordinary events around them (an incident, a health report, an acknowledgement) raise
 * none. The door's facts from its status round-trip on both stores too.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { PgCentralStore } from '../../src/central/pg-store.js';
import { SqliteCentralStore } from '../../src/central/sqlite-store.js';
import type { CentralStore } from '../../src/central/store.js';
import { DOOR_ALARM_TYPES, event, isAlertType, type DomainEvent } from '../../src/domain/events.js';
import { eventDataText, eventHash, GENESIS_HASH } from '../../src/protocol/chain.js';
import type { WireEvent } from '../../src/protocol/messages.js';

const SITE = 'kanwil-malut';
const DOOR = 'srv-1';
const KEY = 'A'.repeat(43) + '=';

/** One of each alarm of the issue, as the door writes it (same constructor, same payload shape). */
const ALARMS: Record<keyof typeof DOOR_ALARM_TYPES, DomainEvent> = {
  forced: event('door.forced', {}),
  held: event('door.held', { openSeconds: 45 }),
  visitorUnescorted: event('alarm.visitor_unescorted', { officer: 'O3', visits: ['V-20261201-001'] }),
  overstay: event('alarm.visit_overstay', { visit: 'V-20261201-002', badge: '04A1B2C3', validUntil: '2026-12-01T09:00:00.000Z' }),
  revokedInside: event('alarm.revoked_inside', { visit: 'V-20261201-003', officer: 'O2', badge: '04A1B2C4' }),
  deviceMismatch: event('visit.device_mismatch', { visit: 'V-20261201-004', officer: 'O1', notCarriedOut: [{ description: 'laptop', serial: 'SN1' }], notBroughtIn: [] }),
  readerDown: event('alarm.reader_down', { reader: 'out', direction: 'out', error: 'ENOENT /dev/ttyUSB1' }),
  clockRollback: event('alarm.clock_rollback', { behindMs: 3_600_000, newestAt: '2026-12-01T10:00:00.000Z' }),
  health: event('alarm.health', { item: 'disk', value: 97, detail: '97 % used' }),
  fire: event('alarm.fire', { policy: 'release', released: true }),
  fireInputFault: event('alarm.fire_input_fault', { alarmLine: true, supervisionLine: false, duringFire: false }),
  watchlistMatch: event('alarm.watchlist_match', { visit: 'V-20261201-005', entry: 1, where: 'ktp', officer: 'O2' }),
  cloneSuspected: event('alarm.clone_suspected', { reader: 'in', direction: 'in', badge: '04A1B2C3D4E5F6', holder: 'visitor', visit: 'V-20261201-006', why: 'wrong-key' }),
  deskCloneSuspected: event('alarm.desk_clone_suspected', { reader: 'desk', badge: '04A1B2C3D4E5F7', holder: 'officer', officer: 'O3', why: 'not-secure-card' }),
};
/** Ordinary events that raise nothing. */
const ORDINARY: DomainEvent[] = [
  event('incident.recorded', { incident: 1, officer: 'O1', visit: null }),
  event('health.report', { trigger: 'schedule', status: 'fail', counts: { ok: 8, warn: 0, fail: 1 }, items: [] }),
  event('alarm.acknowledged', { alarm: 1, alarmType: 'door.forced', officer: 'O1' }),
  event('door.held_cleared', { openSeconds: 50 }),
  event('reader.restored', { reader: 'out', direction: 'out', downSeconds: 60 }),
  event('fire.cleared', { policy: 'release', alarmSeconds: 300 }),
  event('fire.input_restored', { faultSeconds: 60 }),
  event('visit.archived', { visit: 'V-20261201-004', officer: 'O1', step: 7, sopStep: 'archive' }),
];

/** The events chained as the door would send them. */
function chain(events: DomainEvent[]): WireEvent[] {
  let prev = GENESIS_HASH;
  return events.map((e, i) => {
    const seq = i + 1;
    const at = new Date(Date.UTC(2026, 11, 1, 8, 0, seq)).toISOString();
    const data = e.data as Record<string, unknown>;
    const hash = eventHash(prev, DOOR, seq, e.type, at, eventDataText(data));
    const w = { seq, type: e.type, at, data, prevHash: prev, hash };
    prev = hash;
    return w;
  });
}

let postgres: TestPostgres;
const cleanups: (() => Promise<void> | void)[] = [];
beforeAll(async () => { postgres = await startPostgres(); }, 60_000);
afterAll(async () => { await postgres?.cleanup(); });
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

const stores: [string, () => Promise<CentralStore>][] = [
  ['SQLite', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pintu-door-alarms-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    return new SqliteCentralStore(join(dir, 'central.db'));
  }],
  ['PostgreSQL', async () => PgCentralStore.open(await postgres.database())],
];

describe.each(stores)('door alarms and facts at the centre (%s store)', (_name, open) => {
  it('every alarm the issue lists raises one alert of its own kind; the ordinary events between them raise none', async () => {
    const store = await open();
    cleanups.push(() => store.close());
    await store.enroll(SITE, DOOR, KEY, 1000);
    const kinds = Object.keys(ALARMS) as (keyof typeof DOOR_ALARM_TYPES)[];
    for (const k of kinds) expect(ALARMS[k].type, k).toBe(DOOR_ALARM_TYPES[k]);
    for (const k of kinds) expect(isAlertType(DOOR_ALARM_TYPES[k]), k).toBe(true);
    const events = kinds.flatMap((k, i) => [ORDINARY[i % ORDINARY.length]!, ALARMS[k]]);
    expect(await store.ingest(SITE, DOOR, chain(events), 5000)).toMatchObject({ outcome: 'stored', stored: events.length });
    const alerts = (await store.alerts(100)).reverse();
    expect(alerts.map((a) => a.kind)).toEqual(kinds.map((k) => DOOR_ALARM_TYPES[k]));
    const stored = await store.events({ site: SITE, door: DOOR });
    for (const a of alerts) {
      const e = stored.find((x) => x.type === a.kind)!;
      expect(a).toMatchObject({ site: SITE, door: DOOR, at: 5000 });
      expect(a.detail).toContain(`seq ${e.seq}`);
    }
  });

  it('a non-alarm alone raises no alert', async () => {
    const store = await open();
    cleanups.push(() => store.close());
    await store.enroll(SITE, DOOR, KEY, 1000);
    expect(await store.ingest(SITE, DOOR, chain(ORDINARY), 5000)).toMatchObject({ outcome: 'stored', stored: ORDINARY.length });
    expect(await store.alerts(100)).toEqual([]);
  });

  it('the door\'s facts from its status are stored on its row; a status without them keeps them', async () => {
    const store = await open();
    cleanups.push(() => store.close());
    await store.enroll(SITE, DOOR, KEY, 1000);
    const facts = {
      app: '0.1.0', os: 'Raspberry Pi 4 Model B Rev 1.4; Debian GNU/Linux 13 (trixie); Linux 6.12.47', clock: 'rolled-back' as const,
      readers: [{ id: 'in', role: 'in' as const, up: true }, { id: 'out', role: 'out' as const, up: false }], health: { state: 'degraded' as const, failing: ['disk'] },
    };
    await store.setStatus(SITE, DOOR, 'online', 2000, 9, facts);
    expect(await store.door(SITE, DOOR)).toMatchObject({ state: 'online', statusAt: 2000, reportedLastSeq: 9, ...facts });
    await store.setStatus(SITE, DOOR, 'offline', 3000, null);
    expect((await store.doors())[0]).toMatchObject({ state: 'offline', statusAt: 3000, ...facts });
  });
});
