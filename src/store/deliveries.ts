import { type Connection, type Model, Schema } from 'mongoose';
import type { NewTicketEvent, Requester } from '../tickets/types.js';
import { updateById } from './by-id.js';
import { documentsOf, insertOnce } from './documents.js';
import type { EventDocument } from './events.js';

/** A Slack message's place: the channel (or DM) and its ts. */
export interface SlackPlaceRef {
  channel: string;
  ts: string;
}

/**
 * Where a queued Slack message goes. Some places are resolved only when it is sent — a chat's thread,
 * the live ticket message's thread, the requester's thread — so a message queued before its parent
 * exists (the parent's post failed and is being retried) waits for it instead of going astray.
 */
export type SlackPlace =
  | { kind: 'dm'; userId: string; thread?: SlackPlaceRef | null }
  | { kind: 'channel'; channel: string; thread?: SlackPlaceRef | null }
  | { kind: 'chat-thread'; ticketNumber: number }
  | { kind: 'ticket-thread'; ticketNumber: number }
  | { kind: 'requester-thread'; ticketNumber: number; userId: string };

/** What to remember of where a message went, once it went: its place is later updated or threaded under. */
export type AfterPost =
  | { kind: 'chat-placed'; ticketNumber: number }
  | { kind: 'offer-posted'; transferId: string }
  | { kind: 'relayed'; ticketNumber: number; original: SlackPlaceRef; side: 'requester' | 'agent' }
  | { kind: 'mirror-opened'; ticketNumber: number; user: string }
  | { kind: 'requester-thread'; ticketNumber: number };

/** A Slack message to send (or update, or render from the ticket as it is at sending time). */
export type SlackOrder =
  /** `as`: the agent who wrote it, whose name and picture it is posted under (a requester sees who answered). */
  | { op: 'post'; place: SlackPlace; text: string; blocks?: unknown[]; after?: AfterPost; as?: string }
  | { op: 'update'; ref: SlackPlaceRef; text: string; blocks?: unknown[] }
  | { op: 'delete'; ref: SlackPlaceRef }
  /** The ticket's live message: rendered from the ticket when sent, so a burst of changes is one update. */
  | { op: 'live-message'; ticketNumber: number };

/**
 * Something on its way to a person: a reply to a requester (a Slack DM or the outbound webhook for
 * email), or any Slack message that matters (an alert, a notice, a transfer offer, a relayed chat
 * line, the live ticket message). Kept until it arrives, retried with backoff, shown on the ticket
 * when it finally fails: a crash or an outage never drops it.
 */
export interface Delivery {
  id: string;
  ticketNumber: number;
  /** What it is, in the team's words, for the card and the log: "reply", "new-ticket alert". */
  purpose: string;
  via: 'slack' | 'email';
  /** A reply or survey: the comment it carries and who it is for. */
  commentId?: string | null;
  to?: Requester;
  text: string;
  /** Set on a satisfaction survey to an email requester: the signed link back to the API. */
  survey?: { token: string; path: string; url: string | null };
  slack?: SlackOrder;
  /** The agent whose action this follows: told once if Slack will not take it. */
  actor?: string | null;
  /** held: queued for later, sent only once released (a merge notice waits for the source's close). */
  state: 'held' | 'pending' | 'delivered' | 'failed';
  attempts: number;
  nextAttemptAt: Date;
  lastError: string | null;
  /**
   * The channel Slack refused it for (the bot not in it, archived, not found): not retried on a timer,
   * since only a person can fix that, but sent again once the channel is (unblockChannel).
   */
  blockedChannel?: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
}

export type NewDelivery = Omit<Delivery, 'state' | 'attempts' | 'lastError' | 'deliveredAt' | 'nextAttemptAt'>;

type DeliveryDocument = Omit<Delivery, 'id'> & { _id: string };

const deliverySchema = new Schema(
  {
    // Made from what it carries (a comment, an event and its purpose), so queuing the same thing twice queues it once.
    _id: String,
    ticketNumber: { type: Number, required: true },
    purpose: { type: String, required: true },
    via: { type: String, required: true },
    commentId: { type: String, default: null },
    to: { type: Schema.Types.Mixed, default: undefined },
    text: { type: String, default: '' },
    survey: { type: Schema.Types.Mixed, default: undefined },
    slack: { type: Schema.Types.Mixed, default: undefined },
    actor: { type: String, default: null },
    state: { type: String, required: true },
    attempts: { type: Number, required: true },
    nextAttemptAt: { type: Date, required: true },
    lastError: { type: String, default: null },
    blockedChannel: { type: String, default: undefined },
    createdAt: { type: Date, required: true },
    deliveredAt: { type: Date, default: null },
  },
  { collection: 'deliveries', versionKey: false },
);
// The retry loop: pending deliveries that are due, oldest first.
deliverySchema.index({ state: 1, via: 1, nextAttemptAt: 1 });
deliverySchema.index({ ticketNumber: 1, createdAt: 1 });
// What a fixed channel sends again.
deliverySchema.index({ blockedChannel: 1, state: 1, createdAt: 1 });
// The card's trouble line: a ticket's deliveries that have not arrived and have failed at least once.
deliverySchema.index({ ticketNumber: 1, state: 1, createdAt: 1, lastError: 1 });

function toDelivery({ _id, ...rest }: DeliveryDocument): Delivery {
  return { id: _id, ...rest };
}

export class DeliveryStore {
  private readonly model: Model<DeliveryDocument>;

  constructor(private readonly connection: Connection) {
    this.model = connection.model<DeliveryDocument>('Delivery', deliverySchema);
  }

  /**
   * A delivery's outcome goes straight into the history, not through a ticket change: it must not
   * bump the version an agent's open reply modal was built on. The id makes a repeat a no-op.
   */
  async recordEvent(id: string, ticketNumber: number, event: NewTicketEvent): Promise<void> {
    await insertOnce(documentsOf<EventDocument>(this.connection.models.Event!), { _id: id, ticketNumber, ...event });
  }

  /**
   * Queues a delivery; a repeat of the same id is recognised and the first one returned. A held one
   * is neither attempted nor retried until `release`.
   */
  async queue(delivery: NewDelivery, options: { held?: boolean } = {}): Promise<Delivery> {
    const { id, ...fields } = delivery;
    const document: DeliveryDocument = {
      _id: id,
      ...fields,
      state: options.held ? 'held' : 'pending',
      attempts: 0,
      nextAttemptAt: delivery.createdAt,
      lastError: null,
      deliveredAt: null,
    };
    return (await this.insertFirst(document)) ? toDelivery(document) : (await this.get(id))!;
  }

  /**
   * Queues a delivery already taken for its first attempt (held like a claim): the sender goes on to
   * send it at once. Null when that id was queued before: it is someone else's to send, or sent.
   */
  async queueClaimed(delivery: NewDelivery, now: Date, holdMs: number): Promise<Delivery | null> {
    const { id, ...fields } = delivery;
    const document: DeliveryDocument = {
      _id: id,
      ...fields,
      state: 'pending',
      attempts: 1,
      nextAttemptAt: new Date(now.getTime() + holdMs),
      lastError: null,
      deliveredAt: null,
    };
    return (await this.insertFirst(document)) ? toDelivery(document) : null;
  }

  /** Inserts a delivery under its id; false when that id was queued before (the id makes a queueing idempotent). */
  private async insertFirst(document: DeliveryDocument): Promise<boolean> {
    return insertOnce(documentsOf<DeliveryDocument>(this.model), document);
  }

  /**
   * Queues it again if it went out already: one standing delivery per thing that is kept up to date
   * (the live ticket message), so a burst of changes is one send of the latest state.
   */
  async queueAgain(delivery: NewDelivery): Promise<Delivery> {
    const { id, ...fields } = delivery;
    const document = await this.model.findOneAndUpdate(
      { _id: id },
      {
        $set: { ...fields, state: 'pending', nextAttemptAt: delivery.createdAt, lastError: null, attempts: 0 },
        $setOnInsert: { deliveredAt: null },
      },
      { upsert: true, new: true, lean: true },
    );
    return toDelivery(document as DeliveryDocument);
  }

  async get(id: string): Promise<Delivery | null> {
    const document = await this.model.findById(id).lean<DeliveryDocument>();
    return document ? toDelivery(document) : null;
  }

  /**
   * Takes a due delivery for one attempt by pushing its next attempt out by `holdMs`: another
   * replica's retry loop skips it meanwhile, and a process dying mid-send leaves it due again later.
   */
  async claim(id: string, now: Date, holdMs: number): Promise<Delivery | null> {
    const document = await updateById(
      this.model,
      id,
      { state: 'pending', nextAttemptAt: { $lte: now } },
      { $set: { nextAttemptAt: new Date(now.getTime() + holdMs) }, $inc: { attempts: 1 } },
    );
    return document ? toDelivery(document as DeliveryDocument) : null;
  }

  /** A held delivery becomes due now; anything else is left as it is, so releasing twice sends once. */
  async release(id: string, now: Date): Promise<void> {
    await updateById(this.model, id, { state: 'held' }, { $set: { state: 'pending', nextAttemptAt: now } });
  }

  /**
   * Delivered — unless it was queued again while it was being sent (a newer state of the live
   * message): then it stays pending, due now, and goes out once more.
   */
  async markDelivered(id: string, now: Date, attempt: number): Promise<void> {
    await updateById(
      this.model,
      id,
      { state: 'pending', attempts: attempt },
      { $set: { state: 'delivered', deliveredAt: now, lastError: null } },
    );
  }

  async markFailed(id: string, error: string, nextAttemptAt: Date | null): Promise<void> {
    await updateById(
      this.model,
      id,
      { state: 'pending' },
      { $set: nextAttemptAt ? { lastError: error, nextAttemptAt } : { lastError: error, state: 'failed' } },
    );
  }

  /** Failed for its channel: kept, shown on the ticket, and sent again when the channel is fixed. */
  async markBlocked(id: string, error: string, channel: string): Promise<void> {
    await updateById(
      this.model,
      id,
      { state: 'pending' },
      { $set: { lastError: error, state: 'failed', blockedChannel: channel } },
    );
  }

  /** The channel is fixed: what it refused is due now, with a fresh count of attempts. Returns their ids. */
  async unblockChannel(channel: string, now: Date, limit = 500): Promise<string[]> {
    const blocked = await this.model
      .find({ blockedChannel: channel, state: 'failed' }, { _id: 1 })
      .sort({ createdAt: 1 })
      .limit(limit)
      .lean<{ _id: string }[]>();
    const ids: string[] = [];
    for (const { _id } of blocked) {
      const document = await updateById(
        this.model,
        _id,
        { state: 'failed', blockedChannel: channel },
        { $set: { state: 'pending', nextAttemptAt: now, attempts: 0 }, $unset: { blockedChannel: '' } },
      );
      if (document) ids.push(_id);
    }
    return ids;
  }

  /** Waits a moment without counting an attempt: what it needs (its parent message) is not there yet. */
  async notYet(id: string, nextAttemptAt: Date): Promise<void> {
    await updateById(this.model, id, { state: 'pending' }, { $set: { nextAttemptAt }, $inc: { attempts: -1 } });
  }

  async due(now: Date, limit: number, via: readonly Delivery['via'][] = ['slack', 'email']): Promise<Delivery[]> {
    const documents = await this.model
      .find({ state: 'pending', nextAttemptAt: { $lte: now }, via: { $in: [...via] } })
      .sort({ nextAttemptAt: 1 })
      .limit(limit)
      .lean<DeliveryDocument[]>();
    return documents.map(toDelivery);
  }

  /** What the card shows: deliveries of this ticket that have not arrived (yet). */
  async troubleOf(ticketNumber: number, limit = 5): Promise<Delivery[]> {
    const documents = await this.model
      .find({ ticketNumber, state: { $in: ['pending', 'failed'] }, lastError: { $ne: null } })
      .sort({ createdAt: -1 })
      .limit(limit)
      .lean<DeliveryDocument[]>();
    return documents.map(toDelivery);
  }

  async ofTicket(ticketNumber: number, limit = 200): Promise<Delivery[]> {
    const documents = await this.model
      .find({ ticketNumber })
      .sort({ createdAt: 1 })
      .limit(limit)
      .lean<DeliveryDocument[]>();
    return documents.map(toDelivery);
  }
}
