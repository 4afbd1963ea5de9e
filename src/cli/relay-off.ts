/**
 * `pintu relay-off` (systemd's ExecStopPost; issue 16, item 5): drive the strike relay off after the daemon is gone.
 * The daemon's /run record comes first: it names the pin and polarity the daemon really drove, so relay-off works with
 * an invalid pintu.yaml and after a pin change. Only without a usable record is the config read (as before: the
 * configured door I/O is opened and its relay driven off). It says which it used; with neither it fails, naming both.
 */
import type { Config } from '../config/schema.js';
import type { RelayPinInfo } from '../ports/hardware.js';
import { readRelayRecord, relayPinOf, type RelayRecordRead } from '../adapters/os/relay-record.js';

/** What relay-off did: where the pin came from, which pin, and what went wrong on the way (empty: nothing). */
export interface RelayOffResult {
  /** `record`: the daemon's /run record; `config`: pintu.yaml. */
  source: 'record' | 'config';
  /** The record file (read or looked for). */
  recordFile: string;
  /** The door I/O kind driven. */
  hardware: string;
  /** BCM pin driven (null: the sim has none). */
  pin: number | null;
  /** Whether that relay is active-low (null: the sim). */
  activeLow: boolean | null;
  /** The daemon pid that wrote the record (source `record`). */
  recordPid?: number;
  /** Why the record was not used (source `config`). */
  recordProblem?: string;
}

/** What relay-off needs (the CLI gives the real ones; tests give fakes). */
export interface RelayOffDeps {
  /** The run dir holding relay.json. */
  runDir: string;
  /** Load pintu.yaml (throws when missing or invalid). */
  loadConfig: () => Config;
  /** Drive one resolved relay pin off (`forceRelayOff`). */
  drivePin: (info: RelayPinInfo) => Promise<void>;
  /** Drive the configured relay off through the configured door I/O. */
  driveConfigured: (config: Config) => Promise<void>;
}

/** Drive the relay off from the record, else from the config; throws an error that names what was tried and why it failed. */
export async function relayOff(d: RelayOffDeps): Promise<RelayOffResult> {
  const read: RelayRecordRead = readRelayRecord(d.runDir);
  if (read.state === 'ok') {
    const info = relayPinOf(read.record);
    try {
      await d.drivePin(info);
    } catch (err) {
      throw new Error(`from ${read.file} (written by pid ${read.record.pid} at ${read.record.writtenAt}): ${(err as Error).message}`, { cause: err });
    }
    return { source: 'record', recordFile: read.file, hardware: info.hardware, pin: info.pin, activeLow: info.activeLow, recordPid: read.record.pid };
  }
  const recordProblem = read.state === 'missing' ? `no record at ${read.file} (the daemon has not run since boot, or ran without door GPIO)` : `${read.file} is not a valid record: ${read.why}`;
  let config: Config;
  try {
    config = d.loadConfig();
  } catch (err) {
    throw new Error(`cannot tell which pin drives the strike: ${recordProblem}, and the config cannot be used: ${(err as Error).message}`, { cause: err });
  }
  await d.driveConfigured(config);
  const gpio = config.hardware === 'sim' ? null : config.gpio.relay;
  return { source: 'config', recordFile: read.file, hardware: config.hardware, pin: gpio?.pin ?? null, activeLow: gpio?.activeLow ?? null, recordProblem };
}

/** One line for the officer/maintainer saying what was driven and from where. */
export function relayOffLine(r: RelayOffResult): string {
  const pin = r.pin === null ? `${r.hardware} door I/O` : `BCM ${r.pin}, ${r.activeLow ? 'active-low' : 'active-high'}, ${r.hardware}`;
  return r.source === 'record'
    ? `relay off (${pin}; from ${r.recordFile}, written by the daemon pid ${r.recordPid})`
    : `relay off (${pin}; from the config: ${r.recordProblem})`;
}
