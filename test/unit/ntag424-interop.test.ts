/**
 * The reader side (src/adapters/pcsc/ntag424, written from the notes) against the card side written independently
 * by another helper from the datasheet (test/helpers/ntag424-card.ts, its own CMAC): enrol, prove, rotate, re-key,
 * reset, and the hostile cards a door must refuse. In process, without pcscd (the vpcd path is tested elsewhere).
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

describe('reader side × independent virtual NTAG 424 DNA', () => {
  it('enrols a factory card (key 0 := diversified key, version := current), which then proves itself at the door', async () => {
    const card = new VirtualNtag424({ uid: UID });
    expect(await enrollCard(tap(card), UID, keyring(2))).toEqual({ uid: UID, keyVersion: 2, previousKeyVersion: 0 });
    expect(card.keyVersion(0)).toBe(2);
    expect(card.key(0).equals(badgeKey(MASTERS.get(2)!, h(UID), 0))).toBe(true);
    expect(await proveBadge(tap(card), UID, keyring(2))).toEqual({ proof: { kind: 'authenticated', keyVersion: 2, keyAccepted: true }, apdus: 5 });
  });

  it('after rotation the old version is not accepted; re-keying at the desk moves the badge to the current version', async () => {
    const card = keyed(2);
    expect((await proveBadge(tap(card), UID, keyring(3, 3))).proof).toEqual({ kind: 'authenticated', keyVersion: 2, keyAccepted: false });
    expect(await enrollCard(tap(card), UID, keyring(3, 3))).toEqual({ uid: UID, keyVersion: 3, previousKeyVersion: 2 });
    expect((await proveBadge(tap(card), UID, keyring(3, 3))).proof).toEqual({ kind: 'authenticated', keyVersion: 3, keyAccepted: true });
  });

  it('reset puts the factory key back (zero key, version 0): the door then sees a factory card', async () => {
    const card = keyed(2);
    expect(await resetCard(tap(card), UID, keyring(2))).toEqual({ uid: UID, previousKeyVersion: 2 });
    expect([card.key(0).equals(Buffer.alloc(16)), card.keyVersion(0)]).toEqual([true, 0]);
    expect((await proveBadge(tap(card), UID, keyring(2))).proof).toEqual({ kind: 'failed', why: 'factory-key' });
  });

  it('refuses the hostile cards: UID copy without the app, UID copy with another key, GetCardUID naming another UID', async () => {
    const noApp = new VirtualNtag424({ uid: UID, behaviour: 'uid-copy-no-app' });
    expect((await proveBadge(tap(noApp), UID, keyring(2))).proof).toEqual({ kind: 'failed', why: 'not-secure-card' });
    const wrongKey = new VirtualNtag424({ uid: UID, keyVersions: [2], behaviour: 'uid-copy-wrong-key' });
    expect((await proveBadge(tap(wrongKey), UID, keyring(2))).proof).toEqual({ kind: 'failed', why: 'wrong-key' });
    const liar = keyed(2, { behaviour: 'reported-uid' });
    expect((await proveBadge(tap(liar), UID, keyring(2))).proof).toEqual({ kind: 'failed', why: 'uid-mismatch' });
  });

  it('a card keyed for another UID does not authenticate under this UID (keys are per card)', async () => {
    const other = new VirtualNtag424({ uid: UID, keys: [badgeKey(MASTERS.get(2)!, h('04000000000001'), 0)], keyVersions: [2] });
    expect((await proveBadge(tap(other), UID, keyring(2))).proof).toEqual({ kind: 'failed', why: 'wrong-key' });
  });

  it('a card pulled away or going silent mid-authentication: the channel error propagates (no tap, no refusal)', async () => {
    await expect(proveBadge(tap(keyed(2, { behaviour: 'remove-after', afterApdus: 3 })), UID, keyring(2))).rejects.toThrow(/removed/);
    await expect(proveBadge(tap(keyed(2, { behaviour: 'silent-after', afterApdus: 3 })), UID, keyring(2))).rejects.toThrow(/did not answer/);
    const empty: CardChannel = { transmit: async () => Buffer.alloc(0) };
    await expect(proveBadge(empty, UID, keyring(2))).rejects.toBeInstanceOf(NoCardAnswerError);
  });
});
