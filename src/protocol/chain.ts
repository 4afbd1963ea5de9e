/**
 * The hash chain of a door's events, computed the same way by the door (when it appends, and when it verifies its
 * log) and by the centre (when it checks what arrives): one rule, in this file, at both ends.
 *
 * - An event's hash is SHA-256 (hex) over `{prevHash}\n{door}\n{seq}\n{type}\n{at}\n{data text}` in UTF-8; the first
 *   event of a door chains to `GENESIS_HASH`.
 * - The data text is `eventDataText(data)`: `JSON.stringify` of the data object as the door built it, keys in the
 *   order the door wrote them (not sorted), compact, numbers as JavaScript prints them, JSON.stringify's escapes.
 *   The door stores exactly this text (`events.data`), hashes it, and sends it verbatim as the event's `data`
 *   (`wireEventText` splices it in without re-serialising).
 * - The centre hashes and stores `eventDataText` of the data it parsed. `JSON.stringify(JSON.parse(t)) === t` for
 *   every text `t` that JSON.stringify wrote (key order, escapes, lone surrogates, -0, big and tiny numbers all
 *   survive the round trip), so what the centre hashes is byte for byte what the door hashed. The receiver keeps the
 *   received bytes when they already are that text (central/wire.ts) and re-stringifies only when they are not (a
 *   sender that spaced or escaped differently): either way the text is `eventDataText(data)`.
 *
 * This is not `canonicalJson` (sorted keys), which is for signatures only (signing.ts): the chain has used
 * JSON.stringify's text since a door's first event, so switching would change every stored hash, in door logs and
 * central stores, or make the centre guess which rule an event was hashed with. The two never meet: an events
 * message signs only its (seq, hash) pairs, and each hash is over the data text by the rule above.
 */
import { createHash } from 'node:crypto';

/** Hash before the first event of a door. */
export const GENESIS_HASH = '0'.repeat(64);

/** The data text of an event, as the door stores, hashes and sends it and the centre hashes and stores it. */
export function eventDataText(data: Readonly<Record<string, unknown>>): string {
  return JSON.stringify(data);
}

/** An event's chain hash over its fields and its data text (`eventDataText`). */
export function eventHash(prevHash: string, door: string, seq: number, type: string, at: string, dataText: string): string {
  return createHash('sha256').update(`${prevHash}\n${door}\n${seq}\n${type}\n${at}\n${dataText}`).digest('hex');
}

/** One chained event with its data as the data text (not parsed): what a door stores and sends. */
export interface StoredEventText {
  /** Sequence number. */
  seq: number;
  /** Dotted type. */
  type: string;
  /** ISO-8601 time. */
  at: string;
  /** The data text exactly as stored and hashed (`eventDataText`). */
  data: string;
  /** Hash of the previous event. */
  prevHash: string;
  /** This event's hash. */
  hash: string;
}
