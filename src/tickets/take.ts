import { refuse, type Desk, type Refusal } from './desk.js';
import { agentOrRefusal, mayWork, noSuchTicket, outsideGroup } from './permissions.js';
import { UNSOLVED_STATUSES, type Ticket } from './types.js';

export interface TakeResult {
  ok: true;
  ticket: Ticket;
  /** True when the agent already had it: nothing changed. */
  alreadyYours: boolean;
  /** The requester's other unsolved tickets: possible duplicates to look at before working this one. */
  possibleDuplicates: Ticket[];
}

const TAKEABLE = ['new', 'open'] as const;

/** "Take it": the ticket becomes the agent's and open, if and only if nobody has it yet. */
export async function takeTicket(desk: Desk, request: { number: number; agent: string }): Promise<TakeResult | Refusal> {
  const allowed = agentOrRefusal(desk, request.agent);
  if (!allowed.ok) return allowed;
  const before = await desk.store.tickets.get(request.number);
  if (!before) return noSuchTicket(request.number);
  if (!mayWork(desk, allowed.agent, before)) return outsideGroup(before);

  const now = desk.clock();
  const taken = await desk.store.tickets.change(
    request.number,
    { assignee: null, status: TAKEABLE, notMerged: true },
    { assignee: request.agent, status: 'open' },
    {
      actor: { kind: 'agent', id: request.agent },
      action: 'taken',
      from: { assignee: null, status: before.status },
      to: { assignee: request.agent, status: 'open' },
      at: now,
    },
    now,
  );
  if (taken) {
    desk.events.ticketChanged(taken.number);
    return { ok: true, ticket: taken, alreadyYours: false, possibleDuplicates: await possibleDuplicates(desk, taken) };
  }

  // The condition failed: say why, from what the ticket is now.
  const current = (await desk.store.tickets.get(request.number))!;
  if (current.assignee === request.agent) {
    return { ok: true, ticket: current, alreadyYours: true, possibleDuplicates: await possibleDuplicates(desk, current) };
  }
  return whyNotTakeable(current);
}

export function whyNotTakeable(ticket: Ticket): Refusal {
  if (ticket.mergedInto !== null) return refuse('merged_into', { number: ticket.number, into: ticket.mergedInto });
  if (ticket.status === 'solved' || ticket.status === 'closed') return refuse('nothing_to_take', { number: ticket.number, status: ticket.status });
  if (ticket.assignee) return refuse('taken_by', { number: ticket.number, agent: ticket.assignee });
  return refuse('not_takeable', { number: ticket.number, status: ticket.status });
}

/** `/ticket next`: the oldest unassigned ticket of the agent's groups, claimed atomically. */
export async function takeNextTicket(desk: Desk, agentId: string): Promise<TakeResult | Refusal> {
  const allowed = agentOrRefusal(desk, agentId);
  if (!allowed.ok) return allowed;
  const now = desk.clock();
  const ticket = await desk.store.tickets.claimOldest(
    allowed.agent.groups,
    agentId,
    { actor: { kind: 'agent', id: agentId }, action: 'taken', from: { assignee: null }, to: { assignee: agentId, status: 'open' }, note: 'next', at: now },
    now,
  );
  if (!ticket) return refuse('queue_empty', { groupIds: [...allowed.agent.groups] });
  desk.events.ticketChanged(ticket.number);
  return { ok: true, ticket, alreadyYours: false, possibleDuplicates: await possibleDuplicates(desk, ticket) };
}

export async function possibleDuplicates(desk: Desk, ticket: Ticket): Promise<Ticket[]> {
  const others = await desk.store.tickets.ofRequester(ticket.requester, 20, ticket.number);
  return others.filter((other) => UNSOLVED_STATUSES.includes(other.status) && other.mergedInto === null);
}
