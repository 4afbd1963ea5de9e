/**
 * `scripts/install.sh --no-npm` installs production dependencies only (issue 16, item 9): run against a staging
 * prefix from a source tree whose node_modules is this repository's own (the real package-lock.json, the real
 * devDependencies). No package the lock marks "dev" lands in /opt/pintu, every production dependency still loads from
 * there, and the sizes before/after are measured and printed.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'pintu-installer-deps-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Top-level package names under a node_modules dir (scoped ones as @scope/name). */
function packagesIn(dir: string): string[] {
  return readdirSync(dir).filter((n) => !n.startsWith('.')).flatMap((n) => (n.startsWith('@') ? readdirSync(join(dir, n)).map((m) => `${n}/${m}`) : [n])).sort();
}
/** Disk use in KiB (du -sk, following a symlinked root). */
const du = (path: string): number => Number(spawnSync('du', ['-skL', path], { encoding: 'utf8' }).stdout.split('\t')[0]);

describe('install.sh --no-npm: production dependencies only', () => {
  it('no devDependency lands in the prefix; production ones load from it; /opt/pintu/node_modules is far smaller', () => {
    const src = join(work, 'src');
    mkdirSync(join(src, 'scripts'), { recursive: true });
    for (const s of ['install.sh', 'uninstall.sh', 'prod-modules.mjs']) cpSync(join(repo, 'scripts', s), join(src, 'scripts', s));
    for (const d of ['systemd', 'udev', 'config']) cpSync(join(repo, d), join(src, d), { recursive: true });
    mkdirSync(join(src, 'dist/src/cli'), { recursive: true });
    writeFileSync(join(src, 'dist/src/cli/index.js'), 'console.log("pintu");\n');
    for (const f of ['package.json', 'package-lock.json']) cpSync(join(repo, f), join(src, f));
    symlinkSync(join(repo, 'node_modules'), join(src, 'node_modules'));
    const prefix = join(work, 'root');
    const r = spawnSync('/bin/sh', [join(src, 'scripts/install.sh'), '--prefix', prefix, '--no-npm'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);

    const installed = join(prefix, 'opt/pintu/node_modules');
    const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
    const lock = JSON.parse(readFileSync(join(repo, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
    const have = new Set(packagesIn(installed));
    // Nothing the lock file marks dev-only, at the top level or anywhere below it.
    const devOnly = Object.entries(lock.packages).filter(([p, e]) => p.startsWith('node_modules/') && e.dev === true).map(([p]) => p);
    expect(devOnly.length).toBeGreaterThan(50);
    expect(devOnly.filter((p) => existsSync(join(prefix, 'opt/pintu', p)))).toEqual([]);
    // Each devDependency of package.json is absent, unless a production package needs it too (the lock says so; npm keeps it as well).
    for (const name of Object.keys(pkg.devDependencies)) {
      if (have.has(name)) expect(lock.packages[`node_modules/${name}`]?.dev, `${name} is installed though only a devDependency`).not.toBe(true);
    }
    for (const tool of ['typescript', 'vitest', 'dependency-cruiser', 'fast-check']) expect(have.has(tool)).toBe(false);
    // Every production dependency is there and loads from /opt/pintu (better-sqlite3 with its native binding).
    for (const name of Object.keys(pkg.dependencies)) expect(have.has(name), name).toBe(true);
    const load = spawnSync(process.execPath, ['--input-type=module', '-e',
      "for (const m of ['better-sqlite3', 'pino', 'mqtt', 'zod', 'yaml', 'commander', 'hono', 'onoff']) await import(m);\n" +
      "const Db = (await import('better-sqlite3')).default; new Db(':memory:').prepare('select 1').get();"], { cwd: join(prefix, 'opt/pintu'), encoding: 'utf8' });
    expect(load.stderr).toBe('');
    expect(load.status).toBe(0);

    const before = du(join(repo, 'node_modules'));
    const after = du(installed);
    process.stdout.write(`node_modules: whole tree ${Math.round(before / 1024)} MiB, installed (production only) ${Math.round(after / 1024)} MiB\n`);
    expect(after).toBeLessThan(before * 0.75);
  }, 180_000);
});
