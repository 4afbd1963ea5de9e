/**
 * The per-site secret that keys KTP UID hashes (`keyedHash`), kept in the data dir: generated at first start, mode
 * 0600, never logged. Losing it makes every stored KTP hash unmatchable, so a damaged file is refused, not replaced.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** File name of the secret inside the data dir. */
export const SECRET_FILE = 'site.secret';

/** Load the site secret from `dataDir`, creating it on first use. */
export function loadOrCreateSecret(dataDir: string): Buffer {
  const file = join(dataDir, SECRET_FILE);
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true, mode: 0o750 });
    try {
      writeFileSync(file, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  const hex = readFileSync(file, 'utf8').trim();
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error(`${file} is not a 32-byte hex secret; restore it from backup (KTP hashes depend on it)`);
  return Buffer.from(hex, 'hex');
}
