/**
 * `pintu setup`, `pintu officer …` and `pintu badge …`: the first head, the officers (every change by a head who gives
 * their PIN) and their console PINs, and the special visitor badge pool.
 */
import { Command } from 'commander';
import { Refused, UserError } from '../domain/errors.js';
import type { Role } from '../domain/types.js';
import { Answers } from './answers.js';
import { action, configOf, out, withServices } from './context.js';
import { ensureDataKey } from './privacy.js';
import { badgeEnrolCommands } from './badge-enrol.js';
import { badgeKeyCommands, ensureBadgeKeys } from './badge-keys.js';

/** Why `pintu setup` is refused once a head exists. */
const SETUP_DONE = 'a head is already registered: setup is done; a head manages officers (pintu officer add --by HEAD, or the console)';

/**
 * The PIN of the head named by --by, asked before an officer change (after setup only a head changes officers);
 * before setup, the way to the first head. The PIN is checked (and counted toward the lock) by the service.
 */
async function headPin(cmd: Command, by: string | undefined): Promise<string> {
  if (!withServices(cmd, ({ officers }) => officers.hasHead())) throw new UserError('no head is registered yet: run pintu setup first (it creates the first head, with a PIN)');
  if (by === undefined) throw new UserError("--by HEAD is required: officers are managed by a head, who gives their PIN");
  return new Answers().pin(`PIN of head ${by.trim().toUpperCase()}`);
}

/** Register the officer and badge commands. */
export function peopleCommands(program: Command): void {
  program.command('setup')
    .description('create the FIRST head, with a console PIN (refused once a head exists); on a terminal it asks, for scripts give --name and --badge and the PIN on stdin')
    .option('--name <name>', "the head's full name")
    .option('--badge <uid>', "UID of the head's own badge (hex)")
    .action(action(async function (this: Command, o: { name?: string; badge?: string }) {
      const rootConfig = configOf(this, { dataDir: false });
      ensureDataKey(rootConfig);
      ensureBadgeKeys(rootConfig);
      if (withServices(this, ({ officers }) => officers.hasHead())) throw new Refused(SETUP_DONE);
      const answers = new Answers();
      const name = o.name ?? await answers.text('full name of the first head: ', '--name is required when stdin is not a terminal');
      const badge = o.badge ?? await answers.text('UID of their badge (hex): ', '--badge is required when stdin is not a terminal');
      const pin = await answers.newPin('the first head');
      const r = withServices(this, ({ officers }) => {
        if (officers.hasHead()) throw new Refused(SETUP_DONE);
        return officers.setupFirstHead({ name, badge, pin });
      });
      out(this, { id: r.id, role: r.role, badge: r.badgeUid }, () => `head ${r.id} created (badge ${r.badgeUid}) with a console PIN; this head now adds the other officers`);
    }));

  const officer = program.command('officer').description('officers (staff, coordinator, head) and their badges');
  officer.command('add')
    .description("register an officer with their own badge (a head's change: --by HEAD and that head's PIN)")
    .requiredOption('--name <name>', 'full name')
    .requiredOption('--role <role>', 'staff | coordinator | head')
    .requiredOption('--badge <uid>', "UID of the officer's badge (hex)")
    .option('--by <officer>', 'head making the change (asked for their PIN)')
    .action(action(async function (this: Command, o: { name: string; role: string; badge: string; by?: string }) {
      const pin = await headPin(this, o.by);
      const r = withServices(this, ({ officers }) => {
        const head = officers.requirePin(o.by!, pin, `the PIN of officer ${o.by!.toUpperCase()}`);
        return officers.addOfficer(head.id, { name: o.name, role: o.role as Role, badge: o.badge });
      });
      out(this, { id: r.id, role: r.role, badge: r.badgeUid }, () => `officer ${r.id} added (${r.role}, badge ${r.badgeUid}); set their PIN with pintu officer pin ${r.id}`);
    }));
  officer.command('list')
    .description('list officers')
    .action(action(function (this: Command) {
      const list = withServices(this, ({ store }) => store.officers());
      out(this, list, () => list.map((o) => `${o.id}\t${o.role}\t${o.active ? 'active' : 'inactive'}\t${o.presence}\t${o.badgeUid}\t${o.name}`).join('\n') || '(no officers)');
    }));
  for (const [name, active] of [['deactivate', false], ['activate', true]] as const) {
    officer.command(`${name} <id>`)
      .description(`${name} an officer (their badge ${active ? 'opens' : 'no longer opens'} the door); a head's change: --by HEAD and that head's PIN`)
      .option('--by <officer>', 'head making the change (asked for their PIN)')
      .action(action(async function (this: Command, id: string, o: { by?: string }) {
        const pin = await headPin(this, o.by);
        const r = withServices(this, ({ officers }) => officers.setActive(officers.requirePin(o.by!, pin, `the PIN of officer ${o.by!.toUpperCase()}`).id, id, active));
        out(this, { id: r.id, active: r.active }, () => `officer ${r.id} ${active ? 'activated' : 'deactivated'}`);
      }));
  }
  officer.command('role <id> <role>')
    .description("change an officer's role (staff | coordinator | head); a head's change: --by HEAD and that head's PIN")
    .option('--by <officer>', 'head making the change (asked for their PIN)')
    .action(action(async function (this: Command, id: string, role: string, o: { by?: string }) {
      const pin = await headPin(this, o.by);
      const r = withServices(this, ({ officers }) => officers.setRole(officers.requirePin(o.by!, pin, `the PIN of officer ${o.by!.toUpperCase()}`).id, id, role as Role));
      out(this, { id: r.id, role: r.role }, () => `officer ${r.id} is now ${r.role}`);
    }));
  officer.command('pin <id>')
    .description("set an officer's console PIN: the first one as is; a change needs the current PIN, or --by HEAD and that head's PIN")
    .option('--by <officer>', 'a head resetting the PIN (asked for their PIN)')
    .action(action(async function (this: Command, id: string, o: { by?: string }) {
      const answers = new Answers();
      const { who, has } = withServices(this, ({ officers, store }) => {
        const has = officers.hasPin(id);
        return { who: store.officer(id.trim().toUpperCase())!.id, has };
      });
      if (o.by !== undefined) {
        const head = o.by.trim().toUpperCase();
        const pin = await answers.pin(`PIN of head ${head}`);
        withServices(this, ({ officers }) => officers.requirePin(head, pin, `the PIN of officer ${head}`));
        const next = await answers.newPin(`officer ${who}`);
        withServices(this, ({ officers }) => officers.setPin(head, who, next));
      } else if (has) {
        const current = await answers.pin(`current PIN of officer ${who}`);
        withServices(this, ({ officers }) => officers.requirePin(who, current, `the current PIN of officer ${who}`));
        const next = await answers.newPin(`officer ${who}`);
        withServices(this, ({ officers }) => officers.changeOwnPin(who, current, next));
      } else {
        const next = await answers.newPin(`officer ${who}`);
        withServices(this, ({ officers }) => officers.setFirstPin(who, next));
      }
      out(this, { id: who, pin: 'set' }, () => `PIN of officer ${who} set`);
    }));

  const badge = program.command('badge').description('the pool of special visitor badges, and secure badges written on the desk reader');
  badgeKeyCommands(badge);
  badge.command('add')
    .description('add a special visitor badge to the pool')
    .requiredOption('--uid <uid>', 'card UID (hex)')
    .requiredOption('--label <label>', 'label printed on the card, e.g. TAMU-01')
    .action(action(function (this: Command, o: { uid: string; label: string }) {
      const b = withServices(this, ({ visits }) => visits.addBadge(o.uid, o.label));
      out(this, { id: b.uid, uid: b.uid, label: b.label }, () => `badge ${b.label} (${b.uid}) added to the pool`);
    }));
  badge.command('list')
    .description('list the badge pool')
    .action(action(function (this: Command) {
      const list = withServices(this, ({ store }) => store.badges());
      out(this, list, () => list.map((b) => `${b.label}\t${b.uid}\t${b.status}${b.status === 'issued' ? `\t${b.visitId}` : ''}`).join('\n') || '(no badges)');
    }));
  // enroll, and retire (which resets an enrolled card by tap): src/cli/badge-enrol.ts.
  badgeEnrolCommands(badge);
  badge.command('found <badge>')
    .description('a head puts a found lost badge (UID or label) back in the pool')
    .requiredOption('--by <officer>', 'head officer id')
    .action(action(function (this: Command, id: string, o: { by: string }) {
      const b = withServices(this, ({ visits }) => visits.badgeFound(id, o.by));
      out(this, b, () => `badge ${b.label} is back in the pool`);
    }));
}
