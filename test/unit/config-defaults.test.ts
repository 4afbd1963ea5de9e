/**
 * One source for config defaults: the zod schemas (src/config/schema.ts, src/central/config.ts). The example files,
 * the defaults quoted in README.md and docs/, and the fallbacks of services built without a config (tests, tools)
 * are checked against what the schema gives for an empty section, so none of them can drift from it.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { generateKeyPairSync } from 'node:crypto';
import { centralSchema, configSchema, readerSchema } from '../../src/config/schema.js';
import { centralConfigSchema } from '../../src/central/config.js';
import { publicKeyToText } from '../../src/protocol/signing.js';
import { DEFAULT_STANDARDS } from '../../src/domain/sop.js';
import { DEFAULT_MAX_FORWARD_JUMP_MS, DEFAULT_ROLLBACK_TOLERANCE_MS } from '../../src/app/clock.js';
import { DEFAULT_MAX_VALIDITY_MS } from '../../src/app/visit-service.js';
import { DEFAULT_EXPIRE_UNDECIDED_DAYS } from '../../src/app/maintenance/purge.js';
import { DEFAULT_OFFLINE_AFTER_SECONDS } from '../../src/central/receiver.js';
import { DAY_MS, HOUR_MS } from '../../src/domain/time.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const read = (f: string): string => readFileSync(join(root, f), 'utf8');

/** The door config's defaults: the schema's parse of a file with only the required keys. */
const defaults = configSchema.parse({ site: 's', door: { id: 'd' } }) as unknown as Record<string, unknown>;
const centralKey = publicKeyToText(generateKeyPairSync('ed25519').publicKey);
const linkDefaults = centralSchema.parse({ url: 'mqtt://localhost', publicKey: centralKey }) as unknown as Record<string, unknown>;
const centreDefaults = centralConfigSchema.parse({ broker: { url: 'mqtt://localhost' } }) as unknown as Record<string, unknown>;

/** Every leaf of a parsed YAML/JSON value as [dotted path, value] (arrays are leaves). */
function leaves(v: unknown, path = ''): [string, unknown][] {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return [[path, v]];
  return Object.entries(v as Record<string, unknown>).flatMap(([k, x]) => leaves(x, path ? `${path}.${k}` : k));
}
/** The value at a dotted path. */
const at = (o: unknown, path: string): unknown => path.split('.').reduce<unknown>((x, k) => (x as Record<string, unknown> | undefined)?.[k], o);

describe('config defaults have one source, the schema', () => {
  it('the schema gives every section its defaults from the fields (no second copy of a section default)', () => {
    expect(defaults).toMatchObject({
      dataDir: '/var/lib/pintu', hardware: 'sim', readers: [],
      door: { strikeSeconds: 5, heldOpenSeconds: 30, relockOnClose: false, officerRoles: ['staff', 'coordinator', 'head'], antiPassback: true, repeatTapSeconds: 2 },
      escort: { required: true, windowSeconds: 30 },
      gpio: { relay: { pin: 17, activeLow: false }, doorSwitch: { pin: 27, activeLow: false, debounceMs: 50 }, exitButton: { pin: 22, activeLow: true, debounceMs: 50 }, chip: 'auto', chipBase: 'auto', sysfsRoot: '/sys/class/gpio' },
      sop: { standardsMinutes: DEFAULT_STANDARDS },
      visits: { defaultValidity: 'end-of-day', timeZone: 'Asia/Jakarta', maxValidityDays: 31 },
      storage: { synchronous: 'full' }, health: { intervalDays: 30, readerSilentDays: 14 }, backup: { keep: 7, hour: 2 },
      privacy: { retentionDays: 365, expireUndecidedDays: 14, keyFile: '/etc/pintu/data.key', encryptAtRest: true }, clock: { rollbackToleranceSeconds: 5, maxForwardJumpHours: 48 }, log: { level: 'info' },
    });
    // A section given in part gets the rest of its defaults from the same fields.
    const part = configSchema.parse({ site: 's', door: { id: 'd' }, gpio: { relay: { pin: 5 } }, sop: { standardsMinutes: { inside: 30 } } });
    expect(part.gpio).toEqual({ ...(defaults.gpio as object), relay: { pin: 5, activeLow: false } });
    expect(part.sop.standardsMinutes).toEqual({ ...DEFAULT_STANDARDS, inside: 30 });
  });

  it('config/pintu.example.yaml shows every key with the schema default (except the values an installer must set)', () => {
    const example = parse(read('config/pintu.example.yaml')) as Record<string, unknown>;
    const own = new Set(['site', 'door.id', 'hardware', 'readers']); // required, or the Pi's real wiring instead of sim
    const shown = leaves(example).filter(([p]) => !own.has(p));
    for (const [path, value] of shown) {
      const want = path === 'escort.roles' ? at(defaults, 'door.officerRoles') : at(defaults, path); // documented default
      expect(value, path).toEqual(want);
    }
    // …and documents every key that has a default.
    const documented = new Set(leaves(example).map(([p]) => p));
    for (const [path] of leaves(defaults)) if (!own.has(path)) expect(documented.has(path), `${path} is not in the example`).toBe(true);
    // Its readers show the reader defaults.
    const readerDefaults = readerSchema.parse({ id: 'x', direction: 'in', kind: 'sim' });
    for (const r of example.readers as Record<string, unknown>[]) {
      for (const k of ['baudRate', 'protocol'] as const) if (k in r) expect(r[k], `readers.${String(r.id)}.${k}`).toEqual(readerDefaults[k]);
    }
    // The commented-out central: section shows the link defaults.
    const text = read('config/pintu.example.yaml');
    const [head, ...rest] = text.slice(text.indexOf('# central:')).split('\n');
    const body = rest.slice(0, rest.findIndex((l) => !l.startsWith('#   ')));
    const block = [head!, ...body].map((l) => l.slice(2)).join('\n');
    const central = (parse(block) as { central: Record<string, unknown> }).central;
    for (const k of ['ackTimeoutSeconds', 'batchSize', 'maxMessageBytes', 'retainAckedDays', 'sendIncidentText', 'sealKeyFile']) expect(central[k], `central.${k}`).toEqual(linkDefaults[k]);
  });

  it('config/central.example.yaml shows the centre config defaults', () => {
    const example = parse(read('config/central.example.yaml')) as Record<string, unknown>;
    for (const [path, value] of leaves(example)) {
      if (path.startsWith('broker.') || path === 'store') continue; // where the broker and the database are: the installer's
      expect(value, path).toEqual(at(centreDefaults, path));
    }
  });

  it('README.md and docs/ quote the schema defaults', () => {
    const sections = [...Object.keys(defaults), 'central'].join('|');
    const value = (text: string): unknown => {
      const m = /^(\d+)\s*(KiB|MiB)?/.exec(text) ?? /^(\d\d):00/.exec(text);
      if (!m) return text;
      return Number(m[1]) * (m[2] === 'KiB' ? 1024 : m[2] === 'MiB' ? 1024 * 1024 : 1);
    };
    const quoted: [string, string, string][] = [];
    for (const f of ['README.md', 'docs/central.md', 'docs/clock.md', 'docs/maintenance.md', 'docs/install.md', 'hardware/README.md']) {
      let text: string;
      try { text = read(f); } catch { continue; }
      const door = new RegExp(`\`?\\b((?:${sections})\\.[\\w.]+)\`? \\((?:default )?(\\d[^),]*)`, 'g');
      for (const m of text.matchAll(door)) quoted.push([f, m[1]!, m[2]!]);
      for (const m of text.matchAll(/`(\w+)` \(central config, default ([^),]+)\)/g)) quoted.push([f, `centre:${m[1]!}`, m[2]!]);
    }
    expect(quoted.length).toBeGreaterThanOrEqual(8);
    for (const [f, key, text] of quoted) {
      const want = key.startsWith('centre:') ? at(centreDefaults, key.slice(7))
        : key.startsWith('central.') ? at(linkDefaults, key.slice(8)) : at(defaults, key);
      expect(value(text), `${f}: ${key} (${text})`).toEqual(want);
    }
  });

  it('services built without a config fall back to the schema defaults', () => {
    const clock = defaults.clock as { rollbackToleranceSeconds: number; maxForwardJumpHours: number };
    expect(DEFAULT_ROLLBACK_TOLERANCE_MS).toBe(clock.rollbackToleranceSeconds * 1000);
    expect(DEFAULT_MAX_FORWARD_JUMP_MS).toBe(clock.maxForwardJumpHours * HOUR_MS);
    expect(DEFAULT_MAX_VALIDITY_MS).toBe((defaults.visits as { maxValidityDays: number }).maxValidityDays * DAY_MS);
    expect(DEFAULT_EXPIRE_UNDECIDED_DAYS).toBe((defaults.privacy as { expireUndecidedDays: number }).expireUndecidedDays);
    expect(DEFAULT_OFFLINE_AFTER_SECONDS).toBe(centreDefaults.offlineAfterSeconds);
  });

  it('the installer, which reads the config with awk, falls back to the schema defaults', () => {
    const sh = read('scripts/install.sh');
    expect(/SYSFS=\$\{SYSFS:-([^}]+)\}/.exec(sh)?.[1]).toBe(at(defaults, 'gpio.sysfsRoot'));
    expect(sh).toMatch(/yaml_top hardware "\$CONFIG"\)" = gpio/); // a missing hardware: is the default sim: no GPIO check
    expect(defaults.hardware).toBe('sim');
  });
});
