import { describe, it, expect, afterEach } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILD_DATE_MS, ClockGuard, TIMESYNC_FLAG, UNSYNCED_MAX_VALIDITY_HOURS, clockSyncProbe } from '../../src/app/clock.js';
import { openDatabase } from '../../src/adapters/sqlite/db.js';
import { Store } from '../../src/adapters/sqlite/store.js';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });
const tmp = (): string => { const d = mkdtempSync(join(tmpdir(), 'pintu-clock-')); dirs.push(d); return d; };

describe('ClockGuard', () => {
  const after = BUILD_DATE_MS + 86_400_000;

  it('marks events clockSynced:false until the probe confirms sync, then leaves them alone', () => {
    let synced = false;
    let now = after;
    const g = new ClockGuard({ probe: () => synced, now: () => now, recheckMs: 1000 });
    expect(g.stamp('x', { a: 1 }, now)).toEqual({ data: { a: 1, clockSynced: false }, at: now });
    synced = true;
    expect(g.synced()).toBe(false); // not re-probed within recheckMs
    now += 1000;
    expect(g.stamp('x', { a: 1 }, now)).toEqual({ data: { a: 1 }, at: now });
    synced = false;
    expect(g.synced()).toBe(true); // sticky once confirmed
  });

  it('never writes a time before the build date as real: raised to the build date, raw reading kept, even when "synced"', () => {
    const g = new ClockGuard({ probe: () => true, now: () => 0 });
    const s = g.stamp('door.opened', { reader: 'in' }, 86_400_000); // 1970-01-02
    expect(s.at).toBe(BUILD_DATE_MS);
    expect(s.data).toEqual({ reader: 'in', clockSynced: false, clockRaw: '1970-01-02T00:00:00.000Z' });
  });

  it('limits approvals given while unsynchronised', () => {
    const g = new ClockGuard({ probe: () => false, now: () => after });
    expect(g.limitValidity(after, after + 24 * 3_600_000)).toBe(after + UNSYNCED_MAX_VALIDITY_HOURS * 3_600_000);
    const ok = new ClockGuard({ probe: () => true, now: () => after });
    expect(ok.limitValidity(after, after + 24 * 3_600_000)).toBe(after + 24 * 3_600_000);
  });

  it('probe: timesyncd flag file under an injected root, else timedatectl via the injected runner', () => {
    const root = tmp();
    expect(clockSyncProbe(root, null).synced).toBe(false);
    expect(clockSyncProbe(root, () => ({ code: 0, stdout: 'yes\n' }))).toEqual({ synced: true, source: 'timedatectl NTPSynchronized' });
    expect(clockSyncProbe(root, () => ({ code: 0, stdout: 'no\n' })).synced).toBe(false);
    mkdirSync(join(root, 'run/systemd/timesync'), { recursive: true });
    writeFileSync(join(root, TIMESYNC_FLAG), '');
    expect(clockSyncProbe(root, () => ({ code: 0, stdout: 'no\n' })).synced).toBe(true);
  });

  it('hooked into EventLog.append: stored events carry the mark and the hash chain still verifies', () => {
    const d = tmp();
    const store = new Store(openDatabase(join(d, 'p.db'), { synchronous: 'normal' }), 'door-1');
    try {
      const g = new ClockGuard({ probe: () => false });
      store.events.stamp = g.stamp.bind(g);
      const [e1] = store.tx(() => store.events.append([{ type: 'daemon.started', data: { pid: 1 } }], 1000));
      store.events.stamp = null;
      store.tx(() => store.events.append([{ type: 'daemon.stopped', data: {} }], after));
      expect(e1!.at).toBe(new Date(BUILD_DATE_MS).toISOString());
      const all = store.events.since(0);
      expect(all.map((e) => e.data)).toEqual([{ pid: 1, clockSynced: false, clockRaw: '1970-01-01T00:00:01.000Z' }, {}]);
      expect(store.events.verify()).toBeNull();
    } finally {
      store.db.close();
    }
  });
});
