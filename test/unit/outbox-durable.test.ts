/**
 * Events leave the door for the centre only once they are on disk (`storage.synchronous: full`, deferred WAL sync):
 * not only after a commit's own notification, but also when an ack, a reconnect or the timer makes the outbox send.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/adapters/sqlite/db.js';
import { Store } from '../../src/adapters/sqlite/store.js';
import { LinkState } from '../../src/adapters/mqtt/link-state.js';
import { Outbox } from '../../src/adapters/mqtt/outbox.js';
import { silentLogger } from '../../src/app/logger.js';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

describe('outbox with deferred sync', () => {
  it('an event committed just before the timer or an ack pumps is published only after an fdatasync that started after its commit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pintu-outbox-'));
    dirs.push(dir);
    const store = new Store(openDatabase(join(dir, 'p.db'), { synchronous: 'full' }), 'd1');
    store.deferSync();
    const door = generateKeyPairSync('ed25519');
    const centre = generateKeyPairSync('ed25519');
    const published: Array<{ seqs: number[]; syncsDone: number }> = [];
    const pub = {
      connected: true,
      publish: async (_topic: string, payload: string): Promise<void> => {
        const msg = JSON.parse(payload) as { events: Array<{ seq: number }> };
        published.push({ seqs: msg.events.map((e) => e.seq), syncsDone: store.walSyncs });
      },
    };
    // The production wiring (CentralLink) hands the outbox the store's durability wait; the bare default has none.
    const outbox = new Outbox(store.events, new LinkState(store.db, 'd1'), pub, {
      site: 's1', door: 'd1', key: door.privateKey, centralKey: centre.publicKey, batchSize: 50, maxMessageBytes: 65536, ackTimeoutMs: 10_000,
      whenDurable: (fn) => store.whenDurable(fn),
    }, silentLogger());
    await new Promise<void>((resolve) => store.whenDurable(resolve));
    const before = store.walSyncs;
    store.tx(() => store.events.append([{ type: 'access.granted', data: { n: 1 } }], Date.now()));
    outbox.tick(); // the 500 ms timer (or an ack arriving) right after the commit, before its fdatasync finished
    for (let i = 0; i < 200 && published.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(published.map((p) => p.seqs).flat()).toEqual([1]);
    expect(published[0]!.syncsDone).toBeGreaterThan(before);
    store.db.close();
  });
});
