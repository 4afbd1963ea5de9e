/**
 * Composition root of the officers' console inside `pintu run`: the app's services behind `ConsolePorts` (every write
 * on the daemon's write queue, every committed event through the door's `EventFeed`), the desk reader, and the
 * `ConsoleServer`. Called by `src/main.ts` while it wires the daemon.
 */
import type { Config } from './config/schema.js';
import type { BadgeWriter, CardReader } from './ports/hardware.js';
import type { BadgeKeySource } from './ports/badge-keys.js';
import type { ConsolePorts } from './ports/console.js';
import type { Log } from './ports/log.js';
import { UserError } from './domain/errors.js';
import { badgeKeySource, createReader, readerExtras } from './adapters/readers.js';
import { BadgeEnrolment } from './app/badge-enrolment.js';
import { SecureBadgeDeskService } from './app/secure-badge-desk.js';
import type { VisitService } from './app/visit-service.js';
import { ConsoleServer } from './adapters/console/server.js';
import type { DoorController } from './app/door-controller.js';
import type { EventFeed } from './app/event-feed.js';
import type { WriteQueue } from './app/write-queue.js';
import { keyedHash } from './app/secret.js';
import type { StorePort, StoredEvent } from './ports/store.js';
import type { ClockGuard } from './app/clock.js';

/** What the console is built from. */
export interface ConsoleParts {
  /** The door's store (guarded by its clock). */
  store: StorePort<ClockGuard>;
  /** The app's services behind the console's ports (built by `src/main.ts`). */
  services: Pick<ConsolePorts, 'desk' | 'officers' | 'alarms' | 'queries' | 'watchlist'>;
  /** The daemon's write queue. */
  writes: WriteQueue;
  /** The door controller (live relay and switch state). */
  door: DoorController;
  /** The door's committed events. */
  feed: EventFeed;
  /** Called with the events a console write committed (the link sends them, the feed publishes them). */
  onEvents: (events: StoredEvent[]) => void;
  /** The site secret of keyed hashes. */
  secret: Buffer;
  /** Use this desk reader instead of the configured one (tests). */
  deskReader?: CardReader | null;
  /** The visit service (the badge pool's rules, for enrolling secure badges). */
  visits: VisitService;
  /** Use this badge writer instead of the desk reader's (tests, demo; null: none). */
  badgeWriter?: BadgeWriter | null;
}

/** The desk reader as badge programmer: a PC/SC desk reader can program cards (issue 15); other readers cannot. */
async function deskBadgeWriter(reader: CardReader | null, keys: BadgeKeySource): Promise<BadgeWriter | null> {
  if (!reader) return null;
  const [{ PcscCardReader }, { PcscBadgeWriter }] = await Promise.all([import('./adapters/pcsc/pcsc-reader.js'), import('./adapters/pcsc/badge-writer.js')]);
  // The console's own desk reader: a card presented while an enrolment waits goes to the writer instead of being a tap.
  return reader instanceof PcscCardReader ? new PcscBadgeWriter(reader, keys) : null;
}

/** The desk reader the console uses: `console.deskReader`, else the first reader with direction desk, else none. */
async function deskReaderOf(config: Config, log: Log): Promise<CardReader | null> {
  const id = config.console.deskReader;
  const rc = id ? config.readers.find((r) => r.id === id) : config.readers.find((r) => r.direction === 'desk');
  if (id && !rc) throw new UserError(`console.deskReader: no reader "${id}" in readers:`);
  if (rc && rc.direction !== 'desk') throw new UserError(`console.deskReader: reader "${rc.id}" has direction ${rc.direction}; the desk reader needs direction: desk`);
  return rc ? createReader(rc, log, readerExtras(config.badges, [rc], log)) : null;
}

/** Build the console (not started), or null when `console.enabled` is false. */
export async function buildConsole(config: Config, log: Log, parts: ConsoleParts): Promise<ConsoleServer | null> {
  if (!config.console.enabled) return null;
  const { store, writes } = parts;
  const consoleLog = log.child({ component: 'console', door: config.door.id });
  const deskReader = parts.deskReader !== undefined ? parts.deskReader : await deskReaderOf(config, log);
  const ports: ConsolePorts = {
    ...parts.services,
    write: <T>(name: string, job: () => T) => new Promise<T>((resolve, reject) => {
      writes.push(name, () => {
        const before = store.events.lastSeq();
        let result: T;
        try { result = job(); } catch (err) {
          if (store.isBusy(err)) throw err; // the queue tries again once the lock is free
          reject(err);
          return;
        }
        resolve(result);
        const fresh = store.events.since(before, 1000);
        if (fresh.length) parts.onEvents(fresh);
      });
    }),
    subscribe: (fn) => parts.feed.subscribe(fn),
    door: () => {
      const s = parts.door.status();
      return { locked: s.locked, open: s.open, openSince: s.openSince, mode: store.doorStatus().mode, ...(s.fire ? { fire: s.fire } : {}) };
    },
    deskReader,
    // Whether the desk reader proves cards is its config's `secure`, as for the door's readers (issue 15).
    deskReaderSecure: deskReader !== null && (config.readers.find((r) => r.id === deskReader.id)?.secure ?? false) !== false,
    ktpHash: (uid) => keyedHash(parts.secret, uid),
  };
  // Secure badges at the desk (issue 15): the keys are read when a head opens the page or programs a card, not now.
  const keys = badgeKeySource(config.badges, consoleLog);
  const now = (): number => store.clock.now();
  ports.secureBadges = new SecureBadgeDeskService({
    store, keys, write: ports.write, now,
    records: new BadgeEnrolment(store, parts.visits, { now }),
    writer: parts.badgeWriter !== undefined ? parts.badgeWriter : await deskBadgeWriter(ports.deskReader, keys),
  });
  return new ConsoleServer(ports, {
    config: config.console, site: config.site, door: config.door.id, timeZone: config.visits.timeZone,
    standards: config.sop.standardsMinutes, defaultValidity: config.visits.defaultValidity, privacyNotice: config.privacy.notice, rules: config.visits.rules,
  }, consoleLog);
}
