/**
 * The officers' console's reads over SQLite (`ConsoleReadRepository`): the visit list's search, a visit's timeline,
 * the newest events and the open alarms, each on an index of migration 5 so a page stays fast with 100,000 visits and
 * 1,000,000 events (bench/console-queries.ts measures them).
 */
import type { Statement } from 'better-sqlite3';
import type { Db } from './db.js';
import { fromRow, type Row } from './event-log.js';
import type { Visit } from '../../domain/types.js';
import type { ConsoleReadRepository, StoredEvent, VisitSearch } from '../../ports/store.js';
import type { NameIndex } from './name-index.js';

/** The console's reads of one door's database. */
export class ConsoleReads implements ConsoleReadRepository {
  private readonly prepared = new Map<string, Statement<unknown[], unknown>>();

  /** Bind to the database and the door id; `visitOf` turns a visit row into the visit (its personal fields opened); `names` makes a name's tokens. */
  constructor(
    private readonly db: Db, private readonly door: string, private readonly visitOf: (r: { data: string; sealed: string | null }) => Visit,
    private readonly names: NameIndex,
  ) {}

  private prep<R>(sql: string): Statement<unknown[], R> {
    let st = this.prepared.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.prepared.set(sql, st);
    }
    return st as Statement<unknown[], R>;
  }

  /**
   * A page of visits, newest id first. Without a name or institution the page is a range of the id (or state, id)
   * index. With a name, the keyed blind index (name-index.ts): each word of the term must be a word or the start of a
   * word of the visit's name; the term's longest word's token is one range of the token index, read in id order, the
   * other words checked on the primary key, and only the matches read from `visits` — no name is opened to search
   * (bench/console-queries.ts measures it at 100,000 visits). With an institution only, `visit_search` (id, org) is
   * scanned in id order (the institution is kept in clear).
   */
  searchVisits(q: VisitSearch): Visit[] {
    const tokens = q.name !== undefined ? this.names.termTokens(q.name) : [];
    if (q.name !== undefined && tokens.length === 0) return []; // a term with no letter or digit names nobody
    const key = tokens.length ? 't.visit_id' : q.org !== undefined ? 's.id' : 'v.id';
    const where: string[] = [];
    const args: (string | number | Buffer)[] = [];
    if (tokens.length) {
      where.push('t.token = ?');
      args.push(tokens[0]!);
      for (const t of tokens.slice(1)) {
        where.push('EXISTS (SELECT 1 FROM visit_name_tokens w WHERE w.visit_id = t.visit_id AND w.token = ?)');
        args.push(t);
      }
    }
    if (q.before !== undefined) { where.push(`${key} < ?`); args.push(q.before); }
    if (q.yyyymmdd !== undefined) {
      // A range of ids ('-' + 1 = '.'): the day's visits, from the primary key.
      where.push(`${key} >= ? AND ${key} < ?`);
      args.push(`V-${q.yyyymmdd}-`, `V-${q.yyyymmdd}.`);
    }
    if (q.org !== undefined) { where.push('instr(s.org, lower(?)) > 0'); args.push(q.org); }
    if (q.state !== undefined) { where.push('v.state = ?'); args.push(q.state); }
    const from = [
      tokens.length ? 'visit_name_tokens t INDEXED BY visit_name_tokens_token' : '',
      q.org !== undefined ? `visit_search s${tokens.length ? ' ON s.id = t.visit_id' : ''}` : '',
      `visits v${tokens.length ? ' ON v.id = t.visit_id' : q.org !== undefined ? ' ON v.id = s.id' : ''}`,
    ].filter(Boolean).join(' CROSS JOIN ');
    const sql = `SELECT v.data, v.sealed FROM ${from} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${key} DESC LIMIT ?`;
    return this.prep<{ data: string; sealed: string | null }>(sql).all(...args, q.limit).map(this.visitOf);
  }

  /**
   * Visits named by events of `types` in a time range. The log's times never go backwards, so the range is a range of
   * seq, found by a binary search on the primary key (a few dozen lookups), then read in order.
   */
  visitIdsWithEvents(types: readonly string[], fromIso: string, toIso: string): string[] {
    const first = this.firstSeqAtOrAfter(fromIso);
    const end = this.firstSeqAtOrAfter(toIso);
    if (first === null || types.length === 0) return [];
    const sql = `SELECT DISTINCT json_extract(data, '$.visit') AS visit FROM events WHERE door = ? AND seq >= ? AND seq < ?
      AND type IN (${types.map(() => '?').join(', ')}) AND json_extract(data, '$.visit') IS NOT NULL`;
    return this.prep<{ visit: string }>(sql).all(this.door, first, end ?? Number.MAX_SAFE_INTEGER, ...types).map((r) => r.visit);
  }

  /** The first seq whose time is at or after `iso`, or null (none). */
  private firstSeqAtOrAfter(iso: string): number | null {
    // MIN and MAX in two statements: each is one end of the primary key (together SQLite would scan every event).
    const lo0 = this.prep<{ n: number | null }>('SELECT MIN(seq) AS n FROM events WHERE door = ?').get(this.door)?.n ?? null;
    const hi0 = this.prep<{ n: number | null }>('SELECT MAX(seq) AS n FROM events WHERE door = ?').get(this.door)?.n ?? null;
    if (lo0 === null || hi0 === null) return null;
    const bounds = { lo: lo0, hi: hi0 };
    const atOf = this.prep<{ at: string }>('SELECT at FROM events WHERE door = ? AND seq >= ? ORDER BY seq LIMIT 1');
    let lo = bounds.lo;
    let hi = bounds.hi + 1; // answer in [lo, hi]; hi = past the end
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const at = atOf.get(this.door, mid)?.at;
      if (at === undefined || at >= iso) hi = mid;
      else lo = mid + 1;
    }
    return lo > bounds.hi ? null : lo;
  }

  /** The events naming a visit, oldest first (the `events_visit` expression index). */
  eventsOfVisit(id: string, limit: number): StoredEvent[] {
    return this.prep<Row>("SELECT * FROM events WHERE json_extract(data, '$.visit') = ? AND door = ? ORDER BY seq LIMIT ?")
      .all(id, this.door, limit).map(fromRow);
  }

  /** The newest events of this door, newest first (the primary key, backwards). */
  recentEvents(limit: number): StoredEvent[] {
    return this.prep<Row>('SELECT * FROM events WHERE door = ? ORDER BY seq DESC LIMIT ?').all(this.door, limit).map(fromRow);
  }

  /** One event by seq, or null. */
  eventAt(seq: number): StoredEvent | null {
    const r = this.prep<Row>('SELECT * FROM events WHERE door = ? AND seq = ?').get(this.door, seq);
    return r ? fromRow(r) : null;
  }

  /** Open alarms, newest first: the small `alarm_open` table joined to their events (an alarm pruned with its event is gone). */
  openAlarms(limit: number): StoredEvent[] {
    return this.prep<Row>('SELECT e.* FROM alarm_open a CROSS JOIN events e ON e.door = a.door AND e.seq = a.seq WHERE a.door = ? ORDER BY a.seq DESC LIMIT ?')
      .all(this.door, limit).map(fromRow);
  }

  /** Seqs of the open alarms of a type naming a visit. */
  openAlarmsOfVisit(visit: string, type: string): number[] {
    return this.prep<{ seq: number }>('SELECT seq FROM alarm_open WHERE visit = ? AND door = ? AND type = ? ORDER BY seq').all(visit, this.door, type).map((r) => r.seq);
  }

  /** Whether the alarm at `seq` is open. */
  alarmOpen(seq: number): boolean {
    return this.prep<{ one: number }>('SELECT 1 AS one FROM alarm_open WHERE door = ? AND seq = ?').get(this.door, seq) !== undefined;
  }
}
