/**
 * Versioned schema of the central PostgreSQL database. `schema_migrations` records each applied step; at start the
 * pending steps are applied in order, all in one transaction under an advisory lock (receivers starting together
 * migrate once), and a database newer than this code is refused. Never edit a shipped step: add a new one.
 *
 * Step 1 is the schema the first PostgreSQL store created without any version table (CREATE … IF NOT EXISTS), so a
 * database made by that code is adopted as version 1 in place, its rows untouched.
 */
import type pg from 'pg';
import type { Migration } from '../adapters/sqlite/migrations.js';
import { GENESIS_HASH } from '../protocol/chain.js';
import { summaryTablesSql } from './summary-sql.js';
import { NAMES_A_VISIT_PG, VISIT_OF_EVENT_PG } from './visit-events.js';
import { HEALTH_REPORTS_DDL } from './health-reports.js';

/** All steps, in order. */
export const PG_CENTRAL_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'central: doors, events, alerts, commands',
    sql: `
      CREATE TABLE IF NOT EXISTS doors (
        site TEXT NOT NULL, door TEXT NOT NULL, public_key TEXT NOT NULL, enrolled_at BIGINT NOT NULL,
        last_seq BIGINT NOT NULL DEFAULT 0, last_hash TEXT NOT NULL DEFAULT '${GENESIS_HASH}',
        state TEXT NOT NULL DEFAULT 'unknown', status_at BIGINT, reported_last_seq BIGINT, last_seen_at BIGINT,
        command_counter BIGINT NOT NULL DEFAULT 0, PRIMARY KEY (site, door)
      );
      CREATE TABLE IF NOT EXISTS events (
        id BIGSERIAL PRIMARY KEY, site TEXT NOT NULL, door TEXT NOT NULL, seq BIGINT NOT NULL, type TEXT NOT NULL, at TEXT NOT NULL,
        data TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL, received_at BIGINT NOT NULL, UNIQUE (site, door, seq)
      );
      CREATE INDEX IF NOT EXISTS events_at ON events(at);
      CREATE INDEX IF NOT EXISTS events_type ON events(type, at);
      CREATE TABLE IF NOT EXISTS alerts (id BIGSERIAL PRIMARY KEY, at BIGINT NOT NULL, site TEXT NOT NULL, door TEXT NOT NULL, kind TEXT NOT NULL, detail TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS commands (
        id TEXT PRIMARY KEY, site TEXT NOT NULL, door TEXT NOT NULL, counter BIGINT NOT NULL, action TEXT NOT NULL,
        issued_at BIGINT NOT NULL, reply TEXT, replied_at BIGINT
      );
    `,
  },
  {
    version: 2,
    name: 'central: dashboard users, audit trail, alert acknowledgements',
    sql: `
      CREATE TABLE central_users (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, sites TEXT, password_hash TEXT NOT NULL,
        totp_secret TEXT, failed INTEGER NOT NULL DEFAULT 0, locked_until BIGINT, active INTEGER NOT NULL DEFAULT 1,
        created_at BIGINT NOT NULL, changed_at BIGINT NOT NULL
      );
      ALTER TABLE alerts ADD COLUMN acked_at BIGINT;
      ALTER TABLE alerts ADD COLUMN acked_by TEXT;
      ALTER TABLE alerts ADD COLUMN ack_note TEXT;
      CREATE INDEX alerts_open ON alerts(acked_at, id);
      CREATE INDEX alerts_site ON alerts(site, id);
      CREATE TABLE audit (
        id BIGSERIAL PRIMARY KEY, at BIGINT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
        site TEXT, door TEXT, detail TEXT NOT NULL
      );
      CREATE INDEX audit_at ON audit(at);
      CREATE INDEX audit_site ON audit(site, at);
    `,
  },
  {
    version: 3,
    name: 'central: the doors\' facts from their status (version, OS, clock, readers, health)',
    sql: `
      ALTER TABLE doors ADD COLUMN app_version TEXT, ADD COLUMN os TEXT, ADD COLUMN clock_state TEXT, ADD COLUMN readers TEXT,
        ADD COLUMN health_state TEXT, ADD COLUMN health_failing TEXT;
    `,
  },
  {
    version: 4,
    name: 'central: summaries (visit index, daily counts, step times) kept by the ingest',
    sql: summaryTablesSql('BIGINT', ''),
  },
  {
    version: 5,
    name: 'central: events of one visit by index (the dashboard\'s visit timeline)',
    // Partial, and the cheap text test first: only events that name a visit are parsed and get an entry.
    sql: `CREATE INDEX events_visit ON events(site, door, (${VISIT_OF_EVENT_PG}), seq) WHERE ${NAMES_A_VISIT_PG};`,
  },
  {
    version: 6,
    name: 'central: alert webhook cursors, alert queue indexes',
    sql: `
      CREATE TABLE webhook_cursors (
        hook TEXT PRIMARY KEY, last_id BIGINT NOT NULL, delivered BIGINT NOT NULL DEFAULT 0, failures INTEGER NOT NULL DEFAULT 0,
        last_error TEXT, owner TEXT, lease_until BIGINT, changed_at BIGINT NOT NULL
      );
      CREATE INDEX alerts_open_site ON alerts(site, id) WHERE acked_at IS NULL;
      CREATE INDEX alerts_acked_site ON alerts(site, id) WHERE acked_at IS NOT NULL;
    `,
  },
  {
    version: 7,
    name: 'central: SOP 002 monthly health report chain (submit, review, approve, return)',
    sql: HEALTH_REPORTS_DDL,
  },
  {
    version: 8,
    name: 'central: the last TOTP time step each account used (a code is accepted once)',
    sql: `
      ALTER TABLE central_users ADD COLUMN totp_step BIGINT;
    `,
  },
  {
    version: 9,
    name: 'central: each door\'s X25519 sealing key from its signed status (personal data is sent sealed to it)',
    sql: `
      ALTER TABLE doors ADD COLUMN seal_key TEXT;
    `,
  },
];

/** Advisory lock key held while migrating (the one the unversioned store used, so old and new code exclude each other). */
const MIGRATION_LOCK = 4242;

/**
 * Apply the steps newer than the database, in order, in one transaction; return the version the database is at.
 * Throws (changing nothing) if the database is newer than the last step, or if a step fails.
 */
export async function migratePg(client: pg.ClientBase, migrations: readonly Migration[] = PG_CENTRAL_MIGRATIONS): Promise<number> {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`central PostgreSQL migrations must be numbered 1, 2, 3…: step ${i + 1} says ${m.version}`);
  });
  const latest = migrations.length;
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)');
    const r = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
    const current = r.rows[0]?.v ?? 0;
    if (current > latest) {
      throw new Error(`central database schema version ${current} is newer than this pintu (${latest}); upgrade pintu or restore a matching backup`);
    }
    for (const m of migrations) {
      if (m.version <= current) continue;
      await client.query(m.sql);
      await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, Date.now()]);
    }
    await client.query('COMMIT');
    return Math.max(current, latest);
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
