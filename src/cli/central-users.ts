/**
 * `pintu central user …`: accounts of the central dashboard. `add` creates one (password typed twice on a terminal,
 * or one stdin line for scripts; never an argument, so it stays out of shell history and `ps`), `--totp` turns on the
 * second factor and prints the otpauth:// URI once; `list` shows accounts (never hashes or secrets); `set` changes the
 * role or sites, `disable`/`enable` stop or allow sign-in (never the last active head), `password` sets a new password,
 * `totp on|off` gives a new second factor or removes it, `unlock` ends a lockout. Every change is an audit entry with
 * the actor `cli`.
 */
import type { Command } from 'commander';
import { audit } from '../central/audit.js';
import { loadCentralConfig } from '../central/config.js';
import { openCentralStore } from '../central/open.js';
import type { SqlCentralStore } from '../central/sql-store.js';
import { CentralUsers, CENTRAL_ROLES, passwordProblem, type CentralUser } from '../central/users.js';
import { UserError } from '../domain/errors.js';
import { formatTime } from '../domain/time.js';
import { Answers } from './answers.js';
import { action, collect, globals, out } from './context.js';

/** The audit actor of changes made from the shell. */
const CLI_ACTOR = 'cli';

/** Run `fn` with the central store and its accounts, closing the store after. */
async function withUsers<T>(cmd: Command, fn: (users: CentralUsers, store: SqlCentralStore, timeZone: string) => Promise<T>): Promise<T> {
  const config = loadCentralConfig(globals(cmd).config);
  const store = await openCentralStore(config.store);
  try {
    return await fn(new CentralUsers(store.sql, { lockoutAttempts: config.console.lockoutAttempts, lockoutMinutes: config.console.lockoutMinutes }), store, config.timeZone);
  } finally {
    await store.close();
  }
}

/** One line of `user list`. */
function userLine(u: CentralUser, timeZone: string): string {
  const locked = u.lockedUntil && u.lockedUntil > Date.now() ? `  locked until ${formatTime(u.lockedUntil, timeZone)}` : '';
  return `${u.id.padEnd(16)} ${u.role.padEnd(9)} ${u.active ? 'active' : 'inactive'}  ${u.totp ? 'totp' : 'no-totp'}  ${u.sites ? u.sites.join(',') : '*'}${locked}`;
}

/** What an account is now, as `set`/`enable`/`disable` print it. */
function summary(u: CentralUser): string {
  return `user ${u.id}: ${u.role}, ${u.sites ? `sites ${u.sites.join(', ')}` : 'every site'}, ${u.active ? 'active' : 'inactive'}`;
}

/** Register `central user …` under `central`. */
export function centralUserCommands(central: Command): void {
  const user = central.command('user').description('accounts of the central dashboard');

  user.command('add').description('create an account (password from the terminal, or one stdin line)')
    .argument('<id>', 'login id (2-32 lowercase letters, digits, . _ -)')
    .requiredOption('--name <name>', 'display name').requiredOption('--role <role>', CENTRAL_ROLES.join(' | '))
    .option('--site <site>', 'limit the account to this site (repeatable; default: every site)', collect)
    .option('--totp', 'require a TOTP code at sign-in (prints the otpauth:// URI once)')
    .action(action(async function (this: Command, id: string, o: { name: string; role: string; site?: string[]; totp?: boolean }) {
      await withUsers(this, async (users, store) => {
        const password = await new Answers().newPassword(`user ${id}`, passwordProblem);
        const u = await users.add({ id, name: o.name, role: o.role, sites: o.site?.length ? o.site : null, password });
        const uri = o.totp ? await users.enableTotp(u.id) : null;
        await audit(store.sql, { actor: CLI_ACTOR, action: 'user.added', detail: { user: u.id, role: u.role, sites: u.sites, totp: Boolean(uri) } });
        out(this, { id: u.id, role: u.role, sites: u.sites, totp: uri }, () => `user ${u.id} (${u.role}${u.sites ? `, sites ${u.sites.join(', ')}` : ', every site'}) created${uri ? `\nadd this to the authenticator app (shown once):\n${uri}` : ''}`);
      });
    }));

  user.command('list').description('accounts: role, sites, second factor, lockout')
    .action(action(async function (this: Command) {
      await withUsers(this, async (users, _store, tz) => {
        const list = await users.list();
        out(this, list, () => list.length ? list.map((u) => userLine(u, tz)).join('\n') : 'no users (pintu central user add ID --name NAME --role head)');
      });
    }));

  user.command('set').description('change an account\'s role or sites (the last active head cannot be demoted)')
    .argument('<id>', 'login id')
    .option('--role <role>', CENTRAL_ROLES.join(' | '))
    .option('--site <site>', 'limit the account to these sites (repeatable; replaces the list)', collect)
    .option('--all-sites', 'let the account see every site')
    .action(action(async function (this: Command, id: string, o: { role?: string; site?: string[]; allSites?: boolean }) {
      if (o.site?.length && o.allSites) throw new UserError('give either --site or --all-sites, not both');
      if (!o.role && !o.site?.length && !o.allSites) throw new UserError('nothing to change: give --role, --site or --all-sites');
      await withUsers(this, async (users, store) => {
        const sites = o.allSites ? null : o.site?.length ? o.site : undefined;
        const u = await users.set(id, { ...(o.role ? { role: o.role } : {}), ...(sites !== undefined ? { sites } : {}) });
        await audit(store.sql, { actor: CLI_ACTOR, action: 'user.changed', detail: { user: u.id, role: u.role, sites: u.sites } });
        out(this, { id: u.id, role: u.role, sites: u.sites, active: u.active }, () => summary(u));
      });
    }));

  for (const [verb, active] of [['disable', false], ['enable', true]] as const) {
    user.command(verb).description(active ? 'let an account sign in again' : 'stop an account signing in (its sessions end; not the last active head)')
      .argument('<id>', 'login id')
      .action(action(async function (this: Command, id: string) {
        await withUsers(this, async (users, store) => {
          const u = await users.setActive(id, active);
          await audit(store.sql, { actor: CLI_ACTOR, action: active ? 'user.enabled' : 'user.disabled', detail: { user: u.id } });
          out(this, { id: u.id, active: u.active }, () => summary(u));
        });
      }));
  }

  user.command('password').description('set a new password (from the terminal, or one stdin line); also ends a lockout')
    .argument('<id>', 'login id')
    .action(action(async function (this: Command, id: string) {
      await withUsers(this, async (users, store) => {
        if (!(await users.get(id))) throw new UserError(`no user ${id}`);
        await users.setPassword(id, await new Answers().newPassword(`user ${id}`, passwordProblem));
        await audit(store.sql, { actor: CLI_ACTOR, action: 'user.password_reset', detail: { user: id } });
        out(this, { id, password: 'changed' }, () => `password of ${id} changed; ask them to change it at /account after signing in`);
      });
    }));

  user.command('totp').description('turn the TOTP second factor on (a new secret: the otpauth:// URI is printed once) or off')
    .argument('<id>', 'login id').argument('<on|off>', 'on: new secret; off: no second factor')
    .action(action(async function (this: Command, id: string, mode: string) {
      if (mode !== 'on' && mode !== 'off') throw new UserError(`"${mode}" is not on or off`);
      await withUsers(this, async (users, store) => {
        if (!(await users.get(id))) throw new UserError(`no user ${id}`);
        const uri = mode === 'on' ? await users.enableTotp(id) : (await users.disableTotp(id), null);
        await audit(store.sql, { actor: CLI_ACTOR, action: uri ? 'user.totp_set' : 'user.totp_removed', detail: { user: id } });
        out(this, { id, totp: uri }, () => uri ? `new second factor for ${id}; add this to the authenticator app (shown once):\n${uri}` : `second factor of ${id} removed`);
      });
    }));

  user.command('unlock').description('end a lockout after too many wrong attempts')
    .argument('<id>', 'login id')
    .action(action(async function (this: Command, id: string) {
      await withUsers(this, async (users, store) => {
        await users.unlock(id);
        await audit(store.sql, { actor: CLI_ACTOR, action: 'user.unlocked', detail: { user: id } });
        out(this, { id, locked: false }, () => `user ${id} unlocked`);
      });
    }));
}
