/** The visits screens (placeholder until its helper builds it). */
import type { DashboardScreen } from '../context.js';
import { allowed, h, page } from '../view.js';

/** Routes of the visits screens. */
export const visitsScreen: DashboardScreen = (app, ctx) => {
  app.get('/visits', allowed(ctx, 'visits.view'), (c) => page(c, ctx, { title: c.get('t')('visits.title'), active: '/visits', body: h`<p>${c.get('t')('common.none')}</p>` }));
};
