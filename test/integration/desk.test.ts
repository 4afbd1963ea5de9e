/**
 * `pintu desk`: the officer's desk flow — KTP intake, badge issue, badge return with devices — driven through
 * stdin (a typed UID stands in for a tap on the simulated desk reader).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addOfficerCli, pintu, pintuJson, setupHead } from '../helpers/cli.js';
import { tempConfig, testNik, type TempConfig } from '../helpers/config.js';
import { DEFAULT_PRIVACY_NOTICE } from '../../src/config/schema.js';

describe('pintu desk', () => {
  let tc: TempConfig;
  beforeAll(() => {
    tc = tempConfig({ readers: [{ id: 'in', direction: 'in', kind: 'sim' }, { id: 'desk', direction: 'desk', kind: 'sim' }] });
    setupHead(tc.file, 'Head', '0A00000001');
    addOfficerCli(tc.file, 'Staff', 'staff', '0A00000003');
    pintuJson(tc.file, ['badge', 'add', '--uid', '1B00000001', '--label', 'TAMU-01']);
  });
  afterAll(() => tc.cleanup());

  it('takes the KTP, issues a badge, takes it back with the devices carried out', () => {
    const intake = ['1', '04A1B2C3D4E5F6', 'Budi Santoso', testNik(5), 'PT Contoh', '0812', 'ganti disk', '45', 'Laptop:SN-1', 'HDD:WD-2', '', 'ND-9', 'q'].join('\n') + '\n';
    let r = pintu(tc.file, ['desk', '--by', 'O2'], intake);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/tap the visitor's KTP/);
    const id = /visit (V-\d{8}-\d{3}) requested/.exec(r.stdout)?.[1];
    expect(id).toBeDefined();
    const v = pintuJson(tc.file, ['visit', 'show', id!]);
    expect(v).toMatchObject({ state: 'requested', devicesIn: [{ description: 'Laptop', serial: 'SN-1' }, { description: 'HDD', serial: 'WD-2' }], letterRef: 'ND-9' });
    expect(v.ktpHash).toMatch(/^[0-9a-f]{64}$/);

    r = pintu(tc.file, ['desk', '--by', 'O2'], `2\n${id}\nTAMU-01\nq\n`);
    expect(r.stdout).toMatch(/a badge is issued only to an approved visit/);
    pintuJson(tc.file, ['visit', 'check', id!, '--by', 'O2']);
    pintuJson(tc.file, ['visit', 'approve', id!, '--by', 'O1']);
    // Issue 14: the rules are shown and the badge goes out only once the visitor acknowledged them.
    r = pintu(tc.file, ['desk', '--by', 'O2'], `2\n${id}\nTAMU-01\nn\nq\n`);
    expect(r.stdout).toMatch(/server-room rules \(version 2026-1\), read them to the visitor:\n {2}1\. Selama berada di ruang server/);
    expect(r.stdout).toMatch(/the badge is issued only once the visitor acknowledged the server-room rules: nothing was issued/);
    expect(pintuJson(tc.file, ['visit', 'show', id!])).toMatchObject({ state: 'approved', badgeUid: null });
    r = pintu(tc.file, ['desk', '--by', 'O2'], `2\n${id}\nTAMU-01\ny\n4\n04a1b2c3d4e5f6\nq\n`);
    expect(r.stdout).toMatch(/badge issued to visit/);
    expect(r.stdout).toMatch(new RegExp(`visit ${id} \\(visit\\) — issued`));
    expect(r.stdout).toMatch(/rules: {4}server-room rules version 2026-1 acknowledged .* before O2/);

    r = pintu(tc.file, ['desk', '--by', 'O2'], '3\nTAMU-01\nLaptop:SN-1\n\nq\n');
    expect(r.stdout).toMatch(/devices brought in: Laptop \[SN-1\]; HDD \[WD-2\]/);
    expect(r.stdout).toMatch(/WARNING device mismatch — not carried out: \[\{"description":"HDD","serial":"WD-2"\}\]/);
    // Issue 12: with a device mismatch the KTP stays at the desk until a head acknowledges the mismatch.
    expect(r.stdout).toMatch(/KEEP the KTP until a head acknowledges the device mismatch/);
    expect(pintuJson(tc.file, ['visit', 'ack-mismatch', id!, '--by', 'O1', '--note', 'HDD kept for repair'])).toMatchObject({ state: 'checked_out' });
    expect(pintuJson(tc.file, ['visit', 'show', id!])).toMatchObject({ state: 'checked_out', ktpHeld: false });
  }, 60_000); // a loaded 2-core runner: one CLI run more since issue 12 (the mismatch acknowledgement)

  it('gives the visitor the privacy notice at intake, before asking their name (review: the desk skipped it)', () => {
    const intake = ['1', '-', 'Ani Lestari', testNik(6), 'PT Contoh', '', 'survei', '30', '', '', 'q'].join('\n') + '\n';
    const r = pintu(tc.file, ['desk', '--by', 'O2'], intake);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/visit V-\d{8}-\d{3} requested/);
    const notice = r.stdout.indexOf(DEFAULT_PRIVACY_NOTICE);
    expect(notice).toBeGreaterThan(-1);
    expect(notice).toBeLessThan(r.stdout.indexOf('name: '));
  }, 60_000);

  it('refuses to start without a desk reader or with an unknown officer', () => {
    expect(pintu(tc.file, ['desk', '--by', 'O9'], 'q\n').stderr).toMatch(/--by: no officer with id "O9"/);
    expect(pintu(tc.file, ['desk', '--by', 'O1', '--reader', 'nope'], 'q\n').stderr).toMatch(/--reader: no reader "nope"/);
  });
});
