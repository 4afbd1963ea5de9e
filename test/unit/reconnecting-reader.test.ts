import { describe, it, expect, vi, afterEach } from 'vitest';
import { ReconnectingReader } from '../../src/adapters/reconnecting-reader.js';
import { silentLogger } from '../../src/adapters/log/pino.js';
import type { RawTap } from '../../src/ports/hardware.js';

/** A device driven by the test: `failOpen` makes the next opens reject with that message. */
class FakeReader extends ReconnectingReader {
  open = false;
  opens = 0;
  closes = 0;
  failOpen: string | null = null;

  constructor(reconnectMs = 1000) {
    super({ id: 'in-1', direction: 'in', log: silentLogger(), reconnectMs, label: 'fake reader' });
  }

  protected async startDevice(): Promise<void> {
    await this.reopenDevice();
  }

  protected async reopenDevice(): Promise<void> {
    this.opens++;
    if (this.failOpen) throw new Error(this.failOpen);
    this.open = true;
  }

  protected async closeDevice(): Promise<void> {
    this.closes++;
    this.open = false;
  }

  protected isOpen(): boolean {
    return this.open;
  }

  /** The device hands a card over. */
  card(uid: string, at: number): boolean {
    return this.deliver({ readerId: this.id, uid, tech: 'sim', at });
  }

  /** The device goes away while running. */
  unplug(): void {
    this.open = false;
    this.lost(`reader "${this.id}": fake device was unplugged`);
  }
}

afterEach(() => {
  vi.useRealTimers();
});

describe('ReconnectingReader (shared by the serial and PC/SC readers)', () => {
  it('delivers taps, records the last one in health, and reports a throwing tap handler without stopping', async () => {
    const r = new FakeReader();
    const taps: RawTap[] = [];
    const errors: string[] = [];
    let throwNext = false;
    await r.start((t) => {
      taps.push(t);
      if (throwNext) throw new Error('handler broke');
    }, (e) => errors.push(e.message));
    expect(r.card('0A00000001', 1000)).toBe(true);
    throwNext = true;
    expect(r.card('0A00000002', 2000)).toBe(true);
    expect(taps.map((t) => t.uid)).toEqual(['0A00000001', '0A00000002']);
    expect(errors).toEqual(['reader "in-1": tap handler failed: handler broke']);
    expect(r.health()).toEqual({ id: 'in-1', open: true, lastHeardAt: null, lastTapAt: 2000, rejectedFrames: 0, lastError: errors[0] });
    await r.stop();
    expect(r.card('0A00000003', 3000)).toBe(false);
    expect(taps).toHaveLength(2);
  });

  it('a failed start closes the device, keeps the error in health, does not retry, and may be started again', async () => {
    vi.useFakeTimers();
    const r = new FakeReader(100);
    r.failOpen = 'no such device';
    await expect(r.start(() => undefined, () => undefined)).rejects.toThrow('no such device');
    expect(r.closes).toBe(1);
    expect(r.health()).toMatchObject({ open: false, lastError: 'no such device' });
    await vi.advanceTimersByTimeAsync(1000);
    expect(r.opens).toBe(1);
    r.failOpen = null;
    await r.start(() => undefined, () => undefined);
    expect(r.health().open).toBe(true);
    await expect(r.start(() => undefined, () => undefined)).rejects.toThrow('reader "in-1": already started');
    await r.stop();
  });

  it('reopens a lost device at a fixed interval, reporting each distinct failure once, until stop()', async () => {
    vi.useFakeTimers();
    const r = new FakeReader(3000);
    const errors: string[] = [];
    await r.start(() => undefined, (e) => errors.push(e.message));
    r.failOpen = 'still gone';
    r.unplug();
    expect(errors).toEqual(['reader "in-1": fake device was unplugged; retrying every 3 s']);
    await vi.advanceTimersByTimeAsync(2999);
    expect(r.opens).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(r.opens).toBe(2);
    await vi.advanceTimersByTimeAsync(3000 * 3);
    expect(r.opens).toBe(5);
    expect(errors).toEqual(['reader "in-1": fake device was unplugged; retrying every 3 s', 'still gone']);
    r.failOpen = null;
    await vi.advanceTimersByTimeAsync(3000);
    expect(r.opens).toBe(6);
    expect(r.health().open).toBe(true);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(r.opens).toBe(6);

    r.failOpen = 'gone again';
    r.unplug();
    await r.stop();
    await vi.advanceTimersByTimeAsync(30_000);
    expect(r.opens).toBe(6);
  });

  it('says the interval in ms when it is under a second', async () => {
    const r = new FakeReader(250);
    const errors: string[] = [];
    await r.start(() => undefined, (e) => errors.push(e.message));
    r.failOpen = 'x';
    r.unplug();
    await r.stop();
    expect(errors).toEqual(['reader "in-1": fake device was unplugged; retrying every 250 ms']);
  });
});
