import { type Connection, Schema } from 'mongoose';
import type { SlackRef } from '../chats/types.js';
import { documentsOf, insertOnce, slackRefSchema as refSchema } from './documents.js';

/**
 * A requester's message held while they answer a question about it (which ticket is this about, what is
 * it about): kept under the message's own key, taken exactly once by the answer.
 */
const parkedSchema = new Schema(
  {
    _id: String,
    requester: { type: String, required: true },
    requesterDm: { type: String, required: true },
    text: { type: String, required: true },
    source: { type: refSchema, required: true },
    via: { type: String, required: true },
    parkedAt: { type: Date, required: true },
  },
  { collection: 'parked_messages', versionKey: false },
);
parkedSchema.index({ parkedAt: 1 });

export interface ParkedMessage {
  key: string;
  requester: string;
  requesterDm: string;
  text: string;
  source: SlackRef;
  via: 'dm' | 'intake-channel';
  parkedAt: Date;
}

type ParkedDocument = Omit<ParkedMessage, 'key'> & { _id: string };

/** Requesters' messages held while they answer a question about them. */
export class ParkedMessageStore {
  private readonly Parked;

  constructor(connection: Connection) {
    this.Parked = connection.model('ParkedMessage', parkedSchema);
  }

  /** Holds a message while its writer answers a question about it; a redelivered message is held once. */
  async park(message: ParkedMessage): Promise<void> {
    const { key, ...fields } = message;
    await insertOnce(documentsOf<ParkedDocument>(this.Parked), { _id: key, ...fields });
  }

  /** Takes a held message; null when it was taken already (a double click, another replica). */
  async unpark(key: string): Promise<ParkedMessage | null> {
    const document = await this.Parked.findOneAndDelete({ _id: key }).lean<
      Omit<ParkedMessage, 'key'> & { _id: string }
    >();
    if (!document) return null;
    const { _id, ...message } = document;
    return { key: _id, ...message };
  }

  /** Questions nobody answered are forgotten after a while, so the collection stays small. */
  async forgetParkedBefore(before: Date, limit = 1000): Promise<number> {
    const old = await this.Parked.find({ parkedAt: { $lt: before } }, { _id: 1 })
      .limit(limit)
      .lean();
    if (old.length === 0) return 0;
    return (await this.Parked.deleteMany({ _id: { $in: old.map((entry) => entry._id) } })).deletedCount;
  }
}
