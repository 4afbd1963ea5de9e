/**
 * The pure parts of the summaries and exports: the day of an event in the office zone (WIB, WITA, WIT; times not
 * written by a door), rows aggregated per key and sorted whatever the order of doors, values a database column takes
 * whatever a door sent (no NUL, whole numbers within range, long keys cut), the statements batched per row count;
 * CSV fields quoted and neutralised, and the report's tables for an empty month.
 */
import { describe, expect, it } from 'vitest';
import { DayOf, projectEvents } from '../../src/central/projections.js';
import { summaryStatements } from '../../src/central/summary-sql.js';
import { ENGLISH_LABELS, neutralised, reportCsv, reportTables } from '../../src/central/report-export.js';
import type { MonthlyReport } from '../../src/central/report.js';

describe('projections', () => {
  it('the day of an event is its local date in the office zone', () => {
    const at = '2026-11-30T16:59:59.999Z';
    expect(new DayOf('Asia/Jakarta').day(at)).toBe('2026-11-30');
    expect(new DayOf('Asia/Jakarta').day('2026-11-30T17:00:00.000Z')).toBe('2026-12-01');
    expect(new DayOf('Asia/Makassar').day('2026-11-30T16:00:00.000Z')).toBe('2026-12-01');
    expect(new DayOf('Asia/Jayapura').day('2026-11-30T14:59:59.000Z')).toBe('2026-11-30');
    // The cached hour gives the same answers as the first lookup, either side of midnight.
    const d = new DayOf('Asia/Jakarta');
    expect(['2026-11-30T16:10:00.000Z', '2026-11-30T16:59:00.000Z', '2026-11-30T17:00:00.000Z', '2026-11-30T17:01:00.000Z'].map((x) => d.day(x)))
      .toEqual(['2026-11-30', '2026-11-30', '2026-12-01', '2026-12-01']);
    // Not the doors' form: parsed (an offset), or its own first ten characters.
    expect(d.day('2026-12-01T06:00:00+07:00')).toBe('2026-12-01');
    expect(d.day('garbage\0text')).toBe('garbagete');
  });

  it('rows are aggregated per key and sorted, the same whatever the order of the doors', () => {
    const e = (type: string, at: string, data: Record<string, unknown> = {}): { type: string; at: string; data: Record<string, unknown> } => ({ type, at, data });
    const a = { site: 's', door: 'b', events: [e('door.forced', '2026-12-01T01:00:00.000Z'), e('door.forced', '2026-12-01T02:00:00.000Z'), e('access.denied', '2026-12-01T02:00:00.000Z', { reason: 'expired' })] };
    const b = { site: 's', door: 'a', events: [e('visit.checked', '2026-12-01T01:00:00.000Z', { visit: 'V', sopStep: 'check', durationSeconds: 10, standardSeconds: 300 })] };
    const one = projectEvents([a, b], 'Asia/Jakarta');
    expect(projectEvents([b, a], 'Asia/Jakarta')).toEqual(one);
    expect(one.counts.map((r) => `${r.door} ${r.metric} ${r.key} ${r.n}`)).toEqual(['a type visit.checked 1', 'b denied expired 1', 'b type access.denied 1', 'b type door.forced 2']);
    expect(one.steps).toEqual([{ site: 's', door: 'a', day: '2026-12-01', step: 'check', n: 1, sumSeconds: 10, maxSeconds: 10, overN: 0, standardSeconds: 300 }]);
    // A visit event for a visit without state (visit.checked) still creates its row: state checked.
    expect(one.visits.map((v) => [v.visit, v.state, v.keepArchived])).toEqual([['V', 'checked', false]]);
  });

  it('whatever a door sends, the rows fit the columns: no NUL, whole numbers 0…10^12, keys at most 200 characters', () => {
    const rows = projectEvents([{ site: 's', door: 'd', events: [
      { type: 'access.denied', at: '2026-12-01T01:00:00.000Z', data: { reason: `x\0y${'z'.repeat(300)}` } },
      { type: 'visit.checklist_recorded', at: '2026-12-01T01:00:00.000Z', data: { visit: 'V', ok: 1.6, degraded: -4, failed: 1e300 } },
      { type: 'visit.archived', at: '2026-12-01T01:00:00.000Z', data: { visit: 'V', sopStep: 'archive', durationSeconds: Number.NaN, standardSeconds: 60 } },
    ] }], 'Asia/Jakarta');
    const denied = rows.counts.find((r) => r.metric === 'denied')!;
    expect(denied.key).not.toContain('\0');
    expect(denied.key.length).toBeLessThanOrEqual(200);
    expect(rows.counts.filter((r) => r.metric === 'checklist').map((r) => [r.key, r.n])).toEqual([['failed', 1e12], ['ok', 2]]);
    expect(rows.steps).toEqual([]);
  });

  it('statements: one per row for SQLite (the same text each), several rows per statement for PostgreSQL', () => {
    const rows = projectEvents([{ site: 's', door: 'd', events: ['a', 'b', 'c'].map((t) => ({ type: `x.${t}`, at: '2026-12-01T01:00:00.000Z', data: {} })) }], 'Asia/Jakarta');
    const lite = summaryStatements(rows, 'sqlite', 1);
    expect(lite).toHaveLength(3);
    expect(new Set(lite.map((s) => s.sql)).size).toBe(1);
    const pg = summaryStatements(rows, 'pg', 2);
    expect(pg.map((s) => s.args.length)).toEqual([12, 6]);
    expect(pg[0]!.sql).toContain('VALUES (?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?) ON CONFLICT');
  });
});

describe('report exports', () => {
  it('neutralises text a spreadsheet would run, and quotes CSV fields per RFC 4180', () => {
    expect(['=1+1', '+62 812', '-x', '@SUM(A1)', '\tx', 'ok', '', '1-2'].map(neutralised)).toEqual(["'=1+1", "'+62 812", "'-x", "'@SUM(A1)", "'\tx", 'ok', '', '1-2']);
    const csv = reportCsv([{ name: 'n', title: 'T', columns: ['a', 'b', 'c'], rows: [['x,y', 'say "hi"', 3], ['line\nbreak', null, -2]] }]);
    expect(csv).toBe('\uFEFFT,,\r\na,b,c\r\n"x,y","say ""hi""",3\r\n"line\nbreak",,-2\r\n');
  });

  it('an empty month still has every table with its header and the totals rows', () => {
    const empty = { month: '2026-12', timeZone: 'Asia/Jakarta', from: '', to: '', complete: true, doors: [], sites: [], incidentList: [], checklistList: [],
      totals: { visitors: 0, visitsPerDay: [], requests: 0, maintenanceRequests: 0, visitsDenied: 0, entries: {}, deniedAttempts: {}, alarms: {}, forced: 0, held: 0,
        deviceMismatches: 0, incidents: 0, steps: {}, checklists: { recorded: 0, ok: 0, degraded: 0, failed: 0 }, healthChecks: { runs: 0, ok: 0, warn: 0, fail: 0 } } } satisfies MonthlyReport;
    const tables = reportTables(empty);
    expect(tables.map((t) => t.name)).toEqual(Object.values(ENGLISH_LABELS.tables).map((t) => t.name));
    expect(tables[0]!.rows).toEqual([['all', 'all', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]]);
  });
});
