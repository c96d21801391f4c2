import { z } from 'zod';
import { ticketEvent } from '../events/ticket-events.js';
import type { Delivery } from '../store/deliveries.js';
import { queueDelivery } from './deliveries.js';
import { type Desk, type Refusal, refuse } from './desk.js';
import { type AttachOutcome, attachFiles, type IncomingFile } from './files.js';
import { cleanForm, type FormField, formProblems, sameForm } from './form.js';
import { newCommentId } from './ids.js';
import { noSuchTicket, ticketToWork, whyNotWorkable } from './permissions.js';
import { solveIncidents } from './problems.js';
import { isRefusal } from './refusals.js';
import { REPLY_MAX } from './requester-reply.js';
import { clockResumes } from './sla.js';
import type { NewTicketEvent, Ticket, TicketComment, TicketStatus } from './types.js';

export const AGENT_STATUSES = ['open', 'pending', 'solved'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

const formText = z
  .string()
  .trim()
  .max(80, 'at most 80 characters')
  .optional()
  .transform((value) => value || undefined);

/** What an agent submits from the reply modal (or any other door): strings only, bounded. */
export const agentReplySchema = z.object({
  number: z.number().int().positive(),
  agent: z.string().min(1),
  text: z.string().trim().max(REPLY_MAX, `The text is over ${REPLY_MAX} characters.`),
  kind: z.enum(['public', 'internal']),
  status: z.enum(AGENT_STATUSES),
  form: z.object({ rootCause: formText, category: formText, subcategory: formText }).prefault({}),
  /** The ticket version the agent saw when the modal opened: a change since then is refused. */
  seenVersion: z.number().int().positive().optional(),
});

export type AgentReply = z.input<typeof agentReplySchema>;

/** A refusal that belongs to one field of the reply modal, so it is shown there. */
export type ReplyRefusal = Refusal & { field?: FormField | 'text' | 'status' };

export interface ReplyResult {
  ok: true;
  ticket: Ticket;
  previousStatus: TicketStatus;
  comment: TicketComment | null;
  /** Public replies queued for requesters, to send now (`attemptDelivery`). */
  deliveries: Delivery[];
  /**
   * Every ticket this submission solved: this one and, for a problem, its incidents. The place for
   * the satisfaction survey to hook in.
   */
  solved: Ticket[];
  /** The files that came with the reply: kept, and refused with the reason the agent is told. */
  files: AttachOutcome;
}

const WORKABLE: readonly TicketStatus[] = ['new', 'open', 'pending', 'solved'];

/**
 * An agent's reply or internal note with the status it leaves the ticket in. Pending and solved are
 * set only here (by an agent); solved needs the form; closed is final. The status, form and events
 * are one conditional write on the version the agent saw, so of two agents submitting at once the
 * second is told the ticket changed, and nothing of theirs is written.
 */
export async function replyToTicket(
  desk: Desk,
  input: AgentReply,
  files: readonly IncomingFile[] = [],
): Promise<ReplyResult | ReplyRefusal> {
  const parsed = agentReplySchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field =
      issue.path[0] === 'form' ? (issue.path[1] as FormField) : issue.path[0] === 'text' ? 'text' : undefined;
    return { ...refuse('invalid', { message: issue.message }), ...(field ? { field } : {}) };
  }
  const reply = parsed.data;
  const found = await ticketToWork(desk, reply.agent, reply.number);
  if (!found.ok) return found;
  const ticket = found.ticket;
  if (
    !reply.text &&
    files.length === 0 &&
    reply.status === ticket.status &&
    sameForm(cleanForm(reply.form), ticket.form)
  ) {
    return { ...refuse('nothing_to_save'), field: 'text' };
  }

  const form = cleanForm(reply.form);
  const problem = formProblems(desk.directory.workspace, form, reply.status === 'solved')[0];
  if (problem) return { ...problem.refusal, field: problem.field };

  const now = desk.clock();
  const actor = { kind: 'agent' as const, id: reply.agent };
  const commentId = reply.text || files.length > 0 ? newCommentId() : null;
  // A public reply from the form while the ticket's chat goes on (End and solve's closing line) is part
  // of that chat: the team counts the whole chat as one contact (contactsBefore in stats.ts).
  const chatOn =
    (reply.status === 'solved' || (commentId !== null && reply.kind === 'public')) && (await chatGoesOn(desk, ticket));
  const duringChat = chatOn && commentId !== null && reply.kind === 'public';
  // A solve ends a chat that goes on (chatPolicies): the survey waits for the requester to hear that.
  const endsChat = chatOn && reply.status === 'solved';
  const events: NewTicketEvent[] = [];
  if (commentId)
    events.push(
      ticketEvent(reply.kind === 'public' ? 'replied' : 'noted', actor, now, {
        to: { commentId, ...(duringChat ? { during: 'chat' as const } : {}) },
      }),
    );
  if (ticket.assignee === null)
    events.push(ticketEvent('assigned', actor, now, { from: { assignee: null }, to: { assignee: reply.agent } }));
  if (reply.status !== ticket.status)
    events.push(
      ticketEvent('status_changed', actor, now, {
        from: { status: ticket.status },
        to: { status: reply.status, ...(endsChat ? { endsChat: true } : {}) },
      }),
    );
  if (!sameForm(form, ticket.form))
    events.push(ticketEvent('form_changed', actor, now, { from: ticket.form, to: form }));

  const changed = await desk.store.tickets.change(
    ticket.number,
    { status: WORKABLE, notMerged: true, version: reply.seenVersion ?? ticket.version },
    {
      status: reply.status,
      form,
      assignee: ticket.assignee ?? reply.agent,
      pendingSince: reply.status === 'pending' ? pendingSinceAfter(ticket, reply, now) : null,
      solvedAt: reply.status === 'solved' ? (ticket.status === 'solved' ? ticket.solvedAt : now) : null,
      ...clockResumes(ticket, reply.status, now),
    },
    events,
    now,
  );
  if (!changed) return { ...(await whyChanged(desk, ticket.number, reply.seenVersion)), field: 'text' };

  let comment: TicketComment | null = null;
  const deliveries: Delivery[] = [];
  let kept: AttachOutcome = { kept: [], refused: [] };
  if (commentId) {
    // The files first: the reply's delivery (sent once the events go out) carries those already kept.
    if (files.length > 0) {
      const attached = await attachFiles(desk, {
        ticketNumber: changed.number,
        commentId,
        files,
        actor,
        visibility: reply.kind,
      });
      if (!isRefusal(attached)) kept = attached;
    }
    comment = await desk.store.tickets.addComment(changed.number, reply.kind, actor, reply.text, now, {
      id: commentId,
    });
    if (reply.kind === 'public') deliveries.push(await queueDelivery(desk, changed, comment));
  }
  const solved: Ticket[] = [];
  if (reply.status === 'solved' && ticket.status !== 'solved') {
    solved.push(changed);
    if (changed.problem) {
      const incidents = await solveIncidents(desk, changed, reply.agent, reply.kind === 'public' ? reply.text : null);
      solved.push(...incidents.solved);
      deliveries.push(...incidents.deliveries);
    }
  }
  desk.events.ticketChanged(changed.number);
  return { ok: true, ticket: changed, previousStatus: ticket.status, comment, deliveries, solved, files: kept };
}

async function chatGoesOn(desk: Desk, ticket: Ticket): Promise<boolean> {
  if (ticket.channel !== 'chat') return false;
  const chat = await desk.store.chats.get(ticket.number);
  return chat !== null && chat.state !== 'ended';
}

/**
 * The auto-close counts "3 days of no response from the customer" from the last thing the customer
 * was asked: every public reply submitted as Pending starts the count again. An internal note, or a
 * form change, while pending asks the customer nothing and keeps the count.
 */
function pendingSinceAfter(ticket: Ticket, reply: { kind: string; text: string }, now: Date): Date {
  const askedTheCustomer = reply.kind === 'public' && reply.text !== '';
  return ticket.status === 'pending' && !askedTheCustomer && ticket.pendingSince ? ticket.pendingSince : now;
}

async function whyChanged(desk: Desk, number: number, seenVersion: number | undefined): Promise<Refusal> {
  const current = await desk.store.tickets.get(number);
  if (!current) return noSuchTicket(number);
  const unworkable = whyNotWorkable(current);
  if (unworkable) return unworkable;
  const last = (await desk.store.tickets.history(number)).at(-1);
  const by = last && last.actor.kind === 'agent' ? { agent: last.actor.id, action: last.action } : undefined;
  return seenVersion !== undefined
    ? refuse('changed_since_opened', { number, ...(by ? { by } : {}) })
    : refuse('changed_while_saving', { number, ...(by ? { by } : {}) });
}
