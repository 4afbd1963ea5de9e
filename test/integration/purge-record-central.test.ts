/**
 * Issue 14, item 3: a purge run's destruction record (berita acara pemusnahan) is a hash-chained `privacy.purged` event
 * that reaches the centre (a real Mosquitto, `pintu central run`, the door's `pintu run`), and `pintu purge --report`
 * prints it at the door in Indonesian (and as JSON): categories, record counts, period, policy, who ran it. The door's
 * history is made on a fake clock 40 days back (its own store and visit service, as the CLI builds them), the purge
 * runs with the app's own function (the test machine's clock is never NTP-synchronised, so `pintu purge` refuses).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DOOR, HEAD, SITE, TEST_MS, WAIT_MS, centreEvents, cleanupWorlds, enrolBoth, settled, startAll, world } from '../helpers/central-world.js';
import { pintu, until } from '../helpers/cli.js';
import { testNik } from '../helpers/config.js';
import { openStore, visitService } from '../../src/main.js';
import { ClockGuard } from '../../src/app/clock.js';
import { expireRequests, purgePersonalData } from '../../src/app/maintenance/purge.js';

const DAY = 86_400_000;
afterEach(cleanupWorlds);

describe('destruction record at the door and at the centre', () => {
  it('a purge run writes its record; the centre stores it; pintu purge --report prints it', async () => {
    const w = await world(false);
    const real = Date.now();
    let now = real - 40 * DAY;
    const store = openStore(w.door1.config, { clock: new ClockGuard({ probe: () => true, buildDate: 0, now: () => now, mono: () => now }) });
    try {
      const s = visitService(w.door1.config, store);
      // Everything on the fake clock (the guard never lets time go back behind the newest event).
      expect(s.addOfficer('Siti Rahma', 'head', HEAD).id).toBe('O1');
      const base = { org: 'PT Contoh', by: 'O1', phone: '081234567890' };
      const denied = s.request({ ...base, name: 'Budi Tolak', nik: testNik(1), purpose: 'pemeliharaan' }).id;
      s.deny(denied, 'O1', 'surat belum lengkap');
      const cancelled = s.request({ ...base, name: 'Ani Batal', nik: testNik(2), purpose: 'audit' }).id;
      s.cancel(cancelled, 'O1', 'cancelled');
      const undecided = s.request({ ...base, name: 'Cahya Lupa', nik: testNik(3), purpose: 'instalasi' }).id;
      now += 15 * DAY;
      expect(expireRequests(store, { now, undecidedDays: 14 }).map((e) => e.data)).toEqual([{ visit: undecided, from: 'requested', why: 'undecided', afterDays: 14 }]);
      now = real;
      const r = purgePersonalData(store, { retentionDays: 20, now, dryRun: false, run: { ranBy: 'cli', officer: 'O1', expireUndecidedDays: 14 } });
      expect(r.count).toBe(3);
    } finally {
      store.db.close();
    }

    // The door prints the record (no clock needed to read it).
    const report = pintu(w.door1.file, ['purge', '--report']);
    expect(report.code, report.stderr).toBe(0);
    expect(report.stdout).toContain('BERITA ACARA PEMUSNAHAN DATA PRIBADI');
    expect(report.stdout).toContain(`Pintu ruang server: ${DOOR} (situs ${SITE})`);
    expect(report.stdout).toMatch(/Dijalankan oleh\s+: perintah pintu purge oleh petugas O1/);
    expect(report.stdout).toMatch(/masa simpan 20 hari setelah kunjungan ditutup \(privacy\.retentionDays\); permohonan tanpa keputusan kedaluwarsa setelah 14 hari/);
    expect(report.stdout).toMatch(/Jumlah kunjungan\s+: 3 \(ditolak 1, dibatalkan 1, kedaluwarsa 1\)/);
    expect(report.stdout).toMatch(/identitas \(nama, NIK, nomor telepon\)\s+: 3 kunjungan/);
    expect(report.stdout).toMatch(/Periode\s+: ditutup antara \d{4}-\d\d-\d\d \d\d:\d\d:\d\d WIB \(\+07:00\) dan /);
    expect(report.stdout).not.toMatch(/Budi|Ani|Cahya|3201011205/);
    const json = JSON.parse(pintu(w.door1.file, ['purge', '--report', '--json']).stdout) as { seq: number; data: Record<string, unknown> }[];
    expect(json).toHaveLength(1);

    // …and it reaches the centre with the door's other events, whole.
    enrolBoth(w);
    await startAll(w);
    await settled(w.door1, WAIT_MS * 2);
    const atCentre = await until(() => centreEvents(w, '--type', 'privacy.purged').find((e) => e.door === DOOR), 'the destruction record at the centre', WAIT_MS, 200);
    expect(atCentre).toMatchObject({
      site: SITE, seq: json[0]!.seq, count: 3, retentionDays: 20, ranBy: 'cli', officer: 'O1', expireUndecidedDays: 14,
      states: { denied: 1, cancelled: 1, expired: 1 }, categories: { identity: 3, ktpHash: 0, nikHash: 3, freeText: 3, incidentNotes: 0 },
    });
    expect(centreEvents(w, '--type', 'visit.expired').filter((e) => e.door === DOOR)).toHaveLength(1);
  }, TEST_MS);
});
