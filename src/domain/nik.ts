/**
 * NIK (Nomor Induk Kependudukan) validation: 16 digits = province(2) regency(2) district(2)
 * birth date DDMMYY (day + 40 for women) and a 4-digit serial.
 */

/** Province codes in use (Kemendagri), including the 2022 Papua provinces. */
const PROVINCES = new Set([
  11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 31, 32, 33, 34, 35, 36, 51, 52, 53, 61, 62, 63, 64, 65,
  71, 72, 73, 74, 75, 76, 81, 82, 91, 92, 93, 94, 95, 96, 97,
]);

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Result of validating a NIK: ok, or an error naming what is wrong. */
export type NikCheck = { ok: true; nik: string; female: boolean } | {
  /** Refused. */ ok: false;
  /** What is wrong (English; never a digit of the NIK). */ error: string;
  /** A stable key for it (`nik.length`, `nik.province`, …), for a front end's own words. */ code: NikProblem;
  /** The length typed, for `nik.length`. */ params?: { length: number; nonDigits: number };
};

/** What can be wrong with a NIK. */
export type NikProblem = 'nik.length' | 'nik.province' | 'nik.regency' | 'nik.district' | 'nik.month' | 'nik.day' | 'nik.serial';

/**
 * Validate a NIK. Spaces and dots are ignored. The message never repeats the NIK or any of its digits (a mistyped NIK
 * is still mostly someone's NIK, and the message can reach the centre in a command reply and the hash chain).
 */
export function checkNik(input: string): NikCheck {
  const nik = input.replace(/[\s.]/g, '');
  if (!/^\d{16}$/.test(nik)) {
    return { ok: false, code: 'nik.length', params: { length: nik.length, nonDigits: /\D/.test(nik) ? 1 : 0 }, error: `NIK must be exactly 16 digits (got ${nik.length} characters${/\D/.test(nik) ? ', with non-digits' : ''})` };
  }
  const num = (from: number, len: number): number => Number(nik.slice(from, from + len));
  const province = num(0, 2);
  if (!PROVINCES.has(province)) return { ok: false, code: 'nik.province', error: 'NIK digits 1-2 (province code) are not an Indonesian province' };
  if (num(2, 2) === 0) return { ok: false, code: 'nik.regency', error: 'NIK digits 3-4 (regency/city code) cannot be 00' };
  if (num(4, 2) === 0) return { ok: false, code: 'nik.district', error: 'NIK digits 5-6 (district code) cannot be 00' };
  let day = num(6, 2);
  const female = day > 40;
  if (female) day -= 40;
  const month = num(8, 2);
  if (month < 1 || month > 12) return { ok: false, code: 'nik.month', error: 'NIK digits 9-10 (birth month) must be 01-12' };
  if (day < 1 || day > (DAYS_IN_MONTH[month - 1] ?? 31)) {
    return { ok: false, code: 'nik.day', error: 'NIK digits 7-8 (birth day) are not a valid day of the birth month (women: day + 40)' };
  }
  if (num(12, 4) === 0) return { ok: false, code: 'nik.serial', error: 'NIK digits 13-16 (serial) cannot be 0000' };
  return { ok: true, nik, female };
}

/**
 * A NIK as shown anywhere (console, CLI, `--json`, reports, the dashboard) unless a head reveals it: the region code
 * (6 digits) and the serial (last 4) stay, the birth date is masked — `320101******0001` (issue 14). Input that is
 * not 16 digits is masked whole, so nothing of a mistyped NIK leaks either.
 */
export function maskNik(nik: string): string {
  const digits = nik.replace(/[\s.]/g, '');
  if (!/^\d{16}$/.test(digits)) return digits.length === 0 ? '' : '*'.repeat(Math.min(digits.length, 16));
  return `${digits.slice(0, 6)}******${digits.slice(12)}`;
}

/** A visit as shown outside a head's reveal (CLI text and `--json`, console, reports): the same visit with its NIK masked. */
export function withMaskedNik<V extends { visitor: { nik: string } }>(v: V): V {
  return { ...v, visitor: { ...v.visitor, nik: maskNik(v.visitor.nik) } };
}
