/** Every screen group of the console, in the order their routes are registered. */
import type { Screen } from '../context.js';
import { signinScreen } from './signin.js';
import { queueScreen } from './queue.js';
import { visitActionsScreen } from './visit-actions.js';
import { visitDetailScreen } from './visit-detail.js';
import { visitsScreen } from './visits.js';
import { requestScreen } from './request.js';
import { issueScreen } from './issue.js';
import { checkoutScreen } from './checkout.js';
import { cancelScreen } from './cancel.js';
import { doorScreen } from './door.js';
import { listsScreen } from './lists.js';
import { officersScreen } from './officers.js';
import { badgesScreen } from './badges.js';
import { accountScreen } from './account.js';
import { incidentsScreen } from './incidents.js';
import { maintenanceScreen } from './maintenance.js';
import { nikRevealScreen } from './nik-reveal.js';
import { watchlistScreen } from './watchlist.js';
import { secureBadgesScreen } from './secure-badges.js';

/** The console's screens. */
export const SCREENS: readonly Screen[] = [signinScreen, requestScreen, issueScreen, checkoutScreen, cancelScreen, queueScreen, visitActionsScreen, visitsScreen, visitDetailScreen, doorScreen, listsScreen,
  officersScreen, badgesScreen, accountScreen, incidentsScreen, maintenanceScreen, nikRevealScreen, watchlistScreen, secureBadgesScreen];
