/**
 * The central receiver: a shared subscription to every door's events (several receivers share the load), each
 * message's signature checked against the enrolled door key, its events checked and stored in one transaction,
 * and only then `{"upTo": seq, "hash": …}` acknowledged (signed by the centre). Messages of one door are handled one at a
 * time, in arrival order. Gaps, chain breaks, unknown doors, bad signatures and doors gone offline raise alerts, and
 * the store turns each door alarm it stores into an alert (`alertOf`).
 */
import { randomBytes } from 'node:crypto';
import { connect, type MqttClient } from 'mqtt';
import type { Log } from '../app/logger.js';
import { publicKeyFromText, type KeyPair } from '../adapters/mqtt/keys.js';
import { clientOptions, setNoDelay, type BrokerSettings } from '../adapters/mqtt/connect.js';
import {
  MAX_EVENTS_BYTES, eventsMessageSchema, parsePayload, replyMessageSchema, signBody, statusMessageSchema, verifyBody,
} from '../adapters/mqtt/protocol.js';
import { allDoors, parseTopic, shared, topicOf } from '../adapters/mqtt/topics.js';
import type { CentralStore, DoorRecord, IngestResult } from './store.js';

/** Settings of a receiver. */
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
  /** How long a gap may be an earlier message still being stored by another receiver of the group (ms, default 2000). */
  gapWaitMs?: number;
}

/** Counters since start (health output, tests, benchmarks). */
export interface ReceiverStats {
  /** Events messages handled. */
  messages: number;
  /** Events newly stored. */
  stored: number;
  /** Alerts raised. */
  alerts: number;
}

/** The message did not follow the last stored event (nothing or only its first part was stored). */
function isGap(r: IngestResult): boolean {
  return r.outcome === 'gap' || (r.outcome === 'stored' && r.detail !== undefined);
}

/** One central receiver process. */
export class CentralReceiver {
  /** Counters since start. */
  readonly stats: ReceiverStats = { messages: 0, stored: 0, alerts: 0 };
  private client: MqttClient | null = null;
  private readonly queues = new Map<string, Promise<void>>();
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

  /** Wire to a store; nothing happens until `start()`. */
  constructor(private readonly store: CentralStore, private readonly opts: ReceiverOptions, log: Log) {
    this.log = log.child({ component: 'central-receiver' });
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

  /** Wait for the messages in hand, then disconnect. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.silentTimer) clearInterval(this.silentTimer);
    await this.client?.endAsync().catch(() => undefined);
    await Promise.allSettled([...this.queues.values()]);
  }

  /** Handled, one at a time per door. */
  private route(topic: string, payload: Buffer): void {
    const t = parseTopic(topic);
    if (!t) return;
    const key = `${t.site}/${t.door}`;
    const run = async (): Promise<void> => {
      try {
        if (t.kind === 'events') await this.onEvents(t.site, t.door, payload);
        else if (t.kind === 'status') await this.onStatus(t.site, t.door, payload);
        else if (t.kind === 'replies') await this.onReply(t.site, t.door, payload);
        this.storeFailing = false;
      } catch (err) {
        this.storeFailing = true;
        this.log.error({ site: t.site, door: t.door, kind: t.kind, err: (err as Error).message }, 'handling a message failed; the door will send it again');
      }
    };
    const next = (this.queues.get(key) ?? Promise.resolve()).then(run);
    this.queues.set(key, next);
    void next.then(() => { if (this.queues.get(key) === next) this.queues.delete(key); });
  }

  /** Every quarter of `offlineAfterSeconds` (at most 15 s): doors online but silent for longer are marked offline. */
  private startSilentCheck(): void {
    const after = (this.opts.offlineAfterSeconds ?? 120) * 1000;
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

  private async onEvents(site: string, door: string, payload: Buffer): Promise<void> {
    this.stats.messages += 1;
    if (payload.length > MAX_EVENTS_BYTES) return this.alert(site, door, 'malformed', `events message of ${payload.length} bytes refused`);
    const msg = parsePayload(eventsMessageSchema, payload);
    if (!msg) return this.alert(site, door, 'malformed', 'events message does not match the schema');
    const d = await this.doorKey(site, door);
    if (!d) return this.alert(site, door, 'unknown-door', `events from a door that is not enrolled (seq ${msg.events[0]?.seq}…); enrol it with pintu central enroll`);
    if (!verifyBody(d.key, 'events', site, door, msg)) return this.alert(site, door, 'bad-signature', `events message (seq ${msg.events[0]?.seq}…) is not signed by the enrolled key`);
    let r = await this.store.ingest(site, door, msg.events, Date.now());
    this.stats.stored += r.stored;
    // With several receivers in the group, the door's previous message may still be on its way into the store at
    // another receiver: retry for a while before calling it a gap (duplicates are skipped, so retrying is safe).
    const key = `${site}/${door}`;
    if (isGap(r) && this.gapWaited.get(key) !== r.lastSeq) {
      const deadline = Date.now() + (this.opts.gapWaitMs ?? 2000);
      while (isGap(r) && Date.now() < deadline) {
        await new Promise((res) => setTimeout(res, 15));
        r = await this.store.ingest(site, door, msg.events, Date.now());
        this.stats.stored += r.stored;
      }
      if (isGap(r)) this.gapWaited.set(key, r.lastSeq);
    }
    if (!isGap(r)) this.gapWaited.delete(key);
    if (r.outcome !== 'stored' && r.outcome !== 'duplicate') await this.alert(site, door, r.outcome, r.detail ?? r.outcome);
    else if (r.detail) await this.alert(site, door, 'gap', r.detail);
    if (r.lastSeq > 0) await this.ack(site, door, r.lastSeq, r.lastHash);
  }

  private ack(site: string, door: string, upTo: number, hash: string): Promise<void> {
    const msg = signBody(this.opts.key.privateKey, 'ack', site, door, { upTo, hash });
    return new Promise((resolve) => {
      this.client?.publish(topicOf(site, door, 'ack'), JSON.stringify(msg), { qos: 1 }, (err) => {
        if (err) this.log.warn({ site, door, err: err.message }, 'ack not published; the door will send again');
        resolve();
      });
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
    await this.store.setStatus(site, door, msg.state, at, msg.lastSeq ?? null);
    if (msg.state === 'offline' && (d.rec.state !== 'offline' || d.rec.statusAt !== at)) await this.alert(site, door, 'offline', `door went offline (last seen ${msg.at})`, true);
  }

  private async onReply(site: string, door: string, payload: Buffer): Promise<void> {
    const msg = parsePayload(replyMessageSchema, payload);
    const d = await this.doorKey(site, door);
    if (!msg || !d || !msg.id) return;
    if (!verifyBody(d.key, 'replies', site, door, msg)) return this.alert(site, door, 'bad-signature', `reply to ${msg.id} is not signed by the enrolled key`);
    await this.store.recordReply(msg.id, JSON.stringify(msg), Date.now());
  }

  private async alert(site: string, door: string, kind: string, detail: string, always = false): Promise<void> {
    const key = `${site}/${door}/${kind}`;
    const now = Date.now();
    if (!always && now - (this.lastAlert.get(key) ?? 0) < (this.opts.alertEverySeconds ?? 60) * 1000) return;
    this.lastAlert.set(key, now);
    this.stats.alerts += 1;
    this.log.warn({ site, door, kind, detail }, 'alert');
    await this.store.alert(site, door, kind, detail, now);
  }
}
