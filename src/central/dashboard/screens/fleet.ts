/** The fleet screens (placeholder until its helper builds it). */
import type { DashboardScreen } from '../context.js';
import { allowed, h, page } from '../view.js';

/** Routes of the fleet screens. */
export const fleetScreen: DashboardScreen = (app, ctx) => {
  app.get('/fleet', allowed(ctx, 'fleet.view'), (c) => page(c, ctx, { title: c.get('t')('fleet.title'), active: '/fleet', body: h`<p>${c.get('t')('common.none')}</p>` }));
};
