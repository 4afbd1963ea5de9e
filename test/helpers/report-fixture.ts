/**
 * A known month of two sites for the report tests (model, CLI, exports): site A door 1 a maintenance visit over two
 * local days with its checklist, refused taps, a forced door and an incident with a note; door 2 a denied visit, a held
 * door, an incident without text and one request of November; site B a visitor, a device mismatch and an incident
 * whose note is a formula with a quote, a comma and a line break. Times in UTC; the month is December 2026 in WIB.
 */
import { expect } from 'vitest';
import type { SqlCentralStore } from '../../src/central/sql-store.js';
import { eventDataText, eventHash, GENESIS_HASH } from '../../src/protocol/chain.js';
import type { WireEvent } from '../../src/protocol/messages.js';

const KEY = 'A'.repeat(43) + '=';

/** Site B's incident note: a formula, a quote, a comma and a line break, as a door could send them. */
export const B_INCIDENT_TEXT = '=HYPERLINK("http://x", "klik"), baris\nkedua';

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

/** Site A door 1: a maintenance visit over two days (WIB), with a checklist; refused taps; a forced door; an incident with a note. */
export const A1 = chain('d1', [
  ['visit.requested', '2026-12-01T01:00:00.000Z', { visit: 'V-1', kind: 'maintenance', step: 1, org: 'PT Jaringan_Nusantara', purpose: 'UPS 100% check', plannedMinutes: 60, devicesIn: [], letterRef: null, ktpRead: true }],
  ['visit.checked', '2026-12-01T01:02:00.000Z', { visit: 'V-1', officer: 'O2', ...timed('check', 120, 300) }],
  ['visit.approved', '2026-12-01T01:10:00.000Z', { visit: 'V-1', officer: 'O1', validFrom: 'x', validUntil: 'y', ...timed('decide', 480, 300) }],
  ['access.granted', '2026-12-01T01:20:00.000Z', inn('V-1')],
  ['access.granted', '2026-12-01T01:21:00.000Z', { reader: 'in', direction: 'in', badge: 'C1', holder: 'officer', officer: 'O2' }],
  ['access.denied', '2026-12-01T02:00:00.000Z', { reader: 'in', direction: 'in', reason: 'unknown-badge' }],
  ['access.denied', '2026-12-01T02:01:00.000Z', { reader: 'in', direction: 'in', reason: 'unknown-badge' }],
  ['door.forced', '2026-12-01T03:00:00.000Z', {}],
  ['visit.checklist_recorded', '2026-12-01T04:00:00.000Z', { visit: 'V-1', officer: 'O2', items: [{ item: 'UPS', status: 'ok', note: null }, { item: 'AC', status: 'degraded', note: '27 °C' }], ok: 1, degraded: 1, failed: 0 }],
  // 2 December 00:30 WIB: the next local day.
  ['access.granted', '2026-12-01T17:30:00.000Z', inn('V-1')],
  ['incident.recorded', '2026-12-01T18:00:00.000Z', { incident: 1, officer: 'O1', visit: 'V-1', text: 'cable tray left open' }],
  ['visit.checked_out', '2026-12-01T19:00:00.000Z', { visit: 'V-1', officer: 'O2', badge: 'B1', ktpReturned: true, wasInside: false, devicesOut: 0, ...timed('checkout', 60, 300), insideSeconds: 1200, insideStandardSeconds: 900, insideOverStandard: true }],
  ['health.report', '2026-12-02T00:00:00.000Z', { trigger: 'schedule', status: 'warn', counts: { ok: 5, warn: 1, fail: 0 }, items: [] }],
]);
/** Site A door 2: a denied visit, a held door, an incident without text; and one event of November (WIB). */
export const A2 = chain('d2', [
  ['visit.requested', '2026-11-30T16:59:59.000Z', { visit: 'V-9', kind: 'visit', step: 1, org: 'CV Lama', purpose: 'survey', plannedMinutes: 30, devicesIn: [], letterRef: null, ktpRead: true }],
  ['visit.requested', '2026-12-03T02:00:00.000Z', { visit: 'V-2', kind: 'visit', step: 1, org: 'CV Maju', purpose: 'survey', plannedMinutes: 30, devicesIn: [], letterRef: null, ktpRead: true }],
  ['visit.denied', '2026-12-03T02:05:00.000Z', { visit: 'V-2', officer: 'O1', reason: 'no letter', ...timed('decide', 300, 300) }],
  ['door.held', '2026-12-03T03:00:00.000Z', { openSeconds: 90 }],
  ['incident.recorded', '2026-12-03T04:00:00.000Z', { incident: 2, officer: 'O1', visit: null }],
]);
/** Site B: one visitor, a device mismatch, an incident whose note is hostile to spreadsheets. */
export const B1 = chain('d1', [
  ['visit.requested', '2026-12-05T02:00:00.000Z', { visit: 'V-1', kind: 'visit', step: 1, org: 'PT Awan', purpose: 'install rack', plannedMinutes: 60, devicesIn: [], letterRef: null, ktpRead: true }],
  ['access.granted', '2026-12-05T03:00:00.000Z', inn('V-1')],
  ['visit.device_mismatch', '2026-12-05T04:00:00.000Z', { visit: 'V-1', officer: 'O1', notCarriedOut: [], notBroughtIn: [] }],
  ['incident.recorded', '2026-12-05T05:00:00.000Z', { incident: 1, officer: 'O1', visit: 'V-1', text: B_INCIDENT_TEXT }],
]);

/** Enrol the three doors and ingest their events (each door in two messages of one transaction). */
export async function fillReportFixture(store: SqlCentralStore): Promise<void> {
  for (const [site, door, events] of [['kanwil-a', 'd1', A1], ['kanwil-a', 'd2', A2], ['kanwil-b', 'd1', B1]] as const) {
    await store.enroll(site, door, KEY, 1);
    // In two messages, so the second upserts onto what the first wrote.
    const half = Math.ceil(events.length / 2);
    expect((await store.ingestMany([{ site, door, events: events.slice(0, half) }, { site, door, events: events.slice(half) }], 1)).map((r) => r.outcome)).toEqual(['stored', 'stored']);
  }
}

