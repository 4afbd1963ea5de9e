/**
 * The retention purge's queries (issue 14, item 3): which visits are due, decided in SQL from clear columns and the
 * visit's clear states and times only (never a personal field: those may be sealed). `visitIdsClosedBefore` lists every
 * due visit at once, oldest first (a dry run, `pintu purge`); `closedVisitPage` walks the not-yet-purged closed visits a
 * page at a time through the `visits_unpurged` index (its entries are ordered by state, then rowid), so the daemon's
 * batched purge never reads more than one page between two turns of its event loop.
 */
import type { Statement } from 'better-sqlite3';
import type { DueVisitPage } from '../../ports/store.js';

/** Prepare (and cache) a statement: the store's own `prep`. */
type Prep = <P extends unknown[], R>(sql: string) => Statement<P, R>;

/** The states a purge closes, in the order a page walk visits them. */
const CLOSED = ['archived', 'cancelled', 'checked_out', 'denied', 'expired', 'revoked'] as const;

/** The purge's rule on one `visits` row (one parameter: the cutoff, ms): closed before it, no KTP held, no badge out. */
const DUE = `(json_extract(data, '$.ktpHeld') IS NOT 1
      AND (state <> 'revoked' OR badge_uid IS NULL)
      AND (CASE state WHEN 'denied' THEN json_extract(data, '$.at.decided') WHEN 'cancelled' THEN json_extract(data, '$.at.cancelled')
           WHEN 'expired' THEN json_extract(data, '$.at.expired') WHEN 'revoked' THEN json_extract(data, '$.at.revoked')
           ELSE coalesce(json_extract(data, '$.at.archived'), json_extract(data, '$.at.checkedOut')) END) < ?)`;

/** Ids of visits closed before `cutoff`, not yet purged, KTP not held, oldest first. */
export function visitIdsClosedBefore(prep: Prep, cutoff: number): string[] {
  return prep<[number], string>(`SELECT id FROM visits INDEXED BY visits_unpurged
    WHERE purged_at IS NULL AND state IN (${CLOSED.map((s) => `'${s}'`).join(', ')}) AND ${DUE}
    ORDER BY requested_at, id`).pluck().all(cutoff);
}

/**
 * One page of the walk through the not-yet-purged closed visits: at most `limit` index entries looked at from `after`
 * (a cursor this function returned; null: from the start), the due ones' ids, and the cursor of the next page (null:
 * the walk is over). Each page costs at most `limit` rows, due or not; a visit that is not due is passed, never looked at
 * again in the same walk.
 */
export function closedVisitPage(prep: Prep, cutoff: number, after: string | null, limit: number): DueVisitPage {
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`page limit must be a positive integer, not ${limit}`);
  let [state, rowid] = after === null ? [0, 0] : cursorOf(after);
  const due: string[] = [];
  let looked = 0;
  const page = prep<[number, string, number, number], { r: number; id: string; due: number }>(`SELECT rowid AS r, id, ${DUE} AS due
    FROM visits INDEXED BY visits_unpurged WHERE purged_at IS NULL AND state = ? AND rowid > ? ORDER BY rowid LIMIT ?`);
  for (; state < CLOSED.length; state += 1, rowid = 0) {
    const rows = page.all(cutoff, CLOSED[state]!, rowid, limit - looked);
    for (const row of rows) if (row.due === 1) due.push(row.id);
    looked += rows.length;
    if (looked >= limit) return { due, next: `${state}:${rows.at(-1)!.r}` };
  }
  return { due, next: null };
}

/** The state index and rowid a cursor names. */
function cursorOf(cursor: string): [number, number] {
  const m = /^(\d+):(\d+)$/.exec(cursor);
  if (!m || Number(m[1]) >= CLOSED.length) throw new Error(`not a page cursor of the purge walk: "${cursor}"`);
  return [Number(m[1]), Number(m[2])];
}
