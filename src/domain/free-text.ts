/**
 * Free text that goes into an event (purpose, disposition signatory, deny/revoke/door reasons, cancel and report
 * notes, checklist notes) stays in the hash chain for ever and is sent to the central office: unlike the visit's own
 * fields it is never encrypted at rest nor purged. So it must not hold a visitor's personal data. This guard refuses
 * such text when it holds (a) a NIK-shaped run of 16 digits, (b) an Indonesian phone number, or (c) the visit's own
 * visitor name, NIK or phone. The refusal names the field and what was found, never the digits or the name.
 *
 * Rules, chosen so that ordinary purposes ("Pemeliharaan server rak 3, tiket HD-2026-0042") pass:
 * - Digits count as one run across separators (up to three spaces, dots or dashes: `3201 0101-0101.0001`); anything else ends it.
 * - NIK: any run in which 16 digits form a valid NIK (province, birth date, …), or a run of exactly 16 digits once
 *   dates written in full (`2026-12-01`, `01-12-2026`) and times (`08.00-10.00`) are left out (valid or not: a
 *   mistyped NIK is still mostly someone's NIK). Dates and times are left out of phone numbers too, so two dates or
 *   two time ranges side by side are neither. Known limit: two dates `DD-MM-YYYY` side by side can read as a valid NIK.
 * - Phone: a run of `08` or `62`/`+62`, then 7–12 digits (the first not 0), not glued to a word before it (`INC0812345678`
 *   is a ticket) unless that word is a phone label (`HP`, `WA`, `Telp`, …).
 * - Name: the visitor's name as words, case and accents ignored, titles (`Ir.`, `Drs.`, `S.Kom`) and words under 3
 *   letters left out. A one-word name is refused wherever it stands as a word. A longer name is refused when two of
 *   its words stand next to each other (the full name, or "Santoso Budi"), or when one of its words (4+ letters)
 *   follows a form of address (`Pak Budi`, `Ibu Sari`, `Sdr. Agus`, `a.n. Budi`): a lone given name that is also an
 *   ordinary word (`Jaya`, `Indah`, `Bintang`, `Sari`) does not trip it in "PT Jaya Abadi" or "lampu indah".
 * Pure: no I/O.
 */

/** The visitor whose visit the text is about (the visit's own fields), if known. */
export interface VisitorFacts {
  /** The visitor's name. */
  name?: string | null;
  /** The visitor's NIK. */
  nik?: string | null;
  /** The visitor's phone. */
  phone?: string | null;
}

/** What personal data was found in a free text: a stable key (`text.personal.*`) and the English words after the field. */
export interface PersonalDataProblem {
  /** Stable key, for a front end's own words. */
  code: 'text.personal.nik' | 'text.personal.phone' | 'text.personal.name';
  /** The English text after the field's name (names what was found, never its digits or letters). */
  detail: string;
}

const WHY = 'personal data may not go into the event log (kept for ever and sent to the central office); write it in the visit\'s own fields';
const FOUND = {
  'text.personal.nik': `must not contain a NIK (16 digits): ${WHY}`,
  'text.personal.phone': `must not contain a phone number: ${WHY}`,
  'text.personal.name': `must not contain the visitor's name: ${WHY}`,
} as const;

/** Province codes, for a valid NIK inside a longer run (same list as nik.ts, kept local to stay a leaf module). */
const PROVINCES = new Set([11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 31, 32, 33, 34, 35, 36, 51, 52, 53, 61, 62, 63, 64, 65, 71, 72, 73, 74, 75, 76, 81, 82, 91, 92, 93, 94, 95, 96, 97]);

/** 16 digits that read as a NIK: a province, non-zero regency and district, a birth date (day + 40 for women), serial not 0000. */
function nikLike(d: string): boolean {
  const n = (from: number, len: number): number => Number(d.slice(from, from + len));
  const day = n(6, 2) > 40 ? n(6, 2) - 40 : n(6, 2);
  return PROVINCES.has(n(0, 2)) && n(2, 2) > 0 && n(4, 2) > 0 && day >= 1 && day <= 31 && n(8, 2) >= 1 && n(8, 2) <= 12 && n(12, 4) > 0;
}

/** Full dates and clock times, blanked out before digit runs are read (so `2026-12-01 2026-12-03` is not a NIK). */
const DATE_OR_TIME = /(?<![\d.-])(?:(?:19|20)\d\d[-./](?:0?[1-9]|1[0-2])[-./](?:0?[1-9]|[12]\d|3[01])|(?:0?[1-9]|[12]\d|3[01])[-./](?:0?[1-9]|1[0-2])[-./](?:19|20)\d\d|(?:[01]?\d|2[0-3])[.:][0-5]\d(?![.]?\d))(?![.]\d|\d)/g;

/** A run of digits joined by separators, with what stands just before it. */
interface DigitRun {
  /** The digits alone. */
  digits: string;
  /** Letters glued to its start (`INC` of `INC0812345678`), or ''. */
  glued: string;
}

/** The digit runs of a text (up to three spaces, dots or dashes between two digits join them), dates and times first blanked out or not. */
function digitRuns(text: string, blankDates: boolean): DigitRun[] {
  const blanked = blankDates ? text.replace(DATE_OR_TIME, (m) => '#'.repeat(m.length)) : text;
  const runs: DigitRun[] = [];
  for (const m of blanked.matchAll(/\d(?:[ .-]{0,3}\d)*/g)) {
    const head = blanked.slice(0, m.index ?? 0);
    runs.push({ digits: m[0].replace(/\D/g, ''), glued: /(\p{L}+)$/u.exec(head)?.[1] ?? '' });
  }
  return runs;
}

/** Words before a number that say it is a phone number (a number glued to them still counts as one). */
const PHONE_LABELS = new Set(['hp', 'wa', 'tel', 'telp', 'telpon', 'telepon', 'phone', 'ponsel', 'no', 'nomor', 'nohp', 'kontak']);

/** A run that reads as an Indonesian phone number: `08` or `62`/`+62`, a non-zero digit, 7–12 digits in all after the prefix. */
function phoneLike(r: DigitRun): boolean {
  if (r.glued && !PHONE_LABELS.has(r.glued.toLowerCase())) return false;
  const d = r.digits;
  if (!/^(?:08|62)[1-9]/.test(d)) return false;
  return d.length - 2 >= 7 && d.length - 2 <= 12;
}

/** A run that holds a valid NIK somewhere in it. */
function holdsValidNik(d: string): boolean {
  for (let i = 0; i + 16 <= d.length; i++) if (nikLike(d.slice(i, i + 16))) return true;
  return false;
}

/** A phone number's digits in one form (`+62 812…` and `0812…` alike). */
function phoneDigits(phone: string): string {
  const d = phone.replace(/\D/g, '');
  return d.startsWith('62') ? `0${d.slice(2)}` : d;
}

/** Academic and religious titles that are part of a written name but name nobody. */
const TITLES = new Set(['drs', 'dra', 'prof', 'skom', 'spd', 'ssos', 'sked', 'msi', 'mkom', 'mpd', 'amd', 'hj', 'haji', 'hajjah', 'bin', 'binti']);

/** Forms of address before a name (`Pak Budi`, `a.n. Sari` reads as `a n`). */
const ADDRESS = new Set(['pak', 'bapak', 'bpk', 'bu', 'ibu', 'sdr', 'sdri', 'saudara', 'saudari', 'mas', 'mbak', 'tuan', 'nyonya', 'nona', 'mr', 'mrs', 'ms', 'miss', 'n', 'nama', 'yth']);

/** The words of a text: letters and digits, lower-case, accents dropped. */
function words(text: string): string[] {
  return [...text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().matchAll(/[\p{L}\p{N}]+/gu)].map((m) => m[0]);
}

/** Whether the text names the visitor (see the module's rules). */
function namesVisitor(text: string, name: string): boolean {
  const nameWords = [...new Set(words(name).filter((w) => w.length >= 3 && !TITLES.has(w) && !/\d/.test(w)))];
  if (nameWords.length === 0) return false;
  const t = words(text);
  if (nameWords.length === 1) return t.includes(nameWords[0]!);
  const inName = new Set(nameWords);
  for (let i = 0; i < t.length; i++) {
    const w = t[i]!;
    if (!inName.has(w)) continue;
    const next = t[i + 1];
    if (next !== undefined && next !== w && inName.has(next)) return true;
    if (w.length >= 4 && i > 0 && ADDRESS.has(t[i - 1]!)) return true;
  }
  return false;
}

/**
 * What personal data a free text that goes into an event holds, or null: a NIK-shaped or phone-shaped number, or the
 * visitor's own name, NIK or phone (when the visit is known).
 */
export function personalDataProblem(value: string, visitor: VisitorFacts = {}): PersonalDataProblem | null {
  const problem = (code: PersonalDataProblem['code']): PersonalDataProblem => ({ code, detail: FOUND[code] });
  const runs = digitRuns(value, true);
  if (runs.some((r) => r.digits.length === 16) || digitRuns(value, false).some((r) => holdsValidNik(r.digits))) return problem('text.personal.nik');
  if (runs.some(phoneLike)) return problem('text.personal.phone');
  const allDigits = value.replace(/\D/g, '');
  const nik = visitor.nik?.replace(/\D/g, '') ?? '';
  if (nik.length >= 8 && allDigits.includes(nik)) return problem('text.personal.nik');
  const phone = visitor.phone ? phoneDigits(visitor.phone) : '';
  if (phone.length >= 7 && runs.some((r) => phoneDigits(r.digits).includes(phone))) return problem('text.personal.phone');
  if (visitor.name && namesVisitor(value, visitor.name)) return problem('text.personal.name');
  return null;
}

/** Why a free text for an event was refused, naming the field (e.g. `purpose must not contain a NIK …`), or null. */
export function personalDataError(value: string, field: string, visitor: VisitorFacts = {}): string | null {
  const p = personalDataProblem(value, visitor);
  return p ? `${field} ${p.detail}` : null;
}
