import { type Connection, type Model, Schema } from 'mongoose';
import { isDuplicateKey } from './documents.js';

/** Where each mailbox's reading stands: the highest IMAP UID handled, under the mailbox's UIDVALIDITY. */
interface CursorDocument {
  _id: string;
  uidValidity: number;
  lastUid: number;
}

const cursorSchema = new Schema<CursorDocument>(
  { _id: String, uidValidity: { type: Number, required: true }, lastUid: { type: Number, required: true } },
  { collection: 'mailbox_cursors', versionKey: false },
);

export class MailboxCursorStore {
  private readonly cursors: Model<CursorDocument>;

  constructor(connection: Connection) {
    this.cursors = connection.model<CursorDocument>('MailboxCursor', cursorSchema);
  }

  /** The highest UID of the mailbox already handled, for this UIDVALIDITY (a new one means the server renumbered: start over). */
  async cursor(mailbox: string, uidValidity: number): Promise<number> {
    const document = await this.cursors.findById(mailbox).lean<CursorDocument>();
    return document && document.uidValidity === uidValidity ? document.lastUid : 0;
  }

  /** Moves the cursor forward only, so a slower replica's late write never sends it back. */
  async advanceCursor(mailbox: string, uidValidity: number, lastUid: number): Promise<void> {
    try {
      await this.cursors.updateOne(
        { _id: mailbox, $or: [{ uidValidity: { $ne: uidValidity } }, { lastUid: { $lt: lastUid } }] },
        { $set: { uidValidity, lastUid } },
        { upsert: true },
      );
    } catch (error) {
      // The cursor exists and is already further on: the upsert's insert collided with it.
      if (!isDuplicateKey(error)) throw error;
    }
  }
}
