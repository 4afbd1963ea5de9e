/**
 * The secure part of a PC/SC reader (issue 15, `readers[].secure: ntag424`): every card presented is challenged
 * (proveBadge: AuthenticateEV2First with the key diversified for its UID, then GetCardUID over the secure channel)
 * before it is delivered as a tap, and the desk reader hands the next card to the badge writer.
 *
 * Each APDU goes through a {@link TimedCardChannel}: an answer slower than `badges.cardTimeoutMs`, or a transmit error
 * (the card pulled away mid-authentication), ends the exchange as "present the card again": no tap is delivered, so
 * such a card is never granted and never counted as a failed proof (a clone alarm needs a card that stayed and failed).
 * No key, challenge or card answer is ever logged.
 */
import type { CardProof } from '../../domain/badge-proof.js';
import { isRandomUid } from '../../domain/uid.js';
import type { BadgeKeySource } from '../../ports/badge-keys.js';
import type { ProofTiming } from '../../ports/hardware.js';
import { proveBadge } from './ntag424/badge-card.js';
import type { CardChannel } from './ntag424/ntag424.js';

/** The one call of an nfc-pcsc reader a card channel uses. */
export interface ApduTransport {
  /** Send an APDU to the connected card; resolves with the answer (data + SW1 SW2). */
  transmit(data: Buffer, responseMaxLength: number): Promise<Buffer>;
}

/** The card went away or stopped answering during an exchange: the exchange is abandoned, nothing is concluded. */
export class CardGone extends Error {
  /** What happened (no card data). */
  constructor(message: string) {
    super(message);
    this.name = 'CardGone';
  }
}

/** Longest answer asked of the reader: 256 data bytes + SW1 SW2. */
const MAX_ANSWER = 258;

/**
 * A card channel over one presented card: every APDU must be answered within `timeoutMs`; the first transmit error or
 * timeout is kept (and every later transmit fails at once), and the time spent waiting for answers is counted.
 */
export class TimedCardChannel implements CardChannel {
  /** Nanoseconds spent waiting for the card's answers. */
  private transportNs = 0n;
  /** APDUs sent. */
  apdus = 0;
  /** The transport failure that ended the exchange, if any. */
  failure: CardGone | null = null;

  /** A channel to the card on `transport`, each answer awaited at most `timeoutMs`. */
  constructor(private readonly transport: ApduTransport, private readonly timeoutMs: number) {}

  /** Send one APDU; rejects with {@link CardGone} when the card does not answer in time or the transmit fails. */
  async transmit(apdu: Buffer): Promise<Buffer> {
    if (this.failure) throw this.failure;
    this.apdus++;
    const t0 = process.hrtime.bigint();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new CardGone(`the card did not answer within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    try {
      // Both promises get handlers from race(): the reader's late rejection (card finally gone) is never unhandled.
      const answer = await Promise.race([this.transport.transmit(apdu, MAX_ANSWER), late]);
      // No status word: the card left mid-command (vpcd, and some readers, answer an empty buffer rather than an error).
      if (answer.length < 2) throw new CardGone('the card gave no answer');
      return answer;
    } catch (e) {
      const cause = (e as { previous?: Error }).previous?.message ?? (e as Error).message;
      this.failure = e instanceof CardGone ? e : new CardGone(`the card stopped answering (${cause})`);
      throw this.failure;
    } finally {
      clearTimeout(timer);
      this.transportNs += process.hrtime.bigint() - t0;
    }
  }

  /** Time spent waiting for the card so far, ms. */
  transportMs(): number {
    return Number(this.transportNs) / 1e6;
  }
}

/** What proving a presented card came to: a proof to deliver with the tap, or nothing and "present the card again". */
export type SecureRead =
  | { kind: 'proved'; proof: CardProof; timing: ProofTiming }
  | { kind: 'again'; why: string };

/**
 * Prove the card whose anticollision UID is `uid` (already read on `ch`), timed from `startedNs` (the card event). A
 * random UID (4 bytes from 0x08) is no NTAG 424 DNA badge: refused without a challenge. Keys unavailable, or the card
 * gone mid-way: `again` (no tap).
 */
export async function proveTap(ch: TimedCardChannel, uid: string, keys: BadgeKeySource, startedNs: bigint): Promise<SecureRead> {
  const timing = (): ProofTiming => ({ totalMs: Number(process.hrtime.bigint() - startedNs) / 1e6, transportMs: ch.transportMs(), apdus: ch.apdus });
  if (isRandomUid(uid)) return { kind: 'proved', proof: { kind: 'failed', why: 'not-secure-card' }, timing: timing() };
  let keyring;
  try {
    keyring = keys.keyring();
  } catch (e) {
    return { kind: 'again', why: `no badge keys to check the card with (${(e as Error).message})` };
  }
  let proof: CardProof;
  try {
    ({ proof } = await proveBadge(ch, uid, keyring));
  } catch (e) {
    // proveBadge turns every card answer into a proof; what it throws is the card going away (or no answer at all):
    // nothing was proved either way, so no tap — never a grant, and no clone alarm for a card merely pulled away.
    return { kind: 'again', why: (ch.failure ?? (e as Error)).message };
  }
  // proveBadge may have turned the lost card into a failure of its own: a card that went away proved nothing either way.
  if (ch.failure) return { kind: 'again', why: ch.failure.message };
  return { kind: 'proved', proof, timing: timing() };
}

/** What the badge writer does with a card handed to it: the channel to the card and its anticollision UID. */
export type CardTaker<T> = (ch: CardChannel, uid: string) => Promise<T>;

/** Options of {@link NextCard.wait}. */
export interface TakeOptions {
  /** Give up when no card is presented within this many ms. */
  timeoutMs: number;
  /** Give up when aborted. */
  signal?: AbortSignal;
}

/** The desk reader's "next card goes to the badge writer" slot: at most one taker waits at a time. */
export class NextCard {
  private pending: { take: (ch: TimedCardChannel, uid: string) => void; fail: (e: Error) => void } | null = null;

  /** Whether a taker is waiting for a card. */
  get waiting(): boolean {
    return this.pending !== null;
  }

  /** Wait for the next card and run `fn` on it; rejects on timeout, abort, or a card taken away mid-way ("present it again"). */
  wait<T>(fn: CardTaker<T>, opts: TakeOptions): Promise<T> {
    if (this.pending) return Promise.reject(new Error('the desk reader is already waiting for a card for another enrolment'));
    if (opts.signal?.aborted) return Promise.reject(new Error('cancelled before a card was presented'));
    return new Promise<T>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        this.pending = null;
      };
      const fail = (e: Error): void => { done(); reject(e); };
      const onAbort = (): void => fail(new Error('cancelled before a card was presented'));
      const timer = setTimeout(() => fail(new Error(`no card was presented on the desk reader within ${+(opts.timeoutMs / 1000).toFixed(1)} s`)), opts.timeoutMs);
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      this.pending = {
        fail,
        take: (ch, uid) => {
          done();
          Promise.resolve().then(() => fn(ch, uid)).then(resolve, (e: Error) => {
            reject(ch.failure || e instanceof CardGone
              ? new CardGone(`the card was taken away before it was done (${(ch.failure ?? e).message}); nothing may have changed on it: present it again`)
              : e);
          });
        },
      };
    });
  }

  /** Hand a presented card to the waiting taker; false when none waits (the card is then an ordinary tap). */
  offer(ch: TimedCardChannel, uid: string): boolean {
    const p = this.pending;
    if (!p) return false;
    p.take(ch, uid);
    return true;
  }

  /** Fail the waiting taker (the reader stopped). */
  cancel(why: string): void {
    this.pending?.fail(new Error(why));
  }
}
