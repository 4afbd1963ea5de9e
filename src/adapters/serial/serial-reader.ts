/**
 * Serial EM4100 reader (RDM6300 and clones, 9600 8N1 ASCII frames) on a UART or USB-serial adapter.
 * Survives unplugging: an unexpected close is reported through onError and the port is reopened
 * every few seconds until stop(). Card UIDs are never logged.
 */
import { SerialPort } from 'serialport';
import type { Log } from '../../ports/log.js';
import type { ReaderConfig } from '../../config/schema.js';
import type { CardReader, RawTap, ReaderDirection, ReaderHealth } from '../../ports/hardware.js';
import { Em4100Parser } from './em4100.js';
import { LoopTime } from './loop-time.js';

/** Options of {@link SerialCardReader} (tests shorten the timings). */
export interface SerialReaderOptions {
  /** Delay between attempts to reopen the port after it closed unexpectedly, ms. Default 3000. */
  reconnectMs?: number;
  /** Frames with a gap longer than this between bytes are dropped, ms. Default 250. */
  interByteTimeoutMs?: number;
}

/** Minimal view of a serialport instance, as used here. */
interface Port {
  readonly isOpen: boolean;
  open(cb: (err: Error | null) => void): void;
  close(cb?: (err: Error | null) => void): void;
  on(event: 'data', cb: (chunk: Buffer) => void): unknown;
  on(event: 'close', cb: (err?: Error & { disconnected?: boolean }) => void): unknown;
  on(event: 'error', cb: (err: Error) => void): unknown;
  removeAllListeners(): unknown;
}

/** Human advice for a serial open error message. */
function adviceFor(message: string): string {
  if (/no such file|ENOENT/i.test(message)) {
    return 'check "path" of this reader under readers: in the config, and that the reader is plugged in';
  }
  if (/permission denied|EACCES|EPERM/i.test(message)) {
    return 'the user running pintu needs to be in group dialout (sudo usermod -aG dialout <user>, then log in again)';
  }
  if (/lock|busy|EBUSY|resource temporarily unavailable/i.test(message)) {
    return 'another program is using the port (on a Raspberry Pi, turn off the serial login console with raspi-config)';
  }
  return 'check "path" of this reader under readers: in the config and that the user is in group dialout';
}

/** Strip the "Error: " prefix serialport puts in its messages. */
function cleanMessage(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err);
  return m.replace(/^Error:\s*/, '');
}

/** An RDM6300-class EM4100 reader on a serial port. */
export class SerialCardReader implements CardReader {
  /** Reader id. */
  readonly id: string;
  /** Where the reader sits. */
  readonly direction: ReaderDirection;
  /** Serial device path. */
  readonly path: string;
  /** Baud rate (9600 for RDM6300). */
  readonly baudRate: number;

  private readonly log: Log;
  private readonly reconnectMs: number;
  private readonly parser: Em4100Parser;
  private readonly loopTime = new LoopTime();
  private port: Port | null = null;
  /** Incremented on every open and on stop(); events from older ports are ignored. */
  private generation = 0;
  private running = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private onTap: ((tap: RawTap) => void) | null = null;
  private onError: ((err: Error) => void) | null = null;
  private lastHeardAt: number | null = null;
  private lastTapAt: number | null = null;
  private lastError: string | null = null;

  /** Create the reader; nothing is opened until start(). */
  constructor(cfg: ReaderConfig, log: Log, options: SerialReaderOptions = {}) {
    if (!cfg.path) throw new Error(`reader "${cfg.id}": a serial reader needs "path" (e.g. /dev/ttyAMA0)`);
    this.id = cfg.id;
    this.direction = cfg.direction;
    this.path = cfg.path;
    this.baudRate = cfg.baudRate;
    this.log = log.child({ component: 'reader', id: cfg.id });
    this.reconnectMs = options.reconnectMs ?? 3000;
    this.parser = new Em4100Parser({ interByteTimeoutMs: options.interByteTimeoutMs ?? 250 });
  }

  /** Open the port and start delivering taps. Rejects with an error naming the path and what to check. */
  async start(onTap: (tap: RawTap) => void, onError: (err: Error) => void): Promise<void> {
    if (this.running) throw new Error(`reader "${this.id}": already started`);
    this.running = true;
    this.loopTime.start();
    this.onTap = onTap;
    this.onError = onError;
    try {
      await this.open();
    } catch (e) {
      this.running = false;
      this.loopTime.stop();
      this.onTap = null;
      this.onError = null;
      const err = e as Error;
      this.lastError = err.message;
      throw err;
    }
    this.log.info({ path: this.path, baudRate: this.baudRate }, 'serial reader open');
  }

  /** Close the port and stop retrying. Idempotent. */
  async stop(): Promise<void> {
    this.running = false;
    this.loopTime.stop();
    this.generation++;
    this.onTap = null;
    this.onError = null;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const port = this.port;
    this.port = null;
    if (port) await this.closePort(port);
  }

  /** Current health snapshot. */
  health(): ReaderHealth {
    return {
      id: this.id,
      open: this.port !== null && this.port.isOpen,
      lastHeardAt: this.lastHeardAt,
      lastTapAt: this.lastTapAt,
      rejectedFrames: this.parser.rejected,
      lastError: this.lastError,
    };
  }

  /** Open a new port instance; on success it becomes `this.port`. */
  private open(): Promise<void> {
    const gen = ++this.generation;
    const port = new SerialPort({ path: this.path, baudRate: this.baudRate, autoOpen: false }) as unknown as Port;
    // Listeners go on before open() so that no 'error' event is ever unhandled.
    port.on('error', (err) => this.handlePortError(err, gen));
    port.on('close', (err) => this.handleClose(err, gen));
    port.on('data', (chunk) => this.handleData(chunk, gen));
    return new Promise((resolve, reject) => {
      port.open((err) => {
        if (err) {
          port.removeAllListeners();
          const msg = cleanMessage(err);
          reject(new Error(`reader "${this.id}": cannot open serial port ${this.path}: ${msg}; ${adviceFor(msg)}`));
          return;
        }
        if (gen !== this.generation || !this.running) {
          // stop() was called while we were opening.
          void this.closePort(port);
          resolve();
          return;
        }
        this.parser.reset();
        this.port = port;
        resolve();
      });
    });
  }

  private closePort(port: Port): Promise<void> {
    return new Promise((resolve) => {
      if (!port.isOpen) {
        port.removeAllListeners();
        resolve();
        return;
      }
      port.close(() => {
        port.removeAllListeners();
        resolve();
      });
    });
  }

  private handleData(chunk: Buffer, gen: number): void {
    if (gen !== this.generation || !this.running) return;
    const hr = process.hrtime.bigint();
    const at = Date.now();
    this.lastHeardAt = at;
    const rejectedBefore = this.parser.rejected;
    // Inter-byte gaps are measured in event-loop time: bytes that waited while the loop was blocked are not late.
    const uids = this.parser.push(chunk, this.loopTime.now());
    if (this.parser.rejected !== rejectedBefore) {
      this.log.debug({ rejectedFrames: this.parser.rejected }, 'rejected a malformed frame');
    }
    for (const uid of uids) {
      this.lastTapAt = at;
      const onTap = this.onTap;
      if (!onTap) return;
      try {
        onTap({ readerId: this.id, uid, tech: 'em4100', at, hr });
      } catch (e) {
        this.report(new Error(`reader "${this.id}": tap handler failed: ${cleanMessage(e)}`));
      }
    }
  }

  private handlePortError(err: Error, gen: number): void {
    if (gen !== this.generation || !this.running) return;
    this.report(new Error(`reader "${this.id}": serial port ${this.path} error: ${cleanMessage(err)}`));
  }

  private handleClose(err: (Error & { disconnected?: boolean }) | undefined, gen: number): void {
    if (gen !== this.generation || !this.running || this.port === null) return;
    const port = this.port;
    this.port = null;
    port.removeAllListeners();
    const why = err ? cleanMessage(err) : 'closed';
    const what = err?.disconnected ? 'was disconnected' : 'closed unexpectedly';
    this.report(
      new Error(`reader "${this.id}": serial port ${this.path} ${what} (${why}); retrying every ${this.retryEvery()}`),
    );
    this.scheduleReopen();
  }

  private retryEvery(): string {
    return this.reconnectMs >= 1000 ? `${Math.round(this.reconnectMs / 1000)} s` : `${this.reconnectMs} ms`;
  }

  private scheduleReopen(): void {
    if (!this.running || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.running) return;
      this.open().then(
        () => {
          if (this.port) this.log.info({ path: this.path }, 'serial reader reopened');
        },
        (e: Error) => {
          if (!this.running) return;
          // Report each distinct failure once; retries with the same error only go to debug.
          if (e.message !== this.lastError) this.report(e);
          else this.log.debug({ err: e.message }, 'serial reader still unavailable');
          this.scheduleReopen();
        },
      );
    }, this.reconnectMs);
  }

  /** Record, log and pass on an error (messages never contain card data). */
  private report(err: Error): void {
    this.lastError = err.message;
    this.log.warn({ err: err.message }, 'serial reader problem');
    try {
      this.onError?.(err);
    } catch {
      // The error handler must not break the reader.
    }
  }
}
