/**
 * The supervised fire-alarm input as a pure state machine: two lines in, a condition out. No timers, no I/O.
 *
 * A plain GPIO input cannot tell an open loop from an alarm by its voltage, so the input is two lines in one cable
 * (hardware/README.md, "Fire alarm input"): the ALARM line (the panel's fire contact; active = fire) and the
 * SUPERVISION line (a loop through the same cable, or the panel's "healthy" contact; active = intact). The condition:
 *   supervision intact, alarm inactive → normal;  supervision intact, alarm active → fire;  supervision broken → fault.
 * A cut cable breaks both lines: that is a fault, never a fire. The two lines of a cut do not change at the same
 * instant, so a new reading is only believed once both lines have been steady for `settleMs`.
 *
 * A fire, once believed, lasts until the lines read normal again: a fault during a fire (the cable burns through)
 * raises the fault and leaves the fire and the strike as they were. A fault never starts or ends a fire.
 */
import type { EventType } from './events.js';

/** What the site does on a fire alarm: `release` holds the strike unlocked while the alarm lasts (life safety); `stay-locked` only alarms. */
export type FirePolicy = 'release' | 'stay-locked';

/** The two lines as read (logical levels, polarity applied). */
export interface FireLines {
  /** The alarm line is active: the panel signals fire. */
  alarm: boolean;
  /** The supervision line is active: the loop is intact. */
  supervision: boolean;
}

/** What the two lines say together. */
export type FireReading = 'normal' | 'fire' | 'fault';

/** The condition the lines show: a broken supervision loop is a fault whatever the alarm line says. */
export function fireReading(lines: FireLines): FireReading {
  if (!lines.supervision) return 'fault';
  return lines.alarm ? 'fire' : 'normal';
}

/** The fire machine's settings. */
export interface FireSettings {
  /** What a fire does to the strike. */
  onAlarm: FirePolicy;
  /** Both lines must be steady this long before a new reading is believed (ms). */
  settleMs: number;
}

/** The fire input's state (plain data). */
export interface FireState {
  /** Time of the last input, ms. */
  now: number;
  /** The lines as last read. */
  lines: FireLines;
  /** When the lines last changed, ms. */
  linesSince: number;
  /** A fire is believed (since `fireSince`). */
  fire: boolean;
  /** When the fire began, ms; null without a fire. */
  fireSince: number | null;
  /** The input is in fault (since `faultSince`). */
  fault: boolean;
  /** When the fault began, ms; null without a fault. */
  faultSince: number | null;
}

/** An input to the fire machine: the lines read now, or a timer tick. */
export type FireInput = { type: 'lines'; lines: FireLines; now: number } | { type: 'tick'; now: number };

/** Event types the fire machine emits. */
export type FireEventType = Extract<EventType, 'alarm.fire' | 'fire.cleared' | 'alarm.fire_input_fault' | 'fire.input_restored'>;

/** One output: an event (typed by the catalogue), or the strike hold starting/ending (`release` policy only). */
export type FireOutput =
  | { kind: 'event'; type: 'alarm.fire'; data: { policy: FirePolicy; released: boolean }; at: number }
  | { kind: 'event'; type: 'fire.cleared'; data: { policy: FirePolicy; alarmSeconds: number }; at: number }
  | { kind: 'event'; type: 'alarm.fire_input_fault'; data: { alarmLine: boolean; supervisionLine: boolean; duringFire: boolean }; at: number }
  | { kind: 'event'; type: 'fire.input_restored'; data: { faultSeconds: number }; at: number }
  | { kind: 'hold'; on: boolean; at: number };

/** Result of one step. */
export interface FireStep {
  /** The new state. */
  state: FireState;
  /** Events and hold changes, in order. */
  outputs: FireOutput[];
}

/** The state at start: no fire, no fault believed yet; the lines as read, to be believed after `settleMs`. */
export function initialFireState(now: number, lines: FireLines): FireState {
  return { now, lines: { ...lines }, linesSince: now, fire: false, fireSince: null, fault: false, faultSince: null };
}

/** Whether the believed condition differs from what the lines say (a settle deadline is pending). */
function unsettled(s: FireState): boolean {
  const r = fireReading(s.lines);
  if (r === 'fault') return !s.fault;
  return s.fault || s.fire !== (r === 'fire');
}

/** The next time a `tick` is needed (the lines' settle time), or null. */
export function nextFireDeadline(state: FireState, settings: FireSettings): number | null {
  return unsettled(state) ? state.linesSince + settings.settleMs : null;
}

function seconds(from: number | null, to: number): number {
  return from === null ? 0 : Math.round((to - from) / 100) / 10;
}

/** Believe the lines' reading (they were steady for settleMs): fault, restore, fire start or end. */
function settle(s: FireState, at: number, settings: FireSettings, out: FireOutput[]): void {
  const r = fireReading(s.lines);
  if (r === 'fault') {
    if (!s.fault) {
      s.fault = true;
      s.faultSince = at;
      out.push({ kind: 'event', type: 'alarm.fire_input_fault', data: { alarmLine: s.lines.alarm, supervisionLine: s.lines.supervision, duringFire: s.fire }, at });
    }
    return; // a fault neither starts nor ends a fire: the strike stays as it is
  }
  if (s.fault) {
    out.push({ kind: 'event', type: 'fire.input_restored', data: { faultSeconds: seconds(s.faultSince, at) }, at });
    s.fault = false;
    s.faultSince = null;
  }
  const release = settings.onAlarm === 'release';
  if (r === 'fire' && !s.fire) {
    s.fire = true;
    s.fireSince = at;
    if (release) out.push({ kind: 'hold', on: true, at });
    out.push({ kind: 'event', type: 'alarm.fire', data: { policy: settings.onAlarm, released: release }, at });
  } else if (r === 'normal' && s.fire) {
    const alarmSeconds = seconds(s.fireSince, at);
    s.fire = false;
    s.fireSince = null;
    if (release) out.push({ kind: 'hold', on: false, at });
    out.push({ kind: 'event', type: 'fire.cleared', data: { policy: settings.onAlarm, alarmSeconds }, at });
  }
}

/** Feed one input to the fire machine. Pure: `state` is not modified. */
export function stepFire(state: FireState, input: FireInput, settings: FireSettings): FireStep {
  const s: FireState = { ...state, lines: { ...state.lines } };
  const out: FireOutput[] = [];
  const now = Math.max(input.now, state.now);
  // A reading steady for settleMs before this input is believed at its settle time.
  const due = nextFireDeadline(s, settings);
  if (due !== null && due <= now) settle(s, due, settings, out);
  s.now = now;
  if (input.type === 'lines' && (input.lines.alarm !== s.lines.alarm || input.lines.supervision !== s.lines.supervision)) {
    s.lines = { ...input.lines };
    s.linesSince = now;
    if (settings.settleMs <= 0) settle(s, now, settings, out);
  }
  return { state: s, outputs: out };
}
