/**
 * Fail secure: with the strike unlocked, an uncaught exception, an unhandled rejection or SIGTERM drives the relay
 * off before the process ends, and then the status LED's green (a dying door never shows a visitor "granted").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { until } from '../helpers/cli.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/fail-secure.mjs', import.meta.url));

async function run(action: 'throw' | 'reject' | 'SIGTERM', dir: string): Promise<{ out: string; code: number | null }> {
  const child = spawn(process.execPath, [FIXTURE, dir], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  await until(() => out.includes('ready'), 'the fixture daemon to start');
  child.stdin.write('grant\n');
  await until(() => out.includes('relay on'), 'the relay to be driven on');
  await until(() => out.includes('green on'), 'the green LED to light');
  if (action === 'SIGTERM') child.kill('SIGTERM');
  else child.stdin.write(`${action}\n`);
  const code = await exited;
  return { out, code };
}

describe('fail secure', () => {
  let dir: string;
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'pintu-fs-')); });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const [action, code] of [['throw', 1], ['reject', 1], ['SIGTERM', 0]] as const) {
    it(`drives the relay off on ${action === 'SIGTERM' ? 'SIGTERM' : action === 'throw' ? 'an uncaught exception' : 'an unhandled rejection'}`, async () => {
      const r = await run(action, join(dir, action));
      const lines = r.out.split('\n').filter((l) => l.startsWith('relay'));
      expect(lines.slice(-2)).toEqual(['relay on', 'relay off']);
      expect(r.code).toBe(code);
      const signals = r.out.split('\n').filter((l) => /^(relay|green) /.test(l));
      expect(signals.slice(-2), r.out).toEqual(['relay off', 'green off']);
    }, 30_000);
  }
});
