/** Texts of the users screens. */
import { section } from '../../../adapters/console/i18n/define.js';

/** Users screens. */
export const users = section({
  'users.title': 'Pengguna',
}, {
  'users.title': 'Users',
});
