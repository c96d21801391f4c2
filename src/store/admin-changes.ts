import { type Connection, type Model, Schema } from 'mongoose';

/** One change an admin made from Slack: who, when, what. The audit an admin reads with `/ticket admin audit`. */
export interface AdminChange {
  /** From a counter: also the desk's managed-data revision, which other replicas watch to refresh. */
  seq: number;
  at: Date;
  by: string;
  kind: 'macro' | 'article' | 'membership';
  action: 'created' | 'edited' | 'retired' | 'added' | 'removed';
  /** The macro's name, the article's title, or the agent and group of a membership. */
  subject: string;
  /** What else a reader needs: the held tickets of a removed agent, a renamed entry's old name. */
  detail?: string;
}

type AdminChangeDocument = AdminChange & { _id: number };

const adminChangeSchema = new Schema(
  {
    _id: Number,
    seq: { type: Number, required: true },
    at: { type: Date, required: true },
    by: { type: String, required: true },
    kind: { type: String, required: true },
    action: { type: String, required: true },
    subject: { type: String, required: true },
    detail: String,
  },
  { collection: 'admin_changes', versionKey: false },
);
adminChangeSchema.index({ seq: -1 });

const counterSchema = new Schema(
  { _id: String, seq: Number },
  { collection: 'admin_change_counter', versionKey: false },
);

function toChange({ _id: _unused, ...rest }: AdminChangeDocument): AdminChange {
  return rest;
}

export class AdminChangeStore {
  private readonly model: Model<AdminChangeDocument>;
  private readonly counter: Model<{ _id: string; seq: number }>;

  constructor(connection: Connection) {
    this.model = connection.model<AdminChangeDocument>('AdminChange', adminChangeSchema);
    this.counter = connection.model<{ _id: string; seq: number }>('AdminChangeCounter', counterSchema);
  }

  async record(change: Omit<AdminChange, 'seq'>): Promise<AdminChange> {
    const counted = await this.counter
      .findOneAndUpdate({ _id: 'admin_changes' }, { $inc: { seq: 1 } }, { upsert: true, new: true })
      .lean();
    const seq = counted!.seq;
    await this.model.create({ _id: seq, seq, ...change });
    return { seq, ...change };
  }

  /** The newest first. */
  async recent(limit: number): Promise<AdminChange[]> {
    const documents = await this.model.find({}).sort({ seq: -1 }).limit(limit).lean<AdminChangeDocument[]>();
    return documents.map(toChange);
  }

  /** The managed data's revision: the counter of the last change (0 before any). A replica refreshes when it moved. */
  async revision(): Promise<number> {
    const counted = await this.counter.findById('admin_changes').lean();
    return counted?.seq ?? 0;
  }
}
