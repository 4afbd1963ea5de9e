/**
 * `pintu central report|visits|summaries` on the built CLI over a known month (test/helpers/report-fixture.ts): the
 * report as JSON (the model's), text, CSV (BOM, CRLF, RFC 4180 quoting, as many fields on every line, a door's formula
 * neutralised) and XLSX (read back with read-excel-file: a sheet per section, numbers as numbers, text as text);
 * visits from the visit index with filters; the summaries' status, and a full rebuild after the time zone changed
 * (days counted in the new zone, the month's bounds with it); bad options exit 2 naming the option.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import readXlsxFile from 'read-excel-file/node';
import { pintu, pintuJson } from '../helpers/cli.js';
import { B_INCIDENT_TEXT, fillReportFixture } from '../helpers/report-fixture.js';
import { SqliteCentralStore } from '../../src/central/sqlite-store.js';
import { buildMonthlyReport, type MonthlyReport } from '../../src/central/report.js';
import { ENGLISH_LABELS } from '../../src/central/report-export.js';

/** Each test runs the CLI several times (a second or more each on a loaded 2-core runner). */
const CLI_MS = 120_000;

let dir: string;
let yaml: string;
let expected: MonthlyReport;

/** Write the centre's config with this time zone. */
function config(timeZone: string): void {
  writeFileSync(yaml, stringify({ broker: { url: 'mqtt://127.0.0.1:1' }, store: join(dir, 'central.db'), dataDir: join(dir, 'data'), timeZone, console: { enabled: false } }));
}

/** Split a CSV text (RFC 4180) into rows of fields. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (ch === '"') quoted = false; else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { row.push(field); field = ''; } else if (ch === '\r' && text[i + 1] === '\n') { row.push(field); rows.push(row); row = []; field = ''; i++; } else field += ch;
  }
  expect(field).toBe('');
  expect(row).toEqual([]);
  return rows;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pintu-report-cli-'));
  yaml = join(dir, 'central.yaml');
  config('Asia/Jakarta');
  const store = new SqliteCentralStore(join(dir, 'central.db'));
  await fillReportFixture(store);
  expected = await buildMonthlyReport(store.sql, { month: '2026-12', scope: null });
  await store.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('pintu central report, visits, summaries', () => {
  it('report as JSON is the report model; as text it names each door\'s figures, steps and incidents', () => {
    expect(pintuJson<MonthlyReport>(yaml, ['central', 'report', '--month', '2026-12'])).toEqual(expected);
    expect(pintuJson<MonthlyReport>(yaml, ['central', 'report', '--month', '2026-12', '--format', 'json', '--site', 'kanwil-b']).doors.map((d) => d.site)).toEqual(['kanwil-b']);
    const text = pintu(yaml, ['central', 'report', '--month', '2026-12']).stdout;
    expect(text).toContain('report 2026-12 (Asia/Jakarta)');
    expect(text).toContain('kanwil-a/d1: 1 visitor(s), 1 request(s), 0 denied visit(s), 1 forced, 0 held open');
    expect(text).toContain('  refused taps: unknown-badge 2');
    expect(text).toContain('  step decide: 1×, avg 480s, max 480s, standard 300s, over 1');
    expect(text).toContain('  step archive: 0×, avg 0s, max 0s, standard 660s, over 0');
    expect(text).toContain('maintenance checklists 1 (items ok 1, degraded 1, failed 0)');
    expect(text).toContain('incident 1 kanwil-a/d1 2026-12-02 01:00:00 WIB (+07:00) visit V-1: cable tray left open');
  }, CLI_MS);

  it('report as CSV: UTF-8 BOM, CRLF, quoted where needed, every line as wide, formulas neutralised', () => {
    const r = pintu(yaml, ['central', 'report', '--month', '2026-12', '--format', 'csv']);
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith('\uFEFF')).toBe(true);
    expect(r.stdout.replace(/\r\n/g, '')).not.toMatch(/(?<!"[^"]*)\n(?![^"]*")/);
    const rows = parseCsv(r.stdout.slice(1));
    expect(new Set(rows.map((x) => x.length)).size).toBe(1);
    const c = ENGLISH_LABELS.columns;
    const t = ENGLISH_LABELS.tables;
    const at = (title: string): number => rows.findIndex((x) => x[0] === title);
    const s = at(t.summary.title);
    expect(s).toBe(0);
    expect(rows[1]!.slice(0, 4)).toEqual([c.site, c.door, c.visitors, c.requests]);
    expect(rows[2]!.slice(0, 16)).toEqual(['kanwil-a', 'd1', '1', '1', '1', '0', '1', '2', '2', '1', '1', '0', '0', '1', '1', '1']);
    expect(rows.find((x) => x[0] === 'all' && x[1] === 'all')!.slice(0, 4)).toEqual(['all', 'all', '2', '3']);
    // Each table: a blank line, its title, its header.
    for (const k of Object.keys(t) as (keyof typeof t)[]) expect(at(t[k].title), k).toBeGreaterThanOrEqual(0);
    expect(rows[at(t.perDay.title) - 1]!.every((f) => f === '')).toBe(true);
    const incidents = rows.slice(at(t.incidents.title) + 2).filter((x) => x[0] === 'kanwil-b');
    expect(incidents[0]!.slice(0, 6)).toEqual(['kanwil-b', 'd1', '2026-12-05 12:00:00 WIB (+07:00)', '1', 'V-1', `'${B_INCIDENT_TEXT}`]);
    expect(r.stdout).toContain('"\'=HYPERLINK(""http://x"", ""klik""), baris\nkedua"');
    const steps = rows.slice(at(t.steps.title) + 2).find((x) => x[0] === 'kanwil-a' && x[1] === 'd1' && x[3] === 'decide');
    expect(steps!.slice(0, 9)).toEqual(['kanwil-a', 'd1', '3', 'decide', '1', '480', '480', '300', '1']);
  }, CLI_MS);

  it('report as XLSX: a sheet per section, read back with read-excel-file', async () => {
    const file = join(dir, 'report.xlsx');
    const r = pintu(yaml, ['central', 'report', '--month', '2026-12', '--format', 'xlsx', '--out', file]);
    expect([r.code, r.stdout, r.stderr]).toEqual([0, '', '']);
    expect(readFileSync(file).subarray(0, 2).toString()).toBe('PK');
    const sheets = await readXlsxFile(file);
    expect(sheets.map((s) => s.sheet)).toEqual(Object.values(ENGLISH_LABELS.tables).map((t) => t.name));
    const summary = sheets[0]!.data;
    expect(summary[0]!.slice(0, 3)).toEqual(['Site', 'Door', 'Visitors']);
    expect(summary[1]!.slice(0, 6)).toEqual(['kanwil-a', 'd1', 1, 1, 1, 0]);
    const incidents = sheets.find((s) => s.sheet === ENGLISH_LABELS.tables.incidents.name)!.data;
    // Text stays text in a workbook (never a formula): the note as the door sent it.
    expect(incidents.find((x) => x[0] === 'kanwil-b')!.slice(0, 6)).toEqual(['kanwil-b', 'd1', '2026-12-05 12:00:00 WIB (+07:00)', 1, 'V-1', B_INCIDENT_TEXT]);
    const perDay = sheets.find((s) => s.sheet === ENGLISH_LABELS.tables.perDay.name)!.data;
    expect(perDay.filter((x) => x[0] === 'kanwil-a' && x[1] === 'd1' && Number(x[3]) > 0).map((x) => x[2])).toEqual(['2026-12-01', '2026-12-02']);
  }, CLI_MS);

  it('visits come from the visit index, filtered', () => {
    const all = pintuJson<{ visit: string; site: string; state: string; enteredAt: string | null }[]>(yaml, ['central', 'visits']);
    expect(all.map((v) => `${v.site}/${v.visit}:${v.state}`)).toEqual(['kanwil-b/V-1:requested', 'kanwil-a/V-2:denied', 'kanwil-a/V-1:checked_out', 'kanwil-a/V-9:requested']);
    expect(pintuJson<{ visit: string }[]>(yaml, ['central', 'visits', '--q', 'maju']).map((v) => v.visit)).toEqual(['V-2']);
    expect(pintuJson<{ visit: string }[]>(yaml, ['central', 'visits', '--site', 'kanwil-a', '--state', 'requested']).map((v) => v.visit)).toEqual(['V-9']);
    expect(pintuJson<unknown[]>(yaml, ['central', 'visits', '--from', '2026-12-04 00:00', '--limit', '5'])).toHaveLength(1);
    expect(pintu(yaml, ['central', 'visits', '--door', 'd2']).stdout).toContain('kanwil-a/d2 V-2 denied       CV Maju — survey');
  }, CLI_MS);

  it('summaries: status, and a full rebuild after the time zone changed counts days in the new zone', () => {
    expect(pintuJson(yaml, ['central', 'summaries', 'status'])).toEqual({ timeZone: 'Asia/Jakarta', doorsBehind: 0, eventsBehind: 0 });
    config('Asia/Jayapura');
    // Until the rebuild, the summaries keep their zone (and the report says which).
    expect(pintuJson<MonthlyReport>(yaml, ['central', 'report', '--month', '2026-12']).timeZone).toBe('Asia/Jakarta');
    expect(pintuJson(yaml, ['central', 'summaries', 'rebuild', '--full', '--batch', '4'])).toEqual({ doors: 3, events: 22, timeZone: 'Asia/Jayapura', doorsBehind: 0, eventsBehind: 0 });
    const r = pintuJson<MonthlyReport>(yaml, ['central', 'report', '--month', '2026-12']);
    expect([r.timeZone, r.from, r.complete]).toEqual(['Asia/Jayapura', '2026-11-30T15:00:00.000Z', true]);
    // 2026-12-01T17:30Z is 2 December in WIB and in WIT; 16:59:59Z on 30 November is 1 December in WIT: V-9's request is December's now.
    expect(r.doors.find((d) => d.door === 'd2')!.requests).toBe(2);
    expect(pintuJson(yaml, ['central', 'summaries', 'rebuild'])).toEqual({ doors: 0, events: 0, timeZone: 'Asia/Jayapura', doorsBehind: 0, eventsBehind: 0 });
    config('Asia/Jakarta');
  }, CLI_MS);

  it('bad options exit 2 naming the option, and print nothing', () => {
    for (const [args, flag] of [[['--month', '2026-12', '--format', 'pdf'], '--format'], [['--month', '2026-1'], '--month']] as const) {
      const r = pintu(yaml, ['central', 'report', ...args]);
      expect([r.code, r.stdout]).toEqual([2, '']);
      expect(r.stderr).toContain(flag);
    }
    const v = pintu(yaml, ['central', 'visits', '--limit', 'x']);
    expect([v.code, v.stdout]).toEqual([2, '']);
    expect(v.stderr).toContain('--limit');
  }, CLI_MS);
});
