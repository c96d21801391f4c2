import type { Ticket, TicketStatus } from '../tickets/types.js';
import type { Models } from './models.js';
import { type TicketDocument, toTicket } from './tickets.js';

/** Tickets found by how they are tied to others: a problem's incidents, merges under way. */
export class TicketLinkStore {
  constructor(private readonly models: Models) {}

  async incidentsOf(problem: number, statuses?: readonly TicketStatus[], limit = 500): Promise<Ticket[]> {
    const filter: Record<string, unknown> = { problemOf: problem };
    if (statuses) filter.status = { $in: [...statuses] };
    const documents = await this.models.Ticket.find(filter).sort({ number: 1 }).limit(limit).lean<TicketDocument[]>();
    return documents.map(toTicket);
  }

  /**
   * Sources of merges that started (before `startedBefore`, when given) and did not finish (a process
   * died): for the job that finishes them.
   */
  async mergesUnderWay(limit = 50, startedBefore?: Date): Promise<Ticket[]> {
    const filter: Record<string, unknown> = { 'merge.state': { $in: ['claiming', 'copying', 'telling', 'closing'] } };
    if (startedBefore) filter.$or = [{ 'merge.startedAt': { $lte: startedBefore } }, { 'merge.startedAt': null }];
    const documents = await this.models.Ticket.find(filter).sort({ number: 1 }).limit(limit).lean<TicketDocument[]>();
    return documents.map(toTicket);
  }
}
