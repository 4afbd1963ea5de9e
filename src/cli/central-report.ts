/**
 * `pintu central report|visits|summaries`: the monthly report (text, JSON, CSV or XLSX), visits from the visit index,
 * and the summaries they read (status; rebuild: bring the doors behind up to date, or with --full empty them and count
 * days in the config's timeZone). All read the summary tables, never the whole events table.
 */
import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { UserError } from '../domain/errors.js';
import { formatTime, parseTime } from '../domain/time.js';
import type { CentralFileConfig } from '../central/config.js';
import type { SqlCentralStore } from '../central/sql-store.js';
import { buildMonthlyReport, checkMonth, type MonthlyReport } from '../central/report.js';
import { listVisits } from '../central/visit-index.js';
import { rebuildSummaries, summaryStatus } from '../central/summaries.js';
import { action, globals, intOption, out } from './context.js';

/** Runs `fn` with the config and the open store (closed after). */
export type WithStore = <T>(cmd: Command, fn: (s: { config: CentralFileConfig; store: SqlCentralStore }) => Promise<T>) => Promise<T>;

/** The report as the CLI prints it. */
export function reportText(r: MonthlyReport): string {
  const list = (o: Record<string, number>): string => Object.entries(o).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
  return [
    `report ${r.month} (${r.timeZone})`,
    ...(r.complete ? [] : ['  (the summaries of some doors are still being backfilled: these figures miss their events; see pintu central summaries status)']),
    ...r.doors.map((d) => [
      `${d.site}/${d.door}: ${d.visitors} visitor(s), ${d.requests} request(s), ${d.visitsDenied} denied visit(s), ${d.forced} forced, ${d.held} held open`,
      `  refused taps: ${list(d.deniedAttempts)}`,
      `  alarms: ${list(d.alarms)}`,
      `  device mismatches ${d.deviceMismatches}, incidents ${d.incidents}, maintenance checklists ${d.checklists.recorded} (items ok ${d.checklists.ok}, degraded ${d.checklists.degraded}, failed ${d.checklists.failed}), health checks ${d.healthChecks.runs} (warn ${d.healthChecks.warn}, fail ${d.healthChecks.fail})`,
      ...Object.entries(d.steps).map(([k, s]) => `  step ${k}: ${s.count}×, avg ${s.avgSeconds}s, max ${s.maxSeconds}s, standard ${s.standardSeconds}s, over ${s.overStandard}`),
    ].join('\n')),
    ...r.incidentList.map((i) => `incident ${i.incident ?? '?'} ${i.site}/${i.door} ${formatTime(Date.parse(i.at), r.timeZone)}${i.visit ? ` visit ${i.visit}` : ''}${i.text ? `: ${i.text}` : ''}`),
  ].join('\n');
}

/** Register `report`, `visits` and `summaries` under `pintu central`. */
export function centralReportCommands(central: Command, withStore: WithStore): void {
  central.command('report').description('monthly report per site and door: visitors, visits per day, refused taps, alarms, device mismatches, incidents, SOP step times, maintenance checklists')
    .requiredOption('--month <YYYY-MM>', 'the month (office time zone)')
    .option('--site <site>', 'only this site')
    .option('--format <format>', 'text, json, csv or xlsx (with --json: json)', 'text')
    .option('--out <file>', 'write it to this file (xlsx: needed unless stdout is redirected)')
    .action(action(async function (this: Command, o: { month: string; site?: string; format: string; out?: string }) {
      try { checkMonth(o.month); } catch (err) { throw new UserError((err as Error).message); }
      const format = globals(this).json ? 'json' : o.format;
      if (!['text', 'json', 'csv', 'xlsx'].includes(format)) throw new UserError(`--format "${o.format}" must be text, json, csv or xlsx`);
      if (format === 'xlsx' && !o.out && process.stdout.isTTY) throw new UserError('--format xlsx writes a binary file: give --out FILE or redirect stdout');
      const report = await withStore(this, ({ store }) => buildMonthlyReport(store.sql, { month: o.month, scope: null, site: o.site ?? null }));
      let body: string | Buffer;
      if (format === 'json') body = `${JSON.stringify(report)}\n`;
      else if (format === 'text') body = `${reportText(report)}\n`;
      else {
        const { reportCsv, reportTables, reportXlsx } = await import('../central/report-export.js');
        const tables = reportTables(report);
        body = format === 'csv' ? reportCsv(tables) : await reportXlsx(tables);
      }
      if (o.out) writeFileSync(o.out, body);
      else process.stdout.write(body);
    }));

  central.command('visits').description('visits reported by the doors (the visit index), newest change first')
    .option('--site <site>').option('--door <door>').option('--state <state>')
    .option('--q <text>', 'text in the visit id, institution or purpose').option('--from <time>', 'changed at or after').option('--to <time>', 'changed before')
    .option('--limit <n>', 'at most this many (1–1000)', '1000').option('--offset <n>', 'skip this many', '0')
    .action(action(async function (this: Command, o: { site?: string; door?: string; state?: string; q?: string; from?: string; to?: string; limit: string; offset: string }) {
      const limit = intOption(o.limit, '--limit');
      const offset = intOption(o.offset, '--offset');
      const { visits } = await withStore(this, ({ store, config }) => {
        const iso = (v: string | undefined, name: string): string | null => (v === undefined ? null : new Date(parseTime(v, name, config.timeZone)).toISOString());
        return listVisits(store.sql, { scope: null, site: o.site ?? null, door: o.door ?? null, state: o.state ?? null, q: o.q ?? null,
          from: iso(o.from, '--from'), to: iso(o.to, '--to'), limit, offset });
      });
      out(this, visits, () => visits.map((v) => `${v.site}/${v.door} ${v.visit} ${v.state.padEnd(12)} ${v.org ?? ''} — ${v.purpose ?? ''}`).join('\n') || 'no visits');
    }));

  const summaries = central.command('summaries').description('the summary tables reports and visits read (kept by the receiver as events arrive)');
  summaries.command('status').description('their time zone and how far behind the events they are')
    .action(action(async function (this: Command) {
      const s = await withStore(this, ({ store }) => summaryStatus(store.sql));
      out(this, s, () => `summaries count days in ${s.timeZone ?? '(none)'}; ${s.doorsBehind ? `${s.doorsBehind} door(s) behind by ${s.eventsBehind} event(s)` : 'up to date'}`);
    }));
  summaries.command('rebuild').description('bring the doors behind up to date from the events; --full: empty them first and count days in timeZone')
    .option('--full', 'rebuild from scratch (after changing timeZone)')
    .option('--batch <n>', 'events per transaction', '5000')
    .action(action(async function (this: Command, o: { full?: boolean; batch: string }) {
      const batchEvents = Math.max(1, intOption(o.batch, '--batch'));
      const r = await withStore(this, ({ store, config }) => rebuildSummaries(store, {
        batchEvents, concurrency: store.sql.dialect === 'pg' ? 4 : 1, ...(o.full ? { timeZone: config.timeZone } : {}),
      }).then(async (t) => ({ ...t, ...(await summaryStatus(store.sql)) })));
      out(this, r, () => `summaries: ${r.events} event(s) of ${r.doors} door(s) summarized; days in ${r.timeZone ?? '(none)'}; ${r.doorsBehind ? `${r.doorsBehind} door(s) still behind` : 'up to date'}`);
    }));
}
