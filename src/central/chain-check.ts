/**
 * Verify a door's stored hash chain on demand: the receiver checks every event's hash as it arrives, but what sits in
 * the database may since have been changed behind its back. This re-reads the door's events in pages by seq (the
 * (site, door, seq) index), recomputes each hash with the protocol's rule (`eventHash` over the stored data text),
 * checks that each links to the one before and that the last is the door's stored head. Time-bounded: a huge door is
 * checked up to where the budget ran out, and the result says so (and from which seq to continue).
 */
import { GENESIS_HASH, eventHash } from '../protocol/chain.js';
import type { SqlRunner } from './sql-runner.js';

/** What was wrong at one seq: missing (not stored), link (prev_hash is not the previous hash), hash (content does not match), head (the stored head disagrees). */
export type ChainProblemKind = 'missing' | 'link' | 'hash' | 'head';

/** The outcome of one verification run. */
export interface ChainCheck {
  /** First seq checked. */
  from: number;
  /** Last seq checked (from − 1 when none). */
  to: number;
  /** Events checked. */
  checked: number;
  /** The door's stored head seq at the start. */
  headSeq: number;
  /** Every event up to `to` (from `from`) verified and, when complete, the head too. */
  ok: boolean;
  /** Reached the door's head (false: the budget ran out first; continue from `to + 1`). */
  complete: boolean;
  /** The first problem found, or null. */
  problem: { seq: number; kind: ChainProblemKind } | null;
  /** Wall time taken (ms). */
  ms: number;
}

/** Limits of one run. */
export interface ChainCheckOptions {
  /** First seq to check (default 1; later seqs chain to the stored hash of `from − 1`). */
  from?: number;
  /** Stop after this long (ms; default 5000), between pages. */
  budgetMs?: number;
  /** Stop after this many events (default: no limit). */
  maxEvents?: number;
  /** Events read per page (default 2000). */
  pageSize?: number;
  /** Clock (ms). */
  now?: () => number;
}

type Row = { seq: number | string; type: string; at: string; data: string; prev_hash: string; hash: string };

/** Verify the stored chain of one door (null when the door is not enrolled). Yields to the event loop between pages. */
export async function verifyStoredChain(sql: SqlRunner, site: string, door: string, o: ChainCheckOptions = {}): Promise<ChainCheck | null> {
  const now = o.now ?? Date.now;
  const started = now();
  const head = (await sql.rows<{ last_seq: number | string; last_hash: string }>('SELECT last_seq, last_hash FROM doors WHERE site = ? AND door = ?', [site, door]))[0];
  if (!head) return null;
  const headSeq = Number(head.last_seq);
  const from = Math.max(1, Math.floor(o.from ?? 1));
  const pageSize = o.pageSize ?? 2000;
  const budget = o.budgetMs ?? 5000;
  const done = (to: number, checked: number, complete: boolean, problem: ChainCheck['problem']): ChainCheck =>
    ({ from, to, checked, headSeq, ok: problem === null, complete, problem, ms: now() - started });

  let prev = GENESIS_HASH;
  if (from > 1) {
    const anchor = (await sql.rows<{ hash: string }>('SELECT hash FROM events WHERE site = ? AND door = ? AND seq = ?', [site, door, from - 1]))[0];
    if (!anchor) return done(from - 1, 0, false, { seq: from - 1, kind: 'missing' });
    prev = anchor.hash;
  }
  let next = from;
  let checked = 0;
  for (;;) {
    const limit = o.maxEvents !== undefined ? Math.min(pageSize, o.maxEvents - checked) : pageSize;
    if (limit <= 0) return done(next - 1, checked, next > headSeq, next > headSeq ? headProblem(next - 1, prev, headSeq, head.last_hash) : null);
    const rows = await sql.rows<Row>('SELECT seq, type, at, data, prev_hash, hash FROM events WHERE site = ? AND door = ? AND seq >= ? ORDER BY seq LIMIT ?', [site, door, next, limit]);
    for (const r of rows) {
      const seq = Number(r.seq);
      if (seq !== next) return done(next - 1, checked, false, { seq: next, kind: 'missing' });
      if (r.prev_hash !== prev) return done(next - 1, checked, false, { seq, kind: 'link' });
      if (eventHash(prev, door, seq, r.type, r.at, r.data) !== r.hash) return done(next - 1, checked, false, { seq, kind: 'hash' });
      prev = r.hash;
      next = seq + 1;
      checked += 1;
    }
    if (rows.length < limit) return done(next - 1, checked, true, headProblem(next - 1, prev, headSeq, head.last_hash));
    if (now() - started >= budget) return done(next - 1, checked, false, null);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** The stored head must be the last event checked (same seq, same hash). */
function headProblem(lastSeq: number, lastHash: string, headSeq: number, headHash: string): ChainCheck['problem'] {
  if (lastSeq < headSeq) return { seq: lastSeq + 1, kind: 'missing' };
  if (lastSeq !== headSeq || (headSeq > 0 && lastHash !== headHash)) return { seq: headSeq, kind: 'head' };
  return null;
}

/** The audit action of a stored-chain check. */
export const CHAIN_CHECK_ACTION = 'door.chain_verified';

/** The last stored-chain check of a door (from the audit trail), or null. */
export async function lastChainCheck(sql: SqlRunner, site: string, door: string): Promise<{ at: number; actor: string; check: ChainCheck } | null> {
  const r = (await sql.rows<{ at: number | string; actor: string; detail: string }>(
    'SELECT at, actor, detail FROM audit WHERE site = ? AND door = ? AND action = ? ORDER BY id DESC LIMIT 1', [site, door, CHAIN_CHECK_ACTION]))[0];
  if (!r) return null;
  try {
    return { at: Number(r.at), actor: r.actor, check: JSON.parse(r.detail) as ChainCheck };
  } catch { return null; }
}
