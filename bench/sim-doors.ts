/**
 * Simulated doors for `bench/central.ts`, in a child process of their own: each door has a real Ed25519 key, a
 * hash-chained backlog built with the door's own `eventHash`, and an MQTT client that speaks the door protocol
 * exactly as the outbox does (signed `events` messages at QoS 1, a window of unacknowledged events, every ack's
 * signature and hash checked, resend from the last ack when none comes). Only the database is left out, so that
 * many doors fit on a small machine without their SQLite work competing with the centre.
 *
 * Protocol on stdin/stdout (one JSON object a line): the parent passes the settings as argv[2]; the child prints
 * `{"ready":true}` once every door is connected and its messages are built, starts on a line `go` on stdin,
 * prints `{"done":door,"ms":…}` as each door's backlog is acknowledged and `{"all":true,"ms":…}` at the end.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createInterface } from 'node:readline';
import { connect, type MqttClient } from 'mqtt';
import { eventHash, GENESIS_HASH } from '../src/protocol/chain.js';
import { publicKeyFromText, publicKeyToText } from '../src/protocol/signing.js';
import { ackMessageSchema, parsePayload, type WireEvent } from '../src/protocol/messages.js';
import { signBody, verifyBody } from '../src/protocol/signing.js';
import { topicOf } from '../src/protocol/topics.js';

/** Settings passed by the parent. */
export interface SimSettings {
  /** Broker URL. */
  url: string;
  /** Site id. */
  site: string;
  /** Door ids; each logs in as `site.door` with password `pw-door`. */
  doors: string[];
  /** Events queued at each door. */
  events: number;
  /** Events per message (the outbox's batchSize). */
  batch: number;
  /** Unacknowledged events allowed (the outbox's window). */
  window: number;
  /** The centre's public key (acks are verified). */
  centralKey: string;
  /** Door → its site, for doors of several sites (default: `site`); the login is `site.door` either way. */
  sites?: Record<string, string>;
  /** Door → the head its chain continues from (default: a new chain from seq 1). */
  from?: Record<string, { seq: number; hash: string }>;
}

/** One door's public key, printed before `ready` so the parent can enrol it. */
export interface SimKey {
  /** Door id. */
  door: string;
  /** Public key text. */
  publicKey: string;
}

interface SimDoor { door: string; site: string; lastSeq: number; messages: string[]; lastSeqOf: number[]; hashOf: Map<number, string>; client: MqttClient; sent: number; acked: number; ackedSeq: number; lastProgress: number; doneAt: number }

function build(s: SimSettings, site: string, door: string): { publicKey: string; messages: string[]; lastSeqOf: number[]; hashOf: Map<number, string> } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const at = new Date().toISOString();
  const messages: string[] = [];
  const lastSeqOf: number[] = [];
  const hashOf = new Map<number, string>();
  let prev = s.from?.[door]?.hash ?? GENESIS_HASH;
  const start = (s.from?.[door]?.seq ?? 0) + 1;
  const last = start + s.events - 1;
  for (let first = start; first <= last; first += s.batch) {
    const events: WireEvent[] = [];
    for (let seq = first; seq < first + s.batch && seq <= last; seq++) {
      const data = { reader: 'in', direction: 'in', holder: 'officer', officer: 'O1', i: seq };
      const hash = eventHash(prev, door, seq, 'access.granted', at, JSON.stringify(data));
      events.push({ seq, type: 'access.granted', at, data, prevHash: prev, hash });
      prev = hash;
    }
    hashOf.set(events.at(-1)!.seq, prev);
    lastSeqOf.push(events.at(-1)!.seq);
    messages.push(JSON.stringify(signBody(privateKey, 'events', site, door, { v: 1, events })));
  }
  return { publicKey: publicKeyToText(publicKey), messages, lastSeqOf, hashOf };
}

async function main(): Promise<void> {
  const s = JSON.parse(process.argv[2] ?? '{}') as SimSettings;
  const centralKey = publicKeyFromText(s.centralKey);
  const doors: SimDoor[] = [];
  let started = 0;
  let remaining = s.doors.length;
  const pump = (d: SimDoor): void => {
    if (!started) return;
    while (d.sent < d.messages.length && (d.lastSeqOf[d.sent - 1] ?? 0) - d.ackedSeq < s.window) {
      d.client.publish(topicOf(d.site, d.door, 'events'), d.messages[d.sent]!, { qos: 1 });
      d.sent += 1;
    }
  };
  for (const id of s.doors) {
    const site = s.sites?.[id] ?? s.site;
    const from = s.from?.[id]?.seq ?? 0;
    const b = build(s, site, id);
    process.stdout.write(`${JSON.stringify({ key: { door: id, publicKey: b.publicKey } })}\n`);
    const client = connect(s.url, { username: `${site}.${id}`, password: `pw-${id}`, clientId: `sim-${site}-${id}`.slice(0, 64), clean: true, reconnectPeriod: 500 });
    const d: SimDoor = { door: id, site, lastSeq: from + s.events, messages: b.messages, lastSeqOf: b.lastSeqOf, hashOf: b.hashOf, client, sent: 0, acked: 0, ackedSeq: from, lastProgress: 0, doneAt: 0 };
    doors.push(d);
    client.on('message', (_topic, payload) => {
      const msg = parsePayload(ackMessageSchema, payload);
      if (!msg || !verifyBody(centralKey, 'ack', site, id, msg) || msg.upTo <= d.ackedSeq) return;
      const own = d.hashOf.get(msg.upTo);
      if (own !== undefined && own !== msg.hash) return; // not our chain
      d.ackedSeq = msg.upTo;
      d.lastProgress = performance.now();
      while (d.acked < d.messages.length && d.lastSeqOf[d.acked]! <= msg.upTo) d.acked += 1;
      if (d.ackedSeq >= d.lastSeq && !d.doneAt) {
        d.doneAt = performance.now();
        process.stdout.write(`${JSON.stringify({ done: id, ms: d.doneAt - started })}\n`);
        if (--remaining === 0) process.stdout.write(`${JSON.stringify({ all: true, ms: d.doneAt - started })}\n`);
      }
      pump(d);
    });
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => client.subscribe(topicOf(site, id, 'ack'), { qos: 1 }, (err) => (err ? reject(err) : resolve())));
      client.once('error', reject);
    });
  }
  // The outbox's ack timeout: nothing acknowledged for 10 s → send again from the last ack.
  setInterval(() => {
    for (const d of doors) {
      if (!started || d.doneAt || d.sent === d.acked || performance.now() - d.lastProgress < 10_000) continue;
      d.sent = d.acked;
      d.lastProgress = performance.now();
      pump(d);
    }
  }, 500).unref();
  process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
  for await (const line of createInterface({ input: process.stdin })) {
    if (line.trim() === 'go' && !started) {
      started = performance.now();
      for (const d of doors) { d.lastProgress = started; pump(d); }
    }
    if (line.trim() === 'stop') break;
  }
  await Promise.all(doors.map((d) => d.client.endAsync()));
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
