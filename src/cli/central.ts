/**
 * `pintu central …`: the central office (Kantor Wilayah / Dinas). Runs from its own YAML (--config FILE):
 * `run` (the receiver), `doors`, `events`, `visits`, `alerts`, `report`, `summaries`, `enroll`, `keys show`, and the signed
 * commands `preregister`, `approve`, `deny`, `revoke`.
 */
import { Command } from 'commander';
import { randomBytes } from 'node:crypto';
import { createLogger } from '../adapters/log/pino.js';
import { UserError } from '../domain/errors.js';
import { formatTime, parseTime } from '../domain/time.js';
import { watchlistUntil } from '../domain/watchlist.js';
import { readFileSync } from 'node:fs';
import { CENTRAL_KEY_FILE, loadOrCreateKeyPair } from '../adapters/mqtt/keys.js';
import { publicKeyFromText } from '../protocol/signing.js';
import { clientOptions } from '../adapters/mqtt/connect.js';
import type { CommandAction } from '../protocol/messages.js';
import { loadCentralConfig, type CentralFileConfig } from '../central/config.js';
import { openCentralStore } from '../central/open.js';
import { runCentral } from '../central/main.js';
import type { SqlCentralStore } from '../central/sql-store.js';
import { centralReportCommands } from './central-report.js';
import { action, collect, globals, intOption, out } from './context.js';
import { centralUserCommands } from './central-users.js';

async function withStore<T>(cmd: Command, fn: (s: { config: CentralFileConfig; store: SqlCentralStore }) => Promise<T>): Promise<T> {
  const config = loadCentralConfig(globals(cmd).config);
  const store = await openCentralStore(config.store, { timeZone: config.timeZone });
  try {
    return await fn({ config, store });
  } finally {
    await store.close();
  }
}

/** A time option, strictly parsed (no offset: the centre's `timeZone`), as UTC ISO for the store and the wire. */
const isoOption = (v: string | undefined, name: string, timeZone: string): string | undefined =>
  v === undefined ? undefined : new Date(parseTime(v, name, timeZone)).toISOString();

/** Register the central commands. */
export function centralCommands(program: Command): void {
  const central = program.command('central').description('the central office: receiver, doors, events, reports, signed commands (uses its own --config)');

  centralUserCommands(central);

  central.command('run').description('run the central receiver (shared MQTT subscription; several may run at once)')
    .action(action(async function (this: Command) {
      const config = loadCentralConfig(globals(this).config);
      await runCentral(config, createLogger(config.log.level));
    }));

  central.command('keys').description("the centre's signing key").command('show').description("print the centre's public key (doors put it in central.publicKey)")
    .action(action(function (this: Command) {
      const config = loadCentralConfig(globals(this).config);
      const key = loadOrCreateKeyPair(config.dataDir, CENTRAL_KEY_FILE);
      out(this, { publicKey: key.publicKeyText }, () => key.publicKeyText);
    }));

  central.command('enroll').description("enrol a door with its public key (from `pintu keys show` at the door)")
    .requiredOption('--site <site>', 'site id').requiredOption('--door <door>', 'door id').requiredOption('--key <publicKey>', "the door's public key")
    .action(action(async function (this: Command, o: { site: string; door: string; key: string }) {
      try { publicKeyFromText(o.key); } catch (err) { throw new UserError(`--key: ${(err as Error).message}`); }
      await withStore(this, ({ store }) => store.enroll(o.site, o.door, o.key.trim(), Date.now()));
      out(this, { site: o.site, door: o.door, enrolled: true }, () => `door ${o.site}/${o.door} enrolled`);
    }));

  central.command('doors').description('doors: online/offline, last seq stored, backlog, and what each door last said of itself (version, clock, readers, health, OS)')
    .action(action(async function (this: Command) {
      const { doors, tz } = await withStore(this, async ({ store, config }) => ({ doors: await store.doors(), tz: config.timeZone }));
      const rows = doors.map((d) => ({
        site: d.site, door: d.door, state: d.state, lastSeq: d.lastSeq,
        backlog: d.reportedLastSeq === null ? null : Math.max(0, d.reportedLastSeq - d.lastSeq),
        statusAt: d.statusAt ? new Date(d.statusAt).toISOString() : null, lastSeenAt: d.lastSeenAt ? new Date(d.lastSeenAt).toISOString() : null,
        app: d.app, os: d.os, clock: d.clock, readers: d.readers, health: d.health,
        // The door's X25519 public key from its signed status: pre-registrations and watchlists are sealed to it (null: none can be sent).
        sealKey: d.sealKey,
      }));
      // The door's facts from its status (a door older than issue 13 sends none: '-').
      const facts = (r: (typeof rows)[number]): string => [
        `app ${r.app ?? '-'}`, `clock ${r.clock ?? '-'}`,
        `readers ${r.readers ? r.readers.map((x) => `${x.id}:${x.up ? 'up' : 'DOWN'}`).join(',') || 'none' : '-'}`,
        `health ${r.health ? `${r.health.state}${r.health.failing.length ? ` (${r.health.failing.join(', ')})` : ''}` : '-'}`,
        `os ${r.os ?? '-'}`, `sealing key ${r.sealKey ? 'known' : '-'}`,
      ].join('  ');
      out(this, rows, () => rows.length ? rows.map((r) => `${r.site}/${r.door}  ${r.state.padEnd(8)} last seq ${r.lastSeq}  backlog ${r.backlog ?? '?'}  last seen ${r.lastSeenAt ? formatTime(Date.parse(r.lastSeenAt), tz) : '-'}\n    ${facts(r)}`).join('\n') : 'no doors enrolled');
    }));

  central.command('events').description('stored events (with --json: one JSON object per line)')
    .option('--site <site>').option('--door <door>').option('--type <prefix>', 'types starting with this')
    .option('--from <time>', 'at or after').option('--to <time>', 'before').option('--limit <n>', 'at most this many', '10000')
    .action(action(async function (this: Command, o: { site?: string; door?: string; type?: string; from?: string; to?: string; limit: string }) {
      const { events, tz } = await withStore(this, async ({ store, config }) => {
        const from = isoOption(o.from, '--from', config.timeZone);
        const to = isoOption(o.to, '--to', config.timeZone);
        return { tz: config.timeZone, events: await store.events({
          ...(o.site ? { site: o.site } : {}), ...(o.door ? { door: o.door } : {}), ...(o.type ? { type: o.type } : {}),
          ...(from ? { from } : {}), ...(to ? { to } : {}), limit: intOption(o.limit, '--limit'),
        }) };
      });
      const json = globals(this).json;
      for (const e of events) {
        process.stdout.write((json
          ? JSON.stringify({ ...e.data, site: e.site, door: e.door, seq: e.seq, type: e.type, at: e.at })
          : `${e.site}/${e.door} ${String(e.seq).padStart(6)} ${formatTime(Date.parse(e.at), tz)} ${e.type.padEnd(24)} ${Object.entries(e.data).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ')}`) + '\n');
      }
    }));

  central.command('alerts').description('alerts: door alarms (alarm.*, door.forced/held, visit.device_mismatch), gaps, chain breaks, unknown doors, bad signatures, doors gone offline')
    .option('--limit <n>', 'at most this many', '100')
    .action(action(async function (this: Command, o: { limit: string }) {
      const { alerts, tz } = await withStore(this, async ({ store, config }) => ({ alerts: await store.alerts(intOption(o.limit, '--limit')), tz: config.timeZone }));
      out(this, alerts, () => alerts.map((a) => `${formatTime(a.at, tz)} ${a.site}/${a.door} ${a.kind}: ${a.detail}`).join('\n') || 'no alerts');
    }));

  centralReportCommands(central, withStore);

  const send = (name: CommandAction, describe: string, build: (o: Record<string, unknown>, timeZone: string) => Record<string, unknown>, opts: (c: Command) => Command, parent: Command = central, word: string = name): void => {
    opts(parent.command(word).description(describe)
      .requiredOption('--site <site>').requiredOption('--door <door>')
      .option('--ttl <seconds>', 'the command expires after this many seconds', '3600')
      .option('--wait <seconds>', "wait this long for the door's reply (0: don't wait)", '10'))
      .action(action(async function (this: Command, o: Record<string, unknown>) {
        const site = String(o.site);
        const door = String(o.door);
        let tz = '';
        const r = await withStore(this, async ({ config, store }) => {
          tz = config.timeZone;
          const args = build(o, config.timeZone);
          const { connect } = await import('mqtt');
          const { CommandSender } = await import('../central/commands.js');
          const client = connect(config.broker.url, clientOptions(config.broker, { clientId: `pintu-central-cli-${randomBytes(4).toString('hex')}`, reconnectPeriod: 0 }));
          try {
            await new Promise<void>((resolve, reject) => { client.once('connect', () => resolve()); client.once('error', reject); });
            const sender = new CommandSender(client, store, loadOrCreateKeyPair(config.dataDir, CENTRAL_KEY_FILE));
            return await sender.send(site, door, name, args, { ttlSeconds: intOption(String(o.ttl), '--ttl'), waitMs: intOption(String(o.wait), '--wait') * 1000 });
          } finally {
            await client.endAsync();
          }
        });
        out(this, { command: r.command.id, counter: r.command.counter, expiresAt: r.command.expiresAt, reply: r.reply }, () => r.reply
          ? (r.reply.ok ? (r.reply.visit ? `done: visit ${r.reply.visit} is ${r.reply.state}` : 'done') : `refused by the door: ${r.reply.error ?? r.reply.rejected}`)
          : `sent (command ${r.command.id}); no reply yet — the door gets it when it reconnects, until ${formatTime(Date.parse(r.command.expiresAt), tz)}`);
        if (r.reply && !r.reply.ok) process.exitCode = 2;
      }));
  };
  send('preregister', 'pre-register a visit filed on the helpdesk website (SOP 003)', (o) => ({
    name: o.name, nik: o.nik, org: o.org, purpose: o.purpose, ...(o.phone ? { phone: o.phone } : {}), ...(o.letter ? { letterRef: o.letter } : {}),
    ...(o.duration ? { plannedMinutes: Number(o.duration) } : {}), ...(o.by ? { by: o.by } : {}),
    ...((o.device as string[] | undefined)?.length ? { devices: (o.device as string[]).map((d) => { const i = d.lastIndexOf(':'); return { description: d.slice(0, i), serial: d.slice(i + 1) }; }) } : {}),
  }), (c) => c.requiredOption('--name <name>').requiredOption('--nik <nik>').requiredOption('--org <org>').requiredOption('--purpose <purpose>')
    .option('--phone <phone>').option('--letter <ref>', 'request letter / helpdesk ticket').option('--duration <minutes>').option('--by <officer>')
    .option('--device <description:serial>', 'device brought in (repeatable)', collect));
  send('approve', 'approve a visit (head)', (o, tz) => ({ visit: o.visit, by: o.by, ...(o.from ? { from: isoOption(String(o.from), '--from', tz) } : {}), ...(o.until ? { until: isoOption(String(o.until), '--until', tz) } : {}) }),
    (c) => c.requiredOption('--visit <id>').requiredOption('--by <officer>', 'head at the door').option('--from <time>').option('--until <time>'));
  send('deny', 'deny a visit (head)', (o) => ({ visit: o.visit, by: o.by, reason: o.reason }), (c) => c.requiredOption('--visit <id>').requiredOption('--by <officer>').requiredOption('--reason <reason>'));
  send('revoke', 'revoke an approval (head)', (o) => ({ visit: o.visit, by: o.by, reason: o.reason }), (c) => c.requiredOption('--visit <id>').requiredOption('--by <officer>').requiredOption('--reason <reason>'));
  // The watchlist for a door (issue 14): its NIKs and reasons are sealed to the door's key; the door keeps only keyed hashes.
  const watchlist = central.command('watchlist').description("send a watchlist to a door (signed; NIKs sealed to the door's key)");
  send('watchlist', 'send watchlist entries to a door: --entry NIK,UNTIL,REASON (repeatable) or --file CSV with those three columns', (o, tz) => ({
    mode: o.replace ? 'replace' : 'add', by: o.by, entries: watchlistEntries([...((o.entry as string[] | undefined) ?? []), ...(o.file ? readFileSync(String(o.file), 'utf8').split(/\r?\n/) : [])], tz),
  }), (c) => c.requiredOption('--by <user>', 'who at the centre sends it').option('--entry <nik,until,reason>', 'one entry: NIK, until (a date: to the end of that day; or a time), reason', collect)
    .option('--file <csv>', 'entries, one per line: NIK,until,reason').option('--replace', "replace every entry this centre sent before (the door's own entries stay)"), watchlist, 'send');
}

/** Watchlist entries from `NIK,until,reason` lines (blank lines and # comments skipped); times in the centre's zone. */
export function watchlistEntries(lines: readonly string[], timeZone: string): Array<{ nik: string; until: string; reason: string }> {
  const out: Array<{ nik: string; until: string; reason: string }> = [];
  lines.forEach((raw, i) => {
    const l = raw.trim();
    if (!l || l.startsWith('#')) return;
    const [nik = '', until = '', ...reason] = l.split(',');
    if (!nik.trim() || !until.trim() || !reason.join(',').trim()) throw new UserError(`--entry: line ${i + 1} must be NIK,until,reason`);
    out.push({ nik: nik.trim(), until: new Date(watchlistUntil(until, '--entry until', timeZone)).toISOString(), reason: reason.join(',').trim() });
  });
  if (!out.length) throw new UserError('--entry or --file: no watchlist entries given');
  return out;
}
