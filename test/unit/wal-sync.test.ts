/**
 * Deferred sync off the event loop: taps commit at NORMAL, the WAL is fsynced on the thread pool, and the outbox's
 * watermark (`durableUpTo`) only moves once the fsync that covers an event has finished — so the centre is never
 * sent an event that a power cut could still take from the door.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/adapters/sqlite/db.js';
import { Store } from '../../src/adapters/sqlite/store.js';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

function store(): Store {
  const dir = mkdtempSync(join(tmpdir(), 'pintu-wal-'));
  dirs.push(dir);
  return new Store(openDatabase(join(dir, 'p.db'), { synchronous: 'full' }), 'd1');
}
const append = (s: Store, type: string): void => { s.tx(() => s.events.append([{ type, data: {} }], Date.now())); };

describe('deferred sync', () => {
  it('without deferral every commit is durable: no watermark', async () => {
    const s = store();
    append(s, 'test.a');
    expect(s.events.durableUpTo).toBe(Infinity);
    await s.syncAsync();
    s.db.close();
  });

  it('a NORMAL commit is not durable until the async fsync covering it finishes; durableTx moves the mark at once', async () => {
    const s = store();
    append(s, 'test.before');
    s.deferSync();
    expect(s.events.durableUpTo).toBe(1);
    append(s, 'test.tap');
    append(s, 'test.tap');
    expect(s.events.durableUpTo).toBe(1);
    const pending = s.syncAsync();
    append(s, 'test.after'); // committed after the sync was asked for: not covered by it
    await pending;
    expect(s.events.durableUpTo).toBe(3);
    await s.syncAsync();
    expect(s.events.durableUpTo).toBe(4);
    append(s, 'test.more');
    s.durableTx(() => s.events.append([{ type: 'door.opened', data: {} }], Date.now()));
    expect(s.events.durableUpTo).toBe(6);
    expect(statSync(`${s.db.name}-wal`).size).toBeGreaterThan(0);
    s.release();
    s.db.close();
  });

  it('coalesces syncs asked for while one runs, and each caller waits for one that started after it asked', async () => {
    const s = store();
    s.deferSync();
    const waits: Promise<void>[] = [];
    for (let i = 0; i < 20; i++) { append(s, 'test.tap'); waits.push(s.syncAsync()); }
    await Promise.all(waits);
    expect(s.events.durableUpTo).toBe(20);
    s.release();
    s.db.close();
  });
});
