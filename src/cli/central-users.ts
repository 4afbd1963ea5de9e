/**
 * `pintu central user …`: accounts of the central dashboard. `add` creates one (password typed twice on a terminal,
 * or one stdin line for scripts; never an argument, so it stays out of shell history and `ps`), `--totp` turns on the
 * second factor and prints the otpauth:// URI once; `list` shows accounts (never hashes or secrets).
 */
import type { Command } from 'commander';
import { audit } from '../central/audit.js';
import { loadCentralConfig } from '../central/config.js';
import { openCentralStore } from '../central/open.js';
import { CentralUsers, CENTRAL_ROLES, passwordProblem } from '../central/users.js';
import { formatTime } from '../domain/time.js';
import { Answers } from './answers.js';
import { action, collect, globals, out } from './context.js';

/** Register `central user …` under `central`. */
export function centralUserCommands(central: Command): void {
  const user = central.command('user').description('accounts of the central dashboard');

  user.command('add').description('create an account (password from the terminal, or one stdin line)')
    .argument('<id>', 'login id (2-32 lowercase letters, digits, . _ -)')
    .requiredOption('--name <name>', 'display name').requiredOption('--role <role>', CENTRAL_ROLES.join(' | '))
    .option('--site <site>', 'limit the account to this site (repeatable; default: every site)', collect)
    .option('--totp', 'require a TOTP code at sign-in (prints the otpauth:// URI once)')
    .action(action(async function (this: Command, id: string, o: { name: string; role: string; site?: string[]; totp?: boolean }) {
      const config = loadCentralConfig(globals(this).config);
      const store = await openCentralStore(config.store);
      try {
        const users = new CentralUsers(store.sql, { lockoutAttempts: config.console.lockoutAttempts, lockoutMinutes: config.console.lockoutMinutes });
        const password = await new Answers().newPassword(`user ${id}`, passwordProblem);
        const u = await users.add({ id, name: o.name, role: o.role, sites: o.site?.length ? o.site : null, password });
        const uri = o.totp ? await users.enableTotp(u.id) : null;
        await audit(store.sql, { actor: 'cli', action: 'user.added', detail: { user: u.id, role: u.role, sites: u.sites, totp: Boolean(uri) } });
        out(this, { id: u.id, role: u.role, sites: u.sites, totp: uri }, () => `user ${u.id} (${u.role}${u.sites ? `, sites ${u.sites.join(', ')}` : ', every site'}) created${uri ? `\nadd this to the authenticator app (shown once):\n${uri}` : ''}`);
      } finally {
        await store.close();
      }
    }));

  user.command('list').description('accounts: role, sites, second factor, lockout')
    .action(action(async function (this: Command) {
      const config = loadCentralConfig(globals(this).config);
      const store = await openCentralStore(config.store);
      try {
        const list = await new CentralUsers(store.sql, { lockoutAttempts: config.console.lockoutAttempts, lockoutMinutes: config.console.lockoutMinutes }).list();
        out(this, list, () => list.length ? list.map((u) => `${u.id.padEnd(16)} ${u.role.padEnd(9)} ${u.active ? 'active' : 'inactive'}  ${u.totp ? 'totp' : 'no-totp'}  ${u.sites ? u.sites.join(',') : '*'}${u.lockedUntil && u.lockedUntil > Date.now() ? `  locked until ${formatTime(u.lockedUntil, config.timeZone)}` : ''}`).join('\n') : 'no users (pintu central user add ID --name NAME --role head)');
      } finally {
        await store.close();
      }
    }));
}
