import { type Connection, type Model, Schema } from 'mongoose';
import type { RoutingOffer, RoutingOfferState, RoutingSwitch } from '../tickets/routing-types.js';
import { documentsOf, insertOnce } from './documents.js';

const messageSchema = new Schema({ channel: String, ts: String }, { _id: false });

const routingOfferSchema = new Schema(
  {
    _id: String,
    ticketNumber: { type: Number, required: true },
    groupId: { type: Number, required: true },
    round: { type: String, required: true },
    agent: { type: String, required: true },
    state: { type: String, required: true },
    offeredAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
    answeredAt: { type: Date, default: null },
    message: { type: messageSchema, default: null },
    /** Set by whoever posts the agent's DM: an event handed out twice (two processes, a sweep) still posts one. */
    told: { type: Boolean, default: false },
    /** `open:<ticket>` while it waits for an answer, its own id after: one offer out per ticket, by a unique index (no partial index on FerretDB). */
    openKey: { type: String, required: true },
  },
  { collection: 'routing_offers', versionKey: false },
);
routingOfferSchema.index({ openKey: 1 }, { unique: true });
routingOfferSchema.index({ state: 1, expiresAt: 1 });
routingOfferSchema.index({ state: 1, agent: 1 });
routingOfferSchema.index({ ticketNumber: 1, round: 1 });
routingOfferSchema.index({ ticketNumber: 1, offeredAt: -1 });

/** One per group that routing has touched: the lead's switch (null: the file decides) and whose turn was last. */
const routingGroupSchema = new Schema(
  {
    _id: String,
    switchedOn: { type: Boolean, default: null },
    switchedBy: { type: String, default: null },
    switchedAt: { type: Date, default: null },
    lastOffered: { type: String, default: null },
  },
  { collection: 'routing_groups', versionKey: false },
);

type RoutingOfferDocument = Omit<RoutingOffer, 'id'> & { _id: string; openKey: string; told?: boolean };
interface RoutingGroupDocument {
  _id: string;
  switchedOn: boolean | null;
  switchedBy: string | null;
  switchedAt: Date | null;
  lastOffered: string | null;
}

function toOffer(document: RoutingOfferDocument): RoutingOffer {
  const { _id, openKey, told, message, ...offer } = document;
  void openKey;
  void told;
  return { id: _id, ...offer, message: message ? { channel: message.channel, ts: message.ts } : null };
}

/** Offers of waiting tickets to agents, and each group's switch and turn (docs/routing.md). */
export class RoutingOfferStore {
  private readonly Offer: Model<RoutingOfferDocument>;
  private readonly Group: Model<RoutingGroupDocument>;

  constructor(connection: Connection) {
    this.Offer = connection.model<RoutingOfferDocument>('RoutingOffer', routingOfferSchema);
    this.Group = connection.model<RoutingGroupDocument>('RoutingGroup', routingGroupSchema);
  }

  /** A new offer; null when the ticket has one out already, or this agent was offered it in this round. */
  async offer(offer: Omit<RoutingOffer, 'id' | 'state' | 'answeredAt' | 'message'>): Promise<RoutingOffer | null> {
    const document: RoutingOfferDocument = {
      _id: `${offer.ticketNumber}:${offer.round}:${offer.agent}`,
      ...offer,
      state: 'offered',
      answeredAt: null,
      message: null,
      told: false,
      openKey: `open:${offer.ticketNumber}`,
    };
    return (await insertOnce(documentsOf<RoutingOfferDocument>(this.Offer), document)) ? toOffer(document) : null;
  }

  async get(id: string): Promise<RoutingOffer | null> {
    const document = await this.Offer.findById(id).lean<RoutingOfferDocument>();
    return document ? toOffer(document) : null;
  }

  async openOf(ticketNumber: number): Promise<RoutingOffer | null> {
    const document = await this.Offer.findOne({ openKey: `open:${ticketNumber}` }).lean<RoutingOfferDocument>();
    return document ? toOffer(document) : null;
  }

  /** The latest offer of a ticket, answered or not: what an accept's notice updates. */
  async latestOf(ticketNumber: number): Promise<RoutingOffer | null> {
    const document = await this.Offer.findOne({ ticketNumber }).sort({ offeredAt: -1 }).lean<RoutingOfferDocument>();
    return document ? toOffer(document) : null;
  }

  /** The agents offered the ticket in this round, whatever they answered. */
  async offeredIn(ticketNumber: number, round: string): Promise<string[]> {
    const documents = await this.Offer.find({ ticketNumber, round }, { _id: 0, agent: 1 }).lean<{ agent: string }[]>();
    return documents.map((document) => document.agent);
  }

  /** Answers an offer that still waits: one atomic update, so of an accept and the timeout exactly one wins. */
  async answer(id: string, state: Exclude<RoutingOfferState, 'offered'>, at: Date): Promise<RoutingOffer | null> {
    const document = await this.Offer.findOneAndUpdate(
      { _id: id, state: 'offered' },
      { $set: { state, answeredAt: at, openKey: id } },
      { new: true, lean: true },
    );
    return document ? toOffer(document as RoutingOfferDocument) : null;
  }

  /** True for the one caller that is to post the offer's DM. */
  async claimTelling(id: string): Promise<boolean> {
    const claimed = await this.Offer.updateOne({ _id: id, told: false }, { $set: { told: true } });
    return claimed.modifiedCount === 1;
  }

  async setMessage(id: string, message: { channel: string; ts: string }): Promise<void> {
    await this.Offer.updateOne({ _id: id }, { $set: { message } });
  }

  /** Offers still out past their time, the oldest first. */
  async due(now: Date, limit: number): Promise<RoutingOffer[]> {
    const documents = await this.Offer.find({ state: 'offered', expiresAt: { $lte: now } })
      .sort({ expiresAt: 1 })
      .limit(limit)
      .lean<RoutingOfferDocument[]>();
    return documents.map(toOffer);
  }

  async openTo(agent: string): Promise<RoutingOffer[]> {
    const documents = await this.Offer.find({ state: 'offered', agent }).limit(100).lean<RoutingOfferDocument[]>();
    return documents.map(toOffer);
  }

  /** Offers out to each of these agents: they count toward the cap as the tickets they would become. */
  async countOpenByAgent(agents: readonly string[]): Promise<Map<string, number>> {
    if (agents.length === 0) return new Map();
    const counts = await this.Offer.aggregate<{ _id: string; count: number }>([
      { $match: { state: 'offered', agent: { $in: [...agents] } } },
      { $group: { _id: '$agent', count: { $sum: 1 } } },
    ]);
    return new Map(counts.map((entry) => [entry._id, entry.count]));
  }

  // ─── Groups: the lead's switch and whose turn ────────────────────────────────────────────

  async switches(groupIds: readonly number[]): Promise<Map<number, RoutingSwitch>> {
    const documents = await this.Group.find({ _id: { $in: groupIds.map(String) } }).lean<RoutingGroupDocument[]>();
    const found = new Map<number, RoutingSwitch>();
    for (const document of documents)
      if (document.switchedOn !== null && document.switchedBy && document.switchedAt)
        found.set(Number(document._id), {
          groupId: Number(document._id),
          on: document.switchedOn,
          by: document.switchedBy,
          at: document.switchedAt,
        });
    return found;
  }

  async setSwitch(groupId: number, on: boolean, by: string, at: Date): Promise<void> {
    await this.Group.updateOne(
      { _id: String(groupId) },
      { $set: { switchedOn: on, switchedBy: by, switchedAt: at } },
      { upsert: true },
    );
  }

  async lastOffered(groupId: number): Promise<string | null> {
    return (await this.Group.findById(String(groupId)).lean<RoutingGroupDocument>())?.lastOffered ?? null;
  }

  async noteOffered(groupId: number, agent: string): Promise<void> {
    await this.Group.updateOne({ _id: String(groupId) }, { $set: { lastOffered: agent } }, { upsert: true });
  }
}
