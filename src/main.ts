/**
 * The door's composition root: one page that shows how pintu is wired, and the door process's lifecycle (`runDoor`:
 * parts, signals, sd_notify). Each part gets only its slice of the config; the clock guard is given to the store.
 *
 *   readers ──tap──▶ AccessService ──decide()──▶ Store (state + event, one transaction) ──▶ DoorController ──▶ Relay
 *   door switch / exit button ──▶ DoorController ──door events──▶ Store
 *   committed events (after the strike) ──▶ DoorSignals ──next turn──▶ status LED / buzzer (io.indicators)
 *   CLI commands ──▶ VisitService, OfficerService ──▶ Store (the daemon sees their effect at the next tap)
 *
 * Lifecycle. Fail secure comes first: the door I/O is created before anything else (creating the GPIO relay drives it
 * off), so nothing that can fail at start (the database, a key file, the config of a reader) runs with the relay in an
 * unknown state; a signal or an uncaught error drives the relay off before anything else is done.
 *   built:    door I/O (relay off) → store (opened, guarded by its clock guard) → services, link, readers, scheduler
 *   started:  store → link → door (relay off again, inputs watched, chain checked, daemon.started) → signals (status
 *             LED and buzzer off) → readers → scheduler → status row and overstay timers
 *   stopped:  in reverse: status timers → scheduler (a running job ends) → readers (no new taps) → signals (all off) → door (queued taps
 *             decided while the door can act on them, relay off, I/O closed, daemon.stopped) → link (the outbox,
 *             daemon.stopped included, flushed) → store (last commits on disk, closed) → logs flushed
 * The issue's sketch (readers → door I/O → store → link → scheduler) would stop the store before the door and the link
 * before the last event, and start the readers before the relay is known off: the order above keeps the relay off
 * first and lets every event reach the disk and the centre. A signal: relay off, STOPPING to systemd, then the stop.
 */
import { WatchlistService } from './app/watchlist-service.js';
import { join } from 'node:path';
import { release as osRelease, type as osType } from 'node:os';
import type { Config } from './config/schema.js';
import type { BadgeWriter, CardReader, DoorIo } from './ports/hardware.js';
import { openDatabase } from './adapters/sqlite/db.js';
import { Store } from './adapters/sqlite/store.js';
import { AesGcmFieldCipher, type FieldCipher } from './adapters/sqlite/field-cipher.js';
import { checkDataKey } from './adapters/sqlite/at-rest.js';
import { readDataKeyFile } from './adapters/os/data-key-file.js';
import { inspectBadgeKeyFile } from './adapters/os/badge-key-file.js';
import type { StorePort, StoredEvent } from './ports/store.js';
import { event } from './domain/events.js';
import { SimDoorIo } from './adapters/sim/sim-door-io.js';
import { createReader, readerExtras } from './adapters/readers.js';
import { AccessService, type GrantRef } from './app/access-service.js';
import { DoorController } from './app/door-controller.js';
import { DoorSignals } from './app/door-signals.js';
import type { DoorSignal } from './domain/door-signals.js';
import { Daemon, type DaemonOwnParts } from './app/daemon.js';
import type { Part } from './app/lifecycle.js';
import { SystemdNotifier } from './adapters/systemd/notify.js';
import { VisitService } from './app/visit-service.js';
import { OfficerService } from './app/officer-service.js';
import { AlarmService, ConsoleQueryService } from './app/console-queries.js';
import { loadOrCreateSecret } from './adapters/os/secret-file.js';
import { realSystem } from './adapters/os/system.js';
import type { Log } from './ports/log.js';
import { DAY_MS, HOUR_MS } from './domain/time.js';
import { ClockGuard, TIMESYNC_FLAG } from './app/clock.js';
import { rtcProbe } from './app/rtc-trust.js';
import { Scheduler, type SchedulerSettings } from './app/scheduler.js';
import { DAEMON_VERSION_KEY, type ChecklistOptions } from './app/health/checklist.js';
import { WriteQueue } from './app/write-queue.js';
import { DOOR_KEY_FILE, loadOrCreateKeyPair, loadOrCreateSealKey, type KeyPair } from './adapters/mqtt/keys.js';
import { EventFeed } from './app/event-feed.js';
import { doorFacts, osDescription } from './app/door-facts.js';
import { pintuVersion } from './adapters/os/package-version.js';
import { buildConsole } from './main-console.js';
import { recordRelayPin, runDirOf } from './adapters/os/relay-record.js';
import type { ConsoleServer } from './adapters/console/server.js';

/** Database file name inside the data dir. */
export const DB_FILE = 'pintu.db';
/** SQLite page cache per connection (KiB): the tap path's index pages fit many times over; a drain or a scan cannot grow it (issue 10). */
export const DB_CACHE_KIB = 2048;

/** The door's store as the roots open it: guarded by its clock guard, which every part that needs it takes from `store.clock`. */
export type DoorStore = Store<ClockGuard>;

/** A clock guard with the config's tolerances, trusting NTP and a battery-backed RTC checked against it (docs/clock.md). */
export function clockGuard(config: Config): ClockGuard {
  const system = realSystem();
  return new ClockGuard({
    probe: () => system.exists(TIMESYNC_FLAG),
    rtc: rtcProbe(system),
    rollbackToleranceMs: config.clock.rollbackToleranceSeconds * 1000,
    maxForwardJumpMs: config.clock.maxForwardJumpHours * HOUR_MS,
  });
}

/** Open the store for a config (used by the daemon and by every CLI command), guarded by its own clock guard (docs/clock.md). */
export function openStore(config: Config, opts: { clock?: ClockGuard } = {}): DoorStore {
  // The data key first: a missing, loose or wrong key is refused before the database is migrated or written.
  const cipher = dataCipher(config);
  const source = { file: config.privacy.keyFile };
  const db = openDatabase(join(config.dataDir, DB_FILE), {
    synchronous: config.storage.synchronous, cacheKiB: DB_CACHE_KIB, beforeMigrate: (d) => checkDataKey(d, cipher, source),
  });
  let store: DoorStore;
  try {
    store = new Store(db, config.door.id, opts.clock ?? clockGuard(config), cipher, source);
  } catch (err) {
    db.close();
    throw err;
  }
  // `full`: commit, then fsync outside the write lock (the daemon switches to its own deferred sync in `wire`).
  if (config.storage.synchronous === 'full') store.syncAfterCommit();
  return store;
}

/** The cipher of the config's data key (`privacy.keyFile`), or null when `privacy.encryptAtRest` is off. */
export function dataCipher(config: Config): FieldCipher | null {
  return config.privacy.encryptAtRest ? new AesGcmFieldCipher(readDataKeyFile(config.privacy.keyFile)) : null;
}

/** The officer-side service for a store: approvals on the guard's effective time, capped while it is untrusted. */
export function visitService(config: Config, store: StorePort<ClockGuard>): VisitService {
  const clock = store.clock;
  return new VisitService(store, {
    standards: config.sop.standardsMinutes,
    defaultValidity: config.visits.defaultValidity,
    timeZone: config.visits.timeZone,
    secret: loadOrCreateSecret(config.dataDir),
    now: () => clock.now(),
    limitValidity: (from, until) => clock.limitValidity(from, until),
    maxValidityMs: config.visits.maxValidityDays * DAY_MS,
    sendIncidentText: config.central?.sendIncidentText ?? false,
    rules: config.visits.rules,
  });
}

/** Officers' sign-in and management for a store: the lock after wrong PINs lasts `console.pinLockoutMinutes`, on the guard's time. */
export function officerService(config: Config, store: StorePort<ClockGuard>): OfficerService {
  const clock = store.clock;
  return new OfficerService(store, { lockoutMinutes: config.console.pinLockoutMinutes, now: () => clock.now() });
}

/** The watchlist over a store (issue 14): NIKs by keyed hash, matched at the guard's effective time. */
export function watchlistService(config: Config, store: StorePort<ClockGuard>): WatchlistService {
  const clock = store.clock;
  return new WatchlistService(store, { secret: loadOrCreateSecret(config.dataDir), now: () => clock.now() });
}

/** What the officers' console reads, over a store, with the site's time zone (a "day" is a local day). */
export function consoleQueries(config: Config, store: StorePort): ConsoleQueryService {
  return new ConsoleQueryService(store, config.visits.timeZone);
}

/** The alarms of the officers' console over a store, acknowledged at the clock guard's effective time; a note's incident entry carries its text to the centre only with `central.sendIncidentText`. */
export function alarmDesk(config: Config, store: StorePort<ClockGuard>): AlarmService {
  const clock = store.clock;
  return new AlarmService(store, () => clock.now(), config.central?.sendIncidentText ?? false);
}

/** The health checklist's slice of the config (shared by `pintu health` and the scheduler). */
export function checklistOptions(config: Config, daemonPid: number | null): ChecklistOptions {
  return {
    readerIds: config.readers.filter((r) => r.direction !== 'desk').map((r) => r.id),
    dataDir: config.dataDir,
    readerSilentDays: config.health.readerSilentDays,
    central: (config as { central?: unknown }).central !== undefined,
    daemonPid,
    badges: {
      readers: config.readers.filter((r) => r.direction !== 'desk').map((r) => ({ id: r.id, direction: r.direction, secure: r.secure })),
      visitorsNeedSecureReader: config.badges.visitorsNeedSecureReader,
      deskReaders: config.readers.filter((r) => r.direction === 'desk').map((r) => ({ id: r.id, secure: r.secure })),
      keyFile: () => inspectBadgeKeyFile(config.badges.keyFile),
    },
    // Issue 16: the nightly backup's freshness, pcscd and the desk readers, the UPS's mains input, SD wear, versions.
    backup: { keep: config.backup.keep, hour: config.backup.hour },
    devices: {
      door: config.readers.filter((r) => r.direction !== 'desk').map(({ id, kind, path }) => ({ id, kind, ...(path ? { path } : {}) })),
      desk: config.readers.filter((r) => r.direction === 'desk').map(({ id, kind, path }) => ({ id, kind, ...(path ? { path } : {}) })),
    },
    mains: config.gpio.mains !== undefined,
    storageDevice: 'mmcblk0',
    software: () => ({ installed: pintuVersion(), node: process.version, os: osDescription(realSystem(), `${osType()} ${osRelease()}`) }),
  };
}

/** The scheduler's slice of the config. */
export function schedulerSettings(config: Config): SchedulerSettings {
  const { dataDir: _dataDir, daemonPid: _pid, ...checklist } = checklistOptions(config, null);
  return {
    dataDir: config.dataDir, checklist, healthIntervalDays: config.health.intervalDays, retentionDays: config.privacy.retentionDays, expireUndecidedDays: config.privacy.expireUndecidedDays,
    backup: { keep: config.backup.keep, hour: config.backup.hour }, timeZone: config.visits.timeZone,
  };
}

/** Create the door I/O for the configured hardware. GPIO is loaded lazily so `sim` never touches /sys. */
export async function createDoorIo(config: Config, log: Log): Promise<DoorIo> {
  // The sim wires a fire input where the site declares one (gpio.fireAlarm), so a sim door behaves like its real one.
  // Likewise the status LED and buzzer outputs it declares (gpio.indicators) and the UPS's mains signal (gpio.mains).
  if (config.hardware === 'sim') {
    const ind = config.gpio.indicators ?? {};
    return new SimDoorIo({
      fireInput: config.gpio.fireAlarm !== undefined, mainsInput: config.gpio.mains !== undefined,
      indicators: (['green', 'red', 'amber', 'buzzer'] as const).filter((n) => ind[n] !== undefined),
    });
  }
  if (config.hardware === 'gpiod') {
    const { createGpiodDoorIo } = await import('./adapters/gpio/gpiod-door-io.js');
    return createGpiodDoorIo(config.gpio, log);
  }
  const { createOnoffDoorIo } = await import('./adapters/gpio/onoff-door-io.js');
  return createOnoffDoorIo(config.gpio, log);
}

/** Test/demo overrides for the hardware edge. */
export interface Overrides {
  /** Use this door I/O instead of the configured hardware. */
  io?: DoorIo;
  /** Use these readers instead of the configured ones. */
  readers?: CardReader[];
  /** Observe every committed event (demo printing, later the MQTT outbox). */
  onEvents?: (events: StoredEvent[]) => void;
  /** Use this desk reader for the console instead of the configured one (null: none). */
  deskReader?: CardReader | null;
  /** Called with the console once built (tests read its port after the start). */
  onConsole?: (console: ConsoleServer) => void;
  /** Use this badge writer for the console's secure-badge page instead of the desk reader's (null: none). */
  badgeWriter?: BadgeWriter | null;
  /** Told every change of the door's status LED/buzzer signal (the demo prints it). */
  onSignal?: (signal: DoorSignal, at: number) => void;
}

/** Build (not start) the daemon from the config. */
export async function buildDaemon(config: Config, log: Log, overrides: Overrides = {}): Promise<Daemon> {
  // Door I/O first: creating the GPIO relay drives it off, before anything else can fail.
  const io = overrides.io ?? (await createDoorIo(config, log));
  let store: DoorStore | null = null;
  try {
    store = openStore(config);
    return await wire(config, log, overrides, io, store);
  } catch (err) {
    try { store?.db.close(); } catch { /* already failing: report the first error */ }
    if (!overrides.io) io.close();
    throw err;
  }
}

/** Connect the parts around an open store and door I/O. */
async function wire(config: Config, log: Log, overrides: Overrides, io: DoorIo, store: DoorStore): Promise<Daemon> {
  const clock = store.clock;
  // `full`: commits at NORMAL (no fsync before the strike, none inside the write lock); the WAL is fsynced right after
  // each commit on the thread pool. The daemon never sleeps in SQLite's busy handler (see `Store.retryOwnBusy`).
  if (config.storage.synchronous === 'full') store.deferSync((err) => log.error({ err: err.message }, 'fsync of the database WAL failed; retried at the next commit'));
  store.retryOwnBusy();
  const secret = loadOrCreateSecret(config.dataDir);
  const doorKey = loadOrCreateKeyPair(config.dataDir, DOOR_KEY_FILE);
  // Every write of the daemon goes through one ordered queue that never blocks the event loop on a locked database.
  const writes = new WriteQueue(store, log.child({ component: 'writes', door: config.door.id }));
  // The door's facts for the centre's status (version, OS, clock, readers, health); the readers once the daemon exists.
  let daemonRef: Daemon | null = null;
  const facts = { app: pintuVersion(), os: osDescription(realSystem(), `${osType()} ${osRelease()}`), clock, readers: () => daemonRef?.readers.facts() ?? null, meta: store };
  // The sealing key: without it the door runs as before, and the centre sends it no personal data (it says why).
  let sealKey: KeyPair | null = null;
  if (config.central) {
    try { sealKey = loadOrCreateSealKey(config.central.sealKeyFile); } catch (err) { log.error({ err: (err as Error).message }, 'no sealing key: the centre cannot send pre-registrations or watchlists to this door'); }
  }
  const link = config.central
    ? new (await import('./adapters/mqtt/central-link.js')).CentralLink({
      site: config.site, door: config.door.id, config: config.central, store, key: doorKey, visits: visitService(config, store), clock,
      defer: (name, job) => writes.push(name, job), facts: () => doorFacts(facts), sealKey, watchlist: watchlistService(config, store),
    }, log)
    : null;
  // Every committed event, once and in order, for the console's live pages (polled too: CLI commands, centre commands).
  const feed = new EventFeed(store.events, log.child({ component: 'feed', door: config.door.id }));
  // Events leave for the centre once they are on disk (a door that loses power never takes back an event the centre has).
  const doorLog = log.child({ component: 'door', door: config.door.id });
  // The status LED and buzzer for the visitor: they hear committed events (after the strike) and act a turn later.
  const signals = new DoorSignals({
    indicators: io.indicators, log: doorLog, timing: { grantedMs: config.door.strikeSeconds * 1000, refusedMs: 2000 },
    ...(overrides.onSignal ? { onSignal: overrides.onSignal } : {}),
  });
  const onEvents = (events: StoredEvent[]): void => { if (link) store.whenDurable(() => link.notify()); overrides.onEvents?.(events); feed.publish(events); signals.observe(events); };
  // A door opened in the last moments of the strike is seen only after the switch's debounce.
  const graceMs = config.hardware !== 'sim' ? config.gpio.doorSwitch.debounceMs : 0;
  const door = new DoorController({
    io,
    // graceMs: a door opened in the last moments of the strike is seen only after the switch's debounce.
    timing: { strikeSeconds: config.door.strikeSeconds, heldOpenSeconds: config.door.heldOpenSeconds, graceMs, relockOnClose: config.door.relockOnClose },
    // The fire input, where the door I/O has one: release holds the strike unlocked while the alarm lasts.
    fire: { onAlarm: config.fire.onAlarm, settleMs: config.fire.settleMs },
    log,
    onEvent: (type, data, at) => writes.push(type, () => {
      // The event and the door's status row change together (for `pintu status`), in one transaction.
      const stored = store.durableTx(() => {
        const s = door.status();
        store.updateDoorStatus({ locked: s.locked, open: s.open, openSince: s.openSince });
        // An officer or visitor whose entry grant went unused did not come in: back outside, no escort (same transaction).
        const back = type === 'access.unused' ? access.grantUnused(data.ref as GrantRef | undefined) : null;
        const note = back?.officer ? { officerOutside: back.officer } : back?.visit ? { visitorOutside: back.visit } : {};
        const recorded = type === 'access.unused' ? event(type, { ...data, ...note }) : event(type, data);
        return store.events.append([recorded, ...(back?.events ?? [])], at);
      });
      doorLog.info({ event: type }, 'door event');
      onEvents(stored);
      // An officer "inside" never entered: once every visitor grant of that strike is settled (used, or unused and
      // so back outside), check whether a visitor is left inside alone.
      const officer = stored[0]?.data.officerOutside;
      if (typeof officer === 'string') access.scheduleUnescortedCheck(officer, config.door.strikeSeconds * 1000 + graceMs + 250);
    }),
  });
  const doorReaders = config.readers.filter((r) => r.direction !== 'desk');
  // A secure reader's badge keys are checked here, before any reader starts: none usable, no door (relay off).
  const readers = overrides.readers ?? (await (async () => {
    const extras = readerExtras(config.badges, doorReaders, log);
    return Promise.all(doorReaders.map((r) => createReader(r, log, extras)));
  })());
  const access = new AccessService(store, door, {
    policy: {
      escortRequired: config.escort.required,
      escortWindowMs: config.escort.windowSeconds * 1000,
      officerRoles: config.door.officerRoles,
      escortRoles: config.escort.roles ?? config.door.officerRoles,
      antiPassback: config.door.antiPassback,
      visitorsNeedSecureReader: config.badges.visitorsNeedSecureReader,
    },
    // The fsync after a strike runs on the thread pool and takes no lock; the escort expiry waits its turn in the queue.
    sync: () => store.syncNow(),
    defer: (name, job) => writes.push(name, job),
    repeatWindowMs: config.door.repeatTapSeconds * 1000,
    // Whether a reader authenticates cards is its config's `secure` (a reader handed in without config reads UIDs only).
    readers: new Map(readers.filter((r) => r.direction !== 'desk').map((r) => [r.id, {
      direction: r.direction as 'in' | 'out', secure: (config.readers.find((c) => c.id === r.id)?.secure ?? false) !== false,
    }])),
    secret,
    // Validity is judged on the guard's effective time: a clock set back never reopens an approval (docs/clock.md).
    now: () => clock.now(),
    onEvents,
  }, log.child({ component: 'access', door: config.door.id }));
  const scheduler = new Scheduler({ store, settings: schedulerSettings(config), log, env: realSystem(), clock, onEvents });
  const daemonLog = log.child({ component: 'daemon' });
  const visits = visitService(config, store);
  const consoleServer = await buildConsole(config, log, {
    store, writes, door, feed, onEvents, secret,
    services: { desk: visits, officers: officerService(config, store), alarms: alarmDesk(config, store), queries: consoleQueries(config, store), watchlist: watchlistService(config, store) },
    visits,
    ...(overrides.deskReader !== undefined ? { deskReader: overrides.deskReader } : {}),
    ...(overrides.badgeWriter !== undefined ? { badgeWriter: overrides.badgeWriter } : {}),
  });
  if (consoleServer) overrides.onConsole?.(consoleServer);
  // The start order of the running door (stopped in reverse): see the module comment.
  const order = (own: DaemonOwnParts): Part[] => [
    own.store,
    // Connects in the background; flushed at stop, after the door's last event and before the database closes.
    ...(link ? [{
      name: 'link',
      start: () => { try { link.start(); } catch (err) { daemonLog.error({ err: (err as Error).message, stack: (err as Error).stack }, 'daemon task failed'); } },
      stop: () => link.stop().catch((err: Error) => daemonLog.error({ err: err.message }, 'flushing the central outbox failed')),
    }] : []),
    own.door,
    // The status LED and buzzer: after the relay is off and the inputs watched; stopped (all off) before the I/O closes.
    { name: 'signals', start: () => signals.start(), stop: () => signals.stop() },
    own.readers,
    // Maintenance jobs (health checklist, purge, nightly backup): after the readers, stopped before them.
    {
      name: 'scheduler',
      start: () => { try { scheduler.start(); } catch (err) { daemonLog.error({ err: (err as Error).message, stack: (err as Error).stack }, 'daemon task failed'); } },
      stop: () => scheduler.stop().catch((err: Error) => daemonLog.error({ err: err.message }, 'stopping the scheduler failed')),
    },
    // The officers' console: after the door works, stopped first. A console that cannot listen leaves the door working.
    ...(consoleServer ? [{
      name: 'console',
      start: async () => {
        feed.start();
        try { await consoleServer.start(); } catch (err) { daemonLog.error({ err: (err as Error).message }, 'the officers\' console could not start; the door works without it'); }
      },
      stop: async () => { feed.stop(); await consoleServer.stop(); },
    }] : []),
    own.status,
  ];
  daemonRef = new Daemon({ store, io, door, access, readers, log, writes, order, onEvents });
  return daemonRef;
}

/**
 * `pintu run`: the door process until a signal. Build (door I/O first: relay off), fail-secure handlers, start in
 * order, READY to systemd once every reader was tried, watchdog pings while healthy; at a signal: relay off, STOPPING,
 * the stop in reverse order, exit.
 */
export async function runDoor(config: Config, log: Log): Promise<void> {
  // Door I/O first (relay off), then the /run record of its pin for `pintu relay-off`, before anything else can fail.
  const io = await createDoorIo(config, log);
  recordRelayPin(io, runDirOf(undefined), log);
  let daemon: Daemon;
  try {
    daemon = await buildDaemon(config, log, { io });
    // The version this process runs, for the health checklist (an upgrade without a restart shows there).
    try { daemon.parts.store.setMeta(DAEMON_VERSION_KEY, pintuVersion() ?? 'unknown'); } catch (err) { log.warn({ err: (err as Error).message }, 'could not record the daemon version'); }
  } catch (err) {
    io.close();
    throw err;
  }
  installFailSecureHandlers(daemon, log);
  const notifier = SystemdNotifier.fromEnv(process.env, log);
  // After the fail-secure handlers: the relay is driven off before STOPPING is sent.
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => notifier?.stopping());
  await daemon.start();
  // A signal during the start: the door is stopping, so systemd hears STOPPING only, never READY after it.
  if (daemon.stopRequested) return;
  // READY only now: database open, relay confirmed off, every reader tried (a missing one is retried, alarm raised).
  const down = daemon.readers.down();
  const total = daemon.parts.readers.length;
  notifier?.ready(`door ${config.door.id}: locked, ${total - down.length}/${total} readers open${down.length ? ` (down: ${down.join(', ')})` : ''}`);
  notifier?.startWatchdog(() => daemon.healthy());
  // The daemon's own timers are unref'd (so tests and the demo can end); the service itself runs until a signal.
  setInterval(() => undefined, 1 << 30);
}

/** Fail secure on anything unexpected: relay off first, then log and exit. */
export function installFailSecureHandlers(daemon: Daemon, log: Log): void {
  const relayOff = (): void => {
    try { daemon.parts.door.relayOff(); } catch { /* keep going: next line tries the pin directly */ }
    try { daemon.parts.io.relay.set(false); } catch { /* nothing more can be done from here */ }
    // Then the status LED and buzzer: a green left lit by a dying door would tell a visitor the strike is open.
    for (const out of Object.values(daemon.parts.io.indicators ?? {})) { try { out?.set(false); } catch { /* best effort */ } }
  };
  const fatal = (kind: string) => (err: unknown): void => {
    relayOff();
    log.fatal({ err: err instanceof Error ? { message: err.message, stack: err.stack } : String(err) }, `${kind}: relay driven off, exiting`);
    log.flush();
    process.exit(1);
  };
  process.on('uncaughtException', fatal('uncaught exception'));
  process.on('unhandledRejection', fatal('unhandled rejection'));
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    process.on(sig, () => {
      relayOff();
      daemon.stop(`signal ${sig}`).then(() => process.exit(0), () => process.exit(1));
    });
  }
  process.on('exit', relayOff);
}
