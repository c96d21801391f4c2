import { refuse, type Desk, type Refusal } from './desk.js';
import { agentOrRefusal } from './permissions.js';
import type { Ticket } from './types.js';

export const QUEUE_PAGE = 20;

export interface QueueView {
  ok: true;
  groupIds: number[];
  tickets: Ticket[];
  /** All waiting, where `tickets` shows only the oldest page. */
  total: number;
}

/** The agent's views: unassigned tickets of their groups (or one group), oldest first. */
export async function agentQueue(desk: Desk, agentId: string, groupText?: string): Promise<QueueView | Refusal> {
  const allowed = agentOrRefusal(desk, agentId);
  if (!allowed.ok) return allowed;
  let groupIds = allowed.agent.groups;
  if (groupText?.trim()) {
    const group = desk.directory.findGroup(groupText);
    if (!group) {
      const known = desk.directory.groups().map((g) => `${g.name} (${g.id})`).join(', ');
      return refuse(`There is no group “${groupText.trim().slice(0, 40)}”. Groups: ${known}.`);
    }
    groupIds = [group.id];
  }
  const [tickets, total] = await Promise.all([
    desk.store.tickets.queue(groupIds, QUEUE_PAGE),
    desk.store.tickets.countQueue(groupIds),
  ]);
  return { ok: true, groupIds, tickets, total };
}

export interface WorkingView {
  ok: true;
  tickets: Ticket[];
}

/** `/ticket mine`: what the agent is working on, open first, then pending. */
export async function workingTickets(desk: Desk, agentId: string): Promise<WorkingView | Refusal> {
  const allowed = agentOrRefusal(desk, agentId);
  if (!allowed.ok) return allowed;
  const tickets = await desk.store.tickets.assignedTo(agentId, ['open', 'pending'], 50);
  tickets.sort((a, b) => (a.status === b.status ? 0 : a.status === 'open' ? -1 : 1));
  return { ok: true, tickets };
}

export interface TicketDetails {
  ok: true;
  ticket: Ticket;
  comments: Awaited<ReturnType<Desk['store']['tickets']['comments']>>;
  otherTickets: Ticket[];
}

/** A ticket with its last comments and the requester's other tickets, for the card. */
export async function ticketDetails(desk: Desk, number: number, viewerId: string): Promise<TicketDetails | Refusal> {
  const ticket = await desk.store.tickets.get(number);
  if (!ticket) return refuse(`There is no ticket #${number}.`);
  const viewerIsAgent = desk.directory.agent(viewerId) !== undefined;
  const isRequester = ticket.requester.kind === 'slack' && ticket.requester.userId === viewerId;
  if (!viewerIsAgent && !isRequester) return refuse(`#${number} is not one of your tickets.`);
  const [comments, otherTickets] = await Promise.all([
    desk.store.tickets.comments(number, { last: 5, ...(viewerIsAgent ? {} : { kinds: ['public'] as const }) }),
    viewerIsAgent ? desk.store.tickets.ofRequester(ticket.requester, 10, number) : Promise.resolve([]),
  ]);
  return { ok: true, ticket, comments, otherTickets };
}
