/**
 * Build the card reader for one `readers[]` entry of the config.
 * The PC/SC adapter loads nfc-pcsc only when such a reader is started, so serial/sim setups never need it.
 */
import type { Log } from '../app/logger.js';
import type { ReaderConfig } from '../config/schema.js';
import type { CardReader } from './ports.js';
import { PcscCardReader } from './pcsc/pcsc-reader.js';
import { SerialCardReader } from './serial/serial-reader.js';
import { SimCardReader } from './sim/sim-reader.js';

/** Create (but do not start) the reader described by `cfg`: serial EM4100, PC/SC, or simulated. */
export function createReader(cfg: ReaderConfig, log: Log): CardReader {
  switch (cfg.kind) {
    case 'serial':
      return new SerialCardReader(cfg, log);
    case 'pcsc':
      return new PcscCardReader(cfg, log);
    case 'sim':
      return new SimCardReader(cfg.id, cfg.direction);
    default: {
      const kind: never = cfg.kind;
      throw new Error(`reader "${(cfg as ReaderConfig).id}": unknown reader kind ${JSON.stringify(kind)}`);
    }
  }
}
