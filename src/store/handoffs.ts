import { type Connection, type Model, Schema } from 'mongoose';
import type { Handoff, HandoffState, HandoffStep } from '../tickets/assignment-types.js';
import { documentsOf, insertOnce, newId, slackRefSchema as refSchema } from './documents.js';
import type { SlackMessageRef } from './tickets.js';

const handoffSchema = new Schema(
  {
    _id: String,
    ticketNumber: { type: Number, required: true },
    from: { type: String, required: true },
    to: { type: String, required: true },
    state: { type: String, required: true },
    step: { type: String, required: true },
    requestedAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
    answeredAt: { type: Date, default: null },
    answeredBy: { type: String, default: null },
    offers: { type: [refSchema], default: [] },
    /** `open:<ticket>` while it waits for an answer, its own id after: one waiting request per ticket, by a unique index (no partial index on FerretDB). */
    openKey: { type: String, required: true },
  },
  { collection: 'handoffs', versionKey: false },
);
handoffSchema.index({ openKey: 1 }, { unique: true });
handoffSchema.index({ state: 1, expiresAt: 1 });
handoffSchema.index({ state: 1, step: 1 });
handoffSchema.index({ ticketNumber: 1, requestedAt: -1 });

type HandoffDocument = Omit<Handoff, 'id'> & { _id: string; openKey: string };

function toHandoff(document: HandoffDocument): Handoff {
  const { _id, openKey, ...handoff } = document;
  void openKey;
  return {
    id: _id,
    ...handoff,
    offers: (handoff.offers ?? []).map((offer) => ({ channel: offer.channel, ts: offer.ts })),
  };
}

/** Hand-over requests between agents: one waiting per ticket, answered once. */
export class HandoffStore {
  private readonly Handoff: Model<HandoffDocument>;

  constructor(connection: Connection) {
    this.Handoff = connection.model<HandoffDocument>('Handoff', handoffSchema);
  }

  /** A new request; null when the ticket already has one waiting (the unique open key said so). */
  async requestHandoff(handoff: Omit<Handoff, 'id'>): Promise<Handoff | null> {
    const id = newId();
    const document: HandoffDocument = { _id: id, ...handoff, openKey: `open:${handoff.ticketNumber}` };
    return (await insertOnce(documentsOf<HandoffDocument>(this.Handoff), document)) ? toHandoff(document) : null;
  }

  async handoff(id: string): Promise<Handoff | null> {
    const document = await this.Handoff.findById(id).lean<HandoffDocument>();
    return document ? toHandoff(document) : null;
  }

  async waitingHandoffOf(ticketNumber: number): Promise<Handoff | null> {
    const document = await this.Handoff.findOne({ openKey: `open:${ticketNumber}` }).lean<HandoffDocument>();
    return document ? toHandoff(document) : null;
  }

  /**
   * Answers a waiting request, if it still waits: one atomic update, so of two answers (an accept and
   * the expiry job) exactly one wins. The open key is released at once, so a new request can be made.
   */
  async answerHandoff(
    id: string,
    answer: { state: Exclude<HandoffState, 'requested'>; by: string | null; at: Date; step?: HandoffStep },
  ): Promise<Handoff | null> {
    const document = await this.Handoff.findOneAndUpdate(
      { _id: id, state: 'requested' },
      {
        $set: {
          state: answer.state,
          answeredBy: answer.by,
          answeredAt: answer.at,
          openKey: id,
          step: answer.step ?? 'done',
        },
      },
      { new: true, lean: true },
    );
    return document ? toHandoff(document as HandoffDocument) : null;
  }

  async finishHandoffStep(id: string, state: HandoffState, step: HandoffStep): Promise<void> {
    await this.Handoff.updateOne({ _id: id }, { $set: { state, step } });
  }

  async addHandoffOffer(id: string, offer: SlackMessageRef): Promise<void> {
    await this.Handoff.updateOne({ _id: id }, { $push: { offers: offer } });
  }

  /** Requests still waiting past their time, oldest first. */
  async expiredHandoffs(now: Date, limit: number): Promise<Handoff[]> {
    const documents = await this.Handoff.find({ state: 'requested', expiresAt: { $lte: now } })
      .sort({ expiresAt: 1 })
      .limit(limit)
      .lean<HandoffDocument[]>();
    return documents.map(toHandoff);
  }

  /** Accepted requests whose ticket was not moved yet (the process died in between). */
  async unfinishedHandoffs(limit: number): Promise<Handoff[]> {
    const documents = await this.Handoff.find({ state: 'accepted', step: 'accepted' })
      .limit(limit)
      .lean<HandoffDocument[]>();
    return documents.map(toHandoff);
  }
}
