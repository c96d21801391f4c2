import type { WebClient } from '@slack/web-api';
import type { Chat } from '../chats/types.js';
import type { SlackDeps } from './context.js';
import { safely } from './notify.js';

/**
 * Copies one line of a chat into each follower's mirror thread (their DM with the bot). Followers are
 * agents only and the copy goes to their own DM, so the requester never sees that anyone follows.
 */
export async function mirrorToFollowers(client: WebClient, deps: SlackDeps, chat: Chat, line: string): Promise<void> {
  const followers = await deps.desk.store.chatDesk.followersOf(chat.ticketNumber);
  for (const follower of followers) {
    const mirror = follower.mirror;
    if (!mirror) continue;
    await safely(deps.log, 'follower mirror', () => client.chat.postMessage({ channel: mirror.channel, thread_ts: mirror.ts, text: line }));
  }
}
