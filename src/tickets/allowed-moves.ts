import { mayAssign } from './assignment-rules.js';
import type { Desk } from './desk.js';
import { mayWork } from './permissions.js';
import { type Ticket, UNSOLVED_STATUSES } from './types.js';

/** What can be done to a ticket; the card shows a button for each one the viewer may do now. */
export type TicketMove =
  | 'take'
  | 'reply'
  | 'note'
  | 'macro'
  | 'solve'
  | 'merge'
  | 'escalate'
  | 'problem'
  | 'link'
  /** A lead (or admin) gives it to an agent of its group. */
  | 'assign'
  /** The agent who has it asks a colleague to take it over. */
  | 'handoff'
  /** Back to the queue: its agent, or a lead. */
  | 'release'
  /** Subject, priority, tags, the email requester's address, the group (as an escalation). */
  | 'edit';

export function movesFor(desk: Desk, ticket: Ticket, viewerId: string): TicketMove[] {
  const agent = desk.directory.agent(viewerId);
  if (!agent || !mayWork(desk, agent, ticket)) return [];
  if (ticket.mergedInto !== null || ticket.status === 'closed' || (ticket.merge && ticket.merge.state !== 'done'))
    return [];
  const moves: TicketMove[] = [];
  const unsolved = UNSOLVED_STATUSES.includes(ticket.status);
  if (ticket.assignee === null && (ticket.status === 'new' || ticket.status === 'open')) moves.push('take');
  moves.push('reply', 'note', 'macro');
  if (unsolved) moves.push('solve', 'merge', 'escalate');
  if (unsolved && !ticket.problem && !ticket.problemOf) moves.push('problem', 'link');
  if (unsolved) {
    const leads = mayAssign(desk, viewerId, ticket.groupId);
    if (leads) moves.push('assign');
    else if (ticket.assignee === viewerId) moves.push('handoff');
    if (ticket.assignee !== null && (leads || ticket.assignee === viewerId)) moves.push('release');
  }
  moves.push('edit');
  return moves;
}
