import { type Connection, Schema } from 'mongoose';
import type { Availability } from '../chats/types.js';

const agentStateSchema = new Schema(
  { _id: String, availability: { type: String, required: true }, updatedAt: { type: Date, required: true } },
  { collection: 'agent_state', versionKey: false },
);

/** Each agent's availability for chats. */
export class AgentStateStore {
  private readonly AgentState;

  constructor(connection: Connection) {
    this.AgentState = connection.model('AgentState', agentStateSchema);
  }

  async setAvailability(agent: string, availability: Availability, at: Date): Promise<void> {
    await this.AgentState.updateOne({ _id: agent }, { $set: { availability, updatedAt: at } }, { upsert: true });
  }

  /** Everyone not on record is offline: an agent is online only after saying so. */
  async availabilities(agents: readonly string[]): Promise<Map<string, Availability>> {
    const documents = await this.AgentState.find({ _id: { $in: [...agents] } }).lean<
      { _id: string; availability: Availability }[]
    >();
    const found = new Map(documents.map((document) => [document._id, document.availability]));
    return new Map(agents.map((agent) => [agent, found.get(agent) ?? 'offline']));
  }
}
