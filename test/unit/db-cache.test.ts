/**
 * The door's SQLite page cache is capped (issue 10 item 4: a drain or a scan must not grow the daemon's memory for
 * good). The cap is a memory bound only: events written and read through far more pages than it holds stay complete,
 * in order, and chained.
 */
import { describe, it, expect, afterEach } from 'vitest';
import { tempConfig, type TempConfig } from '../helpers/config.js';
import { DB_CACHE_KIB, openStore } from '../../src/main.js';
import type { Store } from '../../src/adapters/sqlite/store.js';
import { filler } from '../helpers/events.js';

const open: { tc: TempConfig; store: Store }[] = [];
afterEach(() => {
  for (const o of open.splice(0)) { o.store.db.close(); o.tc.cleanup(); }
});

function doorStore(): Store {
  const tc = tempConfig();
  const store = openStore(tc.config);
  open.push({ tc, store });
  return store;
}

describe('the door database page cache', () => {
  it('is capped at DB_CACHE_KIB on every connection the door opens (daemon and CLI alike)', () => {
    const a = doorStore();
    expect(DB_CACHE_KIB).toBeLessThanOrEqual(4096);
    expect(a.db.pragma('cache_size', { simple: true })).toBe(-DB_CACHE_KIB);
  });

  it('loses, repeats or reorders nothing when the log is many times larger than the cache', () => {
    const store = doorStore();
    const n = 30_000;
    const pad = 'x'.repeat(400); // ~0.5 KB an event: ~15 MB of events through a 2 MiB cache
    for (let i = 0; i < n; i += 1000) {
      store.tx(() => store.events.append(Array.from({ length: 1000 }, (_, k) => filler('access.granted', { i: i + k, pad })), Date.now()));
    }
    const seen: number[] = [];
    const order: number[] = [];
    for (let after = 0; ;) {
      const page = store.events.sinceText(after, 777);
      if (page.length === 0) break;
      for (const e of page) { seen.push(e.seq); order.push((JSON.parse(e.data) as { i: number }).i); }
      after = page.at(-1)!.seq;
    }
    expect(seen).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    expect(order).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(store.events.verify()).toBeNull();
  });
});
