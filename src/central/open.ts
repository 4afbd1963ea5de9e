/**
 * Opening the central store named by the config: a SQLite file, or PostgreSQL for `postgres://` URLs.
 */
import type { SqlCentralStore } from './sql-store.js';
import { SqliteCentralStore } from './sqlite-store.js';
import type { SummaryStoreOptions } from './summaries.js';

/** Open the store for `store:` (a file path or a postgres:// URL); `o.timeZone`: the centre's, for a new database's summaries. */
export async function openCentralStore(store: string, o: SummaryStoreOptions = {}): Promise<SqlCentralStore> {
  if (/^postgres(ql)?:\/\//.test(store)) {
    const { PgCentralStore } = await import('./pg-store.js');
    return PgCentralStore.open(store, o);
  }
  return new SqliteCentralStore(store, o);
}
