import { z } from 'zod';
import { ticketEvent } from '../events/ticket-events.js';
import type { Group } from '../workspace/schema.js';
import { type Desk, type Refusal, refuse } from './desk.js';
import { ticketToWork } from './permissions.js';
import { clockResumes } from './sla.js';
import { type Ticket, type TicketComment, UNSOLVED_STATUSES } from './types.js';

export const ESCALATION_NOTE_MAX = 3000;
/** How much of the note the ticket keeps for its live message: the first lines; the whole note is a comment. */
export const ESCALATION_ORIGIN_NOTE_MAX = 300;

export const escalationSchema = z.object({
  number: z.number().int().positive(),
  agent: z.string().min(1),
  groupId: z.number({ error: 'Choose the group to escalate to.' }).int().positive('Choose the group to escalate to.'),
  note: z
    .string()
    .trim()
    .min(1, 'Write a note for the other team: what is the issue, what was tried.')
    .max(ESCALATION_NOTE_MAX, `The note is at most ${ESCALATION_NOTE_MAX} characters.`),
});

export type EscalationRefusal = Refusal & { field?: 'group' | 'note' };

export interface EscalationResult {
  ok: true;
  ticket: Ticket;
  from: Group | undefined;
  to: Group;
  note: TicketComment;
}

/** Groups a ticket can be escalated to: every group but its own. */
export function escalationGroups(desk: Desk, ticket: Ticket): readonly Group[] {
  return desk.directory.groups().filter((group) => group.id !== ticket.groupId);
}

/**
 * Sends the ticket to another group, unassigned and open, with a required internal note for that
 * team. Anyone allowed to work the ticket may escalate it, even where agents are kept to their groups.
 */
export async function escalateTicket(
  desk: Desk,
  input: z.input<typeof escalationSchema>,
): Promise<EscalationResult | EscalationRefusal> {
  const parsed = escalationSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const refusal = refuse('invalid', { message: issue.message });
    return {
      ...refusal,
      ...(issue.path[0] === 'note'
        ? { field: 'note' as const }
        : issue.path[0] === 'groupId'
          ? { field: 'group' as const }
          : {}),
    };
  }
  const request = parsed.data;
  const found = await ticketToWork(desk, request.agent, request.number);
  if (!found.ok) return found;
  const ticket = found.ticket;
  if (ticket.status === 'solved') return refuse('solved_reopen_first', { number: ticket.number });
  const to = desk.directory.group(request.groupId);
  if (!to) return { ...refuse('no_such_group', { groupId: request.groupId }), field: 'group' };
  if (to.id === ticket.groupId)
    return { ...refuse('already_in_group', { number: ticket.number, groupId: to.id }), field: 'group' };

  const now = desk.clock();
  const actor = { kind: 'agent' as const, id: request.agent };
  // Named after the version this escalation makes, so the note is written once and only after the change held.
  const noteId = `escalated:${ticket.number}:${ticket.version + 1}`;
  const escalated = await desk.store.tickets.change(
    ticket.number,
    { status: UNSOLVED_STATUSES, notMerged: true, version: ticket.version },
    {
      groupId: to.id,
      assignee: null,
      status: 'open',
      pendingSince: null,
      ...clockResumes(ticket, 'open', now),
      escalatedFrom: {
        groupId: ticket.groupId,
        by: request.agent,
        at: now,
        note: request.note.slice(0, ESCALATION_ORIGIN_NOTE_MAX),
      },
    },
    [
      ticketEvent('escalated', actor, now, {
        from: { groupId: ticket.groupId, assignee: ticket.assignee },
        to: { groupId: to.id, assignee: null },
        note: noteId,
      }),
      ...(ticket.status !== 'open'
        ? [ticketEvent('status_changed', actor, now, { from: { status: ticket.status }, to: { status: 'open' } })]
        : []),
    ],
    now,
  );
  if (!escalated) return refuse('changed_meanwhile', { number: ticket.number, doing: 'escalating' });
  const note = await desk.store.tickets.addComment(
    ticket.number,
    'internal',
    actor,
    `Escalated to ${to.name} (${to.id}): ${request.note}`,
    now,
    { id: noteId },
  );
  desk.events.ticketChanged(ticket.number);
  return { ok: true, ticket: escalated, from: desk.directory.group(ticket.groupId), to, note };
}
