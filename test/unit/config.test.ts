/**
 * The shipped example config is valid, and documents every key the schema knows (with its defaults filled in).
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadConfig, parseConfig } from '../../src/config/load.js';
import { UserError } from '../../src/domain/errors.js';
import { centralSchema } from '../../src/config/schema.js';

const EXAMPLE = fileURLToPath(new URL('../../config/pintu.example.yaml', import.meta.url));

function keys(value: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const v of value) keys(v, out);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) { out.add(k); keys(v, out); }
  }
  return out;
}

describe('config', () => {
  it('the example is valid and names every key of the effective configuration', () => {
    const config = loadConfig(EXAMPLE);
    expect(config).toMatchObject({ site: 'kanwil-malut', hardware: 'gpio', storage: { synchronous: 'full' } });
    const text = readFileSync(EXAMPLE, 'utf8');
    const missing = [...keys(config)].filter((k) => !new RegExp(`(^|[\\s{,])${k}:`, 'm').test(text));
    expect(missing).toEqual([]);
    // The (commented) central: section documents every key of its schema too.
    const centralMissing = Object.keys(centralSchema.shape).filter((k) => !new RegExp(`^#[\\s#]+${k}:`, 'm').test(text));
    expect(centralMissing).toEqual([]);
  });

  it('a central: section without publicKey is refused, naming the key and where to get it; maxMessageBytes is bounded', () => {
    const base = { site: 's', door: { id: 'd' }, dataDir: '/tmp/x' };
    expect(() => parseConfig({ ...base, central: { url: 'mqtt://h:1883' } }, '/')).toThrow(/central\.publicKey: is required .*pintu central keys show/);
    const key = 'A'.repeat(43) + '=';
    expect(parseConfig({ ...base, central: { url: 'mqtt://h:1883', publicKey: key } }, '/').central?.maxMessageBytes).toBe(256 * 1024);
    expect(() => parseConfig({ ...base, central: { url: 'mqtt://h:1883', publicKey: key, maxMessageBytes: 1000 } }, '/')).toThrow(/central\.maxMessageBytes/);
  });

  it('fills defaults, resolves relative paths, and refuses duplicate reader ids and shared pins', () => {
    const c = parseConfig({ site: 's', door: { id: 'd' }, dataDir: 'data' }, '/etc/pintu');
    expect(c).toMatchObject({ dataDir: '/etc/pintu/data', hardware: 'sim', escort: { required: true }, door: { strikeSeconds: 5, heldOpenSeconds: 30 } });
    expect(() => parseConfig({ site: 's', door: { id: 'd' }, readers: [{ id: 'a', direction: 'in', kind: 'sim' }, { id: 'a', direction: 'out', kind: 'sim' }] }, '/'))
      .toThrow(/readers\[1\]\.id: duplicate reader id "a"/);
    expect(() => parseConfig({ site: 's', door: { id: 'd' }, gpio: { relay: { pin: 27 } } }, '/')).toThrow(/must use different pins/);
    expect(() => parseConfig({ site: 's', door: { id: 'd' }, readers: [{ id: 'a', direction: 'in', kind: 'serial' }] }, '/'))
      .toThrow(UserError);
    expect(() => parseConfig({ site: 'bad site!', door: { id: 'd' } }, '/')).toThrow(/site: must be 1-63 letters/);
  });
});
