/**
 * The heads' page of secure badges on the officers' console (issue 15, "Kartu khusus — kunci aman"): every badge of the
 * pool and every officer's badge listed with the key version its card holds or as UID only (cloneable); a head enrols
 * a new pool badge or an officer's badge, re-keys a card left on an older version after a rotation, and resets a card,
 * each confirmed with the head's own PIN while the desk reader waits for the card (the simulated badge writer here);
 * the records and events name the head. A wrong PIN asks for no card; a card that is not the target's is refused
 * untouched; one programming at a time; a staff officer is refused (403) and has no link.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBadgeKeyFile, rotateBadgeKeys, writeBadgeKeyFile } from '../../src/adapters/os/badge-key-file.js';
import type { SimBadgeCard } from '../../src/adapters/sim/sim-badge-writer.js';
import { CARDS, PINS, startConsoleDoor, type ConsoleClient, type ConsoleDoor, type Page } from '../helpers/console.js';

let door: ConsoleDoor;
beforeAll(async () => { door = await startConsoleDoor(); });
afterAll(async () => { await door?.close(); });

const events = (type: string) => door.store.events.since(0, 100_000).filter((e) => e.type === type);
const settings = () => door.console.context.settings as { cardWaitMs?: number };
/** The site's current badge key version, as the key file says. */
const current = (): number => readBadgeKeyFile(door.tc.config.badges.keyFile).find((v) => v.state === 'current')!.version;

/** Wait until `cond` holds (a few seconds at most). */
async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Post a programming form and present `card` on the desk once the writer waits for it. */
async function postWithCard(client: ConsoleClient, path: string, fields: Record<string, string>, card: SimBadgeCard): Promise<Page> {
  const sent = client.post(path, fields);
  await until(() => door.badgeWriter.waiting, 'the desk reader to wait for a card');
  expect(door.badgeWriter.present(card)).toBe(true);
  return sent;
}

describe('the console page of secure badges', () => {
  it('lists every pool badge and officer\'s badge as UID only (cloneable) with the key version in force; staff are refused', async () => {
    const head = await door.signedIn('O1');
    const home = await head.get('/door');
    expect(home.text).toContain('href="/badges/secure"');
    const p = await head.get('/badges/secure');
    expect(p.status).toBe(200);
    expect(p.text).toContain('Kartu khusus — kunci aman');
    expect(p.text).toContain(`data-key-current="${current()}"`);
    for (const uid of [CARDS.head, CARDS.staff, CARDS.badge1, CARDS.badge3]) expect(p.text).toMatch(new RegExp(`data-card="${uid}" data-security="uidOnly"`));
    expect(p.text).toContain('Hanya UID — dapat ditiru');
    expect(p.text).toContain('Kartu khusus pengunjung TAMU-02');
    expect(p.text).toContain('tempelkan kartu pada pembaca meja');

    const staff = await door.signedIn('O3');
    expect((await staff.get('/door')).text).not.toContain('href="/badges/secure"');
    expect((await staff.get('/badges/secure')).status).toBe(403);
    expect((await staff.post('/badges/secure/pool', { label: 'TAMU-66', pin: PINS.O3 })).status).toBe(403);
    expect(door.badgeWriter.waiting).toBe(false);
  });

  it('a head enrols a new pool badge: PIN confirmed, the card tapped, the badge added with key version 1 in the head\'s name', async () => {
    const head = await door.signedIn('O1');
    await head.get('/badges/secure');
    const v = current();
    const card: SimBadgeCard = { uid: '04C0FFEE000007', keyVersion: 0 };
    const r = await postWithCard(head, '/badges/secure/pool', { label: 'TAMU-07', pin: PINS.O1 }, card);
    expect(r.status).toBe(303);
    expect(r.location).toBe('/badges/secure');
    expect(card.keyVersion).toBe(v);
    expect(door.store.badgeByLabel('TAMU-07')?.uid).toBe(card.uid);
    expect(door.store.secureBadge(card.uid)).toMatchObject({ keyVersion: v, holder: 'pool' });
    expect(events('badge.enrolled').find((e) => e.data.badge === card.uid)?.data).toMatchObject({ holder: 'pool', label: 'TAMU-07', keyVersion: v, previousKeyVersion: 0, by: 'O1' });
    const after = await head.get('/badges/secure');
    expect(after.text).toContain(`Kartu khusus TAMU-07 (04C0FFEE000007) ditambahkan ke persediaan dengan kunci aman versi ${v}.`);
    expect(after.text).toMatch(/data-card="04C0FFEE000007" data-security="current"/);
    expect(after.text).toContain(`Aman — kunci versi ${v}`);
  });

  it('a lost pool badge is refused in the officer\'s words before any card is asked for, nothing written', async () => {
    const head = await door.signedIn('O1');
    await head.get('/badges/secure');
    door.store.setBadge(CARDS.badge3, 'lost', null);
    const before = events('badge.enrolled').length;
    const r = await head.post('/badges/secure/pool', { label: 'TAMU-03', pin: PINS.O1 });
    expect(r.text).toContain('Kartu khusus TAMU-03 dilaporkan hilang: kepala mengembalikannya ke persediaan dahulu (kartu ditemukan).');
    expect(r.text).not.toContain('it is not enrolled');
    expect(door.badgeWriter.waiting).toBe(false);
    expect(events('badge.enrolled').length).toBe(before);
    expect(door.store.secureBadge(CARDS.badge3)).toBeNull();
    door.store.setBadge(CARDS.badge3, 'available', null);
  });

  it('a wrong PIN asks for no card and writes nothing, and counts toward the lock', async () => {
    const head = await door.signedIn('O1');
    await head.get('/badges/secure');
    const before = events('badge.enrolled').length;
    const r = await head.post('/badges/secure/pool', { label: 'TAMU-08', pin: '000000' });
    expect(r.status).toBe(422);
    expect(r.text).toMatch(/<input id="pin-pool"[^>]*aria-invalid="true"/);
    expect(r.text).toContain('PIN salah.');
    expect(r.text).toContain('value="TAMU-08"');
    expect(door.badgeWriter.waiting).toBe(false);
    expect(events('badge.enrolled').length).toBe(before);
    expect(door.store.badgeByLabel('TAMU-08')).toBeNull();
    expect(door.store.pinRecord('O1')?.failures).toBe(1);
    const missing = await head.post('/badges/secure/pool', { label: '', pin: PINS.O1 });
    expect(missing.status).toBe(422);
    expect(missing.text).toContain('Isi label kartu.');
  });

  it('an officer\'s badge: another\'s card is refused untouched; their own card is enrolled, and a new card replaces a former one', async () => {
    const head = await door.signedIn('O1');
    await head.get('/badges/secure');
    const pool: SimBadgeCard = { uid: CARDS.badge2, keyVersion: 0 };
    const refused = await postWithCard(head, '/badges/secure/officer', { officer: 'O3', pin: PINS.O1 }, pool);
    expect(refused.status).toBe(422);
    expect(refused.text).toContain(`Kartu yang ditempelkan (${CARDS.badge2}) adalah kartu petugas lain atau kartu khusus pengunjung`);
    expect(pool.keyVersion).toBe(0);
    expect(door.store.secureBadge(CARDS.staff)).toBeNull();
    expect(door.store.secureBadge(CARDS.badge2)).toBeNull();

    const own: SimBadgeCard = { uid: CARDS.staff, keyVersion: 0 };
    const ok = await postWithCard(head, '/badges/secure/officer', { officer: 'O3', pin: PINS.O1 }, own);
    expect(ok.status).toBe(303);
    expect(own.keyVersion).toBe(current());
    expect(door.store.secureBadge(CARDS.staff)).toMatchObject({ holder: 'officer', keyVersion: current() });
    expect(events('badge.enrolled').find((e) => e.data.badge === CARDS.staff)?.data).toMatchObject({ holder: 'officer', holderOfficer: 'O3', by: 'O1' });

    // Officers move from an EM4100 card to a secure badge: a new card becomes their badge, the former one opens nothing.
    const fresh: SimBadgeCard = { uid: '04DEADBEEF0001', keyVersion: 0 };
    const moved = await postWithCard(head, '/badges/secure/officer', { officer: 'O3', pin: PINS.O1 }, fresh);
    expect(moved.status).toBe(303);
    expect(door.store.officer('O3')?.badgeUid).toBe(fresh.uid);
    expect(door.store.secureBadge(fresh.uid)).toMatchObject({ holder: 'officer' });
    expect(door.store.secureBadge(CARDS.staff)).toBeNull();
    expect((await head.get('/badges/secure')).text).toContain(`Kartu ${fresh.uid} sekarang kartu petugas O3`);
  });

  it('after a rotation a badge on the older version is listed for re-keying and is re-keyed to the current version', async () => {
    const head = await door.signedIn('O1');
    await head.get('/badges/secure');
    const card: SimBadgeCard = { uid: CARDS.coordinator, keyVersion: 0 };
    expect((await postWithCard(head, '/badges/secure/officer', { officer: 'O2', pin: PINS.O1 }, card)).status).toBe(303);
    const old = current();
    expect(card.keyVersion).toBe(old);
    const file = door.tc.config.badges.keyFile;
    const rotated = rotateBadgeKeys(readBadgeKeyFile(file), { keepPrevious: true });
    writeBadgeKeyFile(file, rotated.versions);

    const listed = await head.get('/badges/secure');
    expect(listed.text).toContain(`data-key-current="${rotated.version}"`);
    expect(listed.text).toMatch(new RegExp(`data-card="${CARDS.coordinator}" data-security="old"`));
    expect(listed.text).toContain(`href="/badges/secure/card/${CARDS.coordinator}/rekey"`);
    const form = await head.get(`/badges/secure/card/${CARDS.coordinator}/rekey`);
    expect(form.status).toBe(200);
    expect(form.text).toContain('Kunci ulang kartu');
    // A copy of the badge's UID posing as a blank card is refused untouched: it would be given the badge's own key.
    const copy: SimBadgeCard = { uid: CARDS.coordinator, keyVersion: 0 };
    const refused = await postWithCard(head, `/badges/secure/card/${CARDS.coordinator}/rekey`, { pin: PINS.O1 }, copy);
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('tiruan UID-nya');
    expect(copy.keyVersion).toBe(0);
    expect(door.store.secureBadge(CARDS.coordinator)?.keyVersion).toBe(old);
    const r = await postWithCard(head, `/badges/secure/card/${CARDS.coordinator}/rekey`, { pin: PINS.O1 }, card);
    expect(r.status).toBe(303);
    expect(card.keyVersion).toBe(rotated.version);
    expect(door.store.secureBadge(CARDS.coordinator)?.keyVersion).toBe(rotated.version);
    const ev = events('badge.enrolled').filter((e) => e.data.badge === CARDS.coordinator).at(-1);
    expect(ev?.data).toMatchObject({ keyVersion: rotated.version, previousKeyVersion: old, by: 'O1' });
    expect((await head.get('/badges/secure')).text).toContain(`Kartu ${CARDS.coordinator} diberi kunci ulang: versi ${old} → ${rotated.version}.`);
  });

  it('reset: a pool badge gets its factory key back and leaves the pool; an officer\'s badge is UID only again', async () => {
    const head = await door.signedIn('O1');
    await head.get('/badges/secure');
    const card: SimBadgeCard = { uid: '04C0FFEE000009', keyVersion: 0 };
    expect((await postWithCard(head, '/badges/secure/pool', { label: 'TAMU-09', pin: PINS.O1 }, card)).status).toBe(303);
    const reset = await postWithCard(head, `/badges/secure/card/${card.uid}/reset`, { pin: PINS.O1 }, card);
    expect(reset.status).toBe(303);
    expect(card.keyVersion).toBe(0);
    expect(door.store.secureBadge(card.uid)).toBeNull();
    expect(door.store.badge(card.uid)?.status).toBe('retired');
    expect(events('badge.key_reset').find((e) => e.data.badge === card.uid)?.data).toMatchObject({ by: 'O1' });
    expect(events('badge.retired').some((e) => e.data.badge === card.uid)).toBe(true);

    const officerCard: SimBadgeCard = { uid: CARDS.head, keyVersion: 0 };
    expect((await postWithCard(head, '/badges/secure/officer', { officer: 'O1', pin: PINS.O1 }, officerCard)).status).toBe(303);
    const wrongCard: SimBadgeCard = { uid: CARDS.staff, keyVersion: current() };
    const refused = await postWithCard(head, `/badges/secure/card/${CARDS.head}/reset`, { pin: PINS.O1 }, wrongCard);
    expect(refused.status).toBe(422);
    expect(wrongCard.keyVersion).toBe(current());
    expect(door.store.secureBadge(CARDS.head)).not.toBeNull();
    const r = await postWithCard(head, `/badges/secure/card/${CARDS.head}/reset`, { pin: PINS.O1 }, officerCard);
    expect(r.status).toBe(303);
    expect(officerCard.keyVersion).toBe(0);
    expect(door.store.secureBadge(CARDS.head)).toBeNull();
    expect(door.store.officer('O1')?.badgeUid).toBe(CARDS.head);
    expect((await head.get('/badges/secure')).text).toMatch(new RegExp(`data-card="${CARDS.head}" data-security="uidOnly"`));
  });

  it('no card in time, a card that is no NTAG 424 DNA, and a second programming while one waits are refused, nothing recorded', async () => {
    const head = await door.signedIn('O1');
    await head.get('/badges/secure');
    const before = events('badge.enrolled').length;
    settings().cardWaitMs = 300;
    try {
      const late = await head.post('/badges/secure/pool', { label: 'TAMU-10', pin: PINS.O1 });
      expect(late.status).toBe(422);
      expect(late.text).toContain('Kartu tidak ditulis');
    } finally {
      delete settings().cardWaitMs;
    }
    const ktp = await postWithCard(head, '/badges/secure/pool', { label: 'TAMU-10', pin: PINS.O1 }, { uid: CARDS.ktp, keyVersion: 0, ntag424: false });
    expect(ktp.status).toBe(422);
    expect(ktp.text).toContain('kartu ini bukan NTAG 424 DNA');

    const other = await door.signedIn('O1');
    await other.get('/badges/secure');
    const first = head.post('/badges/secure/pool', { label: 'TAMU-11', pin: PINS.O1 });
    await until(() => door.badgeWriter.waiting, 'the first enrolment to wait');
    const second = await other.post('/badges/secure/pool', { label: 'TAMU-12', pin: PINS.O1 });
    expect(second.status).toBe(409);
    expect(second.text).toContain('Pembaca meja sedang menunggu kartu untuk pendaftaran lain');
    door.badgeWriter.present({ uid: '04C0FFEE000011', keyVersion: 0 });
    expect((await first).status).toBe(303);
    expect(door.store.badgeByLabel('TAMU-12')).toBeNull();
    expect(door.store.badgeByLabel('TAMU-10')).toBeNull();
    expect(events('badge.enrolled').length).toBe(before + 1);
  });

  it('speaks English on the switch', async () => {
    const head = await door.signedIn('O1');
    await head.get('/badges/secure');
    await head.post('/lang', { lang: 'en', next: '/badges/secure' });
    const p = await head.get('/badges/secure');
    expect(p.text).toContain('Special badges — secure keys');
    expect(p.text).toContain('UID only — can be copied');
    expect(p.text).not.toContain('Hanya UID');
  });
});
