/**
 * The backup copies in steps and syncs the copy after each (issue 10: unpaced, a 400 MB copy left 500 MB of dirty page
 * cache, and the next fsync of anyone on the file system waited for all of it); the steps still read one snapshot.
 */
import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backupDatabaseFile } from '../../src/adapters/sqlite/db-check.js';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

describe('paced backup', () => {
  it('fdatasyncs the copy every step, and copies one snapshot while another connection writes between steps', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pintu-paced-'));
    dirs.push(dir);
    const file = join(dir, 'src.db');
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.exec(`CREATE TABLE b (id INTEGER PRIMARY KEY, x BLOB);
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 4000) INSERT INTO b SELECT i, randomblob(3000) FROM n`);
    const synced: number[] = [];
    const check = await backupDatabaseFile(file, join(dir, 'copy.db'), {
      stepBytes: 1024 * 1024,
      onSync: (bytes) => {
        synced.push(bytes);
        db.prepare('INSERT INTO b (x) VALUES (randomblob(3000))').run(); // a writer between steps
      },
    });
    expect(check).toEqual(['ok']);
    const size = statSync(join(dir, 'copy.db')).size;
    expect(synced.length, `steps of 1 MiB over ${size} bytes`).toBeGreaterThanOrEqual(Math.floor(size / (1024 * 1024)) - 1);
    expect(synced).toEqual([...synced].sort((a, b) => a - b));
    expect(synced.at(-1)!).toBeGreaterThan(size / 2);
    const copy = new Database(join(dir, 'copy.db'), { readonly: true });
    expect((copy.prepare('SELECT COUNT(*) AS n FROM b').get() as { n: number }).n, 'the snapshot of the first step').toBe(4000);
    expect((db.prepare('SELECT COUNT(*) AS n FROM b').get() as { n: number }).n).toBe(4000 + synced.length);
    copy.close();
    db.close();
  });
});
