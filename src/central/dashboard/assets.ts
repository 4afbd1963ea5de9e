/**
 * The dashboard's static files: the console's (app.css, app.js, htmx and its SSE extension: the same components) plus
 * its own stylesheet and Chart.js for the report charts, all from the package (no CDN, no internet).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { assetOf, loadAssets, packageRoot, type Asset } from '../../adapters/console/assets.js';

/** Every asset of the dashboard, by its URL name. */
export function loadDashboardAssets(): Map<string, Asset> {
  const all = loadAssets();
  const own = join(packageRoot(), 'src', 'central', 'dashboard', 'assets');
  const require = createRequire(import.meta.url);
  all.set('dashboard.css', assetOf(join(own, 'dashboard.css'), 'text/css; charset=utf-8'));
  all.set('reports.js', assetOf(join(own, 'reports.js'), 'text/javascript; charset=utf-8'));
  // chart.js exports no path to its UMD build: it sits beside the main entry (dist/).
  all.set('chart.umd.min.js', assetOf(join(dirname(require.resolve('chart.js')), 'chart.umd.min.js'), 'text/javascript; charset=utf-8'));
  return all;
}
