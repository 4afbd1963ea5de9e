/**
 * The door's X25519 sealing key (issue 14 item 5): its own file, mode 0600, made at first use and the same key after;
 * by default beside the config file (/etc/pintu/seal.key), never in the data dir; a file that is not an X25519 key
 * is refused naming the file.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateKeyPair, loadOrCreateSealKey } from '../../src/adapters/mqtt/keys.js';
import { parseConfig } from '../../src/config/load.js';
import { sealKeyFromText } from '../../src/protocol/sealing.js';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });
const temp = (): string => { const d = mkdtempSync(join(tmpdir(), 'pintu-seal-')); dirs.push(d); return d; };

describe('the door\'s sealing key', () => {
  it('is made once (0600, folder 0750) and loaded the same afterwards; its public half parses as the status carries it', () => {
    const dir = temp();
    const path = join(dir, 'etc', 'pintu', 'seal.key');
    const a = loadOrCreateSealKey(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'etc', 'pintu')).mode & 0o777).toBe(0o750);
    expect(loadOrCreateSealKey(path).publicKeyText).toBe(a.publicKeyText);
    expect(a.publicKeyText).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(sealKeyFromText(a.publicKeyText).asymmetricKeyType).toBe('x25519');
  });

  it('refuses a file that is not an X25519 key, naming it', () => {
    const dir = temp();
    loadOrCreateKeyPair(dir, 'door.key');
    expect(() => loadOrCreateSealKey(join(dir, 'door.key'))).toThrow(`${join(dir, 'door.key')} is not an X25519 key`);
    writeFileSync(join(dir, 'junk.key'), 'not a key');
    expect(() => loadOrCreateSealKey(join(dir, 'junk.key'))).toThrow(new RegExp(`^${join(dir, 'junk.key')} is not a readable sealing key`));
  });

  it('defaults to seal.key beside the config file (/etc/pintu/seal.key), outside the data dir', () => {
    const c = parseConfig({ site: 's', door: { id: 'd' }, central: { url: 'mqtt://localhost', publicKey: 'K7gNU3sdo+OL0wNhqoVWhr3g6s1xYv72ol/pe/Unols=' } }, '/etc/pintu');
    expect(c.central!.sealKeyFile).toBe('/etc/pintu/seal.key');
    expect(c.central!.sealKeyFile.startsWith(c.dataDir)).toBe(false);
  });
});
