/** The reports screens (placeholder until its helper builds it). */
import type { DashboardScreen } from '../context.js';
import { allowed, h, page } from '../view.js';

/** Routes of the reports screens. */
export const reportsScreen: DashboardScreen = (app, ctx) => {
  app.get('/reports', allowed(ctx, 'reports.view'), (c) => page(c, ctx, { title: c.get('t')('reports.title'), active: '/reports', body: h`<p>${c.get('t')('common.none')}</p>` }));
};
