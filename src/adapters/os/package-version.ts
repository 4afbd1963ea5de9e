/**
 * pintu's own version, from its package.json (found from this module's place in src/ or dist/src/): the door tells the
 * centre which version it runs (the status message's `app`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The `version` of pintu's package.json, or null when the package root cannot be found or read. */
export function pintuVersion(from = fileURLToPath(import.meta.url)): string | null {
  let dir = dirname(from);
  for (let i = 0; i < 8; i += 1) {
    const file = join(dir, 'package.json');
    try {
      if (existsSync(file)) {
        const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: unknown };
        if (pkg.name === 'pintu') return typeof pkg.version === 'string' ? pkg.version : null;
      }
    } catch { /* an unreadable package.json: keep looking up */ }
    dir = dirname(dir);
  }
  return null;
}
