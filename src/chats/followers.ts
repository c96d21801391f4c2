import { ticketEvent } from '../events/ticket-events.js';
import type { ChatFollower } from '../store/chat-followers.js';
import { type Desk, type Refusal, refuse } from '../tickets/desk.js';
import { agentOrRefusal } from '../tickets/permissions.js';
import { note, type ThreadMessage, type ThreadVerdict } from './relay.js';
import type { Chat, SlackRef } from './types.js';

export type { ChatFollower };

/**
 * Following (shadowing) a live chat: a team lead, or an agent of the chat's group, sees the relayed
 * conversation as it happens. Slack's API cannot subscribe a person to a thread, and an @-mention in the
 * queue thread would be seen by everyone there and needs the follower in that channel, so the honest
 * way to make them see it is a copy: a DM thread per followed chat, mirrored by the bot. The requester is
 * never told; nothing a follower writes is relayed — only the chat's agent speaks to the requester.
 */
export async function followChat(
  desk: Desk,
  request: { ticketNumber: number; user: string },
): Promise<{ ok: true; chat: Chat; already: boolean } | Refusal> {
  const allowed = agentOrRefusal(desk, request.user);
  if (!allowed.ok) return allowed;
  const chat = await desk.store.chats.get(request.ticketNumber);
  if (!chat) return refuse('no_such_chat', { number: request.ticketNumber });
  if (chat.state === 'ended') return refuse('chat_ended', { number: chat.ticketNumber, so: 'nothing to follow' });
  if (chat.agent === request.user) return refuse('chat_is_yours', { number: chat.ticketNumber });
  const isLead = allowed.agent.role === 'lead' || allowed.agent.role === 'admin';
  if (!isLead && !allowed.agent.groups.includes(chat.groupId)) {
    return refuse('follow_not_allowed', { number: chat.ticketNumber, groupId: chat.groupId });
  }
  const now = desk.clock();
  const added = await desk.store.chatDesk.follow({
    ticketNumber: chat.ticketNumber,
    user: request.user,
    mirror: null,
    since: now,
  });
  if (added) {
    await desk.store.tickets.change(
      chat.ticketNumber,
      {},
      {},
      ticketEvent('chat_followed', { kind: 'agent', id: request.user }, now),
      now,
    );
    desk.events.ticketChanged(chat.ticketNumber);
  }
  return { ok: true, chat, already: !added };
}

export async function unfollowChat(
  desk: Desk,
  request: { ticketNumber: number; user: string },
): Promise<{ ok: true; follower: ChatFollower } | Refusal> {
  const allowed = agentOrRefusal(desk, request.user);
  if (!allowed.ok) return allowed;
  const follower = await desk.store.chatDesk.unfollow(request.ticketNumber, request.user);
  if (!follower) return refuse('not_following', { number: request.ticketNumber });
  const now = desk.clock();
  await desk.store.tickets.change(
    request.ticketNumber,
    {},
    {},
    ticketEvent(
      'chat_unfollowed',
      { kind: 'agent', id: request.user },
      now,
      follower.mirror ? { to: { mirror: follower.mirror } } : {},
    ),
    now,
  );
  desk.events.ticketChanged(request.ticketNumber);
  return { ok: true, follower };
}

export async function followersOf(desk: Desk, ticketNumber: number): Promise<ChatFollower[]> {
  return desk.store.chatDesk.followersOf(ticketNumber);
}

/** Where the follower's copy of the chat lives (a thread in their DM with the bot). */
export async function mirrorOpened(desk: Desk, ticketNumber: number, user: string, mirror: SlackRef): Promise<void> {
  await desk.store.chatDesk.setMirror(ticketNumber, user, mirror);
}

/**
 * A follower wrote in their mirror thread (their DM with the bot): kept on the chat as an internal note,
 * never relayed. Null when that thread is not a mirror (the DM is then a requester's, as before).
 */
export async function followerWrote(
  desk: Desk,
  mirrorThread: SlackRef,
  message: ThreadMessage,
): Promise<ThreadVerdict | Refusal | null> {
  const follower = await desk.store.chatDesk.followerByMirror(mirrorThread);
  if (!follower || follower.user !== message.author) return null;
  const chat = await desk.store.chats.get(follower.ticketNumber);
  if (!chat) return null;
  return note(desk, chat, message.author, message.text.trim(), message.source, 'follower');
}
