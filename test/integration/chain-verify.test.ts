/**
 * The event log's hash chain is verified where SQLite's own checks cannot see an edit (issue 9, section 4): `pintu
 * restore` refuses a backup with one altered event and changes nothing, `pintu health` fails its event-chain item, and
 * the daemon raises `alarm.chain_broken` at start when a recent event was altered, while still running fail-secure.
 */
import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { buildDaemon, openStore, visitService } from '../../src/main.js';
import { SimDoorIo } from '../../src/adapters/sim/sim-door-io.js';
import { SimCardReader } from '../../src/adapters/sim/sim-reader.js';
import { silentLogger } from '../../src/adapters/log/pino.js';
import { checkDatabaseInWorker } from '../../src/adapters/sqlite/db-check.js';
import { pintu, pintuJson } from '../helpers/cli.js';
import { tempConfig, type TempConfig } from '../helpers/config.js';

const temps: TempConfig[] = [];
afterEach(() => { for (const t of temps.splice(0)) t.cleanup(); });

/** A config whose database holds a few officers (events 1..n). */
function withEvents(n = 5): TempConfig {
  const t = tempConfig();
  temps.push(t);
  const store = openStore(t.config);
  const visits = visitService(t.config, store);
  for (let i = 1; i <= n; i++) visits.addOfficer(`Petugas ${i}`, 'staff', `0A0000000${i}`);
  store.db.close();
  return t;
}

/** Edit one stored event the way an attacker with the file would: around the append-only trigger. */
function alterEvent(file: string, seq: number): void {
  const db = new Database(file);
  db.exec('DROP TRIGGER events_append_only');
  db.prepare("UPDATE events SET data = json_set(data, '$.role', 'head') WHERE seq = ?").run(seq);
  db.close();
}

const sha = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('hash chain verification', () => {
  it('pintu restore refuses a backup with one altered event, says why, and changes nothing', () => {
    const t = withEvents();
    const backup = join(t.dir, 'b.db');
    expect(pintu(t.file, ['backup', backup]).code).toBe(0);
    alterEvent(backup, 3);
    const dbPath = join(t.config.dataDir, 'pintu.db');
    const before = sha(dbPath);
    const r = pintu(t.file, ['restore', backup]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/restore refused: .*b\.db: the event log's hash chain does not verify \(door door-1: hash mismatch at seq 3\)/);
    expect(r.stderr).toContain('choose another backup');
    expect(sha(dbPath)).toBe(before);
    expect(readdirSync(t.config.dataDir).filter((f) => f.includes('before-restore'))).toEqual([]);
    expect(pintu(t.file, ['events', '--type', 'backup.restored']).stdout).toBe('');
    // The untouched backup of the same database restores.
    const good = join(t.dir, 'good.db');
    expect(pintu(t.file, ['backup', good]).code).toBe(0);
    expect(pintu(t.file, ['restore', good]).code).toBe(0);
  }, 60_000);

  it('pintu health fails the event-chain item when an event was altered in the live database', async () => {
    const t = withEvents();
    const ok = pintu(t.file, ['health', '--json']);
    const okItems = (JSON.parse(ok.stdout) as { items: { item: string; status: string }[] }).items;
    expect(okItems.find((i) => i.item === 'event-chain')?.status).toBe('ok');
    const dbPath = join(t.config.dataDir, 'pintu.db');
    alterEvent(dbPath, 2);
    const r = pintu(t.file, ['health', '--json']);
    expect(r.code).toBe(2); // issue 16: no daemon runs here, and that outranks the failed item (1); health-exit.test.ts has 1
    expect(r.stdout).toContain('"item":"daemon"');
    const items = (JSON.parse(r.stdout) as { items: { item: string; status: string; detail: string }[] }).items;
    expect(items.find((i) => i.item === 'database')?.status).toBe('ok'); // SQLite sees nothing wrong
    expect(items.find((i) => i.item === 'event-chain')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/hash mismatch at seq 2/) });
    expect(pintu(t.file, ['events', '--type', 'alarm.health', '--json']).stdout).toContain('event-chain');
    // The daemon's scheduled check (in a worker thread) finds the same.
    const w = await checkDatabaseInWorker(dbPath, { pragma: 'quick_check', chain: 'all' });
    expect(w.integrity).toEqual(['ok']);
    expect(w.chains).toEqual([{ door: 'door-1', lastSeq: expect.any(Number), from: 0, problem: 'hash mismatch at seq 2' }]);
  }, 60_000);

  it('the daemon raises alarm.chain_broken at start for an altered recent event, and still runs fail-secure', async () => {
    const t = withEvents();
    alterEvent(join(t.config.dataDir, 'pintu.db'), 4);
    const io = new SimDoorIo({ relayOn: true });
    const rin = new SimCardReader('in', 'in');
    const daemon = await buildDaemon(t.config, silentLogger(), { io, readers: [rin] });
    try {
      await daemon.start();
      expect(io.relay.isOn).toBe(false);
      const events = daemon.parts.store.events.since(0, 1000);
      const alarm = events.filter((e) => e.type === 'alarm.chain_broken');
      expect(alarm).toHaveLength(1);
      expect(alarm[0]!.data).toMatchObject({ problem: 'hash mismatch at seq 4', checkedFrom: 1 });
      expect(daemon.healthy()).toBe(true);
      rin.tap('0A00000001'); // the door still works for an officer
      expect(daemon.parts.store.events.since(0, 1000).some((e) => e.type === 'access.granted')).toBe(true);
    } finally {
      await daemon.stop('test end');
    }
    // An intact database raises nothing.
    const t2 = withEvents();
    const d2 = await buildDaemon(t2.config, silentLogger(), { io: new SimDoorIo(), readers: [] });
    await d2.start();
    expect(d2.parts.store.events.since(0, 1000).map((e) => e.type)).not.toContain('alarm.chain_broken');
    await d2.stop('test end');
    expect(existsSync(t2.config.dataDir)).toBe(true);
  });
});
