/**
 * The escort rule and a busy database, end to end: a child `pintu run` reads two real serial readers (socat pty
 * pairs speaking EM4100), officers' commands run as separate `pintu` processes, and another process holds the
 * database's write lock. Each `it` builds its own door.
 */
import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { startPtyPair, type PtyPair } from '../helpers/socat.js';
import { TEST_PIN, pintu, pintuSpawn, until } from '../helpers/cli.js';
import { seedIssuedVisit, tempConfig, type TempConfig } from '../helpers/config.js';
import { encodeEm4100Frame } from '../../src/adapters/serial/em4100.js';
import { openStore, visitService } from '../../src/main.js';

const HEAD = '0A00000001';
const STAFF = '0A00000003';
const BADGE = '1B00000001';

interface Door {
  tc: TempConfig;
  child: ChildProcess;
  tapIn(uid: string): void;
  tapOut(uid: string): void;
  write(which: 'in' | 'out', bytes: Uint8Array): void;
  events(): { seq: number; type: string; data: Record<string, unknown> }[];
  output(): string;
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A door with a head (O1), a staff officer (O2), one issued visit on BADGE, and `pintu run` ready. */
async function door(windowSeconds = 20): Promise<Door & { visit: string }> {
  const ptys: PtyPair[] = [await startPtyPair(), await startPtyPair()];
  cleanups.push(async () => { for (const p of ptys) await p.stop(); });
  const tc = tempConfig({
    readers: [
      { id: 'in', direction: 'in', kind: 'serial', path: ptys[0]!.a, baudRate: 9600 },
      { id: 'out', direction: 'out', kind: 'serial', path: ptys[1]!.a, baudRate: 9600 },
    ],
    escort: { required: true, windowSeconds },
    // Simulated door I/O: nobody opens the door, so a short strike would report grants unused (people back outside).
    door: { id: 'door-1', strikeSeconds: 60, heldOpenSeconds: 120, repeatTapSeconds: 0 },
    log: { level: 'info' },
  });
  cleanups.push(() => tc.cleanup());
  const store = openStore(tc.config);
  const visits = visitService(tc.config, store);
  const visitId = seedIssuedVisit(visits, { head: HEAD, staff: STAFF, badge: BADGE });
  store.db.close();

  const child = pintuSpawn(tc.file, ['run']);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });
  await until(() => out.includes('pintu ready'), 'pintu run to be ready', 30_000).catch((err: Error) => { throw new Error(`${err.message}\n${out}`); });
  const fds = ptys.map((p) => openSync(p.b, 'w'));
  cleanups.push(() => { for (const fd of fds) closeSync(fd); });
  const db = new Database(join(tc.config.dataDir, 'pintu.db'), { readonly: true });
  cleanups.push(() => { db.close(); });
  const write = (which: 'in' | 'out', bytes: Uint8Array): void => { writeSync(fds[which === 'in' ? 0 : 1]!, bytes); };
  return {
    tc, child, visit: visitId, write, output: () => out,
    tapIn: (uid) => write('in', encodeEm4100Frame(uid)),
    tapOut: (uid) => write('out', encodeEm4100Frame(uid)),
    events: () => (db.prepare('SELECT seq, type, data FROM events ORDER BY seq').all() as { seq: number; type: string; data: string }[])
      .map((e) => ({ seq: e.seq, type: e.type, data: JSON.parse(e.data) as Record<string, unknown> })),
  };
}

const taps = (d: Door): { type: string; data: Record<string, unknown> }[] => d.events().filter((e) => e.type.startsWith('access.'));
const status = (d: Door): { inside: { officers: unknown[]; visitors: unknown[] } } & Record<string, unknown> => {
  const r = pintu(d.tc.file, ['status', '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { inside: { officers: unknown[]; visitors: unknown[] } };
};

describe('the escort rule at a real door', () => {
  it('an officer who tapped in and then out is no escort: the visitor waits and is refused', async () => {
    const d = await door(3);
    d.tapIn(STAFF);
    await until(() => taps(d).some((e) => e.type === 'access.granted' && e.data.officer === 'O2'), 'the officer in');
    d.tapOut(STAFF);
    await until(() => taps(d).filter((e) => e.type === 'access.granted').length === 2, 'the officer out');
    d.tapIn(BADGE);
    const refused = await until(() => taps(d).find((e) => e.type === 'access.denied' && e.data.visit === d.visit), 'the visitor refused', 20_000);
    expect(refused.data.reason).toBe('escort-missing');
    expect(taps(d).some((e) => e.type === 'access.granted' && e.data.visit === d.visit)).toBe(false);
    expect(status(d).inside.visitors).toEqual([]);
  });

  it('an officer deactivated after tapping in is no escort', async () => {
    const d = await door(20);
    d.tapIn(STAFF);
    await until(() => taps(d).some((e) => e.type === 'access.granted' && e.data.officer === 'O2'), 'the officer in');
    // The head (seeded without a PIN) sets a first PIN, then gives it for the change (issue 12).
    expect(pintu(d.tc.file, ['officer', 'pin', 'O1'], `${TEST_PIN}\n`).code).toBe(0);
    const r = pintu(d.tc.file, ['officer', 'deactivate', 'O2', '--by', 'O1'], `${TEST_PIN}\n`);
    expect(r.code, r.stderr).toBe(0);
    d.tapIn(BADGE);
    await until(() => taps(d).some((e) => e.type === 'access.awaiting_escort' && e.data.visit === d.visit), 'the visitor to wait');
    // The head (an active officer) arrives within the window and is the escort, not the deactivated officer.
    d.tapIn(HEAD);
    const granted = await until(() => taps(d).find((e) => e.type === 'access.granted' && e.data.visit === d.visit), 'the visitor let in');
    expect(granted.data.escort).toBe('O1');
  });

  it('the last officer out while a visitor is inside raises alarm.visitor_unescorted; the visitor still gets out after the visit is revoked', async () => {
    const d = await door(20);
    d.tapIn(STAFF);
    d.tapIn(BADGE);
    await until(() => taps(d).some((e) => e.type === 'access.granted' && e.data.visit === d.visit), 'the visitor in');
    d.tapOut(STAFF);
    const alarm = await until(() => d.events().find((e) => e.type === 'alarm.visitor_unescorted'), 'the alarm');
    expect(alarm.data.visits).toEqual([d.visit]);
    const r = pintu(d.tc.file, ['visit', 'revoke', d.visit, '--by', 'O1', '--reason', 'escort left']);
    expect(r.code, r.stderr).toBe(0);
    expect(d.events().some((e) => e.type === 'alarm.revoked_inside' && e.data.visit === d.visit)).toBe(true);
    d.tapOut(BADGE);
    const exit = await until(() => taps(d).find((e) => e.type === 'access.granted' && e.data.visit === d.visit && e.data.direction === 'out'), 'the visitor out');
    expect(exit.data.lapsed).toBe('revoked');
    expect(status(d).inside.visitors).toEqual([]);
  });
});

describe('a busy database never loses a tap', () => {
  it('taps arriving while another process holds the write lock for 1.5 s are all decided and recorded, in order', async () => {
    const d = await door(20);
    const dbPath = join(d.tc.config.dataDir, 'pintu.db');
    // Another process takes the write lock and holds it for 1.5 s (as a long CLI write or a restore would).
    const locker = spawn(process.execPath, ['-e', `
      const Database = require(${JSON.stringify(createRequire(import.meta.url).resolve('better-sqlite3'))});
      const db = new Database(${JSON.stringify(dbPath)});
      db.prepare('BEGIN IMMEDIATE').run();
      process.stdout.write('locked\\n');
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1500);
      db.prepare('COMMIT').run();
      process.stdout.write('released\\n');
    `], { stdio: ['ignore', 'pipe', 'inherit'] });
    let lockOut = '';
    locker.stdout!.on('data', (b: Buffer) => { lockOut += b.toString(); });
    cleanups.push(() => { if (locker.exitCode === null) locker.kill('SIGKILL'); });
    await until(() => lockOut.includes('locked'), 'the other process to hold the lock');
    const before = d.events().length;
    // The officer, then the visitor, the second frame split in two chunks 100 ms apart.
    d.tapIn(STAFF);
    const frame = encodeEm4100Frame(BADGE);
    d.write('in', frame.subarray(0, 6));
    await new Promise((r) => setTimeout(r, 100));
    d.write('in', frame.subarray(6));
    d.tapIn('0DEADBEEF0'); // an unknown card on the same reader (one port keeps its order): refused, and recorded too
    expect(lockOut).not.toContain('released'); // all three were written while the lock was held
    await until(() => lockOut.includes('released'), 'the lock to be released', 20_000);
    const got = await until(() => { const t = taps(d).slice(-3); return t.length === 3 && d.events().length >= before + 3 ? t : null; }, 'the three taps recorded', 20_000);
    expect(got.map((e) => [e.type, e.data.officer ?? e.data.visit, e.data.reason ?? null])).toEqual([
      ['access.granted', 'O2', null],
      ['access.granted', d.visit, null],
      ['access.denied', undefined, 'unknown-badge'],
    ].map(([t, who, reason]) => [t, who, reason]));
    expect(got[1]!.data.escort).toBe('O2');
    expect(d.output()).not.toMatch(/"level":50/); // no error logged: the taps waited, none failed
  });
});
