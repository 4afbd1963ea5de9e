/**
 * What the visitor at the door sees and hears (issue 16): the status LED (green, red, amber) and the buzzer, as a pure
 * function of what happened. No timers, no I/O: the app (app/door-signals.ts) feeds it inputs and drives the outputs.
 *
 * One signal shows at a time, by priority: fire > forced > held > the latest tap's flash (granted / refused) >
 * awaiting escort > idle. Fire, forced and held last until their event ends them (fire cleared, the door closed); a
 * flash lasts its time; a visitor's amber lasts until the escort window ends, or the visit is granted or refused.
 */

/** The outputs, each optional at a real door (`gpio.indicators`). */
export const SIGNAL_OUTPUTS = ['green', 'red', 'amber', 'buzzer'] as const;
/** One output of the door's signals. */
export type SignalOutput = (typeof SIGNAL_OUTPUTS)[number];

/** How one output behaves over time from the moment its signal begins. */
export type Pattern =
  | { kind: 'off' }
  | { kind: 'steady' }
  /** On `onMs`, off `offMs`, repeated while the signal lasts. */
  | { kind: 'blink'; onMs: number; offMs: number }
  /** `count` pulses of `onMs` on and `offMs` off, then off. */
  | { kind: 'pulses'; count: number; onMs: number; offMs: number };

/** The signals the door can show. */
export type DoorSignal = 'idle' | 'granted' | 'refused' | 'awaiting-escort' | 'held' | 'forced' | 'fire';

/** Every signal, highest priority first (the two flashes share one slot: the latest tap's wins). */
export const DOOR_SIGNALS: readonly DoorSignal[] = ['fire', 'forced', 'held', 'granted', 'refused', 'awaiting-escort', 'idle'];

const OFF: Pattern = { kind: 'off' };
const STEADY: Pattern = { kind: 'steady' };

/** The pattern of each output for each signal; every signal differs from every other (tested). */
export const SIGNAL_PATTERNS: Readonly<Record<DoorSignal, Readonly<Record<SignalOutput, Pattern>>>> = {
  idle: { green: OFF, red: OFF, amber: OFF, buzzer: OFF },
  granted: { green: STEADY, red: OFF, amber: OFF, buzzer: { kind: 'pulses', count: 1, onMs: 300, offMs: 0 } },
  refused: { green: OFF, red: STEADY, amber: OFF, buzzer: { kind: 'pulses', count: 3, onMs: 100, offMs: 100 } },
  'awaiting-escort': { green: OFF, red: OFF, amber: { kind: 'blink', onMs: 500, offMs: 500 }, buzzer: { kind: 'pulses', count: 2, onMs: 100, offMs: 100 } },
  held: { green: OFF, red: { kind: 'blink', onMs: 500, offMs: 500 }, amber: OFF, buzzer: { kind: 'blink', onMs: 200, offMs: 1800 } },
  forced: { green: OFF, red: { kind: 'blink', onMs: 125, offMs: 125 }, amber: OFF, buzzer: { kind: 'blink', onMs: 500, offMs: 500 } },
  fire: { green: OFF, red: { kind: 'blink', onMs: 250, offMs: 250 }, amber: { kind: 'blink', onMs: 250, offMs: 250 }, buzzer: OFF },
};

/**
 * Amber stays this long past the escort window's end, for the refusal the door records then (its expiry runs just after
 * the window) to replace it without a dark gap; with no refusal it ends anyway.
 */
export const WAIT_GRACE_MS = 500;

/** How long the tap flashes last. */
export interface SignalTiming {
  /** Green after a grant, ms (the daemon uses the strike time: green while the strike is open). */
  grantedMs: number;
  /** Red after a refusal, ms. */
  refusedMs: number;
}

/** A visitor waiting for an escort: amber until `until` (the window's end + WAIT_GRACE_MS), or the visit's grant or refusal. */
export interface SignalWait {
  /** The visit id. */
  visit: string;
  /** End of the escort window + WAIT_GRACE_MS, ms. */
  until: number;
}

/** What the signals remember (plain data). */
export interface SignalState {
  /** A fire alarm is on. */
  fire: boolean;
  /** The door was forced and has not closed since. */
  forced: boolean;
  /** The door is held open and has not closed since. */
  held: boolean;
  /** The latest tap's flash and when it ends, or null. */
  flash: { signal: 'granted' | 'refused'; until: number } | null;
  /** Visitors waiting for an escort. */
  waits: readonly SignalWait[];
}

/** Something that changes the signals; `now` in ms. */
export type SignalInput =
  | { type: 'granted'; visit?: string; now: number }
  | { type: 'refused'; visit?: string; now: number }
  | { type: 'awaiting-escort'; visit: string; windowMs: number; now: number }
  | { type: 'door-forced'; now: number }
  | { type: 'door-held'; now: number }
  | { type: 'held-cleared'; now: number }
  | { type: 'door-closed'; now: number }
  | { type: 'fire'; on: boolean; now: number }
  | { type: 'tick'; now: number };

/** Nothing to show: the state at start. */
export function initialSignalState(): SignalState {
  return { fire: false, forced: false, held: false, flash: null, waits: [] };
}

/** Drop the flash and waits that ended by `now`. */
function expire(s: SignalState, now: number): SignalState {
  const flash = s.flash && s.flash.until > now ? s.flash : null;
  const waits = s.waits.filter((w) => w.until > now);
  return flash === s.flash && waits.length === s.waits.length ? s : { ...s, flash, waits };
}

/** The state after one input (the input's state is never changed). */
export function stepSignals(state: SignalState, input: SignalInput, timing: SignalTiming): SignalState {
  const s = expire(state, input.now);
  const without = (visit: string | undefined): readonly SignalWait[] => (visit === undefined ? s.waits : s.waits.filter((w) => w.visit !== visit));
  switch (input.type) {
    case 'granted':
      return { ...s, flash: { signal: 'granted', until: input.now + timing.grantedMs }, waits: without(input.visit) };
    case 'refused':
      return { ...s, flash: { signal: 'refused', until: input.now + timing.refusedMs }, waits: without(input.visit) };
    case 'awaiting-escort':
      return { ...s, waits: [...without(input.visit), { visit: input.visit, until: input.now + input.windowMs + WAIT_GRACE_MS }] };
    case 'door-forced':
      return { ...s, forced: true };
    case 'door-held':
      return { ...s, held: true };
    case 'held-cleared':
      return { ...s, held: false };
    case 'door-closed':
      return { ...s, forced: false, held: false };
    case 'fire':
      return { ...s, fire: input.on };
    case 'tick':
      return s;
  }
}

/** The signal to show at `now`. */
export function signalOf(state: SignalState, now: number): DoorSignal {
  if (state.fire) return 'fire';
  if (state.forced) return 'forced';
  if (state.held) return 'held';
  if (state.flash && state.flash.until > now) return state.flash.signal;
  if (state.waits.some((w) => w.until > now)) return 'awaiting-escort';
  return 'idle';
}

/** The next time after `now` the signal may change by itself (a flash or a wait ends), or null. */
export function nextSignalChange(state: SignalState, now: number): number | null {
  const ends = [state.flash?.until, ...state.waits.map((w) => w.until)].filter((t): t is number => t !== undefined && t > now);
  return ends.length ? Math.min(...ends) : null;
}

/** Whether an output with pattern `p` is on `elapsedMs` after its signal began. */
export function levelAt(p: Pattern, elapsedMs: number): boolean {
  switch (p.kind) {
    case 'off':
      return false;
    case 'steady':
      return true;
    case 'blink':
      return elapsedMs % (p.onMs + p.offMs) < p.onMs;
    case 'pulses': {
      const period = p.onMs + p.offMs;
      return elapsedMs < p.count * period && elapsedMs % period < p.onMs;
    }
  }
}

/** The first time after `elapsedMs` (since the signal began) at which the pattern's level changes, or null: never. */
export function nextToggle(p: Pattern, elapsedMs: number): number | null {
  if (p.kind === 'off' || p.kind === 'steady') return null;
  const period = p.onMs + p.offMs;
  const start = Math.floor(elapsedMs / period) * period;
  // The edges of this period and the next: on at start, off at start + onMs.
  const edges = [start + p.onMs, start + period, start + period + p.onMs].filter((t) => t > elapsedMs);
  if (p.kind === 'blink') return edges[0]!;
  const lastOff = (p.count - 1) * period + p.onMs;
  const next = edges.find((t) => t <= lastOff);
  return next ?? null;
}

/** The signal input a stored door event means, or null when it changes nothing at the door. */
export function signalInputOf(type: string, data: Readonly<Record<string, unknown>>, now: number): SignalInput | null {
  const visit = typeof data.visit === 'string' ? data.visit : undefined;
  switch (type) {
    case 'access.granted':
      return { type: 'granted', ...(visit ? { visit } : {}), now };
    case 'access.denied':
      // A wait concluded after a restart has nobody at the door to tell.
      return data.afterRestart === true ? null : { type: 'refused', ...(visit ? { visit } : {}), now };
    case 'access.awaiting_escort':
      return visit && typeof data.windowSeconds === 'number' ? { type: 'awaiting-escort', visit, windowMs: data.windowSeconds * 1000, now } : null;
    case 'door.forced':
      return { type: 'door-forced', now };
    case 'door.held':
      return { type: 'door-held', now };
    case 'door.held_cleared':
      return { type: 'held-cleared', now };
    case 'door.closed':
      return { type: 'door-closed', now };
    case 'alarm.fire':
      return { type: 'fire', on: true, now };
    case 'fire.cleared':
      return { type: 'fire', on: false, now };
    default:
      return null;
  }
}

/** A short English description of a signal's pattern (demo and `pintu hw test` output). */
export function describeSignal(signal: DoorSignal): string {
  const p = SIGNAL_PATTERNS[signal];
  const parts = SIGNAL_OUTPUTS.filter((o) => p[o].kind !== 'off').map((o) => `${o} ${describePattern(p[o])}`);
  return parts.length ? parts.join(', ') : 'all off';
}

function describePattern(p: Pattern): string {
  switch (p.kind) {
    case 'off':
      return 'off';
    case 'steady':
      return 'steady';
    case 'blink':
      return `blinking ${p.onMs}/${p.offMs} ms`;
    case 'pulses':
      return `${p.count}× ${p.onMs} ms`;
  }
}
