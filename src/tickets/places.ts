import type { SlackMessageRef } from '../store/tickets.js';
import type { Desk } from './desk.js';
import type { Ticket } from './types.js';

/**
 * Where a ticket is shown in the chat tool, remembered so it is updated in place rather than posted
 * again: its live message in the group's channel (with the group it was posted for), and the
 * requester's thread (the receipt in their DM, where the conversation with them continues). A place
 * is an opaque reference (channel and message id); what is shown there is the notifiers' business.
 */
export interface TicketPlaces {
  live: (SlackMessageRef & { groupId: number }) | null;
  requesterThread: SlackMessageRef | null;
}

export async function placesOf(desk: Desk, ticketNumber: number): Promise<TicketPlaces> {
  const places = await desk.store.tickets.placesOf(ticketNumber);
  return { live: places.live ?? null, requesterThread: places.requesterThread ?? null };
}

/** The ticket as it is now and its places, from one read of it. */
export async function ticketWithPlaces(
  desk: Desk,
  ticketNumber: number,
): Promise<{ ticket: Ticket; places: TicketPlaces } | null> {
  const found = await desk.store.tickets.withPlaces(ticketNumber);
  if (!found) return null;
  const { live, requesterThread } = found.places;
  return { ticket: found.ticket, places: { live: live ?? null, requesterThread: requesterThread ?? null } };
}

export async function rememberLiveMessage(
  desk: Desk,
  ticketNumber: number,
  place: SlackMessageRef & { groupId: number },
): Promise<void> {
  await desk.store.tickets.rememberPlace(ticketNumber, 'live', place);
}

export async function rememberRequesterThread(desk: Desk, ticketNumber: number, place: SlackMessageRef): Promise<void> {
  await desk.store.tickets.rememberPlace(ticketNumber, 'requesterThread', place);
}

/** The ticket whose requester thread this is: a requester's reply there is a comment on it. */
export async function ticketOfRequesterThread(desk: Desk, place: SlackMessageRef): Promise<number | null> {
  return desk.store.tickets.numberOfRequesterThread(place);
}
