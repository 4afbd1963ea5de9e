/**
 * Incremental parser for the EM4100 ASCII frames sent by RDM6300-class 125 kHz readers (9600 8N1):
 *
 *   0x02 | 10 ASCII hex (5 data bytes) | 2 ASCII hex (XOR of the 5 data bytes) | 0x03   (14 bytes)
 *
 * Pure (no I/O, no clock of its own). It only ever emits a UID for 14 contiguous bytes that form a
 * well-formed frame with a correct checksum; everything else is dropped and counted in `rejected`.
 */

/** Start of frame (STX). */
export const EM4100_STX = 0x02;
/** End of frame (ETX). */
export const EM4100_ETX = 0x03;
/** Number of ASCII hex characters between STX and ETX (10 data + 2 checksum). */
export const EM4100_HEX_CHARS = 12;
/** Length of a whole frame in bytes. */
export const EM4100_FRAME_BYTES = EM4100_HEX_CHARS + 2;

const CR = 0x0d;
const LF = 0x0a;

/** Value of an ASCII hex digit (either case), or -1 if the byte is not one. */
function hexValue(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x41 && b <= 0x46) return b - 0x41 + 10;
  if (b >= 0x61 && b <= 0x66) return b - 0x61 + 10;
  return -1;
}

const HEX_UPPER = '0123456789ABCDEF';

/** Options of {@link Em4100Parser}. */
export interface Em4100ParserOptions {
  /**
   * A frame whose bytes are further apart than this (ms, measured with the `now` passed to `push`) is dropped:
   * a whole frame takes ~15 ms at 9600 baud, so a long gap means bytes were lost. Default 250.
   */
  interByteTimeoutMs?: number;
}

/** Incremental EM4100 ASCII frame parser: feed it serial chunks, get back the UIDs of valid frames. */
export class Em4100Parser {
  /** Frames (or runs of stray bytes) rejected so far: bad checksum, non-hex data, too short, too long, interrupted. */
  rejected = 0;
  /** Valid frames accepted so far. */
  accepted = 0;

  private readonly timeoutMs: number;
  /** Nibble values of the hex characters collected since STX. */
  private readonly nibbles = new Uint8Array(EM4100_HEX_CHARS);
  /** Number of hex characters collected; -1 when outside a frame. */
  private count = -1;
  /** Outside a frame: the current run of stray bytes has already been counted as rejected. */
  private strayCounted = false;
  /** `now` of the last byte seen inside a frame. */
  private lastByteAt = 0;

  /** Create a parser. */
  constructor(options: Em4100ParserOptions = {}) {
    this.timeoutMs = options.interByteTimeoutMs ?? 250;
  }

  /** True while a frame has been started (STX seen) but not finished. */
  get inFrame(): boolean {
    return this.count >= 0;
  }

  /** Drop any partial frame (e.g. after the port was reopened). Does not reset the counters. */
  reset(): void {
    this.count = -1;
    this.strayCounted = false;
  }

  /**
   * Feed the next chunk of bytes; returns the UIDs (10 upper-case hex chars) of the valid frames it completed.
   * `now` (ms, any monotonic clock) enables the inter-byte timeout; omit it to disable the timeout.
   */
  push(chunk: Uint8Array, now?: number): string[] {
    const out: string[] = [];
    if (now !== undefined && this.count >= 0 && now - this.lastByteAt > this.timeoutMs && chunk.length > 0) {
      this.reject();
      this.strayCounted = true; // the rest of the broken frame is part of this rejection
    }
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i] as number;
      if (b === EM4100_STX) {
        if (this.count >= 0) this.reject(); // a new frame interrupts an unfinished one: restart here
        this.count = 0;
        continue;
      }
      if (this.count < 0) {
        // Outside a frame. CR/LF (sent by some clones after ETX) is expected; anything else is a stray run.
        if (b !== CR && b !== LF && !this.strayCounted) {
          this.rejected++;
          this.strayCounted = true;
        }
        continue;
      }
      if (b === EM4100_ETX) {
        if (this.count === EM4100_HEX_CHARS) {
          const uid = this.finish();
          if (uid !== null) out.push(uid);
        } else {
          this.reject(); // too short
        }
        this.count = -1;
        this.strayCounted = false;
        continue;
      }
      const v = hexValue(b);
      if (v < 0 || this.count === EM4100_HEX_CHARS) {
        // Non-hex byte inside a frame, or a 13th character (over-long): drop the frame; what follows is stray.
        this.reject();
        this.strayCounted = true;
        continue;
      }
      this.nibbles[this.count++] = v;
    }
    if (now !== undefined) this.lastByteAt = now;
    return out;
  }

  /** Count the current frame as rejected and leave it. */
  private reject(): void {
    this.rejected++;
    this.count = -1;
  }

  /** Check the checksum of the 12 collected characters; returns the UID or null (counted as rejected). */
  private finish(): string | null {
    const n = this.nibbles;
    let xor = 0;
    let uid = '';
    for (let i = 0; i < 10; i += 2) {
      xor ^= ((n[i] as number) << 4) | (n[i + 1] as number);
      uid += HEX_UPPER[n[i] as number]! + HEX_UPPER[n[i + 1] as number]!;
    }
    const checksum = ((n[10] as number) << 4) | (n[11] as number);
    if (xor !== checksum) {
      this.rejected++;
      return null;
    }
    this.accepted++;
    return uid;
  }
}

/** XOR checksum of an EM4100 UID given as 10 hex characters. */
export function em4100Checksum(uid: string): number {
  let xor = 0;
  for (let i = 0; i < 10; i += 2) xor ^= parseInt(uid.slice(i, i + 2), 16);
  return xor;
}

/** Build the 14-byte RDM6300 frame for a UID of exactly 10 hex characters (either case; the frame uses upper case). */
export function encodeEm4100Frame(uid: string): Buffer {
  if (!/^[0-9a-fA-F]{10}$/.test(uid)) {
    throw new Error(`EM4100 UID must be exactly 10 hex characters, got ${JSON.stringify(uid)}`);
  }
  const up = uid.toUpperCase();
  const cs = em4100Checksum(up).toString(16).toUpperCase().padStart(2, '0');
  return Buffer.concat([Buffer.from([EM4100_STX]), Buffer.from(up + cs, 'ascii'), Buffer.from([EM4100_ETX])]);
}
