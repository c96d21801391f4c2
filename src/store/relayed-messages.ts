import { type Connection, Schema } from 'mongoose';
import type { RelayedMessage } from '../chats/types.js';
import { documentsOf, insertOnce, slackRefSchema as refSchema } from './documents.js';

const relayedSchema = new Schema(
  {
    _id: String,
    ticketNumber: { type: Number, required: true },
    original: { type: refSchema, required: true },
    copy: { type: refSchema, required: true },
    side: { type: String, required: true },
    createdAt: { type: Date, required: true },
  },
  { collection: 'relayed_messages', versionKey: false },
);
relayedSchema.index({ 'copy.channel': 1, 'copy.ts': 1 });
relayedSchema.index({ createdAt: 1 });

type RelayedDocument = Omit<RelayedMessage, 'key'> & { _id: string };

/** The relayed-message map: which copy of a chat message stands for which original. */
export class RelayedMessageStore {
  private readonly Relayed;
  private readonly Comment;

  constructor(connection: Connection) {
    this.Relayed = connection.model('RelayedMessage', relayedSchema);
    this.Comment = connection.models.Comment!;
  }

  /** Remembers a relayed copy; false when this original was relayed before (a redelivery). */
  async rememberRelay(relay: RelayedMessage): Promise<boolean> {
    const { key, ...fields } = relay;
    return insertOnce(documentsOf<RelayedDocument>(this.Relayed), { _id: key, ...fields });
  }

  async relayOf(key: string): Promise<RelayedMessage | null> {
    const document = await this.Relayed.findById(key).lean<RelayedDocument>();
    if (!document) return null;
    const { _id, ...relay } = document;
    return { key: _id, ...relay };
  }

  /** The map is kept bounded: copies older than `before` can no longer be edited through the relay. */
  async forgetRelaysBefore(before: Date, limit = 1000): Promise<number> {
    const old = await this.Relayed.find({ createdAt: { $lt: before } }, { _id: 1 })
      .limit(limit)
      .lean();
    if (old.length === 0) return 0;
    const result = await this.Relayed.deleteMany({ _id: { $in: old.map((entry) => entry._id) } });
    return result.deletedCount;
  }

  /** An edit of a relayed message also corrects the stored comment, so the ticket says what was finally said. */
  async reviseComment(id: string, text: string, at: Date): Promise<void> {
    await this.Comment.updateOne({ _id: id }, { $set: { text, editedAt: at } });
  }
}
