/**
 * `npm run bench` (last part): the time to purge 100,000 visits past retention (issue 14) — the one big run a door makes
 * when retention first applies to a full history (an upgrade, or `privacy.retentionDays` shortened); the daemon's
 * 10-minute job afterwards purges only the few visits closed since its last tick. A door seeded with 100,000 closed
 * visits (bench/seed.ts, names, NIKs, purposes, every 10th a maintenance visit) runs the same `purgePersonalData` the
 * daemon and `pintu purge` run (the unit's heap caps are test/integration/purge-memory.test.ts's); then the steady state: one tick's purge of 100
 * visits on the purged door. Sizes: BENCH_PURGE_VISITS.
 *
 * Goal ≤ 60 s for 100,000 on this machine: the run holds the write lock while it works (one transaction, so a crash
 * leaves no half-purged history without its destruction record), and a minute of taps waiting once per upgrade is what
 * a site can plan for; steady state ≤ 100 ms (below a tap's patience).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seed } from './seed.js';
import { parseConfig } from '../src/config/load.js';
import { openStore, dataCipher } from '../src/main.js';
import { createDataKeyFile } from '../src/adapters/os/data-key-file.js';
import { purgePersonalData } from '../src/app/maintenance/purge.js';
import { Table } from './table.js';

const VISITS = Number(process.env.BENCH_PURGE_VISITS ?? 100_000);
const DAY = 86_400_000;

const dir = mkdtempSync(join(tmpdir(), 'pintu-bench-purge-'));
const table = new Table('npm run bench: purge');
try {
  const config = parseConfig({ site: 's', door: { id: 'd' }, dataDir: join(dir, 'data'), hardware: 'sim', log: { level: 'silent' }, privacy: { retentionDays: 30, keyFile: join(dir, 'keys', 'data.key') } }, dir);
  createDataKeyFile(config.privacy.keyFile);
  const t0 = Date.now();
  // Closed 400 to ~50 days ago (seed's default): all past a 30-day retention.
  seed(config.dataDir, 'd', VISITS, 0, { cipher: dataCipher(config)! }); // sealed, as the door's store keeps them
  console.log(`purge bench: ${VISITS.toLocaleString('en')} closed visits seeded in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  const store = openStore(config);
  try {
    const rss0 = process.memoryUsage().rss;
    const start = process.hrtime.bigint();
    const r = purgePersonalData(store, { retentionDays: 30, now: Date.now(), dryRun: false, run: { ranBy: 'cli' } });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    const grown = (process.memoryUsage().rss - rss0) / 1e6;
    table.row(`purge of ${r.count.toLocaleString('en')} visits past retention (name, NIK, phone, hashes, free text; one transaction, destruction record)`,
      `${(ms / 1000).toFixed(1)} s (${(ms * 1000 / Math.max(1, r.count)).toFixed(0)} µs a visit; RSS +${grown.toFixed(0)} MB)`, '≤ 60 s', r.count === VISITS && ms <= 60_000);
    // Steady state: the visits one 10-minute tick finds (100 is a busy day's worth), on the purged history.
    const now = Date.now();
    const ids = (store.db.prepare('SELECT id FROM visits ORDER BY requested_at DESC LIMIT 100').pluck().all() as string[]);
    store.tx(() => {
      for (const id of ids) {
        const v = store.visit(id)!;
        const { purged: _purged, ...unpurged } = v;
        store.saveVisit({ ...unpurged, visitor: { ...v.visitor, name: 'Baru Datang', nik: '3201011205900001' }, purpose: 'baru', state: 'archived', at: { ...v.at, archived: now - 40 * DAY } });
      }
    });
    const s2 = process.hrtime.bigint();
    const again = purgePersonalData(store, { retentionDays: 30, now, dryRun: false, run: { ranBy: 'daemon' } });
    const ms2 = Number(process.hrtime.bigint() - s2) / 1e6;
    table.row(`steady state: one tick purging ${again.count} visits among ${VISITS.toLocaleString('en')} already purged`, `${ms2.toFixed(1)} ms`, '≤ 100 ms', again.count === ids.length && ms2 <= 100);
  } finally {
    store.db.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
table.print();
