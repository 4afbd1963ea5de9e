/** Every screen group of the console, in the order their routes are registered. */
import type { Screen } from '../context.js';
import { signinScreen } from './signin.js';

/** The console's screens. */
export const SCREENS: readonly Screen[] = [signinScreen];
