/**
 * A known month for the report screens' tests: November 2026 (WIB) at two sites, stored through the central store's
 * ingest (so the summaries are kept as in production). kanwil-a door d1: a maintenance visit with timed steps, a
 * visitor entering on two days, refused taps (one with a reason carrying markup), a forced door, a maintenance
 * checklist and a health checklist run (items with markup), an incident whose text carries a script tag; d2: a denied
 * visit, a held door, an incident without text. kanwil-b d1: a visitor, a device mismatch, an incident with text only
 * kanwil-b may see ("rahasia-b").
 */
import { eventDataText, eventHash, GENESIS_HASH } from '../../src/protocol/chain.js';
import type { WireEvent } from '../../src/protocol/messages.js';
import type { SqlCentralStore } from '../../src/central/sql-store.js';

/** The seeded month. */
export const SEED_MONTH = '2026-11';
/** The seeded month's end: 1 December 2026 00:00 WIB. */
export const SEED_MONTH_END = Date.parse('2026-11-30T17:00:00.000Z');
/** Markup a door sent as incident text. */
export const XSS_INCIDENT = '<script>alert("insiden")</script>kabel</td>';
/** Markup a door sent as a refusal reason. */
export const XSS_REASON = '<img src=x onerror=alert(1)>';
/** Markup a door sent in a checklist item's note. */
export const XSS_NOTE = '<b onmouseover=alert(2)>27 °C</b>';

const KEY = 'A'.repeat(43) + '=';

/** Chain `[type, at, data]` triples as a door's events from seq 1. */
function chain(door: string, list: [string, string, Record<string, unknown>][]): WireEvent[] {
  let prev = GENESIS_HASH;
  return list.map(([type, at, data], i) => {
    const hash = eventHash(prev, door, i + 1, type, at, eventDataText(data));
    const e = { seq: i + 1, type, at, data, prevHash: prev, hash };
    prev = hash;
    return e;
  });
}

const timed = (sopStep: string, durationSeconds: number, standardSeconds: number): Record<string, unknown> => ({ step: 2, sopStep, durationSeconds, standardSeconds, overStandard: durationSeconds > standardSeconds });
const inn = (visit: string): Record<string, unknown> => ({ reader: 'in', direction: 'in', badge: 'B1', holder: 'visitor', visit, escort: 'O2' });
const request = (visit: string, kind: string): Record<string, unknown> => ({ visit, kind, step: 1, org: 'PT Jaringan', purpose: 'UPS', plannedMinutes: 60, devicesIn: [], letterRef: null, ktpRead: true });

/** The seeded doors' events. */
export function seedEvents(): { site: string; door: string; events: WireEvent[] }[] {
  const a1 = chain('d1', [
    ['visit.requested', '2026-11-03T01:00:00.000Z', { ...request('V-1', 'maintenance'), ...timed('request', 200, 300) }],
    ['visit.checked', '2026-11-03T01:02:00.000Z', { visit: 'V-1', officer: 'O2', ...timed('check', 120, 300) }],
    ['visit.approved', '2026-11-03T01:10:00.000Z', { visit: 'V-1', officer: 'O1', validFrom: 'x', validUntil: 'y', ...timed('decide', 480, 300) }],
    ['badge.issued', '2026-11-03T01:12:00.000Z', { visit: 'V-1', officer: 'O2', badge: 'B1', ...timed('issue', 100, 300) }],
    ['access.granted', '2026-11-03T01:20:00.000Z', inn('V-1')],
    ['access.denied', '2026-11-03T02:00:00.000Z', { reader: 'in', direction: 'in', reason: 'unknown-badge' }],
    ['access.denied', '2026-11-03T02:01:00.000Z', { reader: 'in', direction: 'in', reason: 'unknown-badge' }],
    ['access.denied', '2026-11-03T02:02:00.000Z', { reader: 'in', direction: 'in', reason: XSS_REASON }],
    ['door.forced', '2026-11-03T03:00:00.000Z', {}],
    ['visit.checklist_recorded', '2026-11-03T04:00:00.000Z', { visit: 'V-1', officer: 'O2', items: [{ item: 'UPS', status: 'ok', note: null }, { item: 'AC', status: 'degraded', note: XSS_NOTE }], ok: 1, degraded: 1, failed: 0 }],
    ['access.granted', '2026-11-04T02:30:00.000Z', inn('V-1')],
    ['incident.recorded', '2026-11-04T03:00:00.000Z', { incident: 1, officer: 'O1', visit: 'V-1', note: XSS_INCIDENT }],
    ['visit.checked_out', '2026-11-04T04:00:00.000Z', { visit: 'V-1', officer: 'O2', badge: 'B1', ktpReturned: true, wasInside: false, devicesOut: 0, ...timed('checkout', 60, 300), insideSeconds: 1200, insideStandardSeconds: 900, insideOverStandard: true }],
    ['visit.reported', '2026-11-04T04:05:00.000Z', { visit: 'V-1', officer: 'O1', ...timed('report', 300, 600) }],
    ['visit.archived', '2026-11-04T04:20:00.000Z', { visit: 'V-1', officer: 'O2', ...timed('archive', 900, 660) }],
    ['health.report', '2026-11-05T00:00:00.000Z', { trigger: 'schedule', status: 'warn', counts: { ok: 5, warn: 1, fail: 0 }, items: [{ item: 'readers', status: 'ok', value: 2, detail: 'semua pembaca aktif' }, { item: 'disk', status: 'warn', value: 12, detail: XSS_NOTE }] }],
  ]);
  const a2 = chain('d2', [
    ['visit.requested', '2026-11-10T02:00:00.000Z', request('V-2', 'visit')],
    ['visit.denied', '2026-11-10T02:05:00.000Z', { visit: 'V-2', officer: 'O1', reason: 'no letter', ...timed('decide', 300, 300) }],
    ['door.held', '2026-11-10T03:00:00.000Z', { openSeconds: 90 }],
    ['incident.recorded', '2026-11-10T04:00:00.000Z', { incident: 2, officer: 'O1', visit: null }],
  ]);
  const b1 = chain('d1', [
    ['visit.requested', '2026-11-15T02:00:00.000Z', request('V-1', 'visit')],
    ['access.granted', '2026-11-15T03:00:00.000Z', inn('V-1')],
    ['visit.device_mismatch', '2026-11-15T04:00:00.000Z', { visit: 'V-1', officer: 'O1', notCarriedOut: [], notBroughtIn: [] }],
    ['alarm.visitor_unescorted', '2026-11-15T04:10:00.000Z', { officer: 'O2', visits: ['V-1'] }],
    ['incident.recorded', '2026-11-15T05:00:00.000Z', { incident: 1, officer: 'O1', visit: 'V-1', note: 'rahasia-b' }],
  ]);
  return [{ site: 'kanwil-a', door: 'd1', events: a1 }, { site: 'kanwil-a', door: 'd2', events: a2 }, { site: 'kanwil-b', door: 'd1', events: b1 }];
}

/** Enroll the doors and store their events through the ingest. */
export async function seedMonth(store: SqlCentralStore): Promise<void> {
  for (const { site, door, events } of seedEvents()) {
    await store.enroll(site, door, KEY, 1);
    const results = await store.ingestMany([{ site, door, events }], Date.parse('2026-11-16T00:00:00.000Z'));
    if (results.some((r) => r.outcome !== 'stored')) throw new Error(`seeding ${site}/${door} failed: ${JSON.stringify(results)}`);
  }
}
