/**
 * The virtual NTAG 424 DNA (test/helpers/ntag424-card.ts) from the card side: NXP AN12196's worked examples replayed
 * byte for byte (AuthenticateEV2First with key 0 and key 3, GetCardUID, ChangeKey of another key and of key 0), then the refusals
 * a real card gives (wrong key → 91 AE, bad MAC → 91 1E, old key refused after ChangeKey, …) and the hostile behaviours.
 * The PCD side here is a minimal independent one built from the card's own crypto helpers (the reader under test lives
 * in src/adapters/pcsc/ntag424 and is checked against the same tables in ntag424-vectors.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { VirtualNtag424, type Ntag424CardOptions, type Ntag424CardSession } from '../helpers/ntag424-card.js';
import {
  cbcDecrypt, changeKeyCrc, cmac, counterBytes, macT, messageIv, padM2, sv1, sv2, truncateMac, unpadM2,
} from '../helpers/ntag424-card-crypto.js';
import { authenticate as pcdAuthenticate, secureApdu } from '../helpers/ntag424-test-pcd.js';
import { MIFARE_ATR, NTAG424_ATR } from '../helpers/pcsc.js';

const h = (hex: string): Buffer => Buffer.from(hex.replace(/\s/g, ''), 'hex');
const H = (b: Buffer | string): string => (typeof b === 'string' ? b : b.toString('hex').toUpperCase());
const SELECT = h('00A4040C07D276000085010100');
const UID = '04958CAA5C5E80';
const ZERO = Buffer.alloc(16);

/** A random source answering the given values in order (then fails, so an unexpected draw is seen). */
function replay(...values: string[]): (n: number) => Buffer {
  return (n) => {
    const v = values.shift();
    if (v === undefined || v.length !== 2 * n) throw new Error(`unexpected random draw of ${n} bytes`);
    return h(v);
  };
}

/** The card's answer as a buffer (fails the test on 'silent' / 'remove'). */
function ask(card: VirtualNtag424, apdu: Buffer | string): Buffer {
  const a = card.respond(typeof apdu === 'string' ? h(apdu) : apdu);
  if (!Buffer.isBuffer(a)) throw new Error(`card answered ${a}`);
  return a;
}

/** Select the application, then authenticate with the test PCD. */
async function authenticate(card: VirtualNtag424, keyNo: number, key: Buffer): Promise<Ntag424CardSession | string> {
  expect(H(ask(card, SELECT))).toBe('9000');
  return pcdAuthenticate((apdu) => ask(card, apdu), keyNo, key);
}

/** ChangeKey plaintext for key `keyNo` under a key-0 session. */
function changeKeyPlain(keyNo: number, newKey: Buffer, version: number, oldKey: Buffer): Buffer {
  if (keyNo === 0) return Buffer.concat([newKey, Buffer.from([version])]);
  const x = Buffer.alloc(16);
  for (let i = 0; i < 16; i++) x[i] = newKey[i]! ^ oldKey[i]!;
  return Buffer.concat([x, Buffer.from([version]), changeKeyCrc(newKey)]);
}

function card(options: Partial<Ntag424CardOptions> = {}): VirtualNtag424 {
  return new VirtualNtag424({ uid: UID, ...options });
}

describe('virtual NTAG 424 DNA: AN12196 replayed from the card side', () => {
  it('AuthenticateEV2First with key 0 (AN12196 Table 14): E(K,RndB), the answer with TI, and the session keys', () => {
    const c = card({ random: replay('B9E2FC789B64BF237CCCAA20EC7E6E48', '9D00C4DF') });
    expect(H(ask(c, SELECT))).toBe('9000');
    expect(H(ask(c, '9071000002000000'))).toBe('A04C124213C186F22399D33AC2A3021591AF');
    expect(H(ask(c, '90AF00002035C3E05A752E0144BAC0DE51C1F22C56B34408A23D8AEA266CAB947EA8E0118D00'))).toBe(
      '3FA64DB5446D1F34CD6EA311167F5E4985B89690C04A05F17FA7AB2F081206639100',
    );
    const s = c.session()!;
    expect({ ti: H(s.ti), enc: H(s.encKey), mac: H(s.macKey), ctr: s.cmdCtr, keyNo: s.keyNo }).toEqual({
      ti: '9D00C4DF', enc: '1309C877509E5A215007FF0ED19CA564', mac: '4C6626F5E72EA694202139295C7A7FC7', ctr: 0, keyNo: 0,
    });
    // the intermediates the table gives
    const rndA = h('13C5DB8A5930439FC3DEF9A4C675360F');
    const rndB = h('B9E2FC789B64BF237CCCAA20EC7E6E48');
    expect(H(sv1(rndA, rndB))).toBe('A55A0001008013C56268A548D8FBBF237CCCAA20EC7E6E48C3DEF9A4C675360F');
    expect(H(sv2(rndA, rndB))).toBe('5AA50001008013C56268A548D8FBBF237CCCAA20EC7E6E48C3DEF9A4C675360F');
  });

  it('AuthenticateEV2First with key 3 (AN12196 Table 19 [20] in rev. 2.0 numbering): a factory key other than key 0', () => {
    const c = card({ random: replay('91517975190DCEA6104948EFA3085C1B', '7614281A') });
    expect(H(ask(c, SELECT))).toBe('9000');
    expect(H(ask(c, '9071000002030000'))).toBe('B875CEB0E66A6C5CD00898DC371F92D191AF');
    expect(H(ask(c, '90AF000020FF0306E47DFBC50087C4D8A78E88E62DE1E8BE457AA477C707E2F0874916A8B100'))).toBe(
      '0CC9A8094A8EEA683ECAAC5C7BF20584206D0608D477110FC6B3D5D3F65C3A6A9100',
    );
    const s = c.session()!;
    expect({ ti: H(s.ti), enc: H(s.encKey), mac: H(s.macKey), keyNo: s.keyNo }).toEqual({
      ti: '7614281A', enc: '7A93D6571E4B180FCA6AC90C9A7488D4', mac: 'FC4AF159B62E549B5812394CAB1918CC', keyNo: 3,
    });
    expect(H(sv1(h('B98F4C50CF1C2E084FD150E33992B048'), h('91517975190DCEA6104948EFA3085C1B')))).toBe(
      'A55A00010080B98FDD01B6693705CEA6104948EFA3085C1B4FD150E33992B048',
    );
  });

  it('GetCardUID in CommMode.Full (AN12196 Table 28): command MAC checked, UID encrypted with IVr and MACed', () => {
    const c = card();
    c.resumeSession({ keyNo: 0, ti: h('DF055522'), encKey: h('2B4D963C014DC36F24F69A50A394F875'), macKey: h('379D32130CE61705DD5FD8C36B95D764'), cmdCtr: 0 });
    expect(H(cmac(h('379D32130CE61705DD5FD8C36B95D764'), h('510000DF055522')))).toBe('CC8E8C2CD015945AFDDD7DA9B19BB9E3');
    expect(H(messageIv(h('2B4D963C014DC36F24F69A50A394F875'), 'response', h('DF055522'), 1))).toBe('7F6BB0B278EA054CBD238C5D9E9E342B');
    expect(H(ask(c, '90510000088E2C155ADDA99BE300'))).toBe('70756055688505B52A5E26E59E329CD6595F672298EA41B79100');
    expect(c.session()!.cmdCtr).toBe(1);
  });

  it('ChangeKey of key 2 under key 0 (AN12196, CmdCtr 2): (new XOR old) ‖ KeyVer ‖ CRC32, answer MACt', () => {
    const c = card();
    c.resumeSession({ keyNo: 0, ti: h('7614281A'), encKey: h('4CF3CB41A22583A61E89B158D252FC53'), macKey: h('5529860B2FC5FB6154B7F28361D30BF9'), cmdCtr: 2 });
    expect(H(changeKeyCrc(h('F3847D627727ED3BC9C4CC050489B966')))).toBe('789DFADC');
    expect(H(messageIv(h('4CF3CB41A22583A61E89B158D252FC53'), 'command', h('7614281A'), 2))).toBe('307EDE1814707F30CFE603DD6CA62353');
    expect(H(ask(c, '90C4000029022CF362B7BF4311FF3BE1DAA295E8C68DE09050560D19B9E16C2393AE9CD1FAC75D0CE20BCD1D06E600'))).toBe('203BB55D1089D5879100');
    expect(H(c.key(2))).toBe('F3847D627727ED3BC9C4CC050489B966');
    expect(c.keyVersion(2)).toBe(1);
    expect(c.session()!.cmdCtr).toBe(3);
  });

  it('ChangeKey of key 0, the authenticated key (AN12196, CmdCtr 3): NewKey ‖ KeyVer, 91 00 without MAC, session over', () => {
    const c = card();
    c.resumeSession({ keyNo: 0, ti: h('7614281A'), encKey: h('4CF3CB41A22583A61E89B158D252FC53'), macKey: h('5529860B2FC5FB6154B7F28361D30BF9'), cmdCtr: 3 });
    expect(H(messageIv(h('4CF3CB41A22583A61E89B158D252FC53'), 'command', h('7614281A'), 3))).toBe('01602D579423B2797BE8B478B0B4D27B');
    expect(H(ask(c, '90C400002900C0EB4DEEFEDDF0B513A03A95A75491818580503190D4D05053FF75668A01D6FDA6610234BDED643200'))).toBe('9100');
    expect(H(c.key(0))).toBe('5004BF991F408672B1EF00F08F9E8647');
    expect(c.keyVersion(0)).toBe(1);
    expect(c.session()).toBeNull();
  });

  it('its CMAC is NIST SP 800-38B (RFC 4493 examples), MACt takes the odd-indexed bytes, padding is ISO 9797-1 M2', () => {
    const k = h('2B7E151628AED2A6ABF7158809CF4F3C');
    expect(H(cmac(k, Buffer.alloc(0)))).toBe('BB1D6929E95937287FA37D129B756746');
    expect(H(cmac(k, h('6BC1BEE22E409F96E93D7E117393172A')))).toBe('070A16B46B4D4144F79BDD9DD04A287C');
    expect(H(cmac(k, h('6BC1BEE22E409F96E93D7E117393172AAE2D8A571E03AC9C9EB76FAC45AF8E5130C81C46A35CE411')))).toBe('DFA66747DE9AE63030CA32611497C827');
    expect(H(truncateMac(h('CC8E8C2CD015945AFDDD7DA9B19BB9E3')))).toBe('8E2C155ADDA99BE3');
    expect(H(padM2(h('04958CAA5C5E80')))).toBe('04958CAA5C5E80800000000000000000');
    expect(padM2(Buffer.alloc(16)).length).toBe(32);
    expect(unpadM2(h('0102800000000000000000000000000000'.slice(0, 32)))).toEqual(h('0102'));
    expect(unpadM2(Buffer.alloc(16))).toBeNull();
  });
});

describe('virtual NTAG 424 DNA: what a real card answers', () => {
  it('answers GET DATA UID, SELECT of the NDEF application, plain GetKeyVersion (factory: 00) and refuses other names', () => {
    const c = card();
    expect(c.atr).toEqual(NTAG424_ATR);
    expect(H(NTAG424_ATR)).toBe('3B8180018080');
    expect(H(ask(c, 'FFCA000000'))).toBe(`${UID}9000`);
    expect(H(ask(c, '90640000010000'))).toBe('919D'); // nothing selected yet
    expect(H(ask(c, '00A4040C07D276000085010200'))).toBe('6A82');
    expect(H(ask(c, SELECT))).toBe('9000');
    expect(H(ask(c, '90640000010000'))).toBe('009100');
    expect(H(ask(c, '90640000010500'))).toBe('9140');
    expect(H(ask(c, '9064000002000000'))).toBe('917E');
    expect(H(ask(c, '90FF000000'))).toBe('911C');
  });

  it('answers GetVersion in three frames (NTAG 424 DNA hardware 04 04 02 30 00 11 05, production data with the UID), no selection needed', async () => {
    const c = card();
    expect(H(ask(c, '9060000000'))).toBe('0404023000110591AF');
    expect(H(ask(c, '90AF000000'))).toBe('0404020102110591AF');
    const last = ask(c, '90AF000000');
    expect(H(last.subarray(0, 7))).toBe(UID);
    expect(last.length).toBe(14 + 2);
    expect(H(last.subarray(-2))).toBe('9100');
    expect(H(ask(c, '90AF000000'))).toBe('919D'); // no frame pending, nothing selected: not an authentication part 2 either
    expect(H(ask(c, '9060000000').subarray(-2))).toBe('91AF');
    expect(H(ask(c, SELECT))).toBe('9000'); // another command abandons GetVersion
    expect(H(ask(c, Buffer.concat([h('90AF000020'), Buffer.alloc(32), h('00')])))).toBe('911C');
  });

  it('authenticates with the right key, answers GetKeyVersion in CommMode.MAC and GetCardUID, fresh RndB and TI each time', async () => {
    const key = randomBytes(16);
    const c = card({ keys: [key], keyVersions: [3] });
    expect(H(ask(c, SELECT))).toBe('9000');
    expect(H(ask(c, '90640000010000'))).toBe('039100');
    const s = await authenticate(c, 0, key) as Ntag424CardSession;
    expect(typeof s).toBe('object');
    const kv = ask(c, secureApdu(s, 0x64, h('00'), null));
    expect(H(kv.subarray(0, 1))).toBe('03');
    expect(H(kv.subarray(1, 9))).toBe(H(macT(s.macKey, Buffer.concat([h('00'), counterBytes(1), s.ti, h('03')]))));
    const uidAnswer = ask(c, secureApdu(s, 0x51, Buffer.alloc(0), null));
    expect(H(uidAnswer.subarray(-2))).toBe('9100');
    const enc = uidAnswer.subarray(0, 16);
    expect(H(uidAnswer.subarray(16, 24))).toBe(H(macT(s.macKey, Buffer.concat([h('00'), counterBytes(2), s.ti, enc]))));
    expect(H(unpadM2(cbcDecrypt(s.encKey, messageIv(s.encKey, 'response', s.ti, 2), enc))!)).toBe(UID);
    const again = await authenticate(c, 0, key) as Ntag424CardSession;
    expect(H(again.ti)).not.toBe(H(s.ti));
    expect(H(again.encKey)).not.toBe(H(s.encKey));
  });

  it('refuses a wrong key with 91 AE and stays unauthenticated (GetCardUID → 91 AE)', async () => {
    const c = card({ keys: [randomBytes(16)], keyVersions: [1] });
    expect(await authenticate(c, 0, ZERO)).toBe('91AE');
    expect(c.session()).toBeNull();
    expect(H(ask(c, '9051000008000000000000000000'))).toBe('91AE');
  });

  it('refuses a bad command MAC with 91 1E and ends the session', async () => {
    const c = card();
    const s = await authenticate(c, 0, ZERO) as Ntag424CardSession;
    const apdu = secureApdu(s, 0x51, Buffer.alloc(0), null);
    apdu[6] = apdu[6]! ^ 0x01;
    expect(H(ask(c, apdu))).toBe('911E');
    expect(c.session()).toBeNull();
    expect(H(ask(c, secureApdu(s, 0x51, Buffer.alloc(0), null)))).toBe('91AE');
  });

  it('refuses a replayed command (the counter moved on) with 91 1E', async () => {
    const c = card();
    const s = await authenticate(c, 0, ZERO) as Ntag424CardSession;
    const apdu = secureApdu(s, 0x51, Buffer.alloc(0), null);
    expect(H(ask(c, apdu).subarray(-2))).toBe('9100');
    expect(H(ask(c, apdu))).toBe('911E');
  });

  it('ChangeKey of key 0: the new key and version work, the old key is refused (91 AE); reset to factory works too', async () => {
    const c = card();
    const newKey = randomBytes(16);
    const s = await authenticate(c, 0, ZERO) as Ntag424CardSession;
    expect(H(ask(c, secureApdu(s, 0xc4, h('00'), changeKeyPlain(0, newKey, 2, ZERO))))).toBe('9100');
    expect(c.session()).toBeNull();
    expect(await authenticate(c, 0, ZERO)).toBe('91AE');
    expect(H(ask(c, SELECT))).toBe('9000');
    expect(H(ask(c, '90640000010000'))).toBe('029100');
    const s2 = await authenticate(c, 0, newKey) as Ntag424CardSession;
    expect(H(ask(c, secureApdu(s2, 0xc4, h('00'), changeKeyPlain(0, ZERO, 0, newKey))))).toBe('9100');
    expect(typeof await authenticate(c, 0, ZERO)).toBe('object');
    expect(c.keyVersion(0)).toBe(0);
  });

  it('ChangeKey of another key checks the CRC32 of the new key (91 1E) and needs key 0 (91 9D); bad padding → 91 1E', async () => {
    const c = card();
    const k2 = randomBytes(16);
    const s = await authenticate(c, 0, ZERO) as Ntag424CardSession;
    const plain = changeKeyPlain(2, k2, 1, ZERO);
    plain[20] = plain[20]! ^ 0xff;
    expect(H(ask(c, secureApdu(s, 0xc4, h('02'), plain)))).toBe('911E');
    expect(c.key(2)).toEqual(ZERO);
    const s1 = await authenticate(c, 1, ZERO) as Ntag424CardSession;
    expect(H(ask(c, secureApdu(s1, 0xc4, h('02'), changeKeyPlain(2, k2, 1, ZERO))))).toBe('919D');
    const s0 = await authenticate(c, 0, ZERO) as Ntag424CardSession;
    expect(H(ask(c, secureApdu(s0, 0xc4, h('00'), Buffer.concat([k2, h('01'), h('AA')]))))).toBe('911E');
    const s0b = await authenticate(c, 0, ZERO) as Ntag424CardSession;
    expect(H(ask(c, secureApdu(s0b, 0xc4, h('02'), changeKeyPlain(2, k2, 1, ZERO))).subarray(-2))).toBe('9100');
    expect(c.key(2)).toEqual(k2);
    expect(c.key(0)).toEqual(ZERO);
  });

  it('rejects auth part 2 without part 1, with a bad length, or after another command; a new tap (powerUp) drops the session', async () => {
    const c = card();
    expect(H(ask(c, SELECT))).toBe('9000');
    expect(H(ask(c, Buffer.concat([h('90AF000020'), Buffer.alloc(32), h('00')])))).toBe('911C');
    expect(H(ask(c, '9071000002000000').subarray(-2))).toBe('91AF');
    expect(H(ask(c, '90AF00000100'))).toBe('917E');
    expect(H(ask(c, '9071000002090000'))).toBe('9140');
    await authenticate(c, 0, ZERO);
    expect(c.session()).not.toBeNull();
    c.powerUp();
    expect(c.session()).toBeNull();
    expect(H(ask(c, '90640000010000'))).toBe('919D');
  });
});

describe('virtual NTAG 424 DNA: hostile behaviours', () => {
  it('uid-copy-no-app: only the copied UID; SELECT → 6A 82; MIFARE ATR', () => {
    const c = card({ behaviour: 'uid-copy-no-app' });
    expect(c.atr).toEqual(MIFARE_ATR);
    expect(H(ask(c, 'FFCA000000'))).toBe(`${UID}9000`);
    expect(H(ask(c, SELECT))).toBe('6A82');
    expect(H(ask(c, '9071000002000000'))).toBe('6A81');
  });

  it('uid-copy-wrong-key: the same UID and key version, but the genuine key is refused with 91 AE', async () => {
    const key = randomBytes(16);
    const c = card({ behaviour: 'uid-copy-wrong-key', keyVersions: [1] });
    expect(H(ask(c, SELECT))).toBe('9000');
    expect(H(ask(c, '90640000010000'))).toBe('019100');
    expect(await authenticate(c, 0, key)).toBe('91AE');
    expect(await authenticate(c, 0, ZERO)).toBe('91AE');
  });

  it('reported-uid: GetCardUID names another UID (properly encrypted and MACed)', async () => {
    const c = card({ behaviour: 'reported-uid', reportedUid: '04111111111111' });
    expect(H(ask(c, 'FFCA000000'))).toBe(`${UID}9000`);
    const s = await authenticate(c, 0, ZERO) as Ntag424CardSession;
    const a = ask(c, secureApdu(s, 0x51, Buffer.alloc(0), null));
    const enc = a.subarray(0, 16);
    expect(H(a.subarray(16, 24))).toBe(H(macT(s.macKey, Buffer.concat([h('00'), counterBytes(1), s.ti, enc]))));
    expect(H(unpadM2(cbcDecrypt(s.encKey, messageIv(s.encKey, 'response', s.ti, 1), enc))!)).toBe('04111111111111');
  });

  it('silent-after / remove-after: answer afterApdus APDUs (default 4: up to auth part 1), then silent or removed for good', () => {
    for (const behaviour of ['silent-after', 'remove-after'] as const) {
      const c = card({ behaviour });
      expect(H(ask(c, 'FFCA000000'))).toBe(`${UID}9000`);
      expect(H(ask(c, SELECT))).toBe('9000');
      expect(H(ask(c, '90640000010000'))).toBe('009100');
      expect(H(ask(c, '9071000002000000').subarray(-2))).toBe('91AF');
      const gone = behaviour === 'silent-after' ? 'silent' : 'remove';
      expect(c.respond(h('90AF000020' + '00'.repeat(32) + '00'))).toBe(gone);
      expect(c.respond(h('FFCA000000'))).toBe(gone);
    }
    const early = card({ behaviour: 'remove-after', afterApdus: 1 });
    expect(H(ask(early, 'FFCA000000'))).toBe(`${UID}9000`);
    expect(early.respond(SELECT)).toBe('remove');
  });

  it('refuses a UID that is not 7 bytes', () => {
    expect(() => card({ uid: '04A1B2C3' })).toThrow(/7 bytes/);
  });
});
