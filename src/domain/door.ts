/**
 * The door as a pure state machine: (state, input) -> (new state, outputs). No timers, no I/O.
 * Every input carries `now` (ms); inputs must arrive with non-decreasing times (an older time is treated as `state.now`).
 * Before handling an input, the machine first applies everything that became due up to `now`
 * (strike end -> relay off, unused grants, held-open), so a late `tick` never changes the outcome.
 *
 * Fail secure: the relay is only ever switched on by `grant` or `rex`, and always switched off once
 * `strikeSeconds` have passed since the last of them — except while a fire hold is on (`fire` input, site policy
 * `fire.onAlarm: release`): then it stays on, with no strike end, until the hold ends, and the door raises no forced or
 * held alarm meanwhile (people are leaving). The hold's end locks at once.
 */
import type { DomainEvent, EventData, EventType } from './events.js';

/** The opaque reference the app attaches to a grant (e.g. {reader, badge, visit, officer}); returned in `access.unused`. */
export type GrantRef = Readonly<Record<string, unknown>>;

/** The slice of door config the machine needs. */
export interface DoorTiming {
  /** How long the strike relay stays energised after a grant or exit-button press. */
  strikeSeconds: number;
  /** An opening longer than this raises `door.held` (once per opening). */
  heldOpenSeconds: number;
  /** An opening this many ms after a strike window ends still counts as authorised (covers input debounce); default 0. */
  graceMs?: number;
  /** Lock again as soon as the door closes after an authorised opening, instead of at the strike's end (default false). */
  relockOnClose?: boolean;
}

/** What authorised the current opening: a grant, the exit button, a fire hold, nothing (forced), or unknown (open at start). */
export type OpenedVia = 'grant' | 'rex' | 'fire' | 'forced' | 'unknown';

/** A grant whose strike window is running and that has not yet been used by an opening. */
export interface PendingGrant {
  /** The app's reference. */
  ref: GrantRef;
  /** End of the grant's window, ms (opening authorised before `until + graceMs`). */
  until: number;
}

/** The door's state (plain data). */
export interface DoorState {
  /** Time of the last input, ms. */
  now: number;
  /** The relay is commanded on. */
  relayOn: boolean;
  /** When the relay goes off (strike end), ms; null when off. */
  unlockedUntil: number | null;
  /** End of the latest grant window, ms; null if none yet. */
  grantUntil: number | null;
  /** End of the latest exit-button window, ms; null if none yet. */
  rexUntil: number | null;
  /** Grants not yet used by an opening, oldest first. */
  pending: PendingGrant[];
  /** The door is open (debounced door position switch). */
  open: boolean;
  /** When the current opening began, ms; null when closed. */
  openSince: number | null;
  /** What authorised the current opening; null when closed. */
  openedVia: OpenedVia | null;
  /** `door.held` was already raised for the current opening. */
  heldRaised: boolean;
  /** A grant was given while the door stood open (the current opening; absent: none). */
  grantedWhileOpen?: boolean;
  /** The strike is held unlocked for a fire alarm (absent: no hold). */
  fireHold?: boolean;
  /** When the last fire hold ended while the door stood open, ms: its held-open time counts from then (absent: none). */
  fireEndedAt?: number;
}

/** An input to the machine. */
export type DoorInput =
  | { type: 'grant'; ref: GrantRef; now: number }
  | { type: 'rex'; now: number }
  | { type: 'door'; open: boolean; now: number }
  | { type: 'fire'; hold: boolean; now: number }
  | { type: 'tick'; now: number };

/** Names of the events the machine emits (payloads in the catalogue, ./events.ts). */
export type DoorEventType = Extract<EventType,
  | 'door.opened'
  | 'door.closed'
  | 'door.forced'
  | 'door.held'
  | 'door.held_cleared'
  | 'door.rex'
  | 'access.unused'>;

/** An event emitted by the machine, typed by the catalogue (./events.ts). `data` fields per type:
 * - `door.opened` {via: 'grant'|'rex'|'fire', refs: GrantRef[]} (refs = the grants this opening used; may be empty on a re-opening)
 * - `door.closed` {openSeconds, via: OpenedVia}
 * - `door.forced` {} (opened with no grant or exit-button window)
 * - `door.held` {openSeconds} (open past heldOpenSeconds; once per opening)
 * - `door.held_cleared` {openSeconds} (a held door finally closed)
 * - `door.rex` {} (exit button pressed)
 * - `access.unused` {ref} (a grant's window ended and the door was never open during it)
 */
export type DoorEvent = DomainEvent<DoorEventType> & {
  /** When it happened, ms (a due deadline, not the input time, when applied late). */
  at: number;
};

/** One output: a relay command or an event, in the order they happened. */
export type DoorOutput = { kind: 'relay'; on: boolean; at: number } | { kind: 'event'; event: DoorEvent };

/** Result of one step. */
export interface DoorStep {
  /** The new state. */
  state: DoorState;
  /** Relay commands and events, in order. */
  outputs: DoorOutput[];
}

/** The state at start: relay off, no windows, door as read from the switch. */
export function initialDoorState(now: number, open: boolean): DoorState {
  return {
    now,
    relayOn: false,
    unlockedUntil: null,
    grantUntil: null,
    rexUntil: null,
    pending: [],
    open,
    openSince: open ? now : null,
    openedVia: open ? 'unknown' : null,
    heldRaised: false,
  };
}

/** Seconds between two ms times, rounded to 0.1 s. */
function secondsBetween(from: number, to: number): number {
  return Math.round((to - from) / 100) / 10;
}

function graceOf(t: DoorTiming): number {
  return Math.max(0, t.graceMs ?? 0);
}

function heldDeadline(s: DoorState, t: DoorTiming): number | null {
  if (!s.open || s.heldRaised || s.openSince === null || s.fireHold) return null;
  // A door still open when a fire hold ended is held only heldOpenSeconds after that end.
  return Math.max(s.openSince, s.fireEndedAt ?? s.openSince) + t.heldOpenSeconds * 1000;
}

/** The next time a `tick` is needed (strike end, unused-grant expiry, held-open limit), or null if nothing is due. */
export function nextDeadline(state: DoorState, timing: DoorTiming): number | null {
  const grace = graceOf(timing);
  const candidates: number[] = [];
  if (state.relayOn && state.unlockedUntil !== null) candidates.push(state.unlockedUntil);
  for (const p of state.pending) candidates.push(p.until + grace);
  const held = heldDeadline(state, timing);
  if (held !== null) candidates.push(held);
  return candidates.length === 0 ? null : Math.min(...candidates);
}

/** Apply everything due up to `now`, in time order. Mutates `s` (a private copy) and appends to `out`. */
function advance(s: DoorState, now: number, timing: DoorTiming, out: DoorOutput[]): void {
  const grace = graceOf(timing);
  for (;;) {
    const due: Array<{ at: number; apply: () => void }> = [];
    if (s.relayOn && s.unlockedUntil !== null && s.unlockedUntil <= now) {
      const at = s.unlockedUntil;
      due.push({ at, apply: () => { s.relayOn = false; s.unlockedUntil = null; out.push({ kind: 'relay', on: false, at }); } });
    }
    const first = s.pending[0];
    if (first && first.until + grace <= now) {
      const at = first.until + grace;
      due.push({ at, apply: () => { s.pending.shift(); event(out, 'access.unused', { ref: first.ref }, at); } });
    }
    const held = heldDeadline(s, timing);
    if (held !== null && held <= now) {
      due.push({
        at: held,
        apply: () => {
          s.heldRaised = true;
          const openSeconds = secondsBetween(s.openSince ?? held, held);
          delete s.fireEndedAt;
          event(out, 'door.held', { openSeconds }, held);
        },
      });
    }
    if (due.length === 0) return;
    due.sort((a, b) => a.at - b.at);
    due[0]!.apply();
  }
}

/** Switch the relay on (or keep it on) until `now + strikeSeconds`. */
function unlock(s: DoorState, now: number, timing: DoorTiming, out: DoorOutput[]): number {
  const until = now + timing.strikeSeconds * 1000;
  if (s.fireHold) return until; // already held unlocked, with no strike end

  s.unlockedUntil = Math.max(s.unlockedUntil ?? until, until);
  if (!s.relayOn) {
    s.relayOn = true;
    out.push({ kind: 'relay', on: true, at: now });
  }
  return until;
}

function event<K extends DoorEventType>(out: DoorOutput[], type: K, data: EventData<K>, at: number): void {
  out.push({ kind: 'event', event: { type, data, at } as DoorEvent });
}

function doorOpened(s: DoorState, now: number, timing: DoorTiming, out: DoorOutput[]): void {
  const grace = graceOf(timing);
  s.open = true;
  s.openSince = now;
  s.heldRaised = false;
  const grantActive = s.grantUntil !== null && now < s.grantUntil + grace;
  const rexActive = s.rexUntil !== null && now < s.rexUntil + grace;
  if (s.fireHold) {
    // Held unlocked for a fire: never forced; the grants waiting may have walked through with the others.
    const refs = s.pending.map((p) => p.ref);
    s.pending = [];
    s.openedVia = 'fire';
    event(out, 'door.opened', { via: 'fire', refs }, now);
  } else if (s.pending.length > 0 || grantActive) {
    const refs = s.pending.map((p) => p.ref);
    s.pending = [];
    s.openedVia = 'grant';
    event(out, 'door.opened', { via: 'grant', refs }, now);
  } else if (rexActive) {
    s.openedVia = 'rex';
    event(out, 'door.opened', { via: 'rex', refs: [] }, now);
  } else {
    s.openedVia = 'forced';
    event(out, 'door.forced', {}, now);
  }
}

function doorClosed(s: DoorState, now: number, timing: DoorTiming, out: DoorOutput[]): void {
  const openSeconds = secondsBetween(s.openSince ?? now, now);
  event(out, 'door.closed', { openSeconds, via: s.openedVia ?? 'unknown' }, now);
  if (s.heldRaised) event(out, 'door.held_cleared', { openSeconds }, now);
  // Relock on close: whoever was let through has passed; the rest of the strike would only help someone tailgate.
  // The windows end too, so a later opening without a new grant or exit-button press is forced, not authorised.
  // A grant given while the door stood open counts as used at once (no pending entry, no access.unused): its holder
  // may not have passed yet, so its strike runs to its end instead of being cut short here.
  const authorised = s.openedVia === 'grant' || s.openedVia === 'rex';
  if (timing.relockOnClose && authorised && !s.fireHold && s.pending.length === 0 && !s.grantedWhileOpen) {
    if (s.relayOn) out.push({ kind: 'relay', on: false, at: now });
    s.relayOn = false;
    s.unlockedUntil = null;
    if (s.grantUntil !== null) s.grantUntil = Math.min(s.grantUntil, now - graceOf(timing));
    if (s.rexUntil !== null) s.rexUntil = Math.min(s.rexUntil, now - graceOf(timing));
  }
  s.open = false;
  s.openSince = null;
  s.openedVia = null;
  s.heldRaised = false;
  delete s.grantedWhileOpen;
  delete s.fireEndedAt;
}

/** A fire hold starts (strike on, no end) or ends (strike off at once; the windows end too, so a later opening is forced). */
function fireHold(s: DoorState, hold: boolean, now: number, timing: DoorTiming, out: DoorOutput[]): void {
  if (hold === (s.fireHold ?? false)) return;
  if (hold) {
    s.fireHold = true;
    delete s.fireEndedAt;
    s.unlockedUntil = null;
    if (!s.relayOn) {
      s.relayOn = true;
      out.push({ kind: 'relay', on: true, at: now });
    }
    return;
  }
  delete s.fireHold;
  if (s.relayOn) out.push({ kind: 'relay', on: false, at: now });
  s.relayOn = false;
  s.unlockedUntil = null;
  if (s.grantUntil !== null) s.grantUntil = Math.min(s.grantUntil, now - graceOf(timing));
  if (s.rexUntil !== null) s.rexUntil = Math.min(s.rexUntil, now - graceOf(timing));
  if (s.open) s.fireEndedAt = now;
}

/** Feed one input to the machine. Pure: `state` is not modified. */
export function stepDoor(state: DoorState, input: DoorInput, timing: DoorTiming): DoorStep {
  const s: DoorState = { ...state, pending: [...state.pending] };
  const out: DoorOutput[] = [];
  const now = Math.max(input.now, state.now);
  advance(s, now, timing, out);
  s.now = now;
  switch (input.type) {
    case 'grant': {
      const until = unlock(s, now, timing, out);
      s.grantUntil = Math.max(s.grantUntil ?? until, until);
      // A door already open during the grant's window counts as used (the person can walk through).
      if (!s.open) s.pending.push({ ref: input.ref, until });
      else s.grantedWhileOpen = true;
      break;
    }
    case 'rex': {
      event(out, 'door.rex', {}, now);
      const until = unlock(s, now, timing, out);
      s.rexUntil = Math.max(s.rexUntil ?? until, until);
      break;
    }
    case 'door': {
      if (input.open && !s.open) doorOpened(s, now, timing, out);
      else if (!input.open && s.open) doorClosed(s, now, timing, out);
      break;
    }
    case 'fire':
      fireHold(s, input.hold, now, timing, out);
      break;
    case 'tick':
      break;
  }
  return { state: s, outputs: out };
}
