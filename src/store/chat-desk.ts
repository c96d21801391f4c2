import { toChat } from './chats.js';
import { Schema, type Connection, type Model } from 'mongoose';
import type { Chat, SlackRef } from '../chats/types.js';
import type { TicketEvent } from '../tickets/types.js';
import { isDuplicateKey } from './models.js';

// ─── Personal chat shortcuts ──────────────────────────────────────────────────────────────

export interface PersonalShortcut {
  agent: string;
  /** Lower case, as typed after the sigil. */
  name: string;
  text: string;
  createdAt: Date;
}

type ShortcutDocument = PersonalShortcut & { _id: string };

const shortcutSchema = new Schema(
  {
    _id: String,
    agent: { type: String, required: true },
    name: { type: String, required: true },
    text: { type: String, required: true },
    createdAt: { type: Date, required: true },
  },
  { collection: 'chat_shortcuts', versionKey: false },
);
shortcutSchema.index({ agent: 1, name: 1 }, { unique: true });

/** One per agent: how many personal shortcuts they hold, so the limit holds under concurrent adds. */
const shortcutCountSchema = new Schema({ _id: String, count: { type: Number, default: 0 } }, { collection: 'chat_shortcut_counts', versionKey: false });

export type ShortcutSaveOutcome = 'created' | 'replaced' | 'limit';

// ─── Followers ────────────────────────────────────────────────────────────────────────────

export interface ChatFollower {
  ticketNumber: number;
  user: string;
  /** The follower's DM message whose thread mirrors the conversation; null until it is posted. */
  mirror: SlackRef | null;
  since: Date;
}

type FollowerDocument = ChatFollower & { _id: string };

const refSchema = new Schema({ channel: String, ts: String }, { _id: false });
const followerSchema = new Schema(
  {
    _id: String,
    ticketNumber: { type: Number, required: true },
    user: { type: String, required: true },
    mirror: { type: refSchema, default: null },
    since: { type: Date, required: true },
  },
  { collection: 'chat_followers', versionKey: false },
);
followerSchema.index({ ticketNumber: 1, since: 1 });
followerSchema.index({ 'mirror.channel': 1, 'mirror.ts': 1 });

const FOLLOWERS_MAX = 50;

/**
 * What the chat desk keeps beyond the chats themselves: personal shortcuts, followers, and the reads the
 * requester panel and the waiting list need. Followers are a collection of their own (never an array
 * growing inside the chat).
 */
export class ChatDeskStore {
  private readonly Shortcut: Model<ShortcutDocument>;
  private readonly ShortcutCount: Model<{ _id: string; count: number }>;
  private readonly Follower: Model<FollowerDocument>;

  constructor(private readonly connection: Connection) {
    this.Shortcut = connection.model<ShortcutDocument>('ChatShortcut', shortcutSchema);
    this.ShortcutCount = connection.model<{ _id: string; count: number }>('ChatShortcutCount', shortcutCountSchema);
    this.Follower = connection.model<FollowerDocument>('ChatFollower', followerSchema);
  }

  // ─── Shortcuts ──────────────────────────────────────────────────────────────────────────

  /**
   * Saves a personal shortcut; a name the agent already has is replaced. A new one first takes a slot
   * with one conditional update (as personal macros do): at the limit the filter misses, the upsert
   * collides with the existing counter on _id, and the add is refused — so adds racing each other still
   * stop at the limit.
   */
  async saveShortcut(shortcut: PersonalShortcut, limit: number): Promise<ShortcutSaveOutcome> {
    const { agent, name, text } = shortcut;
    const replaced = await this.Shortcut.updateOne({ agent, name }, { $set: { text } });
    if (replaced.matchedCount > 0) return 'replaced';
    if (!(await this.takeSlot(agent, limit))) return 'limit';
    try {
      await this.Shortcut.collection.insertOne({ _id: `${agent}:${name}`, ...shortcut } as never);
      return 'created';
    } catch (error) {
      await this.ShortcutCount.updateOne({ _id: agent }, { $inc: { count: -1 } });
      if (!isDuplicateKey(error)) throw error;
      await this.Shortcut.updateOne({ agent, name }, { $set: { text } });
      return 'replaced';
    }
  }

  private async takeSlot(agent: string, limit: number): Promise<boolean> {
    try {
      const taken = await this.ShortcutCount.findOneAndUpdate({ _id: agent, count: { $lt: limit } }, { $inc: { count: 1 } }, { upsert: true, new: true, lean: true });
      return taken !== null && taken.count <= limit;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  /** Removes one; its slot is given back only when this call is the one that deleted it. */
  async removeShortcut(agent: string, name: string): Promise<boolean> {
    const removed = await this.Shortcut.deleteOne({ _id: `${agent}:${name}` });
    if (removed.deletedCount === 0) return false;
    await this.ShortcutCount.updateOne({ _id: agent }, { $inc: { count: -1 } });
    return true;
  }

  async shortcut(agent: string, name: string): Promise<PersonalShortcut | null> {
    const document = await this.Shortcut.findById(`${agent}:${name}`).lean<ShortcutDocument>();
    if (!document) return null;
    const { _id, ...shortcut } = document;
    void _id;
    return shortcut;
  }

  async shortcutsOf(agent: string): Promise<PersonalShortcut[]> {
    const documents = await this.Shortcut.find({ agent }).sort({ name: 1 }).limit(500).lean<ShortcutDocument[]>();
    return documents.map(({ _id: _unused, ...shortcut }) => shortcut);
  }

  // ─── Followers ──────────────────────────────────────────────────────────────────────────

  /** False when they already follow it. */
  async follow(follower: ChatFollower): Promise<boolean> {
    try {
      await this.Follower.collection.insertOne({ _id: `${follower.ticketNumber}:${follower.user}`, ...follower } as never);
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  async unfollow(ticketNumber: number, user: string): Promise<ChatFollower | null> {
    const document = await this.Follower.findOneAndDelete({ _id: `${ticketNumber}:${user}` }).lean<FollowerDocument>();
    return document ? toFollower(document) : null;
  }

  async setMirror(ticketNumber: number, user: string, mirror: SlackRef): Promise<void> {
    await this.Follower.updateOne({ _id: `${ticketNumber}:${user}` }, { $set: { mirror } });
  }

  async followersOf(ticketNumber: number): Promise<ChatFollower[]> {
    const documents = await this.Follower.find({ ticketNumber }).sort({ since: 1 }).limit(FOLLOWERS_MAX).lean<FollowerDocument[]>();
    return documents.map(toFollower);
  }

  async followerByMirror(mirror: SlackRef): Promise<ChatFollower | null> {
    const document = await this.Follower.findOne({ 'mirror.channel': mirror.channel, 'mirror.ts': mirror.ts }).lean<FollowerDocument>();
    return document ? toFollower(document) : null;
  }

  // ─── Reads for the waiting list and the requester panel ─────────────────────────────────

  /** Chats nobody accepted yet in these groups, oldest first. */
  async waitingChats(groupIds: readonly number[], limit: number): Promise<Chat[]> {
    const documents = await this.connection.models.Chat!.find({ state: 'waiting', groupId: { $in: [...groupIds] } })
      .sort({ startedAt: 1 })
      .limit(limit)
      .lean<(Omit<Chat, 'ticketNumber'> & { _id: string; openKey: string })[]>();
    return documents.map(toChat);
  }

  async chatsOfRequester(requester: string, limit: number): Promise<Chat[]> {
    const documents = await this.connection.models.Chat!.find({ requester })
      .sort({ startedAt: -1 })
      .limit(limit)
      .lean<(Omit<Chat, 'ticketNumber'> & { _id: string; openKey: string })[]>();
    return documents.map(toChat);
  }

  /** Satisfaction answers on these tickets, newest first (`satisfaction_rated` events, to: {rating}). */
  async ratingsOf(ticketNumbers: readonly number[], limit: number): Promise<TicketEvent[]> {
    const documents = await this.connection.models.Event!.find({ ticketNumber: { $in: [...ticketNumbers] }, action: 'satisfaction_rated' })
      .sort({ at: -1 })
      .limit(limit)
      .lean<(Omit<TicketEvent, 'id'> & { _id: string })[]>();
    return documents.map(({ _id, ...event }) => ({ id: String(_id), ...event }) as TicketEvent);
  }
}

function toFollower({ _id, ...follower }: FollowerDocument): ChatFollower {
  void _id;
  return follower;
}
