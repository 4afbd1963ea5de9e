/** Texts of the alerts screens. */
import { section } from '../../../adapters/console/i18n/define.js';

/** Alerts screens. */
export const alerts = section({
  'alerts.title': 'Peringatan',
}, {
  'alerts.title': 'Alerts',
});
