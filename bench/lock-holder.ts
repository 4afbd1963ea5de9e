/**
 * Benchmark load: another process that takes the database's write lock (`BEGIN IMMEDIATE`), holds it for HOLD_MS,
 * commits, waits GAP_MS, and again, until killed — a CLI command or a backup restore stuck mid-transaction.
 * Usage: node dist/bench/lock-holder.js DB HOLD_MS GAP_MS → prints "locked" once it first holds the lock.
 */
import Database from 'better-sqlite3';

const [db, holdArg, gapArg] = process.argv.slice(2);
const conn = new Database(db!);
conn.pragma('busy_timeout = 10000');
const hold = Number(holdArg ?? 1000);
const gap = Number(gapArg ?? 200);
const nap = new Int32Array(new SharedArrayBuffer(4));
let first = true;
for (;;) {
  conn.exec('BEGIN IMMEDIATE');
  if (first) { process.stdout.write('locked\n'); first = false; }
  Atomics.wait(nap, 0, 0, hold);
  conn.exec('COMMIT');
  Atomics.wait(nap, 0, 0, gap);
}
