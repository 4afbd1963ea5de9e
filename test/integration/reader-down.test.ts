/**
 * A missing reader never takes the door down (issue 9, section 5): a real `pintu run` whose config names a serial reader
 * path that does not exist comes up READY (sd_notify), keeps feeding the systemd watchdog, records exactly one
 * `alarm.reader_down` however many times it retries, and the other reader opens the door meanwhile. When a socat pty
 * appears at that path later, the reader opens (`reader.restored`) and a tap on it is decided.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import unix from 'unix-dgram';
import { startPtyPair, type PtyPair } from '../helpers/socat.js';
import { CLI, until } from '../helpers/cli.js';
import { tempConfig, type TempConfig } from '../helpers/config.js';
import { encodeEm4100Frame } from '../../src/adapters/serial/em4100.js';
import { openStore, visitService } from '../../src/main.js';

const OFFICER = '0A00000001';
const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

function notifyReceiver(): { path: string; messages: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'pintu-notify-'));
  const path = join(dir, 'notify');
  const messages: string[] = [];
  const sock = unix.createSocket('unix_dgram', (buf) => messages.push(buf.toString('utf8')));
  sock.bind(path);
  cleanups.push(() => { sock.close(); rmSync(dir, { recursive: true, force: true }); });
  return { path, messages };
}

describe('pintu run with a reader that is not there', () => {
  it('comes up READY, keeps the watchdog fed and the other reader working, one alarm, and opens the reader once it appears', async () => {
    const present: PtyPair = await startPtyPair();
    cleanups.push(() => present.stop());
    const missingDir = mkdtempSync(join(tmpdir(), 'pintu-pty-later-'));
    cleanups.push(() => rmSync(missingDir, { recursive: true, force: true }));
    const missingPath = join(missingDir, 'a'); // nothing there yet
    const tc: TempConfig = tempConfig({
      readers: [
        { id: 'in', direction: 'in', kind: 'serial', path: missingPath, baudRate: 9600 },
        { id: 'out', direction: 'out', kind: 'serial', path: present.a, baudRate: 9600 },
      ],
      log: { level: 'info' },
    });
    cleanups.push(() => tc.cleanup());
    const store = openStore(tc.config);
    visitService(tc.config, store).addOfficer('Petugas', 'staff', OFFICER);
    store.db.close();

    const notify = notifyReceiver();
    const child: ChildProcess = spawn(process.execPath, [CLI, 'run', '--config', tc.file], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PINTU_CONFIG: '', NOTIFY_SOCKET: notify.path, WATCHDOG_USEC: '400000' },
    });
    cleanups.push(async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
    });
    let output = '';
    child.stdout!.on('data', (d: Buffer) => { output += d.toString(); });
    child.stderr!.on('data', (d: Buffer) => { output += d.toString(); });
    const fail = (what: string) => `${what}; daemon output:\n${output.slice(-4000)}`;

    await until(() => notify.messages.some((m) => m.startsWith('READY=1')) || child.exitCode !== null, 'READY=1', 20_000)
      .catch((e: Error) => { throw new Error(fail(e.message)); });
    expect(child.exitCode, fail('the daemon exited')).toBeNull();
    expect(notify.messages.find((m) => m.startsWith('READY=1'))).toContain('1/2 readers open (down: in)');

    const db = openStore(tc.config);
    cleanups.push(() => { if (db.db.open) db.db.close(); });
    const types = (): string[] => db.events.since(0, 10_000).map((e) => e.type);
    const granted = (): unknown[] => db.events.since(0, 10_000).filter((e) => e.type === 'access.granted').map((e) => e.data.reader);

    // The other reader opens the door.
    const out = openSync(present.b, 'w');
    cleanups.push(() => closeSync(out));
    writeSync(out, encodeEm4100Frame(OFFICER));
    await until(() => granted().includes('out'), fail('a grant on the reader that is there'), 10_000);

    // Several retries later (1 s, 2 s, 4 s backoff): still one alarm, still running, the watchdog still fed.
    const pingsBefore = notify.messages.filter((m) => m === 'WATCHDOG=1').length;
    await new Promise((r) => setTimeout(r, 3500)); // retries at about 1 s and 3 s after the first attempt
    expect(child.exitCode, fail('the daemon exited')).toBeNull();
    expect(notify.messages.filter((m) => m === 'WATCHDOG=1').length, fail('no watchdog pings while the reader is down')).toBeGreaterThan(pingsBefore);
    expect(types().filter((t) => t === 'alarm.reader_down')).toEqual(['alarm.reader_down']);
    expect(types().filter((t) => t === 'daemon.started')).toHaveLength(1);
    expect(db.events.since(0, 10_000).find((e) => e.type === 'alarm.reader_down')?.data).toMatchObject({ reader: 'in', direction: 'in' });

    // Plug it in: a pty appears at the configured path; the next retry opens it.
    const later = await startPtyPair({ dir: missingDir });
    cleanups.push(() => later.kill());
    await until(() => types().includes('reader.restored'), fail('reader.restored'), 30_000);
    const fd = openSync(later.b, 'w');
    cleanups.push(() => closeSync(fd));
    writeSync(fd, encodeEm4100Frame(OFFICER));
    await until(() => granted().length >= 2, fail('a grant on the restored reader'), 10_000);
    expect(granted()).toEqual(['out', 'in']);
    expect(types().filter((t) => t === 'alarm.reader_down')).toEqual(['alarm.reader_down']);
    expect(db.events.verify()).toBeNull();
  }, 90_000);
});
