/**
 * The text-field rule (src/domain/text.ts): length limits and refused control characters, naming the field.
 */
import { describe, expect, it } from 'vitest';
import { TEXT_LIMITS, textError } from '../../src/domain/text.js';

describe('textError', () => {
  it('accepts ordinary text, including Indonesian names, punctuation and non-Latin letters', () => {
    for (const s of ['Budi Santoso', "Ni Luh Putu Ayu D'Souza", 'PT Jaringan Nusantara (Persero) Tbk.', 'Müller – 日本語 – ☺', '']) {
      expect(textError(s, '--name', 'name'), s).toBeNull();
    }
  });

  it('refuses ANSI escapes, other C0 and C1 controls, DEL and bidi overrides, naming the field and the character', () => {
    const cases: [string, string][] = [
      ['\u001b[31mRED', 'U+001B'], ['a\nb', 'U+000A'], ['a\tb', 'U+0009'], ['a\u0000', 'U+0000'], ['a\u007f', 'U+007F'],
      ['a\u0085b', 'U+0085'], ['\u009b31m', 'U+009B'], ['abc\u202Efdp.exe', 'U+202E'], ['x\u2066y\u2069', 'U+2066'], ['x\u200Fy', 'U+200F'],
    ];
    for (const [s, cp] of cases) {
      const e = textError(s, '--purpose', 'purpose');
      expect(e, JSON.stringify(s)).toMatch(new RegExp(`^--purpose: contains a control character \\(${cp.replace('+', '\\+')}\\)`));
    }
  });

  it('limits length in characters, not bytes or UTF-16 units', () => {
    expect(textError('a'.repeat(TEXT_LIMITS.name), '--name', 'name')).toBeNull();
    expect(textError('a'.repeat(TEXT_LIMITS.name + 1), '--name', 'name')).toMatch(/^--name: is 101 characters long; at most 100 are allowed/);
    expect(textError('😀'.repeat(TEXT_LIMITS.name), '--name', 'name')).toBeNull();
    expect(textError('x'.repeat(1001), '--note', 'note')).toMatch(/^--note: .*at most 1000/);
  });

  it('refuses broken UTF-16 (a lone surrogate cannot be stored or sent as text)', () => {
    expect(textError('a\ud800b', 'name', 'name')).toMatch(/not valid Unicode/);
  });
});
