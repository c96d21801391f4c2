/**
 * Whether a fault means "the database did not answer" (down, unreachable, restarting) rather than "this
 * is wrong": what the Slack and REST layers need to know to tell the person to try again in a minute,
 * without reaching into the store themselves.
 */
export { DatabaseAwayError, databaseUnavailable } from '../store/store.js';
