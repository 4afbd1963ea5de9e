/** The alerts screens (placeholder until its helper builds it). */
import type { DashboardScreen } from '../context.js';
import { allowed, h, page } from '../view.js';

/** Routes of the alerts screens. */
export const alertsScreen: DashboardScreen = (app, ctx) => {
  app.get('/alerts', allowed(ctx, 'alerts.view'), (c) => page(c, ctx, { title: c.get('t')('alerts.title'), active: '/alerts', body: h`<p>${c.get('t')('common.none')}</p>` }));
};
