/**
 * Hash-chained door events for the dashboard's visit tests: `doorChain(door)` appends events with the door's own hash
 * rule and hands out what is new, ready for `store.ingest`.
 */
import { eventDataText, eventHash, GENESIS_HASH } from '../../src/protocol/chain.js';
import type { WireEvent } from '../../src/protocol/messages.js';

/** One door's chain under construction. */
export interface DoorChain {
  /** Append an event (at: ISO, default now + a millisecond per event). */
  add(type: string, data: Record<string, unknown>, at?: string): WireEvent;
  /** The events added since the last call. */
  take(): WireEvent[];
}

/** A chain for `door` (the door id is part of every hash). */
export function doorChain(door: string, start = Date.UTC(2026, 11, 1, 2, 0)): DoorChain {
  let prev = GENESIS_HASH;
  let seq = 0;
  let fresh: WireEvent[] = [];
  return {
    add(type, data, at) {
      seq += 1;
      const when = at ?? new Date(start + seq * 60_000).toISOString();
      const hash = eventHash(prev, door, seq, type, when, eventDataText(data));
      const e: WireEvent = { seq, type, at: when, data, prevHash: prev, hash };
      prev = hash;
      fresh.push(e);
      return e;
    },
    take() {
      const out = fresh;
      fresh = [];
      return out;
    },
  };
}
