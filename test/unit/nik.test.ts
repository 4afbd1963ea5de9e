import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { checkNik } from '../../src/domain/nik.js';

/** Build a NIK from its parts (province, regency, district, DDMMYY with day+40 for women, serial). */
function nik(p: { prov?: number; reg?: number; dist?: number; day?: number; month?: number; year?: number; serial?: number; female?: boolean } = {}): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  const day = (p.day ?? 15) + (p.female ? 40 : 0);
  return `${two(p.prov ?? 32)}${two(p.reg ?? 73)}${two(p.dist ?? 1)}${two(day)}${two(p.month ?? 8)}${two(p.year ?? 90)}${String(p.serial ?? 1).padStart(4, '0')}`;
}

function errorOf(input: string): string {
  const r = checkNik(input);
  if (r.ok) throw new Error(`expected ${input} to be refused`);
  return r.error;
}

describe('checkNik: valid NIKs', () => {
  it('accepts a male NIK (day as is) and reports female=false', () => {
    const n = nik({ day: 15, month: 8, year: 90 });
    expect(n).toBe('3273011508900001');
    expect(checkNik(n)).toEqual({ ok: true, nik: n, female: false });
  });

  it('accepts a female NIK (day + 40) and reports female=true', () => {
    const n = nik({ day: 15, female: true });
    expect(n.slice(6, 8)).toBe('55');
    expect(checkNik(n)).toEqual({ ok: true, nik: n, female: true });
  });

  it('accepts 29 February for men and women (the year has only two digits, so any YY)', () => {
    for (const year of [0, 1, 99]) {
      expect(checkNik(nik({ day: 29, month: 2, year })).ok).toBe(true);
      expect(checkNik(nik({ day: 29, month: 2, year, female: true }))).toMatchObject({ ok: true, female: true });
    }
  });

  it('accepts the last day of each month and day 1 + 40 / 31 + 40 for women', () => {
    const last = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    last.forEach((d, i) => {
      expect(checkNik(nik({ day: d, month: i + 1 })).ok).toBe(true);
      expect(checkNik(nik({ day: d, month: i + 1, female: true })).ok).toBe(true);
      expect(checkNik(nik({ day: 1, month: i + 1, female: true })).ok).toBe(true);
    });
  });

  it('ignores spaces and dots and returns the bare 16 digits', () => {
    const n = '3273011508900001';
    expect(checkNik('3273 0115 0890 0001')).toEqual({ ok: true, nik: n, female: false });
    expect(checkNik('32.73.01.150890.0001')).toEqual({ ok: true, nik: n, female: false });
    expect(checkNik(' 3273011508900001\n')).toEqual({ ok: true, nik: n, female: false });
  });

  it('accepts the highest serial and province codes across the archipelago', () => {
    expect(checkNik(nik({ serial: 9999 })).ok).toBe(true);
    for (const prov of [11, 21, 31, 36, 51, 53, 61, 65, 71, 76, 81, 82, 91, 94]) expect(checkNik(nik({ prov })).ok).toBe(true);
  });
});

describe('checkNik: each kind of invalid NIK names the part that is wrong', () => {
  it('length: too short, too long, empty', () => {
    for (const s of ['327301150890001', '32730115089000011', '']) {
      const e = errorOf(s);
      expect(e).toMatch(/16 digits/);
      expect(e).toContain(`${s.length} characters`);
    }
  });

  it('non-digits (even at length 16)', () => {
    expect(errorOf('32730115089000A1')).toMatch(/non-digit/);
    expect(errorOf('3273-0115-0890-0001')).toMatch(/non-digit/);
    expect(errorOf('３２７３０１１５０８９０００１')).toMatch(/non-digit/); // full-width digits are not ASCII digits
  });

  it('province code not in use', () => {
    for (const prov of [0, 10, 20, 22, 30, 37, 50, 54, 60, 70, 80, 83, 90, 99]) {
      const e = errorOf(nik({ prov }));
      expect(e).toMatch(/province/);
      expect(e).toMatch(/digits 1-2/);
    }
  });

  it('regency/city code 00', () => {
    expect(errorOf(nik({ reg: 0 }))).toMatch(/digits 3-4 \(regency\/city/);
  });

  it('district code 00', () => {
    expect(errorOf(nik({ dist: 0 }))).toMatch(/digits 5-6 \(district/);
  });

  it('birth month 00 or above 12', () => {
    for (const month of [0, 13, 19, 99]) expect(errorOf(nik({ month }))).toMatch(/digits 9-10 \(birth month/);
  });

  it('birth day 00, past the end of the month, or in the gap 32-40 / above 71', () => {
    const bad: { day: number; month: number; female?: boolean }[] = [
      { day: 0, month: 5 }, { day: 32, month: 1 }, { day: 31, month: 4 }, { day: 30, month: 2 }, { day: 31, month: 11 },
      { day: 0, month: 5, female: true }, // day 40: neither a man's nor a woman's day
      { day: 30, month: 2, female: true }, { day: 32, month: 12, female: true }, { day: 59, month: 1, female: true },
    ];
    for (const b of bad) expect(errorOf(nik(b)), JSON.stringify(b)).toMatch(/digits 7-8 \(birth day/);
  });

  it('serial 0000', () => {
    expect(errorOf(nik({ serial: 0 }))).toMatch(/digits 13-16 \(serial/);
  });
});

// Province codes printed on real KTPs (Dukcapil), independent of the implementation's table.
const KNOWN_PROVINCES = [11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 31, 32, 33, 34, 35, 36, 51, 52, 53, 61, 62, 63, 64, 65, 71, 72, 73, 74, 75, 76, 81, 82, 91, 94];
const DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const validParts = fc.record({
  prov: fc.constantFrom(...KNOWN_PROVINCES),
  reg: fc.integer({ min: 1, max: 99 }),
  dist: fc.integer({ min: 1, max: 99 }),
  month: fc.integer({ min: 1, max: 12 }),
  dayFrac: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
  year: fc.integer({ min: 0, max: 99 }),
  serial: fc.integer({ min: 1, max: 9999 }),
  female: fc.boolean(),
}).map((p) => ({ ...p, day: 1 + Math.floor(p.dayFrac * (DAYS[p.month - 1] ?? 28)) }));

describe('checkNik: properties', () => {
  it('any 16-digit string built from valid parts passes, with the right sex', () => {
    fc.assert(fc.property(validParts, (p) => {
      const n = nik(p);
      expect(n).toMatch(/^\d{16}$/);
      expect(checkNik(n)).toEqual({ ok: true, nik: n, female: p.female });
    }), { numRuns: 500 });
  });

  it('spacing the digits with spaces and dots never changes the result', () => {
    fc.assert(fc.property(validParts, fc.array(fc.constantFrom(' ', '.', '  '), { minLength: 16, maxLength: 16 }), (p, seps) => {
      const n = nik(p);
      const spaced = [...n].map((c, i) => c + (seps[i] ?? '')).join('');
      expect(checkNik(spaced)).toEqual(checkNik(n));
    }), { numRuns: 200 });
  });

  it('breaking exactly one part of a valid NIK is refused', () => {
    const breakers: ((n: string) => string)[] = [
      (n) => `00${n.slice(2)}`,
      (n) => `${n.slice(0, 2)}00${n.slice(4)}`,
      (n) => `${n.slice(0, 4)}00${n.slice(6)}`,
      (n) => `${n.slice(0, 8)}13${n.slice(10)}`,
      (n) => `${n.slice(0, 6)}35${n.slice(8)}`,
      (n) => `${n.slice(0, 12)}0000`,
      (n) => n.slice(1),
    ];
    fc.assert(fc.property(validParts, fc.integer({ min: 0, max: breakers.length - 1 }), (p, i) => {
      expect(checkNik(breakers[i]!(nik(p))).ok).toBe(false);
    }), { numRuns: 300 });
  });

  it('an error message never contains the NIK itself', () => {
    const digits16 = fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 16, maxLength: 16 }).map((a) => a.join(''));
    const nearLength = fc.array(fc.constantFrom(...'0123456789'), { minLength: 8, maxLength: 24 }).map((a) => a.join(''));
    const withJunk = fc.tuple(digits16, fc.nat(15), fc.constantFrom('x', '-', '/', 'O')).map(([d, i, c]) => d.slice(0, i) + c + d.slice(i + 1));
    fc.assert(fc.property(fc.oneof(digits16, nearLength, withJunk, validParts.map((p) => nik(p))), (input) => {
      const r = checkNik(input);
      if (!r.ok) {
        expect(r.error).not.toContain(input);
        expect(r.error.replace(/\D/g, '')).not.toContain(input.replace(/\D/g, '').slice(0, 12));
        expect(r.error.length).toBeGreaterThan(10);
      }
    }), { numRuns: 500 });
  });
});

describe('checkNik: an invalid NIK is never repeated in its message, not even in part', () => {
  it('no run of two or more of its digits, and no birth day or month, appears in the error', () => {
    fc.assert(fc.property(fc.stringMatching(/^[0-9]{16}$/), (typed) => {
      const r = checkNik(typed);
      if (r.ok) return;
      // The fixed words of the messages hold only the digit pairs of the positions they name and "01-12" / "00" / "0000".
      const words = r.error.replace(/digits \d+-\d+/g, '').replace(/01-12|\b0000\b|\b00\b|\+ 40/g, '');
      expect(words).not.toMatch(/\d/);
    }), { numRuns: 2000 });
  });
});
