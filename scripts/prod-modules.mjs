#!/usr/bin/env node
// The production part of a source tree's node_modules, one path per line (relative to the tree), for scripts/install.sh:
// every top-level package that package-lock.json does not mark "dev" (what `npm prune --omit=dev` keeps; a package
// that is both a devDependency and needed by a production one, such as @types/node under mqtt's types, stays), and
// the node_modules/.bin links that point into those packages. Needs only Node.js, so `install.sh --no-npm` can use it.
//
//   node scripts/prod-modules.mjs SOURCE_TREE          print them
//   node scripts/prod-modules.mjs SOURCE_TREE DEST     copy them into DEST/node_modules (symlinks kept as links)
// Exit 1 with a message naming what is wrong (no lock file, a production dependency missing from node_modules).
import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';

const fail = (msg) => { process.stderr.write(`prod-modules: ${msg}\n`); process.exit(1); };
const [tree, dest] = process.argv.slice(2);
if (!tree) fail('usage: prod-modules.mjs SOURCE_TREE [DEST]');
const lockFile = join(tree, 'package-lock.json');
if (!existsSync(lockFile)) fail(`${lockFile} is missing: production dependencies cannot be told from devDependencies`);
let lock;
try { lock = JSON.parse(readFileSync(lockFile, 'utf8')); } catch (err) { fail(`${lockFile}: ${err.message}`); }
if (!lock.packages || (lock.lockfileVersion ?? 1) < 2) fail(`${lockFile} is lockfileVersion ${lock.lockfileVersion ?? 1}: regenerate it with npm 7 or newer`);

const TOP = /^node_modules\/(?:@[^/]+\/)?[^/]+$/;
const prod = new Set();
const missing = [];
for (const [path, entry] of Object.entries(lock.packages)) {
  if (!TOP.test(path) || entry.dev === true) continue;
  if (!existsSync(join(tree, path))) {
    // An optional dependency for another platform is simply not installed; anything else means node_modules is stale.
    if (entry.optional !== true) missing.push(path.slice('node_modules/'.length));
    continue;
  }
  prod.add(path);
}
if (missing.length) fail(`production dependencies missing from ${join(tree, 'node_modules')}: ${missing.join(', ')} (run npm ci)`);

const out = [...prod].sort();
const bin = join(tree, 'node_modules/.bin');
if (existsSync(bin)) {
  for (const name of readdirSync(bin).sort()) {
    const p = join(bin, name);
    if (!lstatSync(p).isSymbolicLink()) continue;
    // A link such as ../dep/bin/dep.js or ../@scope/pkg/cli.js: kept when its package is.
    const target = posix.normalize(posix.join('node_modules/.bin', readlinkSync(p)));
    const pkg = /^node_modules\/(?:@[^/]+\/)?[^/]+/.exec(target)?.[0];
    if (pkg && prod.has(pkg)) out.push(`node_modules/.bin/${name}`);
  }
}
if (dest === undefined) {
  process.stdout.write(out.map((l) => `${l}\n`).join(''));
} else {
  mkdirSync(join(dest, 'node_modules'), { recursive: true });
  for (const path of out) {
    mkdirSync(dirname(join(dest, path)), { recursive: true });
    cpSync(join(tree, path), join(dest, path), { recursive: true, verbatimSymlinks: true, errorOnExist: true, force: false });
  }
}
