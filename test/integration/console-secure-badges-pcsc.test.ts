/**
 * The console's secure-badge page on a real PC/SC desk reader (issue 15): the console's own desk reader, through pcscd +
 * vsmartcard-vpcd, programs a virtual NTAG 424 DNA (test/helpers/ntag424-card.ts, written apart from pintu's reader side)
 * while a head's enrolment waits — the card is given the site key diversified for its UID, and recorded — then resets it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { badgeKeyring, readBadgeKeyFile } from '../../src/adapters/os/badge-key-file.js';
import { proveBadge } from '../../src/adapters/pcsc/ntag424/badge-card.js';
import { VirtualNtag424 } from '../helpers/ntag424-card.js';
import { startPcscTestEnv, type PcscTestEnv, type VirtualCard } from '../helpers/pcsc.js';
import { PINS, startConsoleDoor, type ConsoleDoor } from '../helpers/console.js';

let env: PcscTestEnv;
let door: ConsoleDoor;
beforeAll(async () => {
  env = await startPcscTestEnv({ lockTimeoutMs: 300_000 });
  door = await startConsoleDoor({
    readersFromConfig: true,
    configOverrides: { readers: [{ id: 'in', direction: 'in', kind: 'sim' }, { id: 'desk', direction: 'desk', kind: 'pcsc', path: env.readerName }] },
  });
}, 360_000);
afterAll(async () => {
  await door?.close();
  await env?.stop();
});

/**
 * Present the card until the page's request is answered: a card that arrives before the desk waits for it (the PIN is
 * checked first, scrypt on a loaded runner) is only a desk tap, so it is taken away and presented again.
 */
async function presentWhile<T>(pending: Promise<T>, card: VirtualNtag424): Promise<T> {
  let done = false;
  void pending.finally(() => { done = true; });
  const end = Date.now() + 60_000;
  while (!done && Date.now() < end) {
    const before = card.received.length;
    const vc: VirtualCard = await env.insertCard(card.vpcdOptions());
    // The writer's first command after GET DATA is SELECT: from then on the card stays until the page answers.
    const programming = (): boolean => card.received.slice(before).some((a) => a[0] === 0x00 && a[1] === 0xa4);
    const settle = Date.now() + 3000;
    while (!done && (Date.now() < settle || programming()) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    await vc.remove();
  }
  return pending;
}

/** Wait until `cond` holds. */
async function until(cond: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('the console programs secure badges on its PC/SC desk reader', () => {
  it('enrols a factory NTAG 424 DNA as a pool badge with the diversified site key, then resets it', { timeout: 120_000 }, async () => {
    const uid = '04A1B2C3D4E5F7';
    const card = new VirtualNtag424({ uid });
    const head = await door.signedIn('O1');
    expect((await head.get('/badges/secure')).text).not.toContain('Pembaca meja tidak dapat memprogram kartu');

    const r = await presentWhile(head.post('/badges/secure/pool', { label: 'TAMU-21', pin: PINS.O1 }), card);
    expect(r.status, r.text.slice(0, 2000)).toBe(303);
    const ring = badgeKeyring(readBadgeKeyFile(door.tc.config.badges.keyFile));
    expect(card.keyVersion(0)).toBe(ring.current);
    expect(door.store.secureBadge(uid)).toMatchObject({ holder: 'pool', keyVersion: ring.current });
    expect(door.store.badgeByLabel('TAMU-21')?.uid).toBe(uid);
    // The key written is the one the door proves: the reader side authenticates the card with the site keyring.
    card.vpcdOptions().onPowerUp?.();
    const proved = await proveBadge({ transmit: async (apdu: Buffer) => card.respond(apdu) as Buffer }, uid, ring);
    expect(proved.proof).toEqual({ kind: 'authenticated', keyVersion: ring.current, keyAccepted: true });

    const rr = await presentWhile(head.post(`/badges/secure/card/${uid}/reset`, { pin: PINS.O1 }), card);
    expect(rr.status, rr.text.slice(0, 2000)).toBe(303);
    await until(() => door.store.secureBadge(uid) === null, 'the enrolment to be gone');
    expect(card.keyVersion(0)).toBe(0);
    expect(door.store.badge(uid)?.status).toBe('retired');
    expect(door.store.events.since(0, 100_000).some((e) => e.type === 'badge.key_reset' && e.data.badge === uid)).toBe(true);
  });
});
