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
import { silentLogger } from '../../src/adapters/log/pino.js';
import { topicOf } from '../../src/protocol/topics.js';
import { filler } from '../helpers/events.js';

const dirs: string[] = [];

/** A connected publisher that records each events message's seqs and how many WAL fdatasyncs had completed by then. */
function recorder(store: Store): { published: Array<{ seqs: number[]; syncsDone: number }>; pub: { connected: boolean; publish: (topic: string, payload: string) => Promise<void> } } {
  const published: Array<{ seqs: number[]; syncsDone: number }> = [];
  return {
    published,
    pub: {
      connected: true,
      publish: async (_topic: string, payload: string): Promise<void> => {
        const msg = JSON.parse(payload) as { events: Array<{ seq: number }> };
        published.push({ seqs: msg.events.map((e) => e.seq), syncsDone: store.walSyncs });
      },
    },
  };
}
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

describe('outbox with deferred sync', () => {
  it('an event committed just before the timer or an ack pumps is published only after an fdatasync that started after its commit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pintu-outbox-'));
    dirs.push(dir);
    const store = new Store(openDatabase(join(dir, 'p.db'), { synchronous: 'full' }), 'd1', null);
    store.deferSync();
    const door = generateKeyPairSync('ed25519');
    const centre = generateKeyPairSync('ed25519');
    const { published, pub } = recorder(store);
    // The production wiring (CentralLink) hands the outbox the store's durability wait; the bare default has none.
    const outbox = new Outbox(store.events, new LinkState(store.db, 'd1'), pub, {
      site: 's1', door: 'd1', key: door.privateKey, centralKey: centre.publicKey, batchSize: 50, maxMessageBytes: 65536, ackTimeoutMs: 10_000,
      whenDurable: (fn) => store.whenDurable(fn),
    }, silentLogger());
    await new Promise<void>((resolve) => store.whenDurable(resolve));
    const before = store.walSyncs;
    store.tx(() => store.events.append([filler('access.granted', { n: 1 })], Date.now()));
    outbox.tick(); // the 500 ms timer (or an ack arriving) right after the commit, before its fdatasync finished
    for (let i = 0; i < 200 && published.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(published.map((p) => p.seqs).flat()).toEqual([1]);
    expect(published[0]!.syncsDone).toBeGreaterThan(before);
    store.db.close();
  });
});

describe('outbox with deferred sync: events another process wrote', () => {
  it('an event the CLI committed (and has not fsynced yet) is published only after an fdatasync that started after it was read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pintu-outbox-'));
    dirs.push(dir);
    const store = new Store(openDatabase(join(dir, 'p.db'), { synchronous: 'full' }), 'd1', null);
    store.deferSync();
    // The CLI's connection: commits at NORMAL; its own fdatasync comes after the commit (here: never).
    const cli = new Store(openDatabase(join(dir, 'p.db'), { synchronous: 'normal' }), 'd1', null);
    const door = generateKeyPairSync('ed25519');
    const centre = generateKeyPairSync('ed25519');
    const { published, pub } = recorder(store);
    const { CentralLink } = await import('../../src/adapters/mqtt/central-link.js');
    const { centralSchema } = await import('../../src/config/schema.js');
    const { publicKeyToText } = await import('../../src/protocol/signing.js');
    const config = centralSchema.parse({ url: 'mqtt://127.0.0.1:1', publicKey: publicKeyToText(centre.publicKey) });
    const link = new CentralLink({ site: 's1', door: 'd1', config, store, key: { privateKey: door.privateKey, publicKey: door.publicKey, publicKeyText: publicKeyToText(door.publicKey) }, visits: null as never }, silentLogger());
    // The link's own outbox (its production wiring), on a fake connected publisher.
    const outbox = (link as unknown as { outbox: { tick(): void; pub: unknown } }).outbox;
    Object.assign(outbox as object, { pub });
    outbox.tick();
    await new Promise<void>((resolve) => store.whenDurable(resolve));
    const before = store.walSyncs;
    cli.tx(() => cli.events.append([filler('visit.requested', { n: 1 })], Date.now()));
    outbox.tick(); // the daemon's 500 ms timer picks up what other processes wrote
    for (let i = 0; i < 200 && published.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(published.map((p) => p.seqs).flat()).toEqual([1]);
    expect(published[0]!.syncsDone).toBeGreaterThan(before);
    cli.db.close(); store.db.close();
  });
});

describe('central commands with deferred sync', () => {
  it("a command's reply (the centre's \"done\") is published only after an fdatasync that started after the command's commit", async () => {
    const { makeDoor, makeCentre } = await import('../helpers/door.js');
    const { CentralLink } = await import('../../src/adapters/mqtt/central-link.js');
    const { centralSchema } = await import('../../src/config/schema.js');
    const { buildCommand } = await import('../../src/central/commands.js');
    const door = makeDoor('s1', 'd1');
    const centre = makeCentre();
    try {
      door.store.db.pragma('synchronous = FULL');
      door.store.deferSync();
      const coord = door.visits.addOfficer('Koordinator', 'coordinator', '0A0B0C0D98');
      const head = door.visits.addOfficer('Kepala', 'head', '0A0B0C0D99');
      const v = door.visits.request({ name: 'Budi', nik: '3201012501900003', org: 'PT X', purpose: 'UPS' });
      door.visits.check(v.id, coord.id);
      await new Promise<void>((resolve) => door.store.whenDurable(resolve));
      const config = centralSchema.parse({ url: 'mqtt://127.0.0.1:1', publicKey: centre.key.publicKeyText });
      const link = new CentralLink({ site: 's1', door: 'd1', config, store: door.store, key: door.key, visits: door.visits }, silentLogger());
      const replies: Array<{ syncsDone: number }> = [];
      // Not connected to any broker: record what the link publishes, and how many fdatasyncs were done by then.
      (link as unknown as { publish: (t: string, p: string) => Promise<void> }).publish = async (topic) => {
        if (topic.endsWith('/replies')) replies.push({ syncsDone: door.store.walSyncs });
      };
      const before = door.store.walSyncs;
      const cmd = buildCommand(centre.key, 's1', 'd1', 1, 'approve', { visit: v.id, by: head.id }, 60);
      (link as unknown as { onMessage: (t: string, p: Buffer) => void }).onMessage(topicOf('s1', 'd1', 'commands'), Buffer.from(JSON.stringify(cmd)));
      for (let i = 0; i < 200 && replies.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(door.store.visit(v.id)?.state).toBe('approved');
      expect(replies).toHaveLength(1);
      expect(replies[0]!.syncsDone).toBeGreaterThan(before);
    } finally {
      await door.cleanup();
      await centre.cleanup();
    }
  });
});
