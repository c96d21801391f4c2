import type { Log } from '../../log.js';
import type { DeliverySenders } from '../../tickets/deliveries.js';
import type { Desk } from '../../tickets/desk.js';
import type { SlackOutbox } from '../outbox.js';
import type { SlackSender } from '../sender.js';

/**
 * What a notifier works with: the desk (to read what it tells), the outbox for messages that matter
 * (stored, retried, shown on the ticket when they fail), and a plain sender for what may be lost
 * without harm (a home, a follower's copy, an ephemeral).
 */
export interface NotifierContext {
  desk: Desk;
  outbox: SlackOutbox;
  send: SlackSender;
  log: Log;
  senders: DeliverySenders;
}
