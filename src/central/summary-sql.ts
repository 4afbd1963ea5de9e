/**
 * The SQL that writes summary rows (`projections.ts`) in either database: multi-row `INSERT … ON CONFLICT … DO UPDATE`
 * (SQLite and PostgreSQL both have it; only the two-argument maximum is spelled differently), `?` placeholders. The
 * statements of one row count are the same text, so SQLite runs one prepared statement per row and PostgreSQL sends
 * up to `rowsPerStatement` rows at once. Rows are keyed by site and door first: the ingest holds that door's row lock.
 */
import type { SqlDialect } from './sql-runner.js';
import type { CountRow, StepRow, SummaryRows, VisitRow } from './projections.js';

/** A statement and its arguments. */
export interface Statement {
  /** SQL with `?` placeholders. */
  sql: string;
  /** Its arguments. */
  args: unknown[];
}

const tuples = (rows: number, width: number): string => Array.from({ length: rows }, () => `(${Array.from({ length: width }, () => '?').join(', ')})`).join(', ');
const max = (dialect: SqlDialect, a: string, b: string): string => (dialect === 'pg' ? `GREATEST(${a}, ${b})` : `MAX(${a}, ${b})`);

/** Upsert of `rows` counters. */
export function countsSql(rows: number): string {
  return `INSERT INTO daily_counts (site, door, day, metric, key, n) VALUES ${tuples(rows, 6)} `
    + 'ON CONFLICT (site, door, day, metric, key) DO UPDATE SET n = daily_counts.n + excluded.n';
}

/** Upsert of `rows` step times. */
export function stepsSql(rows: number, dialect: SqlDialect): string {
  return `INSERT INTO step_daily (site, door, day, step, n, sum_seconds, max_seconds, over_n, standard_seconds) VALUES ${tuples(rows, 9)} `
    + 'ON CONFLICT (site, door, day, step) DO UPDATE SET n = step_daily.n + excluded.n, sum_seconds = step_daily.sum_seconds + excluded.sum_seconds, '
    + `max_seconds = ${max(dialect, 'step_daily.max_seconds', 'excluded.max_seconds')}, over_n = step_daily.over_n + excluded.over_n, standard_seconds = excluded.standard_seconds`;
}

/**
 * Upsert of `rows` visits with a state. `keepArchived`: these rows' state events were all visit.reported, so a stored
 * 'archived' stays. visit.requested among the events (requested_at set) sets kind, org and purpose; the first entry
 * stored wins.
 */
export function visitsSql(rows: number, keepArchived: boolean): string {
  const keep = (col: string): string => `${col} = CASE WHEN excluded.requested_at IS NOT NULL THEN excluded.${col} ELSE visit_index.${col} END`;
  return `INSERT INTO visit_index (site, door, visit, state, kind, org, purpose, requested_at, entered_at, updated_at) VALUES ${tuples(rows, 10)} `
    + `ON CONFLICT (site, door, visit) DO UPDATE SET state = ${keepArchived ? "CASE WHEN visit_index.state = 'archived' THEN visit_index.state ELSE excluded.state END" : 'excluded.state'}, `
    + `${['kind', 'org', 'purpose', 'requested_at'].map(keep).join(', ')}, entered_at = COALESCE(visit_index.entered_at, excluded.entered_at), updated_at = excluded.updated_at`;
}

/** A visitor's first entry, for a visit whose row exists and whose events here changed no state. */
export const ENTERED_SQL = 'UPDATE visit_index SET entered_at = ? WHERE site = ? AND door = ? AND visit = ? AND entered_at IS NULL';

const countArgs = (r: CountRow): unknown[] => [r.site, r.door, r.day, r.metric, r.key, r.n];
const stepArgs = (r: StepRow): unknown[] => [r.site, r.door, r.day, r.step, r.n, r.sumSeconds, r.maxSeconds, r.overN, r.standardSeconds];
const visitArgs = (r: VisitRow): unknown[] => [r.site, r.door, r.visit, r.state, r.kind, r.org, r.purpose, r.requestedAt, r.enteredAt, r.updatedAt];

/** The statements that write `rows`: at most `rowsPerStatement` rows each (1 for SQLite's prepared statements). */
export function summaryStatements(rows: SummaryRows, dialect: SqlDialect, rowsPerStatement: number): Statement[] {
  const out: Statement[] = [];
  const chunked = <R>(list: readonly R[], sql: (n: number) => string, args: (r: R) => unknown[]): void => {
    for (let i = 0; i < list.length; i += rowsPerStatement) {
      const part = list.slice(i, i + rowsPerStatement);
      out.push({ sql: sql(part.length), args: part.flatMap(args) });
    }
  };
  chunked(rows.counts, countsSql, countArgs);
  chunked(rows.steps, (n) => stepsSql(n, dialect), stepArgs);
  chunked(rows.visits.filter((v) => v.state !== null && !v.keepArchived), (n) => visitsSql(n, false), visitArgs);
  chunked(rows.visits.filter((v) => v.state !== null && v.keepArchived), (n) => visitsSql(n, true), visitArgs);
  for (const v of rows.visits) if (v.state === null && v.enteredAt) out.push({ sql: ENTERED_SQL, args: [v.enteredAt, v.site, v.door, v.visit] });
  return out;
}

/** Rows per multi-row statement in PostgreSQL (at most 10 columns: well under its 65,535 parameters). */
export const PG_ROWS_PER_STATEMENT = 1000;

/** The summary tables (migration step text, either database; `big` is the integer type of counters and times). */
export function summaryTablesSql(big: string, withoutRowid: string): string {
  return `
      ALTER TABLE doors ADD COLUMN summarized_seq ${big} NOT NULL DEFAULT 0;
      CREATE TABLE summary_state (id INTEGER PRIMARY KEY CHECK (id = 1), time_zone TEXT NOT NULL);
      CREATE TABLE visit_index (
        site TEXT NOT NULL, door TEXT NOT NULL, visit TEXT NOT NULL, state TEXT NOT NULL, kind TEXT, org TEXT, purpose TEXT,
        requested_at TEXT, entered_at TEXT, updated_at TEXT NOT NULL, PRIMARY KEY (site, door, visit)
      )${withoutRowid};
      CREATE INDEX visit_index_updated ON visit_index(updated_at);
      CREATE INDEX visit_index_site ON visit_index(site, updated_at);
      CREATE INDEX visit_index_state ON visit_index(state, updated_at);
      CREATE TABLE daily_counts (
        site TEXT NOT NULL, door TEXT NOT NULL, day TEXT NOT NULL, metric TEXT NOT NULL, key TEXT NOT NULL, n ${big} NOT NULL,
        PRIMARY KEY (site, door, day, metric, key)
      )${withoutRowid};
      CREATE INDEX daily_counts_day ON daily_counts(day, site);
      CREATE TABLE step_daily (
        site TEXT NOT NULL, door TEXT NOT NULL, day TEXT NOT NULL, step TEXT NOT NULL, n ${big} NOT NULL, sum_seconds ${big} NOT NULL,
        max_seconds ${big} NOT NULL, over_n ${big} NOT NULL, standard_seconds ${big} NOT NULL, PRIMARY KEY (site, door, day, step)
      )${withoutRowid};
      CREATE INDEX step_daily_day ON step_daily(day, site);
  `;
}
