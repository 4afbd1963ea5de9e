/**
 * The guard on free text that goes into events (src/domain/free-text.ts): a NIK, a phone number or the visit's own
 * visitor name/NIK/phone is refused, ordinary purposes with tickets, serials, dates and times are not, and the message
 * never repeats what it found.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { personalDataError, personalDataProblem } from '../../src/domain/free-text.js';
import { checkNik } from '../../src/domain/nik.js';

const PROVINCES = [11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 31, 32, 33, 34, 35, 36, 51, 52, 53, 61, 62, 63, 64, 65, 71, 72, 73, 74, 75, 76, 81, 82, 91, 92, 93, 94, 95, 96, 97];
const two = (n: number): string => String(n).padStart(2, '0');

/** A valid NIK: province, regency, district, birth date (women + 40), serial. */
const validNik = fc.record({
  province: fc.constantFrom(...PROVINCES), regency: fc.integer({ min: 1, max: 99 }), district: fc.integer({ min: 1, max: 99 }),
  day: fc.integer({ min: 1, max: 28 }), female: fc.boolean(), month: fc.integer({ min: 1, max: 12 }), year: fc.integer({ min: 0, max: 99 }),
  serial: fc.integer({ min: 1, max: 9999 }),
}).map((p) => `${two(p.province)}${two(p.regency)}${two(p.district)}${two(p.day + (p.female ? 40 : 0))}${two(p.month)}${two(p.year)}${String(p.serial).padStart(4, '0')}`);

/** The digits with a separator (or none) after each: what an officer may type. */
const separated = (digits: string, seps: string[]): string => [...digits].map((d, i) => (i < digits.length - 1 ? d + (seps[i % seps.length] ?? '') : d)).join('');
const separators = fc.array(fc.constantFrom('', '', '', ' ', '.', '-', ' - ', '. '), { minLength: 1, maxLength: 15 });

/** Ordinary text around the number: words that hold no number. */
const words = fc.array(fc.constantFrom('Pemeliharaan', 'server', 'rak', 'UPS', 'kunjungan', 'vendor', 'PT', 'Maju', 'tiket', 'ganti', 'kabel', 'no.', 'NIK:', '(', ')', ','), { maxLength: 6 }).map((w) => w.join(' '));

const ORDINARY = [
  'Pemeliharaan server rak 3, tiket HD-2026-0042',
  'Penggantian UPS APC SMT1500, SN 5CG1234XYZ, tiket INC0012345',
  'Audit kabel rak 1-12, port 24-48, VLAN 1002',
  'Jadwal 2026-12-01 2026-12-03, jam 08.00-10.00 WIB',
  'Jam 08.00-10.00 12.00-14.00 WITA',
  'Instalasi switch Cisco C9300-48P, IP 10.0.12.34, rak 07',
  'Surat tugas nomor 800/1234/BKD/2026 tanggal 01-12-2026 08-12-2026',
  'Perbaikan AC presisi unit 2, suhu 27.5 C, tiket INC0812345678',
  'Cek log firewall tiket HD-2026-0042 dan HD-2026-0043',
  'Pemasangan 4 server baru oleh PT Jaya Abadi',
  'Migrasi VM 1 2 3 4 ke host baru',
];

describe('free text for events (no personal data in the event log)', () => {
  it('refuses any valid NIK embedded with spaces, dots or dashes between its digits, without repeating a digit', () => {
    fc.assert(fc.property(validNik, separators, words, words, (nik, seps, before, after) => {
      expect(checkNik(nik).ok).toBe(true);
      const text = `${before} ${separated(nik, seps)} ${after}`;
      const p = personalDataProblem(text);
      expect(p?.code).toBe('text.personal.nik');
      const message = personalDataError(text, 'purpose')!;
      expect(message).toMatch(/^purpose must not contain a NIK \(16 digits\): personal data may not go into the event log/);
      expect(message).not.toMatch(/\d{3}/);
    }), { numRuns: 300 });
  });

  it('refuses a 16-digit run even when it is not a valid NIK (a mistyped NIK is still mostly someone\'s), and a valid NIK inside a longer run', () => {
    expect(personalDataProblem('nik 0000 0000 0000 0000')?.code).toBe('text.personal.nik');
    expect(personalDataProblem('ref 9 3201010101900001')?.code).toBe('text.personal.nik');
  });

  it('refuses Indonesian phone numbers in their usual spellings, without repeating a digit', () => {
    for (const phone of ['0812-3456-7890', '0812 3456 789', '+62 812 3456 7890', '+62-21-5551234', '6281234567890', '08.123.456.789', 'HP0812345678', 'WA:081234567890']) {
      const text = `hubungi ${phone} sebelum datang`;
      expect(personalDataProblem(text)?.code, phone).toBe('text.personal.phone');
      expect(personalDataError(text, 'reason')).toMatch(/^reason must not contain a phone number: /);
      expect(personalDataError(text, 'reason')).not.toMatch(/\d{3}/);
    }
  });

  it('does not refuse ordinary purposes: ticket numbers, serials, dates, times, IP addresses, letter numbers', () => {
    for (const text of ORDINARY) expect(personalDataProblem(text), text).toBeNull();
  });

  it('does not refuse generated tickets and serials (letters glued to digits, or short numbers)', () => {
    fc.assert(fc.property(fc.constantFrom('HD', 'INC', 'SN', 'REQ', 'CHG'), fc.stringMatching(/^\d{4,14}$/), fc.integer({ min: 1, max: 99 }), (prefix, digits, rack) => {
      expect(personalDataProblem(`Pemeliharaan rak ${rack}, tiket ${prefix}${digits}`)).toBeNull();
      expect(personalDataProblem(`Pemeliharaan rak ${rack}, tiket ${prefix}-${digits.slice(0, 4)}-${rack}`)).toBeNull();
    }), { numRuns: 300 });
  });

  it('refuses the visitor\'s own name: the whole name, two of its words together, or one after a form of address', () => {
    const visitor = { name: 'Ir. Budi Santoso Wijaya, M.T.', nik: '3201014501900001', phone: '+62 21 5551234' };
    for (const text of ['Budi Santoso Wijaya datang', 'perbaikan oleh budi santoso', 'Santoso, Budi', 'diantar Pak Budi', 'a.n. Wijaya', 'Ibu WIJAYA', 'sdr. Santoso']) {
      expect(personalDataProblem(text, visitor)?.code, text).toBe('text.personal.name');
      expect(personalDataError(text, 'note', visitor)).not.toMatch(/budi|santoso|wijaya/i);
    }
    expect(personalDataProblem('Sukarno datang terlambat', { name: 'Sukarno' })?.code).toBe('text.personal.name');
    expect(personalDataProblem('José hadir', { name: 'Jose' })?.code).toBe('text.personal.name');
  });

  it('does not refuse an ordinary word that is also one word of a longer name (Jaya, Indah, Bintang) standing alone', () => {
    expect(personalDataProblem('Pemasangan 4 server oleh PT Jaya Abadi', { name: 'Agus Jaya' })).toBeNull();
    expect(personalDataProblem('Lampu indah di koridor diganti', { name: 'Indah Permata Sari' })).toBeNull();
    expect(personalDataProblem('Rak Bintang 3 diperiksa', { name: 'Bintang Ramadhan' })).toBeNull();
    expect(personalDataProblem('Pemeliharaan rak 3', { name: 'Ir. H. M.' })).toBeNull();
  });

  it('refuses the visit\'s own NIK and phone however they are written, even when they do not look Indonesian', () => {
    expect(personalDataProblem('kantor 021 5551234', { phone: '+62 21 5551234' })?.code).toBe('text.personal.phone');
    expect(personalDataProblem('call +44 20 7946 0958', { phone: '+44 20 7946 0958' })?.code).toBe('text.personal.phone');
    expect(personalDataProblem('nik akhir 3201014501900001x', { nik: '3201014501900001' })?.code).toBe('text.personal.nik');
  });
});
