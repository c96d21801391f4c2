import { type Connection, Schema } from 'mongoose';
import type { Chat, ChatState, SlackRef } from '../chats/types.js';
import { AgentStateStore } from './agent-state.js';
import { updateById } from './by-id.js';
import { documentsOf, insertOnce, slackRefSchema as refSchema } from './documents.js';
import { joined } from './joined.js';
import { ParkedMessageStore } from './parked-messages.js';
import { RelayedMessageStore } from './relayed-messages.js';
import { TransferStore } from './transfers.js';

const chatSchema = new Schema(
  {
    // The ticket number as text, like a ticket's _id: FerretDB v1 answers only a string (or ObjectId) _id from an index.
    _id: String,
    requester: { type: String, required: true },
    requesterDm: { type: String, required: true },
    agent: { type: String, default: null },
    groupId: { type: Number, required: true },
    thread: { type: refSchema, required: true },
    state: { type: String, required: true },
    startedAt: { type: Date, required: true },
    lastActivityAt: { type: Date, required: true },
    lastRequesterAt: { type: Date, default: undefined },
    lastAgentAt: { type: Date, default: undefined },
    endedAt: { type: Date, default: null },
    shownActive: { type: Boolean, default: false },
    /**
     * The requester's id while the chat is open, `ended:<ticket>` after: a unique index on it keeps one
     * open chat per requester without a partial index (FerretDB has none). Always set.
     */
    openKey: { type: String, required: true },
  },
  { collection: 'chats', versionKey: false },
);
chatSchema.index({ openKey: 1 }, { unique: true });
chatSchema.index({ 'thread.channel': 1, 'thread.ts': 1 });
chatSchema.index({ requesterDm: 1, state: 1 });
chatSchema.index({ agent: 1, state: 1, lastActivityAt: -1 });
chatSchema.index({ state: 1, shownActive: 1, lastActivityAt: 1 });
// The waiting list (oldest first per group) and the requester panel's last chats.
chatSchema.index({ state: 1, groupId: 1, startedAt: 1 });
chatSchema.index({ requester: 1, startedAt: -1 });

type ChatDocument = Omit<Chat, 'ticketNumber'> & { _id: string; openKey: string };

export function toChat(document: ChatDocument): Chat {
  const { _id, openKey, ...chat } = document;
  void openKey;
  return { ticketNumber: Number(_id), ...chat };
}

/** Live chats: one per ticket, at most one open per requester. */
export class ChatQueries {
  private readonly Chat;

  constructor(connection: Connection) {
    this.Chat = connection.model('Chat', chatSchema);
  }

  /** Opens a chat; null when the requester already has an open one (the unique open key said so). */
  async open(chat: Chat): Promise<Chat | null> {
    const { ticketNumber, ...fields } = chat;
    return (await insertOnce(documentsOf<ChatDocument>(this.Chat), {
      _id: String(ticketNumber),
      ...fields,
      openKey: chat.requester,
    }))
      ? chat
      : null;
  }

  async get(ticketNumber: number): Promise<Chat | null> {
    const document = await this.Chat.findById(String(ticketNumber)).lean<ChatDocument>();
    return document ? toChat(document) : null;
  }

  async openOf(requester: string): Promise<Chat | null> {
    const document = await this.Chat.findOne({ openKey: requester }).lean<ChatDocument>();
    return document ? toChat(document) : null;
  }

  async byThread(thread: SlackRef): Promise<Chat | null> {
    const document = await this.Chat.findOne({
      'thread.channel': thread.channel,
      'thread.ts': thread.ts,
    }).lean<ChatDocument>();
    return document ? toChat(document) : null;
  }

  /** One conditional update: the chat changes only while it still matches `expected`. */
  async change(
    ticketNumber: number,
    expected: { state?: readonly ChatState[]; agent?: string | null },
    changes: Partial<Omit<Chat, 'ticketNumber' | 'requester'>>,
  ): Promise<Chat | null> {
    const condition: Record<string, unknown> = {};
    if (expected.state) condition.state = { $in: [...expected.state] };
    if (expected.agent !== undefined) condition.agent = expected.agent;
    const set: Record<string, unknown> = { ...changes };
    if (changes.state === 'ended') set.openKey = `ended:${ticketNumber}`;
    const document = await updateById(this.Chat, String(ticketNumber), condition, { $set: set });
    return document ? toChat(document as unknown as ChatDocument) : null;
  }

  /** A message went one way: $max, so a late or retried touch never moves a time back. */
  async touch(ticketNumber: number, at: Date, side?: 'requester' | 'agent'): Promise<void> {
    const sideField = side === 'requester' ? { lastRequesterAt: at } : side === 'agent' ? { lastAgentAt: at } : {};
    await updateById(this.Chat, String(ticketNumber), {}, { $max: { lastActivityAt: at, ...sideField } });
  }

  /** Live chats still shown as active whose last message is older than `before`: to be shown inactive. */
  async shownActiveButQuietSince(before: Date, limit: number): Promise<Chat[]> {
    const documents = await this.Chat.find({ state: 'live', shownActive: true, lastActivityAt: { $lte: before } })
      .sort({ lastActivityAt: 1 })
      .limit(limit)
      .lean<ChatDocument[]>();
    return documents.map(toChat);
  }

  async markShown(ticketNumber: number, shownActive: boolean): Promise<void> {
    await this.Chat.updateOne({ _id: String(ticketNumber) }, { $set: { shownActive } });
  }

  async ofAgent(agent: string, limit = 50): Promise<Chat[]> {
    const documents = await this.Chat.find({ agent, state: 'live' })
      .sort({ lastActivityAt: -1 })
      .limit(limit)
      .lean<ChatDocument[]>();
    return documents.map(toChat);
  }
}

/** Chats, their transfer requests, the agents' availability, parked messages and the relayed-message map. */
export type ChatStore = ChatQueries & TransferStore & AgentStateStore & ParkedMessageStore & RelayedMessageStore;

export function chatStore(connection: Connection): ChatStore {
  return joined(
    new ChatQueries(connection),
    new TransferStore(connection),
    new AgentStateStore(connection),
    new ParkedMessageStore(connection),
    new RelayedMessageStore(connection),
  );
}
