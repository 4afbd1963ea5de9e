/**
 * The virtual NTAG 424 DNA (test/helpers/ntag424-card.ts) through the real stack the door uses: pcscd + the
 * vsmartcard-vpcd driver + nfc-pcsc (libpcsclite transmit). Proves the card answers SELECT, GetKeyVersion and the
 * authentication over PC/SC (with a test PCD and with pintu's own badge-card.ts), and that a card pulled away
 * mid-authentication makes the transmit fail instead of hanging.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { VirtualNtag424 } from '../helpers/ntag424-card.js';
import { NTAG424_ATR, startPcscTestEnv, type PcscTestEnv, type VirtualCard } from '../helpers/pcsc.js';
import { SELECT_NDEF_APP, authFirstApdu, authenticate, getCardUid, statusOf } from '../helpers/ntag424-test-pcd.js';
import { enrollCard, proveBadge } from '../../src/adapters/pcsc/ntag424/badge-card.js';
import type { BadgeKeyring } from '../../src/ports/badge-keys.js';

/** The parts of nfc-pcsc's Reader used here. */
interface NfcReader {
  name: string;
  autoProcessing: boolean;
  transmit(data: Buffer, responseMaxLength: number): Promise<Buffer>;
  on(event: string, listener: (arg: never) => void): unknown;
  close(): void;
}
/** The parts of nfc-pcsc's NFC used here. */
interface Nfc {
  on(event: string, listener: (arg: never) => void): unknown;
  close(): void;
}

const UID = '04A1B2C3D4E5F6';

/** Fail after `ms` (a hang becomes a clear failure). */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

describe('virtual NTAG 424 DNA through pcscd + vpcd', () => {
  let env: PcscTestEnv;
  let nfc: Nfc | null = null;
  let reader: NfcReader | null = null;
  let cardWaiters: Array<(atr: Buffer) => void> = [];
  let cards: VirtualCard[] = [];
  let setupError: unknown = null;

  beforeAll(async () => {
    try {
      env = await startPcscTestEnv();
      const specifier = 'nfc-pcsc'; // optional dependency without type declarations
      const m = (await import(specifier)) as { NFC: new () => Nfc };
      nfc = new m.NFC();
      const found = new Promise<NfcReader>((resolve) => {
        nfc!.on('reader', (r: NfcReader) => {
          if (!r.name.includes(env.friendlyName)) return;
          r.autoProcessing = false;
          r.on('card', (card: { atr?: Buffer }) => {
            for (const w of cardWaiters.splice(0)) w(card.atr ?? Buffer.alloc(0));
          });
          r.on('error', () => undefined);
          resolve(r);
        });
        nfc!.on('error', () => undefined);
      });
      reader = await within(found, 15_000, 'the vpcd reader');
    } catch (e) {
      setupError = e; // rethrown by every test below, so that each one fails (never shows as skipped)
    }
  }, 300_000); // may wait its turn for pcscd (one per machine) while another test file uses it

  afterAll(async () => {
    reader?.close();
    nfc?.close();
    await env?.stop();
  });

  beforeEach(() => {
    if (setupError) throw setupError;
  });

  afterEach(async () => {
    for (const c of cards) await c.remove();
    cards = [];
  });

  /** Put the card on the reader and wait until nfc-pcsc has connected to it; returns the ATR it saw. */
  async function present(card: VirtualNtag424): Promise<Buffer> {
    const connected = new Promise<Buffer>((resolve) => cardWaiters.push(resolve));
    cards.push(await env.insertCard(card.vpcdOptions()));
    return within(connected, 10_000, 'nfc-pcsc connecting to the card');
  }

  const transmit = (apdu: Buffer): Promise<Buffer> => within(reader!.transmit(apdu, 256), 10_000, `APDU ${apdu.subarray(0, 2).toString('hex')}`);

  it('answers GET DATA, SELECT, GetKeyVersion and AuthenticateEV2First part 1 over PC/SC', async () => {
    const card = new VirtualNtag424({ uid: UID });
    expect((await present(card)).equals(NTAG424_ATR)).toBe(true);
    expect((await transmit(Buffer.from('FFCA000000', 'hex'))).toString('hex').toUpperCase()).toBe(`${UID}9000`);
    expect(statusOf(await transmit(SELECT_NDEF_APP))).toBe('9000');
    expect((await transmit(Buffer.from('90640000010000', 'hex'))).toString('hex').toUpperCase()).toBe('009100');
    const first = await transmit(authFirstApdu(0));
    expect(statusOf(first)).toBe('91AF');
    expect(first.length).toBe(18);
  });

  it('completes an authentication and GetCardUID with the card key; a re-presented card starts with no session', async () => {
    const key = randomBytes(16);
    const card = new VirtualNtag424({ uid: UID, keys: [key], keyVersions: [1] });
    await present(card);
    expect(statusOf(await transmit(SELECT_NDEF_APP))).toBe('9000');
    expect(await authenticate(transmit, 0, Buffer.alloc(16))).toBe('91AE');
    const s = await authenticate(transmit, 0, key);
    expect(typeof s).toBe('object');
    if (typeof s === 'string') return;
    const uid = await getCardUid(transmit, s);
    expect(Buffer.isBuffer(uid) ? uid.toString('hex').toUpperCase() : uid).toBe(UID);
    expect(card.session()).not.toBeNull();
    await cards.pop()!.remove();
    await present(card);
    expect(card.session()).toBeNull();
  });

  it("pintu's own enrolment and proof (badge-card.ts) work on the virtual card through the whole PC/SC stack", async () => {
    const master = randomBytes(16);
    const ring: BadgeKeyring = { current: 1, master: (v) => (v === 1 ? master : null), accepted: (v) => v === 1, versions: () => [1] };
    const card = new VirtualNtag424({ uid: UID });
    await present(card);
    const ch = { transmit };
    expect((await proveBadge(ch, UID, ring)).proof).toEqual({ kind: 'failed', why: 'factory-key' });
    expect(await enrollCard(ch, UID, ring)).toEqual({ uid: UID, keyVersion: 1, previousKeyVersion: 0 });
    await cards.pop()!.remove();
    await present(card);
    expect(await proveBadge(ch, UID, ring)).toEqual({ proof: { kind: 'authenticated', keyVersion: 1, keyAccepted: true }, apdus: 5 });
  });

  it('a card pulled away mid-authentication (remove-after) makes the transmit fail, not hang', async () => {
    const card = new VirtualNtag424({ uid: UID, behaviour: 'remove-after', afterApdus: 3 });
    await present(card);
    expect(statusOf(await transmit(SELECT_NDEF_APP))).toBe('9000');
    expect(statusOf(await transmit(Buffer.from('90640000010000', 'hex')))).toBe('9100');
    expect(statusOf(await transmit(authFirstApdu(0)))).toBe('91AF');
    const started = Date.now();
    await expect(transmit(Buffer.concat([Buffer.from('90AF000020', 'hex'), randomBytes(32), Buffer.from([0])]))).rejects.toThrow(/transmitting/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('a card that goes silent (silent-after) leaves the transmit pending until it is taken away, then no status word comes', async () => {
    const card = new VirtualNtag424({ uid: UID, behaviour: 'silent-after', afterApdus: 1 });
    await present(card);
    expect(statusOf(await transmit(SELECT_NDEF_APP))).toBe('9000');
    const pending = reader!.transmit(Buffer.from('90640000010000', 'hex'), 256).then(
      (b: Buffer) => `answered ${b.toString('hex')}`,
      () => 'failed',
    );
    const early = await Promise.race([pending, new Promise((r) => setTimeout(() => r('still pending'), 500))]);
    expect(early).toBe('still pending');
    await cards.pop()!.remove();
    // vpcd answers a cleanly closed card socket with an empty R-APDU and success: a reader must treat an answer
    // without a status word as a failed read (a real reader reports the card as gone instead).
    expect(await within(pending, 10_000, 'the pending transmit')).toBe('answered ');
  });
});
