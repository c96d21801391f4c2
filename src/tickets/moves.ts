import type { Desk } from './desk.js';
import { mayWork } from './permissions.js';
import { UNSOLVED_STATUSES, type Ticket } from './types.js';

/** What can be done to a ticket; the card shows a button for each one the viewer may do now. */
export type TicketMove = 'take' | 'reply' | 'note' | 'macro' | 'solve' | 'merge' | 'escalate' | 'problem' | 'link';

export function movesFor(desk: Desk, ticket: Ticket, viewerId: string): TicketMove[] {
  const agent = desk.directory.agent(viewerId);
  if (!agent || !mayWork(desk, agent, ticket)) return [];
  if (ticket.mergedInto !== null || ticket.status === 'closed' || (ticket.merge && ticket.merge.state !== 'done')) return [];
  const moves: TicketMove[] = [];
  const unsolved = UNSOLVED_STATUSES.includes(ticket.status);
  if (ticket.assignee === null && (ticket.status === 'new' || ticket.status === 'open')) moves.push('take');
  moves.push('reply', 'note', 'macro');
  if (unsolved) moves.push('solve', 'merge', 'escalate');
  if (unsolved && !ticket.problem && !ticket.problemOf) moves.push('problem', 'link');
  return moves;
}
