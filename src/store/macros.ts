import { type Connection, type Model, Schema } from 'mongoose';
import type { TicketForm } from '../tickets/types.js';
import { insertOrReplace, OwnerSlots, type SaveOutcome, type SlotCount } from './documents.js';

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
const macroCountSchema = new Schema(
  { _id: String, count: { type: Number, default: 0 } },
  { collection: 'macro_counts', versionKey: false },
);

function toMacro({ _id, ...rest }: MacroDocument): PersonalMacro {
  return { id: _id, ...rest };
}

export type { SaveOutcome };

export class MacroStore {
  private readonly model: Model<MacroDocument>;
  private readonly slots: OwnerSlots;

  constructor(connection: Connection) {
    this.model = connection.model<MacroDocument>('Macro', macroSchema);
    this.slots = new OwnerSlots(connection.model<SlotCount>('MacroCount', macroCountSchema));
  }

  /** Saves a macro under its name; a name the agent already has is replaced; a new one counts against the limit. */
  async save(macro: Omit<PersonalMacro, 'id'>, limit: number): Promise<SaveOutcome> {
    const { agent, name, ...fields } = macro;
    return insertOrReplace(this.model, this.slots, {
      owner: agent,
      limit,
      key: { agent, name },
      changes: { $set: { ...fields } },
      document: { _id: `${agent}:${name}`, agent, name, ...fields },
    });
  }

  async ofAgent(agent: string): Promise<PersonalMacro[]> {
    const documents = await this.model.find({ agent }).sort({ name: 1 }).limit(500).lean<MacroDocument[]>();
    return documents.map(toMacro);
  }

  /** Removes the agent's macro of that name and frees its place under the limit; false when there was none. */
  async remove(agent: string, name: string): Promise<boolean> {
    const removed = await this.model.findOneAndDelete({ agent, name }).lean<MacroDocument>();
    if (removed) await this.slots.giveBack(agent);
    return Boolean(removed);
  }

  async get(id: string): Promise<PersonalMacro | null> {
    const document = await this.model.findById(id).lean<MacroDocument>();
    return document ? toMacro(document) : null;
  }
}
