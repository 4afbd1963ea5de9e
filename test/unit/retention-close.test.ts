/**
 * Issue 14, item 3: retention that closes every case. On a fake clock, through the real visit service, store and the
 * daemon's scheduler: requests that never reach the door expire (undecided after privacy.expireUndecidedDays, or an
 * approval that ended with no badge issued), and once past privacy.retentionDays every closed visit — checked out and
 * archived, denied, cancelled, expired, revoked before issue — loses its personal fields and free text (purpose,
 * reasons, checklist notes, disposition signatory, its incident notes), while open ones (issued, a KTP held after a
 * device mismatch, revoked with the badge out, a fresh request) keep theirs. Counts and SOP times stay, the run's
 * destruction record says what, how many, which period and by which policy, and the chain verifies.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempConfig, testNik, type TempConfig } from '../helpers/config.js';
import { openStore, schedulerSettings, visitService, type DoorStore } from '../../src/main.js';
import { systemAt } from '../../src/adapters/os/system.js';
import { createLogger } from '../../src/adapters/log/pino.js';
import { ClockGuard, TIMESYNC_FLAG } from '../../src/app/clock.js';
import { Scheduler } from '../../src/app/scheduler.js';
import { PURGED } from '../../src/app/maintenance/purge.js';
import { nikHash } from '../../src/app/secret.js';
import { loadOrCreateSecret } from '../../src/adapters/os/secret-file.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const temps: TempConfig[] = [];
const stores: DoorStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) if (s.db.open) s.db.close();
  for (const t of temps.splice(0)) t.cleanup();
});

describe('retention closes every case (fake clock, real store and scheduler)', () => {
  it('expires requests that never reach the door, then purges every closed visit with its free text; open ones stay; a destruction record', async () => {
    let now = Date.parse('2027-01-04T02:00:00Z');
    const t = tempConfig({ privacy: { retentionDays: 30, expireUndecidedDays: 14 }, backup: { keep: 0, hour: 2 } });
    temps.push(t);
    const clock = new ClockGuard({ probe: () => true, now: () => now, mono: () => now });
    const store = openStore(t.config, { clock });
    stores.push(store);
    const root = join(t.dir, 'root');
    mkdirSync(join(root, 'proc'), { recursive: true });
    writeFileSync(join(root, 'proc/uptime'), '100.0 50.0\n');
    mkdirSync(join(root, 'run/systemd/timesync'), { recursive: true });
    writeFileSync(join(root, TIMESYNC_FLAG), '');
    const env = { ...systemAt(root), run: () => null, statfs: () => ({ bsize: 4096, blocks: 1e7, bavail: 5e6 }), now: () => now };
    const scheduler = new Scheduler({ store, settings: schedulerSettings(t.config), log: createLogger('silent'), env, clock, tickMs: 3_600_000 });
    const s = visitService(t.config, store);
    s.addOfficer('Kepala Satu', 'head', '0A000001');
    s.addOfficer('Staf Dua', 'staff', '0A000002');
    for (let b = 1; b <= 4; b++) s.addBadge(`1B00000${b}`, `TAMU-0${b}`);
    const laptop = { description: 'Laptop', serial: 'SN-1' };
    const ask = (n: number, extra: Record<string, unknown> = {}): string => s.request({
      name: `Pengunjung Nomor${n}`, nik: testNik(n), org: 'PT Contoh', phone: `08129990000${n}`, purpose: `keperluan rahasia ${n}`, by: 'O2', devices: [laptop], ...extra,
    }).id;
    const step = (ms: number): void => { now += ms; };

    const undecided = ask(1);                                            // never checked: expires after 14 days
    const lapsed = ask(2); s.check(lapsed, 'O2'); s.approve(lapsed, 'O1', { until: now + 2 * HOUR }); // approved, never issued
    const denied = ask(3); s.deny(denied, 'O1', 'alasan tolak 3');
    const cancelled = ask(4); s.cancel(cancelled, 'O2', 'no_show', 'catatan batal 4');
    const revoked = ask(5); s.revoke(revoked, 'O1', 'alasan cabut 5');
    const done = ask(6, { kind: 'maintenance', disposition: { orderedBy: 'Penanda Tangan 6', reference: 'ND/6', date: '2027-01-03' } });
    s.check(done, 'O2'); s.approve(done, 'O1'); s.issue(done, 'TAMU-01', 'O2', { rulesAcknowledged: true });
    s.checklist(done, 'O2', [{ item: 'UPS', status: 'ok', note: 'catatan periksa 6' }]);
    s.checkout(done, 'O2', [laptop]); s.archive(done, 'O1');
    s.incident('O2', 'catatan kejadian 6', done);
    s.incident('O2', 'kejadian umum tanpa kunjungan');
    const inside = ask(7); s.check(inside, 'O2'); s.approve(inside, 'O1', { until: now + 20 * DAY }); s.issue(inside, 'TAMU-02', 'O2', { rulesAcknowledged: true });
    const held = ask(8); s.check(held, 'O2'); s.approve(held, 'O1'); s.issue(held, 'TAMU-03', 'O2', { rulesAcknowledged: true }); s.checkout(held, 'O2', []); // mismatch: KTP held
    const revokedOut = ask(9); s.check(revokedOut, 'O2'); s.approve(revokedOut, 'O1'); s.issue(revokedOut, 'TAMU-04', 'O2', { rulesAcknowledged: true }); s.revoke(revokedOut, 'O1', 'cabut 9');
    const countsBefore = store.db.prepare('SELECT COUNT(*) AS n FROM visits').get();
    // The NIK hash is written at request (issue 14, item 4), in its own column.
    expect(store.db.prepare('SELECT nik_hash FROM visits WHERE id = ?').pluck().get(denied)).toBe(nikHash(loadOrCreateSecret(t.config.dataDir), testNik(3)));

    // 13 days on: nothing undecided is due yet; the unused approval ended long ago and expires.
    step(13 * DAY);
    await scheduler.tick();
    expect(store.visit(lapsed)).toMatchObject({ state: 'expired', expiryReason: 'approval_lapsed' });
    expect(store.visit(undecided)!.state).toBe('requested');
    step(1 * DAY + HOUR);
    await scheduler.tick();
    expect(store.visit(undecided)).toMatchObject({ state: 'expired', expiryReason: 'undecided' });
    const expiries = store.events.since(0, 10_000).filter((e) => e.type === 'visit.expired');
    expect(expiries.map((e) => e.data)).toEqual([
      { visit: lapsed, from: 'approved', why: 'approval_lapsed', validUntil: expect.any(String) as unknown },
      { visit: undecided, from: 'requested', why: 'undecided', afterDays: 14 },
    ]);
    // Nothing purged yet: 30 days of retention have not passed for anyone.
    expect(store.events.since(0, 10_000).some((e) => e.type === 'privacy.purged')).toBe(false);
    const fresh = ask(10);

    // Past retention for all that closed: one purge run.
    step(31 * DAY);
    await scheduler.tick();
    const purged = [undecided, lapsed, denied, cancelled, revoked, done];
    for (const id of purged) {
      const v = store.visit(id)!;
      expect(v.visitor, id).toEqual({ name: PURGED, nik: '', org: 'PT Contoh', phone: null });
      expect(v.purpose, id).toBe(PURGED);
      expect(v.ktpHash ?? null, id).toBeNull();
      expect(v.nikHash, id).toBeNull();
      expect(v.purged, id).toEqual({ at: now, why: 'retention' });
      expect(v.at.requested, id).toBeTypeOf('number'); // SOP times stay
      expect(v.devicesIn, id).toEqual([laptop]);
    }
    expect(store.visit(denied)!.denyReason).toBe(PURGED);
    expect(store.visit(revoked)!.revokeReason).toBe(PURGED);
    expect(store.visit(done)!.checklist).toEqual([{ item: 'UPS', status: 'ok', note: PURGED }]);
    expect(store.visit(done)!.disposition).toEqual({ orderedBy: PURGED, reference: 'ND/6', date: '2027-01-03' });
    expect(store.incidents().map((i) => i.note).sort()).toEqual([PURGED, 'kejadian umum tanpa kunjungan']);
    // Open cases keep everything: inside (issued), the KTP held after a mismatch, revoked with the badge out, a fresh request.
    for (const [id, n] of [[inside, 7], [held, 8], [revokedOut, 9], [fresh, 10]] as const) {
      expect(store.visit(id)!.visitor.name, id).toBe(`Pengunjung Nomor${n}`);
      expect(store.visit(id)!.purged, id).toBeUndefined();
    }
    // The clear columns the purge and subject requests use.
    expect(store.db.prepare('SELECT COUNT(*) FROM visits WHERE purged_at IS NOT NULL').pluck().get()).toBe(purged.length);
    expect(store.db.prepare('SELECT COUNT(*) FROM visits WHERE nik_hash IS NOT NULL').pluck().get()).toBe(4);
    // Counts stay for reports.
    expect(store.db.prepare('SELECT COUNT(*) AS n FROM visits WHERE id <> ?').get(fresh)).toEqual(countsBefore);

    // The destruction record: categories, record counts, the period covered, the policy, run by the daemon.
    const records = store.eventsOfType('privacy.purged', 10);
    expect(records).toHaveLength(1);
    expect(records[0]!.data).toEqual({
      count: 6, retentionDays: 30, cutoff: new Date(now - 30 * DAY).toISOString(), ranBy: 'daemon', expireUndecidedDays: 14,
      states: { expired: 2, denied: 1, cancelled: 1, revoked: 1, archived: 1 },
      categories: { identity: 6, ktpHash: 0, nikHash: 6, freeText: 6, incidentNotes: 1 },
      oldestClosed: expect.any(String) as unknown, newestClosed: expect.any(String) as unknown,
      // The purge runs in batches, each with its record: this run of six is one batch (the run named by its start).
      run: new Date(now).toISOString(), batch: 1,
    });
    const d = records[0]!.data as { oldestClosed: string; newestClosed: string };
    expect(Date.parse(d.oldestClosed)).toBeLessThanOrEqual(Date.parse(d.newestClosed));
    expect(Date.parse(d.newestClosed)).toBe(store.visit(undecided)!.at.expired);
    expect(JSON.stringify(store.events.since(0, 10_000).filter((e) => e.type === 'privacy.purged' || e.type === 'visit.expired'))).not.toMatch(/Pengunjung|3201011205|0812999/);
    expect(store.events.verify()).toBeNull();
    // Gone from the database file itself (secure_delete, the WAL checkpointed), stale copies of the rewritten rows too.
    // (Reasons, purpose and checklist notes the visit's events carry stay in the hash-chained log: never rewritten.)
    const file = readFileSync(join(t.config.dataDir, 'pintu.db')).toString('latin1');
    for (const gone of ['Pengunjung Nomor3', 'Pengunjung Nomor6', 'catatan kejadian 6', testNik(4), '081299900005']) expect(file, gone).not.toContain(gone);
    // A second run finds nothing left.
    step(HOUR);
    await scheduler.tick();
    expect(store.eventsOfType('privacy.purged', 10)).toHaveLength(1);
  });
});
