/**
 * Retention of acknowledged events at the door (`central.retainAckedDays`, LinkState.pruneAcked) against a real SQLite
 * store: acknowledged events older than the cutoff are deleted, the newest event always stays (it anchors seq and the
 * hash chain), unacknowledged events are never deleted however old, and the log carries on from the kept anchor.
 * (The daemon runs it at start and hourly; central-cli.test.ts checks that through the CLI.)
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/adapters/sqlite/db.js';
import { Store } from '../../src/adapters/sqlite/store.js';
import { EventLog } from '../../src/adapters/sqlite/event-log.js';
import { eventHash } from '../../src/protocol/chain.js';
import { LinkState } from '../../src/adapters/mqtt/link-state.js';
import { centralSchema } from '../../src/config/schema.js';
import { loadOrCreateKeyPair } from '../../src/adapters/mqtt/keys.js';
import { filler } from '../helpers/events.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 1, 1, 0, 0);

const cleanups: (() => void)[] = [];
afterEach(() => { for (const c of cleanups.splice(0).reverse()) c(); });

/** A door store in a temp dir with `n` events, the i-th (1-based) at T0 + i days. */
function door(n: number, id = 'dc-1'): { store: Store; link: LinkState } {
  const dir = mkdtempSync(join(tmpdir(), 'pintu-retention-'));
  const store = new Store(openDatabase(join(dir, 'pintu.db'), { synchronous: 'normal' }), id, null);
  cleanups.push(() => { store.db.close(); rmSync(dir, { recursive: true, force: true }); });
  for (let i = 1; i <= n; i++) store.tx(() => store.events.append([filler('test.tick', { i })], T0 + i * DAY));
  return { store, link: new LinkState(store.db, id) };
}

const seqs = (store: Store): number[] => store.events.since(0, 10_000).map((e) => e.seq);
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('pruning acknowledged events (central.retainAckedDays)', () => {
  it('deletes acknowledged events older than the cutoff, keeps newer ones and every unacknowledged one', () => {
    const { store, link } = door(10);
    link.setAcked(6, T0);
    // Cutoff after event 4's time: 1..3 are old and acknowledged; 4 is exactly at the cutoff (kept: strictly older only).
    expect(link.pruneAcked(T0 + 4 * DAY)).toBe(3);
    expect(seqs(store)).toEqual(range(4, 10));
    // A cutoff after every event: only acknowledged ones go (4..6); 7..10 are not acknowledged and stay.
    expect(link.pruneAcked(T0 + 100 * DAY)).toBe(3);
    expect(seqs(store)).toEqual(range(7, 10));
    expect(link.backlog(store.events.lastSeq())).toBe(4);
    // Nothing acknowledged is left: pruning again changes nothing.
    expect(link.pruneAcked(T0 + 100 * DAY)).toBe(0);
    expect(seqs(store)).toEqual(range(7, 10));
  });

  it('never deletes unacknowledged events, however old', () => {
    const { store, link } = door(5);
    expect(link.pruneAcked(T0 + 1000 * DAY)).toBe(0);
    expect(seqs(store)).toEqual(range(1, 5));
  });

  it('keeps the newest event even when it is acknowledged and old; the log carries on from it: next seq, chained to its hash', () => {
    const { store, link } = door(8);
    link.setAcked(8, T0);
    const newest = store.events.since(7, 1)[0]!;
    expect(link.pruneAcked(T0 + 1000 * DAY)).toBe(7);
    expect(store.events.since(0, 100)).toEqual([newest]);
    expect(store.events.lastSeq()).toBe(8);
    expect(link.backlog(store.events.lastSeq())).toBe(0);
    const [next] = store.tx(() => store.events.append([filler('test.after')], T0 + 1001 * DAY));
    expect(next).toMatchObject({ seq: 9, prevHash: newest.hash });
    expect(next!.hash).toBe(eventHash(newest.hash, 'dc-1', 9, 'test.after', next!.at, '{}'));
    // From the anchor on the chain verifies; what the outbox sends next starts right after the last ack.
    expect(store.events.verify(7)).toBeNull();
    expect(store.events.since(link.get().ackedSeq, 100).map((e) => e.seq)).toEqual([9]);
  });

  it("touches only its own door's events in a shared database", () => {
    const { store, link } = door(4);
    const other = new EventLog(store.db, 'dc-2', null);
    store.tx(() => other.append([filler('test.other'), filler('test.other')], T0));
    new LinkState(store.db, 'dc-2').setAcked(2, T0);
    link.setAcked(4, T0);
    expect(link.pruneAcked(T0 + 1000 * DAY)).toBe(3);
    expect(seqs(store)).toEqual([4]);
    expect(other.since(0, 10).map((e) => e.seq)).toEqual([1, 2]);
  });

  it('retainAckedDays is in days, fractions allowed (0: keep everything); negative is refused', () => {
    const base = { url: 'mqtt://127.0.0.1:1883', publicKey: loadOrCreateKeyPair(mkdtempSync(join(tmpdir(), 'pintu-key-')), 'k.key').publicKeyText };
    expect(centralSchema.parse(base).retainAckedDays).toBe(0);
    expect(centralSchema.parse({ ...base, retainAckedDays: 0.5 }).retainAckedDays).toBe(0.5);
    expect(centralSchema.safeParse({ ...base, retainAckedDays: -1 }).success).toBe(false);
  });
});
