/**
 * `pintu officer …` and `pintu badge …`: the officers and the special visitor badge pool.
 */
import { Command } from 'commander';
import { action, out, withServices } from './context.js';

/** Register the officer and badge commands. */
export function peopleCommands(program: Command): void {
  const officer = program.command('officer').description('officers (staff, coordinator, head) and their badges');
  officer.command('add')
    .description('register an officer with their own badge')
    .requiredOption('--name <name>', 'full name')
    .requiredOption('--role <role>', 'staff | coordinator | head')
    .requiredOption('--badge <uid>', "UID of the officer's badge (hex)")
    .action(action(function (this: Command, o: { name: string; role: string; badge: string }) {
      const r = withServices(this, ({ visits }) => visits.addOfficer(o.name, o.role, o.badge));
      out(this, { id: r.id, role: r.role, badge: r.badgeUid }, () => `officer ${r.id} added (${r.role}, badge ${r.badgeUid})`);
    }));
  officer.command('list')
    .description('list officers')
    .action(action(function (this: Command) {
      const list = withServices(this, ({ store }) => store.officers());
      out(this, list, () => list.map((o) => `${o.id}\t${o.role}\t${o.active ? 'active' : 'inactive'}\t${o.presence}\t${o.badgeUid}\t${o.name}`).join('\n') || '(no officers)');
    }));
  for (const [name, active] of [['deactivate', false], ['activate', true]] as const) {
    officer.command(`${name} <id>`)
      .description(`${name} an officer (their badge ${active ? 'opens' : 'no longer opens'} the door)`)
      .requiredOption('--by <officer>', 'head making the change')
      .action(action(function (this: Command, id: string, o: { by: string }) {
        const r = withServices(this, ({ visits }) => visits.setOfficerActive(id, active, o.by));
        out(this, { id: r.id, active: r.active }, () => `officer ${r.id} ${active ? 'activated' : 'deactivated'}`);
      }));
  }

  const badge = program.command('badge').description('the pool of special visitor badges');
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
  badge.command('retire <badge>')
    .description('take a badge (UID or label) out of the pool')
    .requiredOption('--by <officer>', 'officer')
    .action(action(function (this: Command, id: string, o: { by: string }) {
      const b = withServices(this, ({ visits }) => visits.retireBadge(id, o.by));
      out(this, b, () => `badge ${b.label} retired`);
    }));
}
