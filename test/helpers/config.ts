/**
 * Temporary pintu configs for tests: a temp dir holding the YAML file and the data dir.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { parseConfig } from '../../src/config/load.js';
import { createDataKeyFile } from '../../src/adapters/os/data-key-file.js';
import { createBadgeKeyFile } from '../../src/adapters/os/badge-key-file.js';
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
    // Any free port: tests run many doors at once (the console's default 8080 would collide).
    console: { listen: '127.0.0.1:0' },
    ...overrides,
    // The data-encryption key, outside the data dir as on a real door, created here as the installer does.
    privacy: { keyFile: join(dir, 'keys', 'data.key'), ...(overrides.privacy as object | undefined) },
    // The badge master keys (issue 15), beside the data key, created here as the installer does: no test uses /etc/pintu.
    badges: { keyFile: join(dir, 'keys', 'badge.keys'), ...(overrides.badges as object | undefined) },
  };
  const keyFile = (raw.privacy as { keyFile: string }).keyFile;
  if (keyFile.startsWith(dir) && !existsSync(keyFile)) createDataKeyFile(keyFile);
  const badgeKeyFile = (raw.badges as { keyFile: string }).keyFile;
  if (badgeKeyFile.startsWith(dir) && !existsSync(badgeKeyFile)) createBadgeKeyFile(badgeKeyFile);
  const file = join(dir, 'pintu.yaml');
  writeFileSync(file, stringify(raw));
  return { dir, file, config: parseConfig(raw, dir), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A valid NIK for tests (Jawa Barat, born 12 May 1990, serial n). */
export function testNik(n = 1): string {
  return `32010112059${String(n).padStart(5, '0')}`.slice(0, 16);
}

/**
 * The usual people and visit of a door test: a head (O1, badge `head`), a staff officer (O2, badge `staff`), the visitor
 * badge `badge` labelled TAMU-01, and a visit requested, checked (O2), approved (O1, `until` if given) and issued on it.
 * Returns the visit id.
 */
export function seedIssuedVisit(
  visits: { addOfficer(name: string, role: string, badge: string): unknown; addBadge(uid: string, label: string): unknown;
    request(r: { name: string; nik: string; org: string; purpose: string }): { id: string }; check(id: string, by: string): unknown;
    approve(id: string, by: string, o?: { until?: number }): unknown; issue(id: string, badge: string, by: string, ack: { rulesAcknowledged: boolean }): unknown },
  o: { head: string; staff: string; badge: string; until?: number },
): string {
  visits.addOfficer('Head', 'head', o.head);
  visits.addOfficer('Staff', 'staff', o.staff);
  visits.addBadge(o.badge, 'TAMU-01');
  const v = visits.request({ name: 'Budi', nik: testNik(1), org: 'PT X', purpose: 'disk swap' });
  visits.check(v.id, 'O2');
  visits.approve(v.id, 'O1', o.until !== undefined ? { until: o.until } : {});
  visits.issue(v.id, 'TAMU-01', 'O2', { rulesAcknowledged: true });
  return v.id;
}
