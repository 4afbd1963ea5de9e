/**
 * The retention purge in bounded batches (issue 14, item 3). The daemon serves taps on the same event loop that purges:
 * erasing 100,000 visits in one transaction held it for half a minute with encryption at rest. Here every batch is one
 * transaction that erases at most `maxVisits` visits (fewer once `budgetMs` have passed) and commits its own destruction
 * record (`privacy.purged`, with the run it belongs to and its number in the run), so a crash or a stop between batches
 * leaves every erased visit covered by a record and nothing half-erased. `purgeInBatches` (the daemon) yields to the
 * event loop between batches and stops when told to (a daemon shutting down) or when the clock is no longer trusted;
 * `PurgeBatches.step()` run in a loop is the same purge without the pauses (`pintu purge`).
 */
import type { StoredEvent } from '../../ports/store.js';
import { event, type DomainEvent } from '../../domain/events.js';
import { DAY_MS } from '../../domain/time.js';
import {
  closedAt, eraseVisit, isPurged, noCategories, type PurgeCandidate, type PurgeCategories, type PurgeRun, type PurgeStore,
} from './erase.js';

/** How big one batch may grow. */
export interface PurgeBatchLimits {
  /** A batch erases at most this many visits. */
  maxVisits: number;
  /** …and stops early once it has run this long (ms), having erased at least `minVisits` (or nothing yet). */
  budgetMs: number;
  /** So a small run (the daemon's usual tick) writes one record however slow the machine is at that moment. */
  minVisits: number;
  /** Visits looked at per read of the walk through the closed visits (`closedVisitPage`). */
  pageSize: number;
}

/**
 * The daemon's batch: 100 visits at most, 25 ms of work at most. On the 2-core x86 bench machine a visit's erasure with
 * encryption at rest costs ~0.2–0.4 ms (loaded), so a full batch holds the event loop ~20–40 ms there; on a Raspberry Pi,
 * several times slower, the 25 ms budget ends the batch after fewer visits instead, keeping every hold well under 50 ms
 * (`npm run bench` prints the longest).
 */
export const PURGE_BATCH: PurgeBatchLimits = { maxVisits: 100, budgetMs: 25, minVisits: 10, pageSize: 500 };

/** What a batched purge did. */
export interface BatchedPurgeResult {
  /** Visits closed before this time were due (ISO). */
  cutoff: string;
  /** The retention period applied. */
  retentionDays: number;
  /** The run's id (in each of its records): the ISO time it started. */
  run: string;
  /** Visits erased. */
  count: number;
  /** Records destroyed per category, over all batches. */
  categories: PurgeCategories;
  /** Visits erased per state. */
  states: Record<string, number>;
  /** Batches committed (= destruction records written). */
  batches: number;
  /** The longest batch (ms): how long the event loop was held at most. */
  longestBatchMs: number;
  /** Why the run ended before nothing was due: the daemon stopping, or the clock no longer trusted (its reasons). */
  interrupted: null | { by: 'stop' } | { by: 'clock'; reasons: string[] };
}

/** Options of a batched purge. */
export interface PurgeBatchOptions {
  /** Retention (days): visits closed longer ago than this are due. */
  retentionDays: number;
  /** The run's time (ms): the cutoff is computed from it, and the erased visits and records carry it. */
  now: number;
  /** Who runs it, for the records. */
  run?: PurgeRun;
  /** Batch bounds (default `PURGE_BATCH`). */
  limits?: Partial<PurgeBatchLimits>;
  /** A monotonic clock in ms for the budget (default `performance.now`). */
  elapsed?: () => number;
  /** Told of every visit erased (the CLI lists them; the daemon keeps nothing per visit). */
  onVisit?: (v: PurgeCandidate) => void;
}

/** A purge run cut into batches; `step()` runs the next one. */
export class PurgeBatches {
  private readonly limits: PurgeBatchLimits;
  private readonly cutoff: number;
  private readonly elapsed: () => number;
  private queue: string[] = [];
  private at = 0;
  private cursor: string | null = null;
  private finished = false;
  private secured = false;
  private watchlistDone = false;
  /** The totals so far. */
  readonly result: BatchedPurgeResult;

  /** Plan a run (nothing is read or written until the first step). */
  constructor(private readonly store: PurgeStore, private readonly o: PurgeBatchOptions) {
    this.limits = { ...PURGE_BATCH, ...o.limits };
    this.cutoff = o.now - o.retentionDays * DAY_MS;
    this.elapsed = o.elapsed ?? (() => performance.now());
    this.result = {
      cutoff: new Date(this.cutoff).toISOString(), retentionDays: o.retentionDays, run: new Date(o.now).toISOString(), count: 0,
      categories: noCategories(), states: {}, batches: 0, longestBatchMs: 0, interrupted: null,
    };
  }

  /** Nothing is left to look at: every due visit has been erased. */
  get done(): boolean {
    return this.finished;
  }

  /** Run the next batch: one transaction; returns its destruction record as appended (none: it erased nothing). */
  step(): StoredEvent[] {
    if (this.finished) return [];
    const { store, limits } = this;
    const t0 = this.elapsed();
    const b = { count: 0, categories: noCategories(), states: {} as Record<string, number>, oldest: Infinity, newest: -Infinity };
    const full = (): boolean => b.count >= limits.maxVisits ||
      ((b.count === 0 || b.count >= limits.minVisits) && this.elapsed() - t0 >= limits.budgetMs);
    const appended = store.tx(() => {
      // The first batch also deletes the watchlist entries expired longer ago than the retention (a few rows at most).
      if (!this.watchlistDone) {
        this.watchlistDone = true;
        if ((store.watchlist?.expiredBefore(this.cutoff, false) ?? 0) > 0) {
          if (!this.secured) { store.secureDelete(); this.secured = true; }
          const removed = store.watchlist?.expiredBefore(this.cutoff, true) ?? 0;
          if (removed > 0) b.categories.watchlistEntries = removed;
        }
      }
      while (!full()) {
        if (this.at >= this.queue.length) {
          if (this.cursor === 'end') { this.finished = true; break; }
          const page = store.closedVisitPage(this.cutoff, this.cursor, limits.pageSize);
          this.queue = page.due;
          this.at = 0;
          this.cursor = page.next ?? 'end';
          continue;
        }
        const v = store.visit(this.queue[this.at++]!);
        if (v === null) continue;
        // Purged before the purged_at column existed (or by an older door): mark it, do not count it again.
        if (isPurged(v)) { if (!v.purged) store.saveVisit({ ...v, purged: { at: this.o.now, why: 'retention' } }); continue; }
        // The JS rule has the last word (a visit may have changed since its page was read).
        const c = closedAt(v);
        if (c === null || c >= this.cutoff) continue;
        b.count += 1;
        b.states[v.state] = (b.states[v.state] ?? 0) + 1;
        b.oldest = Math.min(b.oldest, c);
        b.newest = Math.max(b.newest, c);
        // secure_delete overwrites the freed bytes, so the old values do not linger in free pages of the file.
        if (!this.secured) { store.secureDelete(); this.secured = true; }
        eraseVisit(store, v, this.o.now, 'retention', b.categories);
        this.o.onVisit?.({ visit: v.id, state: v.state, closedAt: new Date(c).toISOString() });
      }
      if (b.count === 0 && !b.categories.watchlistEntries) return [];
      return store.events.append([this.record(b, this.result.batches + 1)], this.o.now);
    });
    const r = this.result;
    r.longestBatchMs = Math.max(r.longestBatchMs, this.elapsed() - t0);
    if (appended.length === 0) return appended;
    r.batches += 1;
    r.count += b.count;
    for (const [k, n] of Object.entries(b.categories) as [keyof PurgeCategories, number][]) r.categories[k] = (r.categories[k] ?? 0) + n;
    for (const [s, n] of Object.entries(b.states)) r.states[s] = (r.states[s] ?? 0) + n;
    return appended;
  }

  /** The destruction record (berita acara pemusnahan) of one batch, as the `privacy.purged` event. */
  private record(b: { count: number; categories: PurgeCategories; states: Record<string, number>; oldest: number; newest: number }, batch: number): DomainEvent<'privacy.purged'> {
    const run = this.o.run;
    return event('privacy.purged', {
      count: b.count, retentionDays: this.o.retentionDays, cutoff: this.result.cutoff, ranBy: run?.ranBy ?? 'daemon',
      ...(run?.officer ? { officer: run.officer } : {}), ...(run?.expireUndecidedDays !== undefined ? { expireUndecidedDays: run.expireUndecidedDays } : {}),
      states: b.states, categories: b.categories,
      // A batch that removed only expired watchlist entries closed no visit: no period.
      ...(b.count > 0 ? { oldestClosed: new Date(b.oldest).toISOString(), newestClosed: new Date(b.newest).toISOString() } : {}),
      run: this.result.run, batch,
    });
  }
}

/** What the daemon's batched purge is told besides the run. */
export interface DaemonPurgeOptions extends PurgeBatchOptions {
  /** Give the event loop its turn between batches (default: `setImmediate`, after pending I/O and timers). */
  pause?: () => Promise<void>;
  /** The daemon is stopping: no further batch (asked before each). */
  stopped?: () => boolean;
  /** Why the clock is not trusted now (asked before each batch; any reason ends the run). */
  refusal?: () => string[];
  /** Told of each batch's destruction record once it is committed. */
  onBatch?: (record: StoredEvent[]) => void;
}

/** Give the event loop a turn. */
const nextTurn = (): Promise<void> => new Promise((resolve) => { setImmediate(resolve); });

/**
 * The daemon's purge: batch after batch until nothing is due, the event loop getting its turn between batches (taps,
 * timers, the console), so it is never held longer than one batch. Stops before the next batch when `stopped()` or when
 * the clock is no longer trusted; what was erased up to then has its records. Moves the WAL into the file at the end.
 */
export async function purgeInBatches(store: PurgeStore, o: DaemonPurgeOptions): Promise<BatchedPurgeResult> {
  const run = new PurgeBatches(store, o);
  const pause = o.pause ?? nextTurn;
  while (!run.done) {
    if (o.stopped?.()) { run.result.interrupted = { by: 'stop' }; break; }
    const reasons = o.refusal?.() ?? [];
    if (reasons.length) { run.result.interrupted = { by: 'clock', reasons }; break; }
    const record = run.step();
    if (record.length) o.onBatch?.(record);
    if (!run.done) await pause();
  }
  // Move the overwritten pages out of the WAL into the main file now rather than at the next checkpoint.
  if (run.result.batches > 0 && !o.stopped?.()) store.checkpoint();
  return run.result;
}

/**
 * How many visits are due (closed before `now − retentionDays`), counted a page at a time with the event loop's turn
 * between pages: what the daemon reports while the clock is not trusted, without reading (or decrypting) any visit.
 */
export async function countDueInPages(store: PurgeStore, o: { retentionDays: number; now: number; pageSize?: number; pause?: () => Promise<void>; stopped?: () => boolean }): Promise<number> {
  const cutoff = o.now - o.retentionDays * DAY_MS;
  const pause = o.pause ?? nextTurn;
  let n = 0;
  let cursor: string | null = null;
  do {
    if (o.stopped?.()) break;
    const page = store.closedVisitPage(cutoff, cursor, o.pageSize ?? PURGE_BATCH.pageSize);
    n += page.due.length;
    cursor = page.next;
    if (cursor !== null) await pause();
  } while (cursor !== null);
  return n;
}
