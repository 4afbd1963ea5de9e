/**
 * Issue 15 at the desk: a desk reader that proves cards (`secure: ntag424`) counts a tap of an enrolled secure badge's
 * UID as that badge only when the card proved its key, by the door's own rule. A UID copy handed back at checkout (the
 * genuine badge kept) is refused in the catalogue's words and the visit stays issued, the badge out with it; the same
 * for issue and for signing in with an officer's badge. A genuine card returns; a card on a rotated-out key version is
 * genuine, only old, and returns too. A desk reader of UIDs only keeps today's behaviour (it cannot tell).
 * Real daemon and console (test/helpers/console.ts); the sim desk reader delivers the tap with the proof a secure
 * reader would have found.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CardProof } from '../../src/domain/badge-proof.js';
import { CARDS, PINS, startConsoleDoor, type ConsoleClient, type ConsoleDoor } from '../helpers/console.js';
import { DEFAULT_RULES } from '../../src/domain/rules.js';

const COPY_ID = 'Kartu ini menunjukkan nomor kartu khusus yang terdaftar, tetapi tidak membuktikan kuncinya: diduga kartu tiruan. Kartu tidak diterima; kunjungan dan kartu tidak berubah, dan peringatan dicatat. Tahan kartu ini dan laporkan kepada kepala.';
const COPY_EN = 'This card shows the number of an enrolled special badge but did not prove its key: a suspected copy. The card is not accepted; the visit and the badge are unchanged, and an alarm is raised. Keep the card and tell the head.';
const GENUINE: CardProof = { kind: 'authenticated', keyVersion: 1, keyAccepted: true };
const OLD_KEY: CardProof = { kind: 'authenticated', keyVersion: 1, keyAccepted: false };
const WRONG_KEY: CardProof = { kind: 'failed', why: 'wrong-key' };
const NO_APP: CardProof = { kind: 'failed', why: 'not-secure-card' };

/** The notice of the next desk tap as a browser is told it (kind and token, never the UID). */
async function tapNotice(door: ConsoleDoor, client: ConsoleClient, uid: string, proof?: CardProof, path = '/live'): Promise<{ token: string; kind: string }> {
  const live = await client.live(path);
  try {
    await live.waitFor('hello');
    door.desk.tap(uid, proof ? { proof } : {});
    const data = await live.waitFor('desk');
    expect(data).not.toContain(uid);
    return JSON.parse(data) as { token: string; kind: string };
  } finally {
    live.close();
  }
}

const SECURE_DESK = { readers: [{ id: 'in', direction: 'in', kind: 'sim' }, { id: 'out', direction: 'out', kind: 'sim' }, { id: 'desk', direction: 'desk', kind: 'sim', secure: 'ntag424' }] };

describe('console: a secure desk reader checks enrolled badges like the door', () => {
  let door: ConsoleDoor;
  beforeAll(async () => {
    door = await startConsoleDoor({ configOverrides: SECURE_DESK });
    // TAMU-01 and TAMU-02 are enrolled secure pool badges at key version 1; staff O3's badge is an enrolled officer's badge.
    for (const uid of [CARDS.badge1, CARDS.badge2]) door.store.saveSecureBadge({ uid, keyVersion: 1, holder: 'pool', enrolledAt: Date.now() }, 'O1');
    door.store.saveSecureBadge({ uid: CARDS.staff, keyVersion: 1, holder: 'officer', enrolledAt: Date.now() }, 'O1');
  }, 60_000);
  afterAll(async () => { await door?.close(); });

  it('refuses a copy of the visit\'s badge at checkout (failed or absent proof): the visit stays issued, the badge out', async () => {
    const staff = await door.signedIn('O3');
    const id = door.seedVisit({ issue: 'TAMU-01' });
    await staff.get(`/visits/${id}/checkout`);
    for (const proof of [WRONG_KEY, NO_APP, undefined]) {
      const tap = await tapNotice(door, staff, CARDS.badge1, proof);
      expect(tap.kind).toBe('unproven');
      const pane = await staff.get(`/visits/${id}/checkout/badge?tap=${tap.token}`, { 'hx-request': 'true' });
      expect(pane.text).toContain(COPY_ID);
      const r = await staff.post(`/visits/${id}/checkout`, { tap: tap.token });
      expect(r.status).toBe(422);
      expect(r.text).toContain(COPY_ID);
      expect(door.store.visit(id)).toMatchObject({ state: 'issued', badgeUid: CARDS.badge1 });
      expect(door.store.badge(CARDS.badge1)?.status).toBe('issued');
    }
    // Without JavaScript, "use the card tapped last" is refused the same way.
    door.desk.tap(CARDS.badge1, { proof: WRONG_KEY });
    const latest = await staff.post(`/visits/${id}/checkout`, { _action: 'tap:latest', tap: '' });
    expect(latest.status).toBe(422);
    expect(latest.text).toContain(COPY_ID);
    expect(door.store.visit(id)?.state).toBe('issued');
    // In English too.
    await staff.post('/lang', { lang: 'en', next: `/visits/${id}/checkout` });
    const tap = await tapNotice(door, staff, CARDS.badge1, WRONG_KEY);
    const en = await staff.post(`/visits/${id}/checkout`, { tap: tap.token });
    expect(en.status).toBe(422);
    expect(en.text).toContain(COPY_EN);
    expect(door.store.badge(CARDS.badge1)?.status).toBe('issued');
  });

  it('takes back the genuine badge (and one on a rotated-out key: genuine, only old)', async () => {
    const staff = await door.signedIn('O3');
    for (const proof of [GENUINE, OLD_KEY]) {
      const id = door.seedVisit({ issue: 'TAMU-02' });
      await staff.get(`/visits/${id}/checkout`);
      const tap = await tapNotice(door, staff, CARDS.badge2, proof);
      expect(tap.kind).toBe('badge');
      const r = await staff.post(`/visits/${id}/checkout`, { tap: tap.token });
      expect(r.status).toBe(303);
      expect(door.store.visit(id)).toMatchObject({ state: 'checked_out', badgeUid: null });
      expect(door.store.badge(CARDS.badge2)?.status).toBe('available');
    }
  });

  it('refuses to issue a copy of a free enrolled badge; the genuine card is issued', async () => {
    const staff = await door.signedIn('O3');
    const id = door.seedVisit();
    await staff.get(`/visits/${id}/issue`);
    const copy = await tapNotice(door, staff, CARDS.badge2);
    expect(copy.kind).toBe('unproven');
    const offer = await staff.get(`/visits/${id}/issue/offer?tap=${copy.token}`, { 'hx-request': 'true' });
    expect(offer.text).toContain(COPY_ID);
    const refused = await staff.post(`/visits/${id}/issue`, { tap: copy.token, rules: DEFAULT_RULES.version });
    expect(refused.status).toBe(422);
    expect(refused.text).toContain(COPY_ID);
    expect(door.store.visit(id)?.state).toBe('approved');
    expect(door.store.badge(CARDS.badge2)?.status).toBe('available');
    const genuine = await tapNotice(door, staff, CARDS.badge2, GENUINE);
    expect(genuine.kind).toBe('badge');
    // Refused for the rules box first: the tap given back under a new token is still the genuine card.
    const noRules = await staff.post(`/visits/${id}/issue`, { tap: genuine.token });
    expect(noRules.status).toBe(422);
    const again = /name="tap" value="([^"]+)"/.exec(noRules.text)?.[1];
    expect(again).toBeTruthy();
    const done = await staff.post(`/visits/${id}/issue`, { tap: again!, rules: DEFAULT_RULES.version });
    expect(done.status).toBe(303);
    expect(door.store.visit(id)).toMatchObject({ state: 'issued', badgeUid: CARDS.badge2 });
  });

  it('raises alarm.desk_clone_suspected once for a copy tapped again and again (ids only); none for the genuine card', async () => {
    // TAMU-03 is enrolled here (no other test taps it), issued to a visit: the alarm names that visit, never a person.
    door.store.saveSecureBadge({ uid: CARDS.badge3, keyVersion: 1, holder: 'pool', enrolledAt: Date.now() }, 'O1');
    const id = door.seedVisit({ issue: 'TAMU-03' });
    const seq = door.store.events.lastSeq();
    const alarms = (): { data: Record<string, unknown> }[] => door.store.events.since(seq).filter((e) => e.type === 'alarm.desk_clone_suspected');
    /** Every write queued so far (the alarms of the taps before) has run. */
    const settled = (): Promise<unknown> => door.console.context.ports.write('test.barrier', () => null);
    door.desk.tap(CARDS.badge3, { proof: WRONG_KEY });
    await settled();
    for (const proof of [NO_APP, undefined, WRONG_KEY]) door.desk.tap(CARDS.badge3, proof ? { proof } : {});
    await settled();
    expect(alarms().map((e) => e.data)).toMatchObject([{ reader: 'desk', badge: CARDS.badge3, holder: 'visitor', visit: id, why: 'wrong-key' }]);
    expect(alarms()[0]!.data).not.toHaveProperty('officer');
    expect(JSON.stringify(alarms())).not.toMatch(/Visitor|PT Contoh|\d{16}/); // no name, organisation or NIK
    door.desk.tap(CARDS.badge3, { proof: GENUINE });
    await settled();
    expect(alarms()).toHaveLength(1);
    expect(door.store.visit(id)).toMatchObject({ state: 'issued', badgeUid: CARDS.badge3 });
    // The alarm is open for the console's banner, like the door's.
    expect(door.console.context.ports.alarms.open().some((a) => a.event.type === 'alarm.desk_clone_suspected')).toBe(true);
  });

  it('names the officer (by id) when a copy of an officer\'s enrolled badge is tapped; none for the genuine card', async () => {
    door.store.saveSecureBadge({ uid: CARDS.coordinator, keyVersion: 1, holder: 'officer', enrolledAt: Date.now() }, 'O1');
    const seq = door.store.events.lastSeq();
    const settled = (): Promise<unknown> => door.console.context.ports.write('test.barrier', () => null);
    door.desk.tap(CARDS.coordinator, { proof: GENUINE });
    await settled();
    expect(door.store.events.since(seq).filter((e) => e.type.startsWith('alarm.'))).toEqual([]);
    door.desk.tap(CARDS.coordinator, { proof: { kind: 'failed', why: 'uid-mismatch' } });
    await settled();
    expect(door.store.events.since(seq).filter((e) => e.type === 'alarm.desk_clone_suspected').map((e) => e.data))
      .toMatchObject([{ reader: 'desk', badge: CARDS.coordinator, holder: 'officer', officer: 'O2', why: 'uid-mismatch' }]);
    expect(JSON.stringify(door.store.events.since(seq))).not.toContain('Budi');
  });

  it('signs nobody in with a copy of an officer\'s enrolled badge', async () => {
    const browser = door.client();
    await browser.get('/signin');
    const copy = await tapNotice(door, browser, CARDS.staff, WRONG_KEY, '/live?signin=1');
    expect(copy.kind).toBe('unproven');
    expect(copy).not.toHaveProperty('officer');
    const r = await browser.post('/signin', { tap: copy.token, officer: 'O3', pin: PINS.O3 });
    expect(r.status).toBe(422);
    expect(r.text).toContain(COPY_ID);
    expect(r.headers.getSetCookie().some((c) => c.startsWith('pintu_session=') && !/max-age=0/i.test(c))).toBe(false);
    const genuine = await tapNotice(door, browser, CARDS.staff, GENUINE, '/live?signin=1');
    expect(genuine).toMatchObject({ kind: 'officer', officer: 'O3' });
  });
});

describe('console: a desk reader of UIDs only cannot tell, and keeps today\'s behaviour', () => {
  let door: ConsoleDoor;
  beforeAll(async () => {
    door = await startConsoleDoor();
    door.store.saveSecureBadge({ uid: CARDS.badge1, keyVersion: 1, holder: 'pool', enrolledAt: Date.now() }, 'O1');
  }, 60_000);
  afterAll(async () => { await door?.close(); });

  it('takes back a pool badge by its UID, enrolled or not', async () => {
    const staff = await door.signedIn('O3');
    for (const [label, uid] of [['TAMU-02', CARDS.badge2], ['TAMU-01', CARDS.badge1]] as const) {
      const id = door.seedVisit({ issue: label });
      await staff.get(`/visits/${id}/checkout`);
      const tap = await tapNotice(door, staff, uid);
      expect(tap.kind).toBe('badge');
      const r = await staff.post(`/visits/${id}/checkout`, { tap: tap.token });
      expect(r.status).toBe(303);
      expect(door.store.badge(uid)?.status).toBe('available');
    }
  });
});
