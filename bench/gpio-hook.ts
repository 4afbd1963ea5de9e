/**
 * `node --import dist/bench/gpio-hook.js dist/src/cli/index.js run …`: a real `pintu run` whose GPIO binding module
 * (`onoff`) is the benchmark's fake door. Everything else — readers, database, central link — is the real thing.
 */
import { register } from 'node:module';

register('./gpio-loader.js', import.meta.url);
