/** Texts of the visits screens. */
import { section } from '../../../adapters/console/i18n/define.js';

/** Visits screens. */
export const visits = section({
  'visits.title': 'Kunjungan',
}, {
  'visits.title': 'Visits',
});
