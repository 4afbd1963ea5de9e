/**
 * The door's status LED and buzzer as pure patterns (domain/door-signals.ts): priorities, amber until the escort window
 * ends or the visit is decided, distinct patterns, and pattern timing — by example and as properties.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  DOOR_SIGNALS, SIGNAL_OUTPUTS, WAIT_GRACE_MS, SIGNAL_PATTERNS, initialSignalState, levelAt, nextSignalChange, nextToggle, signalInputOf, signalOf, stepSignals,
  type Pattern, type SignalInput, type SignalState, type SignalTiming,
} from '../../src/domain/door-signals.js';

const TIMING: SignalTiming = { grantedMs: 3000, refusedMs: 2000 };

/** Apply inputs in order. */
function run(inputs: SignalInput[], timing = TIMING): SignalState {
  return inputs.reduce((s, i) => stepSignals(s, i, timing), initialSignalState());
}

describe('door signals: examples', () => {
  it('idle at start: every output off', () => {
    expect(signalOf(initialSignalState(), 0)).toBe('idle');
    for (const o of SIGNAL_OUTPUTS) expect(SIGNAL_PATTERNS.idle[o]).toEqual({ kind: 'off' });
  });

  it('granted: green steady and one beep for grantedMs, then idle', () => {
    const s = run([{ type: 'granted', now: 1000 }]);
    expect(signalOf(s, 1000)).toBe('granted');
    expect(signalOf(s, 3999)).toBe('granted');
    expect(signalOf(s, 4000)).toBe('idle');
    expect(nextSignalChange(s, 1000)).toBe(4000);
    expect(SIGNAL_PATTERNS.granted.green).toEqual({ kind: 'steady' });
    expect(SIGNAL_PATTERNS.granted.buzzer).toMatchObject({ kind: 'pulses', count: 1 });
  });

  it('refused: red steady and three short beeps for refusedMs', () => {
    const s = run([{ type: 'refused', now: 0 }]);
    expect(signalOf(s, 1999)).toBe('refused');
    expect(signalOf(s, 2000)).toBe('idle');
    expect(SIGNAL_PATTERNS.refused.red).toEqual({ kind: 'steady' });
    expect(SIGNAL_PATTERNS.refused.buzzer).toMatchObject({ kind: 'pulses', count: 3 });
  });

  it('awaiting escort: amber until the window ends (and the short grace for its refusal); the escort\'s arrival ends it at once', () => {
    const waiting = run([{ type: 'awaiting-escort', visit: 'V1', windowMs: 30_000, now: 0 }]);
    expect(signalOf(waiting, 29_999 + WAIT_GRACE_MS)).toBe('awaiting-escort');
    expect(signalOf(waiting, 30_000 + WAIT_GRACE_MS)).toBe('idle');
    expect(WAIT_GRACE_MS).toBeLessThanOrEqual(1000);
    expect(SIGNAL_PATTERNS['awaiting-escort'].amber.kind).toBe('blink');
    const escorted = stepSignals(waiting, { type: 'granted', visit: 'V1', now: 5000 }, TIMING);
    expect(signalOf(escorted, 5000)).toBe('granted');
    expect(signalOf(escorted, 8000)).toBe('idle'); // not amber again: the wait is over
    // An unrelated refusal flashes red over the amber, then amber again until the window ends.
    const other = stepSignals(waiting, { type: 'refused', now: 1000 }, TIMING);
    expect(signalOf(other, 1500)).toBe('refused');
    expect(signalOf(other, 3000)).toBe('awaiting-escort');
    // The visit refused (no escort came in the window): red, amber over.
    const missing = stepSignals(waiting, { type: 'refused', visit: 'V1', now: 30_010 }, TIMING);
    expect(signalOf(missing, 30_010)).toBe('refused');
    expect(signalOf(missing, 32_010)).toBe('idle');
  });

  it('held and forced last until the door closes; fire until it clears; fire > forced > held > taps', () => {
    let s = run([{ type: 'door-held', now: 0 }]);
    expect(signalOf(s, 10 ** 9)).toBe('held');
    s = stepSignals(s, { type: 'granted', now: 1 }, TIMING);
    expect(signalOf(s, 1)).toBe('held');
    s = stepSignals(s, { type: 'door-forced', now: 2 }, TIMING);
    expect(signalOf(s, 2)).toBe('forced');
    s = stepSignals(s, { type: 'fire', on: true, now: 3 }, TIMING);
    expect(signalOf(s, 3)).toBe('fire');
    s = stepSignals(s, { type: 'fire', on: false, now: 4 }, TIMING);
    expect(signalOf(s, 4)).toBe('forced');
    s = stepSignals(s, { type: 'door-closed', now: 5 }, TIMING);
    expect(signalOf(s, 5)).toBe('granted'); // the grant's flash still runs its time
    expect(signalOf(s, 3001)).toBe('idle');
    expect(signalOf(run([{ type: 'door-held', now: 0 }, { type: 'held-cleared', now: 1 }]), 1)).toBe('idle');
  });

  it('stored events map to inputs; a wait concluded after a restart shows nothing', () => {
    expect(signalInputOf('access.granted', { visit: 'V1' }, 5)).toEqual({ type: 'granted', visit: 'V1', now: 5 });
    expect(signalInputOf('access.denied', { reason: 'unknown-card' }, 5)).toEqual({ type: 'refused', now: 5 });
    expect(signalInputOf('access.denied', { visit: 'V1', afterRestart: true }, 5)).toBeNull();
    expect(signalInputOf('access.awaiting_escort', { visit: 'V1', windowSeconds: 30 }, 5)).toEqual({ type: 'awaiting-escort', visit: 'V1', windowMs: 30_000, now: 5 });
    expect(signalInputOf('door.forced', {}, 5)).toEqual({ type: 'door-forced', now: 5 });
    expect(signalInputOf('door.held', { openSeconds: 30 }, 5)).toEqual({ type: 'door-held', now: 5 });
    expect(signalInputOf('door.held_cleared', { openSeconds: 40 }, 5)).toEqual({ type: 'held-cleared', now: 5 });
    expect(signalInputOf('door.closed', { openSeconds: 4, via: 'grant' }, 5)).toEqual({ type: 'door-closed', now: 5 });
    expect(signalInputOf('alarm.fire', { policy: 'release', released: true }, 5)).toEqual({ type: 'fire', on: true, now: 5 });
    expect(signalInputOf('fire.cleared', { policy: 'release', alarmSeconds: 9 }, 5)).toEqual({ type: 'fire', on: false, now: 5 });
    expect(signalInputOf('visit.requested', {}, 5)).toBeNull();
  });

  it('pulses: 3 × 100 ms on / 100 ms off, then off for good', () => {
    const p: Pattern = { kind: 'pulses', count: 3, onMs: 100, offMs: 100 };
    expect([0, 99, 100, 199, 200, 450, 500, 10_000].map((t) => levelAt(p, t))).toEqual([true, true, false, false, true, true, false, false]);
    expect([0, 100, 200, 300, 400, 500].map((t) => nextToggle(p, t))).toEqual([100, 200, 300, 400, 500, null]);
  });
});

// ---- properties ----

const timingArb: fc.Arbitrary<SignalTiming> = fc.record({ grantedMs: fc.integer({ min: 500, max: 10_000 }), refusedMs: fc.integer({ min: 500, max: 5000 }) });
type Op = { kind: SignalInput['type']; dt: number; visit: number; windowMs: number; on: boolean };
const opArb: fc.Arbitrary<Op> = fc.record({
  kind: fc.constantFrom('granted', 'refused', 'awaiting-escort', 'door-forced', 'door-held', 'held-cleared', 'door-closed', 'fire', 'tick') as fc.Arbitrary<Op['kind']>,
  dt: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 40_000 }), fc.integer({ min: 0, max: 500 })),
  visit: fc.integer({ min: 0, max: 3 }),
  windowMs: fc.integer({ min: 1000, max: 60_000 }),
  on: fc.boolean(),
});

/** Turn ops into inputs with non-decreasing times; visit -1 style "no visit" when visit is 0 for taps. */
function inputsOf(ops: Op[]): SignalInput[] {
  let now = 0;
  return ops.map((o): SignalInput => {
    now += o.dt;
    const visit = `V${o.visit}`;
    switch (o.kind) {
      case 'granted':
      case 'refused':
        return o.visit === 0 ? { type: o.kind, now } : { type: o.kind, visit, now };
      case 'awaiting-escort':
        return { type: 'awaiting-escort', visit, windowMs: o.windowMs, now };
      case 'fire':
        return { type: 'fire', on: o.on, now };
      default:
        return { type: o.kind, now } as SignalInput;
    }
  });
}

/** A model of the same rules written out plainly: what should show at `at` after `inputs`. */
function model(inputs: SignalInput[], at: number, t: SignalTiming): string {
  let fire = false, forced = false, held = false;
  let flash: { s: string; until: number } | null = null;
  const waits = new Map<string, number>();
  for (const i of inputs) {
    if (i.type === 'fire') fire = i.on;
    if (i.type === 'door-forced') forced = true;
    if (i.type === 'door-held') held = true;
    if (i.type === 'held-cleared') held = false;
    if (i.type === 'door-closed') { forced = false; held = false; }
    if (i.type === 'granted' || i.type === 'refused') {
      flash = { s: i.type, until: i.now + (i.type === 'granted' ? t.grantedMs : t.refusedMs) };
      if (i.visit) waits.delete(i.visit);
    }
    if (i.type === 'awaiting-escort') waits.set(i.visit, i.now + i.windowMs + WAIT_GRACE_MS);
  }
  if (fire) return 'fire';
  if (forced) return 'forced';
  if (held) return 'held';
  if (flash && flash.until > at) return flash.s;
  if ([...waits.values()].some((u) => u > at)) return 'awaiting-escort';
  return 'idle';
}

describe('door signals: properties', () => {
  it('the signal shown is the highest-priority condition in force (fire > forced > held > latest flash > amber > idle)', () => {
    fc.assert(fc.property(fc.array(opArb, { maxLength: 30 }), timingArb, fc.integer({ min: 0, max: 70_000 }), (ops, t, later) => {
      const inputs = inputsOf(ops);
      const s = inputs.reduce((st, i) => stepSignals(st, i, t), initialSignalState());
      const last = inputs.at(-1)?.now ?? 0;
      for (const at of [last, last + later]) expect(signalOf(s, at)).toBe(model(inputs, at, t));
    }), { numRuns: 1500 });
  });

  it('amber never outlasts the last escort window, and never shows for a visit once it was granted or refused', () => {
    fc.assert(fc.property(fc.array(opArb, { maxLength: 30 }), timingArb, (ops, t) => {
      const inputs = inputsOf(ops);
      const s = inputs.reduce((st, i) => stepSignals(st, i, t), initialSignalState());
      const ends = inputs.flatMap((i) => (i.type === 'awaiting-escort' ? [i.now + i.windowMs + WAIT_GRACE_MS] : []));
      const after = Math.max(0, ...ends, ...inputs.map((i) => i.now + t.grantedMs + t.refusedMs));
      expect(signalOf(s, after)).not.toBe('awaiting-escort');
      for (const w of s.waits) {
        const lastIndex = (ok: (i: SignalInput) => boolean): number => inputs.reduce((at, i, n) => (ok(i) ? n : at), -1);
        const decided = lastIndex((i) => (i.type === 'granted' || i.type === 'refused') && i.visit === w.visit);
        const waited = lastIndex((i) => i.type === 'awaiting-escort' && i.visit === w.visit);
        expect(waited).toBeGreaterThan(decided);
      }
    }), { numRuns: 1000 });
  });

  it('the signal does not change by itself before nextSignalChange, and the state given is never changed', () => {
    fc.assert(fc.property(fc.array(opArb, { maxLength: 25 }), timingArb, fc.double({ min: 0, max: 1, noNaN: true }), (ops, t, frac) => {
      const inputs = inputsOf(ops);
      let s = initialSignalState();
      for (const i of inputs) {
        const frozen = JSON.stringify(s);
        s = stepSignals(Object.freeze(s), i, t);
        expect(JSON.stringify(JSON.parse(frozen))).toBe(frozen);
      }
      const now = inputs.at(-1)?.now ?? 0;
      const next = nextSignalChange(s, now);
      const shown = signalOf(s, now);
      const probe = next === null ? now + 100_000 * frac : now + Math.floor((next - now) * frac * 0.999);
      expect(signalOf(s, probe)).toBe(shown);
      if (next === null) expect(['idle', 'fire', 'forced', 'held']).toContain(shown);
    }), { numRuns: 1000 });
  });

  it('every signal looks or sounds different from every other', () => {
    const seen = new Set(DOOR_SIGNALS.map((s) => JSON.stringify(SIGNAL_OUTPUTS.map((o) => SIGNAL_PATTERNS[s][o]))));
    expect(seen.size).toBe(DOOR_SIGNALS.length);
    // Only the alarms and fire are red-blinking; only the visitor signals use green or amber alone.
    expect(SIGNAL_OUTPUTS.filter((o) => SIGNAL_PATTERNS.granted[o].kind !== 'off')).toEqual(['green', 'buzzer']);
    expect(SIGNAL_OUTPUTS.filter((o) => SIGNAL_PATTERNS['awaiting-escort'][o].kind !== 'off')).toEqual(['amber', 'buzzer']);
  });

  it('a flash\'s beeps end within its shortest time (500 ms)', () => {
    for (const s of ['granted', 'refused', 'awaiting-escort'] as const) {
      const b = SIGNAL_PATTERNS[s].buzzer;
      expect(b.kind).toBe('pulses');
      if (b.kind === 'pulses') expect(b.count * (b.onMs + b.offMs)).toBeLessThanOrEqual(600);
    }
  });

  it('patterns: the level is constant between toggles and flips at each toggle; pulses end off', () => {
    const patternArb: fc.Arbitrary<Pattern> = fc.oneof(
      fc.constant<Pattern>({ kind: 'off' }), fc.constant<Pattern>({ kind: 'steady' }),
      fc.record({ kind: fc.constant('blink' as const), onMs: fc.integer({ min: 1, max: 2000 }), offMs: fc.integer({ min: 1, max: 2000 }) }),
      // A single pulse may have no gap after it (granted's beep); several need one to be several.
      fc.record({ kind: fc.constant('pulses' as const), count: fc.integer({ min: 1, max: 5 }), onMs: fc.integer({ min: 1, max: 500 }), offMs: fc.integer({ min: 1, max: 500 }) }),
      fc.record({ kind: fc.constant('pulses' as const), count: fc.constant(1), onMs: fc.integer({ min: 1, max: 500 }), offMs: fc.constant(0) }),
    );
    fc.assert(fc.property(patternArb, fc.integer({ min: 0, max: 20_000 }), fc.double({ min: 0, max: 1, noNaN: true }), (p, t, frac) => {
      const next = nextToggle(p, t);
      const level = levelAt(p, t);
      if (next === null) {
        expect(levelAt(p, t + 1 + Math.floor(frac * 100_000))).toBe(level);
        if (p.kind === 'pulses') expect(level).toBe(false);
        return;
      }
      expect(next).toBeGreaterThan(t);
      expect(levelAt(p, t + Math.floor((next - t) * frac * 0.999))).toBe(level);
      expect(levelAt(p, next)).toBe(!level);
    }), { numRuns: 2000 });
  });
});
