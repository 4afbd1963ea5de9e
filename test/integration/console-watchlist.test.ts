/**
 * A watchlist match at a request recorded on the officers' console (issue 14 item 8): the request is recorded (not
 * refused), the officer who recorded it sees the warning on the request's result page, and the alarm is open for the
 * console's banner. Another visitor's request gets the ordinary result. A KTP tapped on the console's desk reader is
 * checked like `pintu desk` checks it: the alarm (where: ktp) is raised for the visit that KTP was recorded for.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsoleDoor, type ConsoleDoor } from '../helpers/console.js';
import { testNik } from '../helpers/config.js';
import { watchlistService } from '../../src/main.js';

let door: ConsoleDoor;
beforeAll(async () => { door = await startConsoleDoor(); });
afterAll(async () => { await door?.close(); });

const form = (nik: string) => ({ name: 'Anton Pantau', nik, org: 'PT W', phone: '', purpose: 'audit', planned: '30', letterRef: '', kind: 'visit' });

describe('the console request and the watchlist', () => {
  it('records the request, warns the officer on its result and opens the alarm', async () => {
    const nik = testNik(81);
    watchlistService(door.tc.config, door.store).add({ nik, reason: 'dilarang masuk', until: Date.now() + 86_400_000, by: 'O1' });
    const staff = await door.signedIn('O3');
    await staff.get('/visits/new');
    const r = await staff.post('/visits/new', form(nik));
    expect(r.status).toBe(303);
    const visit = /\/visits\/(V-[0-9-]+)/.exec(r.location ?? '')![1]!;
    const shown = await staff.get(r.location!);
    expect(shown.text).toContain(`Permohonan ${visit} tercatat. PERINGATAN: pengunjung ini ada di daftar pantauan`);
    expect(shown.text).not.toContain(nik);
    expect(door.store.visit(visit)!.state).toBe('requested');
    expect(door.store.openAlarms(10).some((e) => e.type === 'alarm.watchlist_match' && e.data.visit === visit)).toBe(true);

    await staff.get('/visits/new');
    const other = await staff.post('/visits/new', form(testNik(82)));
    const plain = await staff.get(other.location!);
    expect(plain.text).toContain('tercatat.');
    expect(plain.text).not.toContain('daftar pantauan');
  });

  it('a KTP tapped on the console desk reader whose earlier visit names a listed NIK raises the alarm (where: ktp)', async () => {
    const nik = testNik(83);
    const ktp = '04C1C2C3C4C5C6';
    const earlier = door.visits.request({ name: 'Anton Pantau', nik, org: 'PT W', purpose: 'audit', devices: [], by: 'O3', ktpUid: ktp }).id;
    watchlistService(door.tc.config, door.store).add({ nik, reason: 'dilarang masuk', until: Date.now() + 86_400_000, by: 'O1' });
    const ktpAlarms = () => door.store.openAlarms(50).filter((e) => e.type === 'alarm.watchlist_match' && e.data.where === 'ktp');
    expect(ktpAlarms()).toEqual([]);
    door.desk.tap('AA00000003'); // an officer's badge: no check, no alarm
    door.desk.tap(ktp);
    const deadline = Date.now() + 15_000;
    while (ktpAlarms().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(ktpAlarms()).toHaveLength(1);
    expect(ktpAlarms()[0]!.data).toMatchObject({ visit: earlier, entry: expect.any(Number), where: 'ktp' });
    expect(JSON.stringify(ktpAlarms())).not.toContain(nik);
  });
});
