/**
 * EV2 secure messaging with AES-128 (issue 15): the AuthenticateEV2First challenge–response, the session keys derived
 * from it, and CommMode.MAC / CommMode.Full commands and responses. Written from NT4H2421Gx §9.1 (NTAG 424 DNA) and
 * the worked examples of AN12196 and AN12343 (the same secure messaging on MIFARE DESFire EV2/Light).
 *
 * Pure functions of bytes, no I/O, nothing logged: every value here is key material or a card UID.
 */
import {
  BLOCK,
  ZERO_KEY,
  aesCbcDecrypt,
  aesCbcEncrypt,
  aesEncryptBlock,
  cmac,
  padIso9797M2,
  rotateLeft1,
  rotateRight1,
  sameBytes,
  truncateMac,
  unpadIso9797M2,
  xor,
} from './crypto.js';

/** A card answer that breaks the secure-messaging rules (bad MAC, bad padding, wrong length, RndA' mismatch). */
export class Ev2Error extends Error {
  /** 'auth': the card did not prove the key (RndA' mismatch); 'protocol': anything else malformed. */
  readonly kind: 'auth' | 'protocol';
  /** An error naming what was wrong (never key material). */
  constructor(kind: 'auth' | 'protocol', message: string) {
    super(message);
    this.name = 'Ev2Error';
    this.kind = kind;
  }
}

/** What the reader sends in part 2 of AuthenticateEV2First, with the values it is made of. */
export interface AuthPart2 {
  /** RndB = D(K, E(K, RndB)) with a zero IV. */
  rndB: Buffer;
  /** RndB rotated left by one byte. */
  rndBPrime: Buffer;
  /** E(K, RndA ‖ RndB') with a zero IV: the 32 data bytes of the part-2 command. */
  cryptogram: Buffer;
}

/** Part 2 of AuthenticateEV2First from the card's encrypted challenge and our fresh RndA. */
export function authPart2(key: Buffer, encRndB: Buffer, rndA: Buffer): AuthPart2 {
  if (encRndB.length !== BLOCK) throw new Ev2Error('protocol', `E(K, RndB) must be ${BLOCK} bytes (got ${encRndB.length})`);
  if (rndA.length !== BLOCK) throw new Error(`RndA must be ${BLOCK} bytes (got ${rndA.length})`);
  const rndB = aesCbcDecrypt(key, ZERO_KEY, encRndB);
  const rndBPrime = rotateLeft1(rndB);
  return { rndB, rndBPrime, cryptogram: aesCbcEncrypt(key, ZERO_KEY, Buffer.concat([rndA, rndBPrime])) };
}

/** The card's answer to part 2, decrypted: TI ‖ RndA' ‖ PDcap2 ‖ PCDcap2. */
export interface AuthAnswer {
  /** Transaction identifier (4 bytes). */
  ti: Buffer;
  /** RndA rotated left by one byte, as the card computed it. */
  rndAPrime: Buffer;
  /** The card's capabilities (6 bytes). */
  pdCap2: Buffer;
  /** The reader's capabilities echoed by the card (6 bytes). */
  pcdCap2: Buffer;
}

/** Decrypts the card's 32-byte part-2 answer (zero IV) and splits it 4/16/6/6. */
export function decryptAuthAnswer(key: Buffer, answer: Buffer): AuthAnswer {
  if (answer.length !== 2 * BLOCK) throw new Ev2Error('protocol', `authentication answer must be 32 bytes (got ${answer.length})`);
  const plain = aesCbcDecrypt(key, ZERO_KEY, answer);
  return { ti: plain.subarray(0, 4), rndAPrime: plain.subarray(4, 20), pdCap2: plain.subarray(20, 26), pcdCap2: plain.subarray(26, 32) };
}

/** The session vectors SV1 (encryption) and SV2 (MAC) of NT4H2421Gx §9.1.7. */
export interface SessionVectors {
  /** A5 5A 00 01 00 80 ‖ RndA[15..14] ‖ (RndA[13..8] ⊕ RndB[15..10]) ‖ RndB[9..0] ‖ RndA[7..0]. */
  sv1: Buffer;
  /** The same with the label 5A A5. */
  sv2: Buffer;
}

/** SV1 and SV2 from RndA and RndB (byte 15 is the leftmost byte, as the datasheet numbers them). */
export function sessionVectors(rndA: Buffer, rndB: Buffer): SessionVectors {
  const tail = Buffer.concat([
    Buffer.from([0x00, 0x01, 0x00, 0x80]),
    rndA.subarray(0, 2),
    xor(rndA.subarray(2, 8), rndB.subarray(0, 6)),
    rndB.subarray(6, 16),
    rndA.subarray(8, 16),
  ]);
  return { sv1: Buffer.concat([Buffer.from([0xa5, 0x5a]), tail]), sv2: Buffer.concat([Buffer.from([0x5a, 0xa5]), tail]) };
}

/** The two AES session keys: SesAuthENCKey = CMAC(K, SV1), SesAuthMACKey = CMAC(K, SV2). */
export interface SessionKeys {
  /** Key for the encrypted part of CommMode.Full and for the IVs. */
  encKey: Buffer;
  /** Key for the MACs. */
  macKey: Buffer;
}

/** SesAuthENCKey and SesAuthMACKey of a finished AuthenticateEV2First. */
export function deriveSessionKeys(key: Buffer, rndA: Buffer, rndB: Buffer): SessionKeys {
  const { sv1, sv2 } = sessionVectors(rndA, rndB);
  return { encKey: cmac(key, sv1), macKey: cmac(key, sv2) };
}

/** Everything a CommMode.Full command is made of (the notes print each value). */
export interface FullCommand {
  /** IVc = E(SesAuthENCKey, A5 5A ‖ TI ‖ CmdCtr ‖ 0⁸); absent when the command has no data to encrypt. */
  iv: Buffer | null;
  /** The command data with ISO 9797-1 M2 padding. */
  padded: Buffer;
  /** E(SesAuthENCKey, IVc, padded). */
  encrypted: Buffer;
  /** Cmd ‖ CmdCtr ‖ TI ‖ CmdHeader ‖ encrypted. */
  macInput: Buffer;
  /** The full CMAC over macInput. */
  mac: Buffer;
  /** Its 8 even-numbered bytes. */
  macT: Buffer;
  /** 90 Cmd 00 00 Lc CmdHeader ‖ encrypted ‖ MACt 00. */
  apdu: Buffer;
}

/** The outcome of checking a card's MACed (and maybe encrypted) answer. */
export interface CheckedResponse {
  /** The response data: plain (CommMode.MAC), or decrypted and unpadded (CommMode.Full). */
  data: Buffer;
  /** Status ‖ CmdCtr+1 ‖ TI ‖ response data as received: what the MAC covers. */
  macInput: Buffer;
  /** IVr = E(SesAuthENCKey, 5A A5 ‖ TI ‖ CmdCtr+1 ‖ 0⁸) (CommMode.Full with data only). */
  iv: Buffer | null;
}

/** A native command wrapped in ISO 7816-4: 90 INS 00 00 [Lc data] 00. */
export function wrapNative(ins: number, data: Buffer): Buffer {
  if (data.length > 255) throw new Error(`command data too long (${data.length} bytes)`);
  const head = Buffer.from([0x90, ins, 0x00, 0x00]);
  return data.length === 0 ? Buffer.concat([head, Buffer.from([0x00])]) : Buffer.concat([head, Buffer.from([data.length]), data, Buffer.from([0x00])]);
}

/**
 * An authenticated EV2 session: TI, session keys and the command counter. The counter goes up by one for each
 * command–response pair; it is kept here and advanced by {@link Ev2Session.acceptResponse}.
 */
export class Ev2Session {
  /** Transaction identifier from the authentication. */
  readonly ti: Buffer;
  /** Session keys (never logged). */
  readonly keys: SessionKeys;
  /** CmdCtr: 0 after AuthenticateEV2First. */
  cmdCtr: number;

  /** A session as AuthenticateEV2First leaves it (or, in tests, as a note's example starts it). */
  constructor(ti: Buffer, keys: SessionKeys, cmdCtr = 0) {
    if (ti.length !== 4) throw new Error(`TI must be 4 bytes (got ${ti.length})`);
    this.ti = ti;
    this.keys = keys;
    this.cmdCtr = cmdCtr;
  }

  /** The counter as it goes on the wire: 2 bytes, least significant first. */
  private ctrBytes(ctr: number): Buffer {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(ctr & 0xffff);
    return b;
  }

  /** IV for command data (label A5 5A) or response data (label 5A A5) at counter `ctr`. */
  iv(direction: 'command' | 'response', ctr: number): Buffer {
    const label = direction === 'command' ? [0xa5, 0x5a] : [0x5a, 0xa5];
    const input = Buffer.concat([Buffer.from(label), this.ti, this.ctrBytes(ctr), Buffer.alloc(8)]);
    return aesEncryptBlock(this.keys.encKey, input);
  }

  /** CommMode.MAC command: 90 Cmd 00 00 Lc header ‖ data ‖ MACt 00 (MAC over Cmd ‖ CmdCtr ‖ TI ‖ header ‖ data). */
  macCommand(cmd: number, header: Buffer, data: Buffer): { macInput: Buffer; mac: Buffer; apdu: Buffer } {
    const macInput = Buffer.concat([Buffer.from([cmd]), this.ctrBytes(this.cmdCtr), this.ti, header, data]);
    const mac = cmac(this.keys.macKey, macInput);
    return { macInput, mac, apdu: wrapNative(cmd, Buffer.concat([header, data, truncateMac(mac)])) };
  }

  /** CommMode.Full command: the data is padded and encrypted, then MACed with the header as in CommMode.MAC. */
  fullCommand(cmd: number, header: Buffer, data: Buffer): FullCommand {
    const iv = data.length > 0 ? this.iv('command', this.cmdCtr) : null;
    const padded = data.length > 0 ? padIso9797M2(data) : Buffer.alloc(0);
    const encrypted = iv ? aesCbcEncrypt(this.keys.encKey, iv, padded) : Buffer.alloc(0);
    const { macInput, mac, apdu } = this.macCommand(cmd, header, encrypted);
    return { iv, padded, encrypted, macInput, mac, macT: truncateMac(mac), apdu };
  }

  /**
   * Checks the card's answer to the command just sent at the current counter, then advances the counter.
   * `body` is the R-APDU without SW1 SW2 (status 91 00 already checked by the caller): response data ‖ MACt.
   * Throws {@link Ev2Error} on a bad MAC, a bad length or bad padding.
   */
  acceptResponse(body: Buffer, mode: 'mac' | 'full'): CheckedResponse {
    if (body.length < 8) throw new Ev2Error('protocol', `response too short for its MAC (${body.length} bytes)`);
    const next = (this.cmdCtr + 1) & 0xffff;
    const data = body.subarray(0, body.length - 8);
    const macT = body.subarray(body.length - 8);
    const macInput = Buffer.concat([Buffer.from([0x00]), this.ctrBytes(next), this.ti, data]);
    if (!sameBytes(truncateMac(cmac(this.keys.macKey, macInput)), macT)) throw new Ev2Error('protocol', 'response MAC does not match');
    this.cmdCtr = next;
    if (mode === 'mac' || data.length === 0) return { data, macInput, iv: null };
    if (data.length % BLOCK !== 0) throw new Ev2Error('protocol', `encrypted response is not whole blocks (${data.length} bytes)`);
    const iv = this.iv('response', next);
    const plain = unpadIso9797M2(aesCbcDecrypt(this.keys.encKey, iv, data));
    if (!plain) throw new Ev2Error('protocol', 'encrypted response has bad padding');
    return { data: plain, macInput, iv };
  }
}

/** Finishes AuthenticateEV2First: checks RndA' against our RndA and derives the session (CmdCtr 0). */
export function finishAuth(key: Buffer, rndA: Buffer, rndB: Buffer, answer: Buffer): { session: Ev2Session; answer: AuthAnswer } {
  const a = decryptAuthAnswer(key, answer);
  if (!sameBytes(rotateRight1(a.rndAPrime), rndA)) throw new Ev2Error('auth', "the card's RndA' does not match our RndA");
  return { session: new Ev2Session(Buffer.from(a.ti), deriveSessionKeys(key, rndA, rndB)), answer: a };
}
