import type { Connection } from 'mongoose';
import type { Chat } from '../chats/types.js';
import type { TicketEvent } from '../tickets/types.js';
import { ChatFollowerStore } from './chat-followers.js';
import { ChatShortcutStore } from './chat-shortcuts.js';
import { toChat } from './chats.js';
import { joined } from './joined.js';

/** The reads the requester panel and the waiting list need, over chats and events. */
export class ChatDeskReads {
  constructor(private readonly connection: Connection) {}

  /** Chats nobody accepted yet in these groups, oldest first. */
  async waitingChats(groupIds: readonly number[], limit: number): Promise<Chat[]> {
    const documents = await this.connection.models
      .Chat!.find({ state: 'waiting', groupId: { $in: [...groupIds] } })
      .sort({ startedAt: 1 })
      .limit(limit)
      .lean<(Omit<Chat, 'ticketNumber'> & { _id: string; openKey: string })[]>();
    return documents.map(toChat);
  }

  async chatsOfRequester(requester: string, limit: number): Promise<Chat[]> {
    const documents = await this.connection.models
      .Chat!.find({ requester })
      .sort({ startedAt: -1 })
      .limit(limit)
      .lean<(Omit<Chat, 'ticketNumber'> & { _id: string; openKey: string })[]>();
    return documents.map(toChat);
  }

  /** Satisfaction answers on these tickets, newest first (`satisfaction_rated` events, to: {rating}). */
  async ratingsOf(ticketNumbers: readonly number[], limit: number): Promise<TicketEvent[]> {
    const documents = await this.connection.models
      .Event!.find({ ticketNumber: { $in: [...ticketNumbers] }, action: 'satisfaction_rated' })
      .sort({ at: -1 })
      .limit(limit)
      .lean<(Omit<TicketEvent, 'id'> & { _id: string })[]>();
    return documents.map(({ _id, ...event }) => ({ id: String(_id), ...event }) as TicketEvent);
  }
}

/** What the chat desk keeps beyond the chats themselves: personal shortcuts, followers, and the reads the requester panel and the waiting list need. */
export type ChatDeskStore = ChatShortcutStore & ChatFollowerStore & ChatDeskReads;

export function chatDeskStore(connection: Connection): ChatDeskStore {
  return joined(new ChatShortcutStore(connection), new ChatFollowerStore(connection), new ChatDeskReads(connection));
}
