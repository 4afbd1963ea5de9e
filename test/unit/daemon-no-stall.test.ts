/**
 * The daemon never stalls the door on another process's write lock (issue 10, item 3): its connection has no SQLite
 * busy handler (busy_timeout 0: the write queue and `Store.retry` retry on their own), the central link's ack writes go
 * through the write queue, and the status row takes the lock only when something changed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { tempConfig, type TempConfig } from '../helpers/config.js';
import { waitFor } from '../helpers/mosquitto.js';
import { buildDaemon, openStore, type DoorStore } from '../../src/main.js';
import { createLogger, silentLogger } from '../../src/adapters/log/pino.js';
import { SimDoorIo } from '../../src/adapters/sim/sim-door-io.js';
import { SimCardReader } from '../../src/adapters/sim/sim-reader.js';
import { LinkState } from '../../src/adapters/mqtt/link-state.js';
import { WriteQueue } from '../../src/app/write-queue.js';
import type { Daemon } from '../../src/app/daemon.js';

const temps: TempConfig[] = [];
const daemons: Daemon[] = [];
afterEach(async () => {
  for (const d of daemons.splice(0)) await d.stop();
  for (const t of temps.splice(0)) t.cleanup();
});

describe('the daemon and the write lock', () => {
  it('its connection never enters SQLite\'s busy handler: busy_timeout is 0 from build to stop', async () => {
    const t = tempConfig({ storage: { synchronous: 'full' } });
    temps.push(t);
    const daemon = await buildDaemon(t.config, createLogger('silent'), { io: new SimDoorIo(), readers: [new SimCardReader('in', 'in')] });
    daemons.push(daemon);
    expect((daemon.parts.store as DoorStore).db.pragma('busy_timeout', { simple: true })).toBe(0);
    await daemon.start();
    daemon.writeStatus();
    expect((daemon.parts.store as DoorStore).db.pragma('busy_timeout', { simple: true })).toBe(0);
  });

  it('writes the status row when a reader or the door changed, not on every beat', async () => {
    const t = tempConfig();
    temps.push(t);
    const rin = new SimCardReader('in', 'in');
    const daemon = await buildDaemon(t.config, createLogger('silent'), { io: new SimDoorIo(), readers: [rin] });
    daemons.push(daemon);
    daemon.parts.heartbeatMs = 10;
    daemon.parts.statusEveryMs = 600_000;
    await daemon.start();
    const read = new Database(t.config.dataDir + '/pintu.db', { readonly: true });
    const heartbeat = (): number => (read.prepare('SELECT heartbeat_at AS h FROM door_status').get() as { h: number }).h;
    try {
      const h0 = heartbeat();
      await new Promise((r) => setTimeout(r, 300)); // some 30 beats, nothing changed
      expect(heartbeat(), 'nothing changed: no write').toBe(h0);
      rin.tap('0A00000001'); // the reader was heard: its health changed
      await waitFor('the status row written after the change', () => heartbeat() > h0);
    } finally {
      read.close();
    }
  });
});

describe('the status row', () => {
  it('is put right at the next beat when another writer left it saying something else than the door does (unlocked, no daemon pid)', async () => {
    const t = tempConfig();
    temps.push(t);
    const daemon = await buildDaemon(t.config, createLogger('silent'), { io: new SimDoorIo(), readers: [new SimCardReader('in', 'in')] });
    daemons.push(daemon);
    daemon.parts.heartbeatMs = 10;
    daemon.parts.statusEveryMs = 600_000;
    await daemon.start();
    daemon.writeStatus();
    const other = new Database(t.config.dataDir + '/pintu.db');
    try {
      // As a grant's transaction writes it (the strike then ended with no door event), or a failed second `pintu run`'s stop.
      other.prepare('UPDATE door_status SET locked = 0, daemon_pid = NULL').run();
      await waitFor('the row says locked and names the running daemon again', () => {
        const r = other.prepare('SELECT locked, daemon_pid AS pid FROM door_status').get() as { locked: number; pid: number | null };
        return r.locked === 1 && r.pid === process.pid;
      });
    } finally {
      other.close();
    }
  });
});

describe('the central link\'s ack', () => {
  it('is taken at once while another process holds the write lock, and written by the write queue once it is free', async () => {
    const t = tempConfig();
    temps.push(t);
    const store = openStore(t.config);
    store.retryOwnBusy();
    const queue = new WriteQueue(store, silentLogger());
    const link = new LinkState(store.db, 'door-1', { now: (fn) => store.retry(fn), later: (name, fn) => queue.push(name, fn) });
    const other = new Database(store.db.name);
    other.prepare('BEGIN IMMEDIATE').run();
    try {
      link.setAcked(5, 1000); // would have waited in the busy handler, then thrown SQLITE_BUSY
      expect(link.get().ackedSeq).toBe(5);
      expect(queue.length).toBe(1);
    } finally {
      other.prepare('COMMIT').run();
    }
    await queue.whenIdle();
    expect((other.prepare('SELECT acked_seq AS s FROM central_link WHERE door = ?').get('door-1') as { s: number }).s).toBe(5);
    other.close();
    store.db.close();
  });
});
