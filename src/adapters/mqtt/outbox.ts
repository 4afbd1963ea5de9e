/**
 * Store and forward on the door: events stay in SQLite until the centre acknowledges them. The outbox publishes
 * unacknowledged events in seq order (signed batches, QoS 1), moves `acked_seq` forward on each signed ack, and
 * starts again from the last ack after a reconnect or when no ack came for `ackTimeoutMs`. It only reads the
 * database and never sits in the path of a tap decision: taps commit first, the outbox is told afterwards.
 */
import type { KeyObject } from 'node:crypto';
import type { Log } from '../../ports/log.js';
import type { LinkState } from './link-state.js';
import type { EventLog } from '../sqlite/event-log.js';
import type { StoredEventText } from '../../protocol/chain.js';
import { EVENTS_ENVELOPE_BYTES, ackMessageSchema, eventsPayload, parsePayload, statusMessageSchema, wireEventText, type StatusFacts, type StatusMessage } from '../../protocol/messages.js';
import { signBody, signEvents, verifyBody } from '../../protocol/signing.js';
import { topicOf } from '../../protocol/topics.js';

/** What the outbox needs from an MQTT connection. */
export interface Publisher {
  /** The connection is up. */
  readonly connected: boolean;
  /** Publish at QoS 1; `retain` for status. Resolves when the broker has it (PUBACK). */
  publish(topic: string, payload: string, retain?: boolean): Promise<void>;
}

/** Settings of the outbox. */
export interface OutboxOptions {
  /** Site id. */
  site: string;
  /** Door id. */
  door: string;
  /** The door's private key (signs every message). */
  key: KeyObject;
  /** The centre's public key: every ack must carry its signature. */
  centralKey: KeyObject;
  /** At most this many events per message. */
  batchSize: number;
  /** At most this many bytes per message (one event larger than that is sent alone). */
  maxMessageBytes: number;
  /** Resend from the last ack when no ack arrived for this long (ms). */
  ackTimeoutMs: number;
  /** At most this many events sent and not yet acknowledged. */
  maxInflightEvents?: number;
  /** Clock (ms). */
  now?: () => number;
  /**
   * Calls back once everything committed before the call is on disk (`Store.whenDurable`): only such events are sent,
   * so the centre never holds an event that a power cut takes back from the door. Default: send at once.
   */
  whenDurable?: (fn: () => void) => void;
  /** The door's facts for an online status (version, OS, clock, readers, health); default: none. */
  facts?: () => StatusFacts;
}

/** Publishes the door's unacknowledged events and tracks the centre's acks. */
export class Outbox {
  private sentSeq = 0;
  private lastProgress = 0;
  private readonly now: () => number;
  private readonly maxInflight: number;
  /** With `whenDurable`: the highest seq known to be on disk, and whether a wait for more is running. */
  private durableSeq = 0;
  private awaitingDurable = false;

  /** Wire to the event log, the link row and a publisher. */
  constructor(private readonly events: EventLog, private readonly link: LinkState, private readonly pub: Publisher, private readonly opts: OutboxOptions, private readonly log: Log) {
    this.now = opts.now ?? Date.now;
    this.maxInflight = opts.maxInflightEvents ?? Math.max(opts.batchSize * 10, 1000);
  }

  /** Events not yet acknowledged by the centre. */
  backlog(): number {
    return this.link.backlog(this.events.lastSeq());
  }

  /** Highest seq the centre has acknowledged. */
  ackedSeq(): number {
    return this.link.get().ackedSeq;
  }

  /** A (re)connection: everything after the last ack is sent again, in order. */
  onConnect(): void {
    this.sentSeq = this.ackedSeq();
    this.lastProgress = this.now();
    this.pump();
  }

  /** An ack payload from the centre; returns false (and changes nothing) if it is invalid. */
  onAck(payload: Buffer): boolean {
    const msg = parsePayload(ackMessageSchema, payload);
    if (!msg) { this.log.warn('ignoring malformed ack'); return false; }
    if (!verifyBody(this.opts.centralKey, 'ack', this.opts.site, this.opts.door, msg)) {
      this.log.warn({ upTo: msg.upTo }, 'ignoring ack with a bad signature');
      return false;
    }
    const acked = this.ackedSeq();
    if (msg.upTo <= acked) return true;
    if (msg.upTo > this.events.lastSeq()) { this.log.warn({ upTo: msg.upTo }, 'ignoring ack beyond the last event'); return false; }
    // The centre names the hash it stored for upTo: an ack for another chain (a replay from before a restore) does not match.
    const own = this.events.sinceText(msg.upTo - 1, 1)[0];
    if (!own || own.seq !== msg.upTo || own.hash !== msg.hash) {
      this.log.warn({ upTo: msg.upTo }, 'ignoring ack whose hash is not the hash of our event at upTo');
      return false;
    }
    this.link.setAcked(msg.upTo, this.now());
    this.lastProgress = this.now();
    if (this.sentSeq < msg.upTo) this.sentSeq = msg.upTo;
    this.pump();
    return true;
  }

  /** Send what the window allows (only events on disk); called after commits, acks, and by the timer. */
  pump(): void {
    if (!this.pub.connected) return;
    const wait = this.opts.whenDurable;
    let limit = Infinity;
    if (wait) {
      const last = this.events.lastSeq();
      if (last > this.durableSeq && !this.awaitingDurable) {
        this.awaitingDurable = true;
        wait(() => {
          this.awaitingDurable = false;
          if (last > this.durableSeq) this.durableSeq = last;
          this.pump();
        });
      }
      limit = this.durableSeq;
    }
    const acked = this.ackedSeq();
    if (this.sentSeq < acked) this.sentSeq = acked;
    while (this.sentSeq - acked < this.maxInflight && this.sentSeq < limit) {
      const batch = this.events.sinceText(this.sentSeq, Math.min(this.opts.batchSize, this.maxInflight - (this.sentSeq - acked), limit - this.sentSeq))
        .filter((e) => e.seq <= limit);
      if (batch.length === 0) return;
      if (this.sentSeq === acked) this.lastProgress = this.now();
      // The stored data text goes into the message as it is (no JSON.parse/stringify per event): the bytes are those of
      // JSON.stringify of the parsed events, so the centre's hash check over the data's JSON is unchanged.
      const texts = this.fit(batch.map(wireEventText), batch);
      const sent = batch.slice(0, texts.length);
      const sig = signEvents(this.opts.key, this.opts.site, this.opts.door, sent.map((e) => [e.seq, e.hash] as const));
      this.sentSeq = sent[sent.length - 1]!.seq;
      this.pub.publish(topicOf(this.opts.site, this.opts.door, 'events'), eventsPayload(texts, sig)).catch((err: Error) => {
        this.log.warn({ err: err.message }, 'publishing events failed; they will be sent again');
      });
    }
  }

  /** The longest prefix of `texts` (at least one) whose message stays within `maxMessageBytes`. */
  private fit(texts: string[], events: readonly StoredEventText[]): string[] {
    let bytes = EVENTS_ENVELOPE_BYTES;
    for (let i = 0; i < texts.length; i++) {
      bytes += Buffer.byteLength(texts[i]!, 'utf8') + 1;
      if (bytes <= this.opts.maxMessageBytes) continue;
      if (i > 0) return texts.slice(0, i);
      // Cannot happen with the text-field limits (central.maxMessageBytes is at least 64 KiB); never stall on it.
      this.log.error({ seq: events[0]!.seq, bytes, maxMessageBytes: this.opts.maxMessageBytes }, 'one event is larger than central.maxMessageBytes; sending it alone');
      return texts.slice(0, 1);
    }
    return texts;
  }

  /** Timer work: resend after an ack timeout, then send anything new (events written by other processes too). */
  tick(): void {
    if (!this.pub.connected) return;
    const acked = this.ackedSeq();
    if (this.sentSeq > acked && this.now() - this.lastProgress > this.opts.ackTimeoutMs) {
      this.log.info({ from: acked + 1, to: this.sentSeq }, 'no ack in time; sending again');
      this.sentSeq = acked;
      this.lastProgress = this.now();
    }
    this.pump();
  }

  /** The signed status message (online with counters and the door's facts, or offline). */
  status(state: 'online' | 'offline', at = this.now()): StatusMessage {
    const body = state === 'online'
      ? { state, at: new Date(at).toISOString(), lastSeq: this.events.lastSeq(), backlog: this.backlog(), ...this.facts() }
      : { state, at: new Date(at).toISOString() };
    return signBody(this.opts.key, 'status', this.opts.site, this.opts.door, body);
  }

  /** The door's facts, only if they pass the status schema: a fact that cannot be read never costs the status itself. */
  private facts(): StatusFacts {
    if (!this.opts.facts) return {};
    try {
      // Keys without a value are left out (the signature is over the JSON text, which has no `undefined`).
      const f = Object.fromEntries(Object.entries(this.opts.facts()).filter(([, v]) => v !== undefined)) as StatusFacts;
      const checked = statusMessageSchema.safeParse({ state: 'online', at: new Date(0).toISOString(), sig: '', ...f });
      if (checked.success) return f;
      this.log.warn({ problems: checked.error.issues.map((i) => i.path.join('.')).slice(0, 5) }, 'door facts left out of the status: they do not fit the status schema');
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'door facts left out of the status: they could not be read');
    }
    return {};
  }

  /** Keep sending until everything is acknowledged or the deadline passes; true if the backlog is empty. */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = this.now() + timeoutMs;
    while (this.backlog() > 0 && this.now() < deadline) {
      if (!this.pub.connected) return false;
      this.tick();
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.backlog() === 0;
  }
}
