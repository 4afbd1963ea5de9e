/**
 * `pintu demo --no-interactive` with the built CLI: the guided SOP walk, then the embedded central office
 * (aedes + receiver + SQLite) reports every event of the walk received with the chain verified; nothing installed,
 * nothing left behind. `--no-central` runs the same walk without it.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { pintu } from '../helpers/cli.js';

const WALK = ['Setup: three officers', 'Step 1 —', 'Step 2 —', 'Step 3 —', 'Step 4 —', 'Step 5 —', 'Steps 6–7 —', 'access.granted', 'access.denied', 'visit.archived'];

function dataDirOf(stdout: string): string {
  const m = /data dir (\S+);/.exec(stdout);
  expect(m, stdout).not.toBeNull();
  return m![1]!;
}

describe('pintu demo', () => {
  it('walks through the SOP and the embedded central office receives every event, chain verified', () => {
    const r = pintu(null, ['demo', '--no-interactive']);
    expect(r.code, r.stderr).toBe(0);
    for (const s of WALK) expect(r.stdout).toContain(s);
    const held = /Event log holds (\d+) events, hash-chained: chain verified\./.exec(r.stdout);
    expect(held, r.stdout).not.toBeNull();
    const central = /^central office received (\d+) events from door demo-office\/server-room-1, chain verified$/m.exec(r.stdout);
    expect(central, r.stdout).not.toBeNull();
    expect(Number(central![1])).toBe(Number(held![1]));
    expect(r.stdout.indexOf(central![0])).toBeGreaterThan(r.stdout.indexOf(held![0]));
    expect(r.stdout).toMatch(/^Central office dashboard: http:\/\/127\.0\.0\.1:\d+\/ — sign in with a user id and password:$/m);
    for (const [id, pw] of [['kepala', 'kepala-demo-2026'], ['analis', 'analis-demo-2026'], ['helpdesk', 'helpdesk-demo-2026']]) expect(r.stdout).toMatch(new RegExp(`^  ${id} .*: password ${pw} `, 'm'));
    expect(existsSync(dataDirOf(r.stdout))).toBe(false);
  });

  it('--no-central: the same walk, no central office', () => {
    const r = pintu(null, ['demo', '--no-interactive', '--no-central']);
    expect(r.code, r.stderr).toBe(0);
    for (const s of WALK) expect(r.stdout).toContain(s);
    expect(r.stdout).toMatch(/Event log holds \d+ events, hash-chained: chain verified\./);
    expect(r.stdout).not.toContain('central office received');
    expect(r.stdout).not.toContain('Central office dashboard');
    expect(existsSync(dataDirOf(r.stdout))).toBe(false);
    // The status LED and buzzer a visitor sees (issue 16): one line per change, in the order the walk makes them.
    const signals = [...r.stdout.matchAll(/^ {4}💡 door signal (\S+): /gm)].map((m) => m[1]);
    expect(signals.slice(0, 3), r.stdout).toEqual(['awaiting-escort', 'granted', 'refused']);
    expect(r.stdout).toContain('💡 door signal granted: green steady, buzzer 1× 300 ms');
  });
});
