import { describe, it, expect } from 'vitest';
import { SimCardReader } from '../../src/adapters/sim/sim-reader.js';
import { normalizeUid } from '../../src/domain/uid.js';
import type { RawTap } from '../../src/ports/hardware.js';

describe('SimCardReader', () => {
  it('delivers a tap with the normalised UID, reader id, tech "sim" and the clock time', async () => {
    let clock = 1_700_000_000_000;
    const r = new SimCardReader('in', 'in', { now: () => clock });
    const taps: RawTap[] = [];
    await r.start((t) => taps.push(t), () => undefined);
    r.tap('04:a1 b2-c3d4e5f6');
    clock += 500;
    r.tap('0a1b2c3d4e');
    expect(taps.map((t) => [t.readerId, t.uid, t.tech, t.at])).toEqual([
      ['in', '04A1B2C3D4E5F6', 'sim', 1_700_000_000_000],
      ['in', '0A1B2C3D4E', 'sim', 1_700_000_000_500],
    ]);
    expect(typeof taps[0]!.hr).toBe('bigint');
    expect(r.direction).toBe('in');
  });

  it('reports health: open while started, last tap time, no rejected frames', async () => {
    const r = new SimCardReader('out', 'out', { now: () => 42 });
    expect(r.health()).toEqual({ id: 'out', open: false, lastHeardAt: null, lastTapAt: null, rejectedFrames: 0, lastError: null });
    await r.start(() => undefined, () => undefined);
    r.tap('DEADBEEF01');
    expect(r.health()).toMatchObject({ open: true, lastHeardAt: 42, lastTapAt: 42, rejectedFrames: 0 });
    await r.stop();
    await r.stop(); // idempotent
    expect(r.health().open).toBe(false);
  });

  it('throws a clear error for non-hex UIDs, without echoing the input', async () => {
    const r = new SimCardReader('in', 'in');
    await r.start(() => undefined, () => undefined);
    expect(() => r.tap('04A1B2C3D4E5FZ')).toThrow(/reader "in": card UID must be 4-32 hexadecimal characters, whole bytes.*character 14 is not a hex digit/);
    expect(() => r.tap('04A1B')).toThrow(/odd number \(5\) of hex digits/);
    expect(() => r.tap('')).toThrow(/it is empty/);
    expect(() => r.tap('AB'.repeat(33))).toThrow(/longer than 16 bytes/);
    expect(() => r.tap('AB')).toThrow(/shorter than 2 bytes/);
    let message = '';
    try {
      r.tap('1234567890ABCZ');
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/character 14 is not a hex digit/);
    expect(message).not.toContain('1234567890');
  });

  it('refuses taps when not started, and after stop', async () => {
    const r = new SimCardReader('in', 'in');
    expect(() => r.tap('0A1B2C3D4E')).toThrow(/not started/);
    const taps: RawTap[] = [];
    await r.start((t) => taps.push(t), () => undefined);
    await r.stop();
    expect(() => r.tap('0A1B2C3D4E')).toThrow(/not started/);
    expect(taps).toEqual([]);
  });

  it('fail() reports through onError and health.lastError', async () => {
    const r = new SimCardReader('desk', 'desk');
    const errors: string[] = [];
    await r.start(() => undefined, (e) => errors.push(e.message));
    r.fail(new Error('simulated unplug'));
    expect(errors).toEqual(['simulated unplug']);
    expect(r.health().lastError).toBe('simulated unplug');
  });

  it('normalizeUid (the domain rule the sim reader uses) upper-cases and strips separators', () => {
    expect(normalizeUid(' 04 a1 ')).toBe('04A1');
    expect(normalizeUid('de:ad:be:ef')).toBe('DEADBEEF');
  });
});
