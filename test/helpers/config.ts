/**
 * Temporary pintu configs for tests: a temp dir holding the YAML file and the data dir.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { parseConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';

/** A temp config on disk. */
export interface TempConfig {
  /** Temp dir (removed by cleanup). */
  dir: string;
  /** Path of the YAML file. */
  file: string;
  /** The parsed config. */
  config: Config;
  /** Remove the temp dir. */
  cleanup(): void;
}

/** Write a config (sim hardware, sim in/out readers unless overridden) to a new temp dir. */
export function tempConfig(overrides: Record<string, unknown> = {}): TempConfig {
  const dir = mkdtempSync(join(tmpdir(), 'pintu-test-'));
  const raw = {
    site: 'test-site',
    door: { id: 'door-1', strikeSeconds: 1, heldOpenSeconds: 2, repeatTapSeconds: 0 },
    dataDir: join(dir, 'data'),
    hardware: 'sim',
    escort: { required: true, windowSeconds: 5 },
    readers: [{ id: 'in', direction: 'in', kind: 'sim' }, { id: 'out', direction: 'out', kind: 'sim' }],
    storage: { synchronous: 'normal' },
    log: { level: 'warn' },
    ...overrides,
  };
  const file = join(dir, 'pintu.yaml');
  writeFileSync(file, stringify(raw));
  return { dir, file, config: parseConfig(raw, dir), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A valid NIK for tests (Jawa Barat, born 12 May 1990, serial n). */
export function testNik(n = 1): string {
  return `32010112059${String(n).padStart(5, '0')}`.slice(0, 16);
}
