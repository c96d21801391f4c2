import { type Connection, type Model, Schema } from 'mongoose';

/**
 * One document per read model (a collection kept as events happen), saying which version of the code
 * built it. Code that changes what a read model holds raises its version, and the next start, finding
 * an older mark (or none: data from before the read model existed), rebuilds it from the tickets.
 */
interface ReadModelMarkDocument {
  _id: string;
  version: number;
}

const readModelMarkSchema = new Schema<ReadModelMarkDocument>(
  { _id: String, version: Number },
  { collection: 'read_model_marks', versionKey: false },
);

export class ReadModelMarks {
  private readonly model: Model<ReadModelMarkDocument>;

  constructor(connection: Connection) {
    this.model = connection.model<ReadModelMarkDocument>('ReadModelMark', readModelMarkSchema);
  }

  async isOlder(readModel: string, version: number): Promise<boolean> {
    const mark = await this.model.findById(readModel).lean();
    return !mark || mark.version < version;
  }

  async mark(readModel: string, version: number): Promise<void> {
    await this.model.updateOne({ _id: readModel }, { $set: { version } }, { upsert: true });
  }
}
