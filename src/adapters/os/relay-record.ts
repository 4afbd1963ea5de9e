/**
 * The strike's last known pin (issue 16, item 5): the daemon writes `<runDir>/relay.json` once its door I/O is up and
 * the relay is off, from what the GPIO adapter resolved (`DoorIo.relayPin`). `pintu relay-off` (systemd's
 * `ExecStopPost`) reads it first, so it drives the pin the dead daemon really used, even when pintu.yaml has since
 * become invalid or names another pin. `/run` is a tmpfs: the record never outlives a reboot.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { DoorIo, RelayPinInfo } from '../../ports/hardware.js';
import type { Log } from '../../ports/log.js';

/** The record's format tag. */
export const RELAY_RECORD_FORMAT = 'pintu-relay/1';
/** The record's file name inside the run dir. */
export const RELAY_RECORD_FILE = 'relay.json';
/** Where the record lives when nothing else says (systemd's `RuntimeDirectory=pintu`). */
export const DEFAULT_RUN_DIR = '/run/pintu';

/** The record as written: format tag, writer's pid and time, and the resolved pin. */
export const relayRecordSchema = z.object({
  format: z.literal(RELAY_RECORD_FORMAT),
  pid: z.number().int().positive(),
  writtenAt: z.string(),
  hardware: z.enum(['gpio', 'gpiod']),
  pin: z.number().int().min(0).max(63),
  activeLow: z.boolean(),
  sysfsNumber: z.number().int().min(0).optional(),
  sysfsRoot: z.string().min(1).optional(),
  chip: z.string().min(1).optional(),
}).strict().refine((r) => r.hardware !== 'gpio' || r.sysfsNumber !== undefined, { message: 'a gpio (sysfs) record needs sysfsNumber' })
  .refine((r) => r.hardware !== 'gpiod' || r.chip !== undefined, { message: 'a gpiod record needs chip' });

/** A relay record as read back. */
export type RelayRecord = z.infer<typeof relayRecordSchema>;

/** The run dir: `--run-dir`, else `PINTU_RUN_DIR`, else systemd's `RUNTIME_DIRECTORY`, else /run/pintu. */
export function runDirOf(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return option ?? env.PINTU_RUN_DIR ?? env.RUNTIME_DIRECTORY?.split(':')[0] ?? DEFAULT_RUN_DIR;
}

/** Write the record atomically (temp file + rename, mode 0640); returns its path. Throws when the dir cannot be written. */
export function writeRelayRecord(runDir: string, info: RelayPinInfo, pid: number, at: number): string {
  const record: RelayRecord = { format: RELAY_RECORD_FORMAT, pid, writtenAt: new Date(at).toISOString(), ...info };
  const file = join(runDir, RELAY_RECORD_FILE);
  mkdirSync(runDir, { recursive: true, mode: 0o750 });
  const tmp = `${file}.${pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(record) + '\n', { mode: 0o640 });
  renameSync(tmp, file);
  return file;
}

/** What reading the record found: the record, none there, or a file that is not a valid record (why). */
export type RelayRecordRead =
  | { state: 'ok'; file: string; record: RelayRecord }
  | { state: 'missing'; file: string }
  | { state: 'invalid'; file: string; why: string };

/** Read and check the record under `runDir`. Never throws. */
export function readRelayRecord(runDir: string): RelayRecordRead {
  const file = join(runDir, RELAY_RECORD_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? { state: 'missing', file } : { state: 'invalid', file, why: `cannot read it: ${code ?? (err as Error).message}` };
  }
  let json: unknown;
  try { json = JSON.parse(text); } catch { return { state: 'invalid', file, why: 'not JSON' }; }
  const r = relayRecordSchema.safeParse(json);
  if (!r.success) return { state: 'invalid', file, why: r.error.issues.map((i) => `${i.path.join('.') || 'record'}: ${i.message}`).join('; ') };
  return { state: 'ok', file, record: r.data };
}

/** The pin part of a record (what a relay-off driver needs). */
export function relayPinOf(r: RelayRecord): RelayPinInfo {
  const { hardware, pin, activeLow, sysfsNumber, sysfsRoot, chip } = r;
  return { hardware, pin, activeLow, ...(sysfsNumber !== undefined ? { sysfsNumber } : {}), ...(sysfsRoot !== undefined ? { sysfsRoot } : {}), ...(chip !== undefined ? { chip } : {}) };
}

/**
 * Write the strike's resolved pin to `<runDir>/relay.json` (issue 16): `pintu relay-off` drives that pin after the daemon
 * is gone, whatever pintu.yaml says by then. Door I/O without GPIO (the sim) has none. A record that cannot be written
 * is logged, never fatal: relay-off then falls back to the config (the record of an earlier run is removed then, and when
 * this door I/O has no pin, so it never names a pin this daemon did not use). Returns the file written, or null.
 */
export function recordRelayPin(io: DoorIo, runDir: string, log: Log, pid = process.pid, now = Date.now()): string | null {
  // A record left by an earlier run names the pin THAT daemon used (before a pin change: not the strike now); when this
  // run cannot write its own, that one must go, so relay-off falls back to the config instead of driving the old pin.
  const dropStale = (): void => {
    try {
      rmSync(join(runDir, RELAY_RECORD_FILE), { force: true });
    } catch (err) {
      log.warn({ err: (err as Error).message, runDir }, 'could not remove the previous relay record: pintu relay-off may drive the pin of an earlier run');
    }
  };
  // No pin (the sim): an earlier run's record names a GPIO pin this daemon does not drive; it goes too.
  if (!io.relayPin) {
    if (existsSync(join(runDir, RELAY_RECORD_FILE))) dropStale();
    return null;
  }
  try {
    const file = writeRelayRecord(runDir, io.relayPin, pid, now);
    log.info({ file, relay: io.relayPin.pin, activeLow: io.relayPin.activeLow, hardware: io.relayPin.hardware }, 'relay pin recorded for pintu relay-off');
    return file;
  } catch (err) {
    log.warn({ err: (err as Error).message, runDir }, 'could not record the relay pin: pintu relay-off will use the config');
    dropStale();
    return null;
  }
}
