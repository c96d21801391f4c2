import { type Connection, type Model, Schema } from 'mongoose';
import type { BulkMove, BulkMoveItem } from '../tickets/assignment-types.js';
import { documentsOf, newId } from './documents.js';

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

type BulkMoveDocument = Omit<BulkMove, 'id'> & { _id: string };

function toBulkMove(document: BulkMoveDocument): BulkMove {
  const { _id, ...move } = document;
  return { id: _id, ...move, items: move.items.map((item) => ({ number: item.number, to: item.to ?? null })) };
}

/** Leads' bulk hand-overs with their progress. */
export class BulkMoveStore {
  private readonly BulkMove: Model<BulkMoveDocument>;

  constructor(connection: Connection) {
    this.BulkMove = connection.model<BulkMoveDocument>('BulkMove', bulkMoveSchema);
  }

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
