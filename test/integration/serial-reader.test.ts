import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { closeSync, openSync, writeSync } from 'node:fs';
import { SerialPort } from 'serialport';
import { SerialCardReader } from '../../src/adapters/serial/serial-reader.js';
import { encodeEm4100Frame } from '../../src/adapters/serial/em4100.js';
import { silentLogger } from '../../src/adapters/log/pino.js';
import type { RawTap } from '../../src/ports/hardware.js';
import type { ReaderConfig } from '../../src/config/schema.js';
import { startPtyPair, type PtyPair } from '../helpers/socat.js';

// Generous: on a loaded 2-core runner socat's exit and the kernel's hang-up can take seconds to reach the reader.
async function waitUntil(cond: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function cfg(path: string): ReaderConfig {
  return { id: 'in', direction: 'in', kind: 'serial', path, baudRate: 9600, protocol: 'em4100-ascii', secure: false };
}

describe('SerialCardReader over a real pty pair (socat)', () => {
  let pair: PtyPair;
  let reader: SerialCardReader | null = null;
  let fd: number | null = null;
  let taps: RawTap[];
  let errors: Error[];
  /** Extra cleanups, run after the reader and the current pair are stopped. */
  let cleanups: Array<() => Promise<void>>;

  /** Write to the "device" end of the pair. */
  function send(data: Buffer | string): void {
    if (fd === null) fd = openSync(pair.b, 'w');
    writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  async function startReader(options: { reconnectMs?: number } = {}): Promise<SerialCardReader> {
    reader = new SerialCardReader(cfg(pair.a), silentLogger(), options);
    await reader.start((t) => taps.push(t), (e) => errors.push(e));
    return reader;
  }

  beforeEach(async () => {
    taps = [];
    errors = [];
    cleanups = [];
    pair = await startPtyPair();
  });

  afterEach(async () => {
    await reader?.stop();
    reader = null;
    if (fd !== null) closeSync(fd);
    fd = null;
    await pair.stop();
    for (const c of cleanups) await c();
  });

  it('delivers a tap for a frame, stamped with the arrival time', async () => {
    const r = await startReader();
    expect(r.health().open).toBe(true);
    const before = Date.now();
    const hrBefore = process.hrtime.bigint();
    send(encodeEm4100Frame('0A1B2C3D4E'));
    await waitUntil(() => taps.length === 1, 'one tap');
    const t = taps[0]!;
    expect(t).toMatchObject({ readerId: 'in', uid: '0A1B2C3D4E', tech: 'em4100' });
    expect(t.at).toBeGreaterThanOrEqual(before);
    expect(t.at).toBeLessThanOrEqual(Date.now());
    expect(t.hr).toBeGreaterThan(hrBefore);
    const h = r.health();
    expect(h).toMatchObject({ id: 'in', open: true, lastTapAt: t.at, rejectedFrames: 0, lastError: null });
    expect(h.lastHeardAt).toBe(t.at);
  });

  it('reassembles frames split across writes, and several frames in one write (with CR/LF)', async () => {
    await startReader();
    const f = encodeEm4100Frame('DEADBEEF01');
    for (const part of [f.subarray(0, 1), f.subarray(1, 6), f.subarray(6, 13), f.subarray(13)]) {
      send(part);
      await sleep(5);
    }
    await waitUntil(() => taps.length === 1, 'split frame');
    send(Buffer.concat([encodeEm4100Frame('1B00000001'), Buffer.from('\r\n'), encodeEm4100Frame('0a00000002')]));
    await waitUntil(() => taps.length === 3, 'two more frames');
    expect(taps.map((t) => t.uid)).toEqual(['DEADBEEF01', '1B00000001', '0A00000002']);
  });

  it('rejects garbage and bad checksums, counts them in health, and keeps reading', async () => {
    const r = await startReader();
    const bad = Buffer.from(encodeEm4100Frame('0A1B2C3D4E'));
    bad[12] = bad[12] === 0x30 ? 0x31 : 0x30; // wrong checksum
    send('\x00\xffnoise noise');
    send(bad);
    send(encodeEm4100Frame('0A1B2C3D4E').subarray(0, 8)); // interrupted by the next STX
    send(encodeEm4100Frame('1234567890'));
    await waitUntil(() => taps.length === 1, 'the valid frame');
    expect(taps[0]!.uid).toBe('1234567890');
    await waitUntil(() => r.health().rejectedFrames === 3, 'three rejections (garbage run, bad checksum, interrupted frame)');
    expect(r.health().open).toBe(true);
    expect(errors).toEqual([]);
  });

  it('keeps going when the tap handler throws, reporting it through onError', async () => {
    reader = new SerialCardReader(cfg(pair.a), silentLogger());
    let n = 0;
    await reader.start(
      (t) => {
        n++;
        if (n === 1) throw new Error('handler exploded');
        taps.push(t);
      },
      (e) => errors.push(e),
    );
    send(encodeEm4100Frame('0000000001'));
    await waitUntil(() => errors.length === 1, 'the handler error');
    expect(errors[0]!.message).toMatch(/reader "in": tap handler failed: handler exploded/);
    send(encodeEm4100Frame('0000000002'));
    await waitUntil(() => taps.length === 1, 'next tap');
    expect(taps[0]!.uid).toBe('0000000002');
  });

  it('reports an unplugged device, then reopens it when it comes back', async () => {
    const r = await startReader({ reconnectMs: 100 });
    send(encodeEm4100Frame('0A1B2C3D4E'));
    await waitUntil(() => taps.length === 1, 'first tap');
    closeSync(fd!);
    fd = null;
    const original = pair;
    cleanups.push(() => original.stop()); // removes the temp dir once the second socat is gone too
    await pair.kill(); // the pty disappears, like an unplugged USB-serial adapter
    await waitUntil(() => errors.length >= 1, 'an error for the lost device');
    expect(errors[0]!.message).toMatch(new RegExp(`reader "in": serial port ${pair.a} (was disconnected|closed unexpectedly).*retrying`));
    expect(r.health().open).toBe(false);
    expect(r.health().lastError).toContain(pair.a);
    // While it is gone, retries fail with a clear open error (reported once, not every 100 ms).
    await waitUntil(() => errors.length >= 2, 'the failed reopen');
    expect(errors[1]!.message).toMatch(new RegExp(`cannot open serial port ${pair.a}: .*No such file`));
    await sleep(350);
    expect(errors.length).toBe(2);
    // Plug it back in (same path).
    pair = await startPtyPair({ dir: original.dir });
    await waitUntil(() => r.health().open, 'the reader to reopen');
    send(encodeEm4100Frame('1122334455'));
    await waitUntil(() => taps.length === 2, 'a tap after reopening');
    expect(taps[1]!.uid).toBe('1122334455');
  }, 90_000);

  it('fails to start with a clear error naming the path', async () => {
    const path = `${pair.dir}/no-such-device`;
    reader = new SerialCardReader(cfg(path), silentLogger());
    await expect(reader.start(() => undefined, () => undefined)).rejects.toThrow(
      new RegExp(`^reader "in": cannot open serial port ${path}: No such file or directory.*check "path" of this reader`),
    );
    expect(reader.health()).toMatchObject({ open: false, lastError: expect.stringContaining(path) });
  });

  it('refuses to start twice', async () => {
    const r = await startReader();
    await expect(r.start(() => undefined, () => undefined)).rejects.toThrow(/already started/);
  });

  it('stop() closes the port (it can be opened again), delivers nothing more, and is idempotent', async () => {
    const r = await startReader({ reconnectMs: 50 });
    // serialport locks the device while open: a second open fails now, and only succeeds once the reader has closed it.
    const tryOpen = (): Promise<Error | null> => {
      const p = new SerialPort({ path: pair.a, baudRate: 9600, autoOpen: false });
      return new Promise((resolve) => p.open((e) => (e ? resolve(e) : p.close(() => resolve(null)))));
    };
    expect((await tryOpen())?.message).toMatch(/lock/i);
    await r.stop();
    expect(r.health().open).toBe(false);
    expect(await tryOpen()).toBeNull();
    send(encodeEm4100Frame('0A1B2C3D4E'));
    await sleep(100);
    expect(taps).toEqual([]);
    expect(errors).toEqual([]);
    await r.stop();
  });

  it('can be started again after stop()', async () => {
    const r = await startReader();
    await r.stop();
    await r.start((t) => taps.push(t), (e) => errors.push(e));
    send(encodeEm4100Frame('0A1B2C3D4E'));
    await waitUntil(() => taps.length === 1, 'a tap after restart');
  });
});
