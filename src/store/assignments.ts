import { type Connection, type Model, Schema } from 'mongoose';
import type { BulkMove, BulkMoveItem, Handoff, HandoffState, HandoffStep } from '../tickets/assignment-types.js';
import { documentsOf, insertOnce, newId } from './documents.js';
import type { SlackMessageRef } from './tickets.js';

const refSchema = new Schema({ channel: String, ts: String }, { _id: false });

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

const bulkMoveSchema = new Schema(
  {
    _id: String,
    by: { type: String, required: true },
    from: { type: String, required: true },
    to: { type: String, default: null },
    // Bounded by BULK_MOVE_MAX when planned: the tickets the lead saw counted, each with where it goes.
    items: { type: [new Schema({ number: Number, to: { type: String, default: null } }, { _id: false })], default: [] },
    position: { type: Number, default: 0 },
    moved: { type: Number, default: 0 },
    skipped: { type: Number, default: 0 },
    state: { type: String, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'bulk_moves', versionKey: false },
);
bulkMoveSchema.index({ state: 1, updatedAt: 1 });
// Planned moves never started are forgotten after a while.
bulkMoveSchema.index({ state: 1, createdAt: 1 });

type HandoffDocument = Omit<Handoff, 'id'> & { _id: string; openKey: string };
type BulkMoveDocument = Omit<BulkMove, 'id'> & { _id: string };

function toHandoff(document: HandoffDocument): Handoff {
  const { _id, openKey, ...handoff } = document;
  void openKey;
  return {
    id: _id,
    ...handoff,
    offers: (handoff.offers ?? []).map((offer) => ({ channel: offer.channel, ts: offer.ts })),
  };
}

function toBulkMove(document: BulkMoveDocument): BulkMove {
  const { _id, ...move } = document;
  return { id: _id, ...move, items: move.items.map((item) => ({ number: item.number, to: item.to ?? null })) };
}

/** Hand-over requests between agents, and lead's bulk hand-overs with their progress. */
export class AssignmentStore {
  private readonly Handoff: Model<HandoffDocument>;
  private readonly BulkMove: Model<BulkMoveDocument>;

  constructor(connection: Connection) {
    this.Handoff = connection.model<HandoffDocument>('Handoff', handoffSchema);
    this.BulkMove = connection.model<BulkMoveDocument>('BulkMove', bulkMoveSchema);
  }

  // ─── Hand-overs ─────────────────────────────────────────────────────────────────────────

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

  // ─── Bulk hand-overs ────────────────────────────────────────────────────────────────────

  async planBulkMove(
    move: { by: string; from: string; to: string | null; items: BulkMoveItem[] },
    now: Date,
  ): Promise<BulkMove> {
    const document: BulkMoveDocument = {
      _id: newId(),
      ...move,
      position: 0,
      moved: 0,
      skipped: 0,
      state: 'planned',
      createdAt: now,
      updatedAt: now,
    };
    await documentsOf<BulkMoveDocument>(this.BulkMove).insertOne(document);
    return toBulkMove(document);
  }

  async bulkMove(id: string): Promise<BulkMove | null> {
    const document = await this.BulkMove.findById(id).lean<BulkMoveDocument>();
    return document ? toBulkMove(document) : null;
  }

  /** Planned → running, once: a second submission of the same confirmation finds it started. */
  async startBulkMove(id: string, now: Date): Promise<BulkMove | null> {
    const document = await this.BulkMove.findOneAndUpdate(
      { _id: id, state: 'planned' },
      { $set: { state: 'running', updatedAt: now } },
      { new: true, lean: true },
    );
    return document ? toBulkMove(document as BulkMoveDocument) : null;
  }

  /** Records that the item at `position` was worked: a run cut after this goes on from the next one. */
  async bulkMoveProgress(id: string, position: number, outcome: 'moved' | 'skipped', now: Date): Promise<void> {
    await this.BulkMove.updateOne(
      { _id: id, position },
      { $set: { position: position + 1, updatedAt: now }, $inc: { [outcome]: 1 } },
    );
  }

  async finishBulkMove(id: string, now: Date): Promise<BulkMove | null> {
    const document = await this.BulkMove.findOneAndUpdate(
      { _id: id, state: 'running' },
      { $set: { state: 'done', updatedAt: now } },
      { new: true, lean: true },
    );
    return document ? toBulkMove(document as BulkMoveDocument) : null;
  }

  /** Running hand-overs nobody has moved on since `before`: their process died, the job finishes them. */
  async abandonedBulkMoves(before: Date, limit: number): Promise<BulkMove[]> {
    const documents = await this.BulkMove.find({ state: 'running', updatedAt: { $lt: before } })
      .sort({ updatedAt: 1 })
      .limit(limit)
      .lean<BulkMoveDocument[]>();
    return documents.map(toBulkMove);
  }

  /** Claims an abandoned run for this runner: only one resumer wins it. */
  async claimBulkMove(id: string, seenUpdatedAt: Date, now: Date): Promise<boolean> {
    const claimed = await this.BulkMove.updateOne(
      { _id: id, state: 'running', updatedAt: seenUpdatedAt },
      { $set: { updatedAt: now } },
    );
    return claimed.modifiedCount === 1;
  }

  /** Confirmations never given: planned hand-overs older than `before` are forgotten. */
  async forgetUnconfirmedBulkMoves(before: Date): Promise<number> {
    const deleted = await this.BulkMove.deleteMany({ state: 'planned', createdAt: { $lt: before } });
    return deleted.deletedCount;
  }
}
