import type { Agent } from '../workspace/schema.js';
import { type Desk, type Refusal, refuse } from './desk.js';
import { noSuchTicket } from './permissions.js';
import type { Actor, Ticket } from './types.js';

/** Who may move a ticket, to whom, and when a ticket cannot change hands: the rules every kind of move shares. */

/** Admins everywhere; leads in the groups they lead. */
export function mayAssign(desk: Desk, userId: string, groupId: number): boolean {
  const agent = desk.directory.agent(userId);
  return agent?.role === 'admin' || desk.directory.isLeadOf(userId, groupId);
}

export function asAgent(id: string): Actor {
  return { kind: 'agent', id };
}

/** Why a ticket cannot change hands at all: merged away, merging, closed or solved. */
export function whyNotMovable(ticket: Ticket): Refusal | null {
  if (ticket.mergedInto !== null) return refuse('merged_into', { number: ticket.number, into: ticket.mergedInto });
  if (ticket.merge && ticket.merge.state !== 'done')
    return refuse('source_merging', { number: ticket.number, into: ticket.merge.into });
  if (ticket.status === 'closed') return refuse('closed_is_final', { number: ticket.number });
  if (ticket.status === 'solved') return refuse('not_assignable', { number: ticket.number, status: ticket.status });
  return null;
}

/**
 * A live chat changes hands only by a transfer, which moves the conversation too: assigning its
 * ticket would leave the requester talking to the old agent.
 */
export async function liveChat(desk: Desk, ticket: Ticket): Promise<Refusal | null> {
  if (ticket.channel !== 'chat') return null;
  const chat = await desk.store.chats.get(ticket.number);
  return chat && chat.state !== 'ended' ? refuse('live_chat_moves_by_transfer', { number: ticket.number }) : null;
}

/** The colleague a ticket may go to: an agent of the ticket's group. */
export function assigneeFor(
  desk: Desk,
  ticket: Pick<Ticket, 'number' | 'groupId'>,
  userId: string,
): { ok: true; agent: Agent } | Refusal {
  const agent = desk.directory.agent(userId);
  if (!agent) return refuse('assignee_not_an_agent', { person: userId });
  if (!agent.groups.includes(ticket.groupId))
    return refuse('not_in_group', { number: ticket.number, person: userId, groupId: ticket.groupId });
  return { ok: true, agent };
}

/** A move lost its race: say what the ticket is now. */
export async function whyNotMoved(desk: Desk, number: number): Promise<Refusal> {
  const current = await desk.store.tickets.get(number);
  if (!current) return noSuchTicket(number);
  return whyNotMovable(current) ?? refuse('assignment_changed', { number, agent: current.assignee });
}
