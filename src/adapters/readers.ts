/**
 * Reader factory: one CardReader per `readers:` entry. Each kind's module is imported only when such a reader is
 * configured: a machine without PC/SC never loads nfc-pcsc, and CLI commands never load serialport.
 */
import type { ReaderConfig } from '../config/schema.js';
import type { Log } from '../ports/log.js';
import type { CardReader } from '../ports/hardware.js';

/** Create the reader a config entry describes. */
export async function createReader(cfg: ReaderConfig, log: Log): Promise<CardReader> {
  switch (cfg.kind) {
    case 'serial':
      return new (await import('./serial/serial-reader.js')).SerialCardReader(cfg, log);
    case 'pcsc':
      return new (await import('./pcsc/pcsc-reader.js')).PcscCardReader(cfg, log);
    case 'sim':
      return new (await import('./sim/sim-reader.js')).SimCardReader(cfg.id, cfg.direction);
  }
}
