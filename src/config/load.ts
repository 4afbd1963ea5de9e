/**
 * Loading the YAML config: parse errors with line numbers, schema errors naming the key and why,
 * relative paths resolved against the config file's folder.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { configSchema, type Config } from './schema.js';
import { UserError } from '../domain/errors.js';

/** Default config path. */
export const DEFAULT_CONFIG_PATH = '/etc/pintu/pintu.yaml';

/** Turn zod issues into lines like `door.strikeSeconds: must be at most 60 (got 100)`. */
export function formatIssues(issues: readonly z.core.$ZodIssue[], input: unknown): string[] {
  return issues.map((i) => {
    const key = i.path.length ? i.path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.').replace(/\.\[/g, '[') : '(top level)';
    let got: unknown = input;
    for (const p of i.path) got = got && typeof got === 'object' ? (got as Record<PropertyKey, unknown>)[p as PropertyKey] : undefined;
    const shown = got === undefined ? '' : ` (got ${JSON.stringify(got)?.slice(0, 60)})`;
    if (i.code === 'unrecognized_keys') return `${key}: unknown key${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `"${k}"`).join(', ')} (check the spelling against config/pintu.example.yaml)`;
    return `${key}: ${i.message}${shown}`;
  });
}

/** Validate an already-parsed config object; `baseDir` resolves relative paths. */
export function parseConfig(raw: unknown, baseDir: string, source = 'config'): Config {
  const r = configSchema.safeParse(raw ?? {});
  if (!r.success) throw new UserError(`${source} is invalid:\n  ${formatIssues(r.error.issues, raw).join('\n  ')}`);
  const c = r.data;
  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(baseDir, p));
  const central = c.central && {
    ...c.central,
    ...(c.central.caFile ? { caFile: abs(c.central.caFile) } : {}),
    ...(c.central.certFile ? { certFile: abs(c.central.certFile) } : {}),
    ...(c.central.keyFile ? { keyFile: abs(c.central.keyFile) } : {}),
    sealKeyFile: abs(c.central.sealKeyFile),
  };
  const inside = (file: string): boolean => { const rel = relative(abs(c.dataDir), file); return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel)); };
  const keyFile = abs(c.privacy.keyFile);
  if (inside(keyFile)) {
    throw new UserError(`${source} is invalid:\n  privacy.keyFile: ${keyFile} is inside dataDir ${abs(c.dataDir)}; a copy of the data dir (or of its SD card) would carry the key that opens it: keep it outside (default /etc/pintu/data.key)`);
  }
  const badgeKeyFile = abs(c.badges.keyFile);
  if (inside(badgeKeyFile)) {
    throw new UserError(`${source} is invalid:\n  badges.keyFile: ${badgeKeyFile} is inside dataDir ${abs(c.dataDir)}; a copy of the data dir (or of its SD card, or a backup) would carry the key every badge is made from: keep it outside (default /etc/pintu/badge.keys)`);
  }
  return { ...c, dataDir: abs(c.dataDir), privacy: { ...c.privacy, keyFile }, badges: { ...c.badges, keyFile: badgeKeyFile }, readers: c.readers.map((rd) => (rd.kind === 'serial' && rd.path ? { ...rd, path: abs(rd.path) } : rd)), ...(central ? { central } : {}) };
}

/** Read and validate the config file. */
export function loadConfig(path: string): Config {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(`cannot read config ${path}: ${code === 'ENOENT' ? 'no such file (give --config FILE, or copy config/pintu.example.yaml there)' : (err as Error).message}`);
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length) throw new UserError(`config ${path} is not valid YAML:\n  ${doc.errors.map((e) => e.message).join('\n  ')}`);
  return parseConfig(doc.toJS(), dirname(resolve(path)), `config ${path}`);
}
