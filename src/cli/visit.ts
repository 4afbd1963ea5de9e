/**
 * `pintu visit …`: a visit through the SOP, from request to archive.
 */
import { Command } from 'commander';
import { parseChecklistItem, parseDevice } from './input.js';
import { formatTime, parseTime } from '../domain/time.js';
import { UserError } from '../domain/errors.js';
import { VISIT_STATES, type CancelReason, type Visit, type VisitState } from '../domain/types.js';
import { maskNik, withMaskedNik } from '../domain/nik.js';
import { Answers } from './answers.js';
import { action, collect, configOf, globals, out, withServices } from './context.js';
import { watchlistService } from '../main.js';

/**
 * Human, multi-line description of a visit (for the officer at the desk; the CLI is not a log). The NIK is masked
 * unless `revealedNik` is the full NIK a head just revealed (`visit show --reveal-nik`).
 */
export function describeVisit(v: Visit, timeZone: string, badgeLabel?: string | null, revealedNik?: string): string {
  const t = (ms: number | undefined): string => formatTime(ms, timeZone);
  const nik = revealedNik ? `${revealedNik} (revealed)` : maskNik(v.visitor.nik);
  const lines = [
    `visit ${v.id} (${v.kind}) — ${v.state}${v.presence ? `, ${v.presence}` : ''}`,
    `  visitor:  ${v.visitor.name}, ${v.visitor.org}, NIK ${nik}${v.visitor.phone ? `, ${v.visitor.phone}` : ''}`,
    `  purpose:  ${v.purpose} (${v.plannedMinutes} min planned)${v.letterRef ? `, letter ${v.letterRef}` : ''}`,
    `  devices in:  ${v.devicesIn.map((d) => `${d.description} [${d.serial}]`).join('; ') || 'none'}`,
  ];
  if (v.devicesOut) lines.push(`  devices out: ${v.devicesOut.map((d) => `${d.description} [${d.serial}]`).join('; ') || 'none'}`);
  if (v.disposition) lines.push(`  disposition: ${v.disposition.reference} of ${v.disposition.date} by ${v.disposition.orderedBy}`);
  for (const c of v.checklist ?? []) lines.push(`  checklist: ${c.item} — ${c.status}${c.note ? ` (${c.note})` : ''}`);
  lines.push(`  KTP: ${v.ktpHash ? 'chip read' : 'not read'}, ${v.ktpHeld ? 'held at the desk' : 'not held'}; badge: ${v.badgeUid ? `${badgeLabel ?? ''} ${v.badgeUid}`.trim() : 'none'}`);
  if (v.validUntil) lines.push(`  valid:    ${t(v.validFrom ?? undefined)} → ${t(v.validUntil)}`);
  if (v.rulesAck) lines.push(`  rules:    server-room rules version ${v.rulesAck.version} acknowledged ${t(v.rulesAck.at)} before ${v.rulesAck.officer}`);
  if (v.denyReason) lines.push(`  denied:   ${v.denyReason}`);
  if (v.revokeReason) lines.push(`  revoked:  ${v.revokeReason}`);
  if (v.overstayAt !== undefined) lines.push(`  ALARM:    still inside when the approval ended (alarm.visit_overstay at ${t(v.overstayAt)})`);
  const ms: [string, keyof Visit['at']][] = [['requested', 'requested'], ['checked', 'checked'], ['decided', 'decided'], ['badge issued', 'issued'],
    ['first entry', 'firstEntry'], ['last exit', 'lastExit'], ['checked out', 'checkedOut'], ['reported', 'reported'], ['archived', 'archived'], ['revoked', 'revoked']];
  for (const [label, key] of ms) if (v.at[key] !== undefined) lines.push(`  ${label.padEnd(12)} ${t(v.at[key])}${v.by[key] ? ` by ${v.by[key]}` : ''}`);
  return lines.join('\n');
}

/** Register the visit commands. */
export function visitCommands(program: Command): void {
  const visit = program.command('visit').description('visits through the SOP: request → check → approve/deny → issue → checkout → report → archive');

  visit.command('request')
    .description('SOP step 1: record a visit request (prints the visit id)')
    .requiredOption('--name <name>', "visitor's full name")
    .requiredOption('--nik <nik>', '16-digit NIK from the KTP')
    .requiredOption('--org <org>', 'institution')
    .requiredOption('--purpose <purpose>', 'purpose of the visit')
    .option('--phone <phone>', 'phone number')
    .option('--duration <minutes>', 'planned duration in minutes', '60')
    .option('--device <desc:serial>', 'device brought in (repeatable)', collect, [])
    .option('--ktp-uid <uid>', 'KTP chip UID read at the desk (stored only as a keyed hash)')
    .option('--letter <ref>', 'request letter / helpdesk ticket reference')
    .option('--kind <kind>', 'visit | maintenance', 'visit')
    .option('--disposition-by <who>', 'maintenance: who ordered it')
    .option('--disposition-ref <ref>', 'maintenance: disposition reference')
    .option('--disposition-date <date>', 'maintenance: disposition date (YYYY-MM-DD)')
    .option('--by <officer>', 'officer doing the intake')
    .action(action(function (this: Command, o: Record<string, string | string[] | undefined>) {
      const s = (k: string): string | undefined => o[k] as string | undefined;
      const kind = s('kind');
      if (kind !== 'visit' && kind !== 'maintenance') throw new UserError(`--kind "${kind}" must be visit or maintenance`);
      const duration = Number(s('duration'));
      const disp = s('dispositionRef') || s('dispositionBy') || s('dispositionDate')
        ? { orderedBy: s('dispositionBy') ?? '', reference: s('dispositionRef') ?? '', date: s('dispositionDate') ?? '' } : null;
      if (disp && (!disp.orderedBy || !disp.reference || !disp.date)) {
        throw new UserError('a disposition needs --disposition-by, --disposition-ref and --disposition-date YYYY-MM-DD');
      }
      if (kind === 'maintenance' && !disp) throw new UserError('a maintenance visit needs its disposition (--disposition-by, --disposition-ref, --disposition-date)');
      const devices = ((o.device as string[]) ?? []).map((d) => parseDevice(d, '--device'));
      const { v, notice, listed, tz } = withServices(this, ({ visits, store, config }) => {
        const made = visits.request({
          name: s('name') ?? '', nik: s('nik') ?? '', org: s('org') ?? '', purpose: s('purpose') ?? '', phone: s('phone') ?? null,
          plannedMinutes: duration, devices, ktpUid: s('ktpUid') ?? null, letterRef: s('letter') ?? null, kind, disposition: disp, by: s('by') ?? null,
        });
        // A NIK on the watchlist: the request stands (the alarm tells the head); the officer is warned here.
        return { v: made, notice: config.privacy.notice, listed: watchlistService(config, store).matchNik(made.visitor.nik), tz: config.visits.timeZone };
      });
      // The privacy notice (privacy.notice, UU PDP) for the officer to give the visitor; on stderr, so stdout stays the id scripts read.
      if (!globals(this).json) process.stderr.write(`Pemberitahuan pelindungan data pribadi (sampaikan kepada pengunjung):\n${notice}\n`);
      if (listed) process.stderr.write(`WARNING watchlist: the visitor of ${v.id} is on the watchlist (entry ${listed.id}, NIK ${listed.nikMasked}, until ${formatTime(listed.until, tz)}): ${listed.reason}. The head has been alerted; this does not deny the visit by itself: follow the SOP.\n`);
      out(this, { id: v.id, state: v.state, ...(listed ? { watchlist: { entry: listed.id, until: new Date(listed.until).toISOString(), reason: listed.reason } } : {}) }, () => v.id);
    }));

  const simple = (name: string, desc: string, run: (visits: import('../app/visit-service.js').VisitService, id: string, o: Record<string, string>) => Visit,
    opts: [string, string][] = []): void => {
    const c = visit.command(`${name} <id>`).description(desc).requiredOption('--by <officer>', 'officer id (e.g. O1)');
    for (const [flag, d] of opts) c.requiredOption(flag, d);
    c.action(action(function (this: Command, id: string, o: Record<string, string>) {
      const v = withServices(this, ({ visits }) => run(visits, id, o));
      out(this, { id: v.id, state: v.state, presence: v.presence, badge: v.badgeUid, validUntil: v.validUntil ? new Date(v.validUntil).toISOString() : null },
        () => `visit ${v.id}: ${v.state}`);
    }));
  };
  simple('check', 'SOP step 2: completeness checked (staff or coordinator)', (s, id, o) => s.check(id, o.by!));
  visit.command('approve <id>')
    .description('SOP step 3: approve (head); valid until --until or the configured default (end of day)')
    .requiredOption('--by <officer>', 'head officer id')
    .option('--until <iso>', 'end of validity, ISO-8601')
    .option('--from <iso>', 'start of validity (default now), ISO-8601')
    .action(action(function (this: Command, id: string, o: { by: string; until?: string; from?: string }) {
      const { v, tz } = withServices(this, ({ visits, config }) => {
        const tz = config.visits.timeZone;
        const until = o.until ? parseTime(o.until, '--until', tz) : undefined;
        const from = o.from ? parseTime(o.from, '--from', tz) : undefined;
        return { tz, v: visits.approve(id, o.by, { ...(until !== undefined ? { until } : {}), ...(from !== undefined ? { from } : {}) }) };
      });
      out(this, { id: v.id, state: v.state, validFrom: new Date(v.validFrom!).toISOString(), validUntil: new Date(v.validUntil!).toISOString() },
        () => `visit ${v.id}: approved from ${formatTime(v.validFrom, tz)} until ${formatTime(v.validUntil, tz)}`);
    }));
  simple('deny', 'SOP step 3: deny with a reason (head)', (s, id, o) => s.deny(id, o.by!, o.reason!), [['--reason <reason>', 'why']]);
  simple('revoke', 'revoke an approval at any time (head)', (s, id, o) => s.revoke(id, o.by!, o.reason!), [['--reason <reason>', 'why']]);
  visit.command('issue <id>')
    .description('SOP step 3: issue a special badge (UID or label) for the KTP, once the visitor acknowledged the server-room rules (pintu visit rules)')
    .requiredOption('--by <officer>', 'officer id (e.g. O1)')
    .requiredOption('--badge <badge>', 'badge UID or label')
    .option('--rules-acknowledged', 'the visitor acknowledged the server-room rules of visits.rules (required: the visit keeps the version, time and officer)')
    .action(action(function (this: Command, id: string, o: { by: string; badge: string; rulesAcknowledged?: boolean }) {
      if (!o.rulesAcknowledged) {
        throw new UserError('--rules-acknowledged is required: read the server-room rules (pintu visit rules) to the visitor and confirm they acknowledged them before the badge is issued');
      }
      const v = withServices(this, ({ visits }) => visits.issue(id, o.badge, o.by, { rulesAcknowledged: true }));
      out(this, { id: v.id, state: v.state, presence: v.presence, badge: v.badgeUid, validUntil: v.validUntil ? new Date(v.validUntil).toISOString() : null, rulesVersion: v.rulesAck?.version ?? null },
        () => `visit ${v.id}: ${v.state} (server-room rules version ${v.rulesAck?.version ?? '-'} acknowledged)`);
    }));
  visit.command('rules')
    .description('the server-room rules the visitor acknowledges at badge issue (visits.rules), with their version')
    .action(action(function (this: Command) {
      const rules = configOf(this).visits.rules;
      out(this, rules, () => [`server-room rules, version ${rules.version}:`, ...rules.text.map((l, i) => `  ${i + 1}. ${l}`)].join('\n'));
    }));
  simple('report', 'SOP step 6: the coordinator reports the visit', (s, id, o) => s.report(id, o.by!));
  simple('archive', 'SOP step 7: archive the visit file', (s, id, o) => s.archive(id, o.by!));
  simple('badge-lost', 'the visitor lost the badge: block it (issue another with visit issue)', (s, id, o) => s.badgeLost(id, o.by!));
  simple('cancel', 'close a request that never came, before any badge was issued (--reason cancelled or no_show)',
    (s, id, o) => s.cancel(id, o.by!, o.reason as CancelReason), [['--reason <reason>', 'cancelled or no_show']]);
  simple('ack-mismatch', 'a head acknowledges the device mismatch of a checkout; the KTP goes back (the note goes in the incident book)',
    (s, id, o) => s.acknowledgeMismatch(id, o.by!, o.note!), [['--note <text>', 'what was found and done']]);

  visit.command('checkout <id>')
    .description('SOP step 5: exit time, devices carried out, badge returned, KTP returned')
    .requiredOption('--by <officer>', 'officer id')
    .option('--device-out <desc:serial>', 'device carried out (repeatable)', collect, [])
    .action(action(function (this: Command, id: string, o: { by: string; deviceOut: string[] }) {
      const devices = o.deviceOut.map((d) => parseDevice(d, '--device-out'));
      const r = withServices(this, ({ visits, store }) => {
        const v = visits.checkout(id, o.by, devices);
        const mismatch = store.events.since(store.events.lastSeq() - 3).find((e) => e.type === 'visit.device_mismatch' && e.data.visit === v.id);
        return { v, mismatch: mismatch?.data ?? null };
      });
      out(this, { id: r.v.id, state: r.v.state, ktpHeld: r.v.ktpHeld, deviceMismatch: r.mismatch }, () =>
        (r.v.ktpHeld ? `visit ${r.v.id}: checked out; badge back; KEEP the KTP until a head acknowledges the mismatch (visit ack-mismatch)` : `visit ${r.v.id}: checked out; badge back, return the KTP to the visitor`) +
        (r.mismatch ? `\nWARNING device mismatch: ${JSON.stringify({ notCarriedOut: r.mismatch.notCarriedOut, notBroughtIn: r.mismatch.notBroughtIn })}` : ''));
    }));

  visit.command('checklist <id>')
    .description('SOP 002: record the checklist completed during a maintenance visit')
    .requiredOption('--by <officer>', 'officer id')
    .requiredOption('--item <item:status[:note]>', 'checked component, status ok | degraded | failed (repeatable)', collect, [])
    .action(action(function (this: Command, id: string, o: { by: string; item: string[] }) {
      const items = o.item.map(parseChecklistItem);
      const v = withServices(this, ({ visits }) => visits.checklist(id, o.by, items));
      out(this, { id: v.id, checklist: v.checklist }, () => `visit ${v.id}: ${items.length} checklist item(s) recorded`);
    }));

  visit.command('list')
    .description('list visits, newest first')
    .option('--state <state>', `one of ${VISIT_STATES.join(', ')}, or inside / outside`)
    .option('--limit <n>', 'at most this many', '50')
    .action(action(function (this: Command, o: { state?: string; limit: string }) {
      const st = o.state;
      if (st && !VISIT_STATES.includes(st as VisitState) && st !== 'inside' && st !== 'outside') {
        throw new UserError(`--state "${st}" must be one of ${VISIT_STATES.join(', ')}, inside, outside`);
      }
      const filter = st === 'inside' || st === 'outside' ? { presence: st as 'inside' | 'outside' } : st ? { state: st as VisitState } : {};
      const { list, tz } = withServices(this, ({ store, config }) => ({ list: store.visits({ ...filter, limit: Number(o.limit) || 50 }), tz: config.visits.timeZone }));
      if (globals(this).json) { out(this, list.map(withMaskedNik), () => ''); return; }
      out(this, list, () => list.map((v) => [v.id, v.state, v.presence ?? '-', formatTime(v.at.requested, tz), maskNik(v.visitor.nik), v.visitor.name, v.visitor.org].join('\t')).join('\n') || '(no visits)');
    }));

  visit.command('show <id>')
    .description('everything about one visit (NIK masked; a head may --reveal-nik with --by HEAD, a --reason and their PIN)')
    .option('--reveal-nik', 'show the full NIK once (a head only; recorded as visit.nik_revealed with the head and the reason)')
    .option('--by <officer>', 'with --reveal-nik: the head asking (asked for their PIN)')
    .option('--reason <text>', 'with --reveal-nik: why the full NIK is needed')
    .action(action(async function (this: Command, id: string, o: { revealNik?: boolean; by?: string; reason?: string }) {
      if (!o.revealNik && (o.by !== undefined || o.reason !== undefined)) throw new UserError('--by and --reason go with --reveal-nik');
      let revealed: string | undefined;
      if (o.revealNik) {
        if (o.by === undefined) throw new UserError('--reveal-nik needs --by HEAD: only a head may reveal a NIK, with their PIN');
        if (o.reason === undefined || !o.reason.trim()) throw new UserError('--reveal-nik needs --reason: why the full NIK is needed (recorded with the head)');
        const head = o.by.trim().toUpperCase();
        const pin = await new Answers().pin(`PIN of head ${head}`);
        revealed = withServices(this, ({ officers, visits }) => {
          const who = officers.requirePin(head, pin, `the PIN of officer ${head}`);
          return visits.revealNik(id, who.id, o.reason!);
        });
      }
      const { v, tz, label } = withServices(this, ({ visits, store, config }) => {
        const v = visits.visit(id);
        return { v, tz: config.visits.timeZone, label: v.badgeUid ? store.badge(v.badgeUid)?.label ?? null : null };
      });
      out(this, revealed ? { ...v, visitor: { ...v.visitor, nik: revealed }, nikRevealed: true } : withMaskedNik(v), () => describeVisit(v, tz, label, revealed));
    }));

  program.command('incident')
    .description("write an entry in the incident book (SOP 004's separate book)")
    .requiredOption('--by <officer>', 'officer id')
    .requiredOption('--note <text>', 'what happened')
    .option('--visit <id>', 'visit concerned')
    .action(action(function (this: Command, o: { by: string; note: string; visit?: string }) {
      const n = withServices(this, ({ visits }) => visits.incident(o.by, o.note, o.visit));
      out(this, { id: n }, () => `incident ${n} recorded`);
    }));
}
