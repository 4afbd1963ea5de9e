/**
 * Logging: pino, JSON lines to stdout (journald picks them up). One child logger per component.
 * Never log names, NIK, KTP UIDs or phone numbers: log visit ids, badge labels and officer ids instead.
 */
import { pino } from 'pino';
import type { Log } from '../../ports/log.js';

export type { Log } from '../../ports/log.js';

/** Create the root logger. `destination` defaults to stdout (fd 1). */
export function createLogger(level: string, destination: number | string = 1): Log {
  return pino(
    {
      level,
      base: { app: 'pintu' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: ['name', 'nik', 'phone', 'ktpUid', '*.name', '*.nik', '*.phone', '*.ktpUid'], censor: '[redacted]' },
    },
    pino.destination({ dest: destination, sync: true }),
  );
}

/** A logger that drops everything (tests, CLI commands). */
export function silentLogger(): Log {
  return pino({ level: 'silent' });
}
