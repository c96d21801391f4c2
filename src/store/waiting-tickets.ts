import { type Connection, type Model, Schema } from 'mongoose';
import type { Ticket } from '../tickets/types.js';

/**
 * The queue as its own small collection: one document per ticket waiting for an agent (unassigned,
 * new or open, not merged away), kept by the ticket store as it writes tickets. `/ticket next` claims
 * from here, and the queue's sizes and oldest waits are read from here, so their cost follows the
 * tickets waiting, not every ticket ever filed: FerretDB v1 answers any query but an _id lookup by
 * scanning, and a desk of 10,000 tickets has a few dozen waiting.
 *
 * An entry can be stale (its ticket was taken by "Take it" a moment ago, or a process died between
 * the ticket's write and this one): a claim always ends in the ticket's own conditional write, which
 * refuses a ticket no longer waiting, and the entry is then set right from the ticket. An entry
 * missing is set right by the leftover-outbox sweep (the ticket's event is still in its outbox then)
 * and by `rebuild`, which `npm run rebuild-read-models` and a start on an older mark run.
 */
export type WaitingFields = Pick<
  Ticket,
  'number' | 'groupId' | 'assignee' | 'status' | 'mergedInto' | 'createdAt' | 'priority'
>;

/**
 * Where a ticket stands in its queue before age counts: urgent, then high, then the rest (README's
 * "Routing and reminders"). Offers, the queue view and `/ticket next` all read this one order.
 */
export function queueRank(priority: Ticket['priority']): number {
  return priority === 'urgent' ? 0 : priority === 'high' ? 1 : 2;
}

interface WaitingTicketDocument {
  _id: string;
  number: number;
  groupId: number;
  /** queueRank of the ticket's priority: the queue's first key. */
  rank: number;
  createdAt: Date;
  /** Who is claiming it now; the claim holds until `claimedUntil` (the epoch when nobody is), so one a dead process left lapses. */
  claimedBy: string | null;
  claimedUntil: Date;
}

const waitingTicketSchema = new Schema<WaitingTicketDocument>(
  {
    _id: String,
    number: Number,
    groupId: Number,
    rank: Number,
    createdAt: Date,
    claimedBy: { type: String, default: null },
    claimedUntil: Date,
  },
  { collection: 'waiting_tickets', versionKey: false },
);
// The queue's order: urgent and high first, then oldest filed first, the number breaking ties.
// The claim's condition comes last: a range, checked on the entries the index walks in queue order.
waitingTicketSchema.index({ groupId: 1, rank: 1, createdAt: 1, number: 1, claimedUntil: 1 });
// How long a queue has waited (the Home's oldest wait) reads by age alone, whatever the priorities.
waitingTicketSchema.index({ groupId: 1, createdAt: 1, number: 1 });

const UNCLAIMED = new Date(0);

/** The fields that decide whether a ticket waits: a write that sets none of them cannot change it. */
export const WAITING_FIELDS = ['groupId', 'assignee', 'status', 'mergedInto', 'priority'] as const;

/** How long a claim holds before another agent may claim the same ticket (a process died mid-claim). */
const CLAIM_HOLDS_MS = 30_000;

export function isWaiting(ticket: WaitingFields): boolean {
  return (
    ticket.assignee === null && (ticket.status === 'new' || ticket.status === 'open') && ticket.mergedInto === null
  );
}

const queueOrder = { rank: 1, createdAt: 1, number: 1 } as const;
const byAge = { createdAt: 1, number: 1 } as const;
const everyGroupInQueueOrder = { groupId: 1, rank: 1, createdAt: 1, number: 1 } as const;

export class WaitingTicketStore {
  readonly model: Model<WaitingTicketDocument>;

  constructor(connection: Connection) {
    this.model = connection.model<WaitingTicketDocument>('WaitingTicket', waitingTicketSchema);
  }

  /** Makes the entry say what the ticket says: there while it waits, gone otherwise. */
  async follow(ticket: WaitingFields): Promise<void> {
    const _id = String(ticket.number);
    if (isWaiting(ticket)) {
      // A claim in progress is let go: the claimant's conditional take of the ticket still decides.
      await this.model.updateOne(
        { _id },
        {
          $set: {
            number: ticket.number,
            groupId: ticket.groupId,
            rank: queueRank(ticket.priority),
            createdAt: ticket.createdAt,
            claimedBy: null,
            claimedUntil: UNCLAIMED,
          },
        },
        { upsert: true },
      );
    } else {
      await this.model.deleteOne({ _id });
    }
  }

  async followEach(tickets: readonly WaitingFields[]): Promise<void> {
    const waiting = tickets.filter(isWaiting);
    const gone = tickets.filter((ticket) => !isWaiting(ticket)).map((ticket) => String(ticket.number));
    if (gone.length > 0) await this.model.deleteMany({ _id: { $in: gone } });
    for (const ticket of waiting) await this.follow(ticket);
  }

  /**
   * The oldest waiting ticket of these groups nobody is claiming, claimed by `agent` in one
   * conditional write. The caller then takes the ticket itself, conditionally, and the entry goes.
   */
  async claimOldest(groupIds: readonly number[], agent: string, now: Date): Promise<number | null> {
    const claimed = await this.model.findOneAndUpdate(
      { groupId: { $in: [...groupIds] }, claimedUntil: { $lte: now } },
      { $set: { claimedBy: agent, claimedUntil: new Date(now.getTime() + CLAIM_HOLDS_MS) } },
      // No projection: FerretDB v1's findAndModify does not take one ("fields" is not implemented).
      { sort: queueOrder, lean: true },
    );
    return claimed ? claimed.number : null;
  }

  /** Numbers of the waiting tickets of these groups, in queue order (urgent and high first, then oldest). */
  async numbers(groupIds: readonly number[], limit: number): Promise<number[]> {
    return (await this.firstOf(groupIds, queueOrder, limit)).map((entry) => entry.number);
  }

  /** Numbers of the waiting tickets of these groups, oldest first whatever their priority: how long a queue has waited. */
  async numbersByAge(groupIds: readonly number[], limit: number): Promise<number[]> {
    return (await this.firstOf(groupIds, byAge, limit)).map((entry) => entry.number);
  }

  /** When the first `limit` waiting tickets of these groups were filed, oldest first (by age, not queue order). */
  async filedAt(groupIds: readonly number[], limit: number): Promise<Date[]> {
    return (await this.firstOf(groupIds, byAge, limit)).map((entry) => entry.createdAt);
  }

  /** The first `limit` entries of these groups in the order given: a bounded read the order's index serves. */
  private async firstOf(
    groupIds: readonly number[],
    order: typeof queueOrder | typeof byAge,
    limit: number,
  ): Promise<{ number: number; createdAt: Date }[]> {
    return this.model
      .find({ groupId: { $in: [...groupIds] } }, { _id: 0, number: 1, createdAt: 1 })
      .sort(order)
      .limit(limit)
      .lean();
  }

  async count(groupIds: readonly number[]): Promise<number> {
    return this.model.countDocuments({ groupId: { $in: [...groupIds] } });
  }

  /** Every entry, for the drift test and the rebuild. */
  async all(): Promise<{ number: number; groupId: number; rank: number; createdAt: Date }[]> {
    return this.model
      .find({}, { _id: 0, number: 1, groupId: 1, rank: 1, createdAt: 1 })
      .sort(everyGroupInQueueOrder)
      .lean();
  }

  /** Sets the collection to exactly `waiting` (the tickets that wait now, from a scan of the tickets). */
  async replaceWith(waiting: readonly WaitingFields[]): Promise<{ added: number; removed: number }> {
    const wanted = new Map(waiting.filter(isWaiting).map((ticket) => [String(ticket.number), ticket]));
    const present = await this.model
      .find({}, { _id: 1, groupId: 1, rank: 1, createdAt: 1 })
      .sort(everyGroupInQueueOrder)
      .lean();
    const stale = present.filter((entry) => {
      const ticket = wanted.get(entry._id);
      return (
        !ticket ||
        ticket.groupId !== entry.groupId ||
        queueRank(ticket.priority) !== entry.rank ||
        ticket.createdAt.getTime() !== new Date(entry.createdAt).getTime()
      );
    });
    if (stale.length > 0) await this.model.deleteMany({ _id: { $in: stale.map((entry) => entry._id) } });
    const staleIds = new Set(stale.map((entry) => entry._id));
    const kept = new Set(present.map((entry) => entry._id).filter((id) => !staleIds.has(id)));
    const missing = [...wanted.values()].filter((ticket) => !kept.has(String(ticket.number)));
    for (let start = 0; start < missing.length; start += 500) {
      await this.model.insertMany(
        missing.slice(start, start + 500).map((ticket) => ({
          _id: String(ticket.number),
          number: ticket.number,
          groupId: ticket.groupId,
          rank: queueRank(ticket.priority),
          createdAt: ticket.createdAt,
          claimedBy: null,
          claimedUntil: UNCLAIMED,
        })),
        { ordered: false },
      );
    }
    return { added: missing.length, removed: stale.filter((entry) => !wanted.has(entry._id)).length };
  }
}
