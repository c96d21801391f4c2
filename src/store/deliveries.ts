import { Schema, type Connection, type Model } from 'mongoose';
import type { NewTicketEvent, Requester } from '../tickets/types.js';
import { isDuplicateKey } from './models.js';

/** A public reply on its way to a requester: kept until it arrives, so a crash or an outage never drops it. */
export interface Delivery {
  id: string;
  ticketNumber: number;
  commentId: string;
  to: Requester;
  text: string;
  /** Set on a satisfaction survey to an email requester: the signed link back to the API. */
  survey?: { token: string; path: string; url: string | null };
  /** held: queued for later, sent only once released (a merge notice waits for the source's close). */
  state: 'held' | 'pending' | 'delivered' | 'failed';
  attempts: number;
  nextAttemptAt: Date;
  lastError: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
}

type DeliveryDocument = Omit<Delivery, 'id'> & { _id: string };

const deliverySchema = new Schema(
  {
    // Made from the comment it carries, so writing the same reply twice queues it once.
    _id: String,
    ticketNumber: { type: Number, required: true },
    commentId: { type: String, required: true },
    to: { type: Schema.Types.Mixed, required: true },
    text: { type: String, required: true },
    survey: { type: Schema.Types.Mixed, default: undefined },
    state: { type: String, required: true },
    attempts: { type: Number, required: true },
    nextAttemptAt: { type: Date, required: true },
    lastError: { type: String, default: null },
    createdAt: { type: Date, required: true },
    deliveredAt: { type: Date, default: null },
  },
  { collection: 'deliveries', versionKey: false },
);
// The retry loop: pending deliveries that are due, oldest first.
deliverySchema.index({ state: 1, nextAttemptAt: 1 });
deliverySchema.index({ ticketNumber: 1, createdAt: 1 });

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
    try {
      await this.connection.models.Event!.collection.insertOne({ _id: id, ticketNumber, ...event } as never);
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
  }

  /**
   * Queues a delivery; a repeat of the same id is recognised and the first one returned. A held one
   * is neither attempted nor retried until `release`.
   */
  async queue(delivery: Omit<Delivery, 'state' | 'attempts' | 'lastError' | 'deliveredAt' | 'nextAttemptAt'>, options: { held?: boolean } = {}): Promise<Delivery> {
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
    try {
      await this.model.collection.insertOne(document as never);
      return toDelivery(document);
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      return (await this.get(id))!;
    }
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
    const document = await this.model.findOneAndUpdate(
      { _id: id, state: 'pending', nextAttemptAt: { $lte: now } },
      { $set: { nextAttemptAt: new Date(now.getTime() + holdMs) }, $inc: { attempts: 1 } },
      { new: true, lean: true },
    );
    return document ? toDelivery(document as DeliveryDocument) : null;
  }

  /** A held delivery becomes due now; anything else is left as it is, so releasing twice sends once. */
  async release(id: string, now: Date): Promise<void> {
    await this.model.updateOne({ _id: id, state: 'held' }, { $set: { state: 'pending', nextAttemptAt: now } });
  }

  async markDelivered(id: string, now: Date): Promise<void> {
    await this.model.updateOne({ _id: id, state: 'pending' }, { $set: { state: 'delivered', deliveredAt: now, lastError: null } });
  }

  async markFailed(id: string, error: string, nextAttemptAt: Date | null): Promise<void> {
    await this.model.updateOne(
      { _id: id, state: 'pending' },
      { $set: nextAttemptAt ? { lastError: error, nextAttemptAt } : { lastError: error, state: 'failed' } },
    );
  }

  async due(now: Date, limit: number, kinds: readonly Requester['kind'][] = ['slack', 'email']): Promise<Delivery[]> {
    const documents = await this.model.find({ state: 'pending', nextAttemptAt: { $lte: now }, 'to.kind': { $in: [...kinds] } }).sort({ nextAttemptAt: 1 }).limit(limit).lean<DeliveryDocument[]>();
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

  async ofTicket(ticketNumber: number): Promise<Delivery[]> {
    const documents = await this.model.find({ ticketNumber }).sort({ createdAt: 1 }).lean<DeliveryDocument[]>();
    return documents.map(toDelivery);
  }
}
