import { describe, it, expect, afterEach } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/adapters/sqlite/db.js';
import { Store } from '../../src/adapters/sqlite/store.js';
import { LinkState } from '../../src/adapters/mqtt/link-state.js';
import { backupTo, restoreFile, verifyBackupFile } from '../../src/adapters/sqlite/backup.js';
import { chainProblems, checkDatabaseFile } from '../../src/adapters/sqlite/db-check.js';
import { filler } from '../helpers/events.js';

const dirs: string[] = [];
const stores: Store[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) if (s.db.open) s.db.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tmp = (): string => { const d = mkdtempSync(join(tmpdir(), 'pintu-review2-')); dirs.push(d); return d; };
const open = (path: string): Store => { const s = new Store(openDatabase(path, { synchronous: 'normal' }), 'door-1', null); stores.push(s); return s; };
const count = (s: Store): number => (s.db.prepare('SELECT COUNT(*) AS n FROM events').get() as { n: number }).n;

describe('review 2: restore and chain verification', () => {
  it('a restore that fails while copying leaves the live database in place (never half-replaced)', async () => {
    const dir = tmp();
    const dbPath = join(dir, 'pintu.db');
    const live = open(dbPath);
    live.tx(() => live.events.append(Array.from({ length: 5 }, (_, i) => filler('door.opened', { i })), Date.now()));
    const backup = join(dir, 'b.db');
    await backupTo(live.db, backup);
    live.tx(() => live.events.append([filler('door.closed')], Date.now()));
    live.db.close();
    // The copy cannot be written (here: the temporary name is taken by a directory; in the field: a full disk).
    mkdirSync(`${dbPath}.restoring`);
    expect(() => restoreFile(backup, dbPath)).toThrow();
    expect(existsSync(dbPath)).toBe(true);
    const again = open(dbPath);
    expect(count(again)).toBe(6);
  });

  it('events pruned by central.retainAckedDays (acknowledged by the centre) do not make a sound log fail verification', async () => {
    const dir = tmp();
    const dbPath = join(dir, 'pintu.db');
    const s = open(dbPath);
    const old = Date.parse('2026-01-01T00:00:00Z');
    s.tx(() => s.events.append(Array.from({ length: 10 }, (_, i) => filler('door.opened', { i })), old));
    s.tx(() => s.events.append([filler('door.closed')], old + 86_400_000 * 30));
    const link = new LinkState(s.db, 'door-1');
    link.setAcked(11, Date.now());
    expect(link.pruneAcked(old + 86_400_000)).toBe(10);
    const r = checkDatabaseFile(dbPath, { pragma: 'integrity_check', chain: 'all' });
    expect(chainProblems(r)).toEqual([]);
    const backup = join(dir, 'b.db');
    await backupTo(s.db, backup);
    expect(() => verifyBackupFile(backup)).not.toThrow();
  });

  it('events missing at the head that the centre never acknowledged are still a broken chain', () => {
    const dir = tmp();
    const dbPath = join(dir, 'pintu.db');
    const s = open(dbPath);
    s.tx(() => s.events.append(Array.from({ length: 10 }, (_, i) => filler('door.opened', { i })), Date.now()));
    new LinkState(s.db, 'door-1').setAcked(3, Date.now());
    s.db.prepare('DELETE FROM events WHERE seq <= 5').run();
    const r = checkDatabaseFile(dbPath, { pragma: 'integrity_check', chain: 'all' });
    expect(chainProblems(r).join()).toMatch(/door door-1/);
  });
});

describe('review 2: a backup whose newest events were deleted', () => {
  it('is refused when the centre had acknowledged events past its end', async () => {
    const dir = tmp();
    const s = open(join(dir, 'pintu.db'));
    s.tx(() => s.events.append(Array.from({ length: 10 }, (_, i) => filler('door.opened', { i })), Date.now()));
    new LinkState(s.db, 'door-1').setAcked(10, Date.now());
    s.db.prepare('DELETE FROM events WHERE seq >= 9').run();
    const backup = join(dir, 'b.db');
    await backupTo(s.db, backup);
    expect(() => verifyBackupFile(backup)).toThrow(/acknowledged seq 10/);
  });
});
