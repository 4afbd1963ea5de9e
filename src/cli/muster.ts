/**
 * `pintu muster`: who is inside the server room now (visitors with visit, institution, badge, escort, devices and since
 * when; officers), read from this door's own database, so it works with the WAN and the centre down, and with the
 * daemon stopped. Text (times in `visits.timeZone` with offset), `--json` (UTC ISO times, for scripts) or `--html` (a
 * printable A4 page, in the console's language, on stdout: `pintu muster --html > muster.html`). No NIK, ever.
 */
import type { Command } from 'commander';
import { musterList, type MusterList } from '../domain/muster.js';
import { formatTime } from '../domain/time.js';
import type { StorePort } from '../ports/store.js';
import { musterDocument } from '../adapters/console/muster-print.js';
import { action, globals, withServices } from './context.js';

/** The muster list from a door's store, now. */
export function musterOfStore(store: Pick<StorePort, 'door' | 'officers' | 'visitsInside' | 'officersInside' | 'badge'>, at = Date.now()): MusterList {
  const names = new Map(store.officers().map((o) => [o.id, o.name] as const));
  return musterList({
    door: store.door, at, visits: store.visitsInside(), officers: store.officersInside(),
    badgeLabel: (uid) => store.badge(uid)?.label ?? null, officerName: (id) => names.get(id) ?? null,
  });
}

/** The list as `--json` prints it: times as UTC ISO strings. */
export function musterJson(m: MusterList, site: string): Record<string, unknown> {
  const iso = (at: number | null): string | null => (at === null ? null : new Date(at).toISOString());
  return {
    site, door: m.door, at: iso(m.at), count: { visitors: m.visitors.length, officers: m.officers.length, total: m.count },
    visitors: m.visitors.map((v) => ({ ...v, since: iso(v.since) })),
    officers: m.officers.map((o) => ({ ...o, since: iso(o.since) })),
  };
}

/** The list as text. */
export function musterText(m: MusterList, site: string, timeZone: string): string {
  const at = (ms: number | null): string => formatTime(ms, timeZone);
  const lines = [
    `Muster list — door ${m.door}, site ${site} — as of ${at(m.at)}`,
    `Inside: ${m.visitors.length} visitor(s), ${m.officers.length} officer(s) — ${m.count} people`,
    '',
    'Visitors:',
  ];
  if (m.visitors.length === 0) lines.push('  (none)');
  m.visitors.forEach((v, i) => {
    lines.push(`  ${i + 1}. ${v.name} — ${v.org} — visit ${v.visit} — badge ${v.badge ?? '-'} — escort ${v.escort ? `${v.escort.name} (${v.escort.id})` : 'none'} — since ${at(v.since)}`);
    lines.push(`     devices: ${v.devices.length ? v.devices.map((d) => `${d.description} (serial ${d.serial})`).join('; ') : 'none'}`);
  });
  lines.push('', 'Officers:');
  if (m.officers.length === 0) lines.push('  (none)');
  m.officers.forEach((o, i) => lines.push(`  ${i + 1}. ${o.name} (${o.id}, ${o.role}) — since ${at(o.since)}`));
  lines.push('', "Read from this door's own database: it works without the network to the central office.");
  return lines.join('\n');
}

/** Register `pintu muster`. */
export function musterCommand(program: Command): void {
  program.command('muster')
    .description('who is inside the server room now (officers and visitors, escort, devices, since when), from this door\'s own database')
    .option('--html', 'print a printable A4 HTML page (in the console\'s language) instead of text')
    .action(action(function (this: Command, opts: { html?: boolean }) {
      const json = globals(this).json;
      withServices(this, ({ config, store }) => {
        const m = musterOfStore(store);
        let text: string;
        if (json) text = JSON.stringify(musterJson(m, config.site));
        else if (opts.html) text = musterDocument(m, { site: config.site, timeZone: config.visits.timeZone, lang: config.console.language });
        else text = musterText(m, config.site, config.visits.timeZone);
        process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
      });
    }));
}
