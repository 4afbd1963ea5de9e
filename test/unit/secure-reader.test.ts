/**
 * The secure PC/SC reader and the desk's badge writer (issue 15) over a fake nfc-pcsc whose card is the virtual NTAG 424
 * DNA (test/helpers/ntag424-card.ts, the card side written apart from the reader's crypto): every card is proved before it
 * is a tap; a card that goes silent or away mid-authentication gives no tap, and the next card works; the desk reader
 * hands the next card to enrolment instead of delivering it. (The same through pcscd + vpcd: secure-badge.test.ts.)
 */
import { afterEach, describe, expect, it } from 'vitest';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PcscCardReader } from '../../src/adapters/pcsc/pcsc-reader.js';
import { PcscBadgeWriter } from '../../src/adapters/pcsc/badge-writer.js';
import { silentLogger } from '../../src/adapters/log/pino.js';
import type { ReaderConfig } from '../../src/config/schema.js';
import type { RawTap } from '../../src/ports/hardware.js';
import type { BadgeKeyring, BadgeKeySource } from '../../src/ports/badge-keys.js';
import { VirtualNtag424, type Ntag424CardOptions } from '../helpers/ntag424-card.js';

/** A keyring of fixed master keys: version → [key, accepted]. */
function keyring(current: number, versions: Record<number, [string, boolean]>): BadgeKeyring {
  return {
    current,
    master: (v) => (versions[v] ? Buffer.from(versions[v]![0], 'hex') : null),
    accepted: (v) => versions[v]?.[1] ?? false,
    versions: () => Object.keys(versions).map(Number).sort((a, b) => a - b),
  };
}
const V1 = '00112233445566778899AABBCCDDEEFF';
const V2 = 'F0E1D2C3B4A5968778695A4B3C2D1E0F';
const UID = '04DE5F1EACC040';

/** A fake nfc-pcsc reader whose card is a virtual NTAG 424 (inserted/removed by the test). */
class FakeReader extends EventEmitter {
  name = 'Fake Reader 00 00';
  autoProcessing = true;
  card: VirtualNtag424 | null = null;
  emptyWhenRemoved = false;
  async transmit(apdu: Buffer): Promise<Buffer> {
    const card = this.card;
    if (!card) throw new Error('Card was removed');
    const a = card.respond(apdu);
    if (a === 'silent') return new Promise<Buffer>(() => undefined);
    if (a === 'remove') {
      this.card = null;
      // vpcd answers an empty buffer for a card that left mid-command; a real reader's transmit fails.
      if (this.emptyWhenRemoved) return Buffer.alloc(0);
      throw Object.assign(new Error('An error occurred while transmitting.'), { previous: new Error('Card was removed') });
    }
    return a;
  }
  close(): void {}
  /** Present a card: nfc-pcsc's 'card' event. */
  insert(card: VirtualNtag424): void {
    this.card = card;
    card.powerUp();
    this.emit('card', { atr: card.atr });
  }
}

let fakeReader: FakeReader;
class FakeNfc extends EventEmitter {
  constructor() {
    super();
    fakeReader = new FakeReader();
    setImmediate(() => this.emit('reader', fakeReader));
  }
  close(): void {}
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function waitUntil(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A started PC/SC reader (secure unless `secure: false`) over the fake nfc-pcsc, with a fake pcscd socket. */
async function reader(keys: { ring: BadgeKeyring }, opts: { secure?: boolean; direction?: 'in' | 'desk' } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'pintu-secure-reader-'));
  const socketPath = join(dir, 'pcscd.comm');
  const server: Server = createServer((c) => c.destroy());
  await new Promise<void>((res) => server.listen(socketPath, () => res()));
  cleanups.push(async () => { await new Promise<void>((res) => server.close(() => res())); rmSync(dir, { recursive: true, force: true }); });
  const cfg: ReaderConfig = { id: 'in', direction: opts.direction ?? 'in', kind: 'pcsc', baudRate: 9600, protocol: 'em4100-ascii', secure: opts.secure === false ? false : 'ntag424' };
  const source: BadgeKeySource = { keyring: () => keys.ring };
  const r = new PcscCardReader(cfg, silentLogger(), { socketPath, reconnectMs: 60_000, loadModule: async () => ({ NFC: FakeNfc }), keys: source, cardTimeoutMs: 200 });
  const taps: RawTap[] = [];
  const errors: string[] = [];
  await r.start((t) => taps.push(t), (e) => errors.push(e.message));
  cleanups.push(() => r.stop());
  return { r, taps, errors, source };
}

/** Enrol a factory card through the writer on a desk reader; returns the card, keyed. */
async function enrolled(keys: { ring: BadgeKeyring }, options: Partial<Ntag424CardOptions> = {}): Promise<VirtualNtag424> {
  const desk = await reader(keys, { secure: false, direction: 'desk' });
  const writer = new PcscBadgeWriter(desk.r, desk.source);
  const card = new VirtualNtag424({ uid: UID, ...options });
  const done = writer.enroll({ timeoutMs: 2000, accept: () => ({ enrolled: false }) });
  fakeReader.insert(card);
  const r = await done;
  expect(r).toEqual({ uid: UID, keyVersion: keys.ring.current, previousKeyVersion: options.keyVersions?.[0] ?? 0 });
  expect(desk.taps).toEqual([]); // the enrolled card was no tap
  await writer.close();
  return card;
}

describe('a secure PC/SC reader (secure: ntag424)', () => {
  it('proves an enrolled card and delivers the tap with its proof and timing', async () => {
    const keys = { ring: keyring(1, { 1: [V1, true] }) };
    const card = await enrolled(keys);
    const door = await reader(keys);
    fakeReader.insert(card);
    await waitUntil(() => door.taps.length === 1, 'the tap');
    const t = door.taps[0]!;
    expect(t).toMatchObject({ readerId: 'in', uid: UID, tech: 'iso14443', proof: { kind: 'authenticated', keyVersion: 1, keyAccepted: true } });
    expect(t.proofTiming!.apdus).toBe(6); // GET DATA, SELECT, GetKeyVersion, auth 1, auth 2, GetCardUID
    expect(t.proofTiming!.totalMs).toBeGreaterThanOrEqual(t.proofTiming!.transportMs);
  });

  it('delivers a failed proof for a copy of the UID (no app, wrong key) and a factory card', async () => {
    const keys = { ring: keyring(1, { 1: [V1, true] }) };
    const door = await reader(keys);
    const cases: [Ntag424CardOptions, string][] = [
      [{ uid: UID, behaviour: 'uid-copy-no-app' }, 'not-secure-card'],
      [{ uid: UID, behaviour: 'uid-copy-wrong-key', keyVersions: [1] }, 'wrong-key'],
      [{ uid: UID }, 'factory-key'],
      [{ uid: UID, keyVersions: [9] }, 'unknown-key-version'],
    ];
    for (const [i, [options, why]] of cases.entries()) {
      fakeReader.insert(new VirtualNtag424(options));
      await waitUntil(() => door.taps.length === i + 1, why);
      expect(door.taps.at(-1)!.proof).toEqual({ kind: 'failed', why });
    }
  });

  it('says a card holding a retired key version authenticated but is not accepted', async () => {
    const keys = { ring: keyring(1, { 1: [V1, true] }) };
    const card = await enrolled(keys);
    keys.ring = keyring(2, { 1: [V1, false], 2: [V2, true] });
    const door = await reader(keys);
    fakeReader.insert(card);
    await waitUntil(() => door.taps.length === 1, 'the tap');
    expect(door.taps[0]!.proof).toEqual({ kind: 'authenticated', keyVersion: 1, keyAccepted: false });
  });

  it('a card pulled away or silent mid-authentication gives no tap and "present the card again"; the next card works', async () => {
    const keys = { ring: keyring(1, { 1: [V1, true] }) };
    const card = await enrolled(keys);
    const door = await reader(keys);
    const same = { uid: UID, keys: [card.key(0)], keyVersions: [1] };
    for (const [behaviour, empty] of [['remove-after', false], ['remove-after', true], ['silent-after', false]] as const) {
      const before = door.errors.length;
      const started = Date.now();
      fakeReader.emptyWhenRemoved = empty;
      fakeReader.insert(new VirtualNtag424({ ...same, behaviour, afterApdus: 4 }));
      await waitUntil(() => door.errors.length > before, `${behaviour}: the error`);
      expect(door.errors.at(-1)).toMatch(/^reader "in": the card was not checked \(.*\); present the card again$/);
      expect(Date.now() - started).toBeLessThan(2000);
      expect(door.taps).toEqual([]);
    }
    fakeReader.insert(card);
    await waitUntil(() => door.taps.length === 1, 'the next tap');
    expect(door.taps[0]!.proof).toMatchObject({ kind: 'authenticated' });
  });

  it('a plain PC/SC reader delivers UID-only taps, as before', async () => {
    const door = await reader({ ring: keyring(1, { 1: [V1, true] }) }, { secure: false });
    fakeReader.insert(new VirtualNtag424({ uid: UID }));
    await waitUntil(() => door.taps.length === 1, 'the tap');
    expect(door.taps[0]!.proof).toBeUndefined();
    expect(door.taps[0]!.proofTiming).toBeUndefined();
  });

  it('a secure reader without badge keys is refused at construction, naming the reader', () => {
    const cfg: ReaderConfig = { id: 'in', direction: 'in', kind: 'pcsc', baudRate: 9600, protocol: 'em4100-ascii', secure: 'ntag424' };
    expect(() => new PcscCardReader(cfg, silentLogger())).toThrow('reader "in" is secure: ntag424 but has no badge keys');
  });
});

describe('the badge writer on the desk reader', () => {
  it('re-keys a badge holding an older version, refuses a card `accept` rejects untouched, and resets a badge', async () => {
    const keys = { ring: keyring(1, { 1: [V1, true] }) };
    const card = await enrolled(keys);
    keys.ring = keyring(2, { 1: [V1, false], 2: [V2, true] });
    const again = await enrolled(keys, { keys: [card.key(0)], keyVersions: [1] });
    expect(again.keyVersion(0)).toBe(2);

    const desk = await reader(keys, { secure: false, direction: 'desk' });
    const writer = new PcscBadgeWriter(desk.r, desk.source);
    const refused = writer.enroll({ timeoutMs: 2000, accept: () => { throw new Error('not this card'); } });
    const other = new VirtualNtag424({ uid: UID });
    fakeReader.insert(other);
    await expect(refused).rejects.toThrow('not this card');
    expect(other.received.length).toBe(1); // GET DATA only: nothing was written

    const reset = writer.reset({ timeoutMs: 2000 });
    fakeReader.insert(again);
    await expect(reset).resolves.toEqual({ uid: UID, previousKeyVersion: 2 });
    expect(again.keyVersion(0)).toBe(0);
    expect(again.key(0).equals(Buffer.alloc(16))).toBe(true);

    await expect(writer.enroll({ timeoutMs: 100, accept: () => ({ enrolled: false }) })).rejects.toThrow('no card was presented on the desk reader within 0.1 s');
    const ac = new AbortController();
    const aborted = writer.enroll({ timeoutMs: 5000, signal: ac.signal, accept: () => ({ enrolled: false }) });
    ac.abort();
    await expect(aborted).rejects.toThrow('cancelled before a card was presented');
    await writer.close();
  });
});

describe('a door with a secure reader and no usable badge keys', () => {
  it('refuses to start, naming the key file and the reader, with the relay off', async () => {
    const { tempConfig } = await import('../helpers/config.js');
    const { buildDaemon } = await import('../../src/main.js');
    const { SimDoorIo } = await import('../../src/adapters/sim/sim-door-io.js');
    const { writeFileSync, chmodSync } = await import('node:fs');
    const tc = tempConfig({
      readers: [{ id: 'in', direction: 'in', kind: 'pcsc', secure: 'ntag424' }, { id: 'out', direction: 'out', kind: 'sim' }],
      badges: { keyFile: join(tmpdir(), `pintu-no-such-badge-keys-${process.pid}`, 'badge.keys') },
    });
    cleanups.push(() => tc.cleanup());
    const io = new SimDoorIo();
    await expect(buildDaemon(tc.config, silentLogger(), { io })).rejects.toThrow(
      new RegExp(`^reader "in" is secure: ntag424, but the badge keys cannot be used: .*${tc.config.badges.keyFile.replace(/[.]/g, '\\.')}`),
    );
    expect(io.relay.isOn).toBe(false);
    expect(io.relay.history.some((c) => c.on)).toBe(false);
    // A key file others can read is refused the same way.
    const loose = join(tc.dir, 'loose.keys');
    writeFileSync(loose, JSON.stringify({ format: 'pintu-badge-keys/1', versions: [{ version: 1, key: V1, state: 'current', createdAt: new Date().toISOString() }] }));
    chmodSync(loose, 0o644);
    const tc2 = tempConfig({ readers: [{ id: 'in', direction: 'in', kind: 'pcsc', secure: 'ntag424' }], badges: { keyFile: loose } });
    cleanups.push(() => tc2.cleanup());
    await expect(buildDaemon(tc2.config, silentLogger(), { io: new SimDoorIo() })).rejects.toThrow(new RegExp(`^reader "in" is secure: ntag424, but the badge keys cannot be used: .*${loose.replace(/[.]/g, '\\.')}`));
  });
});

describe('readerExtras', () => {
  it('loads badge keys only for secure PC/SC readers (a sim reader marked secure, as in the demo, needs none)', async () => {
    const { readerExtras } = await import('../../src/adapters/readers.js');
    const badges = { keyFile: join(tmpdir(), `pintu-no-such-badge-keys-${process.pid}`, 'badge.keys'), visitorsNeedSecureReader: false, cardTimeoutMs: 1000 };
    const sim: ReaderConfig = { id: 'sin', direction: 'in', kind: 'sim', baudRate: 9600, protocol: 'em4100-ascii', secure: 'ntag424' };
    const plain: ReaderConfig = { id: 'in', direction: 'in', kind: 'pcsc', baudRate: 9600, protocol: 'em4100-ascii', secure: false };
    expect(readerExtras(badges, [sim, plain], silentLogger())).toEqual({});
    expect(() => readerExtras(badges, [sim, { ...plain, secure: 'ntag424' }], silentLogger())).toThrow(/^reader "in" is secure: ntag424, but the badge keys cannot be used: /);
  });
});
