/**
 * Who may do what on the central dashboard (checked on the server for every request, whatever the page showed):
 * helpdesk pre-registers and sees visits; analysts read everything, export and acknowledge alerts, and submit the
 * SOP 002 monthly health report (step 5); the sub-section head (Kasubag) also reviews it (step 6); the head approves it
 * (step 7), revokes visits remotely and manages users.
 */
import type { CentralRole } from '../users.js';

/** Actions of the dashboard. */
export type DashboardAction =
  | 'fleet.view' | 'alerts.view' | 'alerts.ack' | 'visits.view' | 'visits.preregister' | 'visits.revoke'
  | 'reports.view' | 'reports.export' | 'health.submit' | 'health.review' | 'health.approve' | 'users.manage' | 'audit.view';

const ANALYST: readonly DashboardAction[] = ['fleet.view', 'alerts.view', 'alerts.ack', 'visits.view', 'reports.view', 'reports.export', 'health.submit'];

/** The actions of each role. */
export const ROLE_ACTIONS: Record<CentralRole, readonly DashboardAction[]> = {
  helpdesk: ['visits.view', 'visits.preregister'],
  analyst: ANALYST,
  subhead: [...ANALYST, 'health.review', 'audit.view'],
  head: [...ANALYST, 'visits.preregister', 'visits.revoke', 'health.approve', 'users.manage', 'audit.view'],
};

/** May a user of `role` do `action`? */
export function may(role: CentralRole, action: DashboardAction): boolean {
  return ROLE_ACTIONS[role].includes(action);
}

/** May a user limited to `scope` (null: every site) see `site`? */
export function inScope(scope: readonly string[] | null, site: string): boolean {
  return scope === null || scope.includes(site);
}
