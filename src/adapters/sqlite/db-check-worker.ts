/**
 * Worker thread of `checkDatabaseInWorker`: runs the database checks on its own read-only connection and posts the result.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { checkDatabaseFile, type DbCheckOptions } from './db-check.js';

const { file, options } = workerData as { file: string; options: DbCheckOptions };
parentPort?.postMessage(checkDatabaseFile(file, options));
