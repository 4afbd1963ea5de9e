/**
 * Simulated badge programmer for the demo and tests (the `BadgeWriter` port without a PC/SC reader): `present(card)`
 * puts a card on the desk; an enrolment or reset waiting for a card takes it. The card is a record of what an NTAG 424
 * DNA would hold (its key version), not the protocol: that is tested on the PC/SC writer with a virtual card.
 */
import type { ProofFailure } from '../../domain/badge-proof.js';
import type { BadgeKeySource } from '../../ports/badge-keys.js';
import type { BadgeEnrolOptions, BadgeWriteOptions, BadgeWriter, EnrolledCard } from '../../ports/hardware.js';

/** A card on the simulated desk. */
export interface SimBadgeCard {
  /** Its UID (upper-case hex). */
  uid: string;
  /** The key version it holds (0: factory key). Changed by enrolment and reset. */
  keyVersion: number;
  /** It is an NTAG 424 DNA (false: a KTP, an EM4100 card…, which cannot be enrolled). */
  ntag424?: boolean;
}

/** A card refused as the real writer refuses it: `why` is the proof failure. */
export class SimCardRefused extends Error {
  /** Create it. */
  constructor(readonly why: ProofFailure, message: string) {
    super(message);
  }
}

/** A waiting enrolment or reset. */
interface Waiter { take: (card: SimBadgeCard) => void }

/** The simulated desk reader as badge programmer. */
export class SimBadgeWriter implements BadgeWriter {
  private waiter: Waiter | null = null;
  private closed = false;

  /** Over the site's badge keys (the current version is what an enrolment writes). */
  constructor(private readonly keys: BadgeKeySource) {}

  /** A programming is waiting for a card. */
  get waiting(): boolean {
    return this.waiter !== null;
  }

  /** Put a card on the desk: a waiting enrolment or reset takes it (true), else nothing happens (false). */
  present(card: SimBadgeCard): boolean {
    const w = this.waiter;
    if (!w) return false;
    this.waiter = null;
    w.take(card);
    return true;
  }

  /** Wait for a card and give it the current key (a factory card showing an enrolled UID is a copy: refused). */
  enroll(opts: BadgeEnrolOptions): Promise<EnrolledCard> {
    let enrolled = false;
    return this.next({ ...opts, accept: (uid) => { enrolled = opts.accept(uid).enrolled; } }, (card) => {
      const ring = this.keys.keyring();
      if (enrolled && card.keyVersion === 0 && card.ntag424 !== false) throw new SimCardRefused('factory-key', 'this card shows the UID of an enrolled badge but holds the factory key: a copy of its UID; nothing was written to it');
      if (card.ntag424 === false) throw new SimCardRefused('not-secure-card', 'the card is no NTAG 424 DNA');
      if (card.keyVersion !== 0 && !ring.master(card.keyVersion)) throw new SimCardRefused('unknown-key-version', `the card holds key version ${card.keyVersion}, which the site does not have`);
      const previousKeyVersion = card.keyVersion;
      card.keyVersion = ring.current;
      return { uid: card.uid, keyVersion: ring.current, previousKeyVersion };
    });
  }

  /** Wait for a card holding a site key and put its factory key back. */
  reset(opts: BadgeWriteOptions): Promise<{ uid: string; previousKeyVersion: number }> {
    return this.next(opts, (card) => {
      if (card.ntag424 === false) throw new SimCardRefused('not-secure-card', 'the card is no NTAG 424 DNA');
      if (card.keyVersion === 0) throw new SimCardRefused('factory-key', 'the card still has its factory key');
      if (!this.keys.keyring().master(card.keyVersion)) throw new SimCardRefused('unknown-key-version', `the card holds key version ${card.keyVersion}, which the site does not have`);
      const previousKeyVersion = card.keyVersion;
      card.keyVersion = 0;
      return { uid: card.uid, previousKeyVersion };
    });
  }

  /** Stop waiting. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    this.waiter = null;
  }

  private next<T>(opts: BadgeWriteOptions, write: (card: SimBadgeCard) => T): Promise<T> {
    if (this.closed) return Promise.reject(new Error('the badge writer is closed'));
    if (this.waiter) return Promise.reject(new Error('the desk reader is already waiting for a card for another enrolment'));
    if (opts.signal?.aborted) return Promise.reject(new Error('cancelled before a card was presented'));
    return new Promise<T>((resolve, reject) => {
      const done = (): void => { clearTimeout(timer); opts.signal?.removeEventListener('abort', onAbort); if (this.waiter === waiter) this.waiter = null; };
      const onAbort = (): void => { done(); reject(new Error('cancelled before a card was presented')); };
      const timer = setTimeout(() => { done(); reject(new Error(`no card was presented on the desk reader within ${Math.round(opts.timeoutMs / 1000)} s`)); }, opts.timeoutMs);
      const waiter: Waiter = {
        take: (card) => {
          done();
          try {
            opts.accept?.(card.uid);
            resolve(write(card));
          } catch (err) {
            reject(err as Error);
          }
        },
      };
      this.waiter = waiter;
      opts.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
