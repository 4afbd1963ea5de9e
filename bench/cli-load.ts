/**
 * Benchmark load: another process doing what CLI commands do, `rate` times a second, against the door's database —
 * status, visit list, events since, and a visit request (a write that takes the lock). It runs the same code the CLI
 * runs, in one process, so the load is the commands' database work rather than Node start-up.
 * Usage: node dist/bench/cli-load.js CONFIG RATE SECONDS → prints the number of commands run.
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parse } from 'yaml';
import { parseConfig } from '../src/config/load.js';
import { openStore, visitService } from '../src/main.js';
import { doorSnapshot } from '../src/cli/door.js';

const [file, rateArg, secondsArg] = process.argv.slice(2);
const config = parseConfig(parse(readFileSync(file!, 'utf8')), dirname(file!));
const rate = Number(rateArg ?? 20);
const end = Date.now() + Number(secondsArg ?? 60) * 1000;
let n = 0;
const commands: (() => void)[] = [
  () => { const s = openStore(config); try { doorSnapshot(s); } finally { s.db.close(); } },
  () => { const s = openStore(config); try { s.visits({ limit: 20 }); } finally { s.db.close(); } },
  () => { const s = openStore(config); try { s.events.since(s.events.lastSeq() - 50, 50); } finally { s.db.close(); } },
  () => {
    const s = openStore(config);
    try { visitService(config, s).request({ name: 'Load', nik: '3201011205900001', org: 'Bench', purpose: 'load' }); } finally { s.db.close(); }
  },
];
const timer = setInterval(() => {
  if (Date.now() > end) { clearInterval(timer); process.stdout.write(`${n}\n`); return; }
  commands[n % commands.length]!();
  n += 1;
}, 1000 / rate);
