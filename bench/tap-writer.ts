/**
 * Benchmark load: a reader in another process. Writes COUNT EM4100 frames of officer badges (0A00000001…) to a pty,
 * one every INTERVAL_MS, whatever the door controller is doing, and prints the monotonic time (ns, the same clock as
 * process.hrtime in every process) at which each frame's last byte was written, one per line.
 * Usage: node dist/bench/tap-writer.js PTY COUNT INTERVAL_MS OFFICERS
 */
import { openSync, writeSync } from 'node:fs';
import { encodeEm4100Frame } from '../src/adapters/serial/em4100.js';

const [pty, countArg, intervalArg, officersArg] = process.argv.slice(2);
const fd = openSync(pty!, 'w');
const count = Number(countArg ?? 100);
const interval = Number(intervalArg ?? 100);
const officers = Number(officersArg ?? 20);
let i = 0;
const timer = setInterval(() => {
  writeSync(fd, encodeEm4100Frame(`0A000000${(1 + (i % officers)).toString(16).toUpperCase().padStart(2, '0')}`));
  process.stdout.write(`${process.hrtime.bigint()}\n`);
  i += 1;
  if (i >= count) clearInterval(timer);
}, interval);
