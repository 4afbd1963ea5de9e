import { describe, it, expect, afterEach } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openDatabase } from '../../src/adapters/sqlite/db.js';
import { Store } from '../../src/adapters/sqlite/store.js';
import { backupTo, integrityCheck, nightlyBackups, restoreFile, rotate, verifyBackupFile } from '../../src/adapters/sqlite/backup.js';
import { nightlyBackup } from '../../src/app/maintenance/backup.js';
import { refuseWhileDaemonRuns, runningDaemonPid } from '../../src/app/daemon-check.js';
import { realProcessEnv } from '../../src/adapters/os/system.js';
import { UserError } from '../../src/domain/errors.js';
import { filler } from '../helpers/events.js';

const dirs: string[] = [];
const stores: Store[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) if (s.db.open) s.db.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tmp = (): string => { const d = mkdtempSync(join(tmpdir(), 'pintu-backup-')); dirs.push(d); return d; };
const open = (path: string): Store => { const s = new Store(openDatabase(path, { synchronous: 'normal' }), 'door-1', null); stores.push(s); return s; };

/** A second process writing as fast as it can for `ms`, like the daemon during a burst of taps. */
function burstWriter(dbPath: string, ms: number): Promise<number> {
  const code = `
    import Database from 'better-sqlite3';
    const db = new Database(${JSON.stringify(dbPath)});
    db.pragma('busy_timeout = 5000');
    const ins = db.prepare('INSERT INTO burst (payload) VALUES (?)');
    const end = Date.now() + ${ms};
    let n = 0;
    process.stdout.write('started\\n');
    while (Date.now() < end) { ins.run('x'.repeat(500 + (n % 300))); n++; }
    db.close();
    process.stdout.write('done ' + n + '\\n');`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => { out += d; });
    child.on('error', reject);
    child.on('exit', (c) => (c === 0 ? resolve(Number(/done (\d+)/.exec(out)?.[1] ?? -1)) : reject(new Error(`writer exited ${c}: ${out}`))));
  });
}

describe('backup and restore', () => {
  it('a backup taken during a burst of writes from another process passes integrity_check and restores', async () => {
    const dir = tmp();
    const dbPath = join(dir, 'data', 'pintu.db');
    const store = open(dbPath);
    store.db.exec('CREATE TABLE burst (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)');
    store.tx(() => store.events.append(Array.from({ length: 50 }, (_, i) => filler('access.granted', { n: i })), Date.now()));
    const writer = burstWriter(dbPath, 1500);
    // Wait for the writer's first rows (a child's start takes long on a loaded runner), not a fixed time.
    const countBurst = (): number => (store.db.prepare('SELECT COUNT(*) AS n FROM burst').get() as { n: number }).n;
    for (const end = Date.now() + 20_000; countBurst() === 0 && Date.now() < end;) await new Promise((r) => setTimeout(r, 20));
    const results = [];
    for (let i = 0; i < 3; i++) {
      store.tx(() => store.events.append([filler('door.opened', { i })], Date.now()));
      results.push(await backupTo(store.db, join(dir, `b${i}.db`)));
      await new Promise((r) => setTimeout(r, 150));
    }
    const written = await writer;
    expect(written).toBeGreaterThan(100);
    const finalRows = (store.db.prepare('SELECT COUNT(*) AS n FROM burst').get() as { n: number }).n;
    for (const r of results) {
      expect(integrityCheck(r.file)).toEqual(['ok']);
      expect(existsSync(`${r.file}.partial`)).toBe(false);
      const b = new Database(r.file, { readonly: true });
      const rows = (b.prepare('SELECT COUNT(*) AS n FROM burst').get() as { n: number }).n;
      expect(b.pragma('journal_mode', { simple: true })).toBe('delete');
      b.close();
      expect(rows).toBeGreaterThan(0);
      expect(rows).toBeLessThanOrEqual(finalRows);
    }
    store.db.close();
    // Restore the last backup over the live file: the old one is kept aside, the restored chain verifies.
    const { aside } = restoreFile(results[2]!.file, dbPath);
    expect(aside && existsSync(aside)).toBeTruthy();
    const restored = open(dbPath);
    expect(restored.events.lastSeq()).toBe(53);
    expect(restored.events.verify()).toBeNull();
  });

  it('restore verifies the file first: garbage or a non-pintu database is refused and the live database is untouched', () => {
    const dir = tmp();
    const dbPath = join(dir, 'pintu.db');
    const store = open(dbPath);
    store.tx(() => store.events.append([filler('x')], Date.now()));
    store.db.close();
    const junk = join(dir, 'junk.db');
    writeFileSync(junk, Buffer.alloc(8192, 7));
    expect(() => restoreFile(junk, dbPath)).toThrow(/integrity check/);
    const other = join(dir, 'other.db');
    const o = new Database(other); o.exec('CREATE TABLE t (x)'); o.close();
    expect(() => verifyBackupFile(other)).toThrow(/not a pintu database/);
    expect(() => restoreFile(join(dir, 'missing.db'), dbPath)).toThrow(/does not exist/);
    expect(open(dbPath).events.lastSeq()).toBe(1);
  });

  it('restore and hw test are refused while a live daemon pid holds the status row', () => {
    const store = open(join(tmp(), 'pintu.db'));
    expect(runningDaemonPid(store, realProcessEnv())).toBeNull();
    store.updateDoorStatus({ daemonPid: process.pid, heartbeatAt: Date.now() }); // this test process: alive
    expect(() => refuseWhileDaemonRuns(store, 'restore', realProcessEnv())).toThrow(UserError);
    expect(() => refuseWhileDaemonRuns(store, 'restore', realProcessEnv())).toThrow(`restore refused: the pintu daemon is running on this database (pid ${process.pid})`);
    // A dead pid, or a row written before the last boot, does not count.
    expect(runningDaemonPid(store, { alive: () => false, bootTime: () => null })).toBeNull();
    expect(runningDaemonPid(store, { alive: () => true, bootTime: () => Date.now() + 1000 })).toBeNull();
    expect(runningDaemonPid(store, { alive: () => true, bootTime: () => Date.now() - 60_000 })).toBe(process.pid);
  });

  it('nightly backup: once per local day after the configured hour, rotated to `keep` files', async () => {
    const dir = tmp();
    const store = open(join(dir, 'pintu.db'));
    const bdir = join(dir, 'backups');
    mkdirSync(bdir);
    for (const d of ['20261101', '20261102', '20261103']) writeFileSync(join(bdir, `pintu-${d}-020000.db`), '');
    writeFileSync(join(bdir, 'notes.txt'), 'keep me');
    const at = (iso: string): number => Date.parse(iso);
    const o = { keep: 2, hour: 2, timeZone: 'Asia/Jakarta' };
    expect(await nightlyBackup(store, bdir, { ...o, now: at('2026-11-05T01:30:00+07:00') })).toBeNull(); // before 02:00 WIB
    const r = await nightlyBackup(store, bdir, { ...o, now: at('2026-11-05T02:10:00+07:00') });
    expect(r?.file).toBe(join(bdir, 'pintu-20261105-021000.db'));
    expect(r?.removed.length).toBe(2);
    expect(await nightlyBackup(store, bdir, { ...o, now: at('2026-11-05T23:00:00+07:00') })).toBeNull(); // already done today
    expect(nightlyBackups(bdir).map((f) => f.slice(bdir.length + 1))).toEqual(['pintu-20261105-021000.db', 'pintu-20261103-020000.db']);
    expect(readdirSync(bdir)).toContain('notes.txt');
    expect(await rotate(bdir, 1)).toEqual([join(bdir, 'pintu-20261103-020000.db')]);
    expect(await nightlyBackup(store, bdir, { ...o, keep: 0, now: at('2026-11-06T03:00:00+07:00') })).toBeNull();
  });
});
