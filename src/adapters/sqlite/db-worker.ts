/**
 * The database worker thread (see `db-check.ts`): runs one check or backup on its own connection and posts the outcome.
 */
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { backupDatabaseFile, checkDatabaseFile, type DbWorkerTask } from './db-check.js';

// On Linux a nice value belongs to the thread (priority 0 = this thread): the copy and the integrity check, seconds of
// CPU on a large database, yield the cores to the daemon's event loop and the readers. Best effort.
try { setPriority(0, 10); } catch { /* not permitted here: run at the normal priority */ }

const task = workerData as DbWorkerTask;
try {
  const value = task.kind === 'check' ? checkDatabaseFile(task.file, task.options) : await backupDatabaseFile(task.source, task.target);
  parentPort?.postMessage({ ok: true, value });
} catch (err) {
  parentPort?.postMessage({ ok: false, error: (err as Error).message });
}
