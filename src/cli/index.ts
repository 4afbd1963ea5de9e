#!/usr/bin/env node
/**
 * The `pintu` command line. Every command takes --config FILE and --json.
 */
import { Command, CommanderError } from 'commander';
import { DEFAULT_CONFIG_PATH } from '../config/load.js';
import { peopleCommands } from './people.js';
import { visitCommands } from './visit.js';
import { doorCommands } from './door.js';
import { keysCommands } from './keys.js';
import { centralCommands } from './central.js';
import { demoCommand } from './demo.js';
import { deskCommand } from './desk.js';
import { maintenanceCommands } from './maintenance.js';

const program = new Command('pintu')
  .description('pintu — server-room door controller (SOP-driven visits, badges, KTP, strike relay)')
  .version('0.1.0')
  .option('-c, --config <file>', `config file (default: $PINTU_CONFIG or ${DEFAULT_CONFIG_PATH})`)
  .option('--json', 'machine-readable output')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

peopleCommands(program);
visitCommands(program);
doorCommands(program);
keysCommands(program);
centralCommands(program);
demoCommand(program);
deskCommand(program);
maintenanceCommands(program);

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
