/**
 * Times typed by officers are parsed strictly and read in the office's zone; every time is shown with its zone.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DAY_MS, HOUR_MS, MINUTE_MS, formatTime, isCalendarDate, isTimeZone, parseTime } from '../../src/domain/time.js';
import { UserError } from '../../src/domain/errors.js';

describe('parseTime', () => {
  it('refuses impossible dates and times instead of rolling them over', () => {
    for (const v of ['2027-02-30T10:00+07:00', '2026-02-29T10:00', '2026-04-31', '2026-13-01T00:00Z', '2026-12-01T24:00+07:00', '2026-12-01T10:60', '2026-12-01T10:00:61Z']) {
      expect(() => parseTime(v, '--until', 'Asia/Jakarta'), v).toThrow(UserError);
    }
    expect(() => parseTime('2027-02-30T10:00+07:00', '--until', 'Asia/Jakarta')).toThrow(/^--until: "2027-02-30T10:00\+07:00" is not a real date/);
    expect(parseTime('2028-02-29T10:00+07:00', '--until', 'Asia/Jakarta')).toBe(Date.UTC(2028, 1, 29, 3, 0));
  });

  it('reads a time without an offset in the office zone (WIB, WITA, WIT), never as UTC', () => {
    expect(parseTime('2026-12-01T08:00', '--until', 'Asia/Jakarta')).toBe(Date.UTC(2026, 11, 1, 1, 0));
    expect(parseTime('2026-12-01 08:00', '--until', 'Asia/Makassar')).toBe(Date.UTC(2026, 11, 1, 0, 0));
    expect(parseTime('2026-12-01T08:00:30', '--until', 'Asia/Jayapura')).toBe(Date.UTC(2026, 10, 30, 23, 0, 30));
    expect(parseTime('2026-12-01', '--from', 'Asia/Jakarta')).toBe(Date.UTC(2026, 10, 30, 17, 0));
  });

  it('honours an explicit offset or Z', () => {
    expect(parseTime('2026-12-01T08:00+09:00', '--until', 'Asia/Jakarta')).toBe(Date.UTC(2026, 10, 30, 23, 0));
    expect(parseTime('2026-12-01T08:00:00.250Z', '--until', 'Asia/Jakarta')).toBe(Date.UTC(2026, 11, 1, 8, 0, 0, 250));
    expect(parseTime('2026-12-01T08:00-0330', '--until', 'Asia/Jakarta')).toBe(Date.UTC(2026, 11, 1, 11, 30));
  });

  it('refuses text that is not a time, naming the option', () => {
    for (const v of ['tomorrow', '', '2026/12/01', '1.12.2026 08:00', '2026-12-01T08', '2026-12-01T08:00+25:00']) {
      expect(() => parseTime(v, '--from', 'Asia/Jakarta'), v).toThrow(/^--from: /);
    }
  });
});

describe('formatTime', () => {
  it('shows the local time with the zone name and offset', () => {
    const at = Date.UTC(2026, 11, 1, 1, 0, 5);
    expect(formatTime(at, 'Asia/Jakarta')).toBe('2026-12-01 08:00:05 WIB (+07:00)');
    expect(formatTime(at, 'Asia/Makassar')).toBe('2026-12-01 09:00:05 WITA (+08:00)');
    expect(formatTime(at, 'Asia/Jayapura')).toBe('2026-12-01 10:00:05 WIT (+09:00)');
    expect(formatTime(at, 'America/St_Johns')).toBe('2026-11-30 21:30:05 (-03:30)');
    expect(formatTime(null, 'Asia/Jakarta')).toBe('-');
  });

  it('round-trips with parseTime in every Indonesian zone', () => {
    for (const tz of ['Asia/Jakarta', 'Asia/Makassar', 'Asia/Jayapura']) {
      const at = parseTime('2026-11-23T16:45:10', '--until', tz);
      expect(formatTime(at, tz).slice(0, 19)).toBe('2026-11-23 16:45:10');
    }
  });
});

describe('isTimeZone / isCalendarDate', () => {
  it('knows real IANA zones and real dates only', () => {
    expect(isTimeZone('Asia/Jakarta')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
    expect(isTimeZone('')).toBe(false);
    expect(isCalendarDate('2026-11-20')).toBe(true);
    expect(isCalendarDate('2026-02-30')).toBe(false);
    expect(isCalendarDate('20-11-2026')).toBe(false);
  });
});

describe('time units', () => {
  it('are defined once, in src/domain/time.ts: no other source file writes a day or an hour in ms', () => {
    const src = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');
    const files = (readdirSync(src, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).map((f) => join(src, f));
    const literal = /\b(86_?400_?000|3_?600_?000)\b/;
    const offenders = files.filter((f) => !f.endsWith(join('domain', 'time.ts')) && literal.test(readFileSync(f, 'utf8')));
    expect(offenders).toEqual([]);
    expect([DAY_MS, HOUR_MS, MINUTE_MS]).toEqual([24 * 60 * 60 * 1000, 60 * 60 * 1000, 60 * 1000]);
  });
});
