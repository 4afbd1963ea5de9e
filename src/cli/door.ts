/**
 * `pintu run`, `pintu status`, `pintu events`, `pintu door enable|disable`, `pintu relay-off`, `pintu config check`.
 */
import { Command } from 'commander';
import { createLogger } from '../adapters/log/pino.js';
import { createDoorIo, openStore, runDoor } from '../main.js';
import type { StorePort, StoredEvent } from '../ports/store.js';
import { daemonState, runningDaemonPid } from '../app/daemon-check.js';
import { realProcessEnv } from '../adapters/os/system.js';
import type { ProcessEnv } from '../ports/system.js';
import { formatTime } from '../domain/time.js';
import { action, configOf, globals, intOption, out, withServices } from './context.js';
import { relayOff, relayOffLine } from './relay-off.js';
import { runDirOf } from '../adapters/os/relay-record.js';
import { forceRelayOff } from '../adapters/gpio/relay-off.js';

/** What is known of the daemon (src/app/daemon-check.ts). */
export type { DaemonState } from '../app/daemon-check.js';

/** Who is inside and what the door is doing, from the database the daemon keeps fresh. */
export function doorSnapshot(store: StorePort, now = Date.now(), env: ProcessEnv = realProcessEnv()) {
  const s = store.doorStatus();
  const alive = runningDaemonPid(store, env) !== null;
  const daemon = daemonState(store, env, now);
  const running = daemon === 'running';
  // Only a running daemon (or its clean stop, which drives the relay off and records "locked") tells the lock state.
  const known = daemon === 'running' || daemon === 'not running';
  const officers = store.officersInside().map((o) => ({ id: o.id, name: o.name, role: o.role }));
  const visitors = store.visitsInside()
    .map((v) => ({ visit: v.id, name: v.visitor.name, org: v.visitor.org, badge: v.badgeUid ? store.badge(v.badgeUid)?.label ?? v.badgeUid : null, state: v.state }));
  return {
    door: store.door, mode: s.mode, daemon, pid: s.daemonPid !== null && alive ? s.daemonPid : null, lastPid: s.daemonPid,
    lock: !known ? 'unknown' : s.locked ? 'locked' : 'unlocked', position: !known || s.open === null ? 'unknown' : s.open ? 'open' : 'closed',
    openSince: s.openSince ? new Date(s.openSince).toISOString() : null,
    heartbeatAt: s.heartbeatAt ? new Date(s.heartbeatAt).toISOString() : null,
    inside: { officers, visitors, count: officers.length + visitors.length },
    lastSeq: store.events.lastSeq(),
    // Link to the central office: connected only while the daemon runs and its MQTT connection is up.
    central: running && store.linkStatus().row?.connected ? 'connected' : 'disconnected',
    backlog: Math.max(0, store.events.lastSeq() - (store.linkStatus().row?.ackedSeq ?? 0)),
  };
}

/** The first line of `pintu status`: what is known about the lock and the daemon, honestly. */
export function statusHeadline(snap: ReturnType<typeof doorSnapshot>, timeZone: string): string {
  const seen = formatTime(snap.heartbeatAt ? Date.parse(snap.heartbeatAt) : null, timeZone);
  const disabled = snap.mode === 'disabled' ? ' (DISABLED)' : '';
  switch (snap.daemon) {
    case 'running':
      return `door ${snap.door}: ${snap.lock}, ${snap.position}${disabled} — daemon running (pid ${snap.pid})`;
    case 'not running':
      return `door ${snap.door}: ${snap.lock}${disabled} — daemon not running (badges are not read until it starts)`;
    case 'crashed':
      return `door ${snap.door}: lock state unknown${disabled} — daemon not running (last seen ${seen}, pid ${snap.lastPid} is gone; it did not stop cleanly). ` +
        'Badges are not read; the strike relay is off only if systemd ran `pintu relay-off` after it: run it to be sure';
    case 'not responding':
      return `door ${snap.door}: lock state unknown${disabled} — daemon (pid ${snap.pid}) not responding (last heartbeat ${seen})`;
  }
}

/** One event as a human line. */
export function eventLine(e: StoredEvent, timeZone: string): string {
  const fields = Object.entries(e.data).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
  return `${String(e.seq).padStart(6)}  ${formatTime(Date.parse(e.at), timeZone)}  ${e.type.padEnd(24)} ${fields}`;
}

/** Register the daemon and door commands. */
export function doorCommands(program: Command): void {
  program.command('run')
    .description('run the door controller daemon')
    .action(action(async function (this: Command) {
      const config = configOf(this);
      await runDoor(config, createLogger(config.log.level));
    }));

  program.command('status')
    .description('door locked/unlocked, open/closed, and who is inside')
    .action(action(function (this: Command) {
      const { snap, tz } = withServices(this, ({ store, config }) => ({ snap: doorSnapshot(store), tz: config.visits.timeZone }));
      out(this, snap, () => [
        statusHeadline(snap, tz),
        `inside (${snap.inside.count}):`,
        ...snap.inside.officers.map((o) => `  officer ${o.id} ${o.name} (${o.role})`),
        ...snap.inside.visitors.map((v) => `  visitor ${v.visit} ${v.name}, ${v.org}, badge ${v.badge}${v.state === 'revoked' ? ' — REVOKED' : ''}`),
        `last event #${snap.lastSeq}${snap.heartbeatAt ? `, heartbeat ${formatTime(Date.parse(snap.heartbeatAt), tz)}` : ''}`,
        `central office: ${snap.central}, ${snap.backlog} event(s) not yet acknowledged`,
      ].join('\n'));
    }));

  program.command('events')
    .description('the event log (with --json: one JSON object per line)')
    .option('--since <seq>', 'only events after this sequence number', '0')
    .option('--type <prefix>', 'only events whose type starts with this (e.g. access. or door.forced)')
    .option('--limit <n>', 'at most this many (without --follow)')
    .option('--follow', 'keep printing new events as they are written')
    .action(action(async function (this: Command, o: { since: string; type?: string; limit?: string; follow?: boolean }) {
      const json = globals(this).json;
      const config = configOf(this);
      const store = openStore(config);
      let since = intOption(o.since, '--since');
      let left = o.limit !== undefined ? intOption(o.limit, '--limit') : Infinity;
      const print = (): void => {
        for (;;) {
          const batch = store.events.since(since, 500);
          for (const e of batch) {
            since = e.seq;
            if (o.type && !e.type.startsWith(o.type)) continue;
            if (left <= 0) return;
            left -= 1;
            process.stdout.write((json ? JSON.stringify({ seq: e.seq, type: e.type, at: e.at, door: e.door, ...e.data }) : eventLine(e, config.visits.timeZone)) + '\n');
          }
          if (batch.length < 500) return;
        }
      };
      try {
        print();
        if (!o.follow) return;
        await new Promise<void>((resolve) => {
          const t = setInterval(() => { try { print(); } catch (err) { clearInterval(t); process.stderr.write(`pintu: ${(err as Error).message}\n`); resolve(); } }, 200);
          const stop = (): void => { clearInterval(t); resolve(); };
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
          process.stdout.once('error', stop);
        });
      } finally {
        store.db.close();
      }
    }));

  const door = program.command('door').description('administrative door state');
  for (const mode of ['enable', 'disable'] as const) {
    door.command(mode)
      .description(mode === 'disable' ? 'refuse every badge (the exit button still opens the door)' : 'accept badges again')
      .requiredOption('--by <officer>', 'coordinator or head')
      .option('--reason <reason>', 'why')
      .action(action(function (this: Command, o: { by: string; reason?: string }) {
        withServices(this, ({ visits }) => visits.setDoorMode(mode === 'enable' ? 'enabled' : 'disabled', o.by, o.reason));
        out(this, { mode: `${mode}d` }, () => `door ${mode}d`);
      }));
  }

  program.command('relay-off')
    .description('drive the strike relay off (systemd ExecStopPost; works while the daemon is dead): from the daemon\'s /run record of the pin it used, else from the config')
    .option('--run-dir <dir>', 'where the daemon\'s relay.json is (default: $PINTU_RUN_DIR, $RUNTIME_DIRECTORY or /run/pintu)')
    .action(action(async function (this: Command, o: { runDir?: string }) {
      const log = createLogger('warn', 2);
      const r = await relayOff({
        runDir: runDirOf(o.runDir),
        loadConfig: () => configOf(this, { dataDir: false }),
        drivePin: (info) => forceRelayOff(info, log),
        driveConfigured: async (config) => {
          const io = await createDoorIo(config, log);
          io.relay.set(false);
          io.close();
        },
      });
      out(this, { relay: 'off', ...r }, () => relayOffLine(r));
    }));

  program.command('config')
    .description('configuration')
    .command('check')
    .description('validate the config file and print the effective configuration')
    .action(action(function (this: Command) {
      const config = configOf(this);
      out(this, config, () => `config ${globals(this).config} is valid (site ${config.site}, door ${config.door.id}, ${config.readers.length} readers, hardware ${config.hardware})`);
    }));
}
