/**
 * What every hardware card reader does the same way, whatever its device: start and stop, the health snapshot
 * (last heard, last tap, rejected frames, last error), reporting problems, handing taps on, and reopening the
 * device at a fixed interval after it was lost while running, until stop().
 *
 * Division of work with the app's `ReaderSupervisor`: a reader whose start() fails does not retry by itself (start
 * rejects; the supervisor retries it with backoff and raises alarm.reader_down / reader.restored). Once started, a
 * reader keeps itself open here, and the supervisor only watches `health().open`. Card UIDs are never logged.
 */
import type { Log } from '../ports/log.js';
import type { CardReader, RawTap, ReaderDirection, ReaderHealth } from '../ports/hardware.js';

/** How a {@link ReconnectingReader} names itself and times its reconnects. */
export interface ReconnectingReaderSettings {
  /** Reader id (from config `readers[].id`). */
  id: string;
  /** Where the reader sits. */
  direction: ReaderDirection;
  /** The reader's logger (already a child naming the reader). */
  log: Log;
  /** Delay between attempts to reopen a device lost while running, ms. */
  reconnectMs: number;
  /** What the log calls this kind of reader, e.g. "serial reader" or "PC/SC reader". */
  label: string;
}

/** A card reader that reopens its device after losing it; subclasses open, close and read the device. */
export abstract class ReconnectingReader implements CardReader {
  /** Reader id. */
  readonly id: string;
  /** Where the reader sits. */
  readonly direction: ReaderDirection;
  /** The reader's logger. */
  protected readonly log: Log;
  /** Delay between reconnect attempts, ms. */
  protected readonly reconnectMs: number;
  /** Between start() and stop(): taps are delivered and a lost device is reopened. */
  protected running = false;
  /** Last time any byte or card event arrived (ms), or null. */
  protected lastHeardAt: number | null = null;
  /** Last valid tap (ms), or null. */
  protected lastTapAt: number | null = null;
  /** Last error message reported (never card data), or null. */
  protected lastError: string | null = null;
  /** Frames or cards rejected since start (readers that count elsewhere override `rejectedFrames()`). */
  protected rejected = 0;
  private readonly label: string;
  private retryTimer: NodeJS.Timeout | null = null;
  private onTap: ((tap: RawTap) => void) | null = null;
  private onError: ((err: Error) => void) | null = null;

  /** Set up the shared state; nothing is opened until start(). */
  protected constructor(s: ReconnectingReaderSettings) {
    this.id = s.id;
    this.direction = s.direction;
    this.log = s.log;
    this.reconnectMs = s.reconnectMs;
    this.label = s.label;
  }

  /** Open the device for the first time (and log that it is ready); reject with an error saying what to check. */
  protected abstract startDevice(): Promise<void>;
  /** Open the device again after it was lost; reject if it is still unavailable (retried after `reconnectMs`). */
  protected abstract reopenDevice(): Promise<void>;
  /** Close the device and cancel anything pending on it. Must not throw. */
  protected abstract closeDevice(): Promise<void>;
  /** The device is open now. */
  protected abstract isOpen(): boolean;

  /** Frames rejected since start, for the health snapshot. */
  protected rejectedFrames(): number {
    return this.rejected;
  }

  /** The message of an error thrown by the tap handler, as it goes into a report. */
  protected errorText(e: unknown): string {
    return (e as Error).message;
  }

  /** Open the device and start delivering taps. Rejects with a clear error (kept as `lastError`) if it cannot open. */
  async start(onTap: (tap: RawTap) => void, onError: (err: Error) => void): Promise<void> {
    if (this.running) throw new Error(`reader "${this.id}": already started`);
    this.running = true;
    this.onTap = onTap;
    this.onError = onError;
    try {
      await this.startDevice();
    } catch (e) {
      await this.stop();
      this.lastError = (e as Error).message;
      throw e;
    }
  }

  /** Stop delivering taps, stop reconnecting and close the device. Idempotent. */
  async stop(): Promise<void> {
    this.running = false;
    this.onTap = null;
    this.onError = null;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    await this.closeDevice();
  }

  /** Current health snapshot. */
  health(): ReaderHealth {
    return {
      id: this.id,
      open: this.isOpen(),
      lastHeardAt: this.lastHeardAt,
      lastTapAt: this.lastTapAt,
      rejectedFrames: this.rejectedFrames(),
      lastError: this.lastError,
    };
  }

  /** Hand a valid tap on (recorded as the last tap); false if nobody listens any more. A throwing handler is reported. */
  protected deliver(tap: RawTap): boolean {
    this.lastTapAt = tap.at;
    const onTap = this.onTap;
    if (!onTap) return false;
    try {
      onTap(tap);
    } catch (e) {
      this.report(new Error(`reader "${this.id}": tap handler failed: ${this.errorText(e)}`));
    }
    return true;
  }

  /** The device was lost while running (`what`: why, naming the device): report it and reopen every `reconnectMs`. */
  protected lost(what: string): void {
    this.report(new Error(`${what}; retrying every ${this.retryEvery()}`));
    this.scheduleReconnect();
  }

  /** Record, log and pass on an error (messages never contain card data). */
  protected report(err: Error): void {
    this.lastError = err.message;
    this.log.warn({ err: err.message }, `${this.label} problem`);
    try {
      this.onError?.(err);
    } catch {
      // The error handler must not break the reader.
    }
  }

  private retryEvery(): string {
    return this.reconnectMs >= 1000 ? `${Math.round(this.reconnectMs / 1000)} s` : `${this.reconnectMs} ms`;
  }

  private scheduleReconnect(): void {
    if (!this.running || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.running) return;
      this.reopenDevice().then(
        () => undefined,
        (e: Error) => {
          if (!this.running) return;
          // Report each distinct failure once; retries with the same error only go to debug.
          if (e.message !== this.lastError) this.report(e);
          else this.log.debug({ err: e.message }, `${this.label} still unavailable`);
          this.scheduleReconnect();
        },
      );
    }, this.reconnectMs);
  }
}
