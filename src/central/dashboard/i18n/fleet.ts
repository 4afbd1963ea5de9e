/** Texts of the fleet screens. */
import { section } from '../../../adapters/console/i18n/define.js';

/** Fleet screens. */
export const fleet = section({
  'fleet.title': 'Pintu',
}, {
  'fleet.title': 'Doors',
});
