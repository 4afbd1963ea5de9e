/**
 * Random door event sequences for the summary tests (fast-check): several doors of two sites, visits that start with
 * their request and then go through any order of the other visit events (also ones the door's rules forbid: reported
 * after archived…), taps in and out by officers and visitors, refused taps, alarms, incidents, checklists, health runs
 * and filler, at times around a month's end in the office time zone, each door's events hash-chained. And the
 * schedules that deliver them: chunks of each door in order, interleaved across doors, grouped into one transaction,
 * some delivered twice.
 */
import fc from 'fast-check';
import { eventDataText, eventHash, GENESIS_HASH } from '../../src/protocol/chain.js';
import type { WireEvent } from '../../src/protocol/messages.js';
import { DEFAULT_STANDARDS, type SopStep } from '../../src/domain/sop.js';

/** The doors of the tests. */
export const SUMMARY_DOORS = [{ site: 'kanwil-a', door: 'd1' }, { site: 'kanwil-a', door: 'd2' }, { site: 'kanwil-b', door: 'd1' }] as const;

/** One drawn event before it is given a visit and a place in its door's chain. */
export interface EventSpec {
  /** Which door (index in SUMMARY_DOORS). */
  door: number;
  /** What kind of event. */
  what: number;
  /** Which visit (index among the door's requested visits), or a new one. */
  visit: number;
  /** Minutes after the base time. */
  minute: number;
  /** A small number for durations, reasons, counts… */
  x: number;
  /** A flag. */
  flag: boolean;
}

/** Base time: 2026-11-28 00:00 UTC; the specs span six days, over the end of November in every Indonesian zone. */
const BASE = Date.UTC(2026, 10, 28);

const KINDS = ['request', 'checked', 'approved', 'denied', 'issued', 'checked_out', 'reported', 'archived', 'revoked', 'cancelled',
  'grant', 'grant', 'grant', 'reported', 'archived', 'deny', 'forced', 'held', 'unescorted', 'mismatch', 'incident', 'checklist', 'health', 'tick'] as const;
const REASONS = ['unknown-badge', 'not-approved', 'expired', 'door-disabled'];
const STEP_OF: Partial<Record<(typeof KINDS)[number], SopStep>> = { checked: 'check', approved: 'decide', denied: 'decide', issued: 'issue', checked_out: 'checkout', reported: 'report', archived: 'archive' };
const TYPE_OF: Partial<Record<(typeof KINDS)[number], string>> = {
  checked: 'visit.checked', approved: 'visit.approved', denied: 'visit.denied', issued: 'badge.issued', checked_out: 'visit.checked_out',
  reported: 'visit.reported', archived: 'visit.archived', revoked: 'visit.revoked', cancelled: 'visit.cancelled',
};

/** An arbitrary event spec. */
export const eventSpec: fc.Arbitrary<EventSpec> = fc.record({
  door: fc.integer({ min: 0, max: SUMMARY_DOORS.length - 1 }), what: fc.integer({ min: 0, max: KINDS.length - 1 }), visit: fc.integer({ min: 0, max: 3 }),
  minute: fc.integer({ min: 0, max: 6 * 24 * 60 }), x: fc.integer({ min: 0, max: 1200 }), flag: fc.boolean(),
});

/** Turn specs into each door's chained events (a visit event for a door without visits yet becomes its first request). */
export function buildEvents(specs: readonly EventSpec[]): WireEvent[][] {
  const perDoor: WireEvent[][] = SUMMARY_DOORS.map(() => []);
  const visits: string[][] = SUMMARY_DOORS.map(() => []);
  const prev: string[] = SUMMARY_DOORS.map(() => GENESIS_HASH);
  for (const s of specs) {
    const d = s.door;
    const at = new Date(BASE + s.minute * 60_000 + s.x).toISOString();
    let kind = KINDS[s.what]!;
    const needsVisit = kind !== 'tick' && kind !== 'deny' && kind !== 'forced' && kind !== 'held' && kind !== 'unescorted' && kind !== 'incident' && kind !== 'health' && !(kind === 'grant' && !s.flag);
    if (needsVisit && (kind === 'request' || visits[d]!.length === 0 || s.visit >= visits[d]!.length + 1)) kind = 'request';
    let type: string;
    let data: Record<string, unknown>;
    const visit = (): string => visits[d]![s.visit % visits[d]!.length]!;
    const step = STEP_OF[kind];
    const timing = step && s.x % 5 !== 0
      ? { step: 2, sopStep: step, durationSeconds: s.x, standardSeconds: DEFAULT_STANDARDS[step] * 60, overStandard: s.x > DEFAULT_STANDARDS[step] * 60 }
      : step ? { step: 2, sopStep: step } : {};
    switch (kind) {
      case 'request': {
        const id = `V-${d}-${visits[d]!.length + 1}`;
        visits[d]!.push(id);
        type = 'visit.requested';
        data = { visit: id, kind: s.flag ? 'maintenance' : 'visit', step: 1, org: `PT ${s.x % 7}`, purpose: s.x % 3 ? `job ${s.x}` : 'survey', plannedMinutes: 60, devicesIn: [], letterRef: null, ktpRead: true };
        break;
      }
      case 'grant':
        type = 'access.granted';
        data = s.flag ? { reader: 'in', direction: s.x % 4 ? 'in' : 'out', badge: 'B1', holder: 'visitor', visit: visit(), escort: 'O2' } : { reader: 'in', direction: s.x % 3 ? 'in' : 'out', badge: 'C1', holder: 'officer', officer: 'O2' };
        break;
      case 'deny': type = 'access.denied'; data = { reader: 'in', direction: 'in', reason: REASONS[s.x % REASONS.length] }; break;
      case 'forced': type = 'door.forced'; data = {}; break;
      case 'held': type = 'door.held'; data = { openSeconds: s.x }; break;
      case 'unescorted': type = 'alarm.visitor_unescorted'; data = { officer: 'O2', visits: [] }; break;
      case 'mismatch': type = 'visit.device_mismatch'; data = { visit: visit(), officer: 'O1', notCarriedOut: [], notBroughtIn: [] }; break;
      case 'incident': type = 'incident.recorded'; data = { incident: s.x, officer: 'O1', visit: null, ...(s.flag ? { text: `cable ${s.x}` } : {}) }; break;
      case 'checklist':
        type = 'visit.checklist_recorded';
        data = { visit: visit(), officer: 'O3', items: [{ item: 'ups', status: 'ok', note: null }], ok: s.x % 4, degraded: s.x % 3, failed: s.x % 2 };
        break;
      case 'health': type = 'health.report'; data = { trigger: 'schedule', status: ['ok', 'warn', 'fail'][s.x % 3], counts: { ok: 1, warn: 0, fail: 0 }, items: [] }; break;
      case 'tick': type = 'test.tick'; data = { i: s.x }; break;
      default: {
        type = TYPE_OF[kind]!;
        data = { visit: visit(), officer: 'O1', ...timing };
        if (kind === 'checked_out' && s.flag) Object.assign(data, { insideSeconds: s.x * 2, insideStandardSeconds: 900, insideOverStandard: s.x * 2 > 900 });
      }
    }
    const seq = perDoor[d]!.length + 1;
    const { site: _site, door } = SUMMARY_DOORS[d]!;
    const hash = eventHash(prev[d]!, door, seq, type, at, eventDataText(data));
    perDoor[d]!.push({ seq, type, at, data, prevHash: prev[d]!, hash });
    prev[d] = hash;
  }
  return perDoor;
}

/** A delivery: a door's events `from` … `to - 1` (indexes) in one message. */
export interface Chunk {
  /** Door index. */
  door: number;
  /** First event index. */
  from: number;
  /** One past the last. */
  to: number;
}

/** Cut each door's events into chunks of the given sizes (cycled) and interleave the doors by `order` (door picks). */
export function chunksOf(perDoor: readonly WireEvent[][], sizes: readonly number[], order: readonly number[]): Chunk[] {
  const next = perDoor.map(() => 0);
  const out: Chunk[] = [];
  let i = 0;
  const left = (): boolean => perDoor.some((evs, d) => next[d]! < evs.length);
  while (left()) {
    let d = order.length ? order[i % order.length]! % perDoor.length : i % perDoor.length;
    while (next[d]! >= perDoor[d]!.length) d = (d + 1) % perDoor.length;
    const size = sizes.length ? Math.max(1, sizes[i % sizes.length]!) : 3;
    const from = next[d]!;
    const to = Math.min(perDoor[d]!.length, from + size);
    out.push({ door: d, from, to });
    next[d] = to;
    i++;
  }
  return out;
}
