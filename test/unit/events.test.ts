/**
 * The event catalogue (src/domain/events.ts): an unknown type or a wrong payload does not compile (the
 * `@ts-expect-error` lines fail `tsc -p tsconfig.test.json` if the error ever disappears), `type` narrows `data`,
 * and every event the door really writes has exactly its catalogue payload at run time.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { z } from 'zod';
import { openDatabase } from '../../src/adapters/sqlite/db.js';
import { Store } from '../../src/adapters/sqlite/store.js';
import { AccessService } from '../../src/app/access-service.js';
import { VisitService } from '../../src/app/visit-service.js';
import { AlarmService } from '../../src/app/console-queries.js';
import { recordReport } from '../../src/app/health/checklist.js';
import { silentLogger } from '../../src/adapters/log/pino.js';
import { DEFAULT_STANDARDS } from '../../src/domain/sop.js';
import { initialDoorState, stepDoor, type DoorEvent, type DoorInput } from '../../src/domain/door.js';
import {
  ALERT_EVENT_TYPES, NOT_ALERT_TYPES, EVENT_SCHEMAS, EVENT_TYPES, event, isAlertType, isEvent, isEventType,
  type DomainEvent, type EventType, type StoredEvent,
} from '../../src/domain/events.js';
import { seedIssuedVisit, testNik } from '../helpers/config.js';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

/** Compile-time checks only: never called. Each `@ts-expect-error` must stay an error. */
export function typeChecks(e: DomainEvent, s: StoredEvent): void {
  // @ts-expect-error an unknown type
  event('door.opend', {});
  // @ts-expect-error a key the payload does not have
  event('door.held', { seconds: 3 });
  // @ts-expect-error a required key missing (badge)
  event('access.granted', { reader: 'in', direction: 'in', holder: 'officer', officer: 'O1' });
  // @ts-expect-error a value outside the payload's enum
  event('access.denied', { reader: 'in', direction: 'in', reason: 'no-reason' });
  // @ts-expect-error a literal event of an unknown type
  const bad: DomainEvent = { type: 'visit.approve', data: {} };
  void bad;
  // @ts-expect-error not narrowed: not every event has openSeconds
  const n0: number = e.data.openSeconds;
  // @ts-expect-error not narrowed: a stored event's data reads as unknown
  const n1: number = s.data.openSeconds;
  if (e.type === 'door.held') { const n: number = e.data.openSeconds; void n; }
  if (s.type === 'access.denied') { const r: 'escort-missing' | string = s.data.reason; const c: false | undefined = s.data.clockSynced; void r; void c; }
  if (isEvent(s, 'visit.requested')) { const org: string = s.data.org; void org; }
  void n0; void n1;
}

/** Every event the door wrote, each checked against its catalogue schema with no key it does not know. */
function problems(events: readonly StoredEvent[]): string[] {
  const out: string[] = [];
  for (const e of events) {
    if (!isEventType(e.type)) { out.push(`seq ${e.seq}: ${e.type} is not in the catalogue`); continue; }
    const { clockSynced: _c, clockRaw: _r, ...data } = e.data;
    const r = (EVENT_SCHEMAS[e.type] as unknown as z.ZodObject).strict().safeParse(data);
    if (!r.success) out.push(`seq ${e.seq} ${e.type}: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return out;
}

describe('the event catalogue', () => {
  it('event() wraps the very data object it is given: no copy, no check (the tap path stays as it was)', () => {
    const data = { openSeconds: 31 };
    const e = event('door.held', data);
    expect(e).toEqual({ type: 'door.held', data });
    expect(e.data).toBe(data);
    expect(Object.keys(e)).toEqual(['type', 'data']);
  });

  it('knows its types; alerts are every alarm.* and the listed door events', () => {
    expect(new Set(EVENT_TYPES).size).toBe(EVENT_TYPES.length);
    for (const t of EVENT_TYPES) expect(t).toMatch(/^[a-z]+\.[a-z_]+$/);
    expect(isEventType('access.granted')).toBe(true);
    expect(isEventType('access.grant')).toBe(false);
    expect(isEventType('toString')).toBe(false);
    for (const t of ALERT_EVENT_TYPES) expect(EVENT_TYPES).toContain(t);
    // Issue 12: an officer's acknowledgement of an alarm (alarm.acknowledged) is no alarm itself.
    expect(EVENT_TYPES.filter(isAlertType).sort()).toEqual(EVENT_TYPES.filter((t) => (t.startsWith('alarm.') && !NOT_ALERT_TYPES.includes(t)) || (ALERT_EVENT_TYPES as readonly string[]).includes(t)).sort());
    expect(isAlertType('alarm.acknowledged')).toBe(false);
    expect(isAlertType('alarm.from_a_newer_door')).toBe(true);
    expect(isAlertType('door.opened')).toBe(false);
  });

  it('every event of a working day at the door has exactly its catalogue payload', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pintu-events-'));
    dirs.push(dir);
    const store = new Store(openDatabase(join(dir, 'p.db'), { synchronous: 'normal' }), 'd1', null);
    const clock = { now: Date.UTC(2026, 10, 23, 1, 0, 0) };
    const secret = Buffer.alloc(32, 1);
    const visits = new VisitService(store, { standards: DEFAULT_STANDARDS, defaultValidity: 1, timeZone: 'Asia/Jakarta', secret, now: () => clock.now });
    const policy = { escortRequired: true, escortWindowMs: 30_000, officerRoles: ['staff', 'coordinator', 'head'] as const, antiPassback: true };
    const accessOf = (): AccessService => new AccessService(store, { grant: () => undefined }, {
      policy: { ...policy, officerRoles: [...policy.officerRoles] }, repeatWindowMs: 0, readers: new Map([['in', { direction: 'in', secure: false }], ['out', { direction: 'out', secure: false }]]), secret, now: () => clock.now,
    }, silentLogger());
    const access = accessOf();
    const tap = (reader: 'in' | 'out', uid: string): void => { access.handleTap({ readerId: reader, uid, tech: 'sim', at: clock.now }); };
    const laptop = { description: 'Laptop', serial: 'SN-1' };

    // An ordinary visit, inside with its escort, checked out with a device left behind, reported, archived.
    const v1 = seedIssuedVisit(visits, { head: '0A00', staff: '0A01', badge: '1B01' });
    tap('in', '0A01');
    tap('in', '1B01');
    tap('in', 'FFFF0000');
    tap('out', '0A01'); // the last officer leaves a visitor inside
    clock.now += 60 * 60_000;
    access.checkOverstay();
    visits.checkout(v1, 'O2', [laptop]);
    visits.report(v1, 'O1', 'done');
    visits.acknowledgeMismatch(v1, 'O1', 'the HDD stays for repair'); // issue 12: the KTP is held until a head acknowledges
    visits.archive(v1, 'O2');

    // A maintenance visit: the visitor taps before any officer and is refused when none comes; a checklist; a lost badge; revoked.
    visits.addBadge('1B02', 'TAMU-02');
    const v2 = visits.request({ name: 'Sari', nik: testNik(2), org: 'PT Y', purpose: 'UPS', kind: 'maintenance', devices: [laptop], by: 'O2', disposition: { orderedBy: 'Kabag TU', reference: 'ND-7', date: '2026-11-20' } }).id;
    visits.check(v2, 'O2');
    visits.approve(v2, 'O1');
    visits.issue(v2, 'TAMU-02', 'O2', { rulesAcknowledged: true });
    tap('in', '1B02');
    clock.now += 31_000;
    access.expireEscorts();
    tap('in', '1B02');
    accessOf().concludeWaitsFromBefore(); // a restart while the visitor waited
    visits.checklist(v2, 'O2', [{ item: 'UPS battery', status: 'degraded', note: 'runtime 6 min' }, { item: 'switch', status: 'ok', note: null }]);
    visits.badgeLost(v2, 'O2');
    visits.revoke(v2, 'O1', 'disposition withdrawn');

    // A visit revoked with its visitor inside; a denied request; the books and the door mode.
    visits.addBadge('1B03', 'TAMU-03');
    const v3 = visits.request({ name: 'Tono', nik: testNik(3), org: 'PT Z', purpose: 'cabling' }).id;
    visits.check(v3, 'O2');
    visits.approve(v3, 'O1');
    visits.issue(v3, 'TAMU-03', 'O2', { rulesAcknowledged: true });
    tap('in', '0A01');
    tap('in', '1B03');
    visits.revoke(v3, 'O1', 'wrong room');
    tap('out', '1B03');
    const v4 = visits.request({ name: 'Ani', nik: testNik(4), org: 'PT W', purpose: 'audit' }).id;
    visits.deny(v4, 'O1', 'no letter');
    visits.incident('O2', 'door left ajar', v1);
    visits.setDoorMode('disabled', 'O1', 'works');
    tap('in', '0A01');
    visits.setDoorMode('enabled', 'O1');
    visits.setOfficerActive('O2', false, 'O1');
    visits.setOfficerActive('O2', true, 'O1');
    visits.retireBadge('TAMU-01', 'O1');
    visits.badgeFound('TAMU-02', 'O1');
    visits.cancel(visits.request({ name: 'Eko', nik: testNik(6), org: 'PT V', purpose: 'survey' }).id, 'O2', 'no_show', 'did not come');
    const alarms = new AlarmService(store, () => clock.now);
    alarms.acknowledge(alarms.open()[0]!.event.seq, 'O2', 'checked the room');
    recordReport(store, { at: new Date(clock.now).toISOString(), door: 'd1', status: 'fail', counts: { ok: 1, warn: 0, fail: 1 }, items: [
      { item: 'disk', status: 'ok', value: 12.5, detail: 'free' }, { item: 'reader:in', status: 'fail', value: null, detail: 'silent' },
    ] }, clock.now, 'manual');

    const events = store.events.since(0, 10_000);
    expect(problems(events)).toEqual([]);
    const seen = new Set(events.map((e) => e.type));
    const expected: EventType[] = [
      'officer.added', 'badge.added', 'visit.requested', 'visit.checked', 'visit.approved', 'badge.issued', 'access.granted', 'access.denied',
      'alarm.visitor_unescorted', 'alarm.visit_overstay', 'visit.checked_out', 'badge.returned', 'visit.device_mismatch', 'visit.reported',
      'visit.archived', 'access.awaiting_escort', 'visit.checklist_recorded', 'badge.lost', 'visit.revoked', 'alarm.revoked_inside',
      'visit.denied', 'incident.recorded', 'door.disabled', 'door.enabled', 'officer.deactivated', 'officer.activated', 'badge.retired',
      'health.report', 'alarm.health', 'visit.cancelled', 'visit.mismatch_acknowledged', 'badge.found', 'alarm.acknowledged',
    ];
    expect(expected.filter((t) => !seen.has(t))).toEqual([]);
    expect(events.some((e) => e.type === 'access.denied' && e.data.afterRestart === true)).toBe(true);
  });

  it('every event of the door machine has exactly its catalogue payload', () => {
    const timing = { strikeSeconds: 5, heldOpenSeconds: 30 };
    let state = initialDoorState(0, false);
    const out: DoorEvent[] = [];
    const inputs: DoorInput[] = [
      { type: 'grant', ref: { reader: 'in', badge: '0A01', officer: 'O1', direction: 'in', at: 0 }, now: 0 },
      { type: 'door', open: true, now: 1000 }, { type: 'tick', now: 40_000 }, { type: 'door', open: false, now: 41_000 },
      { type: 'rex', now: 50_000 }, { type: 'door', open: true, now: 51_000 }, { type: 'door', open: false, now: 52_000 },
      { type: 'door', open: true, now: 70_000 }, { type: 'door', open: false, now: 71_000 },
      { type: 'grant', ref: { reader: 'in', badge: '0A01', officer: 'O1', direction: 'in', at: 80_000 }, now: 80_000 }, { type: 'tick', now: 90_000 },
    ];
    for (const input of inputs) {
      const step = stepDoor(state, input, timing);
      state = step.state;
      for (const o of step.outputs) if (o.kind === 'event') out.push(o.event);
    }
    const stored = out.map((e, i) => ({ door: 'd1', seq: i + 1, type: e.type, at: new Date(e.at).toISOString(), data: e.data, prevHash: '', hash: '' }) as StoredEvent);
    expect(problems(stored)).toEqual([]);
    expect([...new Set(out.map((e) => e.type))].sort()).toEqual(['access.unused', 'door.closed', 'door.forced', 'door.held', 'door.held_cleared', 'door.opened', 'door.rex']);
  });
});
