/**
 * The layering rules of `.dependency-cruiser.cjs` (run on src/ by `npm test`) catch what they promise: each rule is
 * shown a small tree that breaks it, and a tree that follows the layers passes. So a rule that silently stopped
 * matching (a typo in a path, a renamed folder) fails here instead of letting violations through.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cruise, type ICruiseResult, type IConfiguration } from 'dependency-cruiser';

const repo = resolve(import.meta.dirname, '../..');
const rules = createRequire(import.meta.url)(join(repo, '.dependency-cruiser.cjs')) as IConfiguration;
const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

/** A clean little project: domain ← ports ← app, adapters → ports, config → domain, a root wiring them. */
const CLEAN: Record<string, string> = {
  'src/domain/visit.ts': 'export type Visit = { id: string };\nexport const DAY_MS = 86_400_000;\n',
  'src/protocol/chain.ts': "import type { Visit } from '../domain/visit.js';\nexport const v = (x: Visit): string => x.id;\n",
  'src/ports/store.ts': "import type { Visit } from '../domain/visit.js';\nexport interface VisitRepo { get(id: string): Visit | null }\n",
  'src/app/service.ts': "import type { VisitRepo } from '../ports/store.js';\nimport { DAY_MS } from '../domain/visit.js';\nexport const find = (r: VisitRepo): unknown => r.get(String(DAY_MS));\n",
  'src/adapters/sqlite/store.ts': "import { readFileSync } from 'node:fs';\nimport type { VisitRepo } from '../../ports/store.js';\nexport const repo: VisitRepo = { get: () => (readFileSync ? null : null) };\n",
  'src/config/schema.ts': "import { DAY_MS } from '../domain/visit.js';\nexport const d = DAY_MS;\n",
  'src/main.ts': "import { find } from './app/service.js';\nimport { repo } from './adapters/sqlite/store.js';\nexport const run = (): unknown => find(repo);\n",
};

/** Cruise a temporary tree made of the clean project plus `extra` files, with the project's rules. */
async function violations(extra: Record<string, string>): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'pintu-layers-'));
  dirs.push(dir);
  for (const [file, text] of Object.entries({ ...CLEAN, ...extra })) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }));
  symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'));
  const result = await cruise(['src'], { validate: true, ruleSet: rules as never, ...rules.options, preserveSymlinks: true, baseDir: dir });
  const output = result.output as ICruiseResult;
  return output.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`).sort();
}

describe('layering rules (.dependency-cruiser.cjs)', () => {
  it('a tree that follows the layers has no violation', async () => {
    expect(await violations({})).toEqual([]);
  });

  it.each([
    ['app-uses-ports-not-adapters', 'src/app/bad.ts', "import { repo } from '../adapters/sqlite/store.js';\nexport const r = repo;\n"],
    ['app-uses-ports-not-adapters', 'src/app/bad.ts', "import type { VisitRepo } from '../adapters/sqlite/store.js';\nexport type R = VisitRepo;\n"],
    ['app-does-no-io', 'src/app/bad.ts', "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n"],
    ['app-does-no-io', 'src/app/bad.ts', "import Database from 'better-sqlite3';\nexport const d = Database;\n"],
    ['domain-is-pure', 'src/domain/bad.ts', "import { find } from '../app/service.js';\nexport const f = find;\n"],
    ['domain-is-pure', 'src/domain/bad.ts', "import { writeFileSync } from 'node:fs';\nexport const w = writeFileSync;\n"],
    ['adapters-never-import-app', 'src/adapters/bad.ts', "import { find } from '../app/service.js';\nexport const f = find;\n"],
    ['config-is-a-leaf', 'src/config/bad.ts', "import { repo } from '../adapters/sqlite/store.js';\nexport const r = repo;\n"],
    ['config-is-a-leaf', 'src/config/bad.ts', "import { v } from '../protocol/chain.js';\nexport const c = v;\n"],
    ['protocol-is-shared', 'src/protocol/bad.ts', "import { repo } from '../adapters/sqlite/store.js';\nexport const r = repo;\n"],
    ['central-is-not-the-door', 'src/central/bad.ts', "import { find } from '../app/service.js';\nexport const f = find;\n"],
  ])('%s catches %s', async (rule, file, text) => {
    const found = await violations({ [file]: text });
    expect(found.length).toBeGreaterThan(0);
    expect(found.every((v) => v.startsWith(`${rule}: ${file} → `))).toBe(true);
  });

  it('config may reach the protocol only through signing.ts (a configured public key is checked with its parser)', async () => {
    expect(await violations({
      'src/protocol/signing.ts': "export const publicKeyFromText = (t: string): string => t.trim();\n",
      'src/config/keys.ts': "import { publicKeyFromText } from '../protocol/signing.js';\nexport const k = publicKeyFromText;\n",
    })).toEqual([]);
  });

  it('no-cycles catches an import cycle', async () => {
    const found = await violations({
      'src/app/a.ts': "import { b } from './b.js';\nexport const a = (): number => b() + 1;\n",
      'src/app/b.ts': "import { a } from './a.js';\nexport const b = (): number => (a ? 1 : 0);\n",
    });
    expect(found.some((v) => v.startsWith('no-cycles: src/app/a.ts'))).toBe(true);
  });
});
