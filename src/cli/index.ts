#!/usr/bin/env node
/**
 * The `pintu` command line. Every command takes --config FILE and --json.
 */
import { Command, CommanderError } from 'commander';
import { DEFAULT_CONFIG_PATH } from '../config/load.js';
import { applyTestClockOffset } from '../app/test-clock.js';

// Test only (src/app/test-clock.ts): integration tests shift this process's clock to test clock faults; a no-op unless set.
applyTestClockOffset();

/** Registers a group of commands on the program. */
type Register = (program: Command) => void;

/**
 * Each top-level command's module, loaded only when that command runs (help loads them all): a CLI command then
 * compiles a fraction of the code, which matters when officers' scripts run many commands on a Pi.
 */
const GROUPS: Record<string, () => Promise<Register>> = {
  people: async () => (await import('./people.js')).peopleCommands,
  visit: async () => (await import('./visit.js')).visitCommands,
  door: async () => (await import('./door.js')).doorCommands,
  keys: async () => (await import('./keys.js')).keysCommands,
  central: async () => (await import('./central.js')).centralCommands,
  demo: async () => (await import('./demo.js')).demoCommand,
  desk: async () => (await import('./desk.js')).deskCommand,
  maintenance: async () => (await import('./maintenance.js')).maintenanceCommands,
  console: async () => (await import('./console.js')).consoleCommands,
  muster: async () => (await import('./muster.js')).musterCommand,
  privacy: async () => (await import('./privacy.js')).privacyCommands,
  subject: async () => (await import('./subject.js')).subjectCommands,
  watchlist: async () => (await import('./watchlist.js')).watchlistCommands,
};
const GROUP_OF: Record<string, keyof typeof GROUPS> = {
  officer: 'people', badge: 'people', setup: 'people', visit: 'visit', incident: 'visit',
  run: 'door', status: 'door', events: 'door', door: 'door', 'relay-off': 'door', config: 'door',
  keys: 'keys', central: 'central', demo: 'demo', desk: 'desk', console: 'console', muster: 'muster', privacy: 'privacy', subject: 'subject', watchlist: 'watchlist',
  health: 'maintenance', backup: 'maintenance', restore: 'maintenance', purge: 'maintenance', hw: 'maintenance', clock: 'maintenance',
};

/** The first word on the command line that is not a global option or its value. */
function commandWord(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-c' || a === '--config') { i += 1; continue; }
    if (a.startsWith('-')) continue;
    return a;
  }
  return undefined;
}

const program = new Command('pintu')
  .description('pintu — server-room door controller (SOP-driven visits, badges, KTP, strike relay)')
  .version('0.1.0')
  .option('-c, --config <file>', `config file (default: $PINTU_CONFIG or ${DEFAULT_CONFIG_PATH})`)
  .option('--json', 'machine-readable output')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

const word = commandWord(process.argv.slice(2));

// `pintu events | head -1`: the reader of our output went away. Stop quietly, as Unix tools do, instead of a stack
// trace. (Not for the daemon, whose output is the journal: there an unexpected error stays fatal and fail-secure.)
if (word !== 'run') {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
}
const only = word !== undefined ? GROUP_OF[word] : undefined;
// `pintu --version` needs no command at all; help and unknown words load every group (to list them).
const versionOnly = word === undefined && process.argv.slice(2).some((a) => a === '-V' || a === '--version');
if (!versionOnly) for (const name of only ? [only] : Object.keys(GROUPS)) (await GROUPS[name]!())(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Help and version exit 0; a bad command line exits 2 (commander already printed what was wrong).
    process.exitCode = err.exitCode === 0 ? 0 : 2;
  } else {
    process.stderr.write(`pintu: error: ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}
