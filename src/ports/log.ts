/**
 * The logger every part is given: pino's interface (JSON lines; one child logger per component).
 * Never log names, NIK, KTP UIDs or phone numbers: log visit ids, badge labels and officer ids instead.
 */
import type { Logger } from 'pino';

/** A structured logger (pino's interface; created by `src/adapters/log/pino.ts`). */
export type Log = Logger;
