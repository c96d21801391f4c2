import type { Connection } from 'mongoose';
import type { Transfer } from '../chats/types.js';
import type { Ticket } from '../tickets/types.js';
import { documentsOf } from './documents.js';
import type { Models } from './models.js';
import { type TicketDocument, toTicket } from './tickets.js';

type TransferDocument = Omit<Transfer, 'id'> & { _id: string; openKey: string; returnedAt?: Date };

/**
 * The reads behind reminders and hand-backs: a group's tickets in number order (a cursor the job
 * carries, so a long desk is walked in bounded batches and nothing is skipped), each served by the
 * index { groupId, status, number, updatedAt, pendingSince, handBackWatch.since }. What is marked on a
 * ticket is written by TicketStore.record, in the same conditional write as its event.
 */
export class ReminderStore {
  constructor(
    private readonly models: Models,
    private readonly connection: Connection,
  ) {}

  /** Open tickets of the group unchanged since `updatedAtOrBefore`, after `afterNumber`. */
  async openUnchangedSince(
    groupId: number,
    updatedAtOrBefore: Date,
    afterNumber: number,
    limit: number,
  ): Promise<Ticket[]> {
    return this.tickets(
      { groupId, status: 'open', number: { $gt: afterNumber }, updatedAt: { $lte: updatedAtOrBefore } },
      limit,
    );
  }

  /** Pending tickets of the group pending since a moment within (`after`, `atOrBefore`]. */
  async pendingBetween(
    groupId: number,
    after: Date,
    atOrBefore: Date,
    afterNumber: number,
    limit: number,
  ): Promise<Ticket[]> {
    return this.tickets(
      { groupId, status: 'pending', number: { $gt: afterNumber }, pendingSince: { $gt: after, $lte: atOrBefore } },
      limit,
    );
  }

  /** Open tickets of the group given to someone at `sinceOrBefore` or earlier and still watched. */
  async watchedSince(groupId: number, sinceOrBefore: Date, afterNumber: number, limit: number): Promise<Ticket[]> {
    return this.tickets(
      { groupId, status: 'open', number: { $gt: afterNumber }, 'handBackWatch.since': { $lte: sinceOrBefore } },
      limit,
    );
  }

  /** Transfer requests that expired unanswered since `since`, not yet returned, oldest first. */
  async expiredTransfersSince(since: Date, limit: number): Promise<Transfer[]> {
    const documents = await documentsOf<TransferDocument>(this.connection.models.Transfer!)
      .find({ state: 'expired', answeredAt: { $gte: since } })
      .sort({ answeredAt: 1 })
      .limit(limit)
      .toArray();
    return documents
      .filter((document) => !document.returnedAt)
      .map(({ _id, openKey, returnedAt, ...transfer }) => {
        void openKey;
        void returnedAt;
        return { id: _id, ...transfer };
      });
  }

  /** Marks a returned transfer, so the next run leaves it be (the chat's own condition guards the move itself). */
  async transferReturned(id: string, at: Date): Promise<void> {
    await documentsOf<TransferDocument>(this.connection.models.Transfer!).updateOne(
      { _id: id },
      { $set: { returnedAt: at } },
    );
  }

  private async tickets(filter: Record<string, unknown>, limit: number): Promise<Ticket[]> {
    const documents = await this.models.Ticket.find(filter).sort({ number: 1 }).limit(limit).lean<TicketDocument[]>();
    return documents.map(toTicket);
  }
}
