/**
 * The supervised fire-alarm input (issue 14 item 6) on the sim GPIO: the pure fire machine (a cut cable is a fault, never
 * a fire, whatever order its two lines change in), the door machine's fire hold, and the door controller with policy
 * `release` (the strike held unlocked while the alarm lasts, no forced/held alarm meanwhile, locked when it clears) and
 * `stay-locked` (locked, alarmed), the cut cable (fault, strike unchanged, also during a fire) and a restart during an alarm.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { pino } from 'pino';
import { SimDoorIo } from '../../src/adapters/sim/sim-door-io.js';
import { DoorController } from '../../src/app/door-controller.js';
import { fireReading, initialFireState, stepFire, type FireSettings } from '../../src/domain/fire.js';
import { initialDoorState, nextDeadline, stepDoor } from '../../src/domain/door.js';
import { configSchema } from '../../src/config/schema.js';

const T0 = Date.UTC(2026, 11, 1, 3, 0, 0);
const timing = { strikeSeconds: 5, heldOpenSeconds: 30 };
const SETTLE = 500;

interface Ev { type: string; data: Record<string, unknown>; at: number }

function controller(io: SimDoorIo, onAlarm: FireSettings['onAlarm']) {
  const events: Ev[] = [];
  const door = new DoorController({
    io, timing, log: pino({ level: 'silent' }), fire: { onAlarm, settleMs: SETTLE },
    onEvent: (type, data, at) => events.push({ type, data: data as Record<string, unknown>, at }),
  });
  return { door, events, types: () => events.map((e) => e.type) };
}

beforeEach(() => { vi.useFakeTimers({ now: T0 }); });
afterEach(() => { vi.useRealTimers(); });

describe('fire machine (domain/fire.ts)', () => {
  const settings: FireSettings = { onAlarm: 'release', settleMs: SETTLE };

  it('reads the two lines: supervision broken is a fault whatever the alarm line says', () => {
    expect(fireReading({ alarm: false, supervision: true })).toBe('normal');
    expect(fireReading({ alarm: true, supervision: true })).toBe('fire');
    expect(fireReading({ alarm: true, supervision: false })).toBe('fault');
    expect(fireReading({ alarm: false, supervision: false })).toBe('fault');
  });

  it('a cable cut with the alarm line opening first is a fault, never a fire (the settle time)', () => {
    let s = initialFireState(T0, { alarm: false, supervision: true });
    const out = [];
    // The alarm line opens 30 ms before the supervision loop: a fire reading, but not for long enough.
    for (const input of [
      { type: 'lines' as const, lines: { alarm: true, supervision: true }, now: T0 + 1000 },
      { type: 'lines' as const, lines: { alarm: true, supervision: false }, now: T0 + 1030 },
      { type: 'tick' as const, now: T0 + 5000 },
    ]) {
      const r = stepFire(s, input, settings);
      s = r.state;
      out.push(...r.outputs);
    }
    expect(out).toEqual([{ kind: 'event', type: 'alarm.fire_input_fault', data: { alarmLine: true, supervisionLine: false, duringFire: false }, at: T0 + 1030 + SETTLE }]);
    expect(s).toMatchObject({ fire: false, fault: true });
  });

  it('a fault during a fire keeps the fire and the hold; the repair shows what the panel says', () => {
    let s = initialFireState(T0, { alarm: false, supervision: true });
    const step = (input: Parameters<typeof stepFire>[1]) => { const r = stepFire(s, input, settings); s = r.state; return r.outputs; };
    expect(step({ type: 'lines', lines: { alarm: true, supervision: true }, now: T0 })).toEqual([]);
    expect(step({ type: 'tick', now: T0 + SETTLE })).toEqual([
      { kind: 'hold', on: true, at: T0 + SETTLE },
      { kind: 'event', type: 'alarm.fire', data: { policy: 'release', released: true }, at: T0 + SETTLE },
    ]);
    step({ type: 'lines', lines: { alarm: true, supervision: false }, now: T0 + 10_000 });
    expect(step({ type: 'tick', now: T0 + 20_000 })).toEqual([
      { kind: 'event', type: 'alarm.fire_input_fault', data: { alarmLine: true, supervisionLine: false, duringFire: true }, at: T0 + 10_000 + SETTLE },
    ]);
    step({ type: 'lines', lines: { alarm: false, supervision: true }, now: T0 + 60_000 });
    expect(step({ type: 'tick', now: T0 + 61_000 })).toEqual([
      { kind: 'event', type: 'fire.input_restored', data: { faultSeconds: 50 }, at: T0 + 60_000 + SETTLE },
      { kind: 'hold', on: false, at: T0 + 60_000 + SETTLE },
      { kind: 'event', type: 'fire.cleared', data: { policy: 'release', alarmSeconds: 60 }, at: T0 + 60_000 + SETTLE },
    ]);
  });
});

describe('door machine fire hold (domain/door.ts)', () => {
  it('holds the relay on with no strike end, raises neither forced nor held, locks when the hold ends', () => {
    let s = initialDoorState(T0, false);
    const step = (input: Parameters<typeof stepDoor>[1]) => { const r = stepDoor(s, input, timing); s = r.state; return r.outputs; };
    expect(step({ type: 'fire', hold: true, now: T0 })).toEqual([{ kind: 'relay', on: true, at: T0 }]);
    expect(nextDeadline(s, timing)).toBeNull();
    const opened = step({ type: 'door', open: true, now: T0 + 1000 });
    expect(opened).toEqual([{ kind: 'event', event: { type: 'door.opened', data: { via: 'fire', refs: [] }, at: T0 + 1000 } }]);
    // A grant during the hold changes nothing on the strike; an hour open raises no door.held.
    expect(step({ type: 'grant', ref: { badge: 'X' }, now: T0 + 2000 })).toEqual([]);
    expect(step({ type: 'tick', now: T0 + 3_600_000 })).toEqual([]);
    expect(s.relayOn).toBe(true);
    expect(step({ type: 'fire', hold: false, now: T0 + 3_600_000 })).toEqual([{ kind: 'relay', on: false, at: T0 + 3_600_000 }]);
    // Still open after the alarm: held counts from the hold's end.
    expect(nextDeadline(s, timing)).toBe(T0 + 3_600_000 + 30_000);
    const later = step({ type: 'tick', now: T0 + 3_600_000 + 30_000 });
    expect(later.map((o) => (o.kind === 'event' ? o.event.type : 'relay'))).toEqual(['door.held']);
  });
});

describe('door machine fire hold with relockOnClose', () => {
  it('a door opened on a grant that closes during a fire hold does not relock the strike', () => {
    const relock = { ...timing, relockOnClose: true };
    let s = initialDoorState(T0, false);
    const step = (input: Parameters<typeof stepDoor>[1]) => { const r = stepDoor(s, input, relock); s = r.state; return r.outputs; };
    step({ type: 'grant', ref: { badge: 'O1' }, now: T0 });
    step({ type: 'door', open: true, now: T0 + 500 });
    step({ type: 'fire', hold: true, now: T0 + 1000 });
    const closed = step({ type: 'door', open: false, now: T0 + 2000 });
    expect(closed.filter((o) => o.kind === 'relay')).toEqual([]);
    expect(s).toMatchObject({ relayOn: true, unlockedUntil: null, fireHold: true });
    expect(step({ type: 'tick', now: T0 + 60_000 })).toEqual([]);
    expect(s.relayOn).toBe(true);
  });
});

describe('DoorController with a supervised fire input (sim GPIO)', () => {
  it('release: alarm.fire after the settle time, strike held unlocked past every strike end, no forced or held; cleared locks it', async () => {
    const io = new SimDoorIo({ fireInput: true });
    const { door, events, types } = controller(io, 'release');
    door.start();
    expect(door.status().fire).toMatchObject({ alarm: false, fault: false, policy: 'release', released: false });
    io.fireAlarm();
    await vi.advanceTimersByTimeAsync(SETTLE - 1);
    expect(io.relay.isOn).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(io.relay.isOn).toBe(true);
    expect(events).toEqual([{ type: 'alarm.fire', data: { policy: 'release', released: true }, at: T0 + SETTLE }]);
    expect(door.status()).toMatchObject({ locked: false, unlockedUntil: null, fire: { alarm: true, alarmSince: T0 + SETTLE, released: true } });
    // People leave: the door opens without a grant and stands open for ten minutes; a badge tap in between.
    io.openDoor();
    door.grant({ badge: 'TAMU-01' });
    await vi.advanceTimersByTimeAsync(600_000);
    expect(io.relay.isOn).toBe(true);
    expect(types()).toEqual(['alarm.fire', 'door.opened']);
    expect(events[1]!.data).toMatchObject({ via: 'fire' });
    io.closeDoor();
    io.fireClear();
    await vi.advanceTimersByTimeAsync(SETTLE);
    expect(io.relay.isOn).toBe(false);
    expect(types()).toEqual(['alarm.fire', 'door.opened', 'door.closed', 'fire.cleared']);
    expect(events[3]!.data).toEqual({ policy: 'release', alarmSeconds: 600.5 });
    expect(door.status()).toMatchObject({ locked: true, fire: { alarm: false, released: false } });
    // Normal again: an opening without a grant is forced.
    io.openDoor();
    expect(types().at(-1)).toBe('door.forced');
    door.stop();
  });

  it('stay-locked: the alarm is raised and cleared, the strike never moves', async () => {
    const io = new SimDoorIo({ fireInput: true });
    const { door, events, types } = controller(io, 'stay-locked');
    door.start();
    io.fireAlarm();
    await vi.advanceTimersByTimeAsync(SETTLE);
    expect(events).toEqual([{ type: 'alarm.fire', data: { policy: 'stay-locked', released: false }, at: T0 + SETTLE }]);
    expect(io.relay.isOn).toBe(false);
    expect(door.status()).toMatchObject({ locked: true, fire: { alarm: true, released: false, policy: 'stay-locked' } });
    io.fireClear();
    await vi.advanceTimersByTimeAsync(SETTLE);
    expect(types()).toEqual(['alarm.fire', 'fire.cleared']);
    expect(io.relay.history).toEqual([]);
    door.stop();
  });

  it('a cut cable (both lines change) is a fault, not a fire: strike unchanged; the repair restores it', async () => {
    const io = new SimDoorIo({ fireInput: true });
    const { door, events, types } = controller(io, 'release');
    door.start();
    io.cutFireCable();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(events).toEqual([{ type: 'alarm.fire_input_fault', data: { alarmLine: true, supervisionLine: false, duringFire: false }, at: T0 + SETTLE }]);
    expect(io.relay.history).toEqual([]);
    expect(door.status()).toMatchObject({ locked: true, fire: { alarm: false, fault: true, faultSince: T0 + SETTLE } });
    io.repairFireCable();
    await vi.advanceTimersByTimeAsync(SETTLE);
    expect(types()).toEqual(['alarm.fire_input_fault', 'fire.input_restored']);
    expect(io.relay.isOn).toBe(false);
    door.stop();
  });

  it('a cable cut during a fire keeps the strike held (a fault never ends a fire)', async () => {
    const io = new SimDoorIo({ fireInput: true });
    const { door, types } = controller(io, 'release');
    door.start();
    io.fireAlarm();
    await vi.advanceTimersByTimeAsync(SETTLE);
    io.cutFireCable();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(types()).toEqual(['alarm.fire', 'alarm.fire_input_fault']);
    expect(io.relay.isOn).toBe(true);
    door.stop();
    expect(io.relay.isOn).toBe(false);
  });

  it('a restart during an alarm: relay off at start, then held unlocked once the lines are believed (release only)', async () => {
    for (const onAlarm of ['release', 'stay-locked'] as const) {
      const io = new SimDoorIo({ fireInput: true, fire: 'fire', relayOn: true });
      const { door, events } = controller(io, onAlarm);
      door.start();
      expect(io.relay.isOn).toBe(false);
      await vi.advanceTimersByTimeAsync(SETTLE);
      expect(events.map((e) => e.type)).toEqual(['alarm.fire']);
      expect(io.relay.isOn).toBe(onAlarm === 'release');
      door.stop();
      expect(io.relay.isOn).toBe(false);
    }
  });

  it('a restart with the cable cut reads a fault, not a fire', async () => {
    const io = new SimDoorIo({ fireInput: true, fire: 'cut' });
    const { door, types } = controller(io, 'release');
    door.start();
    await vi.advanceTimersByTimeAsync(SETTLE);
    expect(types()).toEqual(['alarm.fire_input_fault']);
    expect(io.relay.isOn).toBe(false);
    door.stop();
  });

  it('a door without a fire input has no fire status', () => {
    const { door } = controller(new SimDoorIo(), 'release');
    door.start();
    expect(door.status().fire).toBeUndefined();
    door.stop();
  });
});

describe('config', () => {
  it('fire.onAlarm defaults to release; gpio.fireAlarm is optional with a supervision line on its own pin', () => {
    const base = { site: 's', door: { id: 'd' } };
    const c = configSchema.parse(base);
    expect(c.fire).toEqual({ onAlarm: 'release', settleMs: 500 });
    expect(c.gpio.fireAlarm).toBeUndefined();
    const wired = configSchema.parse({ ...base, gpio: { fireAlarm: { pin: 5, supervision: { pin: 6 } } } });
    expect(wired.gpio.fireAlarm).toEqual({ pin: 5, activeLow: false, debounceMs: 100, supervision: { pin: 6, activeLow: true, debounceMs: 100 } });
    expect(() => configSchema.parse({ ...base, gpio: { fireAlarm: { pin: 5 } } })).toThrow(/supervision/);
    expect(() => configSchema.parse({ ...base, gpio: { fireAlarm: { pin: 5, supervision: { pin: 27 } } } })).toThrow(/fireAlarm\.supervision must use different pins/);
    expect(() => configSchema.parse({ ...base, fire: { onAlarm: 'open' } })).toThrow();
  });
});
