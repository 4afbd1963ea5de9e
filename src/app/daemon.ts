/**
 * The running door: its own parts (store, door, readers, status row) for the composition root to put in order with
 * its others (link, scheduler; see `buildDaemon` in src/main.ts), the tap path, the door status row kept fresh for
 * `pintu status`, and the watchdog's health check. Started in the root's order, stopped in reverse, then logs flushed.
 */
import type { CardReader, DoorIo, RawTap } from '../ports/hardware.js';
import type { StorePort, StoredEvent } from '../ports/store.js';
import type { AccessService } from './access-service.js';
import type { DoorController } from './door-controller.js';
import type { Log } from '../ports/log.js';
import type { WriteQueue } from './write-queue.js';
import type { ClockGuard } from './clock.js';
import { saveReaderHealth } from './health/checklist.js';
import type { MainsReading } from './health/inventory.js';
import { ReaderSupervisor, type ReaderRetry } from './reader-supervisor.js';
import { Lifecycle, type Part } from './lifecycle.js';
import { event, type DomainEvent, type EventData, type EventType } from '../domain/events.js';

/** How many of the newest events the daemon verifies at start (the whole chain is checked by `pintu health`). */
export const CHAIN_TAIL_AT_START = 500;

/** The parts the composition root hands to the daemon. */
export interface DaemonParts {
  /** Database repositories and event log, guarded by its clock guard (`store.clock`). */
  store: StorePort<ClockGuard>;
  /** Door I/O (relay, inputs). */
  io: DoorIo;
  /** Door controller (strike timing, door events). */
  door: DoorController;
  /** Tap handler. */
  access: AccessService;
  /** Door readers (desk readers are not opened by the daemon). */
  readers: CardReader[];
  /** Root logger. */
  log: Log;
  /** The daemon's ordered database writes (taps, door events, its own events), retried while another process holds the lock. */
  writes: WriteQueue;
  /** How often the daemon looks whether the status row must be written (ms, default 1000). */
  heartbeatMs?: number;
  /** The status row is written when the door or a reader changed, else at most this often (ms, default 5000; `pintu status` calls 10 s stale). */
  statusEveryMs?: number;
  /** How often visitors inside are checked for an ended approval (ms, default 5000). */
  overstayCheckMs?: number;
  /** Called with events the daemon itself appends. */
  onEvents?: (events: StoredEvent[]) => void;
  /**
   * The start order of every part of the running door: the daemon's own (`own`) with the root's others (link,
   * scheduler). Parts are started in this order and stopped in reverse (see `Lifecycle`).
   */
  order: (own: DaemonOwnParts) => Part[];
  /** Backoff of the attempts to open a reader that is down (tests shorten it). */
  readerRetry?: ReaderRetry;
}

/** The daemon's own parts, for the root to put in start order with its others. */
export interface DaemonOwnParts {
  /** The database: opened when the daemon is built; its stop waits (bounded) for the last commits to be on disk and closes it. */
  store: Part;
  /**
   * The door controller and its I/O: relay off, door inputs watched, the chain's tail verified, `daemon.started`. Its
   * stop decides the taps still queued (while the door can act on them), drives the relay off, closes the I/O and
   * records `daemon.stopped`.
   */
  door: Part;
  /** The readers, opened, watched and retried (a reader that cannot open raises `alarm.reader_down`); its stop closes them. */
  readers: Part;
  /** The status row (`pintu status`) and the overstay check: timers, started last and stopped first. */
  status: Part;
}

/** A running pintu door controller. */
export class Daemon {
  private heartbeat: NodeJS.Timeout | null = null;
  private overstay: NodeJS.Timeout | null = null;
  private stopping: Promise<void> | null = null;
  private readonly log: Log;
  /** Opens, watches and retries the readers: a missing reader never takes the door down. */
  readonly readers: ReaderSupervisor;
  /** Every part of the running door in the root's start order (stopped in reverse). */
  readonly lifecycle: Lifecycle;

  /** Hold the parts; nothing starts until `start()`. */
  constructor(readonly parts: DaemonParts) {
    this.log = parts.log.child({ component: 'daemon' });
    this.readers = new ReaderSupervisor({
      readers: parts.readers, log: parts.log, onTap: (tap) => this.onTap(tap), append: (type, data) => this.append(type, data),
      ...(parts.readerRetry ? { retry: parts.readerRetry } : {}),
    });
    this.lifecycle = new Lifecycle(parts.order(this.ownParts()), this.log);
  }

  /** Start every part in the root's order (a part that fails to start stops those before it, and the start fails). */
  async start(): Promise<void> {
    this.startUnderway = true;
    try {
      await this.lifecycle.start();
    } finally {
      this.startUnderway = false;
    }
    this.log.info({ door: this.parts.store.door }, 'pintu ready');
  }
  /** Between start() and the end of the start (a stop asked for meanwhile closes the readers at once). */
  private startUnderway = false;

  /** The daemon's own parts (the root orders them, with its others, in `DaemonParts.order`). */
  private ownParts(): DaemonOwnParts {
    const { store, door, readers, writes, access, io } = this.parts;
    return {
      store: {
        name: 'store',
        start: () => undefined,
        stop: async () => {
          // The last commits are on disk before the database closes (the WAL's fsync runs on the thread pool).
          // Bounded: with the disk failing, the WAL's fsync is retried for ever (its errors are logged) and the stop must end.
          let synced = false;
          await Promise.race([
            new Promise<void>((resolve) => store.whenDurable(() => { synced = true; resolve(); })),
            new Promise<void>((resolve) => setTimeout(resolve, 5000).unref()),
          ]);
          if (!synced) this.log.error('the last commits could not be fsynced before the database closed');
          try { store.close(); } catch (err) { this.log.error({ err: (err as Error).message }, 'closing database failed'); }
        },
      },
      door: {
        name: 'door',
        start: () => {
          door.start();
          const now = Date.now();
          const chain = this.verifyChainTail();
          store.retry(() => store.updateDoorStatus({ daemonPid: process.pid, startedAt: now, heartbeatAt: now, locked: true }));
          this.append('daemon.started', { pid: process.pid, readers: readers.map((r) => r.id) });
          // Visitors who were waiting for an escort when the last run ended are refused now: no wait is left without an outcome.
          writes.push('waits before restart', () => { access.concludeWaitsFromBefore(); });
          // A broken chain is raised, never silent; the door keeps running fail-secure (a stopped door helps no one).
          const problem = chain.problem;
          if (problem !== null) this.safe(() => this.append('alarm.chain_broken', { problem, checkedFrom: chain.from + 1, lastSeq: chain.lastSeq }));
        },
        stop: (reason) => {
          access.stop();
          // Taps and door events still queued are decided and recorded while the door can still act on them (a grant is
          // recorded only for a strike that was driven), before the last event and before the database closes.
          writes.flushBlocking();
          door.stop();
          try { io.close(); } catch (err) { this.log.error({ err: (err as Error).message }, 'closing door I/O failed'); }
          this.safe(() => {
            store.retry(() => store.updateDoorStatus({ daemonPid: null, locked: true }));
            this.append('daemon.stopped', { reason });
          });
          writes.flushBlocking();
        },
      },
      readers: { name: 'readers', start: () => this.readers.start(), stop: () => this.readers.stop() },
      status: {
        name: 'status',
        start: () => {
          this.writeStatus();
          // The heartbeat never waits for the lock (a beat skipped while another process writes is harmless), and takes the
          // lock only when the door or a reader changed, or every `statusEveryMs`: each write holds off the CLI's writers.
          this.heartbeat = setInterval(() => this.safe(() => {
            try { store.noWait(() => this.writeStatus(false)); } catch (err) { if (!store.isBusy(err)) throw err; }
          }), this.parts.heartbeatMs ?? 1000);
          this.heartbeat.unref();
          this.overstay = setInterval(() => writes.push('overstay check', () => { access.checkOverstay(); }), this.parts.overstayCheckMs ?? 5000);
          this.overstay.unref();
        },
        stop: () => {
          if (this.heartbeat) clearInterval(this.heartbeat);
          if (this.overstay) clearInterval(this.overstay);
        },
      },
    };
  }

  /** Verify the hash chain of the newest events (what a restored or edited database would break). */
  private verifyChainTail(): { problem: string | null; from: number; lastSeq: number } {
    const events = this.parts.store.events;
    let lastSeq = 0;
    let from = 0;
    let problem: string | null;
    try {
      lastSeq = events.lastSeq();
      from = Math.max(0, lastSeq - CHAIN_TAIL_AT_START);
      problem = events.verify(from, this.parts.store.ackedSeq());
    } catch (err) {
      problem = `cannot verify: ${(err as Error).message}`;
    }
    if (problem !== null) this.log.error({ problem, from: from + 1, lastSeq }, 'THE EVENT LOG HASH CHAIN DOES NOT VERIFY: alarm raised; run pintu health and tell the central office');
    return { problem, from, lastSeq };
  }

  /**
   * Feed a tap (from a reader, or the demo's simulated reader). Repeats are filtered at arrival; the tap is then
   * decided and recorded in arrival order, waiting (without blocking the event loop) while another process holds
   * the database's write lock. The tap's own transaction marks the door unlocked on a grant.
   */
  onTap(tap: RawTap): void {
    this.safe(() => {
      if (this.parts.access.admit(tap)) this.parts.writes.push('tap', () => { this.parts.access.process(tap); });
    });
  }

  /**
   * Door status snapshot and the readers' health (for `pintu status` and `pintu health`), in one transaction; unless
   * `always`, only when something changed or the last write is `statusEveryMs` old.
   */
  writeStatus(always = true): void {
    const { store, door, readers } = this.parts;
    const s = door.status();
    const now = Date.now();
    this.readers.poll();
    const health = readers.map((r) => r.health());
    const mains = this.mainsReading(now);
    const key = JSON.stringify([s.locked, s.open, s.openSince, health, mains]);
    // Others write the row too (a grant marks it unlocked; a second `pintu run` that failed to start clears the pid):
    // skipped only while the row itself still says what the door does, not just what this daemon last wrote.
    const row = store.doorStatus();
    const rowTrue = row.locked === s.locked && row.open === s.open && row.openSince === s.openSince && row.daemonPid === process.pid;
    if (!always && rowTrue && key === this.statusKey && now - this.statusAt < (this.parts.statusEveryMs ?? 5000)) return;
    store.durableTx(() => {
      store.updateDoorStatus({ locked: s.locked, open: s.open, openSince: s.openSince, heartbeatAt: now, daemonPid: process.pid });
      saveReaderHealth(store, health, now, mains);
    });
    this.statusKey = key;
    this.statusAt = now;
    this.statusWrites += 1;
  }
  private statusKey = '';
  private mains: MainsReading | undefined;

  /** The UPS's mains input (where wired) for the health checklist: its level, and since when (null: unreadable). */
  private mainsReading(now: number): MainsReading | undefined {
    const input = this.parts.io.mains;
    if (!input) return undefined;
    let present: boolean | null;
    try { present = input.read(); } catch { present = null; }
    if (this.mains?.present !== present) this.mains = { present, since: now };
    return this.mains;
  }
  private statusAt = 0;
  /** Status rows written (tests and benches read it). */
  statusWrites = 0;

  /**
   * Healthy enough for a systemd watchdog ping: what a restart could fix and what makes the door unsafe — the event loop
   * (this runs on it), the database answering, and the strike relay under control. Not the readers: a restart cannot
   * bring back an unplugged reader, and restarting would take the exit button and the door alarms down with it.
   */
  healthy(): boolean {
    if (this.stopping) return false;
    try {
      this.parts.store.events.lastSeq();
    } catch {
      return false;
    }
    try {
      return this.parts.door.status().relayError === null;
    } catch {
      return false;
    }
  }

  /** A stop has been asked for (a signal, a fatal error, or a caller): the door is going down, not up. */
  get stopRequested(): boolean {
    return this.stopping !== null;
  }

  /** Orderly shutdown; safe to call more than once. */
  stop(reason = 'stop requested'): Promise<void> {
    this.stopping ??= this.doStop(reason);
    return this.stopping;
  }

  private async doStop(reason: string): Promise<void> {
    this.log.info({ reason }, 'stopping');
    // A stop asked for during the start (a signal while a reader is still opening: a PC/SC reader waits up to
    // readerTimeoutMs for its device) closes the readers at once, before the lifecycle waits for the start to end:
    // no tap is decided after the signal drove the relay off, and the stop does not wait for a slow reader to open.
    // The lifecycle hears of the stop first (synchronously), so no part not yet started starts after it.
    const stopped = this.lifecycle.stop(reason);
    if (this.startUnderway) await this.readers.stop();
    await stopped;
    this.log.info('stopped');
    await new Promise<void>((resolve) => this.log.flush(() => resolve()));
  }

  /** Append one event in its own durable transaction, in order with the taps and door events. */
  append<K extends EventType>(type: K, data: EventData<K>, at = Date.now()): void {
    this.parts.writes.push(type, () => {
      const stored = this.parts.store.durableTx(() => this.parts.store.events.append([event(type, data) as DomainEvent], at));
      this.parts.onEvents?.(stored);
    });
  }

  private safe(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log.error({ err: (err as Error).message, stack: (err as Error).stack }, 'daemon task failed');
    }
  }
}
