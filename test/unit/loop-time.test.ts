/**
 * Event-loop time: a frame whose bytes reached the port while the loop was blocked is not dropped for its
 * inter-byte timeout (the gap is measured on arrival, not at processing), while a real pause on the wire still is.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { closeSync, openSync, writeSync } from 'node:fs';
import { LoopTime } from '../../src/adapters/serial/loop-time.js';
import { SerialCardReader } from '../../src/adapters/serial/serial-reader.js';
import { encodeEm4100Frame } from '../../src/adapters/serial/em4100.js';
import { silentLogger } from '../../src/adapters/log/pino.js';
import { startPtyPair, type PtyPair } from '../helpers/socat.js';
import type { RawTap } from '../../src/ports/hardware.js';

describe('LoopTime', () => {
  it('does not count a stall, sampled or not yet sampled, and counts free time fully', () => {
    let t = 0;
    const lt = new LoopTime(20, () => t);
    t = 20; lt.sample();
    t = 40; lt.sample();
    expect(lt.now()).toBe(40);
    t = 1040; // blocked for a second: not sampled yet
    expect(lt.now()).toBe(60);
    lt.sample(); // the late tick records the stall
    expect(lt.now()).toBe(60);
    t = 1060; lt.sample();
    expect(lt.now()).toBe(80);
  });
});

describe('serial reader and a blocked event loop', () => {
  let pty: PtyPair | null = null;
  let reader: SerialCardReader | null = null;
  afterEach(async () => { await reader?.stop(); await pty?.stop(); });

  it('keeps a frame whose second half arrived while the loop was blocked; drops one with a real pause on the wire', async () => {
    pty = await startPtyPair();
    reader = new SerialCardReader({ id: 'in', direction: 'in', kind: 'serial', path: pty.a, baudRate: 9600, protocol: 'em4100-ascii' } as never, silentLogger(), { interByteTimeoutMs: 250 });
    const taps: RawTap[] = [];
    await reader.start((t) => taps.push(t), () => undefined);
    const fd = openSync(pty.b, 'w');
    try {
      const frame = encodeEm4100Frame('0A00000042');
      writeSync(fd, frame.subarray(0, 5));
      await new Promise((r) => setTimeout(r, 100)); // the first half is read
      writeSync(fd, frame.subarray(5));
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 800); // the loop is blocked while the rest arrives
      const deadline = Date.now() + 10_000;
      while (taps.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(taps.map((t) => t.uid)).toEqual(['0A00000042']);
      // A real 800 ms pause between the halves, with the loop free, is still a broken frame.
      const rejected = reader.health().rejectedFrames;
      writeSync(fd, frame.subarray(0, 5));
      await new Promise((r) => setTimeout(r, 800));
      writeSync(fd, frame.subarray(5));
      const until = Date.now() + 10_000;
      while (reader.health().rejectedFrames === rejected && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      expect(reader.health().rejectedFrames).toBeGreaterThan(rejected);
      expect(taps).toHaveLength(1);
    } finally {
      closeSync(fd);
    }
  });
});
