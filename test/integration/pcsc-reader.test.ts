import { describe, it, expect, beforeAll, beforeEach, afterAll, afterEach } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { EventEmitter } from 'node:events';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { PcscCardReader, type PcscReaderOptions } from '../../src/adapters/pcsc/pcsc-reader.js';
import { silentLogger } from '../../src/adapters/log/pino.js';
import type { RawTap } from '../../src/ports/hardware.js';
import type { ReaderConfig } from '../../src/config/schema.js';
import { ISO14443_4_ATR, startPcscTestEnv, type PcscTestEnv, type VirtualCard } from '../helpers/pcsc.js';

async function waitUntil(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function cfg(path?: string): ReaderConfig {
  return { id: 'desk', direction: 'desk', kind: 'pcsc', baudRate: 9600, protocol: 'em4100-ascii', secure: false, ...(path ? { path } : {}) };
}

describe('PcscCardReader with a real pcscd, the vpcd driver and a virtual card', () => {
  let env: PcscTestEnv;
  let reader: PcscCardReader | null = null;
  let cards: VirtualCard[] = [];
  let taps: RawTap[] = [];
  let errors: Error[] = [];

  async function startReader(path: string | undefined, options: PcscReaderOptions = {}): Promise<PcscCardReader> {
    reader = new PcscCardReader(cfg(path), silentLogger(), { readerTimeoutMs: 5000, ...options });
    await reader.start((t) => taps.push(t), (e) => errors.push(e));
    return reader;
  }

  async function insert(uid: string, extra: { atr?: Buffer; uidResponse?: Buffer } = {}): Promise<VirtualCard> {
    const c = await env.insertCard({ uid, ...extra });
    cards.push(c);
    return c;
  }

  let setupError: unknown = null;

  beforeAll(async () => {
    try {
      env = await startPcscTestEnv();
    } catch (e) {
      setupError = e; // rethrown by every test below, so that each one fails (never shows as skipped)
    }
  }, 300_000); // may wait its turn for pcscd (one per machine) while another test file uses it

  afterAll(async () => {
    await env?.stop();
  });

  beforeEach(() => {
    if (setupError) throw setupError;
    taps = [];
    errors = [];
  });

  afterEach(async () => {
    await reader?.stop();
    reader = null;
    for (const c of cards) await c.remove();
    cards = [];
    if (env && !env.isRunning()) await env.restartPcscd(); // a failed "lost pcscd" test must not break the next ones
  });

  it('delivers a tap with the UID when a card is presented, and again after remove + re-present', async () => {
    const r = await startReader(env.readerName);
    expect(r.health()).toMatchObject({ id: 'desk', open: true, lastTapAt: null, rejectedFrames: 0 });
    const before = Date.now();
    const card = await insert('04a1b2c3d4e5f6');
    await waitUntil(() => taps.length === 1, 'a tap');
    expect(taps[0]).toMatchObject({ readerId: 'desk', uid: '04A1B2C3D4E5F6', tech: 'iso14443' });
    expect(taps[0]!.at).toBeGreaterThanOrEqual(before);
    expect(typeof taps[0]!.hr).toBe('bigint');
    expect(card.apdus.map((a) => a.toString('hex'))).toEqual(['ffca000000']);
    expect(r.health().lastTapAt).toBe(taps[0]!.at);
    await card.remove();
    await insert('0A0B0C0D');
    await waitUntil(() => taps.length === 2, 'a second tap');
    expect(taps[1]!.uid).toBe('0A0B0C0D');
    expect(errors).toEqual([]);
  });

  it('reads the UID of an ISO 14443-4 card (e-KTP-like ATR) too', async () => {
    await startReader(undefined);
    await insert('08123456', { atr: ISO14443_4_ATR });
    await waitUntil(() => taps.length === 1, 'a tap');
    expect(taps[0]!.uid).toBe('08123456');
    expect(errors).toEqual([]);
  });

  it('reports a card that does not give its UID, counts it, and delivers no tap', async () => {
    const r = await startReader(env.friendlyName);
    await insert('04A1B2C3', { uidResponse: Buffer.from('6A81', 'hex') });
    await waitUntil(() => errors.length === 1, 'an error');
    expect(errors[0]!.message).toBe('reader "desk": the card did not give its UID (status 6A81); present the card again');
    expect(r.health().rejectedFrames).toBe(1);
    expect(r.health().lastError).toBe(errors[0]!.message);
    expect(taps).toEqual([]);
  });

  it('fails to start, listing the readers it saw, when none matches "path"', async () => {
    reader = new PcscCardReader(cfg('ACR122'), silentLogger(), { readerTimeoutMs: 1500 });
    const err = await reader.start(() => undefined, () => undefined).then(
      () => null,
      (e: Error) => e,
    );
    expect(err?.message).toMatch(/^reader "desk": no PC\/SC reader whose name contains "ACR122" appeared within 2 s/);
    expect(err?.message).toContain(`"${env.readerName}"`);
    expect(err?.message).toContain('pcsc_scan');
    expect(reader.health().open).toBe(false);
  });

  it('reports losing pcscd, and reconnects when it comes back', async () => {
    const r = await startReader(env.readerName, { reconnectMs: 200, pcscdCheckMs: 200 });
    await env.killPcscd();
    await waitUntil(() => errors.some((e) => /lost pcscd/.test(e.message)), 'a "lost pcscd" error');
    // (nfc-pcsc may first report the reader as removed, if pcscd was still answering at that moment)
    expect(errors.find((e) => /lost pcscd/.test(e.message))!.message).toMatch(/^reader "desk": lost pcscd \(.*\); retrying every 200 ms$/);
    expect(r.health().open).toBe(false);
    // While pcscd is down the retries fail with the clear "not running" message (reported once).
    await waitUntil(() => errors.some((e) => /pcscd is not running/.test(e.message)), 'a "not running" error');
    await env.restartPcscd();
    await waitUntil(() => r.health().open, 'the reader to be attached again');
    await insert('04C0FFEE');
    await waitUntil(() => taps.length === 1, 'a tap after reconnecting');
    expect(taps[0]!.uid).toBe('04C0FFEE');
    expect(errors.filter((e) => /not running/.test(e.message)).length).toBe(1);
  });

  it('stops promptly while pcscd is down', async () => {
    const r = await startReader(env.readerName, { reconnectMs: 200, pcscdCheckMs: 200 });
    await env.killPcscd();
    await waitUntil(() => errors.length > 0, 'an error');
    const t0 = Date.now();
    await r.stop();
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(r.health().open).toBe(false);
    const n = errors.length;
    await new Promise((res) => setTimeout(res, 500));
    expect(errors.length).toBe(n); // no more retries after stop()
  });

  it('stop() is idempotent and no taps arrive after it', async () => {
    const r = await startReader(env.readerName);
    await r.stop();
    await r.stop();
    expect(r.health().open).toBe(false);
    await insert('04A1B2C3');
    await new Promise((res) => setTimeout(res, 1000));
    expect(taps).toEqual([]);
  });
});

describe('PcscCardReader start-up errors', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('says how to install PC/SC support when nfc-pcsc cannot be loaded', async () => {
    const r = new PcscCardReader(cfg(), silentLogger(), {
      loadModule: () => Promise.reject(new Error("Cannot find package 'nfc-pcsc' imported from /opt/pintu/dist/src/adapters/pcsc/pcsc-reader.js")),
    });
    await expect(r.start(() => undefined, () => undefined)).rejects.toThrow(
      'reader "desk": PC/SC support is not available: install the Debian packages pcscd and libpcsclite-dev, ' +
        `then run "npm rebuild nfc-pcsc" (cause: Cannot find package 'nfc-pcsc' imported from /opt/pintu/dist/src/adapters/pcsc/pcsc-reader.js)`,
    );
    expect(r.health()).toMatchObject({ open: false, lastError: expect.stringContaining('PC/SC support is not available') });
  });

  it('says the same when the native part fails (module without an NFC class)', async () => {
    const r = new PcscCardReader(cfg(), silentLogger(), { loadModule: async () => ({ default: {} }) });
    await expect(r.start(() => undefined, () => undefined)).rejects.toThrow(/PC\/SC support is not available.*exports no NFC class/);
  });

  it('says pcscd is not running, without creating the PC/SC context (which would hang the process)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pintu-nopcscd-'));
    dirs.push(dir);
    const socketPath = join(dir, 'pcscd.comm');
    let constructed = 0;
    class FakeNfc {
      constructor() {
        constructed++;
      }
      on(): this {
        return this;
      }
      removeAllListeners(): this {
        return this;
      }
      close(): void {}
    }
    const r = new PcscCardReader(cfg(), silentLogger(), { socketPath, loadModule: async () => ({ NFC: FakeNfc }) });
    await expect(r.start(() => undefined, () => undefined)).rejects.toThrow(
      `reader "desk": pcscd is not running (cannot connect to ${socketPath}: ENOENT); ` +
        'install and start it: sudo apt-get install pcscd && sudo systemctl enable --now pcscd.socket',
    );
    expect(constructed).toBe(0);
  });

  it('says PC/SC cannot be used when pcscd answers but creating the context fails (e.g. refused by polkit)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pintu-nopcscd-'));
    dirs.push(dir);
    const socketPath = join(dir, 'pcscd.comm');
    const server = createServer((c) => c.destroy());
    await new Promise<void>((res) => server.listen(socketPath, () => res()));
    class RefusedNfc {
      constructor() {
        throw new Error('SCardEstablishContext error: Internal communications error.(0x80100003)');
      }
    }
    try {
      const r = new PcscCardReader(cfg(), silentLogger(), { socketPath, loadModule: async () => ({ NFC: RefusedNfc }) });
      await expect(r.start(() => undefined, () => undefined)).rejects.toThrow(
        /^reader "desk": cannot use PC\/SC \(SCardEstablishContext error: Internal communications error.*\); check that pcscd is running and that this user may use it/,
      );
    } finally {
      await new Promise<void>((res) => server.close(() => res()));
    }
  });

  describe('with a fake nfc-pcsc and a fake pcscd socket', () => {
    class FakeReader extends EventEmitter {
      name = 'Fake Reader 00 00';
      autoProcessing = true;
      answer: Buffer | Error = Buffer.from('04A1B2C39000', 'hex');
      async transmit(): Promise<Buffer> {
        if (this.answer instanceof Error) throw this.answer;
        return this.answer;
      }
      close(): void {}
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
    let server: Server | null = null;
    let socketPath: string;
    let reader: PcscCardReader | null = null;
    let errors: string[] = [];
    let taps: RawTap[] = [];

    async function start(): Promise<PcscCardReader> {
      const dir = mkdtempSync(join(tmpdir(), 'pintu-fakepcscd-'));
      dirs.push(dir);
      socketPath = join(dir, 'pcscd.comm');
      server = createServer((c) => c.destroy());
      await new Promise<void>((res) => server!.listen(socketPath, () => res()));
      reader = new PcscCardReader(cfg(), silentLogger(), {
        socketPath,
        pcscdCheckMs: 50,
        reconnectMs: 60_000,
        loadModule: async () => ({ default: { NFC: FakeNfc } }),
      });
      await reader.start((t) => taps.push(t), (e) => errors.push(e.message));
      return reader;
    }

    afterEach(async () => {
      await reader?.stop();
      reader = null;
      if (server?.listening) await new Promise<void>((res) => server!.close(() => res()));
      server = null;
      errors = [];
      taps = [];
    });

    it('notices pcscd going away even when nfc-pcsc says nothing', async () => {
      const r = await start();
      expect(r.health().open).toBe(true);
      await new Promise<void>((res) => server!.close(() => res()));
      await waitUntil(() => errors.length > 0, 'an error', 2000);
      expect(errors[0]).toMatch(/^reader "desk": lost pcscd \(cannot connect to .*pcscd\.comm: (ENOENT|ECONNREFUSED)\); retrying every 60 s$/);
      expect(r.health().open).toBe(false);
    });

    it('reports a card nfc-pcsc failed to connect to (it emits the error as the event name)', async () => {
      const r = await start();
      const connectError = Object.assign(new Error('An error occurred while connecting.'), { name: 'ConnectError' });
      fakeReader.emit(connectError as unknown as string);
      expect(errors).toEqual(['reader "desk": could not connect to the card (An error occurred while connecting.); present the card again']);
      expect(r.health().rejectedFrames).toBe(1);
      // A failed disconnect from a removed card is not a failed read.
      fakeReader.emit(Object.assign(new Error('x'), { name: 'DisconnectError' }) as unknown as string);
      expect(errors.length).toBe(1);
    });

    it('turns off autoProcessing, reads the UID itself, and reports transmit failures', async () => {
      const r = await start();
      expect(fakeReader.autoProcessing).toBe(false);
      fakeReader.emit('card', { atr: Buffer.from('3B', 'hex') });
      await waitUntil(() => taps.length === 1, 'a tap', 2000);
      expect(taps[0]).toMatchObject({ readerId: 'desk', uid: '04A1B2C3', tech: 'iso14443' });
      fakeReader.answer = Object.assign(new Error('An error occurred while transmitting.'), { previous: new Error('SCardTransmit error: Transaction failed.') });
      fakeReader.emit('card', {});
      await waitUntil(() => errors.length === 1, 'an error', 2000);
      expect(errors[0]).toBe('reader "desk": could not read the card UID (SCardTransmit error: Transaction failed.); present the card again');
      fakeReader.answer = Buffer.from('9000', 'hex'); // no UID bytes
      fakeReader.emit('card', {});
      await waitUntil(() => errors.length === 2, 'a second error', 2000);
      expect(errors[1]).toMatch(/did not give its UID \(status 9000\)/);
      expect(r.health().rejectedFrames).toBe(2);
      expect(taps.length).toBe(1);
    });
  });

  it('loads the real nfc-pcsc lazily by default (no loader injected)', async () => {
    // With a socket that does not exist, start() must get past loading the real module and stop at the pcscd check.
    const dir = mkdtempSync(join(tmpdir(), 'pintu-nopcscd-'));
    dirs.push(dir);
    const r = new PcscCardReader(cfg(), silentLogger(), { socketPath: join(dir, 'none') });
    await expect(r.start(() => undefined, () => undefined)).rejects.toThrow(/pcscd is not running/);
  });
});
