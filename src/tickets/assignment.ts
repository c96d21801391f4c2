import { ticketEvent } from '../events/ticket-events.js';
import { asAgent, assigneeFor, liveChat, mayAssign, whyNotMovable, whyNotMoved } from './assignment-rules.js';
import { type Desk, type Refusal, refuse } from './desk.js';
import { cancelWaitingHandoff, type HandoffRequestResult, requestHandoff } from './hand-over.js';
import { agentOrRefusal, noSuchTicket } from './permissions.js';
import { type Ticket, UNSOLVED_STATUSES } from './types.js';

/**
 * Who has a ticket. A team lead (of the ticket's group) or an admin assigns, reassigns and releases;
 * the agent who has it releases it or hands it to a colleague, who must accept first (the same rule as
 * chat transfers: nothing moves until the other person says yes). Every move is one conditional write
 * on the assignee the mover saw, so a move racing a Take it gives one owner and a clear answer.
 */

export interface AssignResult {
  ok: true;
  kind: 'assigned' | 'released';
  ticket: Ticket;
  previous: string | null;
}

/**
 * "Give #N to Ben", whoever asks: a lead (or admin) assigns at once; the agent who has the ticket asks
 * Ben, and it moves when Ben accepts. `seenAssignee` is who had it when the asker looked (a form they
 * filled in): if that changed meanwhile, nothing moves.
 */
export async function assignOrHandOff(
  desk: Desk,
  request: { number: number; by: string; to: string; seenAssignee?: string | null },
): Promise<AssignResult | HandoffRequestResult | Refusal> {
  const allowed = agentOrRefusal(desk, request.by);
  if (!allowed.ok) return allowed;
  const ticket = await desk.store.tickets.get(request.number);
  if (!ticket) return noSuchTicket(request.number);
  if (mayAssign(desk, request.by, ticket.groupId)) return assignTicket(desk, request);
  if (ticket.assignee === request.by)
    return requestHandoff(desk, { number: request.number, from: request.by, to: request.to });
  if (ticket.assignee === null) return refuse('assign_not_allowed', { number: ticket.number, groupId: ticket.groupId });
  return refuse('handoff_not_yours', { number: ticket.number, agent: ticket.assignee });
}

/** A lead assigns or reassigns: the ticket is the new agent's at once, and they are told. */
export async function assignTicket(
  desk: Desk,
  request: { number: number; by: string; to: string; seenAssignee?: string | null },
): Promise<AssignResult | Refusal> {
  const allowed = agentOrRefusal(desk, request.by);
  if (!allowed.ok) return allowed;
  const ticket = await desk.store.tickets.get(request.number);
  if (!ticket) return noSuchTicket(request.number);
  if (!mayAssign(desk, request.by, ticket.groupId))
    return refuse('assign_not_allowed', { number: ticket.number, groupId: ticket.groupId });
  const unmovable = whyNotMovable(ticket) ?? (await liveChat(desk, ticket));
  if (unmovable) return unmovable;
  const target = assigneeFor(desk, ticket, request.to);
  if (!target.ok) return target;
  const seen = request.seenAssignee === undefined ? ticket.assignee : request.seenAssignee;
  if (seen !== ticket.assignee) return refuse('assignment_changed', { number: ticket.number, agent: ticket.assignee });
  if (ticket.assignee === request.to)
    return refuse('already_assigned_to', { number: ticket.number, agent: request.to });

  const now = desk.clock();
  // A new ticket someone is given is being worked: open, as Take it makes it.
  const status = ticket.status === 'new' ? 'open' : ticket.status;
  const changed = await desk.store.tickets.change(
    ticket.number,
    { assignee: seen, status: UNSOLVED_STATUSES, notMerged: true },
    { assignee: request.to, status },
    ticketEvent('assigned', asAgent(request.by), now, {
      from: { assignee: seen, status: ticket.status },
      to: { assignee: request.to, status },
    }),
    now,
  );
  if (!changed) return whyNotMoved(desk, ticket.number);
  await cancelWaitingHandoff(desk, ticket.number, request.by);
  desk.events.ticketChanged(ticket.number);
  return { ok: true, kind: 'assigned', ticket: changed, previous: seen };
}

/**
 * Back to the queue: by the agent who has it, or a lead of its group. A pending ticket stays pending
 * (its auto-close clock runs on); when the requester writes, it opens in the queue.
 */
export async function releaseTicket(
  desk: Desk,
  request: { number: number; by: string; seenAssignee?: string | null },
): Promise<AssignResult | Refusal> {
  const allowed = agentOrRefusal(desk, request.by);
  if (!allowed.ok) return allowed;
  const ticket = await desk.store.tickets.get(request.number);
  if (!ticket) return noSuchTicket(request.number);
  const unmovable = whyNotMovable(ticket) ?? (await liveChat(desk, ticket));
  if (unmovable) return unmovable;
  if (ticket.assignee === null) return refuse('not_assigned', { number: ticket.number });
  if (ticket.assignee !== request.by && !mayAssign(desk, request.by, ticket.groupId)) {
    return refuse('release_not_allowed', { number: ticket.number, groupId: ticket.groupId, agent: ticket.assignee });
  }
  const seen = request.seenAssignee === undefined ? ticket.assignee : request.seenAssignee;
  if (seen !== ticket.assignee) return refuse('assignment_changed', { number: ticket.number, agent: ticket.assignee });
  const now = desk.clock();
  const changed = await desk.store.tickets.change(
    ticket.number,
    { assignee: seen, status: UNSOLVED_STATUSES, notMerged: true },
    { assignee: null },
    ticketEvent('released', asAgent(request.by), now, { from: { assignee: seen }, to: { assignee: null } }),
    now,
  );
  if (!changed) return whyNotMoved(desk, ticket.number);
  await cancelWaitingHandoff(desk, ticket.number, request.by);
  desk.events.ticketChanged(ticket.number);
  return { ok: true, kind: 'released', ticket: changed, previous: seen };
}
