import type { Log } from '../../log.js';
import type { DeliverySenders } from '../../tickets/deliveries.js';
import type { Desk } from '../../tickets/desk.js';
import type { SlackSender } from '../sender.js';

/** What a notifier works with: the desk (to read what it tells), Slack, and the senders of queued deliveries. */
export interface NotifierContext {
  desk: Desk;
  send: SlackSender;
  log: Log;
  senders: DeliverySenders;
}

/** The `from`/`to` of an event as a record, whatever was stored. */
export function fields(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

export function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
