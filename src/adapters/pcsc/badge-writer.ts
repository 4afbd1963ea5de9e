/**
 * The desk reader as a badge programmer (issue 15, the `BadgeWriter` port): the next card presented on the PC/SC desk
 * reader is given the site's current badge key (enrollCard) or its factory key back (resetCard) instead of being
 * delivered as a tap. Every answer of the card is awaited at most `badges.cardTimeoutMs`; a card taken away mid-way
 * rejects with "present it again" (a key change is atomic on the card, and enrolling again re-keys idempotently).
 */
import type { ReaderConfig } from '../../config/schema.js';
import type { BadgeKeySource } from '../../ports/badge-keys.js';
import type { BadgeEnrolOptions, BadgeWriteOptions, BadgeWriter, EnrolledCard } from '../../ports/hardware.js';
import type { Log } from '../../ports/log.js';
import { enrollCard, resetCard } from './ntag424/badge-card.js';
import { PcscCardReader, type PcscReaderOptions } from './pcsc-reader.js';
import type { CardTaker } from './secure-tap.js';

/** Options of {@link PcscBadgeWriter.open}. */
export interface BadgeWriterOptions extends Omit<PcscReaderOptions, 'keys'> {
  /** Reader problems while waiting (a card that could not be read): shown to the officer, who presents it again. */
  onError?: (err: Error) => void;
}

/** `BadgeWriter` on a PC/SC desk reader. */
export class PcscBadgeWriter implements BadgeWriter {
  private closed = false;

  /** A writer over a started reader and the site's badge keys. */
  constructor(private readonly reader: PcscCardReader, private readonly keys: BadgeKeySource) {}

  /** Open the desk reader `cfg` (kind pcsc) as a badge writer; rejects naming what is missing (pcscd, the reader, keys). */
  static async open(cfg: ReaderConfig, keys: BadgeKeySource, log: Log, options: BadgeWriterOptions = {}): Promise<PcscBadgeWriter> {
    if (cfg.kind !== 'pcsc') throw new Error(`reader "${cfg.id}" is a ${cfg.kind} reader: badges are written on a PC/SC desk reader (kind: pcsc)`);
    keys.keyring(); // no keys: refused before the officer is asked for a card
    const { onError, ...readerOptions } = options;
    const reader = new PcscCardReader(cfg, log, { ...readerOptions, keys });
    // Cards presented while no enrolment waits are ignored (they are no taps here).
    await reader.start(() => undefined, (err) => onError?.(err));
    return new PcscBadgeWriter(reader, keys);
  }

  /** Wait for a card and give it the current site key (a factory card showing an enrolled UID is refused untouched). */
  enroll(opts: BadgeEnrolOptions): Promise<EnrolledCard> {
    if (this.closed) return Promise.reject(new Error('the badge writer is closed'));
    return this.reader.takeNextCard(async (ch, uid) => {
      const { enrolled } = opts.accept(uid);
      return enrollCard(ch, uid, this.keys.keyring(), { refuseFactoryKey: enrolled });
    }, { timeoutMs: opts.timeoutMs, ...(opts.signal ? { signal: opts.signal } : {}) });
  }

  /** Wait for a card holding a site key and put its factory key back. */
  reset(opts: BadgeWriteOptions): Promise<{ uid: string; previousKeyVersion: number }> {
    return this.take(opts, (ch, uid) => resetCard(ch, uid, this.keys.keyring()));
  }

  /** Release the desk reader. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.reader.stop();
  }

  private take<T>(opts: BadgeWriteOptions, write: CardTaker<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error('the badge writer is closed'));
    return this.reader.takeNextCard(async (ch, uid) => {
      opts.accept?.(uid);
      return write(ch, uid);
    }, { timeoutMs: opts.timeoutMs, ...(opts.signal ? { signal: opts.signal } : {}) });
  }
}
