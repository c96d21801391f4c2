import { type Connection, type Model, Schema } from 'mongoose';
import { documentsOf, insertOnce } from './documents.js';
import { joined } from './joined.js';
import { MailboxCursorStore } from './mailbox-cursors.js';

/** What became of a message read from a mailbox. `filing`: claimed, its ticket or comment not yet known to be stored. */
export type EmailOutcome = 'filing' | 'ticket' | 'comment' | 'skipped';

/** The headers "View original" shows, as the message had them. */
export interface EmailHeaders {
  from: string;
  to: string;
  cc: string;
  date: string;
  subject: string;
}

/** An attachment as the message carried it (View original lists them); its bytes are in the files store (see keepEmailAttachments). */
export interface EmailAttachmentNote {
  name: string;
  size: number;
  type: string;
}

/**
 * One message read from a mailbox, kept once: `_id` is its Message-ID (`mid:<id>`), or where it had none
 * its place in the mailbox (`uid:<mailbox>:<uidvalidity>:<uid>`). The unique `_id` is what makes "never
 * filed twice" hold across a restart and a second replica, whatever the lease does.
 */
export interface EmailRecord {
  id: string;
  mailbox: string;
  messageId: string | null;
  uidValidity: number;
  uid: number;
  /** The sender's address, lower case; null when the message had none that could be read. */
  from: string | null;
  fromName: string;
  subject: string;
  at: Date;
  state: EmailOutcome;
  /** Why it was skipped, in words an admin reads ("an auto-reply (Auto-Submitted: auto-replied)"). */
  reason: string | null;
  /** The ticket it was filed on (after a merge: the ticket it landed on). */
  ticketNumber: number | null;
  commentId: string | null;
  /** Taken from the ticket counter when first claimed, so a retry files the same ticket. */
  reservedNumber: number | null;
  claimedBy: string;
  claimedAt: Date;
  headers: EmailHeaders;
  /** The message's whole text (quoted history included), bounded: "View original" reads it. */
  fullText: string;
  attachments: EmailAttachmentNote[];
}

type EmailDocument = Omit<EmailRecord, 'id'> & { _id: string };

const emailSchema = new Schema<EmailDocument>(
  {
    _id: String,
    mailbox: { type: String, required: true },
    messageId: { type: String, default: null },
    uidValidity: { type: Number, required: true },
    uid: { type: Number, required: true },
    from: { type: String, default: null },
    fromName: { type: String, default: '' },
    subject: { type: String, default: '' },
    at: { type: Date, required: true },
    state: { type: String, required: true },
    reason: { type: String, default: null },
    ticketNumber: { type: Number, default: null },
    commentId: { type: String, default: null },
    reservedNumber: { type: Number, default: null },
    claimedBy: { type: String, required: true },
    claimedAt: { type: Date, required: true },
    headers: { type: Schema.Types.Mixed, required: true },
    fullText: { type: String, default: '' },
    attachments: { type: Schema.Types.Mixed, default: [] },
  },
  { collection: 'email_messages', versionKey: false },
);
// Threading a reply out: the requester's messages on a ticket, newest first (uid breaks a tie of the same second).
emailSchema.index({ ticketNumber: 1, at: -1, uid: -1 });
// A sender's new tickets in the last hour (the flood limit).
emailSchema.index({ from: 1, state: 1, at: 1 });
// What admins read: skipped mail, newest first.
emailSchema.index({ state: 1, at: -1 });

function toRecord({ _id, ...rest }: EmailDocument): EmailRecord {
  return { id: _id, ...rest };
}

export type NewEmailRecord = Omit<EmailRecord, 'state' | 'reason' | 'ticketNumber' | 'commentId' | 'reservedNumber'>;

export class EmailMessageStore {
  private readonly model: Model<EmailDocument>;

  constructor(connection: Connection) {
    this.model = connection.model<EmailDocument>('EmailMessage', emailSchema);
  }

  /**
   * Claims a message for filing: the first claim inserts its record (`claimed: true`); a later one gets
   * the record as it stands, so the caller sees it was filed already, or is being filed.
   */
  async claim(record: NewEmailRecord): Promise<{ claimed: boolean; record: EmailRecord }> {
    const { id, ...fields } = record;
    const document: EmailDocument = {
      _id: id,
      ...fields,
      state: 'filing',
      reason: null,
      ticketNumber: null,
      commentId: null,
      reservedNumber: null,
    };
    if (await insertOnce(documentsOf<EmailDocument>(this.model), document))
      return { claimed: true, record: toRecord(document) };
    return { claimed: false, record: (await this.get(id))! };
  }

  /** Takes over a claim left `filing` by a process that died (or lost its lease) before it said what became of it. */
  async takeOver(id: string, owner: string, olderThan: Date, now: Date): Promise<EmailRecord | null> {
    const document = await this.model.findOneAndUpdate(
      { _id: id, state: 'filing', claimedAt: { $lte: olderThan } },
      { $set: { claimedBy: owner, claimedAt: now } },
      { new: true, lean: true },
    );
    return document ? toRecord(document as EmailDocument) : null;
  }

  /** The ticket number a new thread is filed under, taken once: a retry after a crash files the same one. */
  async reserveNumber(id: string, next: () => Promise<number>): Promise<number> {
    const current = await this.get(id);
    if (current?.reservedNumber) return current.reservedNumber;
    const number = await next();
    const document = await this.model.findOneAndUpdate(
      { _id: id, reservedNumber: null },
      { $set: { reservedNumber: number } },
      { new: true, lean: true },
    );
    return document?.reservedNumber ?? (await this.get(id))!.reservedNumber!;
  }

  async settle(
    id: string,
    outcome: { state: Exclude<EmailOutcome, 'filing'>; reason?: string; ticketNumber?: number; commentId?: string },
  ): Promise<void> {
    await this.model.updateOne(
      { _id: id },
      {
        $set: {
          state: outcome.state,
          reason: outcome.reason ?? null,
          ticketNumber: outcome.ticketNumber ?? null,
          commentId: outcome.commentId ?? null,
        },
      },
    );
  }

  async get(id: string): Promise<EmailRecord | null> {
    const document = await this.model.findById(id).lean<EmailDocument>();
    return document ? toRecord(document) : null;
  }

  /** The ticket of the newest filed message among these ids (a reply's In-Reply-To and References). */
  async ticketOfAny(ids: readonly string[]): Promise<number | null> {
    if (ids.length === 0) return null;
    const documents = await this.model
      .find({ _id: { $in: [...ids] } })
      .limit(ids.length)
      .lean<EmailDocument[]>();
    const filed = documents
      .filter((document) => document.ticketNumber !== null)
      .sort((a, b) => b.at.getTime() - a.at.getTime());
    return filed[0]?.ticketNumber ?? null;
  }

  /** The requester's messages on a ticket, newest first: a reply out threads under the newest. */
  async ofTicket(ticketNumber: number, limit = 20): Promise<EmailRecord[]> {
    const documents = await this.model
      .find({ ticketNumber })
      .sort({ at: -1, uid: -1 })
      .limit(limit)
      .lean<EmailDocument[]>();
    return documents.map(toRecord);
  }

  /** The first message of the ticket's thread, for "View original". */
  async originalOf(ticketNumber: number): Promise<EmailRecord | null> {
    const documents = await this.model.find({ ticketNumber }).sort({ at: 1, uid: 1 }).limit(1).lean<EmailDocument[]>();
    return documents[0] ? toRecord(documents[0]) : null;
  }

  async newTicketsFrom(from: string, since: Date): Promise<number> {
    return this.model.countDocuments({ from, state: 'ticket', at: { $gte: since } });
  }

  /** Skipped mail, newest first: what admins read to see why a message became no ticket. */
  async skipped(limit = 50): Promise<EmailRecord[]> {
    const documents = await this.model.find({ state: 'skipped' }).sort({ at: -1 }).limit(limit).lean<EmailDocument[]>();
    return documents.map(toRecord);
  }
}

/** The emails read from the mailboxes, and where each mailbox's reading stands. */
export type EmailStore = EmailMessageStore & MailboxCursorStore;

export function emailStore(connection: Connection): EmailStore {
  return joined(new EmailMessageStore(connection), new MailboxCursorStore(connection));
}
