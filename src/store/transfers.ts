import { type Connection, type FilterQuery, Schema } from 'mongoose';
import type { SlackRef, Transfer, TransferState, TransferStep } from '../chats/types.js';
import { updateById } from './by-id.js';
import { documentsOf, insertOnce, newId, slackRefSchema as refSchema } from './documents.js';

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

type TransferDocument = Omit<Transfer, 'id'> & { _id: string; openKey: string };

function toTransfer(document: TransferDocument): Transfer {
  const { _id, openKey, ...transfer } = document;
  void openKey;
  return { id: _id, ...transfer };
}

/** A chat's transfer requests: one open per chat, answered once. */
export class TransferStore {
  private readonly Transfer;

  constructor(connection: Connection) {
    this.Transfer = connection.model('Transfer', transferSchema);
  }

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
}
