import { ticketEvent } from '../events/ticket-events.js';
import { type Desk, type Refusal, refuse } from './desk.js';
import { newCommentId } from './ids.js';
import { noSuchTicket } from './permissions.js';
import { clockResumes } from './sla.js';
import type { Actor, Ticket, TicketStatus } from './types.js';

export const REPLY_MAX = 10_000;

export interface RequesterReply {
  number: number;
  text: string;
  author: Actor;
  /**
   * Identifies this reply at its source (a Slack message, an API idempotency key): a reply delivered
   * twice is stored once. Without one, a retry of this call within itself still never doubles it.
   */
  sourceKey?: string;
  /** Stored with the comment as data (an email's attachments, by name, size and type). */
  extra?: Record<string, unknown>;
  /** Files came with it (attached by the caller under its comment id): the words may then be none. */
  withFiles?: boolean;
}

export interface RequesterReplyResult {
  ok: true;
  /** The ticket the reply now lives on: the one written to, its merge target, or a follow-up. */
  ticket: Ticket;
  previousStatus: TicketStatus;
  reopened: boolean;
  /** Set when the ticket written to was closed and a follow-up was opened for the reply. */
  followUpOf: number | null;
  /** The same reply was delivered before; nothing changed this time. */
  duplicate: boolean;
  /** The comment it is stored as: files that came with it belong there. */
  commentId: string;
}

const MAX_HOPS = 5;

/** The comment a reply with this source key is stored as: a caller can tell whether the key was used before. */
export function replyCommentId(sourceKey: string): string {
  return `reply:${sourceKey}`;
}

/**
 * The requester wrote again. Pending and solved tickets reopen (the agent is told by the caller);
 * a closed ticket is final, so the reply opens a follow-up linked to it; a merged ticket forwards
 * to its target. The comment is written before the status changes, so a crash in between leaves
 * the reply stored and a retry (same sourceKey) finishes the reopen without doubling it.
 *
 * Racing the pending auto-close is safe: both are conditional updates of the same document, so
 * either the reply reopens the ticket first, or the close wins and the reply finds it closed and
 * opens a follow-up. The reply is never left on a closed ticket unanswered.
 */
export async function addRequesterReply(desk: Desk, reply: RequesterReply): Promise<RequesterReplyResult | Refusal> {
  const text = reply.text.trim();
  if (!text && !reply.withFiles) return refuse('reply_empty');
  if (text.length > REPLY_MAX) return refuse('text_too_long', { what: 'reply', length: text.length, max: REPLY_MAX });
  const commentId = reply.sourceKey ? replyCommentId(reply.sourceKey) : newCommentId();

  const earlier = await desk.store.tickets.comment(commentId);
  if (earlier) {
    const ticket = (await desk.store.tickets.get(earlier.ticketNumber))!;
    return {
      ok: true,
      ticket,
      previousStatus: ticket.status,
      reopened: false,
      followUpOf: ticket.followUpOf ?? null,
      duplicate: true,
      commentId,
    };
  }

  let number = reply.number;
  for (let hop = 0; hop < MAX_HOPS * 2; hop++) {
    const ticket = await desk.store.tickets.get(number);
    if (!ticket) return noSuchTicket(number);
    if (ticket.mergedInto !== null) {
      number = ticket.mergedInto;
      continue;
    }
    const now = desk.clock();
    if (ticket.status === 'closed') {
      const followUp = await openFollowUp(desk, ticket, reply.author, text, commentId, reply.extra);
      desk.events.ticketChanged(ticket.number);
      desk.events.ticketChanged(followUp.number);
      return {
        ok: true,
        ticket: followUp,
        previousStatus: 'closed',
        reopened: false,
        followUpOf: ticket.number,
        duplicate: false,
        commentId,
      };
    }
    await desk.store.tickets.addComment(number, 'public', reply.author, text, now, {
      id: commentId,
      ...(reply.extra ? { extra: reply.extra } : {}),
    });
    const reopens = ticket.status === 'pending' || ticket.status === 'solved';
    const changed = await desk.store.tickets.change(
      number,
      { status: [ticket.status] },
      {
        lastRequesterReplyAt: now,
        ...(reopens
          ? { status: 'open' as const, pendingSince: null, solvedAt: null, ...clockResumes(ticket, 'open', now) }
          : {}),
      },
      ticketEvent(reopens ? 'reopened' : 'requester_replied', reply.author, now, {
        from: { status: ticket.status },
        to: { status: reopens ? 'open' : ticket.status, commentId },
      }),
      now,
    );
    if (changed) {
      desk.events.ticketChanged(changed.number);
      return {
        ok: true,
        ticket: changed,
        previousStatus: ticket.status,
        reopened: reopens,
        followUpOf: null,
        duplicate: false,
        commentId,
      };
    }
    // The status moved under us (an agent solved it, the auto-close closed it): decide again from what it is now.
  }
  return refuse('changing_too_quickly', { number: reply.number });
}

async function openFollowUp(
  desk: Desk,
  closed: Ticket,
  author: Actor,
  text: string,
  commentId: string,
  extra?: Record<string, unknown>,
): Promise<Ticket> {
  const now = desk.clock();
  const followUp = await desk.store.tickets.create(
    {
      subject: `Follow-up to #${closed.number}: ${closed.subject}`.slice(0, 150),
      description: text,
      requester: closed.requester,
      status: 'new',
      assignee: null,
      groupId: closed.groupId,
      priority: closed.priority,
      form: {},
      channel: closed.channel,
      source: closed.source,
      pendingSince: null,
      solvedAt: null,
      closedAt: null,
      mergedInto: null,
      followUpOf: closed.number,
      lastRequesterReplyAt: now,
    },
    ticketEvent('created', author, now, { to: { status: 'new', followUpOf: closed.number } }),
    now,
  );
  await desk.store.tickets.addComment(followUp.number, 'public', author, text, now, {
    id: commentId,
    ...(extra ? { extra } : {}),
  });
  await desk.store.tickets.change(
    closed.number,
    { status: ['closed'] },
    {},
    ticketEvent('follow_up_created', author, now, { to: { number: followUp.number } }),
    now,
  );
  return followUp;
}
