/**
 * The badge cryptography against NXP's published worked examples, byte for byte (issue 15).
 *
 * Every expected value below is transcribed from the application notes — AN10922 (key diversification), AN12196
 * (NTAG 424 DNA features and hints) and AN12343 (MIFARE DESFire Light features and hints, the same EV2 secure
 * messaging as DESFire EV2) — as quoted in public repositories, cross-checked in a second source where one exists.
 * None was computed by our code. AN12196 table numbers are rev. 2.0 with rev. 1.x's in brackets (renumbered).
 *
 * Where the values were read (GitHub repository: path):
 * - RFC 4493 §4: aflybird/aes-cmac README.md; Amperstrand/ntag424-vectors vectors.json.
 * - AN10922 §2.2.1: RfidResearchGroup/proxmark3 client/src/mifare/desfiretest.c (K1, K2);
 *   johnnyb/ntag424-java src/test/java/net/bplearning/ntag424/KeyInfoTest.java (key); K0 and D also in several
 *   unnamed index hits (a Rust and a Python AN10922 test).
 * - AN12196 Tables 14, 17 [18], 19 [20], 21 [22], CommMode.MAC, 28 [29]: icedevml/nfc-ev2-crypto test_ev2.py;
 *   Tables [11], 14, 18 [19], 19 [20], 21 [22], 26 [27]: trustchain-dev/pylibsdm tests/tag/ntag424dna/test_tag.py;
 *   Table 26 [27] intermediates: drusifer/ntag424_sdm_provisioner tests/test_crypto_components.py and
 *   AN12196_CHANGEKEY_EXAMPLE.md;
 *   Tables 17 [18], 18 [19], 23 [24], 28 [29] intermediates (IVs, SV1, CMACs): a Go known-answer file found by
 *   content in the index (no path shown), agreeing with the sources above wherever they overlap.
 * - AN12343 Tables 7, 16, 38, 40: drusifer/ntag424_sdm_provisioner AN12343.md (a transcription of the note, rev. 1.1)
 *   and tests/test_an12343_getkeyversion.py; Table 16 and Table 23 also RfidResearchGroup/proxmark3
 *   client/src/mifare/desfiretest.c (TestEV2SessionKeys, TestEV2MAC).
 */
import { createDecipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  aesEncryptBlock,
  an10922Diversify,
  badgeDiversificationInput,
  cmac,
  cmacSubkeys,
  padIso9797M2,
  rotateLeft1,
  truncateMac,
  unpadIso9797M2,
} from '../../src/adapters/pcsc/ntag424/crypto.js';
import { Ev2Error, Ev2Session, authPart2, decryptAuthAnswer, deriveSessionKeys, finishAuth, sessionVectors } from '../../src/adapters/pcsc/ntag424/ev2.js';

const h = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const H = (b: Buffer): string => b.toString('hex').toUpperCase();
const ZERO = h('00000000000000000000000000000000');

describe('RFC 4493 §4 (AES-CMAC known answers: the CMAC under everything else)', () => {
  const key = h('2B7E151628AED2A6ABF7158809CF4F3C');
  const msg = h('6BC1BEE22E409F96E93D7E117393172AAE2D8A571E03AC9C9EB76FAC45AF8E5130C81C46A35CE411E5FBC1191A0A52EFF69F2445DF4F9B17AD2B417BE66C3710');
  it('subkeys K1, K2 and examples 1–4 (0, 16, 40, 64 bytes)', () => {
    const { k0, k1, k2 } = cmacSubkeys(key);
    expect(H(k0)).toBe('7DF76B0C1AB899B33E42F047B91B546F');
    expect(H(k1)).toBe('FBEED618357133667C85E08F7236A8DE');
    expect(H(k2)).toBe('F7DDAC306AE266CCF90BC11EE46D513B');
    expect(H(cmac(key, Buffer.alloc(0)))).toBe('BB1D6929E95937287FA37D129B756746');
    expect(H(cmac(key, msg.subarray(0, 16)))).toBe('070A16B46B4D4144F79BDD9DD04A287C');
    expect(H(cmac(key, msg.subarray(0, 40)))).toBe('DFA66747DE9AE63030CA32611497C827');
    expect(H(cmac(key, msg))).toBe('51F0BEBF7E3B9D92FC49741779363CFE');
  });
});

describe('AN10922 §2.2.1: AES-128 key diversification, every step of the example', () => {
  const master = h('00112233445566778899AABBCCDDEEFF');
  // M = UID 04782E21801D80 ‖ AID 3042F5 ‖ system identifier "NXP Abu" (4E585020416275).
  const m = h('04782E21801D80 3042F5 4E585020416275');
  it('K0 = E(K, 0), K1, K2, D = 01 ‖ M ‖ padding, and the diversified key', () => {
    const r = an10922Diversify(master, m);
    expect(H(r.subkeys.k0)).toBe('FDE4FBAE4A09E020EFF722969F83832B');
    expect(H(r.subkeys.k1)).toBe('FBC9F75C9413C041DFEE452D3F0706D1');
    expect(H(r.subkeys.k2)).toBe('F793EEB928278083BFDC8A5A7E0E0D25');
    expect(H(r.d)).toBe('0104782E21801D803042F54E5850204162758000000000000000000000000000');
    expect(r.padded).toBe(true);
    expect(H(r.key)).toBe('A8DD63A3B89D54B37CA802473FDA9175');
  });
  it('is the standard CMAC of 01 ‖ M (the note uses K2 because D was padded)', () => {
    expect(H(cmac(master, Buffer.concat([h('01'), m])))).toBe('A8DD63A3B89D54B37CA802473FDA9175');
  });
  it('refuses an input the note does not define (empty, over 31 bytes)', () => {
    expect(() => an10922Diversify(master, Buffer.alloc(0))).toThrow(/1–31/);
    expect(() => an10922Diversify(master, Buffer.alloc(32))).toThrow(/1–31/);
  });
  it("pintu's M: UID ‖ key number ‖ \"pintu/badge\" (our own layout, no published vector)", () => {
    expect(H(badgeDiversificationInput(h('04958CAA5C5E80'), 0))).toBe('04958CAA5C5E8000' + H(Buffer.from('pintu/badge')));
    expect(() => badgeDiversificationInput(h('08A1B2C3'), 0)).toThrow(/7 bytes/);
  });
});

describe('AN12196 Table 14: AuthenticateEV2First with key 0x00 (factory key), every step', () => {
  const rndA = h('13C5DB8A5930439FC3DEF9A4C675360F');
  const part2 = authPart2(ZERO, h('A04C124213C186F22399D33AC2A30215'), rndA);
  const answer = h('3FA64DB5446D1F34CD6EA311167F5E49 85B89690C04A05F17FA7AB2F08120663');
  it('RndB, RndB\', E(K, RndA ‖ RndB\')', () => {
    expect(H(part2.rndB)).toBe('B9E2FC789B64BF237CCCAA20EC7E6E48');
    expect(H(part2.rndBPrime)).toBe('E2FC789B64BF237CCCAA20EC7E6E48B9');
    expect(H(part2.cryptogram)).toBe('35C3E05A752E0144BAC0DE51C1F22C56B34408A23D8AEA266CAB947EA8E0118D');
  });
  it("the card's answer decrypted: TI, RndA', PDcap2, PCDcap2", () => {
    const a = decryptAuthAnswer(ZERO, answer);
    expect(H(a.ti)).toBe('9D00C4DF');
    expect(H(a.rndAPrime)).toBe('C5DB8A5930439FC3DEF9A4C675360F13');
    expect(H(a.rndAPrime)).toBe(H(rotateLeft1(rndA)));
    expect(H(a.pdCap2)).toBe('000000000000');
    expect(H(a.pcdCap2)).toBe('000000000000');
  });
  it('SV1, SV2, SesAuthENCKey, SesAuthMACKey', () => {
    const sv = sessionVectors(rndA, part2.rndB);
    expect(H(sv.sv1)).toBe('A55A0001008013C56268A548D8FBBF237CCCAA20EC7E6E48C3DEF9A4C675360F');
    expect(H(sv.sv2)).toBe('5AA50001008013C56268A548D8FBBF237CCCAA20EC7E6E48C3DEF9A4C675360F');
    const { session } = finishAuth(ZERO, rndA, part2.rndB, answer);
    expect(H(session.ti)).toBe('9D00C4DF');
    expect(session.cmdCtr).toBe(0);
    expect(H(session.keys.encKey)).toBe('1309C877509E5A215007FF0ED19CA564');
    expect(H(session.keys.macKey)).toBe('4C6626F5E72EA694202139295C7A7FC7');
  });
  it('a card echoing another RndA is refused (no session)', () => {
    const other = Buffer.from(rndA);
    other[0] = (other[0] ?? 0) ^ 1;
    expect(() => finishAuth(ZERO, other, part2.rndB, answer)).toThrow(Ev2Error);
  });
});

describe('AN12196 Table 19 [20]: AuthenticateEV2First with key 0x03', () => {
  it('RndB, part 2, TI, SV1 and both session keys', () => {
    const rndA = h('B98F4C50CF1C2E084FD150E33992B048');
    const p = authPart2(ZERO, h('B875CEB0E66A6C5CD00898DC371F92D1'), rndA);
    expect(H(p.rndB)).toBe('91517975190DCEA6104948EFA3085C1B');
    expect(H(p.cryptogram)).toBe('FF0306E47DFBC50087C4D8A78E88E62DE1E8BE457AA477C707E2F0874916A8B1');
    expect(H(sessionVectors(rndA, p.rndB).sv1)).toBe('A55A00010080B98FDD01B6693705CEA6104948EFA3085C1B4FD150E33992B048');
    const { session } = finishAuth(ZERO, rndA, p.rndB, h('0CC9A8094A8EEA683ECAAC5C7BF20584206D0608D477110FC6B3D5D3F65C3A6A'));
    expect(H(session.ti)).toBe('7614281A');
    expect(H(session.keys.encKey)).toBe('7A93D6571E4B180FCA6AC90C9A7488D4');
    expect(H(session.keys.macKey)).toBe('FC4AF159B62E549B5812394CAB1918CC');
  });
});

describe('AN12196 Table 23 [24]: the session keys of AuthenticateEV2NonFirst (same derivation)', () => {
  it('SV1 and both keys from RndA, RndB', () => {
    const rndA = h('60BE759EDA560250AC57CDDC11743CF6');
    const rndB = h('6924E8D09722659A2E7DEC68E66312B8');
    expect(H(sessionVectors(rndA, rndB).sv1)).toBe('A55A0001008060BE1CBA32869572659A2E7DEC68E66312B8AC57CDDC11743CF6');
    const k = deriveSessionKeys(ZERO, rndA, rndB);
    expect(H(k.encKey)).toBe('4CF3CB41A22583A61E89B158D252FC53');
    expect(H(k.macKey)).toBe('5529860B2FC5FB6154B7F28361D30BF9');
  });
});

describe('AN12196 CommMode.MAC example (GetFileSettings, Table 7 [8])', () => {
  it('MAC input, MACt, C-APDU, and the response MAC checked at CmdCtr+1', () => {
    const s = new Ev2Session(h('7A21085E'), { encKey: ZERO, macKey: h('8248134A386E86EB7FAF54A52E536CB6') });
    const c = s.macCommand(0xf5, h('02'), Buffer.alloc(0));
    expect(H(c.macInput)).toBe('F500007A21085E02');
    expect(H(truncateMac(c.mac))).toBe('6597A457C8CD442C');
    expect(H(c.apdu)).toBe('90F5000009026597A457C8CD442C00');
    const settings = '0040EEEE000100D1FE001F00004400004400002000006A0000';
    expect(H(s.acceptResponse(h(settings + '2A474282E7A47986'), 'mac').data)).toBe(settings);
    expect(s.cmdCtr).toBe(1);
  });
});

describe('AN12196 Table 18 [19]: ChangeFileSettings in CommMode.Full (session of Table 14, CmdCtr 1)', () => {
  it('IVc, padded data, encrypted data, MAC input, MACt, C-APDU, response', () => {
    const s = new Ev2Session(h('9D00C4DF'), { encKey: h('1309C877509E5A215007FF0ED19CA564'), macKey: h('4C6626F5E72EA694202139295C7A7FC7') }, 1);
    const c = s.fullCommand(0x5f, h('02'), h('4000E0C1F121200000430000430000'));
    expect(H(c.iv!)).toBe('3E27082AB2ACC1EF55C57547934E9962');
    expect(H(c.padded)).toBe('4000E0C1F12120000043000043000080');
    expect(H(c.encrypted)).toBe('61B6D97903566E84C3AE5274467E89EA');
    expect(H(c.macInput)).toBe('5F01009D00C4DF0261B6D97903566E84C3AE5274467E89EA');
    expect(H(c.macT)).toBe('D799B7C1A0EF7A04');
    expect(H(c.apdu)).toBe('905F0000190261B6D97903566E84C3AE5274467E89EAD799B7C1A0EF7A0400');
    const r = s.acceptResponse(h('57BFF87B1241E93D'), 'full');
    expect(H(r.macInput)).toBe('0002009D00C4DF');
    expect(r.data.length).toBe(0);
    expect(s.cmdCtr).toBe(2);
  });
});

describe('AN12196 Table 17 [18]: WriteData in CommMode.Full, 128 bytes (an extra padding block)', () => {
  it('IVc, ciphertext, MACt and the MAC-only response', () => {
    const s = new Ev2Session(h('9D00C4DF'), { encKey: h('1309C877509E5A215007FF0ED19CA564'), macKey: h('4C6626F5E72EA694202139295C7A7FC7') }, 0);
    const data = h(
      '0051D1014D550463686F6F73652E75726C2E636F6D2F6E7461673432343F653D' +
        '3030303030303030303030303030303030303030303030303030303030303030' +
        '26633D3030303030303030303030303030303000000000000000000000000000' +
        '0000000000000000000000000000000000000000000000000000000000000000',
    );
    const c = s.fullCommand(0x8d, h('02000000800000'), data);
    expect(H(c.iv!)).toBe('D2CB7277A17841A06654A48188C1F8F5');
    expect(c.padded.length).toBe(144);
    expect(H(c.encrypted)).toBe(
      '421C73A27D827658AF481FDFF20A5025B559D0E3AA21E58D347F343CFFC768BFE596C706BC00F2176781D4B0242642A0FF5A42C461AAF894D9A1284B8C76BCFA' +
        '658ACD40555D362E08DB15CF421B51283F9064BCBE20E96CAE545B407C9D651A3315B27373772E5DA2367D2064AE054AF996C6F1F669170FA88CE8C4E3A4A7BB' +
        'BEF0FD971FF532C3A802AF745660F2B4',
    );
    expect(H(c.macT)).toBe('D1D9A8499661EBF3');
    expect(s.acceptResponse(h('FC222E5F7A542452'), 'full').data.length).toBe(0);
  });
});

describe('AN12196 Table 21 [22]: WriteData in CommMode.Full in the session of Table 19 [20] (CmdCtr 0)', () => {
  it('C-APDU with a 7-byte header and 10 data bytes, and the MAC-only response', () => {
    const s = new Ev2Session(h('7614281A'), { encKey: h('7A93D6571E4B180FCA6AC90C9A7488D4'), macKey: h('FC4AF159B62E549B5812394CAB1918CC') });
    const c = s.fullCommand(0x8d, h('030000000A0000'), h('0102030405060708090A'));
    expect(H(c.encrypted)).toBe('6B5E6804909962FC4E3FF5522CF0F843');
    expect(H(c.macT)).toBe('6C0C53315B9C73AA');
    expect(H(c.apdu)).toBe('908D00001F030000000A00006B5E6804909962FC4E3FF5522CF0F8436C0C53315B9C73AA00');
    expect(s.acceptResponse(h('C26D236E4A7C046D'), 'full').data.length).toBe(0);
    expect(s.cmdCtr).toBe(1);
  });
});

describe('AN12196 Table 26 [27]: ChangeKey of key 0x00 while authenticated with it (CmdCtr 3)', () => {
  it('IV input, IVc, NewKey ‖ KeyVer padded, encrypted data, MAC input, CMAC, MACt, C-APDU', () => {
    const s = new Ev2Session(h('7614281A'), { encKey: h('4CF3CB41A22583A61E89B158D252FC53'), macKey: h('5529860B2FC5FB6154B7F28361D30BF9') }, 3);
    expect(H(aesEncryptBlock(s.keys.encKey, h('A55A7614281A03000000000000000000')))).toBe('01602D579423B2797BE8B478B0B4D27B');
    const c = s.fullCommand(0xc4, h('00'), Buffer.concat([h('5004BF991F408672B1EF00F08F9E8647'), h('01')]));
    expect(H(c.iv!)).toBe('01602D579423B2797BE8B478B0B4D27B');
    expect(H(c.padded)).toBe('5004BF991F408672B1EF00F08F9E864701800000000000000000000000000000');
    expect(H(c.encrypted)).toBe('C0EB4DEEFEDDF0B513A03A95A75491818580503190D4D05053FF75668A01D6FD');
    expect(H(c.macInput)).toBe('C403007614281A00C0EB4DEEFEDDF0B513A03A95A75491818580503190D4D05053FF75668A01D6FD');
    expect(H(c.mac)).toBe('B7A60161F202EC3489BD4BEDEF64BB32');
    expect(H(c.macT)).toBe('A6610234BDED6432');
    expect(H(c.apdu)).toBe('90C400002900C0EB4DEEFEDDF0B513A03A95A75491818580503190D4D05053FF75668A01D6FDA6610234BDED643200');
  });
});

describe('AN12196 Table 28 [29]: GetCardUID in CommMode.Full (the only published response carrying data)', () => {
  const session = () => new Ev2Session(h('DF055522'), { encKey: h('2B4D963C014DC36F24F69A50A394F875'), macKey: h('379D32130CE61705DD5FD8C36B95D764') });
  it('command: MAC input, CMAC, MACt, C-APDU (no header, no data)', () => {
    const c = session().fullCommand(0x51, Buffer.alloc(0), Buffer.alloc(0));
    expect(c.iv).toBeNull();
    expect(H(c.macInput)).toBe('510000DF055522');
    expect(H(c.mac)).toBe('CC8E8C2CD015945AFDDD7DA9B19BB9E3');
    expect(H(c.macT)).toBe('8E2C155ADDA99BE3');
    expect(H(c.apdu)).toBe('90510000088E2C155ADDA99BE300');
  });
  it('response: MAC input, CMAC, IVr, padded plaintext and the UID', () => {
    const s = session();
    const ct = h('70756055688505B52A5E26E59E329CD6');
    expect(H(cmac(s.keys.macKey, h('000100DF055522' + H(ct))))).toBe('F4593D5FAB671F225798C4EA894195B7');
    expect(H(s.iv('response', 1))).toBe('7F6BB0B278EA054CBD238C5D9E9E342B');
    const d = createDecipheriv('aes-128-cbc', s.keys.encKey, s.iv('response', 1)).setAutoPadding(false);
    expect(H(Buffer.concat([d.update(ct), d.final()]))).toBe('04958CAA5C5E80800000000000000000');
    const r = s.acceptResponse(h('70756055688505B52A5E26E59E329CD6595F672298EA41B7'), 'full');
    expect(H(r.macInput)).toBe('000100DF05552270756055688505B52A5E26E59E329CD6');
    expect(H(r.iv!)).toBe('7F6BB0B278EA054CBD238C5D9E9E342B');
    expect(H(r.data)).toBe('04958CAA5C5E80');
  });
  it('a flipped bit, a wrong counter or a wrong status are refused', () => {
    const bad = h('70756055688505B52A5E26E59E329CD6595F672298EA41B7');
    bad[3] = (bad[3] ?? 0) ^ 1;
    expect(() => session().acceptResponse(bad, 'full')).toThrow(/MAC/);
    const late = session();
    late.cmdCtr = 1;
    expect(() => late.acceptResponse(h('70756055688505B52A5E26E59E329CD6595F672298EA41B7'), 'full')).toThrow(/MAC/);
  });
});

describe('AN12343 Table 16: AuthenticateEV2First on DESFire (EV2 secure messaging), every step', () => {
  it('RndB, RndB\', RndA\', part 2, TI, caps and both session keys', () => {
    const rndA = h('B04D0787C93EE0CC8CACC8E86F16C6FE');
    const p = authPart2(ZERO, h('24677DDBD46349E623798FD729006E79'), rndA);
    expect(H(p.rndB)).toBe('FA659AD0DCA738DD65DC7DC38612AD81');
    expect(H(p.rndBPrime)).toBe('659AD0DCA738DD65DC7DC38612AD81FA');
    expect(H(rotateLeft1(rndA))).toBe('4D0787C93EE0CC8CACC8E86F16C6FEB0');
    expect(H(p.cryptogram)).toBe('3B50445F21D21D77D500794DEB245E5A754F5F901844259F4C9B31A5C7335ACD');
    const answer = h('04C6DBD67417ED0D31DDDE4D2E3FFAC2B4B074F638EEF7FFF9254963B65C7759');
    const a = decryptAuthAnswer(ZERO, answer);
    expect(H(Buffer.concat([a.ti, a.rndAPrime, a.pdCap2, a.pcdCap2]))).toBe('8CF141F34D0787C93EE0CC8CACC8E86F16C6FEB0000000000000000000000000');
    const { session } = finishAuth(ZERO, rndA, p.rndB, answer);
    expect(H(session.ti)).toBe('8CF141F3');
    expect(H(session.keys.encKey)).toBe('63DC07286289A7A6C0334CA31C314A04');
    expect(H(session.keys.macKey)).toBe('774F26743ECE6AF5033B6AE8522946F6');
  });
});

describe('AN12343 Table 38 (§9.1): GetKeyVersion in CommMode.MAC after AuthenticateEV2First with the zero key', () => {
  it('part 2 (RndA DERIVED from the published cryptogram), TI, session keys, MAC input, MACt, C-APDU, response', () => {
    const cryptogram = h('3D39B3634F6BB2E24567AABB9506D9933CA5FD9F069AF9E2A24807A6C49DE74C');
    const d = createDecipheriv('aes-128-cbc', ZERO, ZERO).setAutoPadding(false);
    const rndA = Buffer.concat([d.update(cryptogram), d.final()]).subarray(0, 16);
    const p = authPart2(ZERO, h('C620BC73ACC12E5F600A035C302860BB'), rndA);
    expect(H(p.cryptogram)).toBe(H(cryptogram));
    const { session: s } = finishAuth(ZERO, rndA, p.rndB, h('23F408FF4222E644F30D3B5A65FF122976178DE7A607F08A3DD04A40BD05C63F'));
    expect([H(s.ti), H(s.keys.encKey), H(s.keys.macKey)]).toEqual(['5084A1A3', 'B7321D7F9E18FAA95D31651EDFDF66A9', 'AAB799EBB2B22AC79D7F3EB0E1CFD49E']);
    const c = s.macCommand(0x64, h('00'), Buffer.alloc(0));
    expect(H(c.macInput)).toBe('6400005084A1A300');
    expect(H(truncateMac(c.mac))).toBe('7F0A6EABC174B6DF');
    expect(H(c.apdu)).toBe('9064000009007F0A6EABC174B6DF00');
    const r = s.acceptResponse(h('00DF206987E53FD8C8'), 'mac');
    expect(H(r.macInput)).toBe('0001005084A1A300');
    expect(H(r.data)).toBe('00');
  });
});

describe('AN12343 Table 23: WriteData in CommMode.MAC on DESFire', () => {
  it('command MACt and the response MACt at CmdCtr+1', () => {
    const s = new Ev2Session(h('E2D3AF69'), { encKey: ZERO, macKey: h('9366FA195EB566F5BD2BAD4020B83002') });
    expect(H(truncateMac(s.macCommand(0x8d, h('00000000190000'), Buffer.alloc(25, 0x22)).mac))).toBe('68F2C28C575A1628');
    expect(s.acceptResponse(h('0820F68898C2A7F1'), 'mac').data.length).toBe(0);
  });
});

describe('ISO/IEC 9797-1 padding method 2', () => {
  it('always adds 80, a whole block when the data is already whole blocks, and is undone exactly', () => {
    expect(H(padIso9797M2(h('01')))).toBe('01800000000000000000000000000000');
    expect(padIso9797M2(Buffer.alloc(16)).length).toBe(32);
    expect(H(unpadIso9797M2(h('04958CAA5C5E80800000000000000000'))!)).toBe('04958CAA5C5E80');
    expect(unpadIso9797M2(h('04958CAA5C5E81000000000000000000'))).toBeNull();
    expect(unpadIso9797M2(Buffer.concat([h('80'), Buffer.alloc(31)]))).toBeNull();
  });
});
