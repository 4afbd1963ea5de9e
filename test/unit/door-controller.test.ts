import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { pino } from 'pino';
import { SimDoorIo } from '../../src/adapters/sim/sim-door-io.js';
import { DoorController, type DoorControllerOptions } from '../../src/app/door-controller.js';

const T0 = Date.UTC(2026, 10, 23, 8, 0, 0);
const timing = { strikeSeconds: 5, heldOpenSeconds: 30 };

interface Ev {
  type: string;
  data: Record<string, unknown>;
  at: number;
}

function setup(io = new SimDoorIo(), opts: Partial<DoorControllerOptions> = {}) {
  const events: Ev[] = [];
  const logs: Array<{ level: number; msg: string }> = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
  const door = new DoorController({ io, timing, log, onEvent: (type, data, at) => events.push({ type, data, at }), ...opts });
  return { io, door, events, logs, types: () => events.map((e) => e.type) };
}
const ERROR = 50;

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('DoorController', () => {
  it('drives the relay off at start even if it was left on, before watching inputs', () => {
    const io = new SimDoorIo({ relayOn: true });
    const offAtWatch: boolean[] = [];
    const watch = io.doorSwitch.watch.bind(io.doorSwitch);
    io.doorSwitch.watch = (cb) => {
      offAtWatch.push(!io.relay.isOn);
      return watch(cb);
    };
    const { door } = setup(io);
    expect(io.relay.isOn).toBe(true);
    door.start();
    expect(io.relay.isOn).toBe(false);
    expect(io.relay.history).toEqual([{ on: false, at: T0 }]);
    expect(offAtWatch).toEqual([true]);
    expect(door.status()).toEqual({ locked: true, open: false, openSince: null, unlockedUntil: null, relayError: null });
  });

  it('reads the initial door state', () => {
    const { door } = setup(new SimDoorIo({ doorOpen: true }));
    door.start();
    expect(door.status()).toMatchObject({ open: true, openSince: T0 });
  });

  it('a grant pulses the relay for exactly strikeSeconds, then reports access.unused', () => {
    const { io, door, events } = setup();
    door.start();
    const ref = { reader: 'in', badge: 'TAMU-01', visit: 'V-1' };
    door.grant(ref);
    expect(io.relay.isOn).toBe(true);
    expect(door.status()).toMatchObject({ locked: false, unlockedUntil: T0 + 5000 });
    vi.advanceTimersByTime(4999);
    expect(io.relay.isOn).toBe(true);
    vi.advanceTimersByTime(1);
    expect(io.relay.isOn).toBe(false);
    expect(io.relay.history).toEqual([{ on: true, at: T0 }, { on: false, at: T0 + 5000 }]);
    expect(events).toEqual([{ type: 'access.unused', data: { ref }, at: T0 + 5000 }]);
    expect(door.status()).toMatchObject({ locked: true, unlockedUntil: null });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a second grant extends the pulse', () => {
    const { io, door } = setup();
    door.start();
    door.grant({ n: 1 });
    vi.advanceTimersByTime(3000);
    door.grant({ n: 2 });
    vi.advanceTimersByTime(4999);
    expect(io.relay.isOn).toBe(true);
    vi.advanceTimersByTime(1);
    expect(io.relay.isOn).toBe(false);
    expect(io.relay.history).toEqual([{ on: true, at: T0 }, { on: false, at: T0 + 8000 }]);
  });

  it('grant then door open/close: door.opened via grant, door.closed with openSeconds', () => {
    const { io, door, events } = setup();
    door.start();
    const ref = { badge: 'B' };
    door.grant(ref);
    vi.advanceTimersByTime(1000);
    io.openDoor();
    expect(door.status()).toMatchObject({ open: true, openSince: T0 + 1000 });
    vi.advanceTimersByTime(2500);
    io.closeDoor();
    vi.advanceTimersByTime(10_000);
    expect(events).toEqual([
      { type: 'door.opened', data: { via: 'grant', refs: [ref] }, at: T0 + 1000 },
      { type: 'door.closed', data: { openSeconds: 2.5, via: 'grant' }, at: T0 + 3500 },
    ]);
  });

  it('the exit button unlocks for strikeSeconds and authorises the opening', () => {
    const { io, door, types } = setup();
    door.start();
    io.pressExit();
    expect(io.relay.isOn).toBe(true);
    io.openDoor();
    vi.advanceTimersByTime(5000);
    expect(io.relay.isOn).toBe(false);
    expect(types()).toEqual(['door.rex', 'door.opened']);
  });

  it('an unauthorised opening is door.forced; a long one raises door.held once', () => {
    const { io, door, events, types } = setup();
    door.start();
    io.openDoor();
    vi.advanceTimersByTime(60_000);
    io.closeDoor();
    expect(types()).toEqual(['door.forced', 'door.held', 'door.closed', 'door.held_cleared']);
    expect(events[1]).toEqual({ type: 'door.held', data: { openSeconds: 30 }, at: T0 + 30_000 });
    expect(io.relay.history).toEqual([]);
  });

  it('stop() drives the relay off mid-pulse, unwatches and cancels timers; idempotent', () => {
    const { io, door, events } = setup();
    door.start();
    door.grant({});
    expect(io.relay.isOn).toBe(true);
    door.stop();
    expect(io.relay.isOn).toBe(false);
    expect(door.status().locked).toBe(true);
    expect(io.doorSwitch.watcherCount).toBe(0);
    expect(io.exitButton.watcherCount).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    io.openDoor();
    io.pressExit();
    vi.advanceTimersByTime(60_000);
    expect(events).toEqual([]);
    expect(io.relay.isOn).toBe(false);
    door.stop();
    expect(() => door.grant({})).toThrow(/not running/);
  });

  it('stop() before start still drives the relay off', () => {
    const { io, door } = setup(new SimDoorIo({ relayOn: true }));
    door.stop();
    expect(io.relay.isOn).toBe(false);
  });

  it('grant() before start() is refused', () => {
    const { io, door } = setup();
    expect(() => door.grant({})).toThrow(/not running/);
    expect(io.relay.isOn).toBe(false);
  });

  it('the guard turns the relay off at strike end even when the clock is stuck', () => {
    let clock = T0;
    const { io, door } = setup(new SimDoorIo({ now: () => clock }), { now: () => clock });
    door.start();
    door.grant({});
    vi.advanceTimersByTime(5000); // the injected clock still says T0 (e.g. wall clock stepped back)
    expect(io.relay.isOn).toBe(false);
    expect(door.status()).toMatchObject({ locked: true, unlockedUntil: null });
    clock = T0 + 100;
    door.grant({});
    expect(io.relay.isOn).toBe(true);
  });

  it('an event handler that throws cannot keep the strike unlocked', () => {
    const io = new SimDoorIo();
    const { door, logs } = setup(io, {
      onEvent: () => {
        throw new Error('store is down');
      },
    });
    door.start();
    door.grant({});
    io.openDoor();
    vi.advanceTimersByTime(5000);
    expect(io.relay.isOn).toBe(false);
    expect(logs.some((l) => l.level === ERROR && l.msg === 'door event handler threw')).toBe(true);
  });

  it('if the relay refuses to go off, logs at error level and keeps retrying until it does', () => {
    const { io, door, logs } = setup(undefined, { relayRetryMs: 1000 });
    door.start();
    door.grant({});
    io.relay.failWith = new Error('EIO: write failed');
    vi.advanceTimersByTime(5000);
    expect(io.relay.isOn).toBe(true);
    expect(door.status()).toMatchObject({ locked: false, relayError: 'EIO: write failed' });
    const errors = () => logs.filter((l) => l.level === ERROR).length;
    expect(errors()).toBeGreaterThanOrEqual(1);
    const before = errors();
    vi.advanceTimersByTime(3000);
    expect(errors()).toBeGreaterThan(before); // still trying
    io.relay.failWith = null;
    vi.advanceTimersByTime(1000);
    expect(io.relay.isOn).toBe(false);
    expect(door.status()).toMatchObject({ locked: true, relayError: null });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('if the relay cannot be switched on, the door stays locked and the error is logged', () => {
    const { io, door, logs } = setup();
    door.start();
    io.relay.failWith = new Error('EIO');
    door.grant({ badge: 'A' });
    io.relay.failWith = null;
    expect(io.relay.isOn).toBe(false);
    expect(door.status().locked).toBe(true);
    expect(logs.some((l) => l.level === ERROR)).toBe(true);
  });

  it('relayOff() is an immediate emergency stop of a running pulse', () => {
    const { io, door } = setup();
    door.start();
    door.grant({});
    vi.advanceTimersByTime(1000);
    door.relayOff();
    expect(io.relay.isOn).toBe(false);
    expect(door.status()).toMatchObject({ locked: true, unlockedUntil: null });
    vi.advanceTimersByTime(10_000);
    expect(io.relay.history).toEqual([{ on: true, at: T0 }, { on: false, at: T0 + 1000 }]);
  });

  it('start() twice, or after stop(), is refused', () => {
    const { door } = setup();
    door.start();
    expect(() => door.start()).toThrow(/already started/);
    const other = setup().door;
    other.stop();
    expect(() => other.start()).toThrow(/stopped/);
  });
});
