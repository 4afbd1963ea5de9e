/**
 * The daemon's deferred WAL fsync: what waits for it (events to send to the centre, the daemon's stop) is told
 * "on disk" only after an fdatasync that succeeded.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WalSync } from '../../src/adapters/sqlite/wal-sync.js';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

describe('WalSync', () => {
  it('a failed sync calls no waiter; they are called after a later sync succeeds, and the failure is reported', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pintu-walsync-'));
    dirs.push(dir);
    // "wal-dir" is a plain file first: opening "wal-dir/p.db-wal" fails (ENOTDIR), as a dying disk's sync fails (EIO).
    writeFileSync(join(dir, 'wal-dir'), '');
    const errors: string[] = [];
    const w = new WalSync(join(dir, 'wal-dir', 'p.db-wal'), (err) => errors.push((err as NodeJS.ErrnoException).code ?? err.message));
    w.retryMs = 50;
    let called = false;
    w.committed();
    w.whenSynced(() => { called = true; });
    for (let i = 0; i < 100 && errors.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect(errors.length).toBeGreaterThanOrEqual(2);
    expect(called).toBe(false);
    // The disk recovers: the next attempt succeeds and releases the waiter.
    unlinkSync(join(dir, 'wal-dir'));
    mkdirSync(join(dir, 'wal-dir'));
    writeFileSync(join(dir, 'wal-dir', 'p.db-wal'), 'x');
    for (let i = 0; i < 300 && !called; i++) await new Promise((r) => setTimeout(r, 10));
    expect(called).toBe(true);
    expect(w.completed).toBeGreaterThanOrEqual(1);
  });
});
