/**
 * One canonicalisation of the hash chain (issue 11, item 3): the door (EventLog, on SQLite) and the centre (the
 * receiver's parse, signature check and checkBatch) hash an event's data through the same protocol rule
 * (`eventDataText`, `eventHash` in src/protocol/chain.ts), so for any payload the hash the door stores is the hash
 * the centre computes, and hashes stored before src/protocol existed still verify.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Db } from '../../src/adapters/sqlite/db.js';
import { EventLog } from '../../src/adapters/sqlite/event-log.js';
import { eventDataText, eventHash, GENESIS_HASH } from '../../src/protocol/chain.js';
import { eventsPayload, wireEventText } from '../../src/protocol/messages.js';
import { signEvents, verifyBody } from '../../src/protocol/signing.js';
import { parseEvents } from '../../src/central/wire.js';
import { checkBatch, dataJsonOf } from '../../src/central/store.js';

/** What the door appends (whatever shape EventLog.append takes: these payloads are deliberately outside any catalogue). */
type Appended = Parameters<EventLog['append']>[0][number];

const SITE = 'kanwil-malut';
const DOOR = 'dc-1';

/** An object with these own keys in this order, "__proto__" included (as JSON.parse would build it). */
function objectOf(entries: readonly (readonly [string, unknown])[]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, v] of entries) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  return o;
}

const utf16Unit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)); // lone surrogates too
const awkwardText = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: utf16Unit }),
  fc.constantFrom('__proto__', 'constructor', 'toJSON', '1', '01', '-1', '4294967295', '', 'é😀', '\u2028\u2029', '"\\/\b\f\n\r\t', '\u0000\u001f\u007f'),
);
const awkwardNumber = fc.oneof(
  fc.integer(),
  fc.double(), // NaN, ±Infinity and -0 among them
  fc.constantFrom(-0, 0.1, 1e-7, 1e21, -1e21, 5e-324, Number.MAX_VALUE, Number.MAX_SAFE_INTEGER + 2, -(2 ** 63), 123456789012345680000),
);
const leaf = fc.oneof(awkwardText, awkwardNumber, fc.boolean(), fc.constant(null));
const { data } = fc.letrec<{ value: unknown; data: Record<string, unknown> }>((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('value'), { maxLength: 4 }), tie('data')),
  // Keys in any order (not sorted), repeated keys collapsing in place, index-like keys JavaScript moves first.
  data: fc.array(fc.tuple(awkwardText, tie('value')), { maxLength: 6 }).map(objectOf),
}));
const events = fc.array(fc.record({ type: fc.constantFrom('access.granted', 'door.opened', 'alarm.door_forced', 'test.payload'), data }), { minLength: 1, maxLength: 4 });

describe('the hash chain, computed by the door and by the centre', () => {
  let dir: string;
  let db: Db;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pintu-chain-'));
    db = openDatabase(join(dir, 'door.db'), { synchronous: 'normal' });
  });
  afterAll(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the hashes already stored: fixed events hash as they did before src/protocol (vectors from the old event-log.ts)', () => {
    const data = { visit: 'V-7', b: 1, a: 'é😀 "q" \\ \n\u0001\ud800', n: -0, big: 1e21, tiny: 5e-324, neg: -12345678901234567890, nested: { z: [1, { y: null }], 1: true } };
    const text = eventDataText(data);
    // Not sorted (that is canonicalJson, for signatures): keys as the door wrote them, JSON.stringify's escapes and numbers.
    expect(text).toBe('{"visit":"V-7","b":1,"a":"é😀 \\"q\\" \\\\ \\n\\u0001\\ud800","n":0,"big":1e+21,"tiny":5e-324,"neg":-12345678901234567000,"nested":{"1":true,"z":[1,{"y":null}]}}');
    const h1 = eventHash(GENESIS_HASH, 'dc-1', 1, 'access.granted', '2026-12-01T03:00:00.000Z', text);
    expect(h1).toBe('524249181006ba84414b9c963223a27589f7b40e053ca85313436c6aca6f4ca1');
    expect(eventHash(h1, 'dc-1', 2, 'door.opened', '2026-12-01T03:00:01.500Z', '{}')).toBe('b82b6d7e6144b4649350ae2b56fa3093b8fcbb183e7b9e0524b9caffe74e7241');
  });

  it('for arbitrary payloads the door stores, sends and verifies the very hash the centre computes and accepts', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    let run = 0;
    fc.assert(fc.property(events, fc.array(events, { maxLength: 2 }), (first, more) => {
      // Each run is a new door on the same database, so a shrunk counterexample replays from an empty chain.
      const door = `dc-${++run}`;
      const log = new EventLog(db, door, null);
      let centreSeq = 0;
      let centreHash = GENESIS_HASH;
      let at = Date.UTC(2026, 11, 1, 3, 0, 0);
      for (const batch of [first, ...more]) {
        at += 1500;
        // The door: append in a write transaction, as the app does; then what the outbox sends, from the stored text.
        const before = log.lastSeq();
        db.transaction(() => log.append(batch as unknown as readonly Appended[], at)).immediate();
        const stored = log.sinceText(before);
        expect(stored).toHaveLength(batch.length);
        const sig = signEvents(privateKey, SITE, door, stored.map((e) => [e.seq, e.hash] as const));
        const payload = Buffer.from(eventsPayload(stored.map(wireEventText), sig));

        // The centre: the receiver's parse and signature check, then the chain check every central store runs.
        const parsed = parseEvents(payload);
        if (!parsed.ok) throw new Error(parsed.why);
        expect(verifyBody(publicKey, 'events', SITE, door, parsed.msg)).toBe(true);
        parsed.events.forEach((e, i) => {
          expect(dataJsonOf(e)).toBe(stored[i]!.data); // the text the centre stores is the door's, byte for byte
          expect(eventHash(e.prevHash, door, e.seq, e.type, e.at, dataJsonOf(e))).toBe(stored[i]!.hash);
        });
        expect(checkBatch(door, centreSeq, centreHash, parsed.events)).toEqual({ accept: parsed.events, outcome: 'stored' });

        // A sender that spaces the same message differently: the centre re-stringifies, by the same rule, to the same text.
        const respaced = parseEvents(Buffer.from(JSON.stringify(JSON.parse(payload.toString('utf8')), null, 1)));
        if (!respaced.ok) throw new Error(respaced.why);
        expect(respaced.events.map(dataJsonOf)).toEqual(stored.map((e) => e.data));

        centreSeq = stored.at(-1)!.seq;
        centreHash = stored.at(-1)!.hash;
      }
      // The door's own verification (it re-hashes the parsed stored data) agrees with the whole chain.
      expect(log.verify()).toBeNull();
    }), { numRuns: 150 });
  }, 60_000);
});
