/**
 * `pintu setup`, `pintu officer pin` and the PIN-checked officer commands with the built CLI (issue 12): the first head
 * only once, PINs from stdin (a script) kept only as hashes, a head's PIN for every officer change, counted toward the
 * lock; no PIN in any output, event or database byte, no name in any event.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { pintu, pintuJson } from '../helpers/cli.js';
import { tempConfig, type TempConfig } from '../helpers/config.js';

const HEAD_PIN = '480915';
const STAFF_PIN = '592617';
const NEW_PIN = '730264';

// Each test runs 10–20 CLI processes (each a Node start, a database open with its data key, PIN hashing): minutes on a loaded
// 2-core runner, where the 30 s default timed out.
describe('pintu setup and pintu officer pin', { timeout: 180_000 }, () => {
  const temps: TempConfig[] = [];
  afterAll(() => { for (const t of temps) t.cleanup(); });

  /** A fresh door: its config, the CLI with stdin (every output kept), its events, and the check that no PIN leaked. */
  function door(opts: { setup?: boolean; staff?: boolean } = {}) {
    const tc = tempConfig();
    temps.push(tc);
    const outputs: string[] = [];
    const run = (args: string[], input?: string): ReturnType<typeof pintu> => {
      const r = pintu(tc.file, args, input);
      outputs.push(r.stdout, r.stderr);
      return r;
    };
    const events = (): Array<{ type: string } & Record<string, unknown>> =>
      run(['events', '--json']).stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string });
    /** No PIN in any output or database byte, no name in any event. */
    const noSecrets = (): void => {
      run(['backup', join(tc.dir, 'copy.db')]);
      const bytes = readFileSync(join(tc.dir, 'copy.db'));
      const log = JSON.stringify(events());
      for (const pin of [HEAD_PIN, STAFF_PIN, NEW_PIN]) {
        expect(bytes.includes(Buffer.from(pin)), pin).toBe(false);
        expect(outputs.join('\n'), pin).not.toContain(pin);
      }
      for (const name of ['Siti', 'Dewi', 'Rahma', 'Lestari']) expect(log).not.toContain(name);
    };
    if (opts.setup !== false) expect(run(['setup', '--name', 'Siti Rahma', '--badge', '0A01'], `${HEAD_PIN}\n`).code).toBe(0);
    if (opts.staff) {
      expect(run(['officer', 'add', '--name', 'Dewi Lestari', '--role', 'staff', '--badge', '0A02', '--by', 'O1'], `${HEAD_PIN}\n`).code).toBe(0);
      expect(run(['officer', 'pin', 'O2'], `${STAFF_PIN}\n`).code).toBe(0);
    }
    return { tc, run, events, noSecrets };
  }

  it('creates the first head once, then refuses setup; officer add before setup points to it', () => {
    const { tc, run, events, noSecrets } = door({ setup: false });
    const before = run(['officer', 'add', '--name', 'Dewi Lestari', '--role', 'staff', '--badge', '0A02', '--by', 'O1'], `${HEAD_PIN}\n`);
    expect(before).toMatchObject({ code: 2, stderr: 'pintu: no head is registered yet: run pintu setup first (it creates the first head, with a PIN)\n' });
    expect(run(['setup', '--name', 'Siti Rahma', '--badge', '0A01'], '123456\n')).toMatchObject({ code: 2, stderr: expect.stringMatching(/straight run/) as unknown });
    expect(run(['setup', '--name', 'Siti Rahma', '--badge', '0A01'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/the new PIN for the first head was expected on stdin/) as unknown });
    expect(pintuJson<unknown[]>(tc.file, ['officer', 'list'])).toEqual([]);

    const r = run(['setup', '--name', 'Siti Rahma', '--badge', '0A01', '--json'], `${HEAD_PIN}\n`);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ id: 'O1', role: 'head', badge: '0A01' });

    const again = run(['setup', '--name', 'Another Head', '--badge', '0A09'], `${HEAD_PIN}\n`);
    expect(again).toMatchObject({ code: 2, stderr: expect.stringMatching(/^pintu: a head is already registered: setup is done/) as unknown });
    expect(pintuJson<Array<{ id: string; role: string }>>(tc.file, ['officer', 'list']).map((o) => [o.id, o.role])).toEqual([['O1', 'head']]);
    expect(events().map((e) => [e.type, e.officer, e.by])).toEqual([['officer.added', 'O1', undefined], ['officer.pin_set', 'O1', 'O1']]);
    // The PIN is kept only as a salted scrypt hash.
    const db = new Database(join(tc.config.dataDir, 'pintu.db'), { readonly: true });
    try {
      const rows = db.prepare('SELECT officer_id, pin_hash FROM officer_pins').all() as Array<{ officer_id: string; pin_hash: string }>;
      expect(rows).toEqual([{ officer_id: 'O1', pin_hash: expect.stringMatching(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/]+=*\$[A-Za-z0-9+/]+=*$/) }]);
    } finally { db.close(); }
    noSecrets();
  });

  it("manages officers only with a head's PIN, counting a wrong one", () => {
    const { run, events, noSecrets } = door();
    expect(run(['officer', 'add', '--name', 'Dewi Lestari', '--role', 'staff', '--badge', '0A02'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/--by HEAD is required/) as unknown });
    expect(run(['officer', 'add', '--name', 'Dewi Lestari', '--role', 'staff', '--badge', '0A02', '--by', 'O1'], '000000\n'))
      .toMatchObject({ code: 2, stderr: 'pintu: the PIN of officer O1 is wrong (4 tries left before the lock)\n' });
    const r = run(['officer', 'add', '--name', 'Dewi Lestari', '--role', 'staff', '--badge', '0A02', '--by', 'O1', '--json'], `${HEAD_PIN}\n`);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ id: 'O2', role: 'staff', badge: '0A02' });
    // Staff cannot manage officers, even with their own right PIN.
    expect(run(['officer', 'pin', 'O2'], `${STAFF_PIN}\n`).code).toBe(0);
    expect(run(['officer', 'role', 'O2', 'head', '--by', 'O2'], `${STAFF_PIN}\n`)).toMatchObject({ code: 2, stderr: expect.stringMatching(/only a head may manage officers/) as unknown });
    // The last active head stays one.
    expect(run(['officer', 'deactivate', 'O1', '--by', 'O1'], `${HEAD_PIN}\n`)).toMatchObject({ code: 2, stderr: expect.stringMatching(/O1 is the last active head/) as unknown });
    expect(run(['officer', 'role', 'O2', 'coordinator', '--by', 'O1', '--json'], `${HEAD_PIN}\n`)).toMatchObject({ code: 0, stdout: '{"id":"O2","role":"coordinator"}\n' });
    expect(events().slice(2).map((e) => [e.type, e.officer, e.by])).toEqual([
      ['officer.added', 'O2', 'O1'], ['officer.pin_set', 'O2', 'O2'], ['officer.role_changed', 'O2', 'O1'],
    ]);
    noSecrets();
  });

  it("sets a first PIN as is, a change only with the current PIN or a head's", () => {
    const { run, events, noSecrets } = door({ staff: true });
    // O2 has a PIN: the first line is the current one (here not), counted toward the lock.
    expect(run(['officer', 'pin', 'O2'], `${NEW_PIN}\n`)).toMatchObject({ code: 2, stderr: 'pintu: the current PIN of officer O2 is wrong (4 tries left before the lock)\n' });
    expect(run(['officer', 'pin', 'O2'], `000000\n${NEW_PIN}\n`)).toMatchObject({ code: 2, stderr: expect.stringMatching(/the current PIN of officer O2 is wrong \(3 tries/) as unknown });
    expect(run(['officer', 'pin', 'O2'], `${STAFF_PIN}\n`)).toMatchObject({ code: 2, stderr: 'pintu: the new PIN for officer O2 was expected on stdin (one answer per line)\n' });
    expect(run(['officer', 'pin', 'O2'], `${STAFF_PIN}\n${NEW_PIN}\n`)).toMatchObject({ code: 0, stdout: 'PIN of officer O2 set\n' });
    expect(run(['officer', 'pin', 'O2', '--by', 'O1'], `${HEAD_PIN}\n${STAFF_PIN}\n`)).toMatchObject({ code: 0 });
    expect(run(['officer', 'pin', 'O9'], `${NEW_PIN}\n`)).toMatchObject({ code: 2, stderr: expect.stringMatching(/no officer with id "O9"/) as unknown });
    expect(events().filter((e) => e.type === 'officer.pin_set').map((e) => [e.officer, e.by])).toEqual([['O1', 'O1'], ['O2', 'O2'], ['O2', 'O2'], ['O2', 'O1']]);
    noSecrets();
  });

  it('locks a head after 5 wrong PINs in a row, with alarm.pin_lockout', () => {
    const { run, events, noSecrets } = door({ staff: true });
    for (let left = 4; left >= 1; left--) {
      expect(run(['officer', 'deactivate', 'O2', '--by', 'O1'], '111112\n').stderr).toBe(`pintu: the PIN of officer O1 is wrong (${left} ${left === 1 ? 'try' : 'tries'} left before the lock)\n`);
    }
    expect(run(['officer', 'deactivate', 'O2', '--by', 'O1'], '111112\n').stderr).toMatch(/officer O1 is locked after 5 wrong PINs for 15 more minute/);
    expect(run(['officer', 'deactivate', 'O2', '--by', 'O1'], `${HEAD_PIN}\n`)).toMatchObject({ code: 2, stderr: expect.stringMatching(/locked/) as unknown });
    expect(events().filter((e) => e.type === 'alarm.pin_lockout')).toEqual([expect.objectContaining({ officer: 'O1', minutes: 15 })]);
    expect(events().some((e) => e.type === 'officer.deactivated')).toBe(false);
    noSecrets();
  });
});
