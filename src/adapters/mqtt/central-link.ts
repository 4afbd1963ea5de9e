/**
 * The door's connection to the central office: one MQTT client (persistent session, retained status, last will
 * `offline`), the outbox for events, and the command handler. Connecting, reconnecting and broker outages never
 * touch tap handling; `stop()` tries to deliver the backlog for a short while, then says offline.
 */
import { connect, type MqttClient } from 'mqtt';
import type { Store } from '../sqlite/store.js';
import type { VisitCommands } from '../../ports/visit-commands.js';
import { CENTRAL_KEY_REQUIRED, type CentralConfig } from '../../config/schema.js';
import type { Log } from '../../ports/log.js';
import { DAY_MS, HOUR_MS } from '../../domain/time.js';
import { publicKeyFromText, signBody } from '../../protocol/signing.js';
import type { KeyPair } from './keys.js';
import { LinkState } from './link-state.js';
import { Outbox, type Publisher } from './outbox.js';
import { CommandHandler, type CommandHandlerOptions } from './command-handler.js';
import { clientOptions, setNoDelay } from './connect.js';
import { topicOf } from '../../protocol/topics.js';
import type { StatusFacts } from '../../protocol/messages.js';

/** What the link needs. */
export interface CentralLinkOptions {
  /** Site id. */
  site: string;
  /** Door id. */
  door: string;
  /** The `central:` config section. */
  config: CentralConfig;
  /** The door's store (events, link row). */
  store: Store;
  /** The door's key pair. */
  key: KeyPair;
  /** The visit commands the centre's signed commands run through (the app's VisitService, given by the root). */
  visits: VisitCommands;
  /** Timer period (ms) for polling new events, ack timeouts and status refresh. */
  tickMs?: number;
  /** How long `stop()` keeps delivering the backlog (ms). */
  flushMs?: number;
  /** Clock faults (set back, unconfirmed jump): retention deletes nothing while there are any (docs/clock.md). */
  clock?: { faults(): string[]; now?(): number };
  /** Queue a write nothing waits for (the daemon's write queue: acks never block the event loop); default: write at once. */
  defer?: (name: string, job: () => void) => void;
  /** The door's facts for each online status (version, OS, clock, readers, health: the root assembles them); default: none. */
  facts?: () => StatusFacts;
  /** The door's X25519 sealing key: its public half goes out in each online status; sealed commands are opened with it (null: refused). */
  sealKey?: KeyPair | null;
  /** Applies a watchlist from the centre (the app's watchlist service, given by the root); absent: refused. */
  watchlist?: CommandHandlerOptions['watchlist'];
}

/** The door's link to the centre. */
export class CentralLink {
  /** Publishes events and tracks acks. */
  readonly outbox: Outbox;
  /** Verifies and runs commands. */
  readonly commands: CommandHandler;
  private readonly state: LinkState;
  private client: MqttClient | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private lastStatusAt = 0;
  private lastPruneAt = 0;
  private readonly log: Log;

  /** Build (not connect). Throws if `central.publicKey` is missing or not a valid key: acks are always verified. */
  constructor(private readonly opts: CentralLinkOptions, log: Log) {
    this.log = log.child({ component: 'central-link' });
    if (!opts.config.publicKey) throw new Error(`central.publicKey ${CENTRAL_KEY_REQUIRED}`);
    const centralKey = publicKeyFromText(opts.config.publicKey);
    this.state = new LinkState(opts.store.db, opts.door, { now: (fn) => opts.store.retry(fn), ...(opts.defer ? { later: opts.defer } : {}) });
    const pub: Publisher = {
      connected: false,
      publish: (topic, payload, retain = false) => this.publish(topic, payload, retain),
    };
    Object.defineProperty(pub, 'connected', { get: () => this.client?.connected ?? false });
    this.outbox = new Outbox(opts.store.events, this.state, pub, {
      site: opts.site, door: opts.door, key: opts.key.privateKey, centralKey,
      batchSize: opts.config.batchSize, maxMessageBytes: opts.config.maxMessageBytes, ackTimeoutMs: opts.config.ackTimeoutSeconds * 1000,
      // Every send (after a commit, an ack, a reconnect, the timer) waits until what it sends is on disk.
      whenDurable: (fn) => opts.store.whenDurableAll(fn),
      ...(opts.facts || opts.sealKey ? { facts: () => ({ ...opts.facts?.(), ...(opts.sealKey ? { sealKey: opts.sealKey.publicKeyText } : {}) }) } : {}),
    }, this.log);
    this.commands = new CommandHandler(opts.store, this.state, opts.visits, {
      site: opts.site, door: opts.door, centralKey, onEvents: () => this.notify(), sealKey: opts.sealKey ?? null,
      ...(opts.watchlist ? { watchlist: opts.watchlist } : {}),
      // Expiry on the effective time: a clock set back must not bring an expired command back to life.
      ...(opts.clock?.now ? { now: () => opts.clock!.now!() } : {}),
    }, this.log);
  }

  /** Connect (in the background: the door never waits for the network). */
  start(): void {
    const { site, door, config } = this.opts;
    this.state.setConnected(false, Date.now());
    const will = this.outbox.status('offline');
    this.client = connect(config.url, clientOptions(config, {
      clientId: `pintu-${site}-${door}`.slice(0, 64),
      clean: false,
      // No table of 65,536 pre-built 2-byte buffers for packet ids (mqtt-packet's default: 6 MB of heap for life).
      writeCache: false,
      will: { topic: topicOf(site, door, 'status'), payload: Buffer.from(JSON.stringify(will)), qos: 1, retain: true },
    }));
    this.client.on('connect', () => { if (this.client) setNoDelay(this.client); this.onConnect(); });
    this.client.on('close', () => { if (!this.stopped) this.setConnected(false); });
    this.client.on('error', (err) => this.log.warn({ err: err.message }, 'broker connection error'));
    this.client.on('message', (topic, payload) => this.onMessage(topic, payload));
    this.timer = setInterval(() => this.tick(), this.opts.tickMs ?? 500);
    this.timer.unref();
  }

  /** New events were committed: send them soon. */
  notify(): void {
    if (this.stopped) return;
    setImmediate(() => { if (!this.stopped) this.safe(() => this.outbox.pump()); });
  }

  /** Connected now, and the number of unacknowledged events. */
  status(): { connected: boolean; backlog: number } {
    return { connected: this.client?.connected ?? false, backlog: this.outbox.backlog() };
  }

  /** Deliver what can be delivered within `flushMs`, publish `offline`, disconnect. Leaves the database open. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    if (this.timer) clearInterval(this.timer);
    const client = this.client;
    if (client?.connected) {
      const flushed = await this.outbox.drain(this.opts.flushMs ?? 3000).catch(() => false);
      if (!flushed) this.log.info({ backlog: this.outbox.backlog() }, 'stopping with events not yet acknowledged; they are sent at the next start');
      await this.publish(topicOf(this.opts.site, this.opts.door, 'status'), JSON.stringify(this.outbox.status('offline')), true, 1000).catch(() => undefined);
    }
    this.stopped = true;
    this.safe(() => this.state.setConnected(false, Date.now()));
    await client?.endAsync(true).catch(() => undefined);
  }

  private onConnect(): void {
    const { site, door } = this.opts;
    this.log.info('connected to the central broker');
    this.setConnected(true);
    this.client?.subscribe([topicOf(site, door, 'ack'), topicOf(site, door, 'commands')], { qos: 1 }, (err) => {
      if (err) this.log.error({ err: err.message }, 'subscribing to ack and commands failed');
    });
    this.publishStatus();
    this.safe(() => this.outbox.onConnect());
  }

  private onMessage(topic: string, payload: Buffer): void {
    if (this.stopped) return;
    const { site, door } = this.opts;
    this.safe(() => {
      if (topic === topicOf(site, door, 'ack')) this.outbox.onAck(payload);
      else if (topic === topicOf(site, door, 'commands')) {
        const reply = signBody(this.opts.key.privateKey, 'replies', site, door, this.commands.handle(payload));
        // The centre hears "done" only once the command's commit is on disk (a power cut cannot take it back).
        this.opts.store.whenDurable(() => {
          this.publish(topicOf(site, door, 'replies'), JSON.stringify(reply)).catch((err: Error) => this.log.warn({ err: err.message }, 'reply not published'));
        });
      }
    });
  }

  private tick(): void {
    this.safe(() => {
      this.outbox.tick();
      const now = Date.now();
      if (this.client?.connected && now - this.lastStatusAt > 30_000) this.publishStatus();
      const days = this.opts.config.retainAckedDays;
      if (days > 0 && now - this.lastPruneAt > HOUR_MS) {
        this.lastPruneAt = now;
        const faults = this.opts.clock?.faults() ?? [];
        if (faults.length) { this.log.warn({ reasons: faults }, 'retention of acknowledged events skipped: the clock is not trusted'); return; }
        const n = this.state.pruneAcked(now - days * DAY_MS);
        if (n > 0) this.log.info({ deleted: n }, 'acknowledged events past retention deleted');
      }
    });
  }

  private publishStatus(): void {
    this.lastStatusAt = Date.now();
    this.publish(topicOf(this.opts.site, this.opts.door, 'status'), JSON.stringify(this.outbox.status('online')), true).catch(() => undefined);
  }

  private setConnected(connected: boolean): void {
    this.safe(() => { if (this.state.get().connected !== connected) this.state.setConnected(connected, Date.now()); });
  }

  private publish(topic: string, payload: string, retain = false, timeoutMs = 0): Promise<void> {
    const client = this.client;
    if (!client) return Promise.reject(new Error('not started'));
    const p = new Promise<void>((resolve, reject) => client.publish(topic, payload, { qos: 1, retain }, (err) => (err ? reject(err) : resolve())));
    if (!timeoutMs) return p;
    return Promise.race([p, new Promise<void>((_, reject) => setTimeout(() => reject(new Error('publish timed out')), timeoutMs).unref())]);
  }

  private safe(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'central link task failed');
    }
  }
}
