import { type Connection, type FilterQuery, Schema } from 'mongoose';
import type {
  Availability,
  Chat,
  ChatState,
  RelayedMessage,
  SlackRef,
  Transfer,
  TransferState,
  TransferStep,
} from '../chats/types.js';
import { updateById } from './by-id.js';
import { documentsOf, insertOnce } from './documents.js';
import { newId } from './models.js';

const refSchema = new Schema({ channel: String, ts: String }, { _id: false });

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

const transferSchema = new Schema(
  {
    _id: String,
    ticketNumber: { type: Number, required: true },
    from: { type: String, required: true },
    to: { type: new Schema({ kind: String, id: String }, { _id: false }), required: true },
    state: { type: String, required: true },
    step: { type: String, required: true },
    requestedAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
    answeredAt: { type: Date, default: null },
    answeredBy: { type: String, default: null },
    offers: { type: [refSchema], default: [] },
    queued: { type: Boolean, default: false },
    /** `open:<ticket>` while requested, the transfer id after: one open request per chat, by a unique index. */
    openKey: { type: String, required: true },
  },
  { collection: 'transfers', versionKey: false },
);
transferSchema.index({ openKey: 1 }, { unique: true });
transferSchema.index({ state: 1, expiresAt: 1 });
transferSchema.index({ state: 1, step: 1 });
// Accepted transfers a crash left half-way, oldest answer first.
transferSchema.index({ state: 1, answeredAt: 1, step: 1 });
transferSchema.index({ state: 1, 'to.kind': 1, 'to.id': 1, requestedAt: 1 });
transferSchema.index({ ticketNumber: 1, requestedAt: -1 });

const agentStateSchema = new Schema(
  { _id: String, availability: { type: String, required: true }, updatedAt: { type: Date, required: true } },
  { collection: 'agent_state', versionKey: false },
);

const relayedSchema = new Schema(
  {
    _id: String,
    ticketNumber: { type: Number, required: true },
    original: { type: refSchema, required: true },
    copy: { type: refSchema, required: true },
    side: { type: String, required: true },
    createdAt: { type: Date, required: true },
  },
  { collection: 'relayed_messages', versionKey: false },
);
relayedSchema.index({ 'copy.channel': 1, 'copy.ts': 1 });
relayedSchema.index({ createdAt: 1 });

/**
 * A requester's message held while they answer a question about it (which ticket is this about, what is
 * it about): kept under the message's own key, taken exactly once by the answer.
 */
const parkedSchema = new Schema(
  {
    _id: String,
    requester: { type: String, required: true },
    requesterDm: { type: String, required: true },
    text: { type: String, required: true },
    source: { type: refSchema, required: true },
    via: { type: String, required: true },
    parkedAt: { type: Date, required: true },
  },
  { collection: 'parked_messages', versionKey: false },
);
parkedSchema.index({ parkedAt: 1 });

export interface ParkedMessage {
  key: string;
  requester: string;
  requesterDm: string;
  text: string;
  source: SlackRef;
  via: 'dm' | 'intake-channel';
  parkedAt: Date;
}

type ChatDocument = Omit<Chat, 'ticketNumber'> & { _id: string; openKey: string };
type TransferDocument = Omit<Transfer, 'id'> & { _id: string; openKey: string };
type RelayedDocument = Omit<RelayedMessage, 'key'> & { _id: string };
type ParkedDocument = Omit<ParkedMessage, 'key'> & { _id: string };

export function toChat(document: ChatDocument): Chat {
  const { _id, openKey, ...chat } = document;
  void openKey;
  return { ticketNumber: Number(_id), ...chat };
}

function toTransfer(document: TransferDocument): Transfer {
  const { _id, openKey, ...transfer } = document;
  void openKey;
  return { id: _id, ...transfer };
}

/** Chats, their transfer requests, the agents' availability and the relayed-message map. */
export class ChatStore {
  private readonly Chat;
  private readonly Transfer;
  private readonly AgentState;
  private readonly Relayed;
  private readonly Parked;
  private readonly Comment;

  constructor(connection: Connection) {
    this.Chat = connection.model('Chat', chatSchema);
    this.Transfer = connection.model('Transfer', transferSchema);
    this.AgentState = connection.model('AgentState', agentStateSchema);
    this.Relayed = connection.model('RelayedMessage', relayedSchema);
    this.Parked = connection.model('ParkedMessage', parkedSchema);
    this.Comment = connection.models.Comment!;
  }

  // ─── Chats ──────────────────────────────────────────────────────────────────────────────

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

  // ─── Transfers ──────────────────────────────────────────────────────────────────────────

  /** Null when the chat already has an open request. */
  async requestTransfer(transfer: Omit<Transfer, 'id'>): Promise<Transfer | null> {
    const id = newId();
    return (await insertOnce(documentsOf<TransferDocument>(this.Transfer), {
      _id: id,
      ...transfer,
      openKey: `open:${transfer.ticketNumber}`,
    }))
      ? { id, ...transfer }
      : null;
  }

  async transfer(id: string): Promise<Transfer | null> {
    if (typeof id !== 'string') return null;
    const document = await this.Transfer.findById(id).lean<TransferDocument>();
    return document ? toTransfer(document) : null;
  }

  async openTransferOf(ticketNumber: number): Promise<Transfer | null> {
    const document = await this.Transfer.findOne({ openKey: `open:${ticketNumber}` }).lean<TransferDocument>();
    return document ? toTransfer(document) : null;
  }

  /**
   * Answers a request: one update conditional on it still being requested (and, for an accept, not yet
   * expired), so of two people clicking at once exactly one wins.
   */
  async answerTransfer(
    id: string,
    answer: { state: Exclude<TransferState, 'requested'>; by: string | null; at: Date; unexpiredAt?: Date },
  ): Promise<Transfer | null> {
    const condition: Record<string, unknown> = { state: 'requested' };
    if (answer.unexpiredAt) condition.expiresAt = { $gt: answer.unexpiredAt };
    const step: TransferStep = answer.state === 'accepted' ? 'accepted' : 'done';
    const document = await updateById(this.Transfer, id, condition, {
      $set: { state: answer.state, step, answeredAt: answer.at, answeredBy: answer.by, openKey: id },
    });
    return document ? toTransfer(document as unknown as TransferDocument) : null;
  }

  async advanceTransfer(id: string, from: TransferStep, to: TransferStep): Promise<void> {
    await updateById(this.Transfer, id, { step: from }, { $set: { step: to } });
  }

  async addOffer(id: string, offer: SlackRef): Promise<void> {
    await this.Transfer.updateOne({ _id: id }, { $push: { offers: offer } });
  }

  async expiredTransfers(now: Date, limit: number): Promise<Transfer[]> {
    const documents = await this.Transfer.find({ state: 'requested', expiresAt: { $lte: now } })
      .sort({ expiresAt: 1 })
      .limit(limit)
      .lean<TransferDocument[]>();
    return documents.map(toTransfer);
  }

  /** Accepted transfers a crash left half-way (accepted before `answeredBefore`, when given), for a retry to finish. */
  async unfinishedTransfers(limit: number, answeredBefore?: Date): Promise<Transfer[]> {
    const filter: FilterQuery<TransferDocument> = { state: 'accepted', step: { $ne: 'done' } };
    if (answeredBefore) filter.answeredAt = { $lte: answeredBefore };
    const documents = await this.Transfer.find(filter).sort({ answeredAt: 1 }).limit(limit).lean<TransferDocument[]>();
    return documents.map(toTransfer);
  }

  /** Requests still waiting that one of these targets may answer: a person, or (for leads and groups) a group. */
  async waitingTransfers(person: string, groupIds: readonly number[], limit: number): Promise<Transfer[]> {
    const groups = groupIds.map(String);
    const documents = await this.Transfer.find({
      state: 'requested',
      $or: [
        { 'to.kind': 'agent', 'to.id': person },
        { 'to.kind': { $in: ['lead', 'group'] }, 'to.id': { $in: groups } },
      ],
    })
      .sort({ requestedAt: 1 })
      .limit(limit)
      .lean<TransferDocument[]>();
    return documents.map(toTransfer);
  }

  /** A chat's latest `limit` transfer requests, oldest first. */
  async transfersOf(ticketNumber: number, limit = 200): Promise<Transfer[]> {
    const documents = (
      await this.Transfer.find({ ticketNumber }).sort({ requestedAt: -1 }).limit(limit).lean<TransferDocument[]>()
    ).reverse();
    return documents.map(toTransfer);
  }

  // ─── Availability ───────────────────────────────────────────────────────────────────────

  async setAvailability(agent: string, availability: Availability, at: Date): Promise<void> {
    await this.AgentState.updateOne({ _id: agent }, { $set: { availability, updatedAt: at } }, { upsert: true });
  }

  /** Everyone not on record is offline: an agent is online only after saying so. */
  async availabilities(agents: readonly string[]): Promise<Map<string, Availability>> {
    const documents = await this.AgentState.find({ _id: { $in: [...agents] } }).lean<
      { _id: string; availability: Availability }[]
    >();
    const found = new Map(documents.map((document) => [document._id, document.availability]));
    return new Map(agents.map((agent) => [agent, found.get(agent) ?? 'offline']));
  }

  // ─── Parked messages ────────────────────────────────────────────────────────────────────

  /** Holds a message while its writer answers a question about it; a redelivered message is held once. */
  async park(message: ParkedMessage): Promise<void> {
    const { key, ...fields } = message;
    await insertOnce(documentsOf<ParkedDocument>(this.Parked), { _id: key, ...fields });
  }

  /** Takes a held message; null when it was taken already (a double click, another replica). */
  async unpark(key: string): Promise<ParkedMessage | null> {
    const document = await this.Parked.findOneAndDelete({ _id: key }).lean<
      Omit<ParkedMessage, 'key'> & { _id: string }
    >();
    if (!document) return null;
    const { _id, ...message } = document;
    return { key: _id, ...message };
  }

  /** Questions nobody answered are forgotten after a while, so the collection stays small. */
  async forgetParkedBefore(before: Date, limit = 1000): Promise<number> {
    const old = await this.Parked.find({ parkedAt: { $lt: before } }, { _id: 1 })
      .limit(limit)
      .lean();
    if (old.length === 0) return 0;
    return (await this.Parked.deleteMany({ _id: { $in: old.map((entry) => entry._id) } })).deletedCount;
  }

  // ─── Relayed messages ───────────────────────────────────────────────────────────────────

  /** Remembers a relayed copy; false when this original was relayed before (a redelivery). */
  async rememberRelay(relay: RelayedMessage): Promise<boolean> {
    const { key, ...fields } = relay;
    return insertOnce(documentsOf<RelayedDocument>(this.Relayed), { _id: key, ...fields });
  }

  async relayOf(key: string): Promise<RelayedMessage | null> {
    const document = await this.Relayed.findById(key).lean<RelayedDocument>();
    if (!document) return null;
    const { _id, ...relay } = document;
    return { key: _id, ...relay };
  }

  /** The map is kept bounded: copies older than `before` can no longer be edited through the relay. */
  async forgetRelaysBefore(before: Date, limit = 1000): Promise<number> {
    const old = await this.Relayed.find({ createdAt: { $lt: before } }, { _id: 1 })
      .limit(limit)
      .lean();
    if (old.length === 0) return 0;
    const result = await this.Relayed.deleteMany({ _id: { $in: old.map((entry) => entry._id) } });
    return result.deletedCount;
  }

  /** An edit of a relayed message also corrects the stored comment, so the ticket says what was finally said. */
  async reviseComment(id: string, text: string, at: Date): Promise<void> {
    await this.Comment.updateOne({ _id: id }, { $set: { text, editedAt: at } });
  }
}
