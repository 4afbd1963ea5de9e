/**
 * The small storage interface the dashboard's modules use (users, audit, alert queue, visit index, report data):
 * plain SQL with `?` placeholders, written once for SQLite and PostgreSQL. Keep statements to what both accept
 * (ON CONFLICT … DO UPDATE, RETURNING, COALESCE, CASE); where they differ, branch on `dialect`.
 */

/** Which database is behind a runner. */
export type SqlDialect = 'sqlite' | 'pg';

/** Runs SQL against the central store's database. */
export interface SqlRunner {
  /** The database behind it. */
  readonly dialect: SqlDialect;
  /** Rows of a query (PostgreSQL BIGINTs come back as strings: convert with Number()). */
  rows<R>(sql: string, args: readonly unknown[]): Promise<R[]>;
  /** Run a statement; the number of rows it changed. */
  run(sql: string, args: readonly unknown[]): Promise<number>;
}
