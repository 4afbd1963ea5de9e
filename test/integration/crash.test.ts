/**
 * Crash safety: a child `pintu run` reading two real serial readers (socat pty pairs) is killed with SIGKILL in
 * the middle of a burst of taps. After a restart the event sequence is gap-free, the hash chain verifies, every
 * event seen committed before the kill is still there unchanged, and no transition is half-done (each officer's
 * presence matches the direction of their last granted tap).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { openSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { startPtyPair, type PtyPair } from '../helpers/socat.js';
import { pintu, pintuJson, pintuSpawn, setupHead, until } from '../helpers/cli.js';
import { tempConfig, type TempConfig } from '../helpers/config.js';
import { encodeEm4100Frame } from '../../src/adapters/serial/em4100.js';
import { openStore, visitService } from '../../src/main.js';

const OFFICERS = 12;
const uidOf = (i: number): string => `0A000000${(i + 1).toString(16).toUpperCase().padStart(2, '0')}`;

const children: ChildProcess[] = [];

function startDaemon(tc: TempConfig): { child: ChildProcess; ready: Promise<void>; output: () => string } {
  const child = pintuSpawn(tc.file, ['run']);
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  const ready = until(() => out.includes('pintu ready'), 'pintu run to be ready', 15_000).then(() => undefined, (err: Error) => { throw new Error(`${err.message}; its output:\n${out}`); });
  return { child, ready, output: () => out };
}

describe('kill -9 in the middle of a burst of taps', () => {
  let tc: TempConfig;
  let ptys: PtyPair[] = [];
  beforeAll(async () => {
    ptys = [await startPtyPair(), await startPtyPair()];
    tc = tempConfig({
      readers: [
        { id: 'in', direction: 'in', kind: 'serial', path: ptys[0]!.a, baudRate: 9600 },
        { id: 'out', direction: 'out', kind: 'serial', path: ptys[1]!.a, baudRate: 9600 },
      ],
      storage: { synchronous: 'full' },
      log: { level: 'info' },
      // Simulated door I/O: nobody opens the door, so a short strike would report every grant unused (and put the
      // person back outside) while the test still looks at who is inside.
      door: { id: 'door-1', strikeSeconds: 60, heldOpenSeconds: 120, repeatTapSeconds: 0 },
    });
    const store = openStore(tc.config);
    const visits = visitService(tc.config, store);
    for (let i = 0; i < OFFICERS; i++) visits.addOfficer(`Officer ${i}`, 'staff', uidOf(i));
    store.db.close();
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const p of ptys) await p.stop();
    tc.cleanup();
  });

  it('loses no committed event and leaves no half-done transition', async () => {
    const d1 = startDaemon(tc);
    await d1.ready;
    const dbPath = join(tc.config.dataDir, 'pintu.db');
    const reader = new Database(dbPath, { readonly: true });
    const seen = new Map<number, string>();
    const fds = ptys.map((p) => openSync(p.b, 'w'));
    let written = 0;
    let killed = false;
    const watcher = setInterval(() => {
      for (const r of reader.prepare('SELECT seq, hash FROM events WHERE seq > ? ORDER BY seq').all(seen.size ? Math.max(...seen.keys()) : 0) as { seq: number; hash: string }[]) {
        seen.set(r.seq, r.hash);
      }
    }, 5);
    try {
      // Burst: officers tap in and out; kill once a good number of taps are committed (bounded in time).
      const deadline = Date.now() + 30_000;
      for (let i = 0; !killed && Date.now() < deadline; i++) {
        const officer = i % OFFICERS;
        const dir = Math.floor(i / OFFICERS) % 2;
        writeSync(fds[dir]!, encodeEm4100Frame(uidOf(officer)));
        written += 1;
        if (i % 4 === 0) await new Promise((r) => setTimeout(r, 1));
        if (seen.size > 150) {
          d1.child.kill('SIGKILL');
          killed = true;
        }
      }
      if (!killed) d1.child.kill('SIGKILL');
      await new Promise((r) => d1.child.once('exit', r));
    } finally {
      clearInterval(watcher);
      for (const fd of fds) closeSync(fd);
      reader.close();
    }
    expect(killed, `the daemon committed only ${seen.size} events in 30 s; its output:\n${d1.output().slice(-3000)}`).toBe(true);
    expect(written).toBeGreaterThan(seen.size / 2);

    // Restart: the daemon opens the same database and carries on.
    const d2 = startDaemon(tc);
    await d2.ready;
    d2.child.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => d2.child.once('exit', (c) => r(c)));
    expect(code).toBe(0);

    const store = openStore(tc.config);
    try {
      const events = store.events.since(0, 1_000_000);
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
      expect(store.events.verify()).toBeNull();
      const bySeq = new Map(events.map((e) => [e.seq, e.hash]));
      for (const [seq, hash] of seen) expect(bySeq.get(seq), `event ${seq}`).toBe(hash);
      expect(events.filter((e) => e.type === 'daemon.started').length).toBe(2);
      expect(events.at(-1)?.type).toBe('daemon.stopped');
      // Atomicity: presence and the last granted tap of each officer agree.
      for (const o of store.officers()) {
        const last = events.filter((e) => e.type === 'access.granted' && e.data.officer === o.id).at(-1);
        if (last) expect(o.presence, o.id).toBe(last.data.direction === 'in' ? 'inside' : 'outside');
      }
    } finally {
      store.db.close();
    }
  }, 90_000);

  it('sees CLI commands made while it runs at the next tap, and reports status', async () => {
    const d = startDaemon(tc);
    await d.ready;
    const fd = openSync(ptys[0]!.b, 'w');
    try {
      pintuJson(tc.file, ['badge', 'add', '--uid', '1B000000AA', '--label', 'TAMU-AA']);
      const since = pintuJson<{ lastSeq: number }>(tc.file, ['status']).lastSeq;
      writeSync(fd, encodeEm4100Frame('1B000000AA'));
      await until(() => pintu(tc.file, ['events', '--since', String(since), '--json']).stdout.includes('not-approved'), 'a not-approved denial');
      const head = setupHead(tc.file, 'Kepala', '0AFF000001').id;
      const { id } = pintuJson<{ id: string }>(tc.file, ['visit', 'request', '--name', 'Tamu Rahasia', '--nik', '3201011205900009', '--org', 'PT Y', '--purpose', 'audit', '--ktp-uid', '04DEADBEEF77', '--phone', '0812999111']);
      pintuJson(tc.file, ['visit', 'check', id, '--by', 'O1']);
      pintuJson(tc.file, ['visit', 'approve', id, '--by', head]);
      pintuJson(tc.file, ['visit', 'issue', id, '--badge', 'TAMU-AA', '--by', 'O1', '--rules-acknowledged']);
      writeSync(fd, encodeEm4100Frame(uidOf(0)));
      writeSync(fd, encodeEm4100Frame('1B000000AA'));
      const granted = await until(() => pintu(tc.file, ['events', '--since', String(since), '--json']).stdout.split('\n').filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>).find((e) => e.type === 'access.granted' && e.visit === id), 'the visitor to be granted');
      expect(granted).toMatchObject({ holder: 'visitor', escort: 'O1', reader: 'in' });
      writeSync(fd, encodeEm4100Frame('04DEADBEEF')); // a KTP-like unknown card at the door
      await until(() => pintu(tc.file, ['events', '--since', String(since), '--json']).stdout.includes('unknown-badge'), 'the unknown card to be refused');
      const status = pintuJson<{ daemon: string; lock: string; inside: { visitors: { visit: string }[] } }>(tc.file, ['status']);
      expect(status.daemon).toBe('running');
      expect(status.inside.visitors.map((v) => v.visit)).toContain(id);
    } finally {
      closeSync(fd);
      d.child.kill('SIGTERM');
      await new Promise((r) => d.child.once('exit', r));
    }
    // The daemon's logs (journald) never carry names, NIK, phone numbers or card UIDs of unknown cards/KTPs.
    const logs = d.output();
    expect(logs).toMatch(/"msg":"tap"/);
    for (const secret of ['Tamu Rahasia', '3201011205900009', '0812999111', '04DEADBEEF']) expect(logs).not.toContain(secret);
    const after = pintuJson<{ daemon: string; lock: string }>(tc.file, ['status']);
    expect(after).toMatchObject({ daemon: 'not running', lock: 'locked' });
  }, 60_000);
});
