/**
 * The SOP 002 inventory items of the health checklist (issue 16, item 7) on emulated /sys and /run trees and a real
 * store: daemon, backup freshness, pcscd and desk readers, SD/eMMC wear (life_time, pre_eol_info), UPS mains, software;
 * and the exit code a run gives `pintu health`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { openDatabase } from '../../src/adapters/sqlite/db.js';
import { Store } from '../../src/adapters/sqlite/store.js';
import { systemAt } from '../../src/adapters/os/system.js';
import { BUILD_DATE_MS } from '../../src/app/clock.js';
import { DAEMON_VERSION_KEY, healthExitCode, runChecklist, saveReaderHealth, type ChecklistOptions } from '../../src/app/health/checklist.js';
import { daemonItem, storageWear } from '../../src/app/health/inventory.js';
import type { HealthItem } from '../../src/app/health/probes.js';
import type { SystemEnv } from '../../src/ports/system.js';
import { filler } from '../helpers/events.js';
import { Catalogue } from '../../src/adapters/console/i18n/index.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const NOW = BUILD_DATE_MS + 100 * DAY;
const dirs: string[] = [];
const stores: Store[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) if (s.db.open) s.db.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tmp = (): string => { const d = mkdtempSync(join(tmpdir(), 'pintu-inventory-')); dirs.push(d); return d; };
const put = (root: string, rel: string, text: string): void => { mkdirSync(dirname(join(root, rel)), { recursive: true }); writeFileSync(join(root, rel), text); };
const env = (root: string): SystemEnv => ({ ...systemAt(root), run: () => null, statfs: () => ({ bsize: 4096, blocks: 7e6, bavail: 5e6 }), now: () => NOW });
function newStore(): { store: Store; dir: string } {
  const dir = tmp();
  const store = new Store(openDatabase(join(dir, 'pintu.db'), { synchronous: 'normal' }), 'door-1', null);
  stores.push(store);
  return { store, dir };
}
const opts = (dir: string, over: Partial<ChecklistOptions> = {}): ChecklistOptions => ({ readerIds: [], dataDir: dir, readerSilentDays: 14, central: false, daemonPid: 4242, ...over });
const item = (items: HealthItem[], name: string): HealthItem | undefined => items.find((i) => i.item === name);

describe('the daemon item and the exit code of pintu health', () => {
  it('running is ok; not responding, crashed or not running fail; the exit code is 0 / 1 / 2', () => {
    expect(daemonItem('running', 7)).toMatchObject({ status: 'ok', detail: 'running (pid 7)' });
    for (const s of ['not responding', 'crashed', 'not running'] as const) expect(daemonItem(s, 7)).toMatchObject({ item: 'daemon', status: 'fail', value: s });
    const ok: HealthItem = { item: 'disk', status: 'ok', value: 1, detail: '' };
    const warn: HealthItem = { ...ok, item: 'clock', status: 'warn' };
    const fail: HealthItem = { ...ok, item: 'backup', status: 'fail' };
    expect(healthExitCode({ items: [daemonItem('running', 7), ok, warn] })).toBe(0); // warnings never fail
    expect(healthExitCode({ items: [daemonItem('running', 7), ok, fail] })).toBe(1);
    expect(healthExitCode({ items: [daemonItem('not running', null), ok] })).toBe(2);
    expect(healthExitCode({ items: [daemonItem('not responding', 7), fail] })).toBe(2); // the daemon outranks an item
  });

  it('the checklist takes the state it is given (pintu health: pid and heartbeat), else the pid', () => {
    const { store, dir } = newStore();
    expect(item(runChecklist(store, opts(dir, { daemonPid: null }), env(tmp())).items, 'daemon')?.value).toBe('not running');
    expect(item(runChecklist(store, opts(dir, { daemonState: 'not responding' }), env(tmp())).items, 'daemon')?.status).toBe('fail');
  });
});

describe('backup freshness', () => {
  const run = (store: Store, dir: string, keep = 7): HealthItem => item(runChecklist(store, opts(dir, { backup: { keep, hour: 2 } }), env(tmp())).items, 'backup')!;
  const made = (store: Store, at: number): void => { store.tx(() => store.events.append([filler('backup.made', { file: 'backups/pintu-x.db', bytes: 1, ms: 1, trigger: 'nightly' })], at)); };

  it('none yet on a young log warns; on a log days old it fails', () => {
    const { store, dir } = newStore();
    store.tx(() => store.events.append([filler('daemon.started', { pid: 1 })], NOW - HOUR));
    expect(run(store, dir)).toMatchObject({ status: 'warn', detail: expect.stringContaining('first nightly backup runs after 02:00') });
    const old = newStore();
    old.store.tx(() => old.store.events.append([filler('daemon.started', { pid: 1 })], NOW - 5 * DAY));
    expect(run(old.store, old.dir)).toMatchObject({ status: 'fail', detail: expect.stringContaining('no backup at all') });
  });

  it('fresh within 26 h ok, older warns, older than 3 days fails; a failure after the last backup fails', () => {
    const { store, dir } = newStore();
    made(store, NOW - 5 * DAY);
    expect(run(store, dir).status).toBe('fail');
    made(store, NOW - 30 * HOUR);
    expect(run(store, dir)).toMatchObject({ status: 'warn', value: '1 d' });
    made(store, NOW - 3 * HOUR);
    expect(run(store, dir)).toMatchObject({ status: 'ok', value: '3 h' });
    store.tx(() => store.events.append([filler('alarm.backup', { error: 'ENOSPC: no space left on device' })], NOW - HOUR));
    expect(run(store, dir)).toMatchObject({ status: 'fail', detail: expect.stringContaining('ENOSPC') });
    expect(run(store, dir, 0).status).toBe('fail');
    made(store, NOW - 30 * 60_000); // a backup after the failure: fine again
    expect(run(store, dir)).toMatchObject({ status: 'ok' });
  });

  it('a failure thousands of events after the newest backup is still found (the events since it are read in pages)', () => {
    const { store, dir } = newStore();
    made(store, NOW - 20 * HOUR);
    store.tx(() => store.events.append(Array.from({ length: 4500 }, () => filler('x')), NOW - 10 * HOUR));
    store.tx(() => store.events.append([filler('alarm.backup', { error: 'EIO' })], NOW - HOUR));
    expect(run(store, dir)).toMatchObject({ status: 'fail', detail: expect.stringContaining('EIO') });
  });

  it('nightly backups off (keep: 0) warn', () => {
    const { store, dir } = newStore();
    made(store, NOW - 3 * HOUR);
    expect(run(store, dir, 0)).toMatchObject({ status: 'warn', detail: expect.stringContaining('backup.keep: 0') });
  });
});

describe('pcscd and the desk readers (emulated /run and /dev)', () => {
  const devices = { door: [{ id: 'in', kind: 'pcsc' }, { id: 'out', kind: 'serial', path: '/dev/pintu-reader-out' }], desk: [{ id: 'desk', kind: 'pcsc' }, { id: 'desk2', kind: 'serial', path: '/dev/ttyUSB0' }] };

  it('pcscd\'s socket there: pcscd and the PC/SC desk ok; a serial desk reader without its device fails', () => {
    const { store, dir } = newStore();
    const root = tmp();
    put(root, 'run/pcscd/pcscd.comm', '');
    const items = runChecklist(store, opts(dir, { devices }), env(root)).items;
    expect(item(items, 'pcscd')).toMatchObject({ status: 'ok', detail: expect.stringContaining('reader in, desk') });
    expect(item(items, 'desk-reader:desk')).toMatchObject({ status: 'ok' });
    expect(item(items, 'desk-reader:desk2')).toMatchObject({ status: 'fail', detail: expect.stringContaining('/dev/ttyUSB0 missing') });
    put(root, 'dev/ttyUSB0', '');
    expect(item(runChecklist(store, opts(dir, { devices }), env(root)).items, 'desk-reader:desk2')).toMatchObject({ status: 'ok' });
  });

  it('no pcscd: both fail, saying how to install it; no PC/SC reader at all: no pcscd item', () => {
    const { store, dir } = newStore();
    const items = runChecklist(store, opts(dir, { devices }), env(tmp())).items;
    expect(item(items, 'pcscd')).toMatchObject({ status: 'fail', detail: expect.stringContaining('apt-get install pcscd') });
    expect(item(items, 'desk-reader:desk')?.status).toBe('fail');
    const none = runChecklist(store, opts(dir, { devices: { door: [{ id: 'in', kind: 'sim' }], desk: [] } }), env(tmp())).items;
    expect(item(none, 'pcscd')).toBeUndefined();
  });
});

describe('SD card / eMMC wear (emulated /sys/block/mmcblk0/device)', () => {
  const wear = (files: Record<string, string>): HealthItem => {
    const root = tmp();
    mkdirSync(join(root, 'sys/block/mmcblk0/device'), { recursive: true });
    for (const [f, v] of Object.entries(files)) put(root, `sys/block/mmcblk0/device/${f}`, v);
    return storageWear(env(root));
  };

  it('life_time type A/B (JEDEC 0x01..0x0B) and pre_eol_info: ok, warn from 70 %, fail from 90 % or urgent', () => {
    expect(wear({ life_time: '0x01 0x02\n', pre_eol_info: '0x01\n' })).toMatchObject({ status: 'ok', value: 2, detail: 'mmcblk0: 10-20 % of its rated life used (life_time 0x01 0x02), reserved blocks normal' });
    expect(wear({ life_time: '0x08 0x03\n' })).toMatchObject({ status: 'warn', value: 8, detail: expect.stringContaining('70-80 %') });
    expect(wear({ life_time: '0x02 0x0a\n' })).toMatchObject({ status: 'fail', value: 10 });
    expect(wear({ life_time: '0x0b 0x0b\n' }).detail).toContain('more than 100 %');
    expect(wear({ life_time: '0x01 0x01\n', pre_eol_info: '0x02\n' })).toMatchObject({ status: 'warn', detail: expect.stringContaining('warning (80 % used)') });
    expect(wear({ pre_eol_info: '0x03\n' })).toMatchObject({ status: 'fail', detail: expect.stringContaining('urgent') });
  });

  it('a card that does not report wear, or no mmcblk0 at all: ok and says it was not checked (never a standing warning)', () => {
    expect(wear({})).toMatchObject({ status: 'ok', value: null, detail: expect.stringContaining('does not report its wear') });
    expect(wear({ life_time: '0x00 0x00\n' })).toMatchObject({ status: 'ok', value: null });
    expect(storageWear(env(tmp()))).toMatchObject({ status: 'ok', detail: expect.stringContaining('no mmcblk0') });
  });
});

describe('UPS mains and software', () => {
  it('mains from what the daemon wrote: present ok, on battery fails, unknown or daemon down warns; only where wired', () => {
    const { store, dir } = newStore();
    const run = (over: Partial<ChecklistOptions> = {}): HealthItem | undefined => item(runChecklist(store, opts(dir, { mains: true, ...over }), env(tmp())).items, 'ups-mains');
    expect(item(runChecklist(store, opts(dir), env(tmp())).items, 'ups-mains')).toBeUndefined();
    expect(run()?.status).toBe('warn');
    saveReaderHealth(store, [], NOW, { present: true, since: NOW - 2 * DAY });
    expect(run()).toMatchObject({ status: 'ok', value: true, detail: 'mains present (for 2 d)' });
    saveReaderHealth(store, [], NOW, { present: false, since: NOW - 20 * 60_000 });
    expect(run()).toMatchObject({ status: 'fail', value: false, detail: expect.stringContaining('on battery for 20 min') });
    expect(run({ daemonPid: null })).toMatchObject({ status: 'warn', detail: expect.stringContaining('daemon not running') });
  });

  it('software: the versions; a daemon still on an older version than installed warns', () => {
    const { store, dir } = newStore();
    const software = (): { installed: string; node: string; os: string } => ({ installed: '0.2.0', node: 'v20.19.0', os: 'Raspberry Pi 5 Model B Rev 1.0; Debian GNU/Linux 13 (trixie)' });
    const run = (): HealthItem => item(runChecklist(store, opts(dir, { software }), env(tmp())).items, 'software')!;
    expect(run()).toMatchObject({ status: 'ok', value: '0.2.0', detail: 'pintu 0.2.0, Node.js v20.19.0, Raspberry Pi 5 Model B Rev 1.0; Debian GNU/Linux 13 (trixie)' });
    store.setMeta(DAEMON_VERSION_KEY, '0.1.0');
    expect(run()).toMatchObject({ status: 'warn', detail: expect.stringContaining('the daemon still runs 0.1.0: sudo systemctl restart pintu') });
    store.setMeta(DAEMON_VERSION_KEY, '0.2.0');
    expect(run().status).toBe('ok');
  });
});

describe('officer words for every item', () => {
  it('each item a full checklist can give has a text in the console catalogue (id and en), so alarm.health reads as words', () => {
    const { store, dir } = newStore();
    const root = tmp();
    const items = runChecklist(store, opts(dir, {
      readerIds: ['in'], central: true, mains: true, storageDevice: 'mmcblk0', backup: { keep: 7, hour: 2 },
      devices: { door: [{ id: 'in', kind: 'pcsc' }], desk: [{ id: 'desk', kind: 'pcsc' }] },
      software: () => ({ installed: '1', node: 'v20', os: null }),
      badges: { readers: [{ id: 'in', direction: 'in', secure: false }], visitorsNeedSecureReader: false, keyFile: () => ({ state: 'missing', detail: 'x' }) as never },
    }), env(root)).items;
    const kinds = [...new Set(items.map((i) => i.item.split(':')[0]!))];
    expect(kinds).toEqual(expect.arrayContaining(['daemon', 'reader', 'backup', 'pcscd', 'desk-reader', 'ups-mains', 'storage-wear', 'software', 'clock']));
    const catalogue = new Catalogue();
    for (const lang of ['id', 'en'] as const) {
      const t = catalogue.translator(lang);
      for (const k of kinds) expect(t(`health.item.${k}` as never), `${lang}: health.item.${k}`).not.toMatch(/^health\.item\./);
    }
  });
});
