/**
 * The daemon purges personal data every 10 minutes (scheduler). Under the production unit's heap caps
 * (systemd/pintu.service NODE_OPTIONS, issue 10) a purge of many visits at once must complete, not die out of memory
 * and leave the door restarting every 10 minutes with the data never purged.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { unitEnvironment } from '../../bench/unit-env.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/purge-bounded.mjs', import.meta.url));
const UNIT = fileURLToPath(new URL('../../systemd/pintu.service', import.meta.url));
const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

describe('purge under the unit\'s memory caps', () => {
  it('purges 100,000 visits past retention in one run with the unit\'s NODE_OPTIONS, and the next run finds none', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pintu-purge-mem-'));
    dirs.push(dir);
    const env = unitEnvironment(readFileSync(UNIT, 'utf8'));
    expect(env.NODE_OPTIONS).toMatch(/--max-old-space-size=\d+/);
    const r = spawnSync(process.execPath, [FIXTURE, dir, '100000'], { encoding: 'utf8', timeout: 240_000, env: { ...process.env, ...env } });
    expect(r.stderr).not.toMatch(/heap out of memory/i);
    expect(r.stdout).toBe('purged 100000\nagain 0\n');
    expect(r.status).toBe(0);
  }, 300_000);
});
