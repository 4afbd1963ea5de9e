/**
 * The database worker thread (see `db-check.ts`): runs one check or backup on its own connection and posts the outcome.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { backupDatabaseFile, checkDatabaseFile, type DbWorkerTask } from './db-check.js';

const task = workerData as DbWorkerTask;
try {
  const value = task.kind === 'check' ? checkDatabaseFile(task.file, task.options) : await backupDatabaseFile(task.source, task.target);
  parentPort?.postMessage({ ok: true, value });
} catch (err) {
  parentPort?.postMessage({ ok: false, error: (err as Error).message });
}
