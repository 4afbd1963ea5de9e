/**
 * `pintu console cert` on a first install: a self-signed pair in the data dir (key mode 0600), its fingerprint printed
 * as the browser shows it, never overwritten by accident; and the console serving HTTPS with it, its session
 * cookie then Secure. Needs the system's openssl (a failure, not a skip, without it).
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { request } from 'node:https';
import { afterEach, describe, expect, it } from 'vitest';
import { pintu, pintuJson } from '../helpers/cli.js';
import { tempConfig, type TempConfig } from '../helpers/config.js';
import { ConsoleServer } from '../../src/adapters/console/server.js';
import { consoleSchema } from '../../src/config/schema.js';
import { DEFAULT_STANDARDS } from '../../src/domain/sop.js';
import { silentLogger } from '../../src/adapters/log/pino.js';
import type { ConsolePorts } from '../../src/ports/console.js';

let tc: TempConfig | null = null;
afterEach(() => { tc?.cleanup(); tc = null; });

function get(port: number, path: string, ca: Buffer): Promise<{ status: number; cookies: string[] }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, ca, servername: 'localhost', checkServerIdentity: () => undefined }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, cookies: ([] as string[]).concat(res.headers['set-cookie'] ?? []) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('pintu console cert', () => {
  it('makes a pair with a 0600 key, prints the fingerprint, refuses to overwrite, and the console serves TLS with Secure cookies', async () => {
    tc = tempConfig();
    const info = pintuJson<{ certFile: string; keyFile: string; fingerprint: string; names: string[] }>(tc.file, ['console', 'cert']);
    const cert = readFileSync(info.certFile);
    expect(info.fingerprint).toBe(new X509Certificate(cert).fingerprint256);
    expect(info.names.join(',')).toMatch(/IP Address:127\.0\.0\.1/);
    expect(statSync(info.keyFile).mode & 0o777).toBe(0o600);
    const human = pintu(tc.file, ['console', 'cert']);
    expect(human.code).toBe(2);
    expect(human.stderr).toMatch(/exists; give --force/);
    expect(readFileSync(info.certFile).equals(cert)).toBe(true);

    const ports = {
      queries: { officers: () => [], officer: () => null, pending: () => [] }, alarms: { open: () => [] },
      subscribe: () => () => undefined, deskReader: null,
    } as unknown as ConsolePorts;
    const server = new ConsoleServer(ports, {
      config: consoleSchema.parse({ listen: '0.0.0.0:0', tls: { certFile: info.certFile, keyFile: info.keyFile } }),
      site: 's', door: 'd', timeZone: 'Asia/Jakarta', standards: DEFAULT_STANDARDS, defaultValidity: 'end-of-day',
    }, silentLogger());
    const port = await server.start();
    try {
      const r = await get(port, '/signin', cert);
      expect(r.status).toBe(200);
      expect(r.cookies.length).toBeGreaterThan(0);
      for (const c of r.cookies) expect(c).toMatch(/; Secure/);
      for (const c of r.cookies) expect(c).toMatch(/; HttpOnly/);
      for (const c of r.cookies) expect(c).toMatch(/; SameSite=Strict/);
    } finally {
      await server.stop();
    }
  });
});
