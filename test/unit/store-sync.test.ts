/**
 * Writers never stall the door (issue 10, item 3): the fsync of `storage.synchronous: full` is never done inside the
 * write lock (the CLI commits, then syncs; the daemon syncs the WAL on the thread pool), and the daemon's connection
 * never sleeps in SQLite's busy handler (busy_timeout 0; its own retry).
 */
import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/adapters/sqlite/db.js';
import { Store } from '../../src/adapters/sqlite/store.js';
import { openStore } from '../../src/main.js';
import { tempConfig, type TempConfig } from '../helpers/config.js';
import { filler } from '../helpers/events.js';

const dirs: string[] = [];
let tc: TempConfig | null = null;
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  tc?.cleanup();
  tc = null;
});

function fullStore(): { store: Store; other: Database.Database } {
  const dir = mkdtempSync(join(tmpdir(), 'pintu-sync-'));
  dirs.push(dir);
  const store = new Store(openDatabase(join(dir, 'p.db'), { synchronous: 'full' }), 'd1', null);
  return { store, other: new Database(join(dir, 'p.db')) };
}

const level = (s: Store): number => s.db.pragma('synchronous', { simple: true }) as number;

/** Another process that takes the write lock, says so, holds it `ms`, then commits. */
async function holdLockElsewhere(file: string, ms: number): Promise<{ released: Promise<void> }> {
  const script = `const D = require('better-sqlite3'); const db = new D(${JSON.stringify(file)}); db.prepare('BEGIN IMMEDIATE').run();
    require('fs').writeSync(1, 'locked\\n'); Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ${ms}); db.prepare('COMMIT').run(); db.close();`;
  const child = spawn(process.execPath, ['-e', script], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`lock holder exited ${code}`)));
  });
  return { released: new Promise<void>((resolve) => child.once('exit', () => resolve())) };
}

describe('the daemon\'s deferred sync (storage.synchronous: full)', () => {
  it('commits at NORMAL even for durableTx (no fsync inside the write lock) and fsyncs the WAL afterwards on the thread pool', async () => {
    const { store, other } = fullStore();
    store.deferSync();
    const seen: number[] = [];
    store.durableTx(() => { seen.push(level(store)); store.events.append([filler('t')], 1); });
    expect(seen).toEqual([1]);
    await new Promise<void>((resolve) => store.whenDurable(resolve));
    expect(store.walSyncs).toBeGreaterThanOrEqual(1);
    other.close(); store.db.close();
  });

  it('syncNow takes no lock: it completes while another connection holds the write lock', async () => {
    const { store, other } = fullStore();
    store.deferSync();
    store.tx(() => store.events.append([filler('t')], 1));
    await new Promise<void>((resolve) => store.whenDurable(resolve));
    const before = store.walSyncs;
    other.prepare('BEGIN IMMEDIATE').run();
    try {
      store.syncNow();
      await new Promise<void>((resolve) => store.whenDurable(resolve));
      expect(store.walSyncs).toBeGreaterThan(before);
      expect(other.inTransaction).toBe(true);
    } finally {
      other.prepare('COMMIT').run();
    }
    other.close(); store.db.close();
  });
});

describe('the CLI with storage.synchronous: full', () => {
  it('commits at NORMAL and fsyncs the WAL after the commit, before the write returns', () => {
    tc = tempConfig({ storage: { synchronous: 'full' } });
    const store = openStore(tc.config);
    const seen: number[] = [];
    const before = store.walSyncs;
    store.tx(() => { seen.push(level(store)); store.setMeta('k', 'v'); });
    expect(seen, 'no fsync while the write lock is held').toEqual([1]);
    expect(store.walSyncs, 'synced once the lock was released').toBe(before + 1);
    // A transaction inside a transaction syncs once, at the outer commit.
    store.tx(() => { store.tx(() => store.setMeta('k', 'w')); });
    expect(store.walSyncs).toBe(before + 2);
    store.db.close();
  });
});

describe('a connection that retries on its own (the daemon\'s)', () => {
  it('has busy_timeout 0 and retries a write blocked by another process until it goes through', async () => {
    const { store, other } = fullStore();
    other.close();
    store.retryOwnBusy();
    expect(store.db.pragma('busy_timeout', { simple: true })).toBe(0);
    const { released } = await holdLockElsewhere(store.db.name, 300);
    store.tx(() => store.setMeta('after', 'lock'));
    expect(store.busyRetries, 'the write found the lock taken and tried again').toBeGreaterThan(0);
    expect(store.meta('after')).toBe('lock');
    expect(store.db.pragma('busy_timeout', { simple: true })).toBe(0);
    await released;
    store.db.close();
  });

  it('inside noWait it does not retry: the write queue gets SQLITE_BUSY at once', () => {
    const { store, other } = fullStore();
    store.retryOwnBusy();
    other.prepare('BEGIN IMMEDIATE').run();
    let err: unknown = null;
    try { store.noWait(() => store.tx(() => store.setMeta('a', 'b'))); } catch (e) { err = e; }
    expect(store.isBusy(err)).toBe(true);
    expect(store.busyRetries).toBe(0);
    other.prepare('COMMIT').run();
    other.close(); store.db.close();
  });
});
