/**
 * A virtual NTAG 424 DNA (NXP NT4H2421Gx) for tests through pcscd + vsmartcard-vpcd: the card side of ISOSelectFile,
 * GetKeyVersion, AuthenticateEV2First, GetCardUID and ChangeKey with EV2 secure messaging, written from the datasheet
 * and AN12196 (own crypto in ntag424-card-crypto.ts; nothing shared with the reader side in src/adapters/pcsc/ntag424).
 * It also answers GET DATA UID (FF CA 00 00 00) as the reader's firmware would.
 *
 * Plug it in with `env.insertCard(card.vpcdOptions())` (uid, atr, respond, onPowerUp). The card keeps its keys
 * across insertions (enrol, pull out, tap again). Hostile behaviours (a copied UID, a wrong key, a card going silent or
 * pulled away mid-authentication, GetCardUID naming another UID) are chosen with {@link Ntag424CardOptions.behaviour}.
 */
import { randomBytes } from 'node:crypto';
import {
  BLOCK, cbcDecrypt, cbcEncrypt, changeKeyCrc, cmac, counterBytes, macT, messageIv, padM2, rotateLeft, sv1, sv2, unpadM2, xor,
} from './ntag424-card-crypto.js';
import { MIFARE_ATR, NTAG424_ATR, type VirtualCardOptions } from './pcsc.js';

/** The NDEF application's DF name (ISO/IEC 7816-4 AID) that NTAG 424 DNA answers ISOSelectFile to. */
export const NDEF_DF_NAME = Buffer.from('D2760000850101', 'hex');
/** Number of application keys (key 0 is the application master key). */
export const KEY_COUNT = 5;

/** How the virtual card behaves (see the module comment; the hostile ones are what a door must refuse). */
export type Ntag424Behaviour =
  /** A real NTAG 424 DNA with the keys given (factory: all zero, version 0). */
  | 'genuine'
  /** A magic card with a copied UID only: answers GET DATA UID, SELECT of the NTAG application → 6A 82, all else 6A 81; MIFARE ATR. */
  | 'uid-copy-no-app'
  /** An NTAG-like card with the copied UID and key versions but other keys (random unless `keys` given): authentication → 91 AE. */
  | 'uid-copy-wrong-key'
  /** A genuine card whose GetCardUID (correctly encrypted and MACed) names `reportedUid` instead of the anticollision UID. */
  | 'reported-uid'
  /** Answers the first `afterApdus` APDUs, then never answers again (its socket stays open). */
  | 'silent-after'
  /** Answers the first `afterApdus` APDUs, then is pulled out of the field (its socket is closed) on the next one. */
  | 'remove-after';

/** Options of {@link VirtualNtag424}. */
export interface Ntag424CardOptions {
  /** The 7-byte UID (hex or bytes) the card shows at anticollision (GET DATA). */
  uid: string | Buffer;
  /** Keys 0…4 (missing entries: the factory all-zero key). */
  keys?: ReadonlyArray<Buffer | undefined>;
  /** Key versions 0…4 (missing entries: 0x00, the factory version). */
  keyVersions?: ReadonlyArray<number | undefined>;
  /** Behaviour (default 'genuine'). */
  behaviour?: Ntag424Behaviour;
  /** 'silent-after' / 'remove-after': how many APDUs (every one counts, GET DATA included) are answered first. Default 4 (GET DATA, SELECT, GetKeyVersion, auth part 1: the card goes away at auth part 2). */
  afterApdus?: number;
  /** 'reported-uid': the UID GetCardUID answers (default: the real UID with its last byte inverted). */
  reportedUid?: string | Buffer;
  /** Random source for RndB and TI (default crypto.randomBytes); tests inject NXP's values to replay AN12196. */
  random?: (bytes: number) => Buffer;
}

/** An EV2 secure-messaging session as the card holds it after AuthenticateEV2First. */
export interface Ntag424CardSession {
  /** The key number the session was opened with. */
  keyNo: number;
  /** SesAuthENCKey. */
  encKey: Buffer;
  /** SesAuthMACKey. */
  macKey: Buffer;
  /** Transaction identifier (4 bytes, chosen by the card). */
  ti: Buffer;
  /** Command counter (commands completed in this session). */
  cmdCtr: number;
}

/** What {@link VirtualNtag424.respond} answers: an R-APDU, or 'silent' (no answer) / 'remove' (leave the field). */
export type CardAnswer = Buffer | 'silent' | 'remove';

const sw = (hex: string): Buffer => Buffer.from(hex, 'hex');
const OK_9000 = sw('9000');
const OK = sw('9100');
const ADDITIONAL_FRAME = sw('91AF');
const ILLEGAL_COMMAND = sw('911C');
const INTEGRITY_ERROR = sw('911E');
const NO_SUCH_KEY = sw('9140');
const LENGTH_ERROR = sw('917E');
const PERMISSION_DENIED = sw('919D');
const AUTHENTICATION_ERROR = sw('91AE');
const FILE_NOT_FOUND = sw('6A82');
const FUNCTION_NOT_SUPPORTED = sw('6A81');
const WRONG_P1P2 = sw('6A86');
const WRONG_LENGTH = sw('6700');
const INS_NOT_SUPPORTED = sw('6D00');
const CLA_NOT_SUPPORTED = sw('6E00');
const GET_DATA_UID = Buffer.from('FFCA000000', 'hex');
/** GetVersion hardware frame of an NTAG 424 DNA: vendor NXP, type 04, subtype 02, v30.00, 416 bytes (11), ISO 14443-4 (05). */
const HARDWARE_VERSION = Buffer.from('04040230001105', 'hex');
/** GetVersion software frame as read from an NTAG 424 DNA. */
const SOFTWARE_VERSION = Buffer.from('04040201021105', 'hex');
/** GetVersion production data after the UID: batch number (4 bytes, 4 bits + fab key), calendar week 22, year 2024 (BCD). */
const PRODUCTION_BATCH = Buffer.from('BA7C3E01002224', 'hex');

/** Parse a buffer-or-hex option. */
function bytes(v: string | Buffer): Buffer {
  return Buffer.isBuffer(v) ? Buffer.from(v) : Buffer.from(v, 'hex');
}

/** A virtual NTAG 424 DNA: card state (UID, 5 keys with versions, selection, authentication) and its APDU handler. */
export class VirtualNtag424 {
  /** The anticollision UID (7 bytes). */
  readonly uid: Buffer;
  /** The ATR pcscd reports for this card (NTAG 424 as an ISO 14443-4 card; MIFARE for 'uid-copy-no-app'). */
  readonly atr: Buffer;
  /** The behaviour chosen at creation. */
  readonly behaviour: Ntag424Behaviour;
  /** Every C-APDU received, in order. */
  readonly received: Buffer[] = [];
  private readonly keys: Buffer[];
  private readonly versions: number[];
  private readonly random: (n: number) => Buffer;
  private readonly afterApdus: number;
  private readonly reportedUid: Buffer;
  private selected = false;
  private pendingAuth: { keyNo: number; rndB: Buffer } | null = null;
  /** The next GetVersion frame to send after 90 AF (0: no GetVersion under way). */
  private versionFrame = 0;
  private current: Ntag424CardSession | null = null;
  private gone: 'silent' | 'remove' | null = null;

  /** Create the card; the factory state unless keys/versions are given. */
  constructor(options: Ntag424CardOptions) {
    this.uid = bytes(options.uid);
    if (this.uid.length !== 7) throw new Error(`an NTAG 424 DNA UID has 7 bytes, not ${this.uid.length}`);
    this.behaviour = options.behaviour ?? 'genuine';
    this.random = options.random ?? randomBytes;
    this.afterApdus = options.afterApdus ?? 4;
    this.keys = [];
    this.versions = [];
    for (let i = 0; i < KEY_COUNT; i++) {
      const given = options.keys?.[i];
      if (given !== undefined && given.length !== BLOCK) throw new Error(`key ${i} must have 16 bytes`);
      const wrong = this.behaviour === 'uid-copy-wrong-key' && given === undefined;
      this.keys.push(wrong ? randomBytes(BLOCK) : Buffer.from(given ?? Buffer.alloc(BLOCK)));
      this.versions.push((options.keyVersions?.[i] ?? 0) & 0xff);
    }
    const reported = Buffer.from(this.uid);
    reported[6] = reported[6]! ^ 0xff;
    this.reportedUid = options.reportedUid !== undefined ? bytes(options.reportedUid) : reported;
    this.atr = this.behaviour === 'uid-copy-no-app' ? MIFARE_ATR : NTAG424_ATR;
  }

  /** The UID in upper-case hex (for insertCard). */
  get uidHex(): string {
    return this.uid.toString('hex').toUpperCase();
  }

  /** The card's key `keyNo` now (a copy). */
  key(keyNo: number): Buffer {
    return Buffer.from(this.keys[keyNo]!);
  }

  /** The card's key version of key `keyNo` now. */
  keyVersion(keyNo: number): number {
    return this.versions[keyNo]!;
  }

  /** The open secure-messaging session (a copy), or null when not authenticated. */
  session(): Ntag424CardSession | null {
    return this.current ? { ...this.current } : null;
  }

  /** Start as if AuthenticateEV2First had just given this session (to replay an AN12196 table that starts mid-session). */
  resumeSession(s: Ntag424CardSession): void {
    this.selected = true;
    this.pendingAuth = null;
    this.current = { ...s, encKey: Buffer.from(s.encKey), macKey: Buffer.from(s.macKey), ti: Buffer.from(s.ti) };
  }

  /** A new tap: the card re-enters the field (no selection, no authentication). Bound, for insertCard's onPowerUp. */
  readonly powerUp = (): void => {
    this.selected = false;
    this.pendingAuth = null;
    this.versionFrame = 0;
    this.current = null;
  };

  /** What to pass to `PcscTestEnv.insertCard` to put this card on the virtual reader. */
  vpcdOptions(): VirtualCardOptions {
    return { uid: this.uidHex, atr: this.atr, respond: this.respond, onPowerUp: this.powerUp };
  }

  /** Answer one C-APDU (bound: pass `card.respond` to insertCard). */
  readonly respond = (apdu: Buffer): CardAnswer => {
    this.received.push(Buffer.from(apdu));
    if (this.gone) return this.gone;
    if ((this.behaviour === 'silent-after' || this.behaviour === 'remove-after') && this.received.length > this.afterApdus) {
      this.gone = this.behaviour === 'silent-after' ? 'silent' : 'remove';
      return this.gone;
    }
    if (apdu.equals(GET_DATA_UID)) return Buffer.concat([this.uid, OK_9000]);
    if (this.behaviour === 'uid-copy-no-app') return apdu[0] === 0x00 && apdu[1] === 0xa4 ? FILE_NOT_FOUND : FUNCTION_NOT_SUPPORTED;
    if (apdu.length < 4) return WRONG_LENGTH;
    if (apdu[0] === 0x00) return apdu[1] === 0xa4 ? this.select(apdu) : INS_NOT_SUPPORTED;
    if (apdu[0] !== 0x90) return CLA_NOT_SUPPORTED;
    return this.native(apdu);
  };

  /** ISOSelectFile: by DF name only (P1 04); selecting drops any authentication. */
  private select(apdu: Buffer): Buffer {
    if (apdu[2] !== 0x04) return FILE_NOT_FOUND;
    const lc = apdu[4] ?? 0;
    const name = apdu.subarray(5, 5 + lc);
    if (name.length !== lc || apdu.length > 5 + lc + 1) return WRONG_LENGTH;
    this.pendingAuth = null;
    this.versionFrame = 0;
    this.current = null;
    this.selected = name.equals(NDEF_DF_NAME);
    return this.selected ? OK_9000 : FILE_NOT_FOUND;
  }

  /** A native command wrapped in ISO 7816-4 (90 INS 00 00 [Lc data] 00). */
  private native(apdu: Buffer): Buffer {
    const ins = apdu[1]!;
    if (apdu[2] !== 0x00 || apdu[3] !== 0x00) return WRONG_P1P2;
    let data: Buffer;
    if (apdu.length <= 5) data = Buffer.alloc(0);
    else {
      const lc = apdu[4]!;
      if (apdu.length !== 5 + lc + 1 && apdu.length !== 5 + lc) return WRONG_LENGTH;
      data = apdu.subarray(5, 5 + lc);
    }
    if (ins !== 0xaf) {
      this.pendingAuth = null; // another command aborts a multi-frame command
      this.versionFrame = 0;
    }
    if (ins === 0x60 || (ins === 0xaf && this.versionFrame > 0)) return this.getVersion(data);
    if (!this.selected) return PERMISSION_DENIED; // strict: the NDEF application must be selected first (AN12196 always does)
    switch (ins) {
      case 0x71: return this.authFirst(data);
      case 0xaf: return this.authSecond(data);
      case 0x64: return this.getKeyVersion(data);
      case 0x51: return this.getCardUid(data);
      case 0xc4: return this.changeKey(data);
      default: return ILLEGAL_COMMAND;
    }
  }

  /**
   * GetVersion, three frames (hardware, software, production: UID ‖ batch ‖ week ‖ year), plain and only outside an
   * authentication (its CommMode.MAC form is not modelled: 91 1C); works without selecting the application.
   */
  private getVersion(data: Buffer): Buffer {
    if (this.current || data.length !== 0) {
      this.versionFrame = 0;
      return this.current ? ILLEGAL_COMMAND : LENGTH_ERROR;
    }
    const frame = this.versionFrame;
    this.versionFrame = frame === 2 ? 0 : frame + 1;
    if (frame === 0) return Buffer.concat([HARDWARE_VERSION, ADDITIONAL_FRAME]);
    if (frame === 1) return Buffer.concat([SOFTWARE_VERSION, ADDITIONAL_FRAME]);
    return Buffer.concat([this.uid, PRODUCTION_BATCH, OK]);
  }

  /** An error that ends the session (datasheet: the authentication state is lost). */
  private fail(status: Buffer): Buffer {
    this.current = null;
    this.pendingAuth = null;
    return status;
  }

  /** AuthenticateEV2First part 1: KeyNo ‖ LenCap ‖ PCDcap2 → E(K, RndB) 91 AF. */
  private authFirst(data: Buffer): Buffer {
    this.current = null; // starting an authentication ends the current one
    if (data.length < 2 || data.length !== 2 + data[1]!) return this.fail(LENGTH_ERROR);
    const keyNo = data[0]!;
    if (keyNo >= KEY_COUNT) return this.fail(NO_SUCH_KEY);
    const rndB = Buffer.from(this.random(BLOCK));
    this.pendingAuth = { keyNo, rndB };
    return Buffer.concat([cbcEncrypt(this.keys[keyNo]!, Buffer.alloc(BLOCK), rndB), ADDITIONAL_FRAME]);
  }

  /** AuthenticateEV2First part 2: E(K, RndA ‖ RndB') → E(K, TI ‖ RndA' ‖ PDcap2 ‖ PCDcap2) 91 00, session keys from SV1/SV2. */
  private authSecond(data: Buffer): Buffer {
    const pending = this.pendingAuth;
    this.pendingAuth = null;
    if (!pending) return this.fail(ILLEGAL_COMMAND);
    if (data.length !== 2 * BLOCK) return this.fail(LENGTH_ERROR);
    const key = this.keys[pending.keyNo]!;
    const plain = cbcDecrypt(key, Buffer.alloc(BLOCK), data);
    const rndA = plain.subarray(0, BLOCK);
    if (!plain.subarray(BLOCK).equals(rotateLeft(pending.rndB))) return this.fail(AUTHENTICATION_ERROR);
    const ti = Buffer.from(this.random(4));
    this.current = { keyNo: pending.keyNo, encKey: cmac(key, sv1(rndA, pending.rndB)), macKey: cmac(key, sv2(rndA, pending.rndB)), ti, cmdCtr: 0 };
    const answer = Buffer.concat([ti, rotateLeft(rndA), Buffer.alloc(6), Buffer.alloc(6)]);
    return Buffer.concat([cbcEncrypt(key, Buffer.alloc(BLOCK), answer), OK]);
  }

  /** Check a command MAC (Cmd ‖ CmdCtr ‖ TI ‖ header ‖ data); on success the counter advances. */
  private commandMacOk(s: Ntag424CardSession, ins: number, body: Buffer, mac: Buffer): boolean {
    const expected = macT(s.macKey, Buffer.concat([Buffer.from([ins]), counterBytes(s.cmdCtr), s.ti, body]));
    if (!expected.equals(mac)) return false;
    s.cmdCtr = (s.cmdCtr + 1) & 0xffff;
    return true;
  }

  /** Response MAC: MACt(RC ‖ CmdCtr ‖ TI ‖ data) with the counter already advanced, then 91 00. */
  private macResponse(s: Ntag424CardSession, data: Buffer): Buffer {
    const mac = macT(s.macKey, Buffer.concat([Buffer.from([0x00]), counterBytes(s.cmdCtr), s.ti, data]));
    return Buffer.concat([data, mac, OK]);
  }

  /** GetKeyVersion: plain when not authenticated, CommMode.MAC when authenticated. */
  private getKeyVersion(data: Buffer): Buffer {
    const s = this.current;
    if (!s) {
      if (data.length !== 1) return LENGTH_ERROR;
      if (data[0]! >= KEY_COUNT) return NO_SUCH_KEY;
      return Buffer.concat([Buffer.from([this.versions[data[0]!]!]), OK]);
    }
    if (data.length !== 1 + 8) return this.fail(LENGTH_ERROR);
    if (!this.commandMacOk(s, 0x64, data.subarray(0, 1), data.subarray(1))) return this.fail(INTEGRITY_ERROR);
    if (data[0]! >= KEY_COUNT) return this.fail(NO_SUCH_KEY);
    return this.macResponse(s, Buffer.from([this.versions[data[0]!]!]));
  }

  /** GetCardUID, CommMode.Full: E(SesAuthENCKey, IVr, UID ‖ padding) ‖ MACt, needs an authentication. */
  private getCardUid(data: Buffer): Buffer {
    const s = this.current;
    if (!s) return this.fail(AUTHENTICATION_ERROR);
    if (data.length !== 8) return this.fail(LENGTH_ERROR);
    if (!this.commandMacOk(s, 0x51, Buffer.alloc(0), data)) return this.fail(INTEGRITY_ERROR);
    const uid = this.behaviour === 'reported-uid' ? this.reportedUid : this.uid;
    const enc = cbcEncrypt(s.encKey, messageIv(s.encKey, 'response', s.ti, s.cmdCtr), padM2(uid));
    return this.macResponse(s, enc);
  }

  /**
   * ChangeKey, CommMode.Full, only under key 0. The authenticated key: NewKey ‖ KeyVer (answer 91 00 without MAC,
   * session ends). Another key: (NewKey XOR OldKey) ‖ KeyVer ‖ CRC32(NewKey) (answer MACt ‖ 91 00).
   */
  private changeKey(data: Buffer): Buffer {
    const s = this.current;
    if (!s) return this.fail(AUTHENTICATION_ERROR);
    if (data.length !== 1 + 2 * BLOCK + 8) return this.fail(LENGTH_ERROR);
    const keyNo = data[0]!;
    const enc = data.subarray(1, 1 + 2 * BLOCK);
    const ctrBefore = s.cmdCtr;
    if (!this.commandMacOk(s, 0xc4, data.subarray(0, 1 + 2 * BLOCK), data.subarray(1 + 2 * BLOCK))) return this.fail(INTEGRITY_ERROR);
    if (s.keyNo !== 0) return this.fail(PERMISSION_DENIED);
    if (keyNo >= KEY_COUNT) return this.fail(NO_SUCH_KEY);
    const plain = unpadM2(cbcDecrypt(s.encKey, messageIv(s.encKey, 'command', s.ti, ctrBefore), enc));
    if (keyNo === s.keyNo) {
      if (!plain || plain.length !== BLOCK + 1) return this.fail(INTEGRITY_ERROR);
      this.keys[keyNo] = Buffer.from(plain.subarray(0, BLOCK));
      this.versions[keyNo] = plain[BLOCK]!;
      this.current = null; // changing the authenticated key ends the session
      return OK;
    }
    if (!plain || plain.length !== BLOCK + 1 + 4) return this.fail(INTEGRITY_ERROR);
    const newKey = xor(plain.subarray(0, BLOCK), this.keys[keyNo]!);
    if (!changeKeyCrc(newKey).equals(plain.subarray(BLOCK + 1))) return this.fail(INTEGRITY_ERROR);
    this.keys[keyNo] = newKey;
    this.versions[keyNo] = plain[BLOCK]!;
    return this.macResponse(s, Buffer.alloc(0));
  }
}
