/**
 * Maintenance commands: `pintu health`, `pintu backup FILE`, `pintu restore FILE`, `pintu purge`, `pintu hw test`.
 */
import { Command } from 'commander';
import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { createLogger } from '../adapters/log/pino.js';
import { UserError } from '../domain/errors.js';
import { HOUR_MS, formatTime } from '../domain/time.js';
import { createReader, readerExtras } from '../adapters/readers.js';
import { DB_FILE, checklistOptions, createDoorIo, dataCipher, openStore } from '../main.js';
import { checkDataKey } from '../adapters/sqlite/at-rest.js';
import { HEALTH_EXIT, formatReport, healthExitCode, recordReport, runChecklist } from '../app/health/checklist.js';
import { realProcessEnv, realSystem } from '../adapters/os/system.js';
import { daemonState, refuseWhileDaemonRuns, runningDaemonPid } from '../app/daemon-check.js';
import { restoreFile } from '../adapters/sqlite/backup.js';
import { expireRequests, purgePersonalData } from '../app/maintenance/purge.js';
import { formatDestructionRecords, newestDestructionRecords } from './purge-report.js';
import { hwTestProblems, relayOffOnSignals, runHwTest } from '../app/hw-test.js';
import { action, configOf, intOption, out, withServices } from './context.js';
import { event } from '../domain/events.js';
import { clockStatusCommand } from './clock.js';

/** Register the maintenance commands. */
export function maintenanceCommands(program: Command): void {
  program.command('health')
    .description('SOP 002 health checklist of this controller (stored as a health.report event); exit 0 ok (warnings too), 1 a check failed, 2 the daemon is not running, 3 the checklist could not run')
    .action(async function (this: Command) {
      // Exit codes for scripts and monitoring (README, "Health"): the daemon's absence outranks a failed item.
      try {
        const { report, tz } = withServices(this, ({ store, config }) => {
          const env = realProcessEnv();
          const opts = { ...checklistOptions(config, runningDaemonPid(store, env)), daemonState: daemonState(store, env, Date.now()), clockFaults: () => store.clock.faults() };
          const r = runChecklist(store, opts, realSystem());
          recordReport(store, r, Date.now(), 'manual');
          return { report: r, tz: config.visits.timeZone };
        });
        out(this, report, () => formatReport(report, tz));
        process.exitCode = healthExitCode(report);
      } catch (err) {
        process.stderr.write(`pintu: health: the checklist could not run: ${(err as Error).message}\n`);
        process.exitCode = HEALTH_EXIT.cannotCheck;
      }
    });

  program.command('backup')
    .description('consistent copy of the database (safe while the daemon runs)')
    .argument('<file>', 'backup file to write')
    .action(action(async function (this: Command, file: string) {
      const config = configOf(this);
      const target = resolve(file);
      if (existsSync(target)) throw new UserError(`${target} exists; choose a new file name`);
      const store = openStore(config);
      try {
        const r = await store.backupTo(target);
        store.tx(() => store.events.append([event('backup.made', { file: basename(target), bytes: r.bytes, ms: r.ms, trigger: 'manual' })], Date.now()));
        out(this, r, () => `backup written to ${r.file} (${r.bytes} bytes, ${r.ms} ms, integrity ok)`);
      } finally {
        store.db.close();
      }
    }));

  program.command('restore')
    .description('replace the database with a backup (the daemon must be stopped)')
    .argument('<file>', 'backup file')
    .action(action(function (this: Command, file: string) {
      const config = configOf(this);
      const dbPath = join(config.dataDir, DB_FILE);
      if (existsSync(dbPath)) {
        const store = openStore(config);
        try { refuseWhileDaemonRuns(store, 'restore', realProcessEnv()); } finally { store.db.close(); }
      }
      let r: { aside: string | null };
      // The backup's sealed personal fields must open with this door's data key (a stolen backup restored elsewhere does not).
      const cipher = dataCipher(config);
      try { r = restoreFile(resolve(file), dbPath, Date.now(), (db) => checkDataKey(db, cipher, { file: config.privacy.keyFile })); } catch (err) { throw new UserError(`restore refused: ${(err as Error).message}`); }
      const store = openStore(config);
      try {
        store.tx(() => store.events.append([event('backup.restored', { file: basename(file), previous: r.aside ? basename(r.aside) : null })], Date.now()));
      } finally { store.db.close(); }
      out(this, { restored: resolve(file), previous: r.aside }, () => `restored ${resolve(file)}${r.aside ? `; the previous database is kept as ${r.aside}` : ''}. Start the daemon: sudo systemctl start pintu`);
    }));

  program.command('purge')
    .description('expire requests that never reached the door, then erase visitors\' name, NIK, phone, KTP/NIK hashes and free text after privacy.retentionDays (UU PDP 27/2022)')
    .option('--dry-run', 'only show what would be purged')
    .option('--by <officer>', 'the officer running the purge (written in the destruction record)')
    .option('--report', 'print the destruction records (berita acara pemusnahan) of past purges; changes nothing')
    .option('--limit <n>', 'with --report: the newest N records (one per purge run, its batches merged)', '100')
    .action(action(function (this: Command, o: { dryRun?: boolean; by?: string; report?: boolean; limit: string }) {
      if (o.report) {
        const limit = intOption(o.limit, '--limit');
        const { records, config } = withServices(this, ({ store, config }) => ({ records: newestDestructionRecords((n) => store.eventsOfType('privacy.purged', n), limit), config }));
        out(this, records, () => formatDestructionRecords(records, { door: config.door.id, site: config.site, timeZone: config.visits.timeZone }));
        return;
      }
      const { r, refusal, tz, expired } = withServices(this, ({ store, config }) => {
        // Never on an untrusted clock (docs/clock.md): a wrong clock would delete personal data early, irreversibly.
        const clock = store.clock;
        const refusal = clock.maintenanceRefusal();
        // The app says what to do (a head confirms the clock); the CLI says how.
        if (clock.openJump()) refusal.push(`a head confirms the clock with: pintu clock confirm --by ID`);
        if (refusal.length && !o.dryRun) throw new UserError(`purge refused: ${refusal.join('; ')}`);
        let officer: string | undefined;
        if (o.by !== undefined) {
          const found = store.officer(o.by.trim().toUpperCase());
          if (!found || !found.active) throw new UserError(`--by: no active officer with id "${o.by}"`);
          officer = found.id;
        }
        const days = config.privacy.expireUndecidedDays;
        const expired = o.dryRun ? 0 : expireRequests(store, { now: Date.now(), undecidedDays: days }).length;
        const r = purgePersonalData(store, {
          retentionDays: config.privacy.retentionDays, now: Date.now(), dryRun: o.dryRun ?? false,
          run: { ranBy: 'cli', expireUndecidedDays: days, ...(officer ? { officer } : {}) },
        });
        return { r, refusal, tz: config.visits.timeZone, expired };
      });
      if (refusal.length) process.stderr.write(`pintu: warning: a real purge would be refused now: ${refusal.join('; ')}\n`);
      const t = (iso: string): string => formatTime(Date.parse(iso), tz);
      out(this, { ...r, expired }, () => [
        ...(expired ? [`expired ${expired} requests that never reached the door`] : []),
        `${r.dryRun ? 'would purge' : 'purged'} ${r.count} visits closed before ${t(r.cutoff)} (retention ${r.retentionDays} days): ${r.fields.join(', ')}`,
        ...r.visits.map((v) => `  ${v.visit}  ${v.state}  closed ${t(v.closedAt)}`),
        ...(!r.dryRun && r.count ? [`destruction record written (privacy.purged, ${r.batches} ${r.batches === 1 ? 'batch' : 'batches'}); print it with: pintu purge --report`] : []),
      ].join('\n'));
    }));

  const clock = program.command('clock').description('the clock guard (docs/clock.md)');
  clockStatusCommand(clock);
  clock.command('confirm')
    .description('after alarm.clock_jump: a head confirms the clock shows the right time, so the purge may run again')
    .requiredOption('--by <officer>', 'head officer id')
    .action(action(function (this: Command, o: { by: string }) {
      const j = withServices(this, ({ store }) => store.tx(() => {
        const officer = store.officer(o.by.trim().toUpperCase());
        if (!officer) throw new UserError(`--by: no officer with id "${o.by}"`);
        if (officer.role !== 'head' || !officer.active) throw new UserError(`officer ${officer.id} is not an active head; only a head may confirm the clock`);
        const done = store.clock.confirmJump(officer.id);
        if (!done) throw new UserError('no unconfirmed clock jump to confirm');
        store.events.append([event('clock.confirmed', { officer: officer.id, aheadMs: done.aheadMs, vouched: done.vouched })], Date.now());
        return done;
      }));
      out(this, j, () => `clock confirmed by ${j.confirmedBy}: the forward jump of ${Math.round(j.aheadMs / HOUR_MS)} h seen at ${j.detectedAt} is accepted`);
    }));

  program.command('hw')
    .description('hardware bring-up')
    .command('test')
    .description('click the relay, light the status LED and beep the buzzer, show door switch, exit button and mains live, read one tap from each door reader')
    .option('--seconds <n>', 'how long to show the inputs', '15')
    .option('--tap-timeout <n>', 'seconds to wait for a tap on each reader', '20')
    .action(action(async function (this: Command, o: { seconds: string; tapTimeout: string }) {
      const config = configOf(this);
      const store = openStore(config);
      try { refuseWhileDaemonRuns(store, 'hw test', realProcessEnv()); } finally { store.db.close(); }
      const seconds = intOption(o.seconds, '--seconds');
      const tapTimeoutMs = intOption(o.tapTimeout, '--tap-timeout') * 1000;
      const log = createLogger('warn', 2);
      const io = await createDoorIo(config, log);
      const release = relayOffOnSignals(io, (l) => process.stderr.write(`${l}\n`));
      try {
        const doorReaders = config.readers.filter((r) => r.direction !== 'desk');
        const extras = readerExtras(config.badges, doorReaders, log);
        const readers = await Promise.all(doorReaders.map((r) => createReader(r, log, extras)));
        // A serial reader on the header UART (its udev name or the kernel's): the config.txt block must enable the UART.
        const headerUart = config.readers.some((r) => r.kind === 'serial' && /(ttyAMA0|serial0|pintu-reader-in)$/.test(r.path ?? ''));
        const res = await runHwTest({
          io, readers, seconds, tapTimeoutMs, wiring: config.gpio, headerUart,
          print: (l) => { if (!this.optsWithGlobals<{ json?: boolean }>().json) process.stdout.write(l + '\n'); },
        });
        const problems = hwTestProblems(res);
        out(this, { ...res, ok: problems.length === 0, problems }, () => [
          `done: relay ${res.relay}, ${res.readers.filter((r) => r.result === 'read').length}/${res.readers.length} readers read a card`,
          ...(problems.length ? [`FAILED: ${problems.join('; ')}`] : ['all parts answered']),
        ].join('\n'));
        // A walk-through that saw nothing must not pass (an installer's script checks the exit status).
        if (problems.length) process.exitCode = 1;
      } finally {
        io.close();
        release();
      }
    }));
}
