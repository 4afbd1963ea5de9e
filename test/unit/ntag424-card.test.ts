/**
 * The NTAG 424 DNA commands and the badge operations against a scripted CardChannel (issue 15).
 *
 * Where an application note prints a whole exchange, the script replays its APDUs byte for byte: AN12196 Tables 14,
 * 19 [20], 26 [27], 28 [29] and AN12343 Tables 7, 16, 40. Two values are not printed and are marked DERIVED: the RndA
 * of AN12343 Tables 7 and 40, recovered here with node:crypto from the published part-2 cryptogram and key. The one
 * step no note has an example of (GetKeyVersion in plain, before authentication) is scripted with the datasheet's
 * answer (KeyVer ‖ 91 00). ISOSelectFile is AN12196 Table 11 (rev. 1.x numbering).
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { cmac, cmacT } from '../../src/adapters/pcsc/ntag424/crypto.js';
import { Ev2Session } from '../../src/adapters/pcsc/ntag424/ev2.js';
import { type CardChannel, CardAnswerError, NoCardAnswerError, authenticateEv2First, changeKey0, getCardUid, selectApplication } from '../../src/adapters/pcsc/ntag424/ntag424.js';
import { type CardKeys, enrollCard, enrollWithKeys, keyringCardKeys, proveBadge, proveCard, resetCard, resetWithKeys } from '../../src/adapters/pcsc/ntag424/badge-card.js';
import type { BadgeKeyring } from '../../src/ports/badge-keys.js';

const h = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const H = (b: Buffer): string => b.toString('hex').toUpperCase();
const ZERO = Buffer.alloc(16);

/** One exchange: the APDU we must send (null: any) and the card's answer (or a channel failure). */
type Step = [expect: string | null, answer: string | Error];

/** A channel replaying `steps` in order; records what was sent. */
function scripted(steps: Step[]): CardChannel & { sent: Buffer[]; left: () => number } {
  const queue = [...steps];
  const sent: Buffer[] = [];
  return {
    sent,
    left: () => queue.length,
    async transmit(apdu) {
      sent.push(apdu);
      const step = queue.shift();
      if (!step) throw new Error(`unscripted APDU ${H(apdu)}`);
      if (step[0] !== null) expect(H(apdu)).toBe(step[0].replace(/\s+/g, ''));
      if (step[1] instanceof Error) throw step[1];
      return h(step[1]);
    },
  };
}

/** DERIVED: RndA = the first block of D(K, E(K, RndA ‖ RndB')), zero IV. */
function rndAOf(key: Buffer, cryptogram: string): Buffer {
  const d = createDecipheriv('aes-128-cbc', key, ZERO).setAutoPadding(false);
  return Buffer.concat([d.update(h(cryptogram)), d.final()]).subarray(0, 16);
}

// AN12196 Table 11 (rev. 1.x numbering): ISOSelectFile of the NTAG 424 DNA application by DF name.
const SELECT: Step = ['00A4040C07D276000085010100', '9000'];
const keyVersion = (v: string): Step => ['9064000001 00 00', `${v}9100`];

// AN12343 Table 7: AuthenticateEV2First with key 0 = 0123…01, then GetCardUID of 04DE5F1EACC040.
const T7_KEY = h('01234567890123456789012345678901');
const T7_PART2 = 'C8B3AFDEC10EE8298471A7B41736B4381BA1BE0F57F66387C5577721B70F847F';
const T7_AUTH: Step[] = [
  ['9071000002000000', 'B9FC6CCAE153125C7C17E6906433C0F491AF'],
  [`90AF000020${T7_PART2}00`, '8138FD2450891FCDB4935D9F19C30B55FAD52DC54086933E0FBEC3DE9266BD809100'],
];
const T7_UID: Step = ['90510000085CA9EF7C912A391B00', 'CDFFBF6D34231DA2789DA9D3AB15D560CE75E39EDBE94C2F9100'];
const T7_RND = () => rndAOf(T7_KEY, T7_PART2);

/** Card keys for replaying notes: key version 1 holds the note's key. */
const noteKeys = (key: Buffer, current = 2, accepted = true): CardKeys => ({
  current,
  key: (v) => (v === 1 ? key : v === 2 ? h('00112233445566778899AABBCCDDEEFF') : null),
  accepted: () => accepted,
});

/** A site keyring holding versions 1 and 2 (master keys of our own, no note has them). */
function keyring(accepted = true): BadgeKeyring {
  const masters = new Map([[1, h('A0A1A2A3A4A5A6A7A8A9AAABACADAEAF')], [2, h('B0B1B2B3B4B5B6B7B8B9BABBBCBDBEBF')]]);
  return { current: 2, master: (v) => masters.get(v) ?? null, accepted: () => accepted, versions: () => [1, 2] };
}

describe('ntag424.ts replaying the notes', () => {
  it('AN12196 Table 14: select, AuthenticateEV2First key 0 → TI and session keys', async () => {
    const ch = scripted([
      SELECT,
      ['9071000002000000', 'A04C124213C186F22399D33AC2A3021591AF'],
      ['90AF00002035C3E05A752E0144BAC0DE51C1F22C56B34408A23D8AEA266CAB947EA8E0118D00', '3FA64DB5446D1F34CD6EA311167F5E4985B89690C04A05F17FA7AB2F081206639100'],
    ]);
    await selectApplication(ch);
    const s = await authenticateEv2First(ch, 0, ZERO, h('13C5DB8A5930439FC3DEF9A4C675360F'));
    expect([H(s.ti), H(s.keys.encKey), H(s.keys.macKey), s.cmdCtr]).toEqual(['9D00C4DF', '1309C877509E5A215007FF0ED19CA564', '4C6626F5E72EA694202139295C7A7FC7', 0]);
  });

  it('AN12196 Table 19 [20]: AuthenticateEV2First with key 3', async () => {
    const ch = scripted([
      ['9071000002030000', 'B875CEB0E66A6C5CD00898DC371F92D191AF'],
      ['90AF000020FF0306E47DFBC50087C4D8A78E88E62DE1E8BE457AA477C707E2F0874916A8B100', '0CC9A8094A8EEA683ECAAC5C7BF20584206D0608D477110FC6B3D5D3F65C3A6A9100'],
    ]);
    const s = await authenticateEv2First(ch, 3, ZERO, h('B98F4C50CF1C2E084FD150E33992B048'));
    expect([H(s.ti), H(s.keys.encKey), H(s.keys.macKey)]).toEqual(['7614281A', '7A93D6571E4B180FCA6AC90C9A7488D4', 'FC4AF159B62E549B5812394CAB1918CC']);
  });

  it('AN12196 Table 28 [29]: GetCardUID → 04958CAA5C5E80, counter 1', async () => {
    const s = new Ev2Session(h('DF055522'), { encKey: h('2B4D963C014DC36F24F69A50A394F875'), macKey: h('379D32130CE61705DD5FD8C36B95D764') });
    const ch = scripted([['90510000088E2C155ADDA99BE300', '70756055688505B52A5E26E59E329CD6595F672298EA41B79100']]);
    expect(H(await getCardUid(ch, s))).toBe('04958CAA5C5E80');
    expect(s.cmdCtr).toBe(1);
  });

  it('AN12196 Table 26 [27]: ChangeKey of key 0 at CmdCtr 3, answered by a bare 9100', async () => {
    const s = new Ev2Session(h('7614281A'), { encKey: h('4CF3CB41A22583A61E89B158D252FC53'), macKey: h('5529860B2FC5FB6154B7F28361D30BF9') }, 3);
    const ch = scripted([['90C400002900C0EB4DEEFEDDF0B513A03A95A75491818580503190D4D05053FF75668A01D6FDA6610234BDED643200', '9100']]);
    await changeKey0(ch, s, h('5004BF991F408672B1EF00F08F9E8647'), 1);
    expect(ch.left()).toBe(0);
  });

  it('AN12343 Table 7: AuthenticateEV2First with a non-zero key, then GetCardUID → 04DE5F1EACC040', async () => {
    const ch = scripted([...T7_AUTH, T7_UID]);
    const s = await authenticateEv2First(ch, 0, T7_KEY, T7_RND());
    expect([H(s.ti), H(s.keys.encKey), H(s.keys.macKey)]).toEqual(['569D4B24', 'C1D7BD9F60034D8432F9AF3403D573D0', 'FD9E26C9766F07C1D07106C0F8F3671F']);
    expect(H(await getCardUid(ch, s))).toBe('04DE5F1EACC040');
  });

  it('AN12343 Table 40: factory key 0, then ChangeKey of key 0 to 0123…01 version 00 (CmdCtr 0)', async () => {
    const part2 = '762F4B07795EF384A0C72CB094CD778070CDAC940AE297AEFDC870A39BCFE478';
    const ch = scripted([
      ['9071000002000000', '56C89455ABEE4C169A90A6CCCE26AEC891AF'],
      [`90AF000020${part2}00`, 'E26E93B2F1C02F147DFA9A922417CB6FA0DAB0460428B5F4FD8FDDEB87E59F449100'],
      ['90C400002900BF5400DC97A1FBD65BE870716D6F11F8161BB4CA472856DB94AB94B2EC1A13E627CE07CF56C1109100', '9100'],
    ]);
    const s = await authenticateEv2First(ch, 0, ZERO, rndAOf(ZERO, part2));
    expect([H(s.ti), H(s.keys.encKey), H(s.keys.macKey)]).toEqual(['94297F4D', 'E156C8522F7C8DC82B0C99BA847DE723', '45D50C1570000D2F173DF949288E3CAD']);
    await changeKey0(ch, s, h('01234567890123456789012345678901'), 0);
    expect(ch.left()).toBe(0);
  });

  it('a card without the NTAG 424 DNA application is not-secure-card', async () => {
    await expect(selectApplication(scripted([['00A4040C07D276000085010100', '6A82']]))).rejects.toMatchObject({ why: 'not-secure-card' });
  });
});

describe('proveCard / proveBadge: the door protocol', () => {
  it('the notes\' flow (select, GetKeyVersion, AN12343 Table 7) proves the badge: authenticated, 5 APDUs', async () => {
    const ch = scripted([SELECT, keyVersion('01'), ...T7_AUTH, T7_UID]);
    const r = await proveCard(ch, '04de5f1eacc040', noteKeys(T7_KEY), { randomBytes: () => T7_RND() });
    expect(r).toEqual({ proof: { kind: 'authenticated', keyVersion: 1, keyAccepted: true }, apdus: 5 });
  });

  it('a version rotated out still authenticates, with keyAccepted false', async () => {
    const ch = scripted([SELECT, keyVersion('01'), ...T7_AUTH, T7_UID]);
    const r = await proveCard(ch, '04DE5F1EACC040', noteKeys(T7_KEY, 2, false), { randomBytes: () => T7_RND() });
    expect(r.proof).toEqual({ kind: 'authenticated', keyVersion: 1, keyAccepted: false });
  });

  it("GetCardUID naming another UID than the anticollision UID → 'uid-mismatch'", async () => {
    const ch = scripted([SELECT, keyVersion('01'), ...T7_AUTH, T7_UID]);
    const r = await proveCard(ch, '04958CAA5C5E80', noteKeys(T7_KEY), { randomBytes: () => T7_RND() });
    expect(r.proof).toEqual({ kind: 'failed', why: 'uid-mismatch' });
  });

  it("a bad response MAC on GetCardUID → 'protocol'", async () => {
    const ch = scripted([SELECT, keyVersion('01'), ...T7_AUTH, [T7_UID[0], 'CDFFBF6D34231DA2789DA9D3AB15D560CE75E39EDBE94C2E9100']]);
    const r = await proveCard(ch, '04DE5F1EACC040', noteKeys(T7_KEY), { randomBytes: () => T7_RND() });
    expect(r.proof).toEqual({ kind: 'failed', why: 'protocol' });
  });

  it("a card that does not hold our key → 'wrong-key' (refused with 91AE, or answering another RndA')", async () => {
    const refused = scripted([SELECT, keyVersion('01'), T7_AUTH[0]!, [null, '91AE']]);
    expect((await proveCard(refused, '04DE5F1EACC040', noteKeys(T7_KEY))).proof).toEqual({ kind: 'failed', why: 'wrong-key' });
    const copy = scripted([SELECT, keyVersion('01'), T7_AUTH[0]!, [null, T7_AUTH[1]![1]]]);
    expect((await proveCard(copy, '04DE5F1EACC040', noteKeys(T7_KEY))).proof).toEqual({ kind: 'failed', why: 'wrong-key' });
    const ours = scripted([SELECT, keyVersion('01'), T7_AUTH[0]!, [null, T7_AUTH[1]![1]]]);
    const r = await proveBadge(ours, '04DE5F1EACC040', keyring());
    expect(r).toEqual({ proof: { kind: 'failed', why: 'wrong-key' }, apdus: 4 });
  });

  it("factory key version 0 → 'factory-key'; a version the site lacks → 'unknown-key-version'", async () => {
    expect(await proveBadge(scripted([SELECT, keyVersion('00')]), '04DE5F1EACC040', keyring())).toEqual({ proof: { kind: 'failed', why: 'factory-key' }, apdus: 2 });
    expect((await proveBadge(scripted([SELECT, keyVersion('07')]), '04DE5F1EACC040', keyring())).proof).toEqual({ kind: 'failed', why: 'unknown-key-version' });
  });

  it("no NTAG 424 DNA application, or a 4-byte random UID → 'not-secure-card'", async () => {
    expect(await proveBadge(scripted([['00A4040C07D276000085010100', '6A82']]), '04DE5F1EACC040', keyring())).toEqual({ proof: { kind: 'failed', why: 'not-secure-card' }, apdus: 1 });
    const none = scripted([]);
    expect(await proveBadge(none, '08A1B2C3', keyring())).toEqual({ proof: { kind: 'failed', why: 'not-secure-card' }, apdus: 0 });
    expect(none.sent.length).toBe(0);
  });

  it('a fresh RndA for every authentication (two taps of the same card send different part-2 cryptograms)', async () => {
    const taps = [0, 1].map(() => scripted([SELECT, keyVersion('01'), T7_AUTH[0]!, [null, '91AE']]));
    for (const ch of taps) await proveBadge(ch, '04DE5F1EACC040', keyring());
    expect(H(taps[0]!.sent[3]!)).not.toBe(H(taps[1]!.sent[3]!));
  });

  it("a card refusing the command set → 'not-secure-card'; an odd status (91AD, auth delay) → 'protocol'", async () => {
    expect((await proveBadge(scripted([SELECT, ['9064000001 00 00', '911C']]), '04DE5F1EACC040', keyring())).proof).toEqual({ kind: 'failed', why: 'not-secure-card' });
    expect((await proveBadge(scripted([SELECT, keyVersion('01'), ['9071000002000000', '91AD']]), '04DE5F1EACC040', keyring())).proof).toEqual({ kind: 'failed', why: 'protocol' });
  });

  it('the keyring key of a card is AN10922 CMAC(master, 01 ‖ UID ‖ 00 ‖ "pintu/badge")', () => {
    const uid = h('04DE5F1EACC040');
    const master = keyring().master(1)!;
    expect(H(keyringCardKeys(keyring()).key(1, uid)!)).toBe(H(cmac(master, Buffer.concat([h('01'), uid, h('00'), Buffer.from('pintu/badge')]))));
    expect(keyringCardKeys(keyring()).key(5, uid)).toBeNull();
  });

  it('a channel error (card pulled away mid-authentication) propagates unchanged', async () => {
    const gone = new Error('card removed');
    const ch = scripted([SELECT, keyVersion('01'), T7_AUTH[0]!, [null, gone]]);
    await expect(proveBadge(ch, '04DE5F1EACC040', keyring())).rejects.toBe(gone);
  });

  it('an empty R-APDU (the card left the field) is no answer, not a failed proof: it propagates as NoCardAnswerError', async () => {
    const ch = scripted([SELECT, keyVersion('01'), T7_AUTH[0]!, [null, '']]);
    await expect(proveBadge(ch, '04DE5F1EACC040', keyring())).rejects.toBeInstanceOf(NoCardAnswerError);
  });
});

/** What a ChangeKey C-APDU carried, decrypted with node:crypto: NewKey ‖ KeyVer ‖ padding, and its MACt checked. */
function openChangeKey(apdu: Buffer, ti: string, ctr: string, enc: string, mac: string): string {
  expect(H(apdu.subarray(0, 6))).toBe('90C400002900');
  const ivc = createCipheriv('aes-128-ecb', h(enc), null).setAutoPadding(false).update(h(`A55A${ti}${ctr}0000000000000000`));
  const d = createDecipheriv('aes-128-cbc', h(enc), ivc).setAutoPadding(false);
  const ct = apdu.subarray(6, 38);
  expect(H(apdu.subarray(38, 46))).toBe(H(cmacT(h(mac), Buffer.concat([h(`C4${ctr}${ti}00`), ct]))));
  return H(Buffer.concat([d.update(ct), d.final()]));
}

describe('enrollWithKeys / resetWithKeys: the desk', () => {
  it('re-keys a badge holding site version 1 (AN12343 Table 7 session) to version 2, diversified with its real UID', async () => {
    const ch = scripted([SELECT, keyVersion('01'), ...T7_AUTH, T7_UID, [null, '9100']]);
    const keys = noteKeys(T7_KEY);
    const card = await enrollWithKeys(ch, '04DE5F1EACC040', keys, { randomBytes: () => T7_RND() });
    expect(card).toEqual({ uid: '04DE5F1EACC040', keyVersion: 2, previousKeyVersion: 1 });
    const plain = openChangeKey(ch.sent[5]!, '569D4B24', '0100', 'C1D7BD9F60034D8432F9AF3403D573D0', 'FD9E26C9766F07C1D07106C0F8F3671F');
    expect(plain).toBe(`00112233445566778899AABBCCDDEEFF02${'80'}${'00'.repeat(14)}`);
  });

  it('resets a badge to the factory key: 16 zero bytes, key version 0', async () => {
    const ch = scripted([SELECT, keyVersion('01'), ...T7_AUTH, T7_UID, [null, '9100']]);
    expect(await resetWithKeys(ch, '04DE5F1EACC040', noteKeys(T7_KEY), { randomBytes: () => T7_RND() })).toEqual({ uid: '04DE5F1EACC040', previousKeyVersion: 1 });
    const plain = openChangeKey(ch.sent[5]!, '569D4B24', '0100', 'C1D7BD9F60034D8432F9AF3403D573D0', 'FD9E26C9766F07C1D07106C0F8F3671F');
    expect(plain).toBe(`${'00'.repeat(16)}0080${'00'.repeat(14)}`);
  });

  it('refuses a random 4-byte UID before sending anything, and a card of a version the site lacks', async () => {
    const none = scripted([]);
    await expect(enrollCard(none, '08A1B2C3', keyring())).rejects.toMatchObject({ why: 'not-secure-card' });
    expect(none.sent.length).toBe(0);
    await expect(enrollCard(scripted([SELECT, keyVersion('09')]), '04DE5F1EACC040', keyring())).rejects.toMatchObject({ why: 'unknown-key-version' });
  });

  it("a factory card (zero key) whose proof is refused → 'wrong-key'; a factory card cannot be reset", async () => {
    const ch = scripted([SELECT, keyVersion('00'), ['9071000002000000', '56C89455ABEE4C169A90A6CCCE26AEC891AF'], [null, '91AE']]);
    await expect(enrollCard(ch, '04DE5F1EACC040', keyring())).rejects.toSatisfy((e) => e instanceof CardAnswerError && e.why === 'wrong-key');
    await expect(resetCard(scripted([SELECT, keyVersion('00')]), '04DE5F1EACC040', keyring())).rejects.toMatchObject({ why: 'factory-key' });
  });
});
