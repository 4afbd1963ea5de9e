/**
 * Review of issue 11 (roots, Lifecycle): a stop asked for (SIGTERM: the fail-secure handler has just driven the relay
 * off) while a reader is still opening (a PC/SC reader waits up to readerTimeoutMs for its device) must stop the door
 * at once, as before the refactor: the readers that are already open deliver no more taps, so no grant drives the
 * relay on again after the signal, and the stop does not wait for the slow reader.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { silentLogger } from '../../src/adapters/log/pino.js';
import { buildDaemon, visitService } from '../../src/main.js';
import { SimDoorIo } from '../../src/adapters/sim/sim-door-io.js';
import { SimCardReader } from '../../src/adapters/sim/sim-reader.js';
import type { CardReader, RawTap, ReaderHealth } from '../../src/ports/hardware.js';
import { tempConfig } from '../helpers/config.js';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

/** A reader whose device takes long to open (like a PC/SC reader waiting for its USB device); stop() ends the wait. */
class SlowReader implements CardReader {
  readonly direction = 'out' as const;
  private release: (() => void) | null = null;
  constructor(readonly id: string, private readonly openMs: number) {}
  start(_onTap: (tap: RawTap) => void): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const t = setTimeout(resolve, this.openMs);
      this.release = () => { clearTimeout(t); reject(new Error('stopped while opening')); };
    });
  }
  async stop(): Promise<void> { this.release?.(); this.release = null; }
  health(): ReaderHealth { return { id: this.id, open: false, lastHeardAt: null, lastTapAt: null, rejectedFrames: 0, lastError: null }; }
}

describe('review: a stop asked for while a reader is still opening', () => {
  it('stops the door at once: no tap after the stop drives the relay, and the stop does not wait for the reader', async () => {
    const tc = tempConfig({ door: { id: 'door-1', strikeSeconds: 5, heldOpenSeconds: 10, repeatTapSeconds: 0 } });
    dirs.push(tc.dir);
    const io = new SimDoorIo();
    const rin = new SimCardReader('in', 'in');
    const daemon = await buildDaemon(tc.config, silentLogger(), { io, readers: [rin, new SimCardReader('out', 'out'), new SlowReader('desk-usb', 8000)] });
    visitService(tc.config, daemon.parts.store).addOfficer('S', 'staff', '0A01');
    const started = daemon.start().catch(() => undefined);
    await new Promise((r) => setTimeout(r, 100)); // the door part is up, the slow reader is still opening
    // SIGTERM: installFailSecureHandlers drives the relay off, then asks for the stop.
    daemon.parts.io.relay.set(false);
    const t0 = Date.now();
    const stopped = daemon.stop('signal SIGTERM');
    await new Promise((r) => setTimeout(r, 50));
    // An officer taps the in reader after the signal: the door is stopping and must not open.
    try { rin.tap('0A01'); } catch { /* the reader is closed: fine */ }
    await new Promise((r) => setTimeout(r, 200));
    expect(io.relay.isOn).toBe(false);
    expect(io.relay.history.some((h) => h.on)).toBe(false);
    await stopped;
    await started;
    expect(Date.now() - t0).toBeLessThan(4000);
  }, 30_000);
});
