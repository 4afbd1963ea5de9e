/**
 * A watchlist match at a request recorded on the officers' console (issue 14 item 8): the request is recorded (not
 * refused), the officer who recorded it sees the warning on the request's result page, and the alarm is open for the
 * console's banner. Another visitor's request gets the ordinary result.
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
});
