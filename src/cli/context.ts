/**
 * What every CLI command shares: global options, config loading, output in human or JSON form,
 * and error handling (a UserError exits 2 with its message; anything else exits 1).
 */
import type { Command } from 'commander';
import { loadConfig, DEFAULT_CONFIG_PATH } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { UserError } from '../domain/errors.js';
import { cliMessage } from './input.js';
import { dropToDataDirOwner } from '../adapters/os/privileges.js';
import { checkDataDir } from '../config/data-dir.js';
import { officerService, openStore, visitService, type DoorStore } from '../main.js';
import type { VisitService } from '../app/visit-service.js';
import type { OfficerService } from '../app/officer-service.js';

/** Global options every command accepts. */
export interface GlobalOptions {
  /** Config file path. */
  config: string;
  /** Machine-readable output. */
  json?: boolean;
}

/** The global options of a command (its own merged with the program's). */
export function globals(cmd: Command): GlobalOptions {
  const o = cmd.optsWithGlobals<GlobalOptions>();
  return { config: o.config ?? process.env.PINTU_CONFIG ?? DEFAULT_CONFIG_PATH, json: o.json ?? false };
}

/**
 * Load the config named by the command's --config; then, unless `dataDir: false` (relay-off must work whatever the
 * data dir's state), become the data dir's owner when run as root and check the data dir, before anything is opened.
 */
export function configOf(cmd: Command, opts: { dataDir?: boolean } = {}): Config {
  const config = loadConfig(globals(cmd).config);
  if (opts.dataDir !== false) {
    dropToDataDirOwner(config.dataDir);
    checkDataDir(config.dataDir);
  }
  return config;
}

/** Open the store and the officer-side services for one command, run `fn`, close. */
export function withServices<T>(cmd: Command, fn: (s: { config: Config; store: DoorStore; visits: VisitService; officers: OfficerService }) => T): T {
  const config = configOf(cmd);
  const store = openStore(config);
  try {
    return fn({ config, store, visits: visitService(config, store), officers: officerService(config, store) });
  } finally {
    store.db.close();
  }
}

/** Print a result: JSON (one value) with --json, otherwise the human text. */
export function out(cmd: Command, value: unknown, human: () => string): void {
  if (globals(cmd).json) process.stdout.write(JSON.stringify(value) + '\n');
  else process.stdout.write(human() + '\n');
}

/** Wrap an action: UserError → message (naming this command's flag for the input, src/cli/input.ts) + exit 2; other errors → message + exit 1. */
export function action<A extends unknown[]>(fn: (this: Command, ...args: A) => void | Promise<void>): (this: Command, ...args: A) => Promise<void> {
  return async function (this: Command, ...args: A) {
    try {
      await fn.apply(this, args);
    } catch (err) {
      if (err instanceof UserError) {
        process.stderr.write(`pintu: ${cliMessage(err, (flag) => this.options.some((o) => o.long === flag))}\n`);
        process.exitCode = 2;
      } else {
        process.stderr.write(`pintu: error: ${(err as Error).message}\n`);
        process.exitCode = 1;
      }
    }
  };
}

/** Collect a repeatable option into an array. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Parse a positive integer option or throw naming it. */
export function intOption(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UserError(`${name} "${value}" must be a whole number ≥ 0`);
  return n;
}
