/** The users screens (placeholder until its helper builds it). */
import type { DashboardScreen } from '../context.js';
import { allowed, h, page } from '../view.js';

/** Routes of the users screens. */
export const usersScreen: DashboardScreen = (app, ctx) => {
  app.get('/users', allowed(ctx, 'users.manage'), (c) => page(c, ctx, { title: c.get('t')('users.title'), active: '/users', body: h`<p>${c.get('t')('common.none')}</p>` }));
};
