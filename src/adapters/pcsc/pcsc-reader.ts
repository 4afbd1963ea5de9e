/**
 * PC/SC contactless reader for the officer's desk (KTP chips and badges, ISO 14443) and, with `secure: ntag424`, the
 * door (every card must prove its AES key before it is a tap: ./secure-tap.ts), through nfc-pcsc.
 *
 * nfc-pcsc is an optional dependency and is loaded only inside start(). Its native part busy-loops
 * forever (blocking the whole process) when it is created while pcscd is not running, so start()
 * first checks that pcscd's socket accepts connections. nfc-pcsc's automatic tag processing is turned
 * off (it needs an AID for ISO 14443-4 cards such as e-KTP); the UID is read with GET DATA (FF CA 00 00 00)
 * for every card type. Card UIDs are never logged.
 */
import { connect } from 'node:net';
import type { Log } from '../../ports/log.js';
import type { ReaderConfig } from '../../config/schema.js';
import { ReconnectingReader } from '../reconnecting-reader.js';
import { UID_MAX_BYTES, UID_MIN_BYTES, isRandomUid } from '../../domain/uid.js';
import type { BadgeKeySource } from '../../ports/badge-keys.js';
import { NextCard, TimedCardChannel, proveTap, type CardTaker, type TakeOptions } from './secure-tap.js';

/** The parts of an nfc-pcsc `Reader` used here. */
export interface NfcReaderLike {
  /** PC/SC reader name, e.g. "ACS ACR122U PICC Interface 00 00". */
  readonly name: string;
  /** nfc-pcsc's automatic tag processing (set to false). */
  autoProcessing: boolean;
  /** Send an APDU to the connected card. */
  transmit(data: Buffer, responseMaxLength: number): Promise<Buffer>;
  /** Subscribe to an event ('card', 'card.off', 'error', 'end'). */
  on(event: string, listener: (arg: never) => void): unknown;
  /** Stop watching this reader. */
  close(): void;
}

/** The parts of an nfc-pcsc `NFC` instance used here. */
export interface NfcLike {
  /** Subscribe to 'reader' or 'error'. */
  on(event: string, listener: (arg: never) => void): unknown;
  /** Remove every listener. */
  removeAllListeners(): unknown;
  /** Stop watching for readers. */
  close(): void;
}

/** Options of {@link PcscCardReader} (tests inject the loader and shorten the timings). */
export interface PcscReaderOptions {
  /** Loads nfc-pcsc; default `import('nfc-pcsc')`. */
  loadModule?: () => Promise<unknown>;
  /** How long start() waits for a matching reader to appear, ms. Default 10000. */
  readerTimeoutMs?: number;
  /** Delay between attempts to reconnect after losing pcscd, ms. Default 3000. */
  reconnectMs?: number;
  /** How often to check that pcscd is still there (nfc-pcsc does not always report losing it), ms. Default 5000. */
  pcscdCheckMs?: number;
  /** pcscd's socket; default $PCSCLITE_CSOCK_NAME or /run/pcscd/pcscd.comm (the same one libpcsclite uses). */
  socketPath?: string;
  /** The site's badge keys: required for a `secure: ntag424` reader, and for the desk reader as badge writer. */
  keys?: BadgeKeySource;
  /** The longest a card may take to answer one command of the authentication, ms (`badges.cardTimeoutMs`). Default 1000. */
  cardTimeoutMs?: number;
}

const GET_UID = Buffer.from([0xff, 0xca, 0x00, 0x00, 0x00]);

/** The message for a missing or broken nfc-pcsc. */
function notAvailable(id: string, cause: unknown): Error {
  const why = cause instanceof Error ? cause.message : String(cause);
  return new Error(
    `reader "${id}": PC/SC support is not available: install the Debian packages pcscd and libpcsclite-dev, ` +
      `then run "npm rebuild nfc-pcsc" (cause: ${why.split('\n')[0]})`,
  );
}

/** Close a reader or NFC context, ignoring "already closed" errors. */
function closeQuietly(x: { close(): void }): void {
  try {
    x.close();
  } catch {
    // already closed
  }
}

/** Resolve if something accepts connections on the unix socket `path`; reject with the errno otherwise. */
function probeSocket(path: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = connect(path);
    const finish = (err: Error | null): void => {
      clearTimeout(timer);
      s.destroy();
      if (err) reject(err);
      else resolve();
    };
    const timer = setTimeout(() => finish(new Error('no answer')), timeoutMs);
    s.once('connect', () => finish(null));
    s.once('error', (e: NodeJS.ErrnoException) => finish(new Error(e.code ?? e.message)));
  });
}

/** A PC/SC contactless reader (desk reader for KTPs and badges). */
export class PcscCardReader extends ReconnectingReader {
  /** Only readers whose name contains this (case-insensitive) are used; null = any reader. */
  readonly nameFilter: string | null;

  private readonly loadModule: () => Promise<unknown>;
  private readonly readerTimeoutMs: number;
  private readonly socketPath: string;
  private readonly pcscdCheckMs: number;
  private pcscdCheck: NodeJS.Timeout | null = null;
  private NFC: (new () => NfcLike) | null = null;
  private nfc: NfcLike | null = null;
  /** Readers in use (matching the name filter). */
  private readonly attached = new Set<NfcReaderLike>();
  /** Every reader announced by the current NFC context, matching or not (all are closed on teardown). */
  private readonly known = new Set<NfcReaderLike>();
  private seenNames: string[] = [];
  private readerWaiter: (() => void) | null = null;
  /** The badge keys every card is proved with (`secure: ntag424`), or null for a reader that reads UIDs only. */
  private readonly proveWith: BadgeKeySource | null;
  private readonly cardTimeoutMs: number;
  /** The next card presented goes to the badge writer instead of being a tap. */
  private readonly nextCard = new NextCard();

  /** Create the reader; nothing is loaded or opened until start(). */
  constructor(cfg: ReaderConfig, log: Log, options: PcscReaderOptions = {}) {
    super({ id: cfg.id, direction: cfg.direction, log: log.child({ component: 'reader', id: cfg.id }), reconnectMs: options.reconnectMs ?? 3000, label: 'PC/SC reader' });
    this.nameFilter = cfg.path ?? null;
    const specifier = 'nfc-pcsc'; // not a literal import: the module is optional and has no type declarations
    this.loadModule = options.loadModule ?? (() => import(specifier));
    this.readerTimeoutMs = options.readerTimeoutMs ?? 10_000;
    this.pcscdCheckMs = options.pcscdCheckMs ?? 5000;
    this.socketPath = options.socketPath ?? process.env['PCSCLITE_CSOCK_NAME'] ?? '/run/pcscd/pcscd.comm';
    this.cardTimeoutMs = options.cardTimeoutMs ?? 1000;
    if (cfg.secure === 'ntag424' && !options.keys) throw new Error(`reader "${cfg.id}" is secure: ntag424 but has no badge keys to check cards with (badges.keyFile)`);
    this.proveWith = cfg.secure === 'ntag424' ? options.keys! : null;
  }

  /**
   * Hand the next card presented to `fn` (a channel whose every answer is awaited at most `cardTimeoutMs`, and the
   * card's anticollision UID) instead of delivering it as a tap: the badge writer at the desk. Rejects when no card
   * comes within `timeoutMs`, on abort, when the reader stops, or when the card is taken away mid-way.
   */
  takeNextCard<T>(fn: CardTaker<T>, opts: TakeOptions): Promise<T> {
    return this.nextCard.wait(fn, opts);
  }

  /** Load nfc-pcsc, connect to pcscd and wait for a matching reader. Rejects with an error saying what to install or check. */
  protected async startDevice(): Promise<void> {
    this.NFC = await this.load();
    await this.connectPcscd();
    await this.waitForReader();
    this.log.info({ readers: [...this.attached].map((r) => r.name) }, 'PC/SC reader ready');
  }

  /** Connect to pcscd again after losing it. */
  protected async reopenDevice(): Promise<void> {
    await this.connectPcscd();
    this.log.info('reconnected to pcscd');
  }

  /** Stop waiting for a reader and release PC/SC. */
  protected async closeDevice(): Promise<void> {
    this.readerWaiter?.();
    this.nextCard.cancel(`reader "${this.id}" stopped before a card was presented`);
    this.teardown();
  }

  /** Open while at least one matching reader is attached. */
  protected isOpen(): boolean {
    return this.attached.size > 0;
  }

  private async load(): Promise<new () => NfcLike> {
    const m = (await this.loadModule().catch((e: unknown) => {
      throw notAvailable(this.id, e);
    })) as { NFC?: unknown; default?: { NFC?: unknown } } | null;
    const NFC = m?.NFC ?? m?.default?.NFC;
    if (typeof NFC !== 'function') throw notAvailable(this.id, new Error('nfc-pcsc loaded but exports no NFC class'));
    return NFC as new () => NfcLike;
  }

  /** Check pcscd is up (creating NFC without it would hang the process), then create NFC and listen. */
  private async connectPcscd(): Promise<void> {
    try {
      await probeSocket(this.socketPath, 2000);
    } catch (e) {
      throw new Error(
        `reader "${this.id}": pcscd is not running (cannot connect to ${this.socketPath}: ${(e as Error).message}); ` +
          'install and start it: sudo apt-get install pcscd && sudo systemctl enable --now pcscd.socket',
      );
    }
    if (!this.running || !this.NFC) return;
    let nfc: NfcLike;
    try {
      nfc = new this.NFC();
    } catch (e) {
      throw new Error(
        `reader "${this.id}": cannot use PC/SC (${(e as Error).message}); check that pcscd is running and that this user ` +
          'may use it (pcsc-lite 2.x asks polkit: see the installer\'s PC/SC rule)',
      );
    }
    this.nfc = nfc;
    this.seenNames = [];
    nfc.on('reader', (r: NfcReaderLike) => this.handleReader(r, nfc));
    nfc.on('error', (err: Error) => this.handlePcscError(err, nfc));
    this.pcscdCheck = setInterval(() => {
      probeSocket(this.socketPath, 1000).catch((e: Error) =>
        this.handlePcscError(new Error(`cannot connect to ${this.socketPath}: ${e.message}`), nfc),
      );
    }, this.pcscdCheckMs);
    this.pcscdCheck.unref();
  }

  private waitForReader(): Promise<void> {
    if (this.attached.size > 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.readerWaiter = null;
        const seen = this.seenNames.length ? this.seenNames.map((n) => `"${n}"`).join(', ') : 'none';
        const which = this.nameFilter ? ` whose name contains "${this.nameFilter}"` : '';
        reject(
          new Error(
            `reader "${this.id}": no PC/SC reader${which} appeared within ${Math.round(this.readerTimeoutMs / 1000)} s ` +
              `(readers seen: ${seen}); plug in the reader, check that "pcsc_scan" lists it, and check "path" of this reader under readers: in the config`,
          ),
        );
      }, this.readerTimeoutMs);
      this.readerWaiter = () => {
        clearTimeout(timer);
        this.readerWaiter = null;
        if (this.running) resolve();
        else reject(new Error(`reader "${this.id}": stopped while starting`));
      };
    });
  }

  private handleReader(reader: NfcReaderLike, nfc: NfcLike): void {
    // Every reader gets an 'error' listener, used or not: an unhandled 'error' event would crash the process.
    reader.on('error', (err: Error) => {
      if (!this.attached.has(reader)) return;
      this.lastError = `reader "${this.id}": PC/SC reader "${reader.name}": ${err.message}`;
      this.log.warn({ reader: reader.name, err: err.message }, 'PC/SC reader error');
    });
    this.known.add(reader);
    if (nfc !== this.nfc || !this.running) return;
    this.seenNames.push(reader.name);
    if (this.nameFilter && !reader.name.toLowerCase().includes(this.nameFilter.toLowerCase())) {
      this.log.debug({ reader: reader.name }, 'ignoring PC/SC reader that does not match path');
      return;
    }
    reader.autoProcessing = false;
    this.catchSwallowedErrors(reader);
    reader.on('end', () => this.handleReaderEnd(reader));
    reader.on('card', (card: { atr?: Buffer }) => void this.handleCard(reader, card));
    reader.on('card.off', () => {
      if (this.attached.has(reader)) this.lastHeardAt = Date.now();
    });
    this.attached.add(reader);
    this.log.info({ reader: reader.name }, 'PC/SC reader attached');
    this.readerWaiter?.();
  }

  /**
   * nfc-pcsc 0.8 reports a failure to connect to a presented card (and to disconnect from a removed one) with
   * `this.emit(err)`, i.e. the error as the event name, which no listener receives: a tap would vanish silently.
   * Intercept those so the failure is reported.
   */
  private catchSwallowedErrors(reader: NfcReaderLike): void {
    const target = reader as unknown as { emit: (event: unknown, ...args: unknown[]) => boolean };
    const original = target.emit.bind(reader);
    target.emit = (event: unknown, ...args: unknown[]): boolean => {
      if (!(event instanceof Error)) return original(event, ...args);
      if (!this.running || !this.attached.has(reader)) return true;
      const cause = (event as { previous?: Error }).previous?.message ?? event.message;
      if (event.name === 'DisconnectError') {
        this.log.debug({ reader: reader.name, err: cause }, 'error disconnecting from a removed card');
      } else {
        this.rejected++;
        this.report(new Error(`reader "${this.id}": could not connect to the card (${cause}); present the card again`));
      }
      return true;
    };
  }

  /** A reader went away: unplugged, or pcscd stopped (nfc-pcsc does not always say so): check pcscd ourselves. */
  private handleReaderEnd(reader: NfcReaderLike): void {
    this.known.delete(reader);
    if (!this.attached.delete(reader) || !this.running || this.attached.size > 0) return;
    const nfc = this.nfc;
    probeSocket(this.socketPath, 1000).then(
      () => {
        if (this.running && nfc === this.nfc && this.attached.size === 0) {
          this.report(new Error(`reader "${this.id}": PC/SC reader "${reader.name}" was removed; waiting for it to come back`));
        }
      },
      (e: Error) => {
        if (nfc) this.handlePcscError(new Error(`cannot connect to ${this.socketPath}: ${e.message}`), nfc);
      },
    );
  }

  private async handleCard(reader: NfcReaderLike, card: { atr?: Buffer }): Promise<void> {
    if (!this.running || !this.attached.has(reader)) return;
    const startedNs = process.hrtime.bigint();
    const arrivedAt = Date.now();
    this.lastHeardAt = arrivedAt;
    // A card to prove or to hand to the badge writer is read through a channel with a per-answer timeout.
    const ch = this.proveWith || this.nextCard.waiting ? new TimedCardChannel(reader, this.cardTimeoutMs) : null;
    let response: Buffer;
    try {
      response = await (ch ? ch.transmit(GET_UID) : reader.transmit(GET_UID, 32));
    } catch (e) {
      this.rejected++;
      const cause = (e as { previous?: Error }).previous?.message ?? (e as Error).message;
      this.report(new Error(`reader "${this.id}": could not read the card UID (${cause}); present the card again`));
      return;
    }
    const hr = process.hrtime.bigint();
    const at = Date.now();
    this.lastHeardAt = at;
    const sw = response.length >= 2 ? response.readUInt16BE(response.length - 2) : -1;
    const uidLen = response.length - 2;
    if (sw !== 0x9000 || uidLen < UID_MIN_BYTES || uidLen > UID_MAX_BYTES) {
      this.rejected++;
      const status = sw < 0 ? `a ${response.length}-byte answer` : `status ${sw.toString(16).toUpperCase().padStart(4, '0')}`;
      this.report(new Error(`reader "${this.id}": the card did not give its UID (${status}); present the card again`));
      return;
    }
    const uid = response.subarray(0, uidLen).toString('hex').toUpperCase();
    // A random UID (4 bytes from 0x08, ISO 14443-3) is delivered like any other; the desk says so and nothing stores it as the card's identity.
    this.log.debug({ reader: reader.name, atrBytes: card.atr?.length ?? 0, uidBytes: uidLen, randomUid: isRandomUid(uid) }, 'card read');
    if (ch && this.nextCard.offer(ch, uid)) return;
    if (!ch || !this.proveWith) {
      this.deliver({ readerId: this.id, uid, tech: 'iso14443', at, hr });
      return;
    }
    const read = await proveTap(ch, uid, this.proveWith, startedNs);
    if (!this.running) return;
    this.lastHeardAt = Date.now();
    if (read.kind === 'again') {
      this.rejected++;
      this.report(new Error(`reader "${this.id}": the card was not checked (${read.why}); present the card again`));
      return;
    }
    this.log.debug({ reader: reader.name, proof: read.proof.kind === 'failed' ? read.proof.why : read.proof.kind, ...read.timing }, 'card proved');
    // The tap's time is the card's arrival: tap → relay includes the authentication (proofTiming says how much).
    this.deliver({ readerId: this.id, uid, tech: 'iso14443', at: arrivedAt, hr: startedNs, proof: read.proof, proofTiming: read.timing });
  }

  /** pcscd went away (or PC/SC failed): drop everything and reconnect every few seconds. */
  private handlePcscError(err: Error, nfc: NfcLike): void {
    if (nfc !== this.nfc || !this.running) return;
    this.teardown();
    this.lost(`reader "${this.id}": lost pcscd (${err.message})`);
  }

  /** Close every reader and the NFC context. */
  private teardown(): void {
    if (this.pcscdCheck) clearInterval(this.pcscdCheck);
    this.pcscdCheck = null;
    this.attached.clear();
    for (const r of this.known) closeQuietly(r);
    this.known.clear();
    const nfc = this.nfc;
    this.nfc = null;
    if (nfc) {
      closeQuietly(nfc);
      // Keep harmless listeners: a late native event must not become an unhandled 'error' event.
      nfc.removeAllListeners();
      nfc.on('error', () => undefined);
      nfc.on('reader', (r: NfcReaderLike) => {
        r.on('error', () => undefined);
        closeQuietly(r);
      });
    }
  }
}
