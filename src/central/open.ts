/**
 * Opening the central store named by the config: a SQLite file, or PostgreSQL for `postgres://` URLs.
 */
import type { SqlCentralStore } from './sql-store.js';
import { SqliteCentralStore } from './sqlite-store.js';

/** Open the store for `store:` (a file path or a postgres:// URL). */
export async function openCentralStore(store: string): Promise<SqlCentralStore> {
  if (/^postgres(ql)?:\/\//.test(store)) {
    const { PgCentralStore } = await import('./pg-store.js');
    return PgCentralStore.open(store);
  }
  return new SqliteCentralStore(store);
}
