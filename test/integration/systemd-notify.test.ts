/**
 * SystemdNotifier against REAL unix datagram sockets: a unix-dgram socket bound in a temp dir (what systemd
 * uses: /run/systemd/notify), and an abstract socket bound by an independent perl receiver.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import unix from 'unix-dgram';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SystemdNotifier } from '../../src/adapters/systemd/notify.js';
import type { Log } from '../../src/adapters/log/pino.js';

interface Received {
  text: string;
  at: number;
}

interface Receiver {
  /** NOTIFY_SOCKET value. */
  address: string;
  messages: Received[];
  close(): void;
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()?.();
});

function pathReceiver(): Receiver {
  const dir = mkdtempSync(join(tmpdir(), 'pintu-notify-'));
  const path = join(dir, 'notify');
  const messages: Received[] = [];
  const sock = unix.createSocket('unix_dgram', (buf) => messages.push({ text: buf.toString('utf8'), at: Date.now() }));
  let error: Error | undefined;
  sock.on('error', (e: Error) => (error = e));
  sock.bind(path);
  if (error) throw error;
  const r = {
    address: path,
    messages,
    close: () => {
      if (sock.fd >= 0) sock.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  cleanups.push(r.close);
  return r;
}

/** An abstract-namespace receiver in perl (perl-base is Essential on Debian): binds with the exact name length, as systemd does. */
async function abstractReceiver(): Promise<Receiver> {
  const name = `pintu-test-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const script =
    '$| = 1; use Socket; socket(my $s, AF_UNIX, SOCK_DGRAM, 0) or die "socket: $!"; ' +
    'bind($s, pack_sockaddr_un("\\0" . $ARGV[0])) or die "bind: $!"; print "BOUND\\x1e"; ' +
    'while (defined(recv($s, my $b, 65536, 0))) { print $b, "\\x1e"; }';
  const child: ChildProcess = spawn('perl', ['-e', script, name], { stdio: ['ignore', 'pipe', 'pipe'] });
  const messages: Received[] = [];
  let buffered = '';
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const bound = new Promise<void>((resolve, reject) => {
    child.on('error', (e) => reject(new Error(`perl is needed for this test (apt-get install perl-base): ${e.message}`)));
    child.on('exit', (code) => reject(new Error(`perl receiver exited (${String(code)}): ${stderr}`)));
    child.stdout?.on('data', (d: Buffer) => {
      buffered += d.toString('utf8');
      const parts = buffered.split('\x1e');
      buffered = parts.pop() ?? '';
      for (const p of parts) {
        if (p === 'BOUND') resolve();
        else messages.push({ text: p, at: Date.now() });
      }
    });
  });
  const r = { address: `@${name}`, messages, close: () => void child.kill('SIGKILL') };
  cleanups.push(r.close);
  await bound;
  return r;
}

function captureLog(): { log: Log; lines: { level: number; msg: string }[] } {
  const lines: { level: number; msg: string }[] = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s) as { level: number; msg: string }) });
  return { log, lines };
}

async function waitFor(cond: () => boolean, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await sleep(10);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function notifier(env: NodeJS.ProcessEnv, log: Log = captureLog().log): SystemdNotifier {
  const n = SystemdNotifier.fromEnv(env, log);
  if (!n) throw new Error('expected a notifier');
  cleanups.push(() => n.close());
  return n;
}

const pings = (r: Receiver): Received[] => r.messages.filter((m) => m.text === 'WATCHDOG=1');

describe('SystemdNotifier.fromEnv', () => {
  it('is null when NOTIFY_SOCKET is unset or empty (not started by systemd)', () => {
    expect(SystemdNotifier.fromEnv({}, captureLog().log)).toBeNull();
    expect(SystemdNotifier.fromEnv({ NOTIFY_SOCKET: '' }, captureLog().log)).toBeNull();
  });

  it('is null with an error logged for an unusable NOTIFY_SOCKET', () => {
    const { log, lines } = captureLog();
    expect(SystemdNotifier.fromEnv({ NOTIFY_SOCKET: 'relative/notify' }, log)).toBeNull();
    expect(SystemdNotifier.fromEnv({ NOTIFY_SOCKET: `/${'x'.repeat(120)}` }, log)).toBeNull();
    expect(lines.filter((l) => l.level === 50)).toHaveLength(2);
  });
});

describe('notifications over a filesystem socket', () => {
  it('delivers READY=1 with STATUS, STATUS, and STOPPING=1 as separate datagrams', async () => {
    const rx = pathReceiver();
    const n = notifier({ NOTIFY_SOCKET: rx.address });
    expect(n.target).toEqual({ kind: 'path', path: rx.address });
    n.ready('door locked, 2 readers');
    n.status('reader in\nlost');
    n.extendTimeout(1500);
    n.stopping();
    await waitFor(() => rx.messages.length === 4);
    expect(rx.messages.map((m) => m.text)).toEqual([
      'READY=1\nSTATUS=door locked, 2 readers',
      'STATUS=reader in lost',
      'EXTEND_TIMEOUT_USEC=1500000',
      'STOPPING=1',
    ]);
  });

  it('sends bare READY=1 without a status', async () => {
    const rx = pathReceiver();
    notifier({ NOTIFY_SOCKET: rx.address }).ready();
    await waitFor(() => rx.messages.length === 1);
    expect(rx.messages[0]?.text).toBe('READY=1');
  });

  it('logs and carries on when the socket has gone (never throws)', () => {
    const rx = pathReceiver();
    const { log, lines } = captureLog();
    const n = notifier({ NOTIFY_SOCKET: rx.address }, log);
    rx.close();
    expect(() => n.ready()).not.toThrow();
    expect(n.notify(['STATUS=x'])).toBe(false);
    expect(lines.some((l) => l.level === 40 && l.msg === 'sd_notify failed')).toBe(true);
  });

  it('drops notifications after close()', async () => {
    const rx = pathReceiver();
    const n = notifier({ NOTIFY_SOCKET: rx.address });
    n.close();
    n.ready();
    await sleep(50);
    expect(rx.messages).toHaveLength(0);
  });
});

// The watchdog's timer is driven by fake setInterval/clearInterval (setTimeout stays real, for waiting on the
// datagrams): what is tested is which pings are sent when and that they arrive over the real socket, never how
// fast this machine happens to be.
describe('watchdog', () => {
  beforeEach(() => { vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] }); });
  afterEach(() => { vi.useRealTimers(); });

  /** Send a STATUS marker and wait for it: datagrams arrive in order, so everything sent before it has arrived. */
  async function flush(n: SystemdNotifier, rx: Receiver): Promise<void> {
    const marker = `STATUS=marker-${Math.random().toString(36).slice(2)}`;
    n.notify([marker]);
    await waitFor(() => rx.messages.some((m) => m.text === marker));
  }

  it('pings WATCHDOG=1 at once and then every half of WATCHDOG_USEC', async () => {
    const rx = pathReceiver();
    const { log, lines } = captureLog();
    const n = notifier({ NOTIFY_SOCKET: rx.address, WATCHDOG_USEC: '200000' }, log);
    expect(n.watchdogIntervalMs()).toBe(200);
    n.startWatchdog(() => true);
    expect(lines.find((l) => l.msg === 'systemd watchdog enabled')).toMatchObject({ watchdogMs: 200, pingEveryMs: 100 });
    await flush(n, rx);
    expect(pings(rx)).toHaveLength(1);
    vi.advanceTimersByTime(99);
    await flush(n, rx);
    expect(pings(rx)).toHaveLength(1);
    vi.advanceTimersByTime(1);
    await flush(n, rx);
    expect(pings(rx)).toHaveLength(2);
    vi.advanceTimersByTime(900);
    await flush(n, rx);
    expect(pings(rx)).toHaveLength(11);
    n.stopWatchdog();
    vi.advanceTimersByTime(1000);
    await flush(n, rx);
    expect(pings(rx)).toHaveLength(11);
  });

  it('withholds pings while unhealthy, warns, and resumes when healthy again', async () => {
    const rx = pathReceiver();
    const { log, lines } = captureLog();
    const n = notifier({ NOTIFY_SOCKET: rx.address, WATCHDOG_USEC: '200000' }, log);
    let healthy = true;
    n.startWatchdog(() => healthy);
    vi.advanceTimersByTime(300);
    await flush(n, rx);
    expect(pings(rx)).toHaveLength(4);
    healthy = false;
    vi.advanceTimersByTime(500);
    await flush(n, rx);
    expect(pings(rx)).toHaveLength(4);
    expect(lines.filter((l) => l.level === 40 && l.msg.startsWith('unhealthy: withholding'))).toHaveLength(5);
    healthy = true;
    vi.advanceTimersByTime(100);
    await flush(n, rx);
    expect(pings(rx)).toHaveLength(5);
    expect(lines.some((l) => l.level === 30 && l.msg === 'healthy again: watchdog pings resumed')).toBe(true);
  });

  it('treats a throwing health check as unhealthy', async () => {
    const rx = pathReceiver();
    const n = notifier({ NOTIFY_SOCKET: rx.address, WATCHDOG_USEC: '100000' });
    n.startWatchdog(() => {
      throw new Error('db closed');
    });
    vi.advanceTimersByTime(250);
    await flush(n, rx);
    expect(pings(rx)).toHaveLength(0);
  });

  it('sends no pings when WATCHDOG_PID names another process', async () => {
    const rx = pathReceiver();
    const n = notifier({ NOTIFY_SOCKET: rx.address, WATCHDOG_USEC: '100000', WATCHDOG_PID: String(process.pid + 1) });
    expect(n.watchdogIntervalMs()).toBeNull();
    n.startWatchdog(() => true);
    n.ready();
    vi.advanceTimersByTime(300);
    await flush(n, rx);
    expect(rx.messages.map((m) => m.text).filter((t) => !t.startsWith('STATUS=marker'))).toEqual(['READY=1']);
  });

  it('pings when WATCHDOG_PID is this process, and not at all without WATCHDOG_USEC', async () => {
    const rx = pathReceiver();
    const own = notifier({ NOTIFY_SOCKET: rx.address, WATCHDOG_USEC: '100000', WATCHDOG_PID: String(process.pid) });
    expect(own.watchdogIntervalMs()).toBe(100);
    const none = notifier({ NOTIFY_SOCKET: rx.address });
    expect(none.watchdogIntervalMs()).toBeNull();
    none.startWatchdog(() => true);
    own.startWatchdog(() => true);
    // 100 ms timeout: one ping at once, then every 50 ms (at 50, 100, 150 and 200 ms)
    vi.advanceTimersByTime(230);
    own.stopWatchdog();
    await flush(own, rx);
    expect(pings(rx)).toHaveLength(5);
  });
});

describe('notifications over an abstract socket (@name)', () => {
  it('delivers READY, STATUS, STOPPING and watchdog pings to the exact abstract name', async () => {
    const rx = await abstractReceiver();
    const n = notifier({ NOTIFY_SOCKET: rx.address, WATCHDOG_USEC: '200000' });
    expect(n.target.kind).toBe('abstract');
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      n.ready('up');
      n.status('serving');
      n.startWatchdog(() => true);
      vi.advanceTimersByTime(250);
      n.stopping();
      n.close();
    } finally {
      vi.useRealTimers();
    }
    await waitFor(() => rx.messages.some((m) => m.text === 'STOPPING=1'));
    // one ping at once, then at 100 and 200 ms
    expect(rx.messages.map((m) => m.text)).toEqual(['READY=1\nSTATUS=up', 'STATUS=serving', 'WATCHDOG=1', 'WATCHDOG=1', 'WATCHDOG=1', 'STOPPING=1']);
  });

  it('is null with an error logged when nothing listens on the abstract name', () => {
    const { log, lines } = captureLog();
    expect(SystemdNotifier.fromEnv({ NOTIFY_SOCKET: `@pintu-nobody-${process.pid}` }, log)).toBeNull();
    expect(lines.some((l) => l.level === 50 && l.msg === 'systemd notifications disabled')).toBe(true);
  });
});
