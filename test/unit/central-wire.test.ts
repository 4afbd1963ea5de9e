/**
 * The centre reads an events message without writing its data again (issue 10, item 5): each event's data text is
 * the text received when that already is JSON.stringify's form, and always equal to JSON.stringify(data), so the hash
 * checked and the text stored are what the door hashed. The per-door queues hand out fair groups.
 */
import { describe, expect, it } from 'vitest';
import { parseEvents } from '../../src/central/wire.js';
import { DoorQueues } from '../../src/central/door-queues.js';

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

  it('a door put back to wait is not taken before its time, and keeps its order', () => {
    const q = new DoorQueues<{ bytes: number; n: number }>();
    q.push('a', big(3));
    q.requeue('a', [big(1), big(2)], 100);
    q.push('b', big(1));
    expect(q.take(50, limits).map((g) => `${g.door}${g.item.n}`)).toEqual(['b1']);
    expect(q.nextHoldEndsIn(50)).toBe(50);
    expect(q.take(100, limits).map((g) => `${g.door}${g.item.n}`)).toEqual(['a1', 'a2', 'a3']);
  });
});

describe('receiver queue limits', () => {
  it("a door flooding the centre while the store is slow fills at most its queue's limit; other doors' messages are still queued", async () => {
    const { CentralReceiver } = await import('../../src/central/receiver.js');
    const { silentLogger } = await import('../../src/app/logger.js');
    const { generateKeyPairSync } = await import('node:crypto');
    const { publicKeyToText } = await import('../../src/adapters/mqtt/keys.js');
    const k = generateKeyPairSync('ed25519');
    // A store that never answers (a stalled database): the receiver's pump waits on the first message for ever.
    const never = (): Promise<never> => new Promise(() => undefined);
    const store = new Proxy({}, { get: () => never }) as never;
    const r = new CentralReceiver(store, { broker: { url: 'mqtt://127.0.0.1:1' } as never, group: 'g', key: { ...k, publicKeyText: publicKeyToText(k.publicKey) }, maxQueuedBytesPerDoor: 1_000_000 }, silentLogger());
    const route = (r as unknown as { route(t: string, p: Buffer): void }).route.bind(r);
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
