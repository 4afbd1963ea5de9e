/**
 * The outbox builds events messages from the stored JSON text (no parse and re-serialise per event, issue 10 item 4).
 * These tests pin what must not change with that: the bytes on the wire, the centre's verification of every hash over
 * them, and order and completeness when messages are cut by size.
 */
import { describe, it, expect, afterEach } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/adapters/sqlite/db.js';
import { Store } from '../../src/adapters/sqlite/store.js';
import { LinkState } from '../../src/adapters/mqtt/link-state.js';
import { Outbox, type Publisher } from '../../src/adapters/mqtt/outbox.js';
import { DOOR_KEY_FILE, CENTRAL_KEY_FILE, loadOrCreateKeyPair, type KeyPair } from '../../src/adapters/mqtt/keys.js';
import { eventsMessageSchema, parsePayload } from '../../src/protocol/messages.js';
import { signBody, verifyBody } from '../../src/protocol/signing.js';
import { SqliteCentralStore } from '../../src/central/sqlite-store.js';
import { silentLogger } from '../../src/adapters/log/pino.js';
import { filler } from '../helpers/events.js';

const dirs: string[] = [];
const closers: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const SITE = 's';
const DOOR = 'd1';

interface Rig { store: Store; outbox: Outbox; sent: string[]; door: KeyPair; dir: string }

/** A door store and an outbox whose publisher records the payloads (the broker is not the subject here). */
function rig(opts: { batchSize?: number; maxMessageBytes?: number } = {}): Rig {
  const dir = mkdtempSync(join(tmpdir(), 'pintu-outbox-wire-'));
  dirs.push(dir);
  const store = new Store(openDatabase(join(dir, 'door.db'), { synchronous: 'normal' }), DOOR, null);
  closers.push(() => { store.db.close(); });
  const door = loadOrCreateKeyPair(dir, DOOR_KEY_FILE);
  const centre = loadOrCreateKeyPair(dir, CENTRAL_KEY_FILE);
  const sent: string[] = [];
  const pub: Publisher = { connected: true, publish: (_topic, payload) => { sent.push(payload); return Promise.resolve(); } };
  const outbox = new Outbox(store.events, new LinkState(store.db, DOOR), pub, {
    site: SITE, door: DOOR, key: door.privateKey, centralKey: centre.publicKey,
    batchSize: opts.batchSize ?? 200, maxMessageBytes: opts.maxMessageBytes ?? 256 * 1024, ackTimeoutMs: 10_000, maxInflightEvents: 1_000_000,
  }, silentLogger());
  return { store, outbox, sent, door, dir };
}

/** Data that JSON escapes in every way it can: quotes, backslashes, controls, non-ASCII, U+2028, a "__proto__" key, numbers. */
const awkward: Record<string, unknown>[] = [
  { reader: 'in', direction: 'in', holder: 'officer', officer: 'O1' },
  { note: 'quote " backslash \\ slash / tab \t newline \n nul \u0000 bell \u0007', n: -0.5, big: 1e21, small: 5e-7 },
  { text: 'Budi Santoso — ruang server lantai 2 ✓ 🚪 \u2028\u2029 \ud83d', nested: { a: [1, 'two', null, true, { b: {} }] } },
  JSON.parse('{"__proto__":{"x":1},"n":1}') as Record<string, unknown>,
  {},
];

describe('outbox: events messages built from the stored JSON text', () => {
  it('are byte for byte the JSON of the signed parsed events, verify at the door key, and the centre stores every event', async () => {
    const r = rig();
    r.store.tx(() => r.store.events.append(awkward.map((data, i) => filler(i % 2 ? 'door.opened' : 'access.granted', data)), Date.now()));
    r.outbox.onConnect();
    expect(r.sent).toHaveLength(1);
    const payload = r.sent[0]!;
    // What the outbox sent before it stopped parsing stored rows: JSON.stringify of the signed message of parsed events.
    const parsed = r.store.events.since(0).map((e) => ({ seq: e.seq, type: e.type, at: e.at, data: e.data, prevHash: e.prevHash, hash: e.hash }));
    expect(payload).toBe(JSON.stringify(signBody(r.door.privateKey, 'events', SITE, DOOR, { v: 1 as const, events: parsed })));
    // The stored data text is on the wire verbatim.
    const rows = r.store.db.prepare('SELECT data FROM events ORDER BY seq').all() as { data: string }[];
    for (const row of rows) expect(payload).toContain(`"data":${row.data},`);

    const msg = parsePayload(eventsMessageSchema, payload);
    expect(msg).not.toBeNull();
    expect(verifyBody(r.door.publicKey, 'events', SITE, DOOR, msg!)).toBe(true);
    const centre = new SqliteCentralStore(join(r.dir, 'central.db'));
    closers.push(() => centre.close());
    await centre.enroll(SITE, DOOR, r.door.publicKeyText, Date.now());
    const res = await centre.ingest(SITE, DOOR, msg!.events, Date.now());
    expect(res.outcome).toBe('stored');
    expect((await centre.events({ site: SITE, door: DOOR, limit: 100 })).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
  });

  it('cut by maxMessageBytes: every message within the limit and verifying, the events in order, none lost or repeated', async () => {
    const r = rig({ batchSize: 1000, maxMessageBytes: 64 * 1024 });
    const n = 600;
    for (let i = 0; i < n; i += 100) {
      r.store.tx(() => r.store.events.append(Array.from({ length: 100 }, (_, k) => filler('incident.recorded', { note: `ü${'x'.repeat((i + k) % 700)}"`, i: i + k })), Date.now()));
    }
    r.outbox.onConnect();
    expect(r.sent.length).toBeGreaterThan(1);
    const seqs: number[] = [];
    const centre = new SqliteCentralStore(join(r.dir, 'central.db'));
    closers.push(() => centre.close());
    await centre.enroll(SITE, DOOR, r.door.publicKeyText, Date.now());
    for (const p of r.sent) {
      expect(Buffer.byteLength(p, 'utf8')).toBeLessThanOrEqual(64 * 1024);
      const msg = parsePayload(eventsMessageSchema, p);
      expect(msg).not.toBeNull();
      expect(verifyBody(r.door.publicKey, 'events', SITE, DOOR, msg!)).toBe(true);
      expect((await centre.ingest(SITE, DOOR, msg!.events, Date.now())).outcome).toBe('stored');
      seqs.push(...msg!.events.map((e) => e.seq));
    }
    expect(seqs).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  });
});
