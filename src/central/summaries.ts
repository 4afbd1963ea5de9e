/**
 * The summaries' lifecycle: their time zone, the backfill that brings doors' summaries up to their stored events (a
 * database upgraded from before the summaries, events written straight into the table by a bench, a time zone changed
 * with `pintu central summaries rebuild --full`), and how far behind they are.
 *
 * Each door has `summarized_seq`: the highest seq its summaries hold. The ingest projects a door's new events in its
 * transaction only when the door is up to date (summarized_seq = last_seq) and moves it on; a door behind is left to
 * the backfill, which moves it forward in steps of a few thousand events, each in one transaction holding the door's
 * row (`SqlCentralStore.summarizeStep`). So an event is counted exactly once, whoever gets to it, and receivers and a
 * backfill may run at the same time.
 */
import type { SqlRunner } from './sql-runner.js';
import type { ProjectedEvent } from './projections.js';

/** The time zone of a new database's summaries when the store is opened without one. */
export const DEFAULT_SUMMARY_TIME_ZONE = 'Asia/Jakarta';

/** Options of a central store about its summaries. */
export interface SummaryStoreOptions {
  /** IANA time zone of the days of a new database's summaries (the centre's `timeZone`; default Asia/Jakarta). An existing database keeps its own until `resetSummaries`. */
  timeZone?: string;
}

/** An events row as the backfill reads it. */
export interface BackfillEventRow {
  /** Seq. */
  seq: number | string;
  /** Type. */
  type: string;
  /** Time (ISO). */
  at: string;
  /** Data JSON text. */
  data: string;
}

/** Stored rows as events to project (data text parsed; unreadable data reads as {}). */
export function eventsToProject(rows: readonly BackfillEventRow[]): ProjectedEvent[] {
  return rows.map((r) => {
    let data: Record<string, unknown> = {};
    try {
      const v: unknown = JSON.parse(r.data);
      if (v && typeof v === 'object' && !Array.isArray(v)) data = v as Record<string, unknown>;
    } catch { /* counted by type only */ }
    return { type: r.type, at: r.at, data };
  });
}

/** What the backfill needs of a store (`SqlCentralStore`). */
export interface SummaryTarget {
  /** The store's database. */
  readonly sql: SqlRunner;
  /** Bring one door forward by at most `maxEvents`; the number summarized (0: up to date). */
  summarizeStep(site: string, door: string, maxEvents: number): Promise<number>;
  /** Empty the summaries and set their time zone. */
  resetSummaries(timeZone: string): Promise<void>;
}

/** How far the summaries are behind the events. */
export interface SummaryStatus {
  /** The time zone of their days (null: none set). */
  timeZone: string | null;
  /** Doors whose summaries are behind their events. */
  doorsBehind: number;
  /** Events not yet summarized. */
  eventsBehind: number;
}

/** How far behind the summaries are (of the sites in `scope`; null: all). */
export async function summaryStatus(sql: SqlRunner, scope: readonly string[] | null = null): Promise<SummaryStatus> {
  const tz = (await sql.rows<{ time_zone: string }>('SELECT time_zone FROM summary_state WHERE id = 1', []))[0]?.time_zone ?? null;
  const where = scope === null ? '' : scope.length ? ` AND site IN (${scope.map(() => '?').join(', ')})` : ' AND 1 = 0';
  const r = (await sql.rows<{ doors: number | string; events: number | string | null }>(
    `SELECT count(*) AS doors, sum(last_seq - summarized_seq) AS events FROM doors WHERE summarized_seq < last_seq${where}`, scope ?? []))[0];
  return { timeZone: tz, doorsBehind: Number(r?.doors ?? 0), eventsBehind: Number(r?.events ?? 0) };
}

/** Options of a backfill. */
export interface BackfillOptions {
  /** Events per transaction (default 5,000). */
  batchEvents?: number;
  /** Doors brought forward at once (default 1; PostgreSQL's pool has 4 connections). */
  concurrency?: number;
  /** Called after each step with the totals so far. */
  onProgress?: (p: { doors: number; events: number }) => void;
  /** Stop early (between steps) when this aborts. */
  signal?: AbortSignal;
}

/** Bring every door's summaries up to its stored events; returns the doors brought forward and the events summarized. */
export async function catchUpSummaries(store: SummaryTarget, o: BackfillOptions = {}): Promise<{ doors: number; events: number }> {
  const batch = Math.max(1, o.batchEvents ?? 5000);
  const total = { doors: 0, events: 0 };
  const behind = await store.sql.rows<{ site: string; door: string }>('SELECT site, door FROM doors WHERE summarized_seq < last_seq ORDER BY site, door', []);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < behind.length; i = next++) {
      const { site, door } = behind[i]!;
      let moved = false;
      for (;;) {
        if (o.signal?.aborted) return;
        const n = await store.summarizeStep(site, door, batch);
        // SQLite answers synchronously: let the receiver's messages in between two steps.
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (n === 0) break;
        moved = true;
        total.events += n;
        o.onProgress?.({ ...total });
      }
      if (moved) total.doors += 1;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, o.concurrency ?? 1) }, worker));
  return total;
}

/**
 * Rebuild the summaries from the events table: with `timeZone`, empty them first and count days in that zone (a full
 * rebuild); without, only bring the doors behind up to date. For `pintu central summaries rebuild` and for a bench
 * that writes events straight into the table (leave `doors.summarized_seq` at 0 and call this; PostgreSQL: open a
 * `PgCentralStore` on the database and pass `concurrency: 4`).
 */
export async function rebuildSummaries(store: SummaryTarget, o: BackfillOptions & { timeZone?: string } = {}): Promise<{ doors: number; events: number }> {
  if (o.timeZone) await store.resetSummaries(o.timeZone);
  return catchUpSummaries(store, o);
}
