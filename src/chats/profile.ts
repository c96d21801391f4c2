import { type Desk, type Refusal, refuse } from '../tickets/desk.js';
import { originalEmail } from '../tickets/email-intake.js';
import { noSuchTicket } from '../tickets/permissions.js';
import type { Requester, Ticket, TicketStatus } from '../tickets/types.js';
import type { ChatState } from './types.js';

const RECENT_TICKETS = 5;
const RECENT_CHATS = 3;
const RECENT_RATINGS = 5;

/** What deskbolt knows of a ticket's requester, for the requester panel; Slack's side comes from users.info. */
export interface RequesterHistory {
  ok: true;
  ticket: Ticket;
  requester: Requester;
  tickets: { number: number; subject: string; status: TicketStatus; createdAt: Date }[];
  chats: { ticketNumber: number; startedAt: Date; state: ChatState; agent: string | null }[];
  ratings: { ticketNumber: number; rating: string; at: Date }[];
  /** An email requester's first message can be read in full ("View original"). */
  hasOriginal: boolean;
}

export async function requesterHistory(
  desk: Desk,
  request: { ticketNumber: number; viewer: string },
): Promise<RequesterHistory | Refusal> {
  if (!desk.directory.agent(request.viewer)) return refuse('agents_only', { action: 'see a requester’s profile' });
  const ticket = await desk.store.tickets.get(request.ticketNumber);
  if (!ticket) return noSuchTicket(request.ticketNumber);
  const tickets = await desk.store.tickets.ofRequester(ticket.requester, 50);
  const chats =
    ticket.requester.kind === 'slack'
      ? await desk.store.chatDesk.chatsOfRequester(ticket.requester.userId, RECENT_CHATS)
      : [];
  // Ratings are events of the requester's tickets (`satisfaction_rated`, to: {rating}), bounded to their recent ones.
  const ratings = await desk.store.chatDesk.ratingsOf(
    tickets.map((t) => t.number),
    RECENT_RATINGS,
  );
  return {
    ok: true,
    ticket,
    requester: ticket.requester,
    tickets: tickets
      .slice(0, RECENT_TICKETS)
      .map(({ number, subject, status, createdAt }) => ({ number, subject, status, createdAt })),
    chats: chats.map(({ ticketNumber, startedAt, state, agent }) => ({ ticketNumber, startedAt, state, agent })),
    ratings: ratings.map((event) => ({ ticketNumber: event.ticketNumber, rating: ratingText(event.to), at: event.at })),
    hasOriginal: ticket.requester.kind === 'email' && ticket.description.length > 0,
  };
}

function ratingText(to: unknown): string {
  const rating = typeof to === 'object' && to !== null ? (to as { rating?: unknown }).rating : undefined;
  return typeof rating === 'string' || typeof rating === 'number' ? String(rating).slice(0, 40) : 'rated';
}

/** The original message of an email requester's ticket, for "View original". */
export async function originalMessage(
  desk: Desk,
  request: { ticketNumber: number; viewer: string },
): Promise<{ ok: true; ticket: Ticket; email: Awaited<ReturnType<typeof originalEmail>> } | Refusal> {
  if (!desk.directory.agent(request.viewer))
    return refuse('agents_only', { action: 'read a requester’s original message' });
  const ticket = await desk.store.tickets.get(request.ticketNumber);
  if (!ticket) return noSuchTicket(request.ticketNumber);
  // A ticket read from a mailbox: the message with its headers and whole text, quoted history included.
  const email = ticket.channel === 'email' ? await originalEmail(desk, ticket.number) : null;
  return { ok: true, ticket, email };
}
