/**
 * One rule for card UIDs (src/domain/uid.ts), used by the officer-side commands, the sim reader and, through its bounds,
 * the PC/SC reader: 2-16 whole bytes of hex, upper-case; typed separators and case do not matter.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { UID_MAX_BYTES, UID_MIN_BYTES, checkUid, isCanonicalUid, normalizeUid } from '../../src/domain/uid.js';
import { Em4100Parser, encodeEm4100Frame } from '../../src/adapters/serial/em4100.js';

const HEX = '0123456789abcdefABCDEF'.split('');
/** A UID as bytes of the allowed lengths. */
const uidBytes = fc.uint8Array({ minLength: UID_MIN_BYTES, maxLength: UID_MAX_BYTES });
const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('card UID rule', () => {
  it('gives upper-case hex for any whole-byte UID in the bounds, whatever the case and the separators', () => {
    fc.assert(fc.property(uidBytes, fc.array(fc.constantFrom(' ', ':', '-', '\t'), { minLength: 1, maxLength: 3 }), fc.boolean(), (bytes, seps, lower) => {
      const hex = hexOf(bytes).toUpperCase();
      const pairs = hex.match(/../g)!;
      const typed = pairs.map((p, i) => (lower ? p.toLowerCase() : p) + (i < pairs.length - 1 ? seps[i % seps.length] : '')).join('');
      expect(normalizeUid(typed)).toBe(hex);
      expect(normalizeUid(` ${typed} `)).toBe(hex);
    }));
  });

  it('is idempotent: a normalised UID normalises to itself and is canonical', () => {
    fc.assert(fc.property(fc.string({ maxLength: 40 }), (s) => {
      const once = normalizeUid(s);
      if (once !== null) {
        expect(normalizeUid(once)).toBe(once);
        expect(isCanonicalUid(once)).toBe(true);
        expect(once).toMatch(/^(?:[0-9A-F]{2}){2,16}$/);
      }
    }));
  });

  it('refuses anything with a character that is not a hex digit or a separator, naming its position but not the UID', () => {
    fc.assert(fc.property(fc.array(fc.constantFrom(...HEX), { minLength: 4, maxLength: 30 }), fc.nat(), fc.constantFrom('G', 'z', 'O', '_', '.', 'é', '٣', '\u0000'), (digits, at, bad) => {
      const i = at % (digits.length + 1);
      const typed = [...digits.slice(0, i), bad, ...digits.slice(i)].join('');
      const r = checkUid(typed);
      expect(r).toEqual({ ok: false, problem: `character ${i + 1} is not a hex digit` });
    }));
    expect(checkUid('0A1B2C3D4E5FZZ')).toEqual({ ok: false, problem: 'character 13 is not a hex digit' });
  });

  it('refuses empty, odd-length, too short and too long UIDs', () => {
    expect(checkUid('')).toEqual({ ok: false, problem: 'it is empty' });
    expect(checkUid(' : - ')).toEqual({ ok: false, problem: 'it is empty' });
    expect(checkUid('04A1B')).toEqual({ ok: false, problem: 'it has an odd number (5) of hex digits' });
    expect(checkUid('0A')).toEqual({ ok: false, problem: `it is shorter than ${UID_MIN_BYTES} bytes` });
    expect(checkUid('AB'.repeat(UID_MAX_BYTES + 1))).toEqual({ ok: false, problem: `it is longer than ${UID_MAX_BYTES} bytes` });
    expect(normalizeUid('AB'.repeat(UID_MAX_BYTES))).toBe('AB'.repeat(UID_MAX_BYTES));
    expect(normalizeUid('0a01')).toBe('0A01');
    fc.assert(fc.property(fc.uint8Array({ minLength: UID_MAX_BYTES + 1, maxLength: 40 }), (b) => {
      expect(normalizeUid(hexOf(b))).toBeNull();
    }));
  });

  it('is what the EM4100 reader delivers: every UID it decodes is already canonical', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 5, maxLength: 5 }), (b) => {
      const uids = new Em4100Parser().push(encodeEm4100Frame(hexOf(b)));
      expect(uids).toHaveLength(1);
      expect(isCanonicalUid(uids[0]!)).toBe(true);
    }));
  });
});
