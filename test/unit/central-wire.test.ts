/**
 * The centre reads an events message without writing its data again (issue 10, item 5): each event's data text is
 * the text received when that already is JSON.stringify's form, and always equal to JSON.stringify(data), so the hash
 * checked and the text stored are what the door hashed. The per-door queues hand out fair groups.
 */
import { describe, expect, it } from 'vitest';
import { parseEvents } from '../../src/central/wire.js';
import { DoorQueues } from '../../src/central/door-queues.js';
import { CentralReceiver } from '../../src/central/receiver.js';
import { SqliteCentralStore } from '../../src/central/sqlite-store.js';
import type { CentralStore } from '../../src/central/store.js';
import { silentLogger } from '../../src/adapters/log/pino.js';
import { publicKeyToText } from '../../src/protocol/signing.js';
import { eventHash, GENESIS_HASH } from '../../src/protocol/chain.js';
import { eventsPayload, wireEventText } from '../../src/protocol/messages.js';
import { signEvents } from '../../src/protocol/signing.js';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const H = 'a'.repeat(64);
const event = (seq: number, data: string): string => `{"seq":${seq},"type":"access.granted","at":"2026-12-01T03:00:00.000Z","data":${data},"prevHash":"${H}","hash":"${H}"}`;
const message = (datas: string[]): Buffer => Buffer.from(`{"v":1,"events":[${datas.map((d, i) => event(i + 1, d)).join(',')}],"sig":"${'s'.repeat(88)}"}`);

describe('events message data text', () => {
  it('is always exactly JSON.stringify(data), whatever spacing, escapes, numbers, key order or repeated keys were received', () => {
    const datas = ['{"reader":"in","i":1}', '{ "a" : 1 }', '{"a":1.0}', '{"a":-0}', '{"a":1e21}', '{"a":0.1}', '{"b":1,"1":2}', '{"a":1,"a":2}',
      '{"a":"x\\"y"}', '{"a":"\\u0041\\/"}', '{"__proto__":{"x":1}}', '{"a":[1, 2,{"b":null}]}', '{"a":[]}', '{"a":{}}', '{"a":"é😀 \\n"}', '{"a":true,"b":false}', '{"k\\u0065y":1}'];
    const r = parseEvents(message(datas));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.events.map((e) => e.dataJson)).toEqual(datas.map((d) => JSON.stringify(JSON.parse(d))));
    expect(r.events.map((e) => e.data)).toEqual(datas.map((d) => JSON.parse(d)));
  });

  it('refuses a message that is not JSON, does not match the schema, or is too large, naming why', () => {
    expect(parseEvents(Buffer.from('{"v":1,'))).toEqual({ ok: false, why: 'events message does not match the schema' });
    expect(parseEvents(Buffer.from('{"v":2,"events":[],"sig":"x"}'))).toEqual({ ok: false, why: 'events message does not match the schema' });
    expect(parseEvents(Buffer.alloc(5 * 1024 * 1024, 0x20))).toMatchObject({ ok: false, why: expect.stringContaining('bytes refused') });
  });
});

describe('per-door queues', () => {
  const limits = { maxMessages: 4, maxBytes: 1_000_000, smallBytes: 100 };
  const big = (n: number) => ({ bytes: 1000, n });
  it("take small (live) messages first in a group of their own, then one message per door per round, each door's in its own order", () => {
    const q = new DoorQueues<{ bytes: number; n: number }>();
    for (let i = 1; i <= 5; i++) { q.push('a', big(i)); q.push('b', big(i)); }
    q.push('live', { bytes: 50, n: 1 });
    expect(q.smallWaiting(0, limits.smallBytes)).toBe(true);
    expect(q.take(0, limits).map((g) => `${g.door}${g.item.n}`)).toEqual(['live1']);
    expect(q.smallWaiting(0, limits.smallBytes)).toBe(false);
    const rounds = [q.take(0, limits), q.take(0, limits), q.take(0, limits)].map((g) => g.map((x) => `${x.door}${x.item.n}`));
    expect(rounds.map((r) => r.length)).toEqual([4, 4, 2]);
    // Each door's messages come out in order, and no door gets a second message in a round before the other its first.
    expect(rounds.flat().filter((x) => x.startsWith('a'))).toEqual(['a1', 'a2', 'a3', 'a4', 'a5']);
    expect(rounds.flat().filter((x) => x.startsWith('b'))).toEqual(['b1', 'b2', 'b3', 'b4', 'b5']);
    for (const r of rounds) expect(Math.abs(r.filter((x) => x.startsWith('a')).length - r.filter((x) => x.startsWith('b')).length)).toBeLessThanOrEqual(1);
    expect(q.size).toBe(0);
  });

  it('a steady stream of small messages from one door does not hold back the other doors\' backlogs for ever', () => {
    // Anyone who can publish on a door's events topic (or one noisy door) sends a small message before every group.
    const q = new DoorQueues<{ bytes: number; n: number }>();
    for (let i = 1; i <= 3; i++) q.push('backlog', big(i));
    const taken: string[] = [];
    for (let round = 1; round <= 50; round++) {
      q.push('noisy', { bytes: 50, n: round });
      taken.push(...q.take(0, limits).map((g) => `${g.door}${g.item.n}`));
    }
    expect(taken.filter((x) => x.startsWith('backlog'))).toEqual(['backlog1', 'backlog2', 'backlog3']);
    // Also when the noisy door's messages alone would fill every group.
    const q2 = new DoorQueues<{ bytes: number; n: number }>();
    q2.push('backlog', big(1));
    const taken2: string[] = [];
    for (let round = 1; round <= 20; round++) {
      for (let k = 0; k < limits.maxMessages; k++) q2.push('noisy', { bytes: 50, n: round * 10 + k });
      taken2.push(...q2.take(0, limits).map((g) => `${g.door}${g.item.n}`));
    }
    expect(taken2).toContain('backlog1');
    // The noisy door's messages still all come out, in order.
    expect(taken.filter((x) => x.startsWith('noisy')).slice(0, 5)).toEqual(['noisy1', 'noisy2', 'noisy3', 'noisy4', 'noisy5']);
  });

  it('messages put back to wait are not taken before their time and keep their order; what arrives meanwhile is taken at once', () => {
    const q = new DoorQueues<{ bytes: number; n: number }>((it) => it.n);
    q.requeue('a', [big(5), big(6)], 100);
    q.push('b', big(1));
    expect(q.take(50, limits).map((g) => `${g.door}${g.item.n}`)).toEqual(['b1']);
    expect(q.nextHoldEndsIn(50)).toBe(50);
    // The door's earlier message arrives while the later ones wait: it may be the missing one, so it goes now.
    q.push('a', big(4));
    expect(q.take(60, limits).map((g) => `${g.door}${g.item.n}`)).toEqual(['a4']);
    // A later one that is put back too joins the waiting ones in seq order, whatever order they came back in.
    q.requeue('a', [big(7)], 100);
    q.requeue('a', [big(3)], 100);
    expect(q.take(99, limits)).toEqual([]);
    expect(q.take(100, limits).map((g) => `${g.door}${g.item.n}`)).toEqual(['a3', 'a5', 'a6', 'a7']);
    expect(q.size).toBe(0);
  });
});

/** A receiver on `store` that is never connected, and its message entry point (topic, payload) as the broker calls it. */
function receiver(store: CentralStore, extra: { maxQueuedBytesPerDoor?: number } = {}): { r: CentralReceiver; route: (topic: string, payload: Buffer) => void } {
  const k = generateKeyPairSync('ed25519');
  const r = new CentralReceiver(store, { broker: { url: 'mqtt://127.0.0.1:1' } as never, group: 'g', key: { ...k, publicKeyText: publicKeyToText(k.publicKey) }, ...extra }, silentLogger());
  return { r, route: (r as unknown as { route(t: string, p: Buffer): void }).route.bind(r) };
}

describe('receiver queue limits', () => {
  it("a door flooding the centre while the store is slow fills at most its queue's limit; other doors' messages are still queued", async () => {
    // A store that never answers (a stalled database): the receiver's pump waits on the first message for ever.
    const never = (): Promise<never> => new Promise(() => undefined);
    const store = new Proxy({}, { get: () => never }) as never;
    const { r, route } = receiver(store, { maxQueuedBytesPerDoor: 1_000_000 });
    const payload = Buffer.alloc(100_000, 0x20);
    for (let i = 0; i < 500; i++) route('pintu/v1/s1/flood/events', payload);
    await new Promise((res) => setTimeout(res, 20));
    for (let i = 0; i < 3; i++) route('pintu/v1/s1/quiet/events', Buffer.alloc(1000, 0x20));
    const queued = (r as unknown as { queues: { size: number } }).queues.size;
    // 500 × 100 kB arrived from one door: at most 1 MB of it waits (plus the message in hand), not 50 MB.
    expect(queued).toBeLessThanOrEqual(10 + 3);
    expect(queued).toBeGreaterThanOrEqual(3);
    expect(r.dropped).toBeGreaterThan(400);
  });
});

describe('receiver: one door\'s messages arriving out of order', () => {
  it('a resent backlog arriving behind later messages (broker restart) is stored in order, with no gap alert', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pintu-order-'));
    const store = new SqliteCentralStore(join(dir, 'c.db'));
    try {
      const door = generateKeyPairSync('ed25519');
      await store.enroll('s1', 'd1', publicKeyToText(door.publicKey), Date.now());
      // 40 chained events, 10 to a signed message, as the door sends them.
      let prev = GENESIS_HASH;
      const messages: Buffer[] = [];
      for (let m = 0; m < 4; m++) {
        const texts: string[] = [];
        const pairs: [number, string][] = [];
        for (let seq = m * 10 + 1; seq <= m * 10 + 10; seq++) {
          const at = new Date(Date.UTC(2026, 11, 1, 3, 0, seq)).toISOString();
          const data = JSON.stringify({ reader: 'in', n: seq });
          const hash = eventHash(prev, 'd1', seq, 'access.granted', at, data);
          texts.push(wireEventText({ seq, type: 'access.granted', at, data, prevHash: prev, hash }));
          pairs.push([seq, hash]);
          prev = hash;
        }
        messages.push(Buffer.from(eventsPayload(texts, signEvents(door.privateKey, 's1', 'd1', pairs))));
      }
      const { route } = receiver(store);
      // The door's client had messages 3 and 4 queued; after the restart they arrive first, then the resent 1 and 2.
      route('pintu/v1/s1/d1/events', messages[2]!);
      route('pintu/v1/s1/d1/events', messages[3]!);
      await new Promise((res) => setTimeout(res, 50));
      route('pintu/v1/s1/d1/events', messages[0]!);
      route('pintu/v1/s1/d1/events', messages[1]!);
      const deadline = Date.now() + 20_000;
      while ((await store.events({ door: 'd1' })).length < 40 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
      expect((await store.events({ door: 'd1' })).map((e) => e.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      expect(await store.alerts()).toEqual([]);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
