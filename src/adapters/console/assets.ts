/**
 * The console's static files, all from the package (no CDN, no internet): its own stylesheet and script
 * (`src/adapters/console/assets/`, shipped in the package) and htmx with its SSE extension from node_modules.
 * Read once at start, served gzipped when the browser accepts it, with an ETag.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** One static file. */
export interface Asset {
  /** Its bytes. */
  body: Buffer;
  /** The same, gzipped. */
  gzip: Buffer;
  /** Content type. */
  type: string;
  /** Strong ETag. */
  etag: string;
}

/** The package root (the folder with pintu's package.json), from this module's place in src/ or dist/src/. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i += 1) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'pintu') return dir;
    dir = dirname(dir);
  }
  throw new Error('console assets: the pintu package root was not found');
}

function asset(file: string, type: string): Asset {
  const body = readFileSync(file);
  const gzip = gzipSync(body, { level: 9 });
  return { body, gzip, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` };
}

/** Read one file as an asset. */
export function assetOf(file: string, type: string): Asset {
  return asset(file, type);
}

/** Load every asset of the console, by its URL name. */
export function loadAssets(): Map<string, Asset> {
  const own = join(packageRoot(), 'src', 'adapters', 'console', 'assets');
  const require = createRequire(import.meta.url);
  return new Map<string, Asset>([
    ['app.css', asset(join(own, 'app.css'), 'text/css; charset=utf-8')],
    ['app.js', asset(join(own, 'app.js'), 'text/javascript; charset=utf-8')],
    ['htmx.min.js', asset(require.resolve('htmx.org/dist/htmx.min.js'), 'text/javascript; charset=utf-8')],
    ['sse.min.js', asset(require.resolve('htmx-ext-sse/dist/sse.min.js'), 'text/javascript; charset=utf-8')],
  ]);
}

/** Gzipped bytes of every asset (what a browser downloads for the whole console, pages aside). */
export function gzippedAssetBytes(assets: Map<string, Asset>): number {
  let n = 0;
  for (const a of assets.values()) n += a.gzip.length;
  return n;
}
