/**
 * Events outside the catalogue for tests that only need something stored and chained (filler, sizes, odd JSON):
 * the log stores whatever it is given; the catalogue's types are for the code that makes real events.
 */
import type { DomainEvent } from '../../src/domain/events.js';

/** One filler event with exactly this type and data, typed as a domain event. */
export function filler(type: string, data: Record<string, unknown> = {}): DomainEvent {
  return { type, data } as unknown as DomainEvent;
}
