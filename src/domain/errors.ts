/**
 * Errors meant for the person at the keyboard: bad input, a refused transition, a bad config.
 * The CLI prints their message as-is and exits with code 2; anything else is a bug or an outage (exit 1).
 */

/** An error whose message is safe and useful to show to an officer or installer. */
export class UserError extends Error {
  /** Create with a message naming what was wrong. */
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}
