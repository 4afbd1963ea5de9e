/**
 * The CLI as the acceptance checks drive it: the whole SOP through `pintu …` commands, JSON output, and clear
 * refusals for bad input that change nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { CLI, TEST_PIN, addOfficerCli, pintu, pintuJson, pintuSpawn, setupHead, until } from '../helpers/cli.js';
import { tempConfig, testNik, type TempConfig } from '../helpers/config.js';

describe('pintu CLI', () => {
  let tc: TempConfig;
  let head = '', coord = '', staff = '';
  beforeAll(() => {
    tc = tempConfig();
    head = setupHead(tc.file, 'Siti', '0a00000001').id;
    coord = addOfficerCli(tc.file, 'Andi', 'coordinator', '0A00000002').id;
    staff = addOfficerCli(tc.file, 'Dewi', 'staff', '0A00000003').id;
    pintuJson(tc.file, ['badge', 'add', '--uid', '1b00000001', '--label', 'TAMU-01']);
  });
  afterAll(() => tc.cleanup());

  it('answers --version with the package version, and --help still lists every command group', () => {
    const version = spawnSync(process.execPath, [CLI, '--version'], { encoding: 'utf8' });
    expect(version.status).toBe(0);
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version);
    const help = spawnSync(process.execPath, [CLI, '--help'], { encoding: 'utf8' });
    for (const cmd of ['visit', 'officer', 'run', 'status', 'central', 'backup', 'desk']) expect(help.stdout).toMatch(new RegExp(`^  ${cmd}\\b`, 'm'));
  });

  it('runs a visit through the SOP with --json output', () => {
    expect([head, coord, staff]).toEqual(['O1', 'O2', 'O3']);
    const { id } = pintuJson<{ id: string }>(tc.file, ['visit', 'request', '--name', 'Budi Santoso', '--nik', testNik(7), '--org', 'PT X',
      '--purpose', 'replace disk', '--device', 'Laptop Dell:SN-AAA', '--device', 'HDD:WD-1', '--ktp-uid', '04a1b2c3d4e5f6']);
    expect(id).toMatch(/^V-\d{8}-\d{3}$/);
    expect(pintuJson(tc.file, ['visit', 'check', id, '--by', coord]).state).toBe('checked');
    const until = new Date(Date.now() + 3_600_000).toISOString();
    const approved = pintuJson(tc.file, ['visit', 'approve', id, '--by', head, '--until', until]);
    expect(approved).toMatchObject({ state: 'approved', validUntil: until });
    expect(pintuJson(tc.file, ['visit', 'issue', id, '--badge', '1B00000001', '--by', staff, '--rules-acknowledged'])).toMatchObject({ state: 'issued', badge: '1B00000001' });
    const out = pintuJson(tc.file, ['visit', 'checkout', id, '--by', staff, '--device-out', 'Laptop Dell:SN-AAA']);
    expect(out.state).toBe('checked_out');
    expect(out.deviceMismatch).toMatchObject({ notCarriedOut: [{ description: 'HDD', serial: 'WD-1' }] });
    // Issue 12: the mismatch keeps the KTP held until a head acknowledges it; archive is refused until then.
    expect(out.ktpHeld).toBe(true);
    expect(pintu(tc.file, ['visit', 'archive', id, '--by', staff]).stderr).toMatch(/still holds the KTP/);
    pintuJson(tc.file, ['visit', 'ack-mismatch', id, '--by', head, '--note', 'HDD stays for repair']);
    const shown = pintuJson(tc.file, ['visit', 'show', id]);
    expect(shown).toMatchObject({ id, state: 'checked_out', ktpHeld: false, badgeUid: null });
    expect(JSON.stringify(shown)).not.toContain('04A1B2C3D4E5F6');
    expect(pintuJson<unknown[]>(tc.file, ['visit', 'list', '--state', 'checked_out']).length).toBe(1);

    const ev = pintu(tc.file, ['events', '--json']);
    expect(ev.code).toBe(0);
    const events = ev.stdout.trim().split('\n').map((l) => JSON.parse(l) as { seq: number; type: string; at: string });
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['officer.added', 'badge.added', 'visit.requested', 'visit.checked', 'visit.approved',
      'badge.issued', 'visit.checked_out', 'badge.returned', 'visit.device_mismatch']));
    const after = pintu(tc.file, ['events', '--json', '--since', String(events.length - 2)]);
    expect(after.stdout.trim().split('\n').length).toBe(2);
    for (const e of events) expect(JSON.stringify(e)).not.toMatch(/Budi|Santoso|3201011205900007|04A1B2C3D4E5F6/);
  }, 180_000); // a loaded 2-core runner: two CLI runs more since issue 12 (archive refused, the acknowledgement)

  it('streams new events with events --follow --json, one JSON object per line', async () => {
    const last = pintuJson<{ lastSeq: number }>(tc.file, ['status']).lastSeq;
    const follow = pintuSpawn(tc.file, ['events', '--follow', '--json', '--since', String(last)]);
    let out = '';
    follow.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
    try {
      pintuJson(tc.file, ['badge', 'add', '--uid', '1B000000F1', '--label', 'TAMU-F1']);
      pintuJson(tc.file, ['badge', 'add', '--uid', '1B000000F2', '--label', 'TAMU-F2']);
      await until(() => out.split('\n').filter(Boolean).length >= 2, 'two followed events');
      const lines = out.trim().split('\n').map((l) => JSON.parse(l) as { seq: number; type: string; label: string });
      expect(lines.map((e) => [e.seq, e.type, e.label])).toEqual([[last + 1, 'badge.added', 'TAMU-F1'], [last + 2, 'badge.added', 'TAMU-F2']]);
    } finally {
      follow.kill('SIGTERM');
    }
  });

  it('writes the incident book (SOP 004) with an event that carries no note text', () => {
    const { id } = pintuJson<{ id: string }>(tc.file, ['visit', 'request', '--name', 'D', '--nik', testNik(4), '--org', 'O', '--purpose', 'P']);
    const n = pintuJson<{ id: number }>(tc.file, ['incident', '--by', 'O3', '--note', 'kabel UPS tersenggol saat kunjungan', '--visit', id]).id;
    expect(n).toBeGreaterThan(0);
    const ev = pintu(tc.file, ['events', '--json', '--type', 'incident.']).stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(ev.at(-1)).toMatchObject({ type: 'incident.recorded', incident: n, officer: 'O3', visit: id });
    expect(pintu(tc.file, ['incident', '--by', 'O3', '--note', '  ']).stderr).toMatch(/--note must not be empty/);
    expect(pintu(tc.file, ['incident', '--by', 'O3', '--note', 'x', '--visit', 'V-1']).stderr).toMatch(/no visit with id "V-1"/);
  });

  it('prints door status with who is inside', () => {
    const s = pintuJson(tc.file, ['status']);
    expect(s).toMatchObject({ door: 'door-1', lock: 'locked', daemon: 'not running', inside: { count: 0 } });
  });

  it('refuses bad input with a message naming it, exit 2, and changes nothing', () => {
    const before = pintu(tc.file, ['events', '--json']).stdout;
    const cases: [string[], RegExp][] = [
      [['visit', 'request', '--name', 'A', '--nik', '123', '--org', 'O', '--purpose', 'P'], /--nik: NIK must be exactly 16 digits/],
      [['visit', 'request', '--name', 'A', '--nik', '9901011205900001', '--org', 'O', '--purpose', 'P'], /province/],
      [['visit', 'request', '--name', 'A', '--nik', testNik(2), '--org', 'O', '--purpose', 'P', '--device', 'nocolon'], /--device "nocolon" must be "description:serial"/],
      [['officer', 'add', '--name', 'X', '--role', 'boss', '--badge', '0A0000000F', '--by', 'O1'], /--role "boss" must be one of staff, coordinator, head/],
      [['officer', 'add', '--name', 'X', '--role', 'staff', '--badge', 'xyz', '--by', 'O1'], /--badge "xyz" must be 4-32 hexadecimal/],
      [['officer', 'add', '--name', 'X', '--role', 'staff', '--badge', '0A00000001', '--by', 'O1'], /already belongs to another officer/],
      [['badge', 'add', '--uid', '0A00000001', '--label', 'T2'], /is an officer badge/],
      [['visit', 'check', 'V-00000000-999', '--by', 'O2'], /no visit with id "V-00000000-999"/],
      [['visit', 'approve', 'V-00000000-999', '--by', 'O1', '--until', 'tomorrow'], /--until: "tomorrow" is not an ISO-8601 time/],
      [['visit', 'list', '--state', 'flying'], /--state "flying" must be one of/],
      // The service's errors speak the domain (they also go to the centre); the CLI names its flag for the input.
      [['incident', '--by', 'O9', '--note', 'kabel'], /^pintu: --by: no officer with id "O9"\n$/],
      [['visit', 'request', '--name', ' ', '--nik', testNik(2), '--org', 'O', '--purpose', 'P'], /^pintu: --name must not be empty\n$/],
      [['visit', 'request', '--name', 'A', '--nik', testNik(2), '--org', 'O', '--purpose', 'P', '--device', 'Laptop:S\u202E1'], /^pintu: --device serial: contains a control character/],
      [['visit', 'request', '--name', 'A', '--nik', testNik(2), '--org', 'O', '--purpose', 'P', '--kind', 'maintenance'], /a maintenance visit needs its disposition \(--disposition-by, --disposition-ref, --disposition-date\)/],
      [['events', '--since', '-4'], /--since/],
    ];
    for (const [args, msg] of cases) {
      // An officer change needs the head's PIN (issue 12): given right, so the refusal is the input's.
      const r = pintu(tc.file, args, args[0] === 'officer' ? `${TEST_PIN}\n` : undefined);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(msg);
    }
    expect(pintu(tc.file, ['visit', 'frobnicate']).code).not.toBe(0);
    expect(pintu(tc.file, ['events', '--json']).stdout).toBe(before);
  }, 180_000);

  it('refuses wrong transitions and roles with a clear message', () => {
    const { id } = pintuJson<{ id: string }>(tc.file, ['visit', 'request', '--name', 'C', '--nik', testNik(3), '--org', 'O', '--purpose', 'P']);
    let r = pintu(tc.file, ['visit', 'approve', id, '--by', head]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`visit ${id} is requested; it cannot be approved`));
    pintuJson(tc.file, ['visit', 'check', id, '--by', staff]);
    r = pintu(tc.file, ['visit', 'approve', id, '--by', staff]);
    expect(r.stderr).toMatch(/officer O3 is staff; only head may approve/);
    r = pintu(tc.file, ['visit', 'deny', id, '--by', head, '--reason', '   ']);
    expect(r.stderr).toMatch(/a denial needs a reason/);
    expect(pintuJson(tc.file, ['visit', 'deny', id, '--by', head, '--reason', 'no letter']).state).toBe('denied');
    r = pintu(tc.file, ['visit', 'issue', id, '--badge', 'TAMU-01', '--by', staff, '--rules-acknowledged']);
    expect(r.stderr).toMatch(/is denied; it cannot be issued/);
  });

  it('names the bad key when the config is invalid', () => {
    const bad = join(tc.dir, 'bad.yaml');
    writeFileSync(bad, 'site: x\ndoor:\n  id: d1\n  strikeSeconds: 500\n  colour: red\nhardware: gpio2\n');
    const r = pintu(bad, ['status']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/door\.strikeSeconds: .*500/);
    expect(r.stderr).toMatch(/door: unknown key "colour"/);
    expect(r.stderr).toMatch(/hardware: .*gpio2/);
    writeFileSync(bad, 'site: [unclosed\n');
    expect(pintu(bad, ['status']).stderr).toMatch(/not valid YAML/);
    expect(pintu(join(tc.dir, 'missing.yaml'), ['status']).stderr).toMatch(/cannot read config .*missing\.yaml: no such file/);
  });
});
