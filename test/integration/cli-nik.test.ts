/**
 * Issue 14, item 2 in the CLI (the built `pintu`, as an officer runs it): `visit show` and `visit list`, as text and
 * with `--json`, print the NIK masked; `visit show --reveal-nik --by HEAD --reason …` with the head's PIN prints it
 * whole once and records `visit.nik_revealed` (head and reason, no NIK); a non-head, a wrong PIN or a missing reason
 * are refused with a clear message and nothing recorded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PIN, addOfficerCli, pintu, pintuJson, setupHead } from '../helpers/cli.js';
import { tempConfig, testNik, type TempConfig } from '../helpers/config.js';

describe('pintu visit show/list: NIK masked unless a head reveals it', () => {
  let tc: TempConfig;
  let id = '';
  const NIK = testNik(41);
  /** The reveal events as `events --json` prints them (one flat object per line). */
  const reveals = (): Array<Record<string, unknown>> =>
    pintu(tc.file, ['events', '--json']).stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>).filter((e) => e.type === 'visit.nik_revealed');

  beforeAll(() => {
    tc = tempConfig();
    setupHead(tc.file, 'Siti', '0A00000001');
    addOfficerCli(tc.file, 'Dewi', 'staff', '0A00000003');
    expect(pintu(tc.file, ['officer', 'pin', 'O2', '--by', 'O1'], `${TEST_PIN}\n135790\n`).code).toBe(0);
    id = pintuJson<{ id: string }>(tc.file, ['visit', 'request', '--name', 'Budi Santoso', '--nik', NIK, '--org', 'PT X', '--purpose', 'disk']).id;
  }, 60_000);
  afterAll(() => tc.cleanup());

  it('prints the NIK masked in show and list, as text and as --json', () => {
    const masked = `${NIK.slice(0, 6)}******${NIK.slice(12)}`;
    const text = pintu(tc.file, ['visit', 'show', id]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`NIK ${masked}`);
    const json = pintuJson<{ visitor: { nik: string } }>(tc.file, ['visit', 'show', id]);
    expect(json.visitor.nik).toBe(masked);
    const list = pintu(tc.file, ['visit', 'list']);
    expect(list.stdout).toContain(masked);
    const listJson = pintuJson<Array<{ visitor: { nik: string } }>>(tc.file, ['visit', 'list']);
    expect(listJson.map((v) => v.visitor.nik)).toEqual([masked]);
    for (const out of [text.stdout, JSON.stringify(json), list.stdout, JSON.stringify(listJson)]) expect(out).not.toContain(NIK);
  }, 60_000);

  it('a head reveals it with a reason and their PIN: printed once, recorded without the NIK', () => {
    const r = pintu(tc.file, ['visit', 'show', id, '--reveal-nik', '--by', 'o1', '--reason', 'surat kepolisian 12/2026'], `${TEST_PIN}\n`);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`NIK ${NIK} (revealed)`);
    const j = pintu(tc.file, ['visit', 'show', id, '--reveal-nik', '--by', 'O1', '--reason', 'second look', '--json'], `${TEST_PIN}\n`);
    expect(JSON.parse(j.stdout)).toMatchObject({ id, nikRevealed: true, visitor: { nik: NIK } });
    const events = reveals();
    expect(events).toEqual([
      expect.objectContaining({ visit: id, officer: 'O1', reason: 'surat kepolisian 12/2026' }), expect.objectContaining({ visit: id, officer: 'O1', reason: 'second look' })]);
    expect(pintu(tc.file, ['events', '--json']).stdout).not.toContain(NIK);
    // Afterwards the visit is masked again.
    expect(pintu(tc.file, ['visit', 'show', id]).stdout).not.toContain(NIK);
  }, 60_000);

  it('refuses a non-head, a wrong PIN, a missing reason or --by, printing no NIK and recording nothing', () => {
    const before = reveals().length;
    const cases: Array<[string[], string | undefined, RegExp]> = [
      [['--reveal-nik', '--by', 'O2', '--reason', 'curious'], '135790\n', /officer O2 is staff; only an active head may reveal a NIK/],
      [['--reveal-nik', '--by', 'O1', '--reason', 'x'], '000000\n', /the PIN of officer O1 is wrong/],
      [['--reveal-nik', '--by', 'O1'], `${TEST_PIN}\n`, /--reveal-nik needs --reason/],
      [['--reveal-nik', '--by', 'O1', '--reason', '  '], `${TEST_PIN}\n`, /--reveal-nik needs --reason/],
      [['--reveal-nik', '--reason', 'x'], `${TEST_PIN}\n`, /--reveal-nik needs --by HEAD/],
      [['--by', 'O1', '--reason', 'x'], undefined, /--by and --reason go with --reveal-nik/],
    ];
    for (const [args, input, why] of cases) {
      const r = pintu(tc.file, ['visit', 'show', id, ...args], input);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(why);
      expect(r.stdout + r.stderr).not.toContain(NIK);
    }
    expect(reveals().length).toBe(before);
  }, 120_000);
});
