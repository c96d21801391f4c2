import { type Connection, type Model, Schema } from 'mongoose';
import { insertOrReplace, OwnerSlots, type SaveOutcome, type SlotCount } from './documents.js';

export interface PersonalShortcut {
  agent: string;
  /** Lower case, as typed after the sigil. */
  name: string;
  text: string;
  createdAt: Date;
}

type ShortcutDocument = PersonalShortcut & { _id: string };

const shortcutSchema = new Schema(
  {
    _id: String,
    agent: { type: String, required: true },
    name: { type: String, required: true },
    text: { type: String, required: true },
    createdAt: { type: Date, required: true },
  },
  { collection: 'chat_shortcuts', versionKey: false },
);
shortcutSchema.index({ agent: 1, name: 1 }, { unique: true });

/** One per agent: how many personal shortcuts they hold, so the limit holds under concurrent adds. */
const shortcutCountSchema = new Schema(
  { _id: String, count: { type: Number, default: 0 } },
  { collection: 'chat_shortcut_counts', versionKey: false },
);

export type ShortcutSaveOutcome = SaveOutcome;

/** Agents' personal chat shortcuts, with the per-agent count that holds their limit. */
export class ChatShortcutStore {
  private readonly Shortcut: Model<ShortcutDocument>;
  private readonly shortcutSlots: OwnerSlots;

  constructor(connection: Connection) {
    this.Shortcut = connection.model<ShortcutDocument>('ChatShortcut', shortcutSchema);
    this.shortcutSlots = new OwnerSlots(connection.model<SlotCount>('ChatShortcutCount', shortcutCountSchema));
  }

  /** Saves a personal shortcut; a name the agent already has is replaced; a new one counts against the limit (as personal macros do). */
  async saveShortcut(shortcut: PersonalShortcut, limit: number): Promise<ShortcutSaveOutcome> {
    const { agent, name, text } = shortcut;
    return insertOrReplace(this.Shortcut, this.shortcutSlots, {
      owner: agent,
      limit,
      key: { agent, name },
      changes: { $set: { text } },
      document: { _id: `${agent}:${name}`, ...shortcut },
    });
  }

  /** Removes one; its slot is given back only when this call is the one that deleted it. */
  async removeShortcut(agent: string, name: string): Promise<boolean> {
    const removed = await this.Shortcut.deleteOne({ _id: `${agent}:${name}` });
    if (removed.deletedCount === 0) return false;
    await this.shortcutSlots.giveBack(agent);
    return true;
  }

  async shortcut(agent: string, name: string): Promise<PersonalShortcut | null> {
    const document = await this.Shortcut.findById(`${agent}:${name}`).lean<ShortcutDocument>();
    if (!document) return null;
    const { _id, ...shortcut } = document;
    void _id;
    return shortcut;
  }

  async shortcutsOf(agent: string): Promise<PersonalShortcut[]> {
    const documents = await this.Shortcut.find({ agent }).sort({ name: 1 }).limit(500).lean<ShortcutDocument[]>();
    return documents.map(({ _id: _unused, ...shortcut }) => shortcut);
  }
}
