/**
 * A clock set back must not reopen an approval (issue 9 §2). Real child `pintu run` processes read a real serial
 * reader (socat pty pair); the child's clock is shifted with the test-only PINTU_TEST_CLOCK_OFFSET_MS
 * (src/app/test-clock.ts), as fake-hwclock after a power cut or a bad NTP source would do to the system clock.
 *
 * A visit approved yesterday (valid a few hours) is refused `expired` today; the clock is set back a day (inside the
 * old validity window) and the daemon restarted → still `expired`, one `alarm.clock_rollback` however often it
 * restarts, event times never decrease, the chain verifies; `pintu purge` refuses on the rolled-back clock and on a
 * clock jumped a year forward.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { startPtyPair, type PtyPair } from '../helpers/socat.js';
import { CLI, TEST_PIN, until } from '../helpers/cli.js';
import { tempConfig, testNik, type TempConfig } from '../helpers/config.js';
import { encodeEm4100Frame } from '../../src/adapters/serial/em4100.js';
import { eventHash, GENESIS_HASH } from '../../src/protocol/chain.js';

const DAY = 86_400_000;
const OFFICER = '0A00000001';
const HEAD = '0A00000002';
const BADGE = '1B00000001';
const ENV = 'PINTU_TEST_CLOCK_OFFSET_MS';

const children: ChildProcess[] = [];

/** Run the CLI with this process's clock shifted by `offsetMs`. */
function cli(tc: TempConfig, args: string[], offsetMs: number, input?: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args, '--config', tc.file], { encoding: 'utf8', input, timeout: 60_000, env: { ...process.env, PINTU_CONFIG: '', NODE_ENV: 'test', [ENV]: String(offsetMs) } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
function cliJson<T = Record<string, unknown>>(tc: TempConfig, args: string[], offsetMs: number, input?: string): T {
  const r = cli(tc, [...args, '--json'], offsetMs, input);
  if (r.code !== 0) throw new Error(`pintu ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** Start `pintu run` with a shifted clock; resolves once it is ready. */
async function startDaemon(tc: TempConfig, offsetMs: number): Promise<{ child: ChildProcess; output: () => string; stop: () => Promise<number | null> }> {
  const child = spawn(process.execPath, [CLI, 'run', '--config', tc.file], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PINTU_CONFIG: '', NODE_ENV: 'test', [ENV]: String(offsetMs) } });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  await until(() => out.includes('pintu ready') || child.exitCode !== null, 'pintu run to be ready', 30_000, 50);
  if (!out.includes('pintu ready')) throw new Error(`pintu run did not start; its output:\n${out}`);
  return { child, output: () => out, stop: async () => { child.kill('SIGTERM'); return exited; } };
}

interface Row { seq: number; type: string; at: string; data: string; prev_hash: string; hash: string }
function rows(tc: TempConfig): Row[] {
  const db = new Database(join(tc.config.dataDir, 'pintu.db'), { readonly: true });
  try { return db.prepare('SELECT seq, type, at, data, prev_hash, hash FROM events ORDER BY seq').all() as Row[]; } finally { db.close(); }
}
const data = (r: Row): Record<string, unknown> => JSON.parse(r.data) as Record<string, unknown>;

describe('time that goes backwards does not reopen an approval (child pintu run, clock shifted)', () => {
  let tc: TempConfig;
  let pty: PtyPair;
  let visit: string;
  // The visit is requested and approved "yesterday": at -1 day -10 min; on an unsynchronised clock (this machine,
  // CI) an approval lasts at most 4 hours (docs/clock.md), so it is valid until about -1 day +3 h 50 min.
  const YESTERDAY = -(DAY + 10 * 60_000);
  const BACK_A_DAY = -DAY;

  beforeAll(async () => {
    pty = await startPtyPair();
    tc = tempConfig({ readers: [{ id: 'in', direction: 'in', kind: 'serial', path: pty.a, baudRate: 9600 }], log: { level: 'info' } });
    // Since issue 12 the first head is made by setup (O1), and a head adds the others (O2), with the head's PIN.
    cliJson(tc, ['setup', '--name', 'Kepala', '--badge', HEAD], YESTERDAY, `${TEST_PIN}\n`);
    cliJson(tc, ['officer', 'add', '--name', 'Staf', '--role', 'staff', '--badge', OFFICER, '--by', 'O1'], YESTERDAY, `${TEST_PIN}\n`);
    cliJson(tc, ['badge', 'add', '--uid', BADGE, '--label', 'TAMU-01'], YESTERDAY);
    visit = cliJson<{ id: string }>(tc, ['visit', 'request', '--name', 'Budi', '--nik', testNik(1), '--org', 'PT X', '--purpose', 'disk swap'], YESTERDAY).id;
    cliJson(tc, ['visit', 'check', visit, '--by', 'O2'], YESTERDAY);
    const until = Date.parse(cliJson<{ validUntil: string }>(tc, ['visit', 'approve', visit, '--by', 'O1'], YESTERDAY).validUntil);
    // Expired by now; still valid on a clock set back a day (for long enough to run this test).
    expect(until).toBeLessThan(Date.now() + BACK_A_DAY + 4 * 3_600_000);
    expect(until).toBeGreaterThan(Date.now() + BACK_A_DAY + 30 * 60_000);
    cliJson(tc, ['visit', 'issue', visit, '--badge', 'TAMU-01', '--by', 'O2', '--rules-acknowledged'], YESTERDAY);
  }, 120_000);

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await pty?.stop();
    tc?.cleanup();
  });

  it('expired today; clock set back a day and restarted (twice) → still expired, one alarm.clock_rollback, times never decrease, chain verifies; purge refused', async () => {
    const fd = openSync(pty.b, 'w');
    const decisionsFor = (since: number): Row[] => rows(tc).filter((r) => r.seq > since && (r.type === 'access.granted' || r.type === 'access.denied' || r.type === 'access.awaiting_escort') && data(r).visit === visit);
    try {
      // Today, on the right clock: the visitor's approval has expired.
      const d1 = await startDaemon(tc, 0);
      let since = rows(tc).at(-1)!.seq;
      writeSync(fd, encodeEm4100Frame(BADGE));
      const first = await until(() => decisionsFor(since)[0], 'the visitor tap to be decided', 20_000, 50);
      expect([first.type, data(first).reason]).toEqual(['access.denied', 'expired']);
      expect(await d1.stop()).toBe(0);

      // The clock set back a day (inside yesterday's validity window), the daemon restarted: an escort taps in, then
      // the visitor. The approval must stay expired.
      for (const round of [1, 2]) {
        const d = await startDaemon(tc, BACK_A_DAY);
        since = rows(tc).at(-1)!.seq;
        if (round === 1) writeSync(fd, encodeEm4100Frame(OFFICER));
        writeSync(fd, encodeEm4100Frame(BADGE));
        const decided = await until(() => decisionsFor(since).find((r) => r.type !== 'access.awaiting_escort'), `the visitor tap to be decided (round ${round})`, 20_000, 50)
          .catch((err: Error) => { throw new Error(`${err.message}; events: ${JSON.stringify(rows(tc).slice(-6).map((r) => [r.type, r.data]))}`); });
        expect([decided.type, data(decided).reason], `round ${round}: ${d.output().slice(-2000)}`).toEqual(['access.denied', 'expired']);
        expect(await d.stop()).toBe(0);
      }
    } finally {
      closeSync(fd);
    }

    const all = rows(tc);
    // Exactly one rollback alarm for the whole episode, though the daemon started twice on the set-back clock.
    const alarms = all.filter((r) => r.type === 'alarm.clock_rollback');
    expect(alarms).toHaveLength(1);
    // Events written while behind carry the raw reading and are marked unsynchronised.
    const afterAlarm = all.filter((r) => r.seq >= alarms[0]!.seq);
    for (const r of afterAlarm) expect(data(r), `${r.seq} ${r.type}`).toMatchObject({ clockSynced: false, clockRaw: expect.any(String) as unknown });
    // The log's time never goes backwards.
    for (let i = 1; i < all.length; i++) expect(Date.parse(all[i]!.at), `seq ${all[i]!.seq}`).toBeGreaterThanOrEqual(Date.parse(all[i - 1]!.at));
    // The chain verifies.
    let prev = GENESIS_HASH;
    for (const r of all) {
      expect(r.prev_hash, `seq ${r.seq}`).toBe(prev);
      expect(eventHash(r.prev_hash, 'door-1', r.seq, r.type, r.at, r.data), `seq ${r.seq}`).toBe(r.hash);
      prev = r.hash;
    }

    // Purge refuses on the rolled-back clock (exit non-zero, naming why) and changes nothing.
    const back = cli(tc, ['purge'], BACK_A_DAY);
    expect(back.code, back.stderr).not.toBe(0);
    expect(back.stderr).toMatch(/purge refused: .*behind/);
    expect(rows(tc).some((r) => r.type === 'privacy.purged')).toBe(false);
    // And on a clock jumped a year forward, far beyond the newest event.
    const ahead = cli(tc, ['purge'], 365 * DAY);
    expect(ahead.code, ahead.stderr).not.toBe(0);
    expect(ahead.stderr).toMatch(/purge refused: .*jumped forward/);
    expect(ahead.stderr).toMatch(/a head confirms the clock with: pintu clock confirm --by ID/);
    expect(rows(tc).some((r) => r.type === 'privacy.purged')).toBe(false);
    expect(rows(tc).filter((r) => r.type === 'alarm.clock_jump')).toHaveLength(1);
    // Only a head can accept the new time; then the jump no longer blocks the purge (only a missing NTP sync may).
    const staff = cli(tc, ['clock', 'confirm', '--by', 'O2'], 365 * DAY);
    expect([staff.code, staff.stderr]).toEqual([2, expect.stringMatching(/only a head may confirm the clock/) as unknown]);
    expect(cli(tc, ['clock', 'confirm', '--by', 'O1'], 365 * DAY).code).toBe(0);
    expect(rows(tc).at(-1)!.type).toBe('clock.confirmed');
    expect(cli(tc, ['purge'], 365 * DAY).stderr).not.toMatch(/jumped forward/);
  }, 180_000);
});
