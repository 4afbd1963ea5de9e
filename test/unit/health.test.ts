import { describe, it, expect, afterEach } from 'vitest';
import { mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync, closeSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { openDatabase } from '../../src/adapters/sqlite/db.js';
import { Store } from '../../src/adapters/sqlite/store.js';
import { BUILD_DATE_MS, TIMESYNC_FLAG } from '../../src/app/clock.js';
import { formatReport, recordReport, runChecklist, saveReaderHealth, type ChecklistOptions } from '../../src/app/health/checklist.js';
import type { HealthItem } from '../../src/app/health/probes.js';
import type { FsStats, SystemEnv } from '../../src/ports/system.js';
import { systemAt } from '../../src/adapters/os/system.js';
import { filler } from '../helpers/events.js';
import type { BadgeKeyFileStatus } from '../../src/ports/badge-keys.js';

const DAY = 86_400_000;
const NOW = BUILD_DATE_MS + 100 * DAY;
const dirs: string[] = [];
const stores: Store[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) if (s.db.open) s.db.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tmp = (): string => { const d = mkdtempSync(join(tmpdir(), 'pintu-health-')); dirs.push(d); return d; };
const put = (root: string, rel: string, text: string): void => { mkdirSync(dirname(join(root, rel)), { recursive: true }); writeFileSync(join(root, rel), text); };

/** A healthy Pi under a fake root. */
function healthyRoot(): string {
  const root = tmp();
  put(root, 'sys/class/thermal/thermal_zone0/temp', '48312\n');
  put(root, 'sys/devices/platform/soc/soc:firmware/get_throttled', '0\n');
  put(root, 'proc/uptime', '864000.12 1700000.00\n');
  put(root, TIMESYNC_FLAG, '');
  return root;
}

const bigDisk: FsStats = { bsize: 4096, blocks: 7_000_000, bavail: 5_000_000 };
function env(root: string, over: Partial<SystemEnv> = {}): SystemEnv {
  return { ...systemAt(root), run: () => null, statfs: () => bigDisk, now: () => NOW, ...over };
}

function newStore(): { store: Store; dir: string } {
  const dir = tmp();
  const store = new Store(openDatabase(join(dir, 'pintu.db'), { synchronous: 'normal' }), 'door-1', null);
  stores.push(store);
  return { store, dir };
}

function healthyDaemon(store: Store): void {
  store.updateDoorStatus({ daemonPid: 4242, startedAt: NOW - 5 * DAY, heartbeatAt: NOW, locked: true, open: false, openSince: null });
  saveReaderHealth(store, ['in', 'out'].map((id) => ({ id, open: true, lastHeardAt: NOW - 3_600_000, lastTapAt: NOW - 3_600_000, rejectedFrames: 0, lastError: null })), NOW);
}

const opts = (dir: string, over: Partial<ChecklistOptions> = {}): ChecklistOptions =>
  ({ readerIds: ['in', 'out'], dataDir: dir, readerSilentDays: 14, central: false, daemonPid: 4242, ...over });
const byItem = (items: HealthItem[], name: string): HealthItem => {
  const i = items.find((x) => x.item === name);
  if (!i) throw new Error(`no item ${name} in ${items.map((x) => x.item).join(',')}`);
  return i;
};

describe('health checklist (SOP 002)', () => {
  it('a healthy controller: every item ok, with measured values', () => {
    const { store, dir } = newStore();
    healthyDaemon(store);
    const r = runChecklist(store, opts(dir), env(healthyRoot()));
    expect(r.items.filter((i) => i.status !== 'ok')).toEqual([]);
    expect(r.status).toBe('ok');
    // Issue 16: the daemon's own item comes first (anything but running fails it).
    expect(r.items.map((i) => i.item)).toEqual(['daemon', 'reader:in', 'reader:out', 'relay', 'door-switch', 'database', 'event-chain', 'disk', 'clock', 'cpu-temperature', 'throttling', 'uptime']);
    expect(byItem(r.items, 'cpu-temperature').value).toBe(48.3);
    expect(byItem(r.items, 'throttling').value).toBe('0x0');
    expect(formatReport(r)).toContain('[ ok ] cpu-temperature');
  });

  it('faulty probes: hot CPU, under-voltage now, full disk, unsynchronised clock → fail / warn', () => {
    const { store, dir } = newStore();
    healthyDaemon(store);
    const root = healthyRoot();
    put(root, 'sys/class/thermal/thermal_zone0/temp', '83500\n');
    put(root, 'sys/devices/platform/soc/soc:firmware/get_throttled', '50005\n');
    rmSync(join(root, TIMESYNC_FLAG));
    const r = runChecklist(store, opts(dir), env(root, {
      statfs: () => ({ bsize: 4096, blocks: 7_000_000, bavail: 20_000 }),
      run: (cmd) => (cmd === 'timedatectl' ? { code: 0, stdout: 'no\n' } : null),
    }));
    expect(byItem(r.items, 'cpu-temperature')).toMatchObject({ status: 'fail', value: 83.5 });
    expect(byItem(r.items, 'throttling')).toMatchObject({ status: 'fail', value: '0x50005' });
    expect(byItem(r.items, 'throttling').detail).toContain('under-voltage now');
    expect(byItem(r.items, 'disk')).toMatchObject({ status: 'fail', value: 78 });
    expect(byItem(r.items, 'clock')).toMatchObject({ status: 'warn', value: false });
    expect(r.status).toBe('fail');
  });

  it('throttling that only happened since boot is a warning; without sysfs it is unknown, not a warning, and vcgencmd is never run', () => {
    // Issue 16 changed this promise: vcgencmd was the fallback, but under the unit's DevicePolicy it cannot open
    // /dev/vcio, so on a Pi 5 (other sysfs node) the item stayed a warning for ever. Pi 5's node is read instead.
    const { store, dir } = newStore();
    healthyDaemon(store);
    const root = healthyRoot();
    rmSync(join(root, 'sys/devices'), { recursive: true });
    put(root, 'sys/devices/platform/soc@107c000000/soc@107c000000:firmware/get_throttled', '50000\n');
    const ran: string[] = [];
    const run = (cmd: string): null => { ran.push(cmd); return null; };
    const r = runChecklist(store, opts(dir), env(root, { run }));
    expect(byItem(r.items, 'throttling')).toMatchObject({ status: 'warn', value: '0x50000' });
    rmSync(join(root, 'sys/devices'), { recursive: true });
    const none = runChecklist(store, opts(dir), env(root, { run }));
    expect(byItem(none.items, 'throttling')).toMatchObject({ status: 'ok', value: null });
    expect(byItem(none.items, 'throttling').detail).toMatch(/^unknown/);
    expect(ran).not.toContain('vcgencmd');
  });

  it('a clock before the build date fails', () => {
    const { store, dir } = newStore();
    healthyDaemon(store);
    const r = runChecklist(store, opts(dir), env(healthyRoot(), { now: () => Date.UTC(1970, 0, 2) }));
    expect(byItem(r.items, 'clock').status).toBe('fail');
  });

  it('door open for days is a warning; a closed or silent reader is reported', () => {
    const { store, dir } = newStore();
    healthyDaemon(store);
    store.updateDoorStatus({ open: true, openSince: NOW - 3 * DAY });
    saveReaderHealth(store, [
      { id: 'in', open: false, lastHeardAt: null, lastTapAt: null, rejectedFrames: 0, lastError: 'cannot open /dev/pintu-reader-in' },
      { id: 'out', open: true, lastHeardAt: NOW - 20 * DAY, lastTapAt: null, rejectedFrames: 3, lastError: null },
    ], NOW);
    const r = runChecklist(store, opts(dir), env(healthyRoot()));
    expect(byItem(r.items, 'door-switch')).toMatchObject({ status: 'warn', value: 'open' });
    expect(byItem(r.items, 'door-switch').detail).toContain('3 d');
    expect(byItem(r.items, 'reader:in')).toMatchObject({ status: 'fail', value: 'closed' });
    expect(byItem(r.items, 'reader:out').status).toBe('warn');
    expect(byItem(r.items, 'reader:out').detail).toContain('20 d');
  });

  it('without a running daemon the readers and door are unknown (warn), restarts are counted', () => {
    const { store, dir } = newStore();
    store.tx(() => store.events.append(Array.from({ length: 7 }, () => filler('daemon.started', { pid: 1 })), NOW - DAY));
    const r = runChecklist(store, opts(dir, { daemonPid: null }), env(healthyRoot()));
    expect(byItem(r.items, 'reader:in').status).toBe('warn');
    expect(byItem(r.items, 'door').status).toBe('warn');
    expect(byItem(r.items, 'uptime')).toMatchObject({ status: 'warn', value: 7 });
  });

  it('central link backlog is checked only when configured', () => {
    const { store, dir } = newStore();
    healthyDaemon(store);
    const without = runChecklist(store, opts(dir), env(healthyRoot()));
    expect(without.items.some((i) => i.item === 'central-link')).toBe(false);
    const hasTable = store.db.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'central_link'").get() as { n: number };
    if (!hasTable.n) store.db.exec('CREATE TABLE central_link (door TEXT PRIMARY KEY, acked_seq INTEGER NOT NULL DEFAULT 0, acked_at INTEGER, connected INTEGER NOT NULL DEFAULT 0)');
    store.tx(() => store.events.append(Array.from({ length: 10 }, () => filler('x')), NOW));
    store.db.prepare('INSERT INTO central_link (door, acked_seq, acked_at, connected) VALUES (?, 4, ?, 0)').run('door-1', NOW - 9 * DAY);
    const r = runChecklist(store, opts(dir, { central: true }), env(healthyRoot()));
    expect(byItem(r.items, 'central-link')).toMatchObject({ status: 'fail', value: 6 });
  });

  it('a corrupted database fails quick_check', () => {
    const dir = tmp();
    const path = join(dir, 'pintu.db');
    const s0 = new Store(openDatabase(path, { synchronous: 'full' }), 'door-1', null);
    s0.db.exec('CREATE TABLE filler (x TEXT); CREATE INDEX filler_x ON filler(x);');
    const ins = s0.db.prepare('INSERT INTO filler VALUES (?)');
    s0.tx(() => { for (let i = 0; i < 3000; i++) ins.run(`row-${i}-${'x'.repeat(200)}`); });
    s0.db.pragma('wal_checkpoint(TRUNCATE)');
    s0.db.close();
    const size = statSync(path).size;
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.alloc(4096 * 4, 0xa5), 0, 4096 * 4, size - 4096 * 20);
    closeSync(fd);
    const store = new Store(new Database(path), 'door-1', null);
    stores.push(store);
    healthyDaemon(store);
    const r = runChecklist(store, opts(dir), env(healthyRoot()));
    expect(byItem(r.items, 'database').status).toBe('fail');
    expect(byItem(r.items, 'database').detail).toMatch(/quick_check/);
  });

  it('a run is stored as a health.report event, each failing item also as alarm.health', () => {
    const { store, dir } = newStore();
    healthyDaemon(store);
    const root = healthyRoot();
    put(root, 'sys/class/thermal/thermal_zone0/temp', '90000\n');
    const r = runChecklist(store, opts(dir), env(root, { statfs: () => ({ bsize: 4096, blocks: 1000, bavail: 1 }) }));
    const stored = recordReport(store, r, NOW, 'manual');
    expect(stored.map((e) => e.type)).toEqual(['health.report', 'alarm.health', 'alarm.health']);
    expect(stored[0]!.data).toMatchObject({ trigger: 'manual', status: 'fail', counts: { fail: 2 } });
    expect(stored.slice(1).map((e) => e.data.item)).toEqual(['disk', 'cpu-temperature']);
    expect(store.events.since(0).map((e) => e.type)).toEqual(['health.report', 'alarm.health', 'alarm.health']);
    expect(store.meta('health.lastRunAt')).toBe(String(NOW));
    expect(store.events.verify()).toBeNull();
  });
});

describe('health checklist: secure badges (issue 15)', () => {
  const keys = (state: BadgeKeyFileStatus['state']): BadgeKeyFileStatus => state === 'ok'
    ? { file: '/etc/pintu/badge.keys', state, current: 3, accepted: 2, retired: 1, detail: '/etc/pintu/badge.keys: mode 0600, current key version 3' }
    : { file: '/etc/pintu/badge.keys', state, current: null, accepted: 0, retired: 0, detail: `badge key file /etc/pintu/badge.keys is ${state}` };
  const run = (readers: { id: string; direction: string; secure: false | string }[], state: BadgeKeyFileStatus['state'], visitorsNeedSecureReader = false) => {
    const { store, dir } = newStore();
    healthyDaemon(store);
    return runChecklist(store, opts(dir, { badges: { readers, visitorsNeedSecureReader, keyFile: () => keys(state) } }), env(healthyRoot()));
  };
  const secure = [{ id: 'in', direction: 'in', secure: 'ntag424' }, { id: 'out', direction: 'out', secure: 'ntag424' }];
  const em4100 = [{ id: 'in', direction: 'in', secure: false as const }, { id: 'out', direction: 'out', secure: false as const }];

  it('secure readers and a usable key file: both items ok, the current version measured', () => {
    const r = run(secure, 'ok');
    expect(byItem(r.items, 'badge-keys')).toMatchObject({ status: 'ok', value: 3 });
    expect(byItem(r.items, 'badge-readers')).toMatchObject({ status: 'ok', value: 0 });
    expect(byItem(r.items, 'badge-readers').detail).toContain('badges.visitorsNeedSecureReader: false');
    expect(r.status).toBe('ok');
  });

  it('a missing, loose or malformed key file fails where a reader authenticates badges, warns otherwise', () => {
    for (const state of ['missing', 'loose', 'invalid'] as const) {
      const withSecure = run(secure, state);
      expect(byItem(withSecure.items, 'badge-keys')).toMatchObject({ status: 'fail', value: state });
      expect(byItem(withSecure.items, 'badge-keys').detail).toContain('reader in, out authenticates badges with it');
      expect(withSecure.status).toBe('fail');
      expect(byItem(run(em4100, state).items, 'badge-keys')).toMatchObject({ status: 'warn', value: state });
    }
  });

  it('every reader with secure: false is named as copyable, with the visitor rule', () => {
    const mixed = [{ id: 'in', direction: 'in', secure: 'ntag424' }, { id: 'out', direction: 'out', secure: false as const }];
    const r = run(mixed, 'ok');
    expect(byItem(r.items, 'badge-readers')).toMatchObject({ status: 'warn', value: 1 });
    expect(byItem(r.items, 'badge-readers').detail).toBe('reader out (secure: false): badges read here can be copied (UID only / EM4100); visitors are granted there too (badges.visitorsNeedSecureReader: false)');
    expect(r.status).toBe('warn');
    const strict = byItem(run(em4100, 'ok', true).items, 'badge-readers');
    expect(strict).toMatchObject({ status: 'warn', value: 2 });
    expect(strict.detail).toContain('reader in, out (secure: false): badges read here can be copied');
    expect(strict.detail).toContain('visitors are refused there (badges.visitorsNeedSecureReader: true); no in-reader authenticates badges, so no visitor can be let in');
  });

  it('a desk reader of UIDs only is named once secure badges are enrolled: it cannot verify a returned badge', () => {
    const check = (desk: false | string, enrolled: boolean, readers: { id: string; direction: string; secure: false | string }[] = secure) => {
      const { store, dir } = newStore();
      healthyDaemon(store);
      if (enrolled) store.saveSecureBadge({ uid: '04C1C2C3C4C5C6', keyVersion: 3, holder: 'pool', enrolledAt: NOW }, 'O1');
      const badges = { readers, visitorsNeedSecureReader: false, keyFile: () => keys('ok'), deskReaders: [{ id: 'desk', secure: desk }] };
      return byItem(runChecklist(store, opts(dir, { badges }), env(healthyRoot())).items, 'badge-readers');
    };
    const plain = check(false, true);
    expect(plain).toMatchObject({ status: 'warn', value: 1 });
    expect(plain.detail).toBe('desk reader desk (secure: false) cannot verify returned secure badges (1 enrolled): a copy of a badge\'s UID is taken back as the badge; configure it secure: ntag424 (docs/badges.md, section 5)');
    // Nothing enrolled yet, or a desk reader that proves cards: no warning of it.
    expect(check(false, false)).toMatchObject({ status: 'ok', value: 0 });
    expect(check('ntag424', true)).toMatchObject({ status: 'ok', value: 0 });
    // Beside plain door readers: both said, in one warning.
    const both = check(false, true, em4100);
    expect(both.status).toBe('warn');
    expect(both.detail).toContain('reader in, out (secure: false): badges read here can be copied');
    expect(both.detail).toContain('desk reader desk (secure: false) cannot verify returned secure badges');
  });

  it('without badge checks (an older caller) neither item is there', () => {
    const { store, dir } = newStore();
    healthyDaemon(store);
    const r = runChecklist(store, opts(dir), env(healthyRoot()));
    expect(r.items.some((i) => i.item.startsWith('badge-'))).toBe(false);
  });
});
