import { type Connection, type Model, Schema } from 'mongoose';
import type { Chat, SlackRef } from '../chats/types.js';
import type { TicketEvent } from '../tickets/types.js';
import { toChat } from './chats.js';
import { documentsOf, insertOnce, insertOrReplace, OwnerSlots, type SaveOutcome, type SlotCount } from './documents.js';

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
const shortcutCountSchema = new Schema(
  { _id: String, count: { type: Number, default: 0 } },
  { collection: 'chat_shortcut_counts', versionKey: false },
);

export type ShortcutSaveOutcome = SaveOutcome;

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
  private readonly shortcutSlots: OwnerSlots;
  private readonly Follower: Model<FollowerDocument>;

  constructor(private readonly connection: Connection) {
    this.Shortcut = connection.model<ShortcutDocument>('ChatShortcut', shortcutSchema);
    this.shortcutSlots = new OwnerSlots(connection.model<SlotCount>('ChatShortcutCount', shortcutCountSchema));
    this.Follower = connection.model<FollowerDocument>('ChatFollower', followerSchema);
  }

  // ─── Shortcuts ──────────────────────────────────────────────────────────────────────────

  /** Saves a personal shortcut; a name the agent already has is replaced; a new one counts against the limit (as personal macros do). */
  async saveShortcut(shortcut: PersonalShortcut, limit: number): Promise<ShortcutSaveOutcome> {
    const { agent, name, text } = shortcut;
    return insertOrReplace(this.Shortcut, this.shortcutSlots, {
      owner: agent,
      limit,
      key: { agent, name },
      changes: { $set: { text } },
      document: { _id: `${agent}:${name}`, ...shortcut },
    });
  }

  /** Removes one; its slot is given back only when this call is the one that deleted it. */
  async removeShortcut(agent: string, name: string): Promise<boolean> {
    const removed = await this.Shortcut.deleteOne({ _id: `${agent}:${name}` });
    if (removed.deletedCount === 0) return false;
    await this.shortcutSlots.giveBack(agent);
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
    return insertOnce(documentsOf<FollowerDocument>(this.Follower), {
      _id: `${follower.ticketNumber}:${follower.user}`,
      ...follower,
    });
  }

  async unfollow(ticketNumber: number, user: string): Promise<ChatFollower | null> {
    const document = await this.Follower.findOneAndDelete({ _id: `${ticketNumber}:${user}` }).lean<FollowerDocument>();
    return document ? toFollower(document) : null;
  }

  async setMirror(ticketNumber: number, user: string, mirror: SlackRef): Promise<void> {
    await this.Follower.updateOne({ _id: `${ticketNumber}:${user}` }, { $set: { mirror } });
  }

  async followersOf(ticketNumber: number): Promise<ChatFollower[]> {
    const documents = await this.Follower.find({ ticketNumber })
      .sort({ since: 1 })
      .limit(FOLLOWERS_MAX)
      .lean<FollowerDocument[]>();
    return documents.map(toFollower);
  }

  async followerByMirror(mirror: SlackRef): Promise<ChatFollower | null> {
    const document = await this.Follower.findOne({
      'mirror.channel': mirror.channel,
      'mirror.ts': mirror.ts,
    }).lean<FollowerDocument>();
    return document ? toFollower(document) : null;
  }

  // ─── Reads for the waiting list and the requester panel ─────────────────────────────────

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

function toFollower({ _id, ...follower }: FollowerDocument): ChatFollower {
  void _id;
  return follower;
}
