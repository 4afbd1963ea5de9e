/** Texts of the reports screens. */
import { section } from '../../../adapters/console/i18n/define.js';

/** Reports screens. */
export const reports = section({
  'reports.title': 'Laporan',
}, {
  'reports.title': 'Reports',
});
