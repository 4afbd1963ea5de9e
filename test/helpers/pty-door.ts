/**
 * A door with its console whose three readers are real serial readers on socat ptys (EM4100 frames, as an RDM6300
 * sends them): the desk reader, and the door's `in` and `out` readers. `tap` writes a card's frame to a reader's pty.
 * The daemon logs (pino, debug level) to a file, so tests can read what it wrote.
 */
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeEm4100Frame } from '../../src/adapters/serial/em4100.js';
import { createLogger } from '../../src/adapters/log/pino.js';
import { startPtyPair, type PtyPair } from './socat.js';
import { startConsoleDoor, type ConsoleDoor } from './console.js';

/** Where a card is tapped. */
export type ReaderPlace = 'desk' | 'in' | 'out';

/** A console door on ptys. */
export interface PtyDoor {
  /** The door and its console (the harness's). */
  door: ConsoleDoor;
  /** Write a card's EM4100 frame to the pty of a reader. */
  tap(place: ReaderPlace, uid: string): void;
  /** Everything the daemon logged so far. */
  logText(): string;
  /** Stop the door, the ptys, and delete the log. */
  close(): Promise<void>;
}

/** Start a door with its console on three pty readers (and any config overrides). */
export async function startPtyDoor(configOverrides: Record<string, unknown> = {}): Promise<PtyDoor> {
  const pairs: Partial<Record<ReaderPlace, PtyPair>> = {};
  const fds: Partial<Record<ReaderPlace, number>> = {};
  const logDir = mkdtempSync(join(tmpdir(), 'pintu-e2e-log-'));
  const logFile = join(logDir, 'pintu.log');
  let door: ConsoleDoor | null = null;
  const close = async (): Promise<void> => {
    try { await door?.close(); } finally {
      for (const fd of Object.values(fds)) closeSync(fd);
      for (const p of Object.values(pairs)) await p.stop();
      rmSync(logDir, { recursive: true, force: true });
    }
  };
  try {
    for (const place of ['desk', 'in', 'out'] as const) pairs[place] = await startPtyPair();
    const serial = (id: string, direction: string, pair: PtyPair): Record<string, unknown> => ({ id, direction, kind: 'serial', path: pair.a, baudRate: 9600, protocol: 'em4100-ascii' });
    door = await startConsoleDoor({
      readersFromConfig: true,
      log: createLogger('debug', logFile),
      configOverrides: {
        readers: [serial('in', 'in', pairs.in!), serial('out', 'out', pairs.out!), serial('desk', 'desk', pairs.desk!)],
        log: { level: 'debug' },
        ...configOverrides,
      },
    });
  } catch (err) {
    await close();
    throw err;
  }
  return {
    door,
    tap(place, uid) {
      fds[place] ??= openSync(pairs[place]!.b, 'w');
      writeSync(fds[place]!, encodeEm4100Frame(uid));
    },
    logText: () => readFileSync(logFile, 'utf8'),
    close,
  };
}
