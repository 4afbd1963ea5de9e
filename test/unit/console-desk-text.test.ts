/**
 * The desk screens' words: every NIK problem, visit state, badge status and visit action has its officer text in both
 * languages (a missing one would show a key or the app's English message), and an app refusal with a code is said in
 * the officer's language with its facts translated (states, roles, actions, times in the site's zone).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/domain/errors.js';
import { ALLOWED_ROLES } from '../../src/domain/sop.js';
import { VISIT_STATES } from '../../src/domain/types.js';
import { Catalogue, LANGS, type MessageKey } from '../../src/adapters/console/i18n/index.js';
import type { ConsoleContext } from '../../src/adapters/console/context.js';
import { refusal } from '../../src/adapters/console/view.js';
import { nikReason } from '../../src/adapters/console/screens/request.js';

const catalogue = new Catalogue();
const ctx = { settings: { timeZone: 'Asia/Makassar' } } as unknown as ConsoleContext;

/** A NIK with each problem `checkNik` knows (never a real person's: made up digit by digit). */
const BAD_NIKS: Record<string, string> = {
  length: '320101150190', province: '9901011501900001', regency: '3200011501900001', district: '3201001501900001',
  month: '3201011513900001', day: '3201013102900001', serial: '3201011501900000',
};

/** Every refusal code the app and the domain raise (`code: '…'`, `no('…'`, the NIK problems, `notfound.<thing>`), read from their source. */
function refusalCodes(): Set<string> {
  const codes = new Set<string>(['notfound.officer', 'notfound.visit', 'notfound.badge']);
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.ts')) {
        const text = readFileSync(p, 'utf8');
        for (const m of text.matchAll(/(?:code: |no\()'([a-z_]+(?:\.[a-z_]+)*)'/g)) codes.add(m[1]!);
        for (const m of text.matchAll(/'(nik\.[a-z]+)'/g)) codes.add(m[1]!);
      }
    }
  };
  walk(join(import.meta.dirname, '../../src/app'));
  walk(join(import.meta.dirname, '../../src/domain'));
  return codes;
}

describe('console desk texts', () => {
  it('has officer text for every refusal code the app can raise, in both languages', () => {
    const codes = refusalCodes();
    expect(codes.size).toBeGreaterThan(20);
    for (const lang of LANGS) for (const code of codes) expect(catalogue.raw(lang, `err.${code}`), `${lang} err.${code}`).toBeDefined();
  });

  it('says every NIK problem in both languages, without the app\'s English fallback or any digit of the NIK', () => {
    for (const lang of LANGS) {
      const t = catalogue.translator(lang);
      const seen = new Set<string>();
      for (const [problem, nik] of Object.entries(BAD_NIKS)) {
        const text = nikReason(t, nik);
        expect(text, problem).toBeTruthy();
        expect(text!, problem).not.toMatch(/^(Ditolak|Refused):/);
        expect(text!, problem).not.toContain(nik.slice(0, 6));
        seen.add(text!);
      }
      expect(seen.size).toBe(Object.keys(BAD_NIKS).length);
      expect(nikReason(t, '3201011501900001')).toBeNull();
    }
  });

  it('has a word for every visit state, badge status and visit action a refusal can name', () => {
    for (const lang of LANGS) {
      const t = catalogue.translator(lang);
      const keys = [
        ...VISIT_STATES.map((s) => `state.${s}`), 'state.cancelled',
        ...['available', 'issued', 'lost', 'retired'].map((s) => `issue.status.${s}`),
        ...Object.keys(ALLOWED_ROLES).map((a) => `err.action.${a}`), 'err.action.cancel', 'err.action.acknowledge_mismatch', 'err.action.badge_found',
      ];
      for (const k of keys) expect(t(k as MessageKey), `${lang} ${k}`).not.toBe(k);
    }
  });

  it('says a coded refusal in the officer\'s language with its facts translated', () => {
    const state = Object.assign(new UserError('visit V-20261201-004 is issued; it cannot be cancelled (allowed from: requested, checked, approved)'), {
      code: 'visit.state', params: { visit: 'V-20261201-004', state: 'issued', action: 'cancel', allowed: 'requested,checked,approved' },
    });
    expect(refusal(ctx, catalogue.translator('id'), state)).toBe(
      'Kunjungan V-20261201-004 berstatus Kartu khusus diserahkan; tidak dapat menutup permohonan (hanya dari status: Diajukan, Diperiksa kelengkapannya, Disetujui).');
    expect(refusal(ctx, catalogue.translator('en'), state)).toBe(
      'Visit V-20261201-004 is in state Badge issued: not allowed to close requests (only from: Requested, Checked, Approved).');
    const role = Object.assign(new UserError('officer O3 is staff; only head may acknowledge mismatch a visit'), {
      code: 'role', params: { officer: 'O3', role: 'staff', action: 'acknowledge_mismatch', allowed: 'head' },
    });
    expect(refusal(ctx, catalogue.translator('id'), role)).toBe('Petugas O3 berperan Staf administrasi; hanya Kepala bidang yang boleh mengonfirmasi perangkat tidak sesuai.');
    const expired = Object.assign(new UserError('expired'), { code: 'visit.expired', params: { visit: 'V-20261201-001', until: Date.UTC(2026, 11, 1, 9, 0) } });
    expect(refusal(ctx, catalogue.translator('id'), expired)).toBe('Izin akses kunjungan V-20261201-001 sudah berakhir (2026-12-01 17:00:00 WITA (+08:00)); minta persetujuan baru.');
    const badge = Object.assign(new UserError('badge TAMU-01 is lost; pick an available badge'), { code: 'badge.status', params: { badge: 'TAMU-01', status: 'lost' } });
    expect(refusal(ctx, catalogue.translator('id'), badge)).toBe('Kartu khusus TAMU-01 tidak dapat diserahkan: dilaporkan hilang. Pilih kartu yang tersedia.');
    // A refusal without a code the catalogue knows keeps the app's own message.
    expect(refusal(ctx, catalogue.translator('id'), new UserError('something new'))).toBe('Ditolak: something new');
  });
});
