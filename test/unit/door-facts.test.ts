/**
 * The door's facts in its status message (issue 13: the fleet view shows them): what the door says of its version, OS,
 * clock, readers and last health checklist; that a fact that cannot be read costs nothing else; that the status stays
 * small and valid; and that the centre stores the facts on the door's row (facts a status leaves out stay as they were).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { doorFacts, osDescription } from '../../src/app/door-facts.js';
import { BUILD_DATE_MS, ClockGuard, CLOCK_JUMP_KEY } from '../../src/app/clock.js';
import { healthFact, loadHealthFact, recordReport, type HealthReport } from '../../src/app/health/checklist.js';
import { ReaderSupervisor } from '../../src/app/reader-supervisor.js';
import { openDatabase } from '../../src/adapters/sqlite/db.js';
import { Store } from '../../src/adapters/sqlite/store.js';
import { LinkState } from '../../src/adapters/mqtt/link-state.js';
import { Outbox, type Publisher } from '../../src/adapters/mqtt/outbox.js';
import { CENTRAL_KEY_FILE, DOOR_KEY_FILE, loadOrCreateKeyPair } from '../../src/adapters/mqtt/keys.js';
import { pintuVersion } from '../../src/adapters/os/package-version.js';
import { silentLogger } from '../../src/adapters/log/pino.js';
import { SqliteCentralStore } from '../../src/central/sqlite-store.js';
import { statusMessageSchema, type StatusFacts } from '../../src/protocol/messages.js';
import { verifyBody } from '../../src/protocol/signing.js';
import type { CardReader, ReaderHealth } from '../../src/ports/hardware.js';
import { filler } from '../helpers/events.js';

const dirs: string[] = [];
const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tmp = (): string => { const d = mkdtempSync(join(tmpdir(), 'pintu-facts-')); dirs.push(d); return d; };

/** A door store in a temp dir, guarded by `clock` (or none). */
function doorStore(clock: ClockGuard | null = null): Store {
  const store = new Store(openDatabase(join(tmp(), 'door.db'), { synchronous: 'normal' }), 'd1', clock);
  closers.push(() => store.db.close());
  return store;
}

const report = (items: HealthReport['items']): HealthReport => {
  const counts = { ok: 0, warn: 0, fail: 0 };
  for (const i of items) counts[i.status] += 1;
  return { at: new Date(BUILD_DATE_MS).toISOString(), door: 'd1', status: counts.fail ? 'fail' : counts.warn ? 'warn' : 'ok', counts, items };
};
const item = (name: string, status: 'ok' | 'warn' | 'fail'): HealthReport['items'][number] => ({ item: name, status, value: null, detail: name });

describe('the door\'s facts', () => {
  it('health: ok → ok, warn → degraded, fail → failed, with the items not ok (failed first); recordReport keeps it for the status', () => {
    expect(healthFact(report([item('disk', 'ok'), item('clock', 'ok')]))).toEqual({ state: 'ok', failing: [] });
    expect(healthFact(report([item('disk', 'warn'), item('clock', 'ok')]))).toEqual({ state: 'degraded', failing: ['disk'] });
    expect(healthFact(report([item('disk', 'warn'), item('reader:out', 'fail'), item('event-chain', 'fail')])))
      .toEqual({ state: 'failed', failing: ['reader:out', 'event-chain', 'disk'] });
    const store = doorStore();
    expect(loadHealthFact(store)).toBeNull();
    recordReport(store, report([item('disk', 'fail')]), BUILD_DATE_MS, 'manual');
    expect(loadHealthFact(store)).toEqual({ state: 'failed', failing: ['disk'] });
    recordReport(store, report([item('disk', 'ok')]), BUILD_DATE_MS + 1000, 'schedule');
    expect(loadHealthFact(store)).toEqual({ state: 'ok', failing: [] });
    // A summary that is not one (hand-edited, a future version) is no fact rather than a broken status.
    store.setMeta('health.summary', '{"state":"splendid"}');
    expect(loadHealthFact(store)).toBeNull();
  });

  it('the clock: trusted, unsynced (no NTP yet, or before the build date), rolled-back (behind the log), jumped (unconfirmed)', () => {
    let now = BUILD_DATE_MS + 86_400_000;
    let mono = 0;
    let synced = false;
    const clock = new ClockGuard({ probe: () => synced, now: () => now, mono: () => mono, recheckMs: 0 });
    const store = doorStore(clock);
    expect(clock.state()).toBe('unsynced');
    synced = true;
    expect(clock.state()).toBe('trusted');
    store.tx(() => store.events.append([filler('test.note')], now));
    now -= 60_000;
    expect(clock.state()).toBe('rolled-back');
    now += 60_000;
    expect(clock.state()).toBe('trusted');
    store.setMeta(CLOCK_JUMP_KEY, JSON.stringify({ detectedAt: new Date(now).toISOString(), aheadMs: 1, vouched: new Date(now).toISOString(), confirmedBy: null, confirmedAt: null }));
    expect(clock.state()).toBe('jumped');
    store.tx(() => clock.confirmJump('O2'));
    expect(clock.state()).toBe('trusted');
    const early = new ClockGuard({ probe: () => true, now: () => BUILD_DATE_MS - 1 });
    expect(early.state()).toBe('unsynced');
  });

  it('readers: each door reader with its direction and whether it is up now', async () => {
    const open = { in: true, out: true };
    const reader = (id: 'in' | 'out'): CardReader => ({
      id, direction: id, start: async () => { if (!open[id]) throw new Error('no device'); }, stop: async () => undefined,
      health: (): ReaderHealth => ({ id, open: open[id], lastHeardAt: null, lastTapAt: null, rejectedFrames: 0, lastError: null }),
    });
    open.out = false;
    const sup = new ReaderSupervisor({ readers: [reader('in'), reader('out')], onTap: () => undefined, append: () => undefined, log: silentLogger(), retry: { firstMs: 60_000 } });
    closers.push(() => sup.stop());
    await sup.start();
    expect(sup.facts()).toEqual([{ id: 'in', role: 'in', up: true }, { id: 'out', role: 'out', up: false }]);
  });

  it('OS: device-tree model, OS release and kernel in one line; what cannot be read is left out', () => {
    const files: Record<string, string> = {
      'proc/device-tree/model': 'Raspberry Pi 4 Model B Rev 1.4\0',
      'etc/os-release': 'NAME="Debian GNU/Linux"\nPRETTY_NAME="Debian GNU/Linux 13 (trixie)"\nID=debian\n',
    };
    expect(osDescription({ readText: (f) => files[f] ?? null }, 'Linux 6.12.47+rpt-rpi-v8')).toBe('Raspberry Pi 4 Model B Rev 1.4; Debian GNU/Linux 13 (trixie); Linux 6.12.47+rpt-rpi-v8');
    expect(osDescription({ readText: () => null }, 'Linux 6.1.0')).toBe('Linux 6.1.0');
    expect(osDescription({ readText: () => 'x'.repeat(500) }, 'Linux').length).toBe(200);
  });

  it('assembled: every fact the sources give; a source that throws is left out, the others stay', () => {
    const store = doorStore();
    recordReport(store, report([item('disk', 'warn')]), BUILD_DATE_MS, 'manual');
    const facts = doorFacts({ app: '0.1.0', os: 'Linux 6.1.0', clock: { state: () => 'trusted' }, readers: () => [{ id: 'in', role: 'in', up: true }], meta: store });
    expect(facts).toEqual({ app: '0.1.0', os: 'Linux 6.1.0', clock: 'trusted', readers: [{ id: 'in', role: 'in', up: true }], health: { state: 'degraded', failing: ['disk'] } });
    const broken = doorFacts({ app: null, os: null, clock: { state: () => { throw new Error('database locked'); } }, readers: () => null, meta: store });
    expect(broken).toEqual({ health: { state: 'degraded', failing: ['disk'] } });
    expect(pintuVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('the status message with the door\'s facts', () => {
  /** An outbox whose status carries `facts`. */
  function outbox(facts: () => StatusFacts): { outbox: Outbox; key: ReturnType<typeof loadOrCreateKeyPair> } {
    const dir = tmp();
    const store = doorStore();
    const key = loadOrCreateKeyPair(dir, DOOR_KEY_FILE);
    const pub: Publisher = { connected: true, publish: async () => undefined };
    const o = new Outbox(store.events, new LinkState(store.db, 'd1'), pub, {
      site: 's', door: 'd1', key: key.privateKey, centralKey: loadOrCreateKeyPair(dir, CENTRAL_KEY_FILE).publicKey,
      batchSize: 100, maxMessageBytes: 256 * 1024, ackTimeoutMs: 10_000, facts,
    }, silentLogger());
    return { outbox: o, key };
  }
  const FACTS: StatusFacts = {
    app: '0.1.0', os: 'Raspberry Pi 4 Model B Rev 1.4; Debian GNU/Linux 13 (trixie); Linux 6.12.47', clock: 'rolled-back',
    readers: [{ id: 'in', role: 'in', up: true }, { id: 'out', role: 'out', up: false }], health: { state: 'failed', failing: ['reader:out', 'disk'] },
  };

  it('online: signed with the facts, valid, small; offline (the last will) carries none', () => {
    const { outbox: o, key } = outbox(() => FACTS);
    const online = o.status('online');
    expect(online).toMatchObject({ state: 'online', lastSeq: 0, backlog: 0, ...FACTS });
    expect(statusMessageSchema.safeParse(online).success).toBe(true);
    expect(verifyBody(key.publicKey, 'status', 's', 'd1', online)).toBe(true);
    expect(JSON.stringify(online).length).toBeLessThan(600);
    expect(Object.keys(o.status('offline')).sort()).toEqual(['at', 'sig', 'state']);
  });

  it('facts that do not fit the schema, or cannot be read, are left out and the status still goes', () => {
    const bad = outbox(() => ({ ...FACTS, clock: 'sideways' as never }));
    const s = bad.outbox.status('online');
    expect(statusMessageSchema.safeParse(s).success).toBe(true);
    expect(s).not.toHaveProperty('app');
    const thrown = outbox(() => { throw new Error('boom'); }).outbox.status('online');
    expect(Object.keys(thrown).sort()).toEqual(['at', 'backlog', 'lastSeq', 'sig', 'state']);
  });

  it('an older door\'s status (no facts) still parses', () => {
    expect(statusMessageSchema.safeParse({ state: 'online', at: new Date().toISOString(), lastSeq: 3, backlog: 0, sig: 'x' }).success).toBe(true);
  });
});

describe('the centre stores the door\'s facts', () => {
  it('setStatus keeps them on the door\'s row; a status without them (an older door, the last will) leaves them as they were', async () => {
    const store = new SqliteCentralStore(join(tmp(), 'central.db'));
    closers.push(() => store.close());
    await store.enroll('s', 'd1', 'A'.repeat(43) + '=', 1000);
    expect(await store.door('s', 'd1')).toMatchObject({ app: null, os: null, clock: null, readers: null, health: null });
    await store.setStatus('s', 'd1', 'online', 2000, 5, {
      app: '0.1.0', os: 'Linux 6.1.0', clock: 'unsynced', readers: [{ id: 'in', role: 'in', up: false }], health: { state: 'failed', failing: ['reader:in'] },
    });
    const facts = { app: '0.1.0', os: 'Linux 6.1.0', clock: 'unsynced', readers: [{ id: 'in', role: 'in', up: false }], health: { state: 'failed', failing: ['reader:in'] } };
    expect(await store.door('s', 'd1')).toMatchObject({ state: 'online', reportedLastSeq: 5, ...facts });
    await store.setStatus('s', 'd1', 'offline', 3000, null);
    expect(await store.door('s', 'd1')).toMatchObject({ state: 'offline', ...facts });
    await store.setStatus('s', 'd1', 'online', 4000, 6, { clock: 'trusted', readers: [{ id: 'in', role: 'in', up: true }], health: { state: 'ok', failing: [] } });
    expect(await store.door('s', 'd1')).toMatchObject({ app: '0.1.0', clock: 'trusted', readers: [{ id: 'in', role: 'in', up: true }], health: { state: 'ok', failing: [] } });
    expect((await store.doors())[0]).toMatchObject({ clock: 'trusted' });
  });
});
