import type { SlackMessageRef } from '../store/tickets.js';
import type { Desk } from './desk.js';

/**
 * Where a ticket is shown in the chat tool (its alert message), remembered so it is updated in place
 * rather than posted again. A place is an opaque reference (channel and message id); what is shown
 * there is the notifiers' business.
 */
export async function rememberAlert(desk: Desk, ticketNumber: number, place: SlackMessageRef): Promise<void> {
  await desk.store.tickets.rememberAlert(ticketNumber, place);
}

export async function alertOf(desk: Desk, ticketNumber: number): Promise<SlackMessageRef | null> {
  return desk.store.tickets.alertOf(ticketNumber);
}
