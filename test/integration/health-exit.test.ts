/**
 * `pintu health` exit codes through the built CLI (issue 16, item 7), for scripts and monitoring: 0 every item ok or
 * warn, 1 an item failed, 2 the daemon is not running (it outranks a failed item), 3 the checklist could not run.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { tempConfig, type TempConfig } from '../helpers/config.js';
import { pintu, pintuJson, startDaemonCli } from '../helpers/cli.js';

const temps: TempConfig[] = [];
afterEach(() => { for (const t of temps.splice(0)) t.cleanup(); });
type Report = { status: string; items: { item: string; status: string; value: unknown; detail: string }[] };

describe('pintu health exit codes (built dist, sim hardware)', () => {
  it('2 without the daemon (report still printed and recorded), 3 when the checklist cannot run', () => {
    const t = tempConfig();
    temps.push(t);
    const r = pintu(t.file, ['health', '--json']);
    expect(r.code).toBe(2);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.items[0]).toMatchObject({ item: 'daemon', status: 'fail', value: 'not running' });
    // The inventory items of SOP 002 are there (sim readers: no pcscd item; no gpio.mains: no UPS item).
    expect(report.items.map((i) => i.item)).toEqual(expect.arrayContaining(['backup', 'storage-wear', 'software']));
    expect(report.items.find((i) => i.item === 'backup')).toMatchObject({ status: 'warn', detail: expect.stringContaining('no backup yet') });
    expect(pintu(t.file, ['events', '--type', 'alarm.health', '--json']).stdout).toContain('"item":"daemon"');

    const broken = join(t.dir, 'broken.yaml');
    writeFileSync(broken, 'door: [\n');
    const bad = pintu(broken, ['health']);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/^pintu: health: the checklist could not run: /);
  }, 120_000);

  it('0 with the daemon running and nothing failed; 1 once an item fails (an altered event)', async () => {
    const t = tempConfig();
    temps.push(t);
    expect(pintuJson<{ daemon: string }>(t.file, ['status']).daemon).toBe('not running');
    const daemon = await startDaemonCli(t.file);
    try {
      const ok = pintu(t.file, ['health', '--json']);
      const report = JSON.parse(ok.stdout) as Report;
      expect(report.items.filter((i) => i.status === 'fail')).toEqual([]);
      expect(report.items[0]).toMatchObject({ item: 'daemon', status: 'ok', value: 'running' });
      expect(report.items.find((i) => i.item === 'software')).toMatchObject({ status: 'ok' });
      expect(ok.code).toBe(0);

      const db = new Database(join(t.config.dataDir, 'pintu.db'));
      db.exec('DROP TRIGGER events_append_only');
      db.prepare("UPDATE events SET data = json_set(data, '$.altered', 1) WHERE seq = 1").run();
      db.close();
      const failed = pintu(t.file, ['health', '--json']);
      expect((JSON.parse(failed.stdout) as Report).items.find((i) => i.item === 'event-chain')?.status).toBe('fail');
      expect(failed.code).toBe(1);
    } finally {
      await daemon.stop();
    }
  }, 180_000);
});
