/**
 * `pintu subject find|export|erase --nik N`: data-subject requests (UU PDP 27/2022, issue 14 item 4), answered at the
 * door from its own database. The person's visits are found by the keyed hash of their NIK; `find` lists them without
 * personal data (NIK masked), `export` (an officer, with their PIN, recorded in their name) writes every record about
 * them (JSON, or a printable page in Indonesian), and
 * `erase` (a head, with a reason and their PIN; refused while a visit is open) erases their personal fields and free
 * text, keeping the events so the hash chain verifies.
 */
import { Command } from 'commander';
import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { UserError } from '../domain/errors.js';
import { formatTime } from '../domain/time.js';
import { SubjectService } from '../app/subject.js';
import { loadOrCreateSecret } from '../adapters/os/secret-file.js';
import { Answers } from './answers.js';
import { action, out, withServices } from './context.js';
import { subjectHtml } from './subject-html.js';

/** Register `pintu subject`. */
export function subjectCommands(program: Command): void {
  const subject = program.command('subject').description('data-subject requests (UU PDP): find, export or erase what this door holds about one person, by NIK');

  subject.command('find')
    .description('the visits of the person with this NIK (matched by its keyed hash; NIK shown masked)')
    .requiredOption('--nik <nik>', 'the person\'s NIK (16 digits)')
    .action(action(function (this: Command, o: { nik: string }) {
      const { r, tz } = withServices(this, ({ store, config }) => ({
        r: new SubjectService(store, loadOrCreateSecret(config.dataDir), () => store.clock.now()).find(o.nik), tz: config.visits.timeZone,
      }));
      out(this, r, () => [
        `NIK ${r.nikMasked}: ${r.visits.length} visit${r.visits.length === 1 ? '' : 's'} with personal data at this door`,
        ...r.visits.map((v) => `  ${v.visit}  ${v.state.padEnd(11)}  requested ${formatTime(v.requestedAt, tz)}  ${v.org}${v.open ? '  (open)' : ''}`),
      ].join('\n'));
    }));

  subject.command('export')
    .description('every record about the person: their visits with all fields, incident-book entries and events naming them')
    .requiredOption('--nik <nik>', 'the person\'s NIK (16 digits)')
    .option('--format <format>', 'json | html (a printable page in Indonesian)', 'json')
    .option('--out <file>', 'write to this new file (mode 0600) instead of stdout')
    .requiredOption('--by <officer>', 'the officer answering the request (asked for their PIN; recorded)')
    .action(action(async function (this: Command, o: { nik: string; format: string; out?: string; by: string }) {
      if (o.format !== 'json' && o.format !== 'html') throw new UserError(`--format "${o.format}" must be json or html`);
      const format = o.format;
      const file = o.out ? resolve(o.out) : null;
      if (file && existsSync(file)) throw new UserError(`--out: ${file} exists; choose a new file name`);
      // Everything about a person leaves the door: the officer answering proves who they are (PIN), as a reveal or an
      // erasure does, so subject.exported names who really did it.
      const by = o.by.trim().toUpperCase();
      withServices(this, ({ store }) => {
        const who = store.officer(by);
        if (!who) throw new UserError(`--by: no officer with id "${o.by}"`);
        if (!who.active) throw new UserError(`officer ${who.id} is deactivated`);
      });
      const pin = await new Answers().pin(`PIN of officer ${by}`);
      const text = withServices(this, ({ store, config, officers }) => {
        const who = officers.requirePin(by, pin, `the PIN of officer ${by}`);
        const now = store.clock.now();
        const r = new SubjectService(store, loadOrCreateSecret(config.dataDir), () => store.clock.now()).export(o.nik, format, who.id);
        return format === 'html'
          ? subjectHtml(r, { site: config.site, door: config.door.id, timeZone: config.visits.timeZone, now })
          : JSON.stringify({ site: config.site, door: config.door.id, exportedAt: new Date(now).toISOString(), ...r }, null, 2) + '\n';
      });
      if (!file) { process.stdout.write(text); return; }
      // Personal data: readable by the service user only, and never written over an existing file.
      writeFileSync(file, text, { mode: 0o600, flag: 'wx' });
      out(this, { file }, () => `written to ${file} (mode 0600): hand it to the person, then delete it`);
    }));

  subject.command('erase')
    .description('erase the person\'s name, NIK, phone, hashes and free text on all their visits (a head, with a reason and PIN; refused while a visit is open; events stay)')
    .requiredOption('--nik <nik>', 'the person\'s NIK (16 digits)')
    .requiredOption('--by <officer>', 'the head erasing (asked for their PIN)')
    .requiredOption('--reason <text>', 'the request being answered (recorded)')
    .action(action(async function (this: Command, o: { nik: string; by: string; reason: string }) {
      if (!o.reason.trim()) throw new UserError('--reason: say which request is being answered (recorded with the head)');
      const head = o.by.trim().toUpperCase();
      // Only a head may erase: said before the PIN is asked (the service checks again, inside the transaction).
      withServices(this, ({ store }) => {
        const who = store.officer(head);
        if (!who) throw new UserError(`--by: no officer with id "${o.by}"`);
        if (who.role !== 'head' || !who.active) throw new UserError(`officer ${who.id} is ${who.active ? who.role : 'deactivated'}; only an active head may erase a person's data`);
      });
      const pin = await new Answers().pin(`PIN of head ${head}`);
      const r = withServices(this, ({ store, config, officers }) => {
        const who = officers.requirePin(head, pin, `the PIN of officer ${head}`);
        return new SubjectService(store, loadOrCreateSecret(config.dataDir), () => store.clock.now()).erase(o.nik, who.id, o.reason);
      });
      out(this, r, () => `erased the personal data of ${r.visits.length} visit${r.visits.length === 1 ? '' : 's'} (${r.visits.join(', ')}) and ${r.incidentNotes} incident note(s); recorded as subject.erased`);
    }));
}
