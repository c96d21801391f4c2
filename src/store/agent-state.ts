import { Schema, type Connection, type Model } from 'mongoose';

/** Whether an agent takes live chats now. One document per agent, keyed by Slack user id. */
export type Availability = 'available' | 'away';

export interface AgentState {
  user: string;
  availability: Availability;
  since: Date;
}

interface AgentStateDocument {
  _id: string;
  availability: Availability;
  since: Date;
}

const agentStateSchema = new Schema<AgentStateDocument>(
  { _id: String, availability: { type: String, required: true }, since: { type: Date, required: true } },
  { collection: 'agent_state', versionKey: false },
);

export class AgentStateStore {
  private readonly model: Model<AgentStateDocument>;

  constructor(connection: Connection) {
    this.model = connection.models.AgentState ?? connection.model<AgentStateDocument>('AgentState', agentStateSchema);
  }

  async get(user: string): Promise<AgentState | null> {
    const document = await this.model.findById(user).lean();
    return document ? { user, availability: document.availability, since: document.since } : null;
  }

  async getMany(users: readonly string[]): Promise<Map<string, AgentState>> {
    const documents = await this.model.find({ _id: { $in: [...users] } }).lean();
    return new Map(documents.map((document) => [document._id, { user: document._id, availability: document.availability, since: document.since }]));
  }

  /** One upsert: the last toggle wins. */
  async set(user: string, availability: Availability, now: Date): Promise<AgentState> {
    await this.model.updateOne({ _id: user }, { $set: { availability, since: now } }, { upsert: true });
    return { user, availability, since: now };
  }
}
