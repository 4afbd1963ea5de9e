/**
 * The central receiver: a shared subscription to every door's events (several receivers share the load), each
 * message's signature checked against the enrolled door key and its events' hashes over the data text received,
 * then stored, and only after the commit `{"upTo": seq, "hash": …}` acknowledged (signed by the centre). Messages wait
 * in one queue per door (`DoorQueues`): each store transaction takes what is waiting, live traffic first and then
 * round-robin across doors, so a door's taps never wait behind other doors' backlogs, and one commit (one fsync)
 * serves many messages. A door's messages are stored in arrival order. Gaps, chain breaks, unknown doors, bad
 * signatures and doors gone offline raise alerts, and the store turns each door alarm it stores into an alert.
 */
import { randomBytes } from 'node:crypto';
import { connect, type MqttClient } from 'mqtt';
import type { Log } from '../ports/log.js';
import { publicKeyFromText } from '../protocol/signing.js';
import type { KeyPair } from '../adapters/mqtt/keys.js';
import { clientOptions, setNoDelay, type BrokerSettings } from '../adapters/mqtt/connect.js';
import { parsePayload, replyMessageSchema, statusMessageSchema } from '../protocol/messages.js';
import { signBody, verifyBody } from '../protocol/signing.js';
import { allDoors, parseTopic, shared, topicOf, type TopicKind } from '../protocol/topics.js';
import type { CentralStore, DoorRecord, IngestResult } from './store.js';
import { DoorQueues, type GroupLimits } from './door-queues.js';
import { parseEvents, type CheckedEvent } from './wire.js';

/** Settings of a receiver. */
/** Seconds of silence before a door is offline when no config says (the central config's default; a test checks). */
export const DEFAULT_OFFLINE_AFTER_SECONDS = 120;

export interface ReceiverOptions {
  /** Broker connection. */
  broker: BrokerSettings;
  /** Shared-subscription group. */
  group: string;
  /** The centre's key pair (signs acks). */
  key: KeyPair;
  /** Seconds between two alerts of the same kind for the same door. */
  alertEverySeconds?: number;
  /** A door silent for longer than this (s) is marked offline and alerted (default 120; 0: never). */
  offlineAfterSeconds?: number;
  /** Subscribe through a shared subscription (default true; false for brokers without `$share`, e.g. the demo's aedes). */
  shared?: boolean;
  /**
   * How long a gap may be an earlier message still on its way (ms, default 15000): being stored by another receiver of
   * the group, or lost by a restarting broker and resent by the door once its ack timeout (default 10 s) passes.
   */
  gapWaitMs?: number;
  /** What one store transaction takes at most (defaults: `DEFAULT_GROUP`). */
  groupLimits?: Partial<GroupLimits>;
  /**
   * Events messages of one door waiting to be stored, at most this many bytes (default 8 MiB); more are dropped unread:
   * unacknowledged, the door sends them again. A flooding door (or anyone on its topic) cannot fill the centre's memory.
   */
  maxQueuedBytesPerDoor?: number;
}

/** Default limits of one store transaction: about 300 events of the usual size (ms, not tens of ms), live messages up to 4 KiB first. */
export const DEFAULT_GROUP: GroupLimits = { maxMessages: 64, maxBytes: 64 * 1024, smallBytes: 4096 };

/** A message waiting in its door's queue. */
/** Default of `gapWaitMs`: longer than a door's default ack timeout (10 s), after which it resends what was lost. */
const GAP_WAIT_MS = 15_000;

interface Item {
  /** Topic kind. */
  kind: TopicKind;
  /** Site id. */
  site: string;
  /** Door id. */
  door: string;
  /** Payload as received. */
  payload: Buffer;
  /** Payload size. */
  bytes: number;
  /** Events messages, once checked (kept when put back to wait for an earlier message). */
  events?: CheckedEvent[];
}

/** Counters since start (health output, tests, benchmarks). */
export interface ReceiverStats {
  /** Events messages handled. */
  messages: number;
  /** Events newly stored. */
  stored: number;
  /** Alerts raised. */
  alerts: number;
  /** Store transactions that stored events messages. */
  commits: number;
}

/** What changed in the store, for the dashboard's live feed: new events, a status, an alert, a command's reply. */
export type StoreChange = { kind: 'events' | 'status' | 'alert' | 'reply'; site: string; door: string; id?: string };

/** The message did not follow the last stored event (nothing or only its first part was stored). */
function isGap(r: IngestResult): boolean {
  return r.outcome === 'gap' || (r.outcome === 'stored' && r.detail !== undefined);
}

/** One central receiver process. */
export class CentralReceiver {
  /** Counters since start. */
  readonly stats: ReceiverStats = { messages: 0, stored: 0, alerts: 0, commits: 0 };
  private client: MqttClient | null = null;
  private readonly queues = new DoorQueues<Item>((it) => it.events?.[0]?.seq);
  private readonly limits: GroupLimits;
  /** The pump is running (or about to). */
  private pumping = false;
  private holdTimer: NodeJS.Timeout | null = null;
  /** Per door: until when (ms) a gap may still be an earlier message on its way through another receiver. */
  private readonly gapDeadline = new Map<string, number>();
  private readonly lastAlert = new Map<string, number>();
  private readonly keys = new Map<string, ReturnType<typeof publicKeyFromText>>();
  /** Per door: the last stored seq at which a gap already waited its full time (later gaps there alert at once). */
  private readonly gapWaited = new Map<string, number>();
  private readonly log: Log;
  private silentTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  /** When the broker connection was lost (ms), or null while connected. */
  private disconnectedAt: number | null = Date.now();
  /** The last store operation failed (cleared by the next one that succeeds). */
  private storeFailing = false;
  /** Events messages dropped because their door's queue was full (since start), and when that was last logged. */
  dropped = 0;
  private droppedLoggedAt = 0;

  private readonly watchers = new Set<(c: StoreChange) => void>();

  /** Be told of each change this receiver makes to the store (after its commit); returns the unsubscribe. */
  watch(fn: (c: StoreChange) => void): () => void {
    this.watchers.add(fn);
    return () => this.watchers.delete(fn);
  }

  /** The broker connection (for signed commands from the dashboard), once started. */
  get mqtt(): MqttClient | null {
    return this.client;
  }

  private changed(c: StoreChange): void {
    for (const fn of this.watchers) {
      try { fn(c); } catch (err) { this.log.warn({ err: (err as Error).message }, 'a store watcher failed'); }
    }
  }

  /** Wire to a store; nothing happens until `start()`. */
  constructor(private readonly store: CentralStore, private readonly opts: ReceiverOptions, log: Log) {
    this.log = log.child({ component: 'central-receiver' });
    this.limits = { ...DEFAULT_GROUP, ...opts.groupLimits };
  }

  /** Connect and subscribe; resolves once the first subscription is in place (reconnects by itself afterwards). */
  start(): Promise<void> {
    const client = connect(this.opts.broker.url, clientOptions(this.opts.broker, { clientId: `pintu-central-${randomBytes(6).toString('hex')}`, clean: true }));
    this.client = client;
    client.on('message', (topic, payload) => this.route(topic, payload));
    client.on('error', (err) => this.log.warn({ err: err.message }, 'broker connection error'));
    client.on('close', () => { this.disconnectedAt ??= Date.now(); this.log.debug('broker connection closed'); });
    return new Promise<void>((resolve, reject) => {
      let first = true;
      client.on('connect', () => {
        setNoDelay(client);
        const g = this.opts.group;
        const share = this.opts.shared ?? true;
        const topics = [share ? shared('events', g) : allDoors('events'), share ? shared('replies', g) : allDoors('replies'), allDoors('status')];
        client.subscribe(topics, { qos: 1 }, (err, granted) => {
          const refused = granted?.filter((x) => x.qos > 2) ?? [];
          if (err || refused.length) {
            const msg = err?.message ?? `subscription refused: ${refused.map((x) => x.topic).join(', ')}`;
            this.log.error({ err: msg }, 'subscribing failed');
            if (first) { first = false; reject(new Error(msg)); }
            return;
          }
          this.disconnectedAt = null;
          this.log.info({ group: g }, 'receiving');
          if (first) { first = false; this.startSilentCheck(); resolve(); }
        });
      });
    });
  }

  /**
   * For the systemd watchdog: not stopping, the last store operation succeeded, and the broker connection is up or
   * was lost less than `maxDisconnectedMs` ago (mqtt.js keeps reconnecting; a restart may help a stuck client).
   */
  healthy(maxDisconnectedMs = 120_000): boolean {
    if (this.stopped || !this.client || this.storeFailing) return false;
    return this.disconnectedAt === null || Date.now() - this.disconnectedAt < maxDisconnectedMs;
  }

  /** Disconnect, then handle the messages in hand. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.silentTimer) clearInterval(this.silentTimer);
    await this.client?.endAsync().catch(() => undefined);
    while (this.pumping || this.queues.size) {
      if (!this.pumping) this.kick();
      await new Promise((r) => setTimeout(r, 10));
    }
    if (this.holdTimer) clearTimeout(this.holdTimer);
  }

  /** Into its door's queue; the pump takes it with the next store transaction. */
  private route(topic: string, payload: Buffer): void {
    const t = parseTopic(topic);
    if (!t) return;
    const item: Item = { kind: t.kind, site: t.site, door: t.door, payload, bytes: payload.length };
    const limit = t.kind === 'events' ? this.opts.maxQueuedBytesPerDoor ?? 8 * 1024 * 1024 : Infinity;
    if (!this.queues.push(`${t.site}/${t.door}`, item, limit)) {
      this.dropped += 1;
      const now = Date.now();
      if (now - this.droppedLoggedAt > 10_000) {
        this.droppedLoggedAt = now;
        this.log.warn({ site: t.site, door: t.door, dropped: this.dropped }, 'door queue full; events message dropped (the door sends it again)');
      }
      return;
    }
    this.kick();
  }

  /** Start the pump unless it runs; after pending I/O, so messages that arrived together go into one group. */
  private kick(): void {
    if (this.pumping) return;
    this.pumping = true;
    setImmediate(() => void this.pump());
  }

  /** One group after the other until nothing is ready; yields to I/O between groups so live messages join the next one. */
  private async pump(): Promise<void> {
    try {
      for (;;) {
        const group = this.queues.take(Date.now(), this.limits);
        if (!group.length) break;
        await this.handleGroup(group.map((g) => g.item));
        await new Promise((r) => setImmediate(r));
      }
    } finally {
      this.pumping = false;
      const wait = this.queues.nextHoldEndsIn(Date.now());
      if (wait !== null && !this.holdTimer) {
        this.holdTimer = setTimeout(() => { this.holdTimer = null; this.kick(); }, wait);
      }
    }
  }

  /** Status and replies one by one; every events message that passes its checks into one store transaction. */
  private async handleGroup(items: Item[]): Promise<void> {
    const ready: Item[] = [];
    let backlogChecked = false;
    for (let i = 0; i < items.length; i++) {
      const it = items[i]!;
      // Between the checks of large messages, let arrivals in: if live traffic came, store what is checked now and put
      // the rest back (at the head of their doors' queues), so the live messages wait for one check, not a whole group.
      // Only once a backlog message was checked: a group that starts with live messages (see `DoorQueues.take`) always
      // moves a backlog on by one message, however many live ones keep coming.
      if (backlogChecked && it.kind === 'events' && !it.events) {
        await new Promise((r) => setImmediate(r));
        if (this.queues.smallWaiting(Date.now(), this.limits.smallBytes)) {
          const rest = new Map<string, Item[]>();
          for (const x of items.slice(i)) rest.set(`${x.site}/${x.door}`, [...(rest.get(`${x.site}/${x.door}`) ?? []), x]);
          for (const [door, list] of rest) this.queues.requeue(door, list, 0);
          break;
        }
      }
      try {
        if (it.kind === 'events') {
          if (it.bytes > this.limits.smallBytes) backlogChecked = true;
          if (await this.check(it)) ready.push(it);
        } else if (it.kind === 'status') await this.onStatus(it.site, it.door, it.payload);
        else if (it.kind === 'replies') await this.onReply(it.site, it.door, it.payload);
        this.storeFailing = false;
      } catch (err) {
        this.storeFailing = true;
        this.log.error({ site: it.site, door: it.door, kind: it.kind, err: (err as Error).message }, 'handling a message failed; the door will send it again');
      }
    }
    if (ready.length) await this.commit(ready);
  }

  /** Every quarter of `offlineAfterSeconds` (at most 15 s): doors online but silent for longer are marked offline. */
  private startSilentCheck(): void {
    const after = (this.opts.offlineAfterSeconds ?? DEFAULT_OFFLINE_AFTER_SECONDS) * 1000;
    if (after <= 0 || this.silentTimer) return;
    this.silentTimer = setInterval(() => void this.checkSilent(after), Math.max(50, Math.min(15_000, after / 4)));
    this.silentTimer.unref();
  }

  private async checkSilent(afterMs: number): Promise<void> {
    try {
      const now = Date.now();
      for (const d of await this.store.doors()) {
        if (d.state !== 'online' || (d.lastSeenAt ?? 0) >= now - afterMs) continue;
        // Atomic in the store: with several receivers, one of them marks the door and raises the alert.
        if (!(await this.store.markSilent(d.site, d.door, now - afterMs))) continue;
        const seen = d.lastSeenAt ? new Date(d.lastSeenAt).toISOString() : 'never';
        await this.alert(d.site, d.door, 'offline', `door silent for more than ${Math.round(afterMs / 1000)} s (last seen ${seen})`, true);
      }
      this.storeFailing = false;
    } catch (err) {
      this.storeFailing = true;
      this.log.error({ err: (err as Error).message }, 'checking for silent doors failed');
    }
  }

  private async doorKey(site: string, door: string): Promise<{ rec: DoorRecord; key: ReturnType<typeof publicKeyFromText> } | null> {
    const rec = await this.store.door(site, door);
    if (!rec) return null;
    const cacheKey = `${site}/${door}/${rec.publicKey}`;
    let key = this.keys.get(cacheKey);
    if (!key) { key = publicKeyFromText(rec.publicKey); this.keys.set(cacheKey, key); }
    return { rec, key };
  }

  /** Size, schema, enrolled door and signature of an events message (alerts if any fails); true if it may be stored. */
  private async check(it: Item): Promise<boolean> {
    if (it.events) return true; // checked before, put back to wait for an earlier message
    const { site, door } = it;
    this.stats.messages += 1;
    const p = parseEvents(it.payload);
    if (!p.ok) { await this.alert(site, door, 'malformed', p.why); return false; }
    const d = await this.doorKey(site, door);
    if (!d) { await this.alert(site, door, 'unknown-door', `events from a door that is not enrolled (seq ${p.msg.events[0]?.seq}…); enrol it with pintu central enroll`); return false; }
    if (!verifyBody(d.key, 'events', site, door, p.msg)) { await this.alert(site, door, 'bad-signature', `events message (seq ${p.msg.events[0]?.seq}…) is not signed by the enrolled key`); return false; }
    it.events = p.events;
    return true;
  }

  /**
   * Store the messages in one transaction, then per door and message: alerts, and the ack naming the door's head after
   * that message. A store failure with several messages tries each alone, so one message the store refuses holds back no other.
   */
  private async commit(items: Item[]): Promise<void> {
    let results: IngestResult[];
    try {
      results = await this.store.ingestMany(items.map((it) => ({ site: it.site, door: it.door, events: it.events! })), Date.now());
      this.stats.commits += 1;
      this.storeFailing = false;
    } catch (err) {
      if (items.length > 1) { for (const it of items) await this.commit([it]); return; }
      this.storeFailing = true;
      this.log.error({ site: items[0]!.site, door: items[0]!.door, kind: 'events', err: (err as Error).message }, 'handling a message failed; the door will send it again');
      return;
    }
    const byDoor = new Map<string, { it: Item; r: IngestResult }[]>();
    items.forEach((it, i) => {
      const k = `${it.site}/${it.door}`;
      const list = byDoor.get(k) ?? [];
      list.push({ it, r: results[i]! });
      byDoor.set(k, list);
    });
    for (const [key, list] of byDoor) {
      try {
        await this.settle(key, list);
      } catch (err) {
        this.storeFailing = true;
        this.log.error({ door: key, err: (err as Error).message }, 'raising an alert failed');
      }
    }
  }

  /** One door's results, in order: gaps wait (put back) for a while, alerts, and each message's ack (after the commit). */
  private async settle(key: string, list: { it: Item; r: IngestResult }[]): Promise<void> {
    const { site, door } = list[0]!.it;
    for (let i = 0; i < list.length; i++) {
      const { r } = list[i]!;
      this.stats.stored += r.stored;
      // With several receivers in the group, the door's previous message may still be on its way into the store at
      // another receiver: put it back for a while before calling it a gap (duplicates are skipped, so retrying is safe).
      if (isGap(r) && this.gapWaited.get(key) !== r.lastSeq) {
        const now = Date.now();
        const deadline = this.gapDeadline.get(key) ?? now + (this.opts.gapWaitMs ?? GAP_WAIT_MS);
        if (now < deadline && !this.stopped) {
          this.gapDeadline.set(key, deadline);
          // Retried now and then (what arrives meanwhile is tried at once: it may be the missing message).
          this.queues.requeue(key, list.slice(i).map((x) => x.it), Math.min(deadline, now + 100));
          break;
        }
        this.gapWaited.set(key, r.lastSeq);
      }
      this.gapDeadline.delete(key);
      if (!isGap(r)) this.gapWaited.delete(key);
      if (r.stored > 0) this.changed({ kind: 'events', site, door });
      if (r.outcome !== 'stored' && r.outcome !== 'duplicate') await this.alert(site, door, r.outcome, r.detail ?? r.outcome);
      else if (r.detail) await this.alert(site, door, 'gap', r.detail);
      // One ack per message, as each was acknowledged when it had a transaction of its own.
      if (r.lastSeq > 0) this.ack(site, door, r.lastSeq, r.lastHash);
    }
  }

  /** Publish an ack (after the commit); not waited for: acks are cumulative, and a lost one makes the door send again. */
  private ack(site: string, door: string, upTo: number, hash: string): void {
    const msg = signBody(this.opts.key.privateKey, 'ack', site, door, { upTo, hash });
    this.client?.publish(topicOf(site, door, 'ack'), JSON.stringify(msg), { qos: 1 }, (err) => {
      if (err) this.log.warn({ site, door, err: err.message }, 'ack not published; the door will send again');
    });
  }

  private async onStatus(site: string, door: string, payload: Buffer): Promise<void> {
    const msg = parsePayload(statusMessageSchema, payload);
    if (!msg) return;
    const d = await this.doorKey(site, door);
    if (!d) return;
    const at = Date.parse(msg.at);
    if (!verifyBody(d.key, 'status', site, door, msg)) {
      // A retained status from before the door was (re-)enrolled was signed by its old key: stale, not forged.
      if (at < d.rec.enrolledAt) return;
      return this.alert(site, door, 'bad-signature', 'status message is not signed by the enrolled key');
    }
    if (d.rec.statusAt !== null && at < d.rec.statusAt) return;
    const { app, os, clock, readers, health, sealKey } = msg;
    await this.store.setStatus(site, door, msg.state, at, msg.lastSeq ?? null, { app, os, clock, readers, health, sealKey });
    this.changed({ kind: 'status', site, door });
    if (msg.state === 'offline' && (d.rec.state !== 'offline' || d.rec.statusAt !== at)) await this.alert(site, door, 'offline', `door went offline (last seen ${msg.at})`, true);
  }

  private async onReply(site: string, door: string, payload: Buffer): Promise<void> {
    const msg = parsePayload(replyMessageSchema, payload);
    const d = await this.doorKey(site, door);
    if (!msg || !d || !msg.id) return;
    if (!verifyBody(d.key, 'replies', site, door, msg)) return this.alert(site, door, 'bad-signature', `reply to ${msg.id} is not signed by the enrolled key`);
    await this.store.recordReply(msg.id, JSON.stringify(msg), Date.now());
    this.changed({ kind: 'reply', site, door, id: msg.id });
  }

  private async alert(site: string, door: string, kind: string, detail: string, always = false): Promise<void> {
    const key = `${site}/${door}/${kind}`;
    const now = Date.now();
    if (!always && now - (this.lastAlert.get(key) ?? 0) < (this.opts.alertEverySeconds ?? 60) * 1000) return;
    this.lastAlert.set(key, now);
    this.stats.alerts += 1;
    this.log.warn({ site, door, kind, detail }, 'alert');
    await this.store.alert(site, door, kind, detail, now);
    this.changed({ kind: 'alert', site, door });
  }
}
