import { ticketEvent } from '../events/ticket-events.js';
import type { Delivery } from '../store/deliveries.js';
import { queueDelivery } from '../tickets/deliveries.js';
import { type Desk, type Refusal, refuse } from '../tickets/desk.js';
import { newCommentId } from '../tickets/ids.js';
import { agentOrRefusal } from '../tickets/permissions.js';
import { REPLY_MAX } from '../tickets/requester-reply.js';
import type { Requester, Ticket, TicketComment } from '../tickets/types.js';
import { expandShortcut, type ShortcutNames } from './shortcuts.js';
import type { Chat } from './types.js';

/** What the Slack side knows of the requester's address: Slack's profile email (users:read.email), if shared. */
export interface RequesterAddress {
  email: string | null;
  name: string;
}

export interface ChatEmailResult {
  ok: true;
  chat: Chat;
  ticket: Ticket;
  comment: TicketComment;
  delivery: Delivery;
  to: Extract<Requester, { kind: 'email' }>;
}

/**
 * The chat's agent emails the requester without ending the chat: the words are stored as a public reply
 * (one `replied` event, via email, so first-contact resolution counts it like any public reply) and go
 * out through the outbound webhook like every email reply. A chat's requester is a Slack user, so the
 * address is the ticket's own when the requester is an email requester, else the one Slack's profile
 * shares; without one, nothing is sent and the agent is told why.
 */
export async function emailDuringChat(
  desk: Desk,
  request: { ticketNumber: number; agent: string; text: string; address: RequesterAddress; names: ShortcutNames },
): Promise<ChatEmailResult | Refusal> {
  const allowed = agentOrRefusal(desk, request.agent);
  if (!allowed.ok) return allowed;
  const chat = await desk.store.chats.get(request.ticketNumber);
  if (!chat) return refuse('no_such_chat', { number: request.ticketNumber });
  if (chat.state !== 'live' || chat.agent !== request.agent) {
    return chat.state === 'ended'
      ? refuse('chat_ended', { number: chat.ticketNumber, so: 'reply on the ticket' })
      : refuse('chat_agent_only', { number: chat.ticketNumber, agent: chat.agent });
  }
  const ticket = (await desk.store.tickets.get(chat.ticketNumber))!;
  const to = emailOf(ticket, request.address);
  if (!to) return refuse('no_email_address', { requester: chat.requester });
  if (!desk.directory.workspace.outboundWebhook && !desk.settings.sendsMail) return refuse('no_outbound_webhook');
  const typed = request.text.trim();
  if (!typed) return refuse('email_empty');
  const expansion = await expandShortcut(desk, request.agent, typed, request.names);
  if (!expansion.ok) return expansion;
  const text = expansion.text;
  if (text.length > REPLY_MAX) return refuse('text_too_long', { what: 'email', length: text.length, max: REPLY_MAX });

  const now = desk.clock();
  const author = { kind: 'agent' as const, id: request.agent };
  const comment = await desk.store.tickets.addComment(chat.ticketNumber, 'public', author, text, now, {
    id: newCommentId(),
    extra: { via: 'email' },
  });
  const changed = await desk.store.tickets.change(
    chat.ticketNumber,
    {},
    {},
    ticketEvent('replied', author, now, { to: { commentId: comment.id, via: 'email', during: 'chat' } }),
    now,
  );
  const delivery = await queueDelivery(desk, { ...(changed ?? ticket), requester: to }, comment);
  desk.events.ticketChanged(chat.ticketNumber);
  return { ok: true, chat, ticket: changed ?? ticket, comment, delivery, to };
}

function emailOf(ticket: Ticket, address: RequesterAddress): Extract<Requester, { kind: 'email' }> | null {
  if (ticket.requester.kind === 'email') return ticket.requester;
  const email = address.email?.trim();
  if (!email || !/^[^\s@]+@[^\s@]+$/.test(email)) return null;
  return { kind: 'email', email, name: address.name };
}
