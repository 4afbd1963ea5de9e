import { describe, it, expect, afterEach } from 'vitest';
import { join } from 'node:path';
import { tempConfig, type TempConfig } from '../helpers/config.js';
import { pintu, pintuJson, pintuSpawn, startDaemonCli, until } from '../helpers/cli.js';

const temps: TempConfig[] = [];
afterEach(() => { for (const t of temps.splice(0)) t.cleanup(); });

describe('maintenance CLI (built dist, sim hardware)', () => {
  it('backup while the daemon runs; restore and hw test are refused while it runs, allowed after it stopped', async () => {
    const t = tempConfig();
    temps.push(t);
    // Create and migrate the database first: two processes migrating a new file at once can collide.
    expect(pintuJson<{ daemon: string }>(t.file, ['status']).daemon).toBe('not running');
    const daemon = await startDaemonCli(t.file);
    try {
      const b = pintuJson<{ file: string }>(t.file, ['backup', join(t.dir, 'b.db')]);
      expect(b.file).toBe(join(t.dir, 'b.db'));
      const r = pintu(t.file, ['restore', join(t.dir, 'b.db')]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/restore refused: the pintu daemon is running on this database \(pid \d+\)/);
      const hw = pintu(t.file, ['hw', 'test', '--seconds', '0', '--tap-timeout', '0']);
      expect(hw.code).toBe(2);
      expect(hw.stderr).toContain('hw test refused');
      const h = pintuJson<{ items: { item: string; status: string }[] }>(t.file, ['health']);
      expect(h.items.find((i) => i.item === 'reader:in')?.status).toMatch(/ok|warn/);
      expect(h.items.find((i) => i.item === 'database')?.status).toBe('ok');
    } finally {
      await daemon.stop();
    }
    // Nothing was read and no input changed: the hardware test fails (exit 1) and says what it did not see.
    const hwRun = pintu(t.file, ['hw', 'test', '--seconds', '0', '--tap-timeout', '0', '--json']);
    expect(hwRun.code).toBe(1);
    const hw = JSON.parse(hwRun.stdout) as { relay: string; ok: boolean; problems: string[]; readers: { id: string; result: string }[] };
    expect(hw).toMatchObject({ relay: 'ok', ok: false, readers: [{ id: 'in', result: 'timeout' }, { id: 'out', result: 'timeout' }] });
    expect(hw.problems).toContain('reader in read no card');
    const r = pintu(t.file, ['restore', join(t.dir, 'b.db')]);
    expect(r.code).toBe(0);
    expect(pintu(t.file, ['purge', '--dry-run']).code).toBe(0);
  }, 90_000); // about ten CLI processes plus the daemon: slow on a loaded 2-core runner

  it('hw test: Ctrl-C during the relay click drives the relay off and exits 130', async () => {
    const t = tempConfig();
    temps.push(t);
    const child = pintuSpawn(t.file, ['hw', 'test', '--seconds', '5', '--tap-timeout', '5']);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => child.once('exit', (code, signal) => res({ code, signal })));
    await until(() => stdout.includes('1/3 relay: ON'), 'the relay click', 30_000);
    child.kill('SIGINT');
    const r = await exit;
    expect(r, stderr).toEqual({ code: 130, signal: null });
    expect(stderr).toContain('hw test interrupted by SIGINT: relay OFF');
  }, 60_000);
});
