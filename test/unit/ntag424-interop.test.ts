/**
 * The reader side (src/adapters/pcsc/ntag424, written from the notes) against the card side written independently
 * by another helper from the datasheet (test/helpers/ntag424-card.ts, its own CMAC): enrol, prove, rotate, re-key,
 * reset. The common paths are in ntag424-card-vs-reader.test.ts; these are the cases it does not cover. In process.
 */
import { describe, expect, it } from 'vitest';
import { badgeKey } from '../../src/adapters/pcsc/ntag424/crypto.js';
import { type CardChannel, NoCardAnswerError, enrollCard, proveBadge, resetCard } from '../../src/adapters/pcsc/ntag424/badge-card.js';
import type { BadgeKeyring } from '../../src/ports/badge-keys.js';
import { type Ntag424CardOptions, VirtualNtag424 } from '../helpers/ntag424-card.js';

const h = (s: string): Buffer => Buffer.from(s, 'hex');
const UID = '04A1B2C3D4E5F6';
const MASTERS = new Map([
  [1, h('A0A1A2A3A4A5A6A7A8A9AAABACADAEAF')],
  [2, h('B0B1B2B3B4B5B6B7B8B9BABBBCBDBEBF')],
  [3, h('C0C1C2C3C4C5C6C7C8C9CACBCCCDCECF')],
]);

/** A keyring with versions up to `current`; versions below `oldestAccepted` are retired. */
function keyring(current: number, oldestAccepted = 1): BadgeKeyring {
  return {
    current,
    master: (v) => (v <= current ? (MASTERS.get(v) ?? null) : null),
    accepted: (v) => v >= oldestAccepted && v <= current,
    versions: () => [...MASTERS.keys()].filter((v) => v <= current),
  };
}

/** A tap of the virtual card on an in-process reader: the card powers up, answers; 'silent'/'remove' reject. */
function tap(card: VirtualNtag424): CardChannel {
  card.powerUp();
  return {
    async transmit(apdu) {
      const a = card.respond(apdu);
      if (a === 'silent') throw new Error('timeout: the card did not answer');
      if (a === 'remove') throw new Error('card removed');
      return a;
    },
  };
}

const keyed = (version: number, extra: Partial<Ntag424CardOptions> = {}) =>
  new VirtualNtag424({ uid: UID, keys: [badgeKey(MASTERS.get(version)!, h(UID), 0)], keyVersions: [version], ...extra });

describe('reader side × independent virtual NTAG 424 DNA (what ntag424-card-vs-reader.test.ts does not cover)', () => {
  it('keys are per card: a card keyed for another UID under the same master and version is refused as wrong-key', async () => {
    const other = new VirtualNtag424({ uid: UID, keys: [badgeKey(MASTERS.get(2)!, h('04000000000001'), 0)], keyVersions: [2] });
    expect((await proveBadge(tap(other), UID, keyring(2))).proof).toEqual({ kind: 'failed', why: 'wrong-key' });
    expect((await proveBadge(tap(keyed(2)), UID, keyring(2))).proof).toEqual({ kind: 'authenticated', keyVersion: 2, keyAccepted: true });
  });

  it('re-keying a badge already at the current version keeps it working (desk re-enrol is idempotent)', async () => {
    const card = keyed(2);
    expect(await enrollCard(tap(card), UID, keyring(2))).toEqual({ uid: UID, keyVersion: 2, previousKeyVersion: 2 });
    expect((await proveBadge(tap(card), UID, keyring(2))).proof).toEqual({ kind: 'authenticated', keyVersion: 2, keyAccepted: true });
    expect(await resetCard(tap(card), UID, keyring(2))).toEqual({ uid: UID, previousKeyVersion: 2 });
  });

  it('an empty answer (the card left the field) rejects with NoCardAnswerError: no tap, not a failed proof', async () => {
    const empty: CardChannel = { transmit: async () => Buffer.alloc(0) };
    await expect(proveBadge(empty, UID, keyring(2))).rejects.toBeInstanceOf(NoCardAnswerError);
  });
});
