/**
 * The two independent halves of issue 15 against each other: pintu's reader side (src/adapters/pcsc/ntag424,
 * proveBadge / enrollCard / resetCard) talking to the virtual NTAG 424 DNA (test/helpers/ntag424-card.ts), written
 * separately from the datasheet. Each is checked against NXP's tables on its own; here they must agree on everything
 * in between (diversified keys, key versions, secure messaging), and the hostile cards must give the refusals the door
 * expects.
 */
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { enrollCard, proveBadge, resetCard, type CardChannel } from '../../src/adapters/pcsc/ntag424/badge-card.js';
import { badgeKey } from '../../src/adapters/pcsc/ntag424/crypto.js';
import type { BadgeKeyring } from '../../src/ports/badge-keys.js';
import { VirtualNtag424, type Ntag424CardOptions } from '../helpers/ntag424-card.js';

const UID = '04A1B2C3D4E5F6';

/** A keyring with the given master keys by version; `retired` versions no longer open the door. */
function keyring(current: number, masters: Record<number, Buffer>, retired: number[] = []): BadgeKeyring {
  return {
    current,
    master: (v) => masters[v] ?? null,
    accepted: (v) => masters[v] !== undefined && !retired.includes(v),
    versions: () => Object.keys(masters).map(Number).sort((a, b) => a - b),
  };
}

/** The reader's channel to the virtual card: 'remove' is a failed transmit, 'silent' one that never answers (timed out). */
function channel(card: VirtualNtag424, timeoutMs = 200): CardChannel {
  return {
    transmit: async (apdu) => {
      const a = card.respond(apdu);
      if (a === 'remove') throw new Error('card removed');
      if (a === 'silent') {
        await new Promise((r) => setTimeout(r, timeoutMs));
        throw new Error('card timeout');
      }
      return a;
    },
  };
}

/** A card as it comes from a tap: powered up, anticollision UID read. */
function tap(card: VirtualNtag424): CardChannel {
  card.powerUp();
  return channel(card);
}

function virtualCard(options: Partial<Ntag424CardOptions> = {}): VirtualNtag424 {
  return new VirtualNtag424({ uid: UID, ...options });
}

describe('pintu reader side × virtual NTAG 424 DNA', () => {
  const m1 = randomBytes(16);
  const m2 = randomBytes(16);

  it('a factory card is refused as factory-key; enrolled, it proves the current version; reset, it is factory again', async () => {
    const card = virtualCard();
    const ring = keyring(1, { 1: m1 });
    expect((await proveBadge(tap(card), UID, ring)).proof).toEqual({ kind: 'failed', why: 'factory-key' });
    expect(await enrollCard(tap(card), UID, ring)).toEqual({ uid: UID, keyVersion: 1, previousKeyVersion: 0 });
    expect(card.keyVersion(0)).toBe(1);
    expect(card.key(0).equals(badgeKey(m1, Buffer.from(UID, 'hex'), 0))).toBe(true);
    expect(await proveBadge(tap(card), UID, ring)).toEqual({ proof: { kind: 'authenticated', keyVersion: 1, keyAccepted: true }, apdus: 5 });
    expect(await resetCard(tap(card), UID, ring)).toEqual({ uid: UID, previousKeyVersion: 1 });
    expect(card.key(0).equals(Buffer.alloc(16))).toBe(true);
    expect((await proveBadge(tap(card), UID, ring)).proof).toEqual({ kind: 'failed', why: 'factory-key' });
  });

  it('after rotation the old version proves but is not accepted once retired; re-enrolment moves the card to the new one', async () => {
    const card = virtualCard();
    await enrollCard(tap(card), UID, keyring(1, { 1: m1 }));
    expect((await proveBadge(tap(card), UID, keyring(2, { 1: m1, 2: m2 }))).proof).toEqual({ kind: 'authenticated', keyVersion: 1, keyAccepted: true });
    const rotated = keyring(2, { 1: m1, 2: m2 }, [1]);
    expect((await proveBadge(tap(card), UID, rotated)).proof).toEqual({ kind: 'authenticated', keyVersion: 1, keyAccepted: false });
    expect(await enrollCard(tap(card), UID, rotated)).toEqual({ uid: UID, keyVersion: 2, previousKeyVersion: 1 });
    expect((await proveBadge(tap(card), UID, rotated)).proof).toEqual({ kind: 'authenticated', keyVersion: 2, keyAccepted: true });
    expect((await proveBadge(tap(card), UID, keyring(2, { 2: m2 }))).proof).toEqual({ kind: 'authenticated', keyVersion: 2, keyAccepted: true });
    expect((await proveBadge(tap(card), UID, keyring(3, { 3: m1 }))).proof).toEqual({ kind: 'failed', why: 'unknown-key-version' });
  });

  it('a card keyed under another site master with the same version is refused as wrong-key', async () => {
    const card = virtualCard();
    await enrollCard(tap(card), UID, keyring(1, { 1: randomBytes(16) }));
    expect((await proveBadge(tap(card), UID, keyring(1, { 1: m1 }))).proof).toEqual({ kind: 'failed', why: 'wrong-key' });
  });

  it('the hostile cards: UID copy without the app → not-secure-card, with another key → wrong-key, reported UID → uid-mismatch', async () => {
    const ring = keyring(1, { 1: m1 });
    expect((await proveBadge(tap(virtualCard({ behaviour: 'uid-copy-no-app' })), UID, ring)).proof).toEqual({ kind: 'failed', why: 'not-secure-card' });
    expect((await proveBadge(tap(virtualCard({ behaviour: 'uid-copy-wrong-key', keyVersions: [1] })), UID, ring)).proof).toEqual({ kind: 'failed', why: 'wrong-key' });
    const liar = virtualCard({ behaviour: 'reported-uid', keys: [badgeKey(m1, Buffer.from(UID, 'hex'), 0)], keyVersions: [1] });
    expect((await proveBadge(tap(liar), UID, ring)).proof).toEqual({ kind: 'failed', why: 'uid-mismatch' });
    // enrolment refuses the liar too (it keys the card with the UID read over the secure channel)
    await expect(enrollCard(tap(liar), UID, ring)).rejects.toMatchObject({ why: 'uid-mismatch' });
  });

  it('a card pulled away or going silent mid-authentication: the reader rejects (no proof at all), never hangs', async () => {
    const ring = keyring(1, { 1: m1 });
    const keyed = { keys: [badgeKey(m1, Buffer.from(UID, 'hex'), 0)], keyVersions: [1] };
    // the door does not send GET DATA through proveBadge: SELECT, GetKeyVersion, auth part 1 answered, then gone
    await expect(proveBadge(tap(virtualCard({ ...keyed, behaviour: 'remove-after', afterApdus: 3 })), UID, ring)).rejects.toThrow('card removed');
    await expect(proveBadge(tap(virtualCard({ ...keyed, behaviour: 'silent-after', afterApdus: 3 })), UID, ring)).rejects.toThrow('card timeout');
    const pulledAtEnrol = virtualCard({ behaviour: 'remove-after', afterApdus: 5 });
    await expect(enrollCard(tap(pulledAtEnrol), UID, ring)).rejects.toThrow('card removed');
    expect(pulledAtEnrol.keyVersion(0)).toBe(0); // ChangeKey never reached the card: still factory
  });
});
