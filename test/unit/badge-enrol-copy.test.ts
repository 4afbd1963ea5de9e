/**
 * Enrolment must not hand a badge's key to a copy of it (review of issue 15). Keys are diversified from the UID, so
 * the key the desk writes onto a card showing UID X is the very key of the enrolled badge X. A card that shows an
 * enrolled badge's UID but still holds the factory key (key version 0) cannot be that badge (an enrolled badge holds a
 * site key): it is a copy — e.g. a Proxmark emulating a blank NTAG 424 DNA with the UID read off the real badge,
 * presented as "my badge stopped working". Authenticated with the zero key, it would read the new key in clear from
 * ChangeKey and open the door as X from then on. The desk must refuse it before anything is written to it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { badgeKey } from '../../src/adapters/pcsc/ntag424/crypto.js';
import { type CardChannel, proveBadge } from '../../src/adapters/pcsc/ntag424/badge-card.js';
import { PcscBadgeWriter } from '../../src/adapters/pcsc/badge-writer.js';
import type { PcscCardReader } from '../../src/adapters/pcsc/pcsc-reader.js';
import type { TimedCardChannel } from '../../src/adapters/pcsc/secure-tap.js';
import { openDatabase } from '../../src/adapters/sqlite/db.js';
import { Store } from '../../src/adapters/sqlite/store.js';
import { VisitService } from '../../src/app/visit-service.js';
import { BadgeEnrolment } from '../../src/app/badge-enrolment.js';
import { DEFAULT_STANDARDS } from '../../src/domain/sop.js';
import type { BadgeKeyring, BadgeKeySource } from '../../src/ports/badge-keys.js';
import { VirtualNtag424 } from '../helpers/ntag424-card.js';

const h = (s: string): Buffer => Buffer.from(s, 'hex');
const UID = '04A1B2C3D4E5F6';
const HEAD = '04A0000000000A';
const MASTER = h('A0A1A2A3A4A5A6A7A8A9AAABACADAEAF');
const ring: BadgeKeyring = { current: 1, master: (v) => (v === 1 ? MASTER : null), accepted: (v) => v === 1, versions: () => [1] };
const keys: BadgeKeySource = { keyring: () => ring };

/** A channel to the virtual card, as the desk reader gives it (the card powered up, each APDU answered). */
function tap(card: VirtualNtag424): CardChannel {
  card.powerUp();
  return {
    async transmit(apdu) {
      const a = card.respond(apdu);
      if (a === 'silent' || a === 'remove') throw new Error('card gone');
      return a;
    },
  };
}

/** A badge writer whose desk reader is presented `card` next (no pcscd: the reader's hand-over only). */
function writerFor(card: VirtualNtag424): PcscBadgeWriter {
  const reader = {
    takeNextCard: (fn: (ch: CardChannel, uid: string) => Promise<unknown>) => fn(tap(card) as unknown as TimedCardChannel, card.uid.toString('hex').toUpperCase()),
    stop: async () => undefined,
  };
  return new PcscBadgeWriter(reader as unknown as PcscCardReader, keys);
}

const changeKeys = (card: VirtualNtag424): number => card.received.filter((a) => a[0] === 0x90 && a[1] === 0xc4).length;

describe('enrolment refuses a factory-key card showing an enrolled badge\'s UID (it would learn that badge\'s key)', () => {
  let dir: string;
  let store: Store;
  let enrol: BadgeEnrolment;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pintu-enrol-copy-'));
    store = new Store(openDatabase(join(dir, 'p.db'), { synchronous: 'normal' }), 'd1', null);
    const visits = new VisitService(store, { standards: DEFAULT_STANDARDS, defaultValidity: 'end-of-day', timeZone: 'Asia/Jakarta', secret: Buffer.alloc(32, 7) });
    visits.addOfficer('Head', 'head', HEAD);
    enrol = new BadgeEnrolment(store, visits, { now: () => Date.UTC(2026, 11, 2, 3, 0, 0) });
  });
  afterEach(() => { store.db.close(); rmSync(dir, { recursive: true, force: true }); });

  it('badge TAMU-07 enrolled; a blank card with its UID presented for TAMU-07 is refused untouched and still proves nothing', async () => {
    const target = { holder: 'pool', label: 'TAMU-07' } as const;
    // The genuine badge is enrolled the ordinary way.
    const genuine = new VirtualNtag424({ uid: UID });
    const card = await writerFor(genuine).enroll({ timeoutMs: 1000, accept: (uid) => enrol.cardCheck(target, uid) });
    enrol.record(target, card, null);
    expect((await proveBadge(tap(genuine), UID, ring)).proof).toMatchObject({ kind: 'authenticated', keyAccepted: true });

    // The copy: same UID, factory key (what an emulator shows).
    const copy = new VirtualNtag424({ uid: UID });
    await expect(writerFor(copy).enroll({ timeoutMs: 1000, accept: (uid) => enrol.cardCheck(target, uid) })).rejects.toThrow(/factory key.*enrolled|enrolled.*factory key/);
    expect(changeKeys(copy)).toBe(0);
    expect((await proveBadge(tap(copy), UID, ring)).proof).toEqual({ kind: 'failed', why: 'factory-key' });
    expect(store.secureBadge(UID)).toMatchObject({ keyVersion: 1 });
  });

  it('a blank card whose UID is not enrolled is keyed as before, and an enrolled badge holding a site key is re-keyed as before', async () => {
    const target = { holder: 'pool', label: 'TAMU-08' } as const;
    const blank = new VirtualNtag424({ uid: UID });
    expect(await writerFor(blank).enroll({ timeoutMs: 1000, accept: (uid) => enrol.cardCheck(target, uid) })).toEqual({ uid: UID, keyVersion: 1, previousKeyVersion: 0 });
    enrol.record(target, { uid: UID, keyVersion: 1, previousKeyVersion: 0 }, null);
    const keyed = new VirtualNtag424({ uid: UID, keys: [badgeKey(MASTER, h(UID), 0)], keyVersions: [1] });
    expect(await writerFor(keyed).enroll({ timeoutMs: 1000, accept: (uid) => enrol.cardCheck(target, uid) })).toEqual({ uid: UID, keyVersion: 1, previousKeyVersion: 1 });
  });
});
