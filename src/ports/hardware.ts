/**
 * The hardware and system edges of pintu. The app layer talks only to these interfaces;
 * every adapter folder implements one of them, and `sim` implements each for running without hardware.
 */

import type { CardProof } from '../domain/badge-proof.js';

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
  /** What a secure reader proved about the card (absent: only the UID was read, `uid-only`). */
  proof?: CardProof;
  /** How long the secure reader's proof took (absent for plain reads), for the benchmark. */
  proofTiming?: ProofTiming;
}

/** Time spent proving one card, split into the reader's transport and everything else (crypto, parsing). */
export interface ProofTiming {
  /** From the card event to the proof's result, ms. */
  totalMs: number;
  /** Of which waiting for the card's answers (pcscd + reader + card), ms. */
  transportMs: number;
  /** APDUs exchanged. */
  apdus: number;
}

/** What enrolling a secure badge on the desk reader wrote. */
export interface EnrolledCard {
  /** The card's UID as read over the secure channel (upper-case hex). */
  uid: string;
  /** The site key version the card now holds. */
  keyVersion: number;
  /** The key version it held before (0: the factory key). */
  previousKeyVersion: number;
}

/** How long the badge writer waits for a card, and what it checks before writing to it. */
export interface BadgeWriteOptions {
  /** Give up when no card is presented within this many ms. */
  timeoutMs: number;
  /** Give up when aborted. */
  signal?: AbortSignal;
  /** Called with the presented card's UID before anything is written to it: throwing refuses the card untouched. */
  accept?: (uid: string) => void;
}

/** What the desk knows of a card presented for enrolment, from its UID (before anything is written to it). */
export interface CardAcceptance {
  /**
   * The UID is enrolled already. A card showing it with the factory key (version 0) is then no enrolled badge but a
   * copy of its UID: it is refused untouched, since the key written to it would be the enrolled badge's own key.
   */
  enrolled: boolean;
}

/** The badge writer's enrolment options: the card's UID must be checked, and whether it is enrolled said. */
export interface BadgeEnrolOptions extends BadgeWriteOptions {
  /** Called with the presented card's UID before anything is written to it: throwing refuses the card untouched. */
  accept: (uid: string) => CardAcceptance;
}

/**
 * The desk reader as a badge programmer (issue 15): the next card presented is given a key (or reset) instead of being
 * delivered as a tap. The adapter speaks the card protocol and holds the site's badge keys; the app only records.
 */
export interface BadgeWriter {
  /** Wait for a card, give it the current site key (a factory card, or a badge holding an older site key). */
  enroll(opts: BadgeEnrolOptions): Promise<EnrolledCard>;
  /** Wait for a card holding a site key and put its factory key back (the badge leaves the site's use). */
  reset(opts: BadgeWriteOptions): Promise<{ uid: string; previousKeyVersion: number }>;
  /** Release the reader. Idempotent. */
  close(): Promise<void>;
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

/** A plain digital output other than the strike: one colour of the door's status LED, or its buzzer. */
export interface DigitalOutput {
  /** Drive the output (true = lit / sounding, polarity applied). Synchronous; never throws for an open pin. */
  set(on: boolean): void;
  /** What the output was last driven to. */
  readonly isOn: boolean;
  /** Drive it off and release the pin. Idempotent. */
  close(): void;
}

/** The visitor-facing signals at the door (issue 16): each present only where it is wired (`gpio.indicators`). */
export interface DoorIndicators {
  /** Green LED: granted. */
  green?: DigitalOutput;
  /** Red LED: refused, alarm. */
  red?: DigitalOutput;
  /** Amber LED: waiting for an escort. */
  amber?: DigitalOutput;
  /** Buzzer (an active buzzer: on = sounding). */
  buzzer?: DigitalOutput;
}

/** Which pin and polarity the strike was set up on, resolved by the adapter (for the /run record of `relay-off`). */
export interface RelayPinInfo {
  /** The door I/O kind that drove it. */
  hardware: 'gpio' | 'gpiod';
  /** BCM number. */
  pin: number;
  /** true when a low level energises the relay. */
  activeLow: boolean;
  /** sysfs: the kernel GPIO number used (chip base + BCM). */
  sysfsNumber?: number;
  /** sysfs: the root of the sysfs GPIO tree used. */
  sysfsRoot?: string;
  /** gpiod: the character device used, e.g. /dev/gpiochip0. */
  chip?: string;
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
  /** The status LED and buzzer at the door (absent: none wired). */
  indicators?: DoorIndicators;
  /** The UPS's mains signal: active = mains present, inactive = running on battery (absent: not wired). */
  mains?: DigitalInput;
  /** The strike's resolved pin and polarity (GPIO adapters; absent for the sim). */
  relayPin?: RelayPinInfo;
  /** Release everything, relay off first. */
  close(): void;
}
