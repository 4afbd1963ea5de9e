/**
 * Issue 14: free text that goes into the event log refused through the built `pintu` when it holds personal data: a
 * request's purpose with a NIK, a denial's reason with the visitor's name, a door disable reason with a phone number.
 * Exit code 2, a message naming the field and what was found (never the digits or the name), and nothing changed:
 * no visit, the visit's state as before, the door's mode as before, no event appended.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PIN, pintu, pintuJson, setupHead } from '../helpers/cli.js';
import { tempConfig, testNik, type TempConfig } from '../helpers/config.js';

describe('pintu: no personal data in free text that goes into events', () => {
  let tc: TempConfig;
  const events = (): string[] => pintu(tc.file, ['events', '--json']).stdout.trim().split('\n').filter(Boolean);

  beforeAll(() => {
    tc = tempConfig();
    setupHead(tc.file, 'Siti', '0A00000001');
  }, 60_000);
  afterAll(() => tc.cleanup());

  it('refuses a purpose holding a NIK: exit 2, the field named, no digit echoed, no visit and no event', () => {
    const before = events();
    const other = testNik(77);
    const r = pintu(tc.file, ['visit', 'request', '--name', 'Budi Santoso', '--nik', testNik(78), '--org', 'PT X', '--purpose', `antar berkas NIK ${other.slice(0, 8)} ${other.slice(8)}`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/purpose must not contain a NIK \(16 digits\): personal data may not go into the event log/);
    expect(r.stdout + r.stderr).not.toContain(other.slice(0, 8));
    expect(events()).toEqual(before);
    expect(pintuJson<unknown[]>(tc.file, ['visit', 'list'])).toEqual([]);
  }, 60_000);

  it('refuses a denial whose reason names the visitor: the visit stays requested, no event', () => {
    const id = pintuJson<{ id: string }>(tc.file, ['visit', 'request', '--name', 'Budi Santoso', '--nik', testNik(79), '--org', 'PT X', '--purpose', 'Ganti disk rak 3, tiket HD-2026-0042']).id;
    const before = events();
    const r = pintu(tc.file, ['visit', 'deny', id, '--by', 'O1', '--reason', 'Budi Santoso tidak membawa surat tugas'], `${TEST_PIN}\n`);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/reason must not contain the visitor's name/);
    expect(r.stderr).not.toMatch(/budi|santoso/i);
    expect(events()).toEqual(before);
    expect(pintuJson<{ state: string }>(tc.file, ['visit', 'show', id]).state).toBe('requested');
    const ok = pintu(tc.file, ['visit', 'deny', id, '--by', 'O1', '--reason', 'Tidak membawa surat tugas'], `${TEST_PIN}\n`);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
  }, 60_000);

  it('refuses a door disable reason holding a phone number: the door stays enabled, no event', () => {
    const before = events();
    const r = pintu(tc.file, ['door', 'disable', '--by', 'O1', '--reason', 'teknisi dihubungi di +62 812 3456 7890'], `${TEST_PIN}\n`);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/reason must not contain a phone number/);
    expect(r.stderr).not.toContain('3456');
    expect(events()).toEqual(before);
  }, 60_000);
});
