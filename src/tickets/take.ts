import { ticketEvent } from '../events/ticket-events.js';
import { type Desk, type Refusal, refuse } from './desk.js';
import { agentOrRefusal, mayWork, mayWorkIn, noSuchTicket, outsideGroup } from './permissions.js';
import { type Ticket, UNSOLVED_STATUSES } from './types.js';

export interface TakeResult {
  ok: true;
  ticket: Ticket;
  /** True when the agent already had it: nothing changed. */
  alreadyYours: boolean;
  /** The requester's other unsolved tickets: possible duplicates to look at before working this one. */
  possibleDuplicates: Ticket[];
  /** The requester's other tickets, newest first (what the card lists): read once for both. */
  requesterTickets: Ticket[];
}

const TAKEABLE = ['new', 'open'] as const;

/**
 * "Take it": the ticket becomes the agent's and open, if and only if nobody has it yet. `note` says
 * how, in the event (`offer`: the agent accepted routing's offer).
 */
export async function takeTicket(
  desk: Desk,
  request: { number: number; agent: string; note?: string },
): Promise<TakeResult | Refusal> {
  const allowed = agentOrRefusal(desk, request.agent);
  if (!allowed.ok) return allowed;
  const groups = desk.directory.groups().map((group) => group.id);
  const workable = groups.filter((groupId) => mayWorkIn(desk, allowed.agent, groupId));

  // No read first: the take is one conditional write (the agent's groups in its condition when they
  // bound what the agent may work), and only a take that did not happen reads the ticket to say why.
  const now = desk.clock();
  const taken = await desk.store.tickets.change(
    request.number,
    {
      assignee: null,
      status: TAKEABLE,
      notMerged: true,
      ...(workable.length < groups.length ? { groupIds: workable } : {}),
    },
    { assignee: request.agent, status: 'open' },
    ticketEvent('taken', { kind: 'agent', id: request.agent }, now, {
      from: { assignee: null },
      to: { assignee: request.agent, status: 'open' },
      ...(request.note ? { note: request.note } : {}),
    }),
    now,
  );
  if (taken) {
    desk.events.ticketChanged(taken.number);
    return { ok: true, ticket: taken, alreadyYours: false, ...(await duplicatesOf(desk, taken)) };
  }

  // The condition failed: say why, from what the ticket is now.
  const current = await desk.store.tickets.get(request.number);
  if (!current) return noSuchTicket(request.number);
  if (!mayWork(desk, allowed.agent, current)) return outsideGroup(current);
  if (current.assignee === request.agent) {
    return { ok: true, ticket: current, alreadyYours: true, ...(await duplicatesOf(desk, current)) };
  }
  return whyNotTakeable(current);
}

export function whyNotTakeable(ticket: Ticket): Refusal {
  if (ticket.mergedInto !== null) return refuse('merged_into', { number: ticket.number, into: ticket.mergedInto });
  if (ticket.status === 'solved' || ticket.status === 'closed')
    return refuse('nothing_to_take', { number: ticket.number, status: ticket.status });
  if (ticket.assignee) return refuse('taken_by', { number: ticket.number, agent: ticket.assignee });
  return refuse('not_takeable', { number: ticket.number, status: ticket.status });
}

/** `/ticket next`: the first unassigned ticket of the agent's groups in queue order (urgent and high first, then oldest), claimed atomically. */
export async function takeNextTicket(desk: Desk, agentId: string): Promise<TakeResult | Refusal> {
  const allowed = agentOrRefusal(desk, agentId);
  if (!allowed.ok) return allowed;
  const now = desk.clock();
  const ticket = await desk.store.tickets.claimOldest(
    allowed.agent.groups,
    agentId,
    ticketEvent('taken', { kind: 'agent', id: agentId }, now, {
      from: { assignee: null },
      to: { assignee: agentId, status: 'open' },
      note: 'next',
    }),
    now,
  );
  if (!ticket) return refuse('queue_empty', { groupIds: [...allowed.agent.groups] });
  desk.events.ticketChanged(ticket.number);
  return { ok: true, ticket, alreadyYours: false, ...(await duplicatesOf(desk, ticket)) };
}

async function duplicatesOf(
  desk: Desk,
  ticket: Ticket,
): Promise<Pick<TakeResult, 'possibleDuplicates' | 'requesterTickets'>> {
  const requesterTickets = await desk.store.tickets.ofRequester(ticket.requester, 20, ticket.number);
  return {
    requesterTickets,
    possibleDuplicates: requesterTickets.filter(
      (other) => UNSOLVED_STATUSES.includes(other.status) && other.mergedInto === null,
    ),
  };
}

export async function possibleDuplicates(desk: Desk, ticket: Ticket): Promise<Ticket[]> {
  return (await duplicatesOf(desk, ticket)).possibleDuplicates;
}
