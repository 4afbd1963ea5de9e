/**
 * Review of issue 16 item 5: the /run record must name the pin the LAST daemon used, or nothing. A daemon that cannot
 * write its own record must not leave the previous run's record behind, or `pintu relay-off` drives
 * the old pin (after a pin change: not the strike) and never falls back to the config, which names the right one.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RELAY_RECORD_FILE, readRelayRecord, recordRelayPin, writeRelayRecord } from '../../src/adapters/os/relay-record.js';
import { SimDoorIo } from '../../src/adapters/sim/sim-door-io.js';
import { createLogger } from '../../src/adapters/log/pino.js';
import type { RelayPinInfo } from '../../src/ports/hardware.js';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });
const tmp = (): string => { const d = mkdtempSync(join(tmpdir(), 'pintu-relayrec-')); dirs.push(d); return d; };
const log = createLogger('silent');
const OLD_17: RelayPinInfo = { hardware: 'gpio', pin: 17, activeLow: false, sysfsNumber: 529, sysfsRoot: '/sys/class/gpio' };
const NEW_18: RelayPinInfo = { hardware: 'gpio', pin: 18, activeLow: false, sysfsNumber: 530, sysfsRoot: '/sys/class/gpio' };

describe('a stale relay record', () => {
  it('a daemon on BCM 18 that cannot write its record leaves no record of BCM 17 behind (relay-off then uses the config)', () => {
    const run = tmp();
    writeRelayRecord(run, OLD_17, 1111, Date.parse('2026-12-02T01:00:00Z'));
    // The new record cannot be written (its temp file cannot be created; /run full behaves the same).
    mkdirSync(join(run, `${RELAY_RECORD_FILE}.2222.tmp`));
    expect(recordRelayPin(Object.assign(new SimDoorIo(), { relayPin: NEW_18 }), run, log, 2222)).toBeNull();
    const read = readRelayRecord(run);
    expect(read.state === 'ok' ? read.record.pin : read.state).toBe('missing');
  });

});
