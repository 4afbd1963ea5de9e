/**
 * Issue 14, item 10 in the console, through a real daemon and console with the sim desk reader: a card answering a
 * random UID (4 bytes from 0x08) is announced as such (the page learns the kind, never the UID); the request form
 * refuses it as the KTP ("record the KTP manually") and takes the request without a chip link; the pool and the
 * officers refuse it as a badge; the issue screen says it is no badge. Nothing is stored under that UID.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsoleDoor, type ConsoleClient, type ConsoleDoor } from '../helpers/console.js';
import { testNik } from '../helpers/config.js';

const RANDOM = '08D00D1E';
const KTP_TEXT = 'Kartu ini memberi UID acak (berubah setiap kali ditempelkan), jadi chipnya tidak dapat dikaitkan dengan KTP. Catat KTP secara manual.';
const BADGE_TEXT = 'Kartu ini memberi UID acak (berubah setiap kali ditempelkan), jadi tidak dapat menjadi kartu: pintu tidak akan mengenalinya lagi. Gunakan kartu lain.';

async function tapToken(door: ConsoleDoor, client: ConsoleClient, uid: string): Promise<{ token: string; kind: string }> {
  const live = await client.live();
  try {
    await live.waitFor('hello');
    door.desk.tap(uid);
    const data = await live.waitFor('desk');
    expect(data).not.toContain(uid);
    return JSON.parse(data) as { token: string; kind: string };
  } finally {
    live.close();
  }
}

describe('console: a card with a random UID', () => {
  let door: ConsoleDoor;
  beforeAll(async () => { door = await startConsoleDoor(); }, 60_000);
  afterAll(async () => { await door?.close(); });

  it('is refused as the KTP at request (record it manually); the request goes without a chip link', async () => {
    const staff = await door.signedIn('O3');
    const form = await staff.get('/visits/new');
    expect(form.text).toContain(`data-random="${KTP_TEXT}"`);
    const started = /name="started" value="([^"]*)"/.exec(form.text)![1]!;
    const tap = await tapToken(door, staff, RANDOM);
    expect(tap.kind).toBe('random');
    const fields = { name: 'Rina Acak', nik: testNik(61), org: 'PT Acak', phone: '', purpose: 'audit', planned: '30', letterRef: '', kind: 'visit', started };
    const refused = await staff.post('/visits/new', { ...fields, tap: tap.token });
    expect(refused.status).toBe(422);
    expect(refused.text).toContain(KTP_TEXT);
    expect(door.store.visits({ limit: 10 }).filter((v) => v.visitor.name === 'Rina Acak')).toEqual([]);
    const done = await staff.post('/visits/new', fields);
    expect(done.status).toBe(303);
    const [v] = door.store.visits({ limit: 10 }).filter((x) => x.visitor.name === 'Rina Acak');
    expect(v?.ktpHash).toBeNull();
  });

  it('is refused as a new pool badge and as an officer badge, tapped or typed', async () => {
    const head = await door.signedIn('O1');
    await head.get('/officers/badges/new');
    const tap = await tapToken(door, head, RANDOM);
    const byTap = await head.post('/officers/badges/new', { tap: tap.token, uid: '', label: 'TAMU-R1' });
    expect(byTap.status).toBe(422);
    expect(byTap.text).toContain(BADGE_TEXT);
    const typed = await head.post('/officers/badges/new', { tap: '', uid: '08:d0:0d:1e', label: 'TAMU-R2' });
    expect(typed.status).toBe(422);
    expect(typed.text).toContain(BADGE_TEXT);
    await head.get('/officers/new');
    const officer = await head.post('/officers/new', { name: 'Andi Acak', role: 'staff', tap: '', uid: RANDOM });
    expect(officer.status).toBe(422);
    expect(officer.text).toContain(BADGE_TEXT);
    expect(door.store.badges().map((b) => b.uid)).not.toContain(RANDOM);
    expect(door.store.officers().map((o) => o.badgeUid)).not.toContain(RANDOM);
  });

  it('the issue screen says it is no badge', async () => {
    const id = door.seedVisit();
    const staff = await door.signedIn('O3');
    await staff.get(`/visits/${id}/issue`);
    const tap = await tapToken(door, staff, RANDOM);
    const offer = await staff.get(`/visits/${id}/issue/offer?tap=${tap.token}`, { 'hx-request': 'true' });
    expect(offer.text).toContain(BADGE_TEXT);
    const r = await staff.post(`/visits/${id}/issue`, { tap: tap.token });
    expect(r.status).toBe(422);
    expect(r.text).toContain(BADGE_TEXT);
    expect(door.store.visit(id)?.state).toBe('approved');
  });
});
