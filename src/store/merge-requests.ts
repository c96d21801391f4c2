import { type Connection, type Model, Schema } from 'mongoose';
import { documentsOf } from './documents.js';

/**
 * A merge as the agent asked for it, recorded before its first step: the sources a merge of several
 * tickets has not reached yet are written nowhere else, so without this a process that dies on the
 * first source leaves the others open and nobody knows.
 */
export interface MergeRequestRecord {
  id: string;
  target: number;
  sources: number[];
  agent: string;
  startedAt: Date;
  /** Set once every source is done (or refused); until then the recovery job may finish it. */
  finishedAt: Date | null;
}

type MergeRequestDocument = Omit<MergeRequestRecord, 'id'> & { _id: string };

const mergeRequestSchema = new Schema<MergeRequestDocument>(
  {
    _id: String,
    target: { type: Number, required: true },
    sources: { type: [Number], required: true },
    agent: { type: String, required: true },
    startedAt: { type: Date, required: true },
    finishedAt: { type: Date, default: null },
  },
  { collection: 'merge_requests', versionKey: false },
);
// The recovery job: requests not finished, oldest first.
mergeRequestSchema.index({ finishedAt: 1, startedAt: 1 });
// A new merge's check that its target is not a source of a merge already asked for.
mergeRequestSchema.index({ sources: 1, finishedAt: 1 });

export class MergeRequestStore {
  private readonly model: Model<MergeRequestDocument>;

  constructor(connection: Connection) {
    this.model = connection.model<MergeRequestDocument>('MergeRequest', mergeRequestSchema);
  }

  async record(request: Omit<MergeRequestRecord, 'finishedAt'>): Promise<void> {
    const { id, ...fields } = request;
    await documentsOf<MergeRequestDocument>(this.model).insertOne({
      _id: id,
      ...fields,
      sources: [...fields.sources],
      finishedAt: null,
    });
  }

  /** True for the one caller that marks it finished: only that one tells the agent. */
  async finish(id: string, now: Date): Promise<boolean> {
    const result = await this.model.updateOne({ _id: id, finishedAt: null }, { $set: { finishedAt: now } });
    return result.modifiedCount === 1;
  }

  async unfinished(startedBefore: Date, limit = 50): Promise<MergeRequestRecord[]> {
    const documents = await this.model
      .find({ finishedAt: null, startedAt: { $lte: startedBefore } })
      .sort({ startedAt: 1 })
      .limit(limit)
      .lean<MergeRequestDocument[]>();
    return documents.map(({ _id, ...rest }) => ({ id: _id, ...rest }));
  }

  /** A merge asked for and not finished that takes this ticket away (into its target), if any. */
  async unfinishedWithSource(number: number): Promise<MergeRequestRecord | null> {
    const document = await this.model.findOne({ sources: number, finishedAt: null }).lean<MergeRequestDocument>();
    if (!document) return null;
    const { _id, ...rest } = document;
    return { id: _id, ...rest };
  }
}
