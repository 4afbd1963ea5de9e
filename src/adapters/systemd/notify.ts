/**
 * systemd service notifications (the sd_notify protocol, see sd_notify(3)): tell systemd we are READY, what we
 * are doing (STATUS), that we are STOPPING, and keep its watchdog fed while the daemon is healthy.
 *
 * Wire format: one AF_UNIX datagram per notification, newline-separated `KEY=value` lines, sent to the socket
 * named by $NOTIFY_SOCKET. systemd identifies the sender by the kernel-attached credentials (NotifyAccess=main:
 * the datagram must be sent by the main PID itself), so sending is done in-process, never by a helper process.
 *
 * Node has no AF_UNIX datagram sockets, hence `unix-dgram`. Its native code copies addresses with strncpy() and
 * always passes sizeof(sockaddr_un), so it cannot address an abstract socket (`@name`: leading NUL, exact
 * length). For those, a short-lived `perl` (perl-base is Essential on Debian / Raspberry Pi OS) connect()s our
 * socket — inherited as fd 3 — to the abstract name; the socket stays connected and every send is still made by
 * this process. systemd's own NOTIFY_SOCKET (/run/systemd/notify) is a path; abstract names come from
 * containers/test harnesses.
 */
import { spawnSync } from 'node:child_process';
import unix, { type UnixDgramSocket } from 'unix-dgram';
import type { Log } from '../../ports/log.js';

/** Longest sun_path systemd and the kernel accept (108 bytes incl. the terminating NUL). */
const MAX_SUN_PATH = 107;

/** Perl one-liner: connect fd 3 to the abstract name in $ARGV[0] (a tight address: no trailing NULs). */
const PERL_CONNECT_ABSTRACT =
  'use Socket; open(my $s, "+<&=", 3) or die "fd 3: $!\\n"; ' +
  'connect($s, pack_sockaddr_un("\\0" . $ARGV[0])) or die "connect: $!\\n";';

/** Where notifications go, parsed from $NOTIFY_SOCKET. */
export type NotifyTarget = { kind: 'path'; path: string } | { kind: 'abstract'; name: string };

/** Parse $NOTIFY_SOCKET: null when unset/empty; throws for values pintu cannot use (relative paths, vsock:, too long). */
export function parseNotifySocket(value: string | undefined): NotifyTarget | null {
  if (value === undefined || value === '') return null;
  if (value.startsWith('@')) {
    const name = value.slice(1);
    if (name === '') throw new Error('NOTIFY_SOCKET "@" names no abstract socket');
    if (Buffer.byteLength(name) > MAX_SUN_PATH - 1) throw new Error('NOTIFY_SOCKET abstract name is too long');
    return { kind: 'abstract', name };
  }
  if (value.startsWith('/')) {
    if (Buffer.byteLength(value) > MAX_SUN_PATH) throw new Error(`NOTIFY_SOCKET path is longer than ${MAX_SUN_PATH} bytes`);
    return { kind: 'path', path: value };
  }
  throw new Error(`unsupported NOTIFY_SOCKET "${value}" (pintu supports absolute paths and @abstract names)`);
}

/** Parse WATCHDOG_USEC/WATCHDOG_PID as sd_watchdog_enabled(3) does: the interval in ms, or null when disabled or meant for another process. */
export function parseWatchdog(usec: string | undefined, pidVar: string | undefined, pid: number): number | null {
  if (usec === undefined || !/^\d+$/.test(usec)) return null;
  const us = Number(usec);
  if (!Number.isSafeInteger(us) || us <= 0) return null;
  if (pidVar !== undefined && pidVar !== '') {
    if (!/^\d+$/.test(pidVar) || Number(pidVar) !== pid) return null;
  }
  return us / 1000;
}

/** Sends one datagram; throws on failure. */
interface Transport {
  /** Send one notification datagram. */
  send(payload: Buffer): void;
  /** Release the socket, if one is held. */
  close(): void;
}

/** Run a unix-dgram send and turn its synchronous callback into a throw. */
function sendOrThrow(doSend: (cb: (err?: Error) => void) => void): void {
  let failure: Error | undefined;
  let called = false;
  doSend((err) => {
    called = true;
    failure = err;
  });
  if (!called) throw new Error('unix-dgram did not report the send result');
  if (failure) {
    const code = (failure as { code?: unknown }).code;
    throw code === 1 ? new Error('notify socket queue is full (congestion)') : failure;
  }
}

/** Filesystem socket: a fresh socket per message, like libsystemd (survives `systemctl daemon-reexec`, holds nothing open). */
class PathTransport implements Transport {
  constructor(private readonly path: string) {}

  send(payload: Buffer): void {
    const s = unix.createSocket('unix_dgram');
    s.on('error', () => undefined); // errors are reported through the callback below
    try {
      sendOrThrow((cb) => s.send(payload, 0, payload.length, this.path, cb));
    } finally {
      s.close();
    }
  }

  close(): void {}
}

/** Abstract socket: one socket, connected once by a perl helper (see file comment); keeps the event loop alive until close(). */
class AbstractTransport implements Transport {
  private sock: UnixDgramSocket | null;

  constructor(name: string) {
    const s = unix.createSocket('unix_dgram');
    s.on('error', () => undefined);
    const r = spawnSync('perl', ['-e', PERL_CONNECT_ABSTRACT, name], {
      stdio: ['ignore', 'ignore', 'pipe', s.fd],
      timeout: 10_000,
      encoding: 'utf8',
    });
    if (r.error || r.status !== 0) {
      s.close();
      const why = r.error ? r.error.message : (r.stderr || `exit status ${String(r.status)}`).trim();
      throw new Error(`cannot connect to abstract notify socket @${name} (needs perl): ${why}`);
    }
    s.connected = true; // connected by the helper through the shared descriptor; tell unix-dgram to use send()
    this.sock = s;
  }

  send(payload: Buffer): void {
    const s = this.sock;
    if (!s) throw new Error('notify socket is closed');
    sendOrThrow((cb) => s.send(payload, cb));
  }

  close(): void {
    this.sock?.close();
    this.sock = null;
  }
}

/** Options for `SystemdNotifier.fromEnv`. */
export interface NotifierOptions {
  /** This process's pid, compared with WATCHDOG_PID (default process.pid). */
  pid?: number;
}

/** Talks to systemd for a `Type=notify` service. Notification failures are logged, never thrown. */
export class SystemdNotifier {
  private timer: NodeJS.Timeout | null = null;
  private withholding = false;
  private closed = false;
  private readonly log: Log;

  private constructor(
    private readonly transport: Transport,
    /** Where notifications go. */
    readonly target: NotifyTarget,
    private readonly watchdogMs: number | null,
    log: Log,
  ) {
    this.log = log.child({ component: 'systemd' });
  }

  /** A notifier for $NOTIFY_SOCKET in `env`, or null when not started by systemd (or the socket is unusable: logged as an error). */
  static fromEnv(env: NodeJS.ProcessEnv, log: Log, options: NotifierOptions = {}): SystemdNotifier | null {
    let target: NotifyTarget | null;
    let transport: Transport;
    try {
      target = parseNotifySocket(env.NOTIFY_SOCKET);
      if (!target) return null;
      transport = target.kind === 'path' ? new PathTransport(target.path) : new AbstractTransport(target.name);
    } catch (err) {
      log.error({ component: 'systemd', err: (err as Error).message }, 'systemd notifications disabled');
      return null;
    }
    const watchdogMs = parseWatchdog(env.WATCHDOG_USEC, env.WATCHDOG_PID, options.pid ?? process.pid);
    return new SystemdNotifier(transport, target, watchdogMs, log);
  }

  /** Send raw `KEY=value` lines in one datagram; returns false (and logs) on failure. */
  notify(lines: string[]): boolean {
    if (this.closed) return false;
    try {
      this.transport.send(Buffer.from(lines.join('\n'), 'utf8'));
      return true;
    } catch (err) {
      this.log.warn({ err: (err as Error).message, message: lines.map((l) => l.split('=')[0]).join(',') }, 'sd_notify failed');
      return false;
    }
  }

  /** Startup finished (READY=1), optionally with a status line. */
  ready(status?: string): void {
    this.notify(status === undefined ? ['READY=1'] : ['READY=1', `STATUS=${oneLine(status)}`]);
  }

  /** Free-text status shown by `systemctl status pintu`. */
  status(text: string): void {
    this.notify([`STATUS=${oneLine(text)}`]);
  }

  /** Shutdown has begun (STOPPING=1). */
  stopping(): void {
    this.notify(['STOPPING=1']);
  }

  /** Ask systemd for more time to start/stop (EXTEND_TIMEOUT_USEC), e.g. during a long database migration. */
  extendTimeout(ms: number): void {
    this.notify([`EXTEND_TIMEOUT_USEC=${Math.max(0, Math.round(ms * 1000))}`]);
  }

  /** The watchdog timeout in ms (WATCHDOG_USEC), or null when systemd expects no pings from this process (unset, or WATCHDOG_PID is another pid). */
  watchdogIntervalMs(): number | null {
    return this.watchdogMs;
  }

  /**
   * Ping WATCHDOG=1 now and every half interval, but only while `isHealthy()` returns true (a throw counts as
   * unhealthy). A withheld ping is logged as a warning; if it stays unhealthy for WatchdogSec, systemd kills and
   * restarts pintu. Does nothing when the watchdog is not enabled. The timer does not keep the process alive.
   */
  startWatchdog(isHealthy: () => boolean): void {
    this.stopWatchdog();
    const ms = this.watchdogMs;
    if (ms === null || this.closed) {
      this.log.debug('systemd watchdog not enabled for this process');
      return;
    }
    const period = Math.max(1, Math.floor(ms / 2));
    const tick = (): void => {
      let healthy: boolean;
      let reason: string | undefined;
      try {
        healthy = isHealthy() === true;
      } catch (err) {
        healthy = false;
        reason = (err as Error).message;
      }
      if (healthy) {
        if (this.withholding) this.log.info('healthy again: watchdog pings resumed');
        this.withholding = false;
        this.notify(['WATCHDOG=1']);
      } else {
        this.withholding = true;
        this.log.warn({ watchdogMs: ms, reason }, 'unhealthy: withholding the systemd watchdog ping (systemd restarts pintu if this lasts)');
      }
    };
    this.timer = setInterval(tick, period);
    this.timer.unref();
    this.log.info({ watchdogMs: ms, pingEveryMs: period }, 'systemd watchdog enabled');
    tick();
  }

  /** Stop pinging (systemd will then kill the service after WatchdogSec unless it stops first). */
  stopWatchdog(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Stop the watchdog and release the socket; later notifications are dropped. Idempotent. */
  close(): void {
    this.stopWatchdog();
    if (this.closed) return;
    this.closed = true;
    this.transport.close();
  }
}

/** STATUS is one line of the datagram: fold newlines, cap the length. */
function oneLine(text: string): string {
  const flat = text.replace(/[\r\n]+/g, ' ').trim();
  return flat.length > 500 ? `${flat.slice(0, 497)}...` : flat;
}
