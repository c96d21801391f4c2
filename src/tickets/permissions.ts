import type { Agent } from '../workspace/schema.js';
import { refuse, type Desk, type Refusal } from './desk.js';
import type { Ticket } from './types.js';

export const NOT_AN_AGENT =
  'Sorry — only support agents can work tickets. To ask for help, use `/ticket new` or send me a direct message.';

export function agentOrRefusal(desk: Desk, userId: string): { ok: true; agent: Agent } | Refusal {
  const agent = desk.directory.agent(userId);
  return agent ? { ok: true, agent } : refuse(NOT_AN_AGENT);
}

/** Where the workspace restricts agents to their own groups, a ticket of another group is not theirs to work. */
export function mayWork(desk: Desk, agent: Agent, ticket: Ticket): boolean {
  if (!desk.directory.workspace.settings.restrictToOwnGroups) return true;
  return agent.role === 'admin' || agent.groups.includes(ticket.groupId);
}

export function outsideGroupReason(desk: Desk, ticket: Ticket): string {
  return `#${ticket.number} belongs to ${desk.directory.groupName(ticket.groupId)}, which is not one of your groups.`;
}

/** "#1004", "1004" → 1004; anything else is refused with the text as typed. */
export function parseTicketNumber(text: string | undefined): { ok: true; number: number } | Refusal {
  const cleaned = (text ?? '').trim().replace(/^#/, '');
  if (!/^\d{1,9}$/.test(cleaned)) {
    return refuse(text?.trim() ? `“${text.trim().slice(0, 40)}” is not a ticket number. Try something like \`#1004\`.` : 'Which ticket? Give its number, like `#1004`.');
  }
  return { ok: true, number: Number(cleaned) };
}

export function noSuchTicket(number: number): Refusal {
  return refuse(`There is no ticket #${number}.`);
}
