/**
 * The hardware and system edges of pintu. The app layer talks only to these interfaces;
 * every adapter folder implements one of them, and `sim` implements each for running without hardware.
 */

/** Which side of the door a reader is on: `in` = outside the room (entering), `out` = inside (leaving), `desk` = officer's desk. */
export type ReaderDirection = 'in' | 'out' | 'desk';

/** One card read as delivered by a reader, before any access decision. */
export interface RawTap {
  /** Id of the reader (from config `readers[].id`). */
  readerId: string;
  /** Card UID in upper-case hex (EM4100: the 10 hex characters of the frame; ISO 14443: the UID bytes). */
  uid: string;
  /** Card technology as seen by the reader. */
  tech: 'em4100' | 'iso14443' | 'sim';
  /** When the last byte of the read arrived, ms since the epoch (Date.now()). */
  at: number;
  /** High-resolution arrival time (process.hrtime.bigint()), used only for latency measurement. */
  hr?: bigint;
}

/** Health of one reader as reported to `pintu health` / the watchdog. */
export interface ReaderHealth {
  /** Reader id. */
  id: string;
  /** The underlying device is open. */
  open: boolean;
  /** Last time any byte (or card event) arrived, ms since epoch, or null if never. */
  lastHeardAt: number | null;
  /** Last valid tap, ms since epoch, or null if never. */
  lastTapAt: number | null;
  /** Frames rejected (bad checksum, garbage) since start. */
  rejectedFrames: number;
  /** Last error message, if any (no card data in it). */
  lastError: string | null;
}

/** A card reader: serial EM4100, PC/SC, or simulated. */
export interface CardReader {
  /** Reader id (from config). */
  readonly id: string;
  /** Where the reader sits. */
  readonly direction: ReaderDirection;
  /** Open the device and start delivering taps. Resolves once the device is open; rejects with a clear error otherwise. */
  start(onTap: (tap: RawTap) => void, onError: (err: Error) => void): Promise<void>;
  /** Stop delivering taps and close the device. Idempotent. */
  stop(): Promise<void>;
  /** Current health snapshot. */
  health(): ReaderHealth;
}

/** The door-strike relay. `set(true)` energises the relay (unlocks the strike for a fail-secure strike). */
export interface Relay {
  /** Drive the relay. Must be synchronous and never throw for a valid, open pin. */
  set(on: boolean): void;
  /** What the relay was last driven to (read back from the pin where possible). */
  readonly isOn: boolean;
  /** Release the pin; drives the relay off first. Idempotent. */
  close(): void;
}

/** A debounced digital input (door position switch or request-to-exit button). */
export interface DigitalInput {
  /** Current logical level: true = active (door open / button pressed), after polarity is applied. */
  read(): boolean;
  /** Called with the new logical level on every debounced change. Returns an unsubscribe function. */
  watch(onChange: (active: boolean, at: number) => void): () => void;
  /** Stop watching and release the pin. Idempotent. */
  close(): void;
}

/** The supervised fire-alarm input: two lines in one cable (hardware/README.md, "Fire alarm input"). */
export interface FireInputs {
  /** The alarm line: active = the fire alarm panel signals fire. */
  alarm: DigitalInput;
  /** The supervision line: active = the loop through the cable (or the panel's healthy contact) is intact. */
  supervision: DigitalInput;
}

/** All door I/O: the strike relay, the two door inputs and, where wired, the fire-alarm input. */
export interface DoorIo {
  /** The strike relay. */
  relay: Relay;
  /** Door position switch: active = door open. */
  doorSwitch: DigitalInput;
  /** Request-to-exit button: active = pressed. */
  exitButton: DigitalInput;
  /** The fire-alarm input (absent: the site has no fire panel connected, `gpio.fireAlarm` not set). */
  fire?: FireInputs;
  /** Release everything, relay off first. */
  close(): void;
}
