/**
 * The daemon's write queue against a real SQLite file held by a second connection: writes wait in order without
 * blocking the event loop, a busy database is retried, any other failure changes nothing and does not stall the rest.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/adapters/sqlite/db.js';
import { Store } from '../../src/adapters/sqlite/store.js';
import { WriteQueue } from '../../src/app/write-queue.js';
import { silentLogger } from '../../src/adapters/log/pino.js';
import { filler } from '../helpers/events.js';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

function setup(): { store: Store; other: Database.Database; queue: WriteQueue } {
  const dir = mkdtempSync(join(tmpdir(), 'pintu-wq-'));
  dirs.push(dir);
  const store = new Store(openDatabase(join(dir, 'p.db'), { synchronous: 'normal', busyTimeoutMs: 5000 }), 'd1', null);
  const other = new Database(join(dir, 'p.db'));
  return { store, other, queue: new WriteQueue(store, silentLogger()) };
}

const append = (store: Store, type: string) => (): void => { store.tx(() => store.events.append([filler(type)], Date.now())); };

describe('WriteQueue', () => {
  it('runs at once when the database is free', () => {
    const { store, other, queue } = setup();
    queue.push('a', append(store, 'test.a'));
    expect(store.events.since(0).map((e) => e.type)).toEqual(['test.a']);
    expect(queue.length).toBe(0);
    other.close(); store.db.close();
  });

  it('while another connection holds the write lock: returns at once, keeps the loop free, then writes everything in order', async () => {
    const { store, other, queue } = setup();
    other.prepare('BEGIN IMMEDIATE').run();
    const t0 = Date.now();
    for (const t of ['test.1', 'test.2', 'test.3']) queue.push(t, append(store, t));
    expect(Date.now() - t0).toBeLessThan(1000); // did not sit in the 5 s busy timeout
    expect(queue.length).toBe(3);
    // The event loop keeps turning meanwhile.
    let ticks = 0;
    const ticker = setInterval(() => { ticks += 1; }, 10);
    await new Promise((r) => setTimeout(r, 300));
    expect(ticks).toBeGreaterThan(3);
    expect(store.events.lastSeq()).toBe(0);
    expect(queue.oldestWaitMs()).toBeGreaterThan(0);
    other.prepare('COMMIT').run();
    await queue.whenIdle();
    clearInterval(ticker);
    expect(store.events.since(0).map((e) => e.type)).toEqual(['test.1', 'test.2', 'test.3']);
    // The connection's own busy timeout is restored for everything outside the queue.
    expect(store.db.pragma('busy_timeout', { simple: true })).toBe(5000);
    other.close(); store.db.close();
  });

  it('a job that fails for another reason changes nothing and the jobs behind it still run', () => {
    const { store, other, queue } = setup();
    queue.push('bad', () => store.tx(() => { store.events.append([filler('test.bad')], Date.now()); throw new Error('disk full'); }));
    queue.push('good', append(store, 'test.good'));
    expect(store.events.since(0).map((e) => e.type)).toEqual(['test.good']);
    other.close(); store.db.close();
  });

  it('flushBlocking at shutdown writes what is still queued', async () => {
    const { store, other, queue } = setup();
    other.prepare('BEGIN IMMEDIATE').run();
    queue.push('late', append(store, 'test.late'));
    setTimeout(() => other.prepare('COMMIT').run(), 200).unref();
    // At shutdown the queue no longer retries by itself: flushBlocking writes what is left.
    await new Promise((r) => setTimeout(r, 250));
    queue.flushBlocking();
    expect(store.events.since(0).map((e) => e.type)).toEqual(['test.late']);
    other.close(); store.db.close();
  });

  it('a short hold is retried on the next turns of the event loop, not after a timer (which fires 1–2 ms late)', async () => {
    // No timer can fire in this test: only turns of the event loop can retry the job.
    vi.useFakeTimers({ toFake: ['setTimeout', 'setInterval'] });
    try {
      let attempts = 0;
      const lock = {
        noWait: <T>(fn: () => T): T => {
          attempts += 1;
          if (attempts <= 3) throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
          return fn();
        },
        isBusy: (err: unknown) => (err as { code?: string }).code === 'SQLITE_BUSY',
      };
      const queue = new WriteQueue(lock, silentLogger(), { spinMs: 60_000 });
      let done = false;
      queue.push('tap', () => { done = true; });
      for (let i = 0; i < 20 && !done; i++) await new Promise((r) => setImmediate(r));
      expect(done).toBe(true);
      expect(queue.busyAttempts).toBe(3);
    } finally {
      vi.useRealTimers();
    }
  });

  it('a long hold falls back to the timer (the loop does not spin while a backup or a stuck process holds the lock)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'setInterval'] });
    try {
      const lock = {
        noWait: (): never => { throw Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }); },
        isBusy: () => true,
      };
      const queue = new WriteQueue(lock, silentLogger(), { spinMs: 0 });
      queue.push('tap', () => undefined);
      for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
      expect(queue.busyAttempts, 'one attempt, then it waits for the timer').toBe(1);
      vi.advanceTimersByTime(1);
      expect(queue.busyAttempts).toBe(2);
      queue.stop();
    } finally {
      vi.useRealTimers();
    }
  });
});
