import type { Agent } from '../workspace/schema.js';
import { type Desk, type Refusal, refuse } from './desk.js';
import type { Ticket } from './types.js';

export function agentOrRefusal(desk: Desk, userId: string): { ok: true; agent: Agent } | Refusal {
  const agent = desk.directory.agent(userId);
  return agent ? { ok: true, agent } : refuse('not_an_agent');
}

/** Where the workspace restricts agents to their own groups, a ticket of another group is not theirs to work. */
export function mayWork(desk: Desk, agent: Agent, ticket: Pick<Ticket, 'groupId'>): boolean {
  return mayWorkIn(desk, agent, ticket.groupId);
}

/** The same rule for a group's work as a whole: its queue, its chats. */
export function mayWorkIn(desk: Desk, agent: Agent, groupId: number): boolean {
  if (!desk.directory.workspace.settings.restrictToOwnGroups) return true;
  return agent.role === 'admin' || agent.groups.includes(groupId);
}

export function outsideGroup(ticket: Pick<Ticket, 'number' | 'groupId'>): Refusal {
  return refuse('outside_group', { number: ticket.number, groupId: ticket.groupId });
}

/** "#1004", "1004" → 1004; anything else is refused with the text as typed. */
export function parseTicketNumber(text: string | undefined): { ok: true; number: number } | Refusal {
  const cleaned = (text ?? '').trim().replace(/^#/, '');
  if (!/^\d{1,9}$/.test(cleaned))
    return text?.trim() ? refuse('not_a_ticket_number', { typed: text.trim() }) : refuse('which_ticket');
  return { ok: true, number: Number(cleaned) };
}

export function noSuchTicket(number: number): Refusal {
  return refuse('no_such_ticket', { number });
}

/** Why a ticket can no longer be worked at all (merged away, or closed), or null when it can. */
export function whyNotWorkable(ticket: Ticket): Refusal | null {
  if (ticket.mergedInto !== null) return refuse('merged_into', { number: ticket.number, into: ticket.mergedInto });
  if (ticket.status === 'closed') return refuse('closed_is_final', { number: ticket.number });
  return null;
}

/**
 * The ticket an agent asks to work on, when they may: they are an agent, it exists, it is in their
 * groups (where the workspace keeps agents to them), and it is neither merged away nor closed.
 */
export async function ticketToWork(
  desk: Desk,
  agentId: string,
  number: number,
): Promise<{ ok: true; ticket: Ticket; agent: Agent } | Refusal> {
  const allowed = agentOrRefusal(desk, agentId);
  if (!allowed.ok) return allowed;
  const ticket = await desk.store.tickets.get(number);
  if (!ticket) return noSuchTicket(number);
  if (!mayWork(desk, allowed.agent, ticket)) return outsideGroup(ticket);
  const unworkable = whyNotWorkable(ticket);
  if (unworkable) return unworkable;
  return { ok: true, ticket, agent: allowed.agent };
}
