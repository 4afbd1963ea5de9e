/** Every screen group of the dashboard, in the order their routes are registered. */
import type { DashboardScreen } from '../context.js';
import { signinScreen } from './signin.js';
import { fleetScreen } from './fleet.js';
import { alertsScreen } from './alerts.js';
import { visitsScreen } from './visits.js';
import { preregisterScreen } from './preregister.js';
import { commandsScreen } from './commands.js';
import { reportsScreen } from './reports.js';
import { usersScreen } from './users.js';
import { accountScreen } from './account.js';
import { auditScreen } from './audit.js';

/** All screen groups. */
export const DASHBOARD_SCREENS: readonly DashboardScreen[] = [signinScreen, fleetScreen, alertsScreen, preregisterScreen, visitsScreen, commandsScreen, reportsScreen, usersScreen, accountScreen, auditScreen];
