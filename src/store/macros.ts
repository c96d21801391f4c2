import { Schema, type Connection, type Model } from 'mongoose';
import type { TicketForm } from '../tickets/types.js';
import { isDuplicateKey } from './models.js';

export interface PersonalMacro {
  id: string;
  agent: string;
  name: string;
  text: string;
  public: boolean;
  status?: 'open' | 'pending' | 'solved';
  form?: TicketForm;
  createdAt: Date;
}

type MacroDocument = Omit<PersonalMacro, 'id'> & { _id: string };

const macroSchema = new Schema(
  {
    _id: String,
    agent: { type: String, required: true },
    name: { type: String, required: true },
    text: { type: String, required: true },
    public: { type: Boolean, default: false },
    status: String,
    form: Schema.Types.Mixed,
    createdAt: { type: Date, required: true },
  },
  { collection: 'macros', versionKey: false },
);
macroSchema.index({ agent: 1, name: 1 }, { unique: true });

/** One per agent: how many personal macros they have, so the limit holds under concurrent saves. */
const macroCountSchema = new Schema({ _id: String, count: { type: Number, default: 0 } }, { collection: 'macro_counts', versionKey: false });

function toMacro({ _id, ...rest }: MacroDocument): PersonalMacro {
  return { id: _id, ...rest };
}

export type SaveOutcome = 'created' | 'replaced' | 'limit';

export class MacroStore {
  private readonly model: Model<MacroDocument>;
  private readonly counts: Model<{ _id: string; count: number }>;

  constructor(connection: Connection) {
    this.model = connection.model<MacroDocument>('Macro', macroSchema);
    this.counts = connection.model<{ _id: string; count: number }>('MacroCount', macroCountSchema);
  }

  /**
   * Saves a macro under its name; a name the agent already has is replaced. A new one first takes
   * a slot with one conditional update: at the limit the filter misses, the upsert collides with
   * the existing counter on _id, and the save is refused, so twenty-one saves at once still stop at twenty.
   */
  async save(macro: Omit<PersonalMacro, 'id'>, limit: number): Promise<SaveOutcome> {
    const { agent, name, ...fields } = macro;
    const replaced = await this.model.updateOne({ agent, name }, { $set: { ...fields } });
    if (replaced.matchedCount > 0) return 'replaced';
    if (!(await this.takeSlot(agent, limit))) return 'limit';
    try {
      await this.model.collection.insertOne({ _id: `${agent}:${name}`, agent, name, ...fields } as never);
      return 'created';
    } catch (error) {
      await this.counts.updateOne({ _id: agent }, { $inc: { count: -1 } });
      if (!isDuplicateKey(error)) throw error;
      await this.model.updateOne({ agent, name }, { $set: { ...fields } });
      return 'replaced';
    }
  }

  private async takeSlot(agent: string, limit: number): Promise<boolean> {
    try {
      const taken = await this.counts.findOneAndUpdate({ _id: agent, count: { $lt: limit } }, { $inc: { count: 1 } }, { upsert: true, new: true, lean: true });
      return taken !== null && taken.count <= limit;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  async ofAgent(agent: string): Promise<PersonalMacro[]> {
    const documents = await this.model.find({ agent }).sort({ name: 1 }).limit(500).lean<MacroDocument[]>();
    return documents.map(toMacro);
  }

  async get(id: string): Promise<PersonalMacro | null> {
    const document = await this.model.findById(id).lean<MacroDocument>();
    return document ? toMacro(document) : null;
  }
}
