/**
 * The DoorSignals service (app/door-signals.ts) on the sim's indicator outputs: each tap outcome and door alarm drives
 * its pattern over time, nothing changes in the caller's turn, a failing output is logged and left, stop turns all off.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SimDoorIo, type OutputChange, type SimDoorIoOptions } from '../../src/adapters/sim/sim-door-io.js';
import { DoorSignals } from '../../src/app/door-signals.js';
import { silentLogger } from '../../src/adapters/log/pino.js';
import type { StoredEvent } from '../../src/ports/store.js';
import type { DoorSignal } from '../../src/domain/door-signals.js';

let seq = 0;
/** A stored event as the daemon hands it to `onEvents` (only type and data matter to the signals). */
const ev = (type: string, data: Record<string, unknown> = {}): StoredEvent => ({ door: 'd1', seq: ++seq, type, at: new Date().toISOString(), data } as unknown as StoredEvent);

/** The changes of one output as [ms since t0, on]. */
const rel = (h: readonly OutputChange[], t0: number): Array<[number, boolean]> => h.map((c) => [c.at - t0, c.on]);

function setup(indicators: SimDoorIoOptions['indicators'] = true) {
  const io = new SimDoorIo({ indicators });
  const shown: DoorSignal[] = [];
  const signals = new DoorSignals({ indicators: io.indicators, timing: { grantedMs: 3000, refusedMs: 2000 }, log: silentLogger(), now: () => Date.now(), onSignal: (s) => shown.push(s) });
  signals.start();
  const ind = io.indicators!;
  return { io, signals, shown, ind, t0: Date.now() };
}

/** Deliver events and let the deferred apply run. */
function deliver(signals: DoorSignals, ...events: StoredEvent[]): void {
  signals.observe(events);
  vi.advanceTimersByTime(0);
}

beforeEach(() => { vi.useFakeTimers({ now: Date.UTC(2026, 11, 2, 3, 0, 0) }); });
afterEach(() => { vi.useRealTimers(); });

describe('door signals on the sim outputs', () => {
  it('granted: green for the grant time and one 300 ms beep; red and amber stay dark', () => {
    const { signals, ind, t0, shown } = setup();
    deliver(signals, ev('access.granted', { holder: 'officer', officer: 'O1' }));
    vi.advanceTimersByTime(5000);
    expect(rel(ind.green!.history, t0)).toEqual([[0, true], [3000, false]]);
    expect(rel(ind.buzzer!.history, t0)).toEqual([[0, true], [300, false]]);
    expect(ind.red!.history).toEqual([]);
    expect(ind.amber!.history).toEqual([]);
    expect(shown).toEqual(['granted', 'idle']);
  });

  it('refused: red for 2 s and three short beeps', () => {
    const { signals, ind, t0 } = setup();
    deliver(signals, ev('access.denied', { reason: 'unknown-card' }));
    vi.advanceTimersByTime(5000);
    expect(rel(ind.red!.history, t0)).toEqual([[0, true], [2000, false]]);
    expect(rel(ind.buzzer!.history, t0)).toEqual([[0, true], [100, false], [200, true], [300, false], [400, true], [500, false]]);
    expect(ind.green!.history).toEqual([]);
  });

  it('awaiting escort: amber blinks until the window ends, two beeps; the escort\'s arrival turns it green at once', () => {
    const { signals, ind, t0, shown } = setup();
    deliver(signals, ev('access.awaiting_escort', { visit: 'V1', windowSeconds: 3 }));
    vi.advanceTimersByTime(4000);
    // 3 s window + 0.5 s grace for the refusal to replace it.
    expect(rel(ind.amber!.history, t0)).toEqual([[0, true], [500, false], [1000, true], [1500, false], [2000, true], [2500, false], [3000, true], [3500, false]]);
    expect(rel(ind.buzzer!.history, t0)).toEqual([[0, true], [100, false], [200, true], [300, false]]);
    expect(shown).toEqual(['awaiting-escort', 'idle']);
    // Again, and the officer comes after 1.2 s: both granted in one batch.
    const t1 = Date.now();
    deliver(signals, ev('access.awaiting_escort', { visit: 'V2', windowSeconds: 30 }));
    vi.advanceTimersByTime(1200);
    deliver(signals, ev('access.granted', { holder: 'officer' }), ev('access.granted', { holder: 'visitor', visit: 'V2' }));
    expect(ind.amber!.isOn).toBe(false);
    expect(ind.green!.isOn).toBe(true);
    vi.advanceTimersByTime(40_000);
    expect(ind.amber!.history.filter((c) => c.at > t1 + 1200)).toEqual([]);
    expect(shown.slice(2)).toEqual(['awaiting-escort', 'granted', 'idle']);
  });

  it('a second tap while its flash shows starts the flash again (beeps again)', () => {
    const { signals, ind, t0 } = setup();
    deliver(signals, ev('access.denied', { reason: 'unknown-card' }));
    vi.advanceTimersByTime(1000);
    deliver(signals, ev('access.denied', { reason: 'unknown-card' }));
    vi.advanceTimersByTime(5000);
    expect(rel(ind.red!.history, t0)).toEqual([[0, true], [3000, false]]);
    expect(ind.buzzer!.history.filter((c) => c.on)).toHaveLength(6);
  });

  it('forced: red fast blink and buzzer until the door closes; held: slow red and a beep every 2 s until it closes', () => {
    const { signals, ind, t0, shown } = setup();
    deliver(signals, ev('door.forced'));
    vi.advanceTimersByTime(1000);
    expect(rel(ind.red!.history, t0).slice(0, 4)).toEqual([[0, true], [125, false], [250, true], [375, false]]);
    expect(rel(ind.buzzer!.history, t0)).toEqual([[0, true], [500, false], [1000, true]]);
    deliver(signals, ev('door.held', { openSeconds: 30 }));
    expect(shown.at(-1)).toBe('forced'); // forced outranks held
    deliver(signals, ev('door.closed', { openSeconds: 31, via: 'forced' }));
    expect(ind.red!.isOn || ind.buzzer!.isOn).toBe(false);
    const t1 = Date.now();
    const before = ind.buzzer!.history.length;
    deliver(signals, ev('door.held', { openSeconds: 30 }));
    vi.advanceTimersByTime(4100);
    expect(rel(ind.buzzer!.history.slice(before), t1)).toEqual([[0, true], [200, false], [2000, true], [2200, false], [4000, true]]);
    deliver(signals, ev('door.held_cleared', { openSeconds: 34 }));
    expect(shown).toEqual(['forced', 'idle', 'held', 'idle']);
    expect([ind.red!, ind.buzzer!, ind.green!, ind.amber!].some((o) => o.isOn)).toBe(false);
  });

  it('fire: red and amber blink together over everything until it clears; a tap meanwhile does not interrupt it', () => {
    const { signals, ind, shown } = setup();
    deliver(signals, ev('alarm.fire', { policy: 'release', released: true }));
    vi.advanceTimersByTime(600);
    deliver(signals, ev('access.granted', { holder: 'officer' }), ev('door.forced'));
    vi.advanceTimersByTime(1000);
    expect(ind.red!.history.map((c) => c.on)).toEqual(ind.amber!.history.map((c) => c.on));
    expect(ind.green!.history).toEqual([]);
    expect(ind.buzzer!.history).toEqual([]);
    deliver(signals, ev('fire.cleared', { policy: 'release', alarmSeconds: 2 }));
    expect(shown).toEqual(['fire', 'forced']);
  });

  it('events change nothing in the caller\'s turn: they are applied on a later one', () => {
    const { signals, ind } = setup();
    signals.observe([ev('access.granted', { holder: 'officer' })]);
    expect(ind.green!.history).toEqual([]);
    vi.advanceTimersByTime(0);
    expect(ind.green!.isOn).toBe(true);
  });

  it('a failing output is left alone: the others still signal, nothing throws', () => {
    const { signals, ind } = setup();
    ind.buzzer!.failWith = new Error('EIO');
    expect(() => deliver(signals, ev('access.denied', { reason: 'unknown-card' }))).not.toThrow();
    expect(ind.red!.isOn).toBe(true);
    vi.advanceTimersByTime(3000);
    expect(ind.red!.isOn).toBe(false);
  });

  it('only the wired outputs are driven (a door with just a red LED)', () => {
    const { signals, ind, shown } = setup(['red']);
    expect(Object.keys(ind)).toEqual(['red']);
    deliver(signals, ev('access.granted', { holder: 'officer' }));
    deliver(signals, ev('access.denied', { reason: 'unknown-card' }));
    expect(ind.red!.isOn).toBe(true);
    expect(shown).toEqual(['granted', 'refused']);
  });

  it('stop: every output off and no timer left; events after it are ignored', () => {
    const { signals, ind } = setup();
    deliver(signals, ev('door.forced'), ev('access.awaiting_escort', { visit: 'V1', windowSeconds: 30 }));
    expect(ind.red!.isOn).toBe(true);
    signals.stop();
    expect(Object.values(ind).some((o) => o.isOn)).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
    deliver(signals, ev('access.granted', { holder: 'officer' }));
    expect(ind.green!.history).toEqual([]);
  });
});
