/**
 * Serial EM4100 reader (RDM6300 and clones, 9600 8N1 ASCII frames) on a UART or USB-serial adapter.
 * Survives unplugging: an unexpected close is reported through onError and the port is reopened
 * every few seconds until stop(). Card UIDs are never logged.
 */
import { SerialPort } from 'serialport';
import type { Log } from '../../ports/log.js';
import type { ReaderConfig } from '../../config/schema.js';
import { ReconnectingReader } from '../reconnecting-reader.js';
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
export class SerialCardReader extends ReconnectingReader {
  /** Serial device path. */
  readonly path: string;
  /** Baud rate (9600 for RDM6300). */
  readonly baudRate: number;

  private readonly parser: Em4100Parser;
  private readonly loopTime = new LoopTime();
  private port: Port | null = null;
  /** Incremented on every open and on stop(); events from older ports are ignored. */
  private generation = 0;

  /** Create the reader; nothing is opened until start(). */
  constructor(cfg: ReaderConfig, log: Log, options: SerialReaderOptions = {}) {
    if (!cfg.path) throw new Error(`reader "${cfg.id}": a serial reader needs "path" (e.g. /dev/ttyAMA0)`);
    super({ id: cfg.id, direction: cfg.direction, log: log.child({ component: 'reader', id: cfg.id }), reconnectMs: options.reconnectMs ?? 3000, label: 'serial reader' });
    this.path = cfg.path;
    this.baudRate = cfg.baudRate;
    this.parser = new Em4100Parser({ interByteTimeoutMs: options.interByteTimeoutMs ?? 250 });
  }

  /** Open the port (rejects with an error naming the path and what to check). */
  protected async startDevice(): Promise<void> {
    this.loopTime.start();
    await this.open();
    this.log.info({ path: this.path, baudRate: this.baudRate }, 'serial reader open');
  }

  /** Open a new port after the last one closed unexpectedly. */
  protected async reopenDevice(): Promise<void> {
    await this.open();
    if (this.port) this.log.info({ path: this.path }, 'serial reader reopened');
  }

  /** Close the port; events of any port opened before are ignored from now on. */
  protected async closeDevice(): Promise<void> {
    this.loopTime.stop();
    this.generation++;
    const port = this.port;
    this.port = null;
    if (port) await this.closePort(port);
  }

  /** The port is open. */
  protected isOpen(): boolean {
    return this.port !== null && this.port.isOpen;
  }

  /** Malformed frames the parser dropped. */
  protected override rejectedFrames(): number {
    return this.parser.rejected;
  }

  /** serialport's messages without their "Error: " prefix. */
  protected override errorText(e: unknown): string {
    return cleanMessage(e);
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
      if (!this.deliver({ readerId: this.id, uid, tech: 'em4100', at, hr })) return;
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
    this.lost(`reader "${this.id}": serial port ${this.path} ${what} (${why})`);
  }
}
