/**
 * Review of issue 14 item 4: `pintu subject export` hands over everything the door holds about a person (name, NIK,
 * phone, free text). It is answered by an officer who proves who they are with their PIN, and recorded in their name:
 * without --by it was unattributed, and with --by anyone could record it in another officer's name.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TEST_PIN, addOfficerCli, pintu, setupHead } from '../helpers/cli.js';
import { tempConfig, testNik, type TempConfig } from '../helpers/config.js';

const temps: TempConfig[] = [];
afterEach(() => { for (const t of temps.splice(0)) t.cleanup(); });

describe('pintu subject export: by an officer with their PIN', () => {
  it('refuses no --by, an unknown officer or a wrong PIN (no data, nothing recorded); with the PIN records that officer', () => {
    const tc = tempConfig();
    temps.push(tc);
    setupHead(tc.file, 'Siti Rahma', '0A00000001');
    addOfficerCli(tc.file, 'Dewi Lestari', 'staff', '0A00000003');
    const NIK = testNik(31);
    expect(pintu(tc.file, ['visit', 'request', '--name', 'Rudi Ekspor', '--nik', NIK, '--org', 'PT E', '--purpose', 'audit', '--phone', '0812777666']).code).toBe(0);
    const exported = (): unknown[] => pintu(tc.file, ['events', '--json']).stdout.split('\n').filter(Boolean)
      .map((l) => JSON.parse(l) as { type: string }).filter((e) => e.type === 'subject.exported');

    for (const [args, input, why] of [
      [[], undefined, /--by/],
      [['--by', 'O9'], `${TEST_PIN}\n`, /no officer with id "O9"/],
      [['--by', 'O1'], '000000\n', /the PIN of officer O1 is wrong/],
    ] as Array<[string[], string | undefined, RegExp]>) {
      const r = pintu(tc.file, ['subject', 'export', '--nik', NIK, ...args], input);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(why);
      expect(r.stdout).not.toContain('Rudi Ekspor');
    }
    expect(exported()).toEqual([]);

    const r = pintu(tc.file, ['subject', 'export', '--nik', NIK, '--by', 'o1'], `${TEST_PIN}\n`);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ visits: [{ visitor: { name: 'Rudi Ekspor', nik: NIK } }] });
    expect(exported()).toEqual([expect.objectContaining({ officer: 'O1', format: 'json' })]);
  }, 120_000);
});
