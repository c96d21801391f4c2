import type { KnownBlock } from '@slack/types';
import { ticketCard } from '../../blocks/ticket-card.js';
import type { Refusal } from '../tickets/desk.js';
import { movesFor } from '../tickets/moves.js';
import type { Ticket } from '../tickets/types.js';
import { ticketDetails } from '../tickets/views.js';
import type { SlackDeps } from './context.js';

/** The card as this viewer sees it, with a button for each thing they may do now. */
export async function cardFor(deps: SlackDeps, number: number, viewerId: string): Promise<{ ok: true; ticket: Ticket; blocks: KnownBlock[] } | Refusal> {
  const { desk } = deps;
  const details = await ticketDetails(desk, number, viewerId);
  if (!details.ok) return details;
  const ticket = details.ticket;
  const isAgent = desk.directory.agent(viewerId) !== undefined;
  const [incidents, undelivered, followers] = await Promise.all([
    ticket.problem ? desk.store.links.incidentsOf(ticket.number) : Promise.resolve([]),
    isAgent ? desk.store.deliveries.troubleOf(ticket.number) : Promise.resolve([]),
    isAgent && ticket.channel === 'chat' ? desk.store.chatDesk.followersOf(ticket.number) : Promise.resolve([]),
  ]);
  const blocks = ticketCard(
    {
      ticket,
      groupName: desk.directory.groupName(ticket.groupId),
      comments: details.comments,
      otherTickets: details.otherTickets,
      now: desk.clock(),
      incidents: incidents.map((incident) => incident.number),
      undelivered,
      followers: followers.map((follower) => follower.user),
      requesterButton: isAgent,
    },
    movesFor(desk, ticket, viewerId),
  );
  return { ok: true, ticket, blocks };
}
