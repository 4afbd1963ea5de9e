/**
 * Issue 9 §6 through the built CLI: bad input gets a clear error (exit 2, naming what was wrong) and changes nothing;
 * times are read and printed in the office's zone; a bad config or data dir is refused at load; `| head` is quiet;
 * sudo leaves no root-owned files; `status` is honest after the daemon was killed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';
import { CLI, TEST_PIN, addOfficerCli, pintu, pintuJson, pintuSpawn, setupHead, until } from '../helpers/cli.js';
import { tempConfig, testNik, type TempConfig } from '../helpers/config.js';
import { openStore } from '../../src/main.js';
import { openCentralStore } from '../../src/central/open.js';
import { filler } from '../helpers/events.js';

const NOBODY = 65534;
const temps: TempConfig[] = [];
const temp = (overrides: Record<string, unknown> = {}): TempConfig => { const t = tempConfig(overrides); temps.push(t); return t; };
/** A temp config whose file has `overrides` that the schema refuses (tempConfig itself only writes valid ones). */
const invalid = (overrides: Record<string, unknown>): TempConfig => {
  const t = temp();
  writeFileSync(t.file, stringify({ ...(parse(readFileSync(t.file, 'utf8')) as object), ...overrides }));
  return t;
};
afterEach(() => { for (const t of temps.splice(0)) t.cleanup(); });

/** Officers O1 (head), O2 (staff), badge TAMU-01, and a checked visit; returns its id. */
function checkedVisit(tc: TempConfig): string {
  setupHead(tc.file, 'Siti', '0A00000001');
  addOfficerCli(tc.file, 'Dewi', 'staff', '0A00000002');
  pintuJson(tc.file, ['badge', 'add', '--uid', '1B00000001', '--label', 'TAMU-01']);
  const { id } = pintuJson<{ id: string }>(tc.file, ['visit', 'request', '--name', 'Budi', '--nik', testNik(1), '--org', 'PT X', '--purpose', 'disk']);
  pintuJson(tc.file, ['visit', 'check', id, '--by', 'O2']);
  return id;
}

const events = (tc: TempConfig): string => pintu(tc.file, ['events', '--json']).stdout;

describe('bad input gets a clear error and changes nothing (CLI)', () => {
  it('refuses control characters and over-long text, naming the option', () => {
    const tc = temp();
    const id = checkedVisit(tc);
    const before = events(tc);
    const cases: [string[], RegExp][] = [
      [['visit', 'request', '--name', '\u001b[2J\u001b[31mBudi', '--nik', testNik(2), '--org', 'O', '--purpose', 'P'], /--name: contains a control character \(U\+001B\)/],
      [['visit', 'request', '--name', 'B', '--nik', testNik(2), '--org', 'O', '--purpose', 'p'.repeat(501)], /--purpose: is 501 characters long; at most 500/],
      [['visit', 'request', '--name', 'B', '--nik', testNik(2), '--org', 'O', '--purpose', 'P', '--device', 'Laptop\u202E:SN1'], /--device description: .*U\+202E/],
      [['visit', 'deny', id, '--by', 'O1', '--reason', 'x\u0085'], /--reason: .*U\+0085/],
      [['incident', '--by', 'O2', '--note', 'n'.repeat(1001)], /--note: .*at most 1000/],
      [['officer', 'add', '--name', 'X\u001b[0m', '--role', 'staff', '--badge', '0A0000000F', '--by', 'O1'], /--name: /],
      [['badge', 'add', '--uid', '1B0000000F', '--label', 'T'.repeat(33)], /--label: .*at most 32/],
      [['door', 'disable', '--by', 'O1', '--reason', 'a\nb'], /--reason: .*U\+000A/],
    ];
    for (const [args, msg] of cases) {
      // An officer change needs the head's PIN (issue 12): given right, so the refusal is the input's.
      const r = pintu(tc.file, args, args[0] === 'officer' ? `${TEST_PIN}\n` : undefined);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(msg);
    }
    expect(events(tc)).toBe(before);
  }, 180_000);

  it('refuses an impossible --until and reads a time without offset in visits.timeZone; prints times with the zone', () => {
    const tc = temp({ visits: { timeZone: 'Asia/Makassar' } });
    const id = checkedVisit(tc);
    const before = events(tc);
    const bad = pintu(tc.file, ['visit', 'approve', id, '--by', 'O1', '--until', '2027-02-30T10:00+07:00']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--until: "2027-02-30T10:00\+07:00" is not a real date/);
    expect(events(tc)).toBe(before);
    // Two hours from now (within the 4 h cap of an unsynchronised clock), typed as WITA wall time without an offset.
    const target = Math.floor((Date.now() + 2 * 3_600_000) / 60_000) * 60_000;
    const wall = new Date(target + 8 * 3_600_000).toISOString().slice(0, 16); // e.g. 2026-12-01T18:02
    const ok = pintu(tc.file, ['visit', 'approve', id, '--by', 'O1', '--until', wall]);
    expect(ok.code, ok.stderr).toBe(0);
    const shown = `${wall.replace('T', ' ')}:00 WITA \\(\\+08:00\\)`;
    expect(ok.stdout).toMatch(new RegExp(`approved from \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2} WITA \\(\\+08:00\\) until ${shown}`));
    expect(pintuJson<{ validUntil: number }>(tc.file, ['visit', 'show', id]).validUntil).toBe(target); // read as WITA, not as UTC
    expect(pintu(tc.file, ['visit', 'show', id]).stdout).toMatch(new RegExp(`valid: .* → ${shown}`));
    expect(pintu(tc.file, ['events']).stdout).toMatch(/^ +1 {2}\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} WITA \(\+08:00\) {2}officer\.added/);
  }, 180_000);

  it('health and purge print their times in visits.timeZone with the offset', () => {
    const tc = temp({ visits: { timeZone: 'Asia/Jayapura' } });
    const zoned = /\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} WIT \(\+09:00\)/;
    expect(pintu(tc.file, ['health']).stdout.split('\n')[0]).toMatch(new RegExp(`^health of door door-1 at ${zoned.source}: `));
    expect(pintu(tc.file, ['purge', '--dry-run']).stdout).toMatch(new RegExp(`^would purge 0 visits closed before ${zoned.source} `));
  }, 180_000);

  it('says "no such badge" for an unknown label', () => {
    const tc = temp();
    const id = checkedVisit(tc);
    pintuJson(tc.file, ['visit', 'approve', id, '--by', 'O1']);
    const r = pintu(tc.file, ['visit', 'issue', id, '--badge', 'TAMU-99', '--by', 'O2', '--rules-acknowledged']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no such badge "TAMU-99": no visitor badge in the pool has that label or UID/);
    expect(r.stderr).not.toMatch(/hexadecimal/);
  }, 180_000);

  it('prints central times in the centre\'s zone and refuses an impossible date before sending', async () => {
    const tc = temp();
    const file = join(tc.dir, 'central.yaml');
    writeFileSync(file, stringify({ broker: { url: 'mqtt://127.0.0.1:1' }, dataDir: join(tc.dir, 'central'), timeZone: 'Asia/Jayapura' }));
    mkdirSync(join(tc.dir, 'central'));
    const store = await openCentralStore(join(tc.dir, 'central', 'central.db'));
    await store.alert('s1', 'd1', 'gap', 'events 5-7 missing', Date.UTC(2026, 11, 1, 1, 0, 0));
    await store.close();
    const alerts = pintu(file, ['central', 'alerts']);
    expect(alerts.code, alerts.stderr).toBe(0);
    expect(alerts.stdout).toContain('2026-12-01 10:00:00 WIT (+09:00) s1/d1 gap');
    const r = pintu(file, ['central', 'approve', '--site', 's1', '--door', 'd1', '--visit', 'V-1', '--by', 'O1', '--until', '2027-02-30T10:00', '--wait', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--until: "2027-02-30T10:00" is not a real date/);
    writeFileSync(file, stringify({ broker: { url: 'mqtt://127.0.0.1:1' }, dataDir: join(tc.dir, 'central'), timeZone: 'Mars/Olympus' }));
    expect(pintu(file, ['central', 'alerts'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/timeZone: is not a known IANA time zone/) });
  }, 180_000);
});

describe('config check validates at load, naming the key (exit 2)', () => {
  it('refuses an unknown time zone and a garbage central.publicKey', () => {
    const tz = invalid({ visits: { timeZone: 'Mars/Olympus' } });
    expect(pintu(tz.file, ['config', 'check'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/visits\.timeZone: is not a known IANA time zone .*"Mars\/Olympus"/) });
    const key = invalid({ central: { url: 'mqtt://127.0.0.1:1', publicKey: 'not-a-key' } });
    expect(pintu(key.file, ['config', 'check'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/central\.publicKey: must be the centre's Ed25519 public key/) });
  });

  it('refuses a dataDir that is a file, under /proc, unwritable, or holding a database this user cannot write', () => {
    const file = temp();
    writeFileSync(join(file.dir, 'data'), 'not a directory');
    expect(pintu(file.file, ['config', 'check'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/dataDir: .*data is a file, not a directory/) });
    expect(pintu(file.file, ['status'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/dataDir: /) });

    const proc = temp({ dataDir: '/proc/self/pintu' });
    const p = pintu(proc.file, ['config', 'check']);
    expect(p).toMatchObject({ code: 2, stderr: expect.stringMatching(/dataDir: \/proc\/self\/pintu is under \/proc, a kernel pseudo file system/) });

    // As root (the tests' user) the CLI becomes the data dir's owner; as that owner the dir is not writable.
    const ro = temp();
    chmodSync(ro.dir, 0o755);
    mkdirSync(ro.config.dataDir, { mode: 0o500 });
    chownSync(ro.config.dataDir, NOBODY, NOBODY);
    const r = pintu(ro.file, ['officer', 'add', '--name', 'Siti', '--role', 'head', '--badge', '0A01']);
    expect(r).toMatchObject({ code: 2, stderr: expect.stringMatching(new RegExp(`dataDir: ${ro.config.dataDir} is not writable by uid ${NOBODY}`)) });
    expect(readdirSync(ro.config.dataDir)).toEqual([]);

    // A database left root-owned (an old `sudo pintu restore`) in a data dir owned by the daemon's user.
    const db = temp();
    chmodSync(db.dir, 0o755);
    setupHead(db.file, 'Siti', '0A01');
    chownSync(db.config.dataDir, NOBODY, NOBODY);
    const d = pintu(db.file, ['officer', 'list']);
    expect(d).toMatchObject({ code: 2, stderr: expect.stringMatching(/dataDir: .*pintu\.db is not readable and writable by uid 65534 \(owned by uid 0\); .*sudo -u pintu/) });
    expect(d.stderr).not.toMatch(/SQLITE_|EACCES|at .*\.js/);
  }, 180_000);
});

describe('the CLI under sudo, in a pipe, and after a crash', () => {
  it('run as root on a data dir owned by another user, leaves every file owned by that user (restore included)', () => {
    const tc = temp();
    chmodSync(tc.dir, 0o755);
    mkdirSync(tc.config.dataDir, { mode: 0o750 });
    chownSync(tc.config.dataDir, NOBODY, NOBODY);
    // The data key belongs to the service user too (the installer's chown), outside the data dir.
    chownSync(dirname(tc.config.privacy.keyFile), NOBODY, NOBODY);
    chownSync(tc.config.privacy.keyFile, NOBODY, NOBODY);
    setupHead(tc.file, 'Siti', '0A01');
    pintuJson(tc.file, ['visit', 'request', '--name', 'B', '--nik', testNik(1), '--org', 'O', '--purpose', 'P', '--ktp-uid', '04A1B2C3']);
    pintuJson(tc.file, ['keys', 'show']);
    const backup = join(tc.config.dataDir, 'copy.db');
    pintuJson(tc.file, ['backup', backup]);
    const r = pintu(tc.file, ['restore', backup]);
    expect(r.code, r.stderr).toBe(0);
    expect(pintuJson<unknown[]>(tc.file, ['officer', 'list']).length).toBe(1);
    const files = readdirSync(tc.config.dataDir);
    expect(files).toEqual(expect.arrayContaining(['pintu.db', 'site.secret', 'door.key', 'copy.db']));
    for (const f of files) expect(statSync(join(tc.config.dataDir, f)).uid, f).toBe(NOBODY);
  }, 180_000);

  it('`pintu events | head -1` prints one line and no EPIPE stack trace', () => {
    const tc = temp();
    const store = openStore(tc.config);
    try {
      store.tx(() => store.events.append(Array.from({ length: 5000 }, (_, i) => filler('test.filler', { n: i, pad: 'x'.repeat(60) })), Date.now()));
    } finally { store.db.close(); }
    const r = spawnSync('bash', ['-c', `"${process.execPath}" "${CLI}" events --config "${tc.file}" | head -1; echo "status=\${PIPESTATUS[0]}" >&2`],
      { encoding: 'utf8', timeout: 60_000, env: { ...process.env, PINTU_CONFIG: '' } });
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/EPIPE|Error|at /);
    expect(r.stderr).toMatch(/status=0/);
  }, 180_000);

  it('status does not claim the daemon runs after it was SIGKILLed, and says the lock state is unknown', async () => {
    const tc = temp();
    const d = pintuSpawn(tc.file, ['run']);
    try {
      await until(() => pintuJson<{ daemon: string }>(tc.file, ['status']).daemon === 'running' || d.exitCode !== null, 'daemon running', 30_000, 200);
      expect(d.exitCode).toBeNull();
      d.kill('SIGKILL');
      await new Promise((r) => d.once('exit', r));
      const s = pintuJson<{ daemon: string; lock: string; pid: number | null; heartbeatAt: string | null }>(tc.file, ['status']);
      expect(s).toMatchObject({ daemon: 'crashed', lock: 'unknown', pid: null });
      const human = pintu(tc.file, ['status']).stdout.split('\n')[0]!;
      expect(human).toMatch(/^door door-1: lock state unknown — daemon not running \(last seen \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} WIB \(\+07:00\), pid \d+ is gone/);
      expect(human).toMatch(/pintu relay-off/);
      expect(human).not.toMatch(/unlocked|running \(pid/);
    } finally {
      if (d.exitCode === null) d.kill('SIGKILL');
    }
  }, 180_000);
});
