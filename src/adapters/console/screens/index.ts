/** Every screen group of the console, in the order their routes are registered. */
import type { Screen } from '../context.js';
import { signinScreen } from './signin.js';
import { queueScreen } from './queue.js';
import { visitActionsScreen } from './visit-actions.js';
import { visitDetailScreen } from './visit-detail.js';
import { visitsScreen } from './visits.js';

/** The console's screens. */
export const SCREENS: readonly Screen[] = [signinScreen, queueScreen, visitActionsScreen, visitsScreen, visitDetailScreen];
