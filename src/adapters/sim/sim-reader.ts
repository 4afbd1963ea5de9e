/**
 * Simulated card reader for the demo and tests: `tap(uid)` delivers a tap as if a card had been presented.
 */
import type { CardReader, RawTap, ReaderDirection, ReaderHealth } from '../../ports/hardware.js';
import { UID_RULE, checkUid } from '../../domain/uid.js';
import type { CardProof } from '../../domain/badge-proof.js';

/** Options of the simulated reader. */
export interface SimCardReaderOptions {
  /** Clock for `RawTap.at` and health timestamps (default Date.now; tests pass a fake clock). */
  now?: () => number;
}

/** A card reader driven by code: `start()` it, then call `tap(uid)`. */
export class SimCardReader implements CardReader {
  /** Reader id. */
  readonly id: string;
  /** Where the reader sits. */
  readonly direction: ReaderDirection;
  private readonly now: () => number;
  private onTap: ((tap: RawTap) => void) | null = null;
  private onError: ((err: Error) => void) | null = null;
  private lastHeardAt: number | null = null;
  private lastTapAt: number | null = null;
  private lastError: string | null = null;

  /** Create a simulated reader with the given id and direction. */
  constructor(id: string, direction: ReaderDirection, options: SimCardReaderOptions = {}) {
    this.id = id;
    this.direction = direction;
    this.now = options.now ?? Date.now;
  }

  /** Start delivering taps. Resolves immediately. */
  async start(onTap: (tap: RawTap) => void, onError: (err: Error) => void): Promise<void> {
    this.onTap = onTap;
    this.onError = onError;
  }

  /** Stop delivering taps. Idempotent. */
  async stop(): Promise<void> {
    this.onTap = null;
    this.onError = null;
  }

  /** True between start() and stop(). */
  get started(): boolean {
    return this.onTap !== null;
  }

  /**
   * Present a card: delivers a tap with the UID normalised to upper-case hex (separators ":", "-" and spaces are dropped).
   * Throws if the UID is not hex or the reader is not started. `proof`: what a secure reader would have proved about
   * the card (absent: only the UID was read).
   */
  tap(uid: string, opts: { proof?: CardProof } = {}): void {
    const checked = checkUid(String(uid));
    // The message never repeats the input: it may be most of a real card UID.
    if (!checked.ok) throw new Error(`reader "${this.id}": card UID must be ${UID_RULE}, but ${checked.problem}`);
    const clean = checked.uid;
    const onTap = this.onTap;
    if (!onTap) throw new Error(`reader "${this.id}": simulated reader is not started; call start() before tap()`);
    const at = this.now();
    this.lastHeardAt = at;
    this.lastTapAt = at;
    onTap({ readerId: this.id, uid: clean, tech: 'sim', at, hr: process.hrtime.bigint(), ...(opts.proof ? { proof: opts.proof } : {}) });
  }

  /** Simulate a reader fault: reported through the `onError` given to start() and kept as `lastError`. */
  fail(err: Error): void {
    this.lastError = err.message;
    this.onError?.(err);
  }

  /** Current health: open while started; a simulated reader never rejects frames. */
  health(): ReaderHealth {
    return {
      id: this.id,
      open: this.started,
      lastHeardAt: this.lastHeardAt,
      lastTapAt: this.lastTapAt,
      rejectedFrames: 0,
      lastError: this.lastError,
    };
  }
}
