/**
 * Reader factory: one CardReader per `readers:` entry. Each kind's module is imported only when such a reader is
 * configured: a machine without PC/SC never loads nfc-pcsc, and CLI commands never load serialport. A secure reader
 * (`secure: ntag424`) is given the site's badge keys ({@link readerExtras}), checked before any reader starts.
 */
import type { BadgesConfig, ReaderConfig } from '../config/schema.js';
import { BadgeKeyFileSource } from './os/badge-key-file.js';
import type { Log } from '../ports/log.js';
import type { CardReader } from '../ports/hardware.js';
import type { BadgeKeySource } from '../ports/badge-keys.js';

/** What a secure reader needs beyond its config entry (issue 15). */
export interface ReaderExtras {
  /** The site's badge keys (required for a `secure: ntag424` PC/SC reader). */
  keys?: BadgeKeySource;
  /** `badges.cardTimeoutMs`: the longest a card may take to answer one command of the authentication. */
  cardTimeoutMs?: number;
}

/** Create the reader a config entry describes. */
export async function createReader(cfg: ReaderConfig, log: Log, extras: ReaderExtras = {}): Promise<CardReader> {
  switch (cfg.kind) {
    case 'serial':
      return new (await import('./serial/serial-reader.js')).SerialCardReader(cfg, log);
    case 'pcsc':
      return new (await import('./pcsc/pcsc-reader.js')).PcscCardReader(cfg, log, {
        ...(extras.keys ? { keys: extras.keys } : {}),
        ...(extras.cardTimeoutMs !== undefined ? { cardTimeoutMs: extras.cardTimeoutMs } : {}),
      });
    case 'sim':
      return new (await import('./sim/sim-reader.js')).SimCardReader(cfg.id, cfg.direction);
  }
}

/** The site's badge keys (issue 15): the key file `badges.keyFile`, re-read when it changes. */
export function badgeKeySource(badges: BadgesConfig, log: Log): BadgeKeySource {
  return new BadgeKeyFileSource(badges.keyFile, log.child({ component: 'badge-keys' }));
}

/**
 * What the readers among `readers` need beyond their config: with a `secure: ntag424` PC/SC reader among them, the badge keys,
 * loaded now. Missing, loose or malformed keys throw naming the key file and the secure readers: the door refuses to
 * start rather than run a secure reader that could check no card (fail secure: the relay stays off).
 */
export function readerExtras(badges: BadgesConfig, readers: readonly ReaderConfig[], log: Log): ReaderExtras {
  // Only a PC/SC reader speaks to the card; a sim reader marked secure (the demo) has nothing to prove with keys.
  const secure = readers.filter((r) => r.secure === 'ntag424' && r.kind === 'pcsc').map((r) => r.id);
  if (secure.length === 0) return {};
  const keys = badgeKeySource(badges, log);
  try {
    keys.keyring();
  } catch (err) {
    // The key file's own error says what is wrong and what to do; it names the file (else it is added).
    const why = (err as Error).message;
    const which = `reader${secure.length > 1 ? 's' : ''} ${secure.map((id) => `"${id}"`).join(', ')}`;
    throw new Error(`${which} ${secure.length > 1 ? 'are' : 'is'} secure: ntag424, but the badge keys cannot be used: ${why}${why.includes(badges.keyFile) ? '' : ` (badges.keyFile: ${badges.keyFile})`}`);
  }
  return { keys, cardTimeoutMs: badges.cardTimeoutMs };
}
