import type { Desk } from '../tickets/desk.js';
import { ticketOfRequesterThread } from '../tickets/places.js';
import { replyCommentId } from '../tickets/requester-reply.js';
import { type RequesterChatMessage, sourceKeyOf } from './chat.js';
import type { Chat, SlackRef } from './types.js';

/**
 * Where a message to the bot goes, decided here so the Slack listener only decodes it and answers:
 * a reply in a ticket's thread of the requester's DM is a comment on that ticket (never a new chat);
 * files alone go to the requester's open chat, or nowhere; words are routed by `requesterMessaged`.
 */
export type DirectMessageRoute =
  | { kind: 'ticket-thread'; ticketNumber: number }
  | { kind: 'files-alone'; chat: Chat | null }
  | { kind: 'words' };

export async function routeDirectMessage(
  desk: Desk,
  message: RequesterChatMessage,
  threadTs: string | undefined,
): Promise<DirectMessageRoute> {
  if (threadTs) {
    const ticketNumber = await ticketOfRequesterThread(desk, { channel: message.source.channel, ts: threadTs });
    if (ticketNumber !== null) return { kind: 'ticket-thread', ticketNumber };
  }
  if (!message.text.trim()) return { kind: 'files-alone', chat: await desk.store.chats.openOf(message.requester) };
  return { kind: 'words' };
}

/** The chat whose thread (in an agents' channel) a message was written in, if any. */
export async function chatOfThread(desk: Desk, thread: SlackRef): Promise<Chat | null> {
  return desk.store.chats.byThread(thread);
}

/** The requester's open chat, if any: where a file they share on its own goes. */
export async function openChatOf(desk: Desk, requester: string): Promise<Chat | null> {
  return desk.store.chats.openOf(requester);
}

/**
 * Where the files that came with a requester's words belong: the comment those words became, or the
 * opening of the chat they started. None when the words were parked behind a question ("which ticket?"):
 * they have no comment yet, and their files wait with them in Slack.
 */
export async function filesPlaceOf(
  desk: Desk,
  message: RequesterChatMessage,
): Promise<{ ticketNumber: number; commentId: string } | null> {
  const commentId = replyCommentId(sourceKeyOf(message.source));
  const comment = await desk.store.tickets.comment(commentId);
  const chat = comment ? null : await desk.store.chats.openOf(message.requester);
  const ticketNumber = comment?.ticketNumber ?? chat?.ticketNumber;
  if (ticketNumber === undefined) return null;
  return { ticketNumber, commentId: comment ? commentId : `opening:${ticketNumber}` };
}

/** Long enough to mean "once": the first visit is the one a person needs told what writing here does. */
const WELCOME_REMEMBERED_MS = 10 * 365 * 24 * 60 * 60_000;

/** True the first time a person opens their Messages tab with the bot (remembered whether the welcome went or not). */
export async function firstVisitToMessages(desk: Desk, user: string): Promise<boolean> {
  return desk.store.seen.firstTime(`welcome:${user}`, desk.clock(), WELCOME_REMEMBERED_MS);
}
