import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  initialDoorState,
  nextDeadline,
  stepDoor,
  type DoorEvent,
  type DoorInput,
  type DoorOutput,
  type DoorState,
  type DoorTiming,
} from '../../src/domain/door.js';

const T: DoorTiming = { strikeSeconds: 5, heldOpenSeconds: 30 };

/** Run inputs from a start state; returns final state and all outputs. */
function run(inputs: DoorInput[], timing: DoorTiming = T, start: DoorState = initialDoorState(0, false)) {
  let state = start;
  const outputs: DoorOutput[] = [];
  for (const input of inputs) {
    const r = stepDoor(state, input, timing);
    state = r.state;
    outputs.push(...r.outputs);
  }
  return { state, outputs, events: events(outputs), relay: relays(outputs) };
}
const events = (o: DoorOutput[]): DoorEvent[] => o.flatMap((x) => (x.kind === 'event' ? [x.event] : []));
const relays = (o: DoorOutput[]) => o.flatMap((x) => (x.kind === 'relay' ? [{ on: x.on, at: x.at }] : []));
const types = (e: DoorEvent[]) => e.map((x) => x.type);

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

describe('door machine: examples', () => {
  it('a grant unlocks for strikeSeconds and reports access.unused when nobody opens', () => {
    const ref = { reader: 'in', badge: 'TAMU-01' };
    const r = run([{ type: 'grant', ref, now: 1000 }]);
    expect(r.relay).toEqual([{ on: true, at: 1000 }]);
    expect(r.state.unlockedUntil).toBe(6000);
    expect(nextDeadline(r.state, T)).toBe(6000);
    const r2 = run([{ type: 'tick', now: 6000 }], T, r.state);
    expect(r2.relay).toEqual([{ on: false, at: 6000 }]);
    expect(r2.events).toEqual([{ type: 'access.unused', data: { ref }, at: 6000 }]);
    expect(r2.state.relayOn).toBe(false);
    expect(nextDeadline(r2.state, T)).toBeNull();
  });

  it('a tick before the deadline changes nothing', () => {
    const r = run([{ type: 'grant', ref: {}, now: 0 }, { type: 'tick', now: 4999 }]);
    expect(r.relay).toEqual([{ on: true, at: 0 }]);
    expect(r.events).toEqual([]);
  });

  it('an opening during a grant is door.opened via grant with the refs, and no access.unused', () => {
    const a = { badge: 'A' };
    const b = { badge: 'B' };
    const r = run([
      { type: 'grant', ref: a, now: 0 },
      { type: 'grant', ref: b, now: 1000 },
      { type: 'door', open: true, now: 2000 },
      { type: 'door', open: false, now: 4500 },
      { type: 'tick', now: 6000 },
    ]);
    expect(r.events).toEqual([
      { type: 'door.opened', data: { via: 'grant', refs: [a, b] }, at: 2000 },
      { type: 'door.closed', data: { openSeconds: 2.5, via: 'grant' }, at: 4500 },
    ]);
    expect(r.relay).toEqual([{ on: true, at: 0 }, { on: false, at: 6000 }]);
  });

  it('a second grant extends the strike from its own time', () => {
    const r = run([{ type: 'grant', ref: {}, now: 0 }, { type: 'grant', ref: {}, now: 3000 }, { type: 'tick', now: 5000 }]);
    expect(r.relay).toEqual([{ on: true, at: 0 }]);
    expect(r.state.unlockedUntil).toBe(8000);
  });

  it('an opening with no grant or REX is door.forced', () => {
    const r = run([{ type: 'door', open: true, now: 100 }, { type: 'door', open: false, now: 1100 }]);
    expect(r.events).toEqual([
      { type: 'door.forced', data: {}, at: 100 },
      { type: 'door.closed', data: { openSeconds: 1, via: 'forced' }, at: 1100 },
    ]);
    expect(r.relay).toEqual([]);
  });

  it('an opening after the strike ended is forced, even without an intervening tick', () => {
    const ref = { badge: 'X' };
    const r = run([{ type: 'grant', ref, now: 0 }, { type: 'door', open: true, now: 10_000 }]);
    expect(r.relay).toEqual([{ on: true, at: 0 }, { on: false, at: 5000 }]);
    expect(r.events).toEqual([
      { type: 'access.unused', data: { ref }, at: 5000 },
      { type: 'door.forced', data: {}, at: 10_000 },
    ]);
  });

  it('the exit button emits door.rex, unlocks, and authorises the opening', () => {
    const r = run([{ type: 'rex', now: 0 }, { type: 'door', open: true, now: 1500 }, { type: 'tick', now: 5000 }]);
    expect(types(r.events)).toEqual(['door.rex', 'door.opened']);
    expect(r.events[1]!.data).toEqual({ via: 'rex', refs: [] });
    expect(r.relay).toEqual([{ on: true, at: 0 }, { on: false, at: 5000 }]);
  });

  it('door.held fires once past heldOpenSeconds and is cleared on close', () => {
    const r = run([
      { type: 'grant', ref: {}, now: 0 },
      { type: 'door', open: true, now: 1000 },
      { type: 'tick', now: 5000 },
    ]);
    expect(nextDeadline(r.state, T)).toBe(31_000);
    const r2 = run(
      [
        { type: 'tick', now: 30_999 },
        { type: 'tick', now: 31_000 },
        { type: 'tick', now: 40_000 },
        { type: 'door', open: false, now: 41_000 },
      ],
      T,
      r.state,
    );
    expect(r2.events).toEqual([
      { type: 'door.held', data: { openSeconds: 30 }, at: 31_000 },
      { type: 'door.closed', data: { openSeconds: 40, via: 'grant' }, at: 41_000 },
      { type: 'door.held_cleared', data: { openSeconds: 40 }, at: 41_000 },
    ]);
    expect(nextDeadline(r2.state, T)).toBeNull();
  });

  it('a door open at start is not an event but can be held', () => {
    const r = run([{ type: 'tick', now: 30_000 }, { type: 'door', open: false, now: 31_000 }], T, initialDoorState(0, true));
    expect(types(r.events)).toEqual(['door.held', 'door.closed', 'door.held_cleared']);
    expect(r.events[1]!.data).toEqual({ openSeconds: 31, via: 'unknown' });
  });

  it('a grant while the door is already open counts as used', () => {
    const r = run([
      { type: 'rex', now: 0 },
      { type: 'door', open: true, now: 100 },
      { type: 'grant', ref: { badge: 'A' }, now: 200 },
      { type: 'tick', now: 60_000 },
    ]);
    expect(types(r.events)).not.toContain('access.unused');
  });

  it('repeated door levels are ignored', () => {
    const r = run([
      { type: 'door', open: false, now: 0 },
      { type: 'rex', now: 1 },
      { type: 'door', open: true, now: 2 },
      { type: 'door', open: true, now: 3 },
    ]);
    expect(types(r.events)).toEqual(['door.rex', 'door.opened']);
  });

  it('graceMs lets an opening just after strike end count, but the relay still goes off on time', () => {
    const timing = { ...T, graceMs: 200 };
    const ref = { badge: 'A' };
    const inputs: DoorInput[] = [{ type: 'grant', ref, now: 0 }, { type: 'tick', now: 5000 }, { type: 'door', open: true, now: 5150 }];
    const withGrace = run(inputs, timing);
    expect(withGrace.relay).toEqual([{ on: true, at: 0 }, { on: false, at: 5000 }]);
    expect(withGrace.events).toEqual([{ type: 'door.opened', data: { via: 'grant', refs: [ref] }, at: 5150 }]);
    expect(types(run(inputs, T).events)).toEqual(['access.unused', 'door.forced']);
    const unused = run([{ type: 'grant', ref, now: 0 }, { type: 'tick', now: 5000 }], timing);
    expect(nextDeadline(unused.state, timing)).toBe(5200);
    expect(types(run([{ type: 'tick', now: 5200 }], timing, unused.state).events)).toEqual(['access.unused']);
  });

  it('is pure: the input state is never modified', () => {
    const s0 = deepFreeze(run([{ type: 'grant', ref: { a: 1 }, now: 0 }]).state);
    const snapshot = JSON.stringify(s0);
    stepDoor(s0, { type: 'door', open: true, now: 10 }, T);
    stepDoor(s0, { type: 'tick', now: 99_999 }, T);
    expect(JSON.stringify(s0)).toBe(snapshot);
  });
});

// ---- properties ----------------------------------------------------------------------------------

type Op = { kind: 'grant' | 'rex' | 'open' | 'close' | 'tick' | 'deadline'; dt: number };
const opArb: fc.Arbitrary<Op> = fc.record({
  kind: fc.constantFrom('grant', 'rex', 'open', 'close', 'tick', 'deadline') as fc.Arbitrary<Op['kind']>,
  dt: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 12_000 }), fc.integer({ min: 0, max: 300 })),
});
const timingArb: fc.Arbitrary<DoorTiming> = fc.record({
  strikeSeconds: fc.integer({ min: 1, max: 6 }),
  heldOpenSeconds: fc.integer({ min: 1, max: 20 }),
  graceMs: fc.constantFrom(0, 0, 150),
});

interface Trace {
  timing: DoorTiming;
  steps: Array<{ input: DoorInput; before: DoorState; after: DoorState; outputs: DoorOutput[] }>;
}

/** Turn random ops into inputs with non-decreasing times, finishing with a far-future tick. */
function simulate(timing: DoorTiming, startOpen: boolean, ops: Op[]): Trace {
  let state = initialDoorState(0, startOpen);
  let now = 0;
  let n = 0;
  const steps: Trace['steps'] = [];
  const feed = (input: DoorInput) => {
    const r = stepDoor(state, input, timing);
    steps.push({ input, before: state, after: r.state, outputs: r.outputs });
    state = r.state;
  };
  for (const op of ops) {
    if (op.kind === 'deadline') {
      const d = nextDeadline(state, timing);
      if (d !== null && d >= now) now = d;
      feed({ type: 'tick', now });
      continue;
    }
    now += op.dt;
    if (op.kind === 'grant') feed({ type: 'grant', ref: { n: n++ }, now });
    else if (op.kind === 'rex') feed({ type: 'rex', now });
    else if (op.kind === 'tick') feed({ type: 'tick', now });
    else feed({ type: 'door', open: op.kind === 'open', now });
  }
  feed({ type: 'tick', now: now + 10 * 60_000 });
  return { timing, steps };
}

const traceArb = fc
  .tuple(timingArb, fc.boolean(), fc.array(opArb, { maxLength: 60 }))
  .map(([timing, open, ops]) => simulate(timing, open, ops));

describe('door machine: properties', () => {
  it('the relay is never on later than strikeSeconds after the last grant/rex', () => {
    fc.assert(
      fc.property(traceArb, ({ timing, steps }) => {
        const strikeMs = timing.strikeSeconds * 1000;
        let lastUnlock: number | null = null;
        let on = false;
        for (const { input, after, outputs } of steps) {
          for (const o of outputs) {
            if (o.kind !== 'relay') continue;
            expect(o.on).toBe(!on); // commands alternate
            on = o.on;
            if (o.on) expect(['grant', 'rex']).toContain(input.type);
            else expect(o.at).toBe((lastUnlock ?? -Infinity) + strikeMs);
          }
          if (input.type === 'grant' || input.type === 'rex') lastUnlock = input.now;
          expect(after.relayOn).toBe(on);
          if (after.relayOn) {
            expect(after.now).toBeLessThan(lastUnlock! + strikeMs);
            expect(after.unlockedUntil).toBe(lastUnlock! + strikeMs);
            expect(nextDeadline(after, timing)).toBeLessThanOrEqual(lastUnlock! + strikeMs);
          }
        }
        expect(on).toBe(false);
      }),
      { numRuns: 400 },
    );
  });

  it('an opening is via grant/rex exactly when such a window is active, otherwise door.forced', () => {
    fc.assert(
      fc.property(traceArb, ({ timing, steps }) => {
        const windowMs = timing.strikeSeconds * 1000 + (timing.graceMs ?? 0);
        const grants: number[] = [];
        const rexes: number[] = [];
        for (const { input, before, outputs } of steps) {
          if (input.type === 'grant') grants.push(input.now);
          if (input.type === 'rex') rexes.push(input.now);
          const opening = input.type === 'door' && input.open && !before.open;
          const evs = events(outputs).filter((e) => e.type === 'door.opened' || e.type === 'door.forced');
          if (!opening) {
            expect(evs).toEqual([]);
            continue;
          }
          const covers = (ts: number[]) => ts.some((t) => t <= input.now && input.now < t + windowMs);
          expect(evs).toHaveLength(1);
          const ev = evs[0]!;
          if (covers(grants)) expect(ev).toMatchObject({ type: 'door.opened', data: { via: 'grant' } });
          else if (covers(rexes)) expect(ev).toMatchObject({ type: 'door.opened', data: { via: 'rex' } });
          else expect(ev).toEqual({ type: 'door.forced', data: {}, at: input.now });
        }
      }),
      { numRuns: 400 },
    );
  });

  it('door.held: at most once per opening, only past heldOpenSeconds, and never missed', () => {
    fc.assert(
      fc.property(traceArb, ({ timing, steps }) => {
        const heldMs = timing.heldOpenSeconds * 1000;
        let openSince: number | null = steps[0]?.before.open ? 0 : null;
        let heldCount = 0;
        for (const { input, after, outputs } of steps) {
          for (const e of events(outputs)) {
            if (e.type === 'door.held') {
              expect(openSince).not.toBeNull();
              expect(e.at).toBe(openSince! + heldMs);
              expect(e.at).toBeLessThanOrEqual(input.now);
              heldCount++;
              expect(heldCount).toBe(1);
            }
            if (e.type === 'door.closed') {
              expect(openSince).not.toBeNull();
              openSince = null;
              heldCount = 0;
            }
            if (e.type === 'door.opened' || e.type === 'door.forced') {
              openSince = e.at;
              heldCount = 0;
            }
          }
          // Completeness: an opening that has lasted past the limit has raised door.held.
          if (openSince !== null && input.now >= openSince + heldMs) expect(heldCount).toBe(1);
          expect(after.open).toBe(openSince !== null);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('access.unused exactly when a grant window ends without the door being open in it', () => {
    fc.assert(
      fc.property(traceArb, ({ timing, steps }) => {
        const windowMs = timing.strikeSeconds * 1000 + (timing.graceMs ?? 0);
        // Model: each grant's window [t, t + window); used if the door is open at any moment in it.
        const grants: Array<{ n: number; t: number; used: boolean }> = [];
        const unused = new Map<number, number>();
        for (const { input, before, after, outputs } of steps) {
          for (const e of events(outputs)) {
            if (e.type !== 'access.unused') continue;
            const n = (e.data.ref as { n: number }).n;
            expect(unused.has(n)).toBe(false);
            unused.set(n, e.at);
          }
          // Mark before adding: the door state at this input's time covers the open windows.
          if (input.type === 'grant') grants.push({ n: (input.ref as { n: number }).n, t: input.now, used: before.open });
          for (const g of grants) if (after.open && input.now < g.t + windowMs) g.used = true;
        }
        for (const g of grants) {
          if (g.used) expect(unused.has(g.n)).toBe(false);
          else expect(unused.get(g.n)).toBe(g.t + windowMs);
        }
        expect(unused.size).toBe(grants.filter((g) => !g.used).length);
      }),
      { numRuns: 400 },
    );
  });
});

describe('door machine: relock on close', () => {
  const relockArb = fc
    .tuple(timingArb, fc.boolean(), fc.array(opArb, { maxLength: 60 }))
    .map(([timing, open, ops]) => simulate({ ...timing, relockOnClose: true }, open, ops));

  it('example: the person passes, the door closes, the strike locks at once; opening again is forced', () => {
    const r = run([
      { type: 'grant', ref: { n: 1 }, now: 0 },
      { type: 'door', open: true, now: 800 },
      { type: 'door', open: false, now: 2000 },
      { type: 'door', open: true, now: 2500 },
    ], { ...T, relockOnClose: true });
    expect(r.relay).toEqual([{ on: true, at: 0 }, { on: false, at: 2000 }]);
    expect(types(r.events)).toEqual(['door.opened', 'door.closed', 'door.forced']);
    expect(r.state.relayOn).toBe(false);
  });

  it('a grant given while the door stood open is not cut short when the door closes: its holder can still open and pass', () => {
    // A lets the door stand open; B taps and is granted (counted as used at once: B is marked inside, no access.unused
    // follows); A lets the door close before B went through. B must still be able to open within B's strike.
    const r = run([
      { type: 'grant', ref: { n: 1 }, now: 0 },
      { type: 'door', open: true, now: 800 },
      { type: 'grant', ref: { n: 2 }, now: 1500 },
      { type: 'door', open: false, now: 2000 },
      { type: 'door', open: true, now: 3000 },
      { type: 'door', open: false, now: 4000 },
    ], { ...T, relockOnClose: true });
    expect(types(r.events)).toEqual(['door.opened', 'door.closed', 'door.opened', 'door.closed']);
    expect(r.relay[0]).toEqual({ on: true, at: 0 });
    expect(r.relay.find((x) => !x.on)?.at).toBeGreaterThanOrEqual(4000);
  });

  it('without it, the strike stays on until its end after the door closed', () => {
    const r = run([
      { type: 'grant', ref: { n: 1 }, now: 0 },
      { type: 'door', open: true, now: 800 },
      { type: 'door', open: false, now: 2000 },
      { type: 'tick', now: 6000 },
    ]);
    expect(r.relay).toEqual([{ on: true, at: 0 }, { on: false, at: 5000 }]);
  });

  it('property: an authorised opening that closes leaves the relay off, the relay is never on past its strike, and only a new grant or exit-button press authorises the next opening', () => {
    fc.assert(
      fc.property(relockArb, ({ timing, steps }) => {
        const strikeMs = timing.strikeSeconds * 1000;
        const windowMs = strikeMs + (timing.graceMs ?? 0);
        let lastUnlock: number | null = null;
        let on = false;
        let windowsSince: number[] = [];
        let grantedWhileOpen = false;
        for (const { input, before, after, outputs } of steps) {
          for (const o of outputs) {
            if (o.kind !== 'relay') continue;
            expect(o.on).toBe(!on);
            on = o.on;
            if (o.on) expect(['grant', 'rex']).toContain(input.type);
            else expect(o.at).toBeLessThanOrEqual((lastUnlock ?? -Infinity) + strikeMs);
          }
          if (input.type === 'grant' || input.type === 'rex') { lastUnlock = input.now; windowsSince.push(input.now); }
          if (input.type === 'grant' && before.open) grantedWhileOpen = true;
          if (input.type === 'door' && input.open && !before.open) grantedWhileOpen = false;
          expect(after.relayOn).toBe(on);
          const closing = input.type === 'door' && !input.open && before.open;
          // A grant given during the opening keeps its strike (its holder may not have passed yet).
          if (closing && !grantedWhileOpen && (before.openedVia === 'grant' || before.openedVia === 'rex')) {
            expect(after.relayOn).toBe(false);
            windowsSince = [];
          }
          const opening = input.type === 'door' && input.open && !before.open;
          if (opening) {
            const ev = events(outputs).find((e) => e.type === 'door.opened' || e.type === 'door.forced');
            const covered = windowsSince.some((t) => t <= input.now && input.now < t + windowMs);
            expect(ev?.type).toBe(covered ? 'door.opened' : 'door.forced');
          }
        }
        expect(on).toBe(false);
      }),
      { numRuns: 400 },
    );
  });
});
