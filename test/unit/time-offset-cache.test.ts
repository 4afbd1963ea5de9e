/**
 * zoneOffsetMs caches one offset per zone and quarter hour: the cached answers must equal Intl's around offset changes
 * (DST in Europe/Berlin, Asia/Kathmandu's +05:45 from 1986) and for every zone officers use.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { zoneOffsetMs } from '../../src/domain/time.js';

/** The offset as Intl says it, without any cache. */
function intlOffset(at: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' }).formatToParts(at);
  const get = (t: string): number => Number(parts.find((p) => p.type === t)?.value ?? 0);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) - Math.floor(at / 1000) * 1000;
}

describe('zoneOffsetMs with its cache', () => {
  it('is right on both sides of a DST change, asked in any order', () => {
    const change = Date.UTC(2026, 2, 29, 1, 0, 0); // Europe/Berlin: +01:00 → +02:00
    for (const at of [change + 1000, change - 1000, change, change - 1, change + 899_999]) {
      expect(zoneOffsetMs(at, 'Europe/Berlin')).toBe(intlOffset(at, 'Europe/Berlin'));
    }
    expect(zoneOffsetMs(change - 1, 'Europe/Berlin')).toBe(3_600_000);
    expect(zoneOffsetMs(change, 'Europe/Berlin')).toBe(7_200_000);
  });

  it('equals Intl for any time since 1970 in the zones pintu shows and a few with odd offsets', () => {
    const zones = ['Asia/Jakarta', 'Asia/Makassar', 'Asia/Jayapura', 'Asia/Kathmandu', 'Australia/Lord_Howe', 'America/St_Johns', 'Europe/Berlin'];
    fc.assert(fc.property(fc.integer({ min: 0, max: Date.UTC(2040, 0, 1) }), fc.constantFrom(...zones), (at, zone) => {
      expect(zoneOffsetMs(at, zone)).toBe(intlOffset(at, zone));
    }), { numRuns: 3000 });
  });
});
