import type { FilterQuery } from 'mongoose';
import type { CommentKind, Ticket, TicketStatus } from '../tickets/types.js';
import type { Models } from './models.js';
import { BOUNDED_READ } from './query-shapes.js';
import { type TicketDocument, toTicket } from './tickets.js';

/**
 * Finding tickets by what a person knows of them. Filters are exact values on indexed fields; words
 * are looked for in the subject, the description and the comments. On MongoDB the words go through
 * text indexes (built only there: FerretDB v1 has no $text); on FerretDB each word is a
 * case-insensitive regular expression of the escaped word, which scans. Either way the words first
 * give a bounded set of ticket numbers, and the filters, order and page are applied to those.
 */
export interface TicketFilter {
  statuses?: readonly TicketStatus[];
  groupIds?: readonly number[];
  /** null: nobody has it. */
  assignee?: string | null;
  /** Every one of these. */
  tags?: readonly string[];
  requesterEmail?: string;
  requesterUserId?: string;
  createdFrom?: Date;
  /** Exclusive. */
  createdBefore?: Date;
  /** Only tickets filed through the REST API by this key (a key whose scope is its own tickets). */
  filedBy?: string;
  /** Words that must all appear in the subject or description, or all in one comment. */
  words?: readonly string[];
  /** Which comments the words may be found in (internal notes are for agents only). */
  commentKinds?: readonly CommentKind[];
}

export type SearchOrder = 'newest' | 'oldest';

/** Where a page ended: the next page starts after this ticket in the chosen order. */
export interface SearchCursor {
  createdAt: Date;
  number: number;
}

export interface SearchPage {
  tickets: Ticket[];
  next: SearchCursor | null;
  /** The words matched more tickets than one search reads: the results are a part of them. */
  truncated: boolean;
}

/** Ticket numbers read per source (tickets, comments) for the words: the bound of a word search. */
export const WORD_MATCH_LIMIT = 1000;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

function containsWord(field: string, word: string): Record<string, unknown> {
  return { [field]: { $regex: escapeRegExp(word), $options: 'i' } };
}

export class TicketSearchStore {
  constructor(
    private readonly models: Models,
    /** MongoDB has $text; FerretDB v1 does not. */
    private readonly textIndexes: boolean,
  ) {}

  /** MongoDB only: the text indexes the word search uses. */
  async buildIndexes(): Promise<void> {
    if (!this.textIndexes) return;
    await this.models.Ticket.collection.createIndex(
      { subject: 'text', description: 'text' },
      { name: 'tickets_text', default_language: 'none' },
    );
    await this.models.Comment.collection.createIndex(
      { text: 'text' },
      { name: 'comments_text', default_language: 'none' },
    );
  }

  async find(filter: TicketFilter, order: SearchOrder, after: SearchCursor | null, limit: number): Promise<SearchPage> {
    const conditions: FilterQuery<Ticket>[] = [];
    let truncated = false;
    if (filter.words && filter.words.length > 0) {
      const matched = await this.numbersWithWords(
        filter.words,
        filter.commentKinds ?? ['public', 'internal', 'chat-note'],
        order,
      );
      truncated = matched.truncated;
      if (matched.numbers.length === 0) return { tickets: [], next: null, truncated };
      conditions.push({ number: { $in: matched.numbers } });
    }
    if (filter.statuses) conditions.push({ status: { $in: [...filter.statuses] } });
    if (filter.groupIds) conditions.push({ groupId: { $in: [...filter.groupIds] } });
    if (filter.assignee !== undefined) conditions.push({ assignee: filter.assignee });
    if (filter.tags && filter.tags.length > 0) conditions.push({ tags: { $all: [...filter.tags] } });
    if (filter.requesterUserId) conditions.push({ 'requester.userId': filter.requesterUserId });
    if (filter.requesterEmail) {
      const addresses = [...new Set([filter.requesterEmail, filter.requesterEmail.toLowerCase()])];
      conditions.push({
        $or: [{ 'requester.email': { $in: addresses } }, { 'requester.previousEmails': { $in: addresses } }],
      });
    }
    if (filter.filedBy !== undefined) conditions.push({ 'source.kind': 'api', 'source.filedBy': filter.filedBy });
    if (filter.createdFrom) conditions.push({ createdAt: { $gte: filter.createdFrom } });
    if (filter.createdBefore) conditions.push({ createdAt: { $lt: filter.createdBefore } });
    if (after) {
      const beyond = order === 'newest' ? '$lt' : '$gt';
      conditions.push({
        $or: [
          { createdAt: { [beyond]: after.createdAt } },
          { createdAt: after.createdAt, number: { [beyond]: after.number } },
        ],
      });
    }
    const direction = order === 'newest' ? -1 : 1;
    const documents = await this.models.Ticket.find(conditions.length > 0 ? { $and: conditions } : {})
      .sort({ createdAt: direction, number: direction })
      .limit(limit + 1)
      .comment(BOUNDED_READ)
      .lean<TicketDocument[]>();
    const tickets = documents.slice(0, limit).map(toTicket);
    const last = tickets.at(-1);
    return {
      tickets,
      next: documents.length > limit && last ? { createdAt: last.createdAt, number: last.number } : null,
      truncated,
    };
  }

  /** Open problem tickets, oldest first: what `/ticket problems` lists to link an incident to. */
  async openProblems(statuses: readonly TicketStatus[], limit: number): Promise<Ticket[]> {
    const documents = await this.models.Ticket.find({ problem: true, status: { $in: [...statuses] } })
      .sort({ createdAt: 1, number: 1 })
      .limit(limit)
      .lean<TicketDocument[]>();
    return documents.map(toTicket);
  }

  /** Unsolved tickets of these priorities numbered above `after`, in number order: the SLA watch's batches. */
  async unsolvedAfter(
    after: number,
    statuses: readonly TicketStatus[],
    priorities: readonly string[],
    limit: number,
  ): Promise<Ticket[]> {
    const documents = await this.models.Ticket.find({
      status: { $in: [...statuses] },
      priority: { $in: [...priorities] },
      number: { $gt: after },
    })
      .sort({ number: 1 })
      .limit(limit)
      .lean<TicketDocument[]>();
    return documents.map(toTicket);
  }

  private async numbersWithWords(
    words: readonly string[],
    kinds: readonly CommentKind[],
    order: SearchOrder,
  ): Promise<{ numbers: number[]; truncated: boolean }> {
    const direction = order === 'newest' ? -1 : 1;
    const ticketFilter = this.textIndexes
      ? { $text: { $search: words.map((word) => `"${word.replace(/"/g, ' ')}"`).join(' ') } }
      : { $and: words.map((word) => ({ $or: [containsWord('subject', word), containsWord('description', word)] })) };
    const commentFilter = this.textIndexes
      ? { $text: { $search: words.map((word) => `"${word.replace(/"/g, ' ')}"`).join(' ') }, kind: { $in: [...kinds] } }
      : { $and: [...words.map((word) => containsWord('text', word)), { kind: { $in: [...kinds] } }] };
    const [tickets, comments] = await Promise.all([
      this.models.Ticket.find(ticketFilter, { number: 1 })
        .sort({ number: direction })
        .limit(WORD_MATCH_LIMIT)
        .comment(BOUNDED_READ)
        .lean<{ number: number }[]>(),
      this.models.Comment.find(commentFilter, { ticketNumber: 1 })
        .sort({ ticketNumber: direction })
        .limit(WORD_MATCH_LIMIT)
        .comment(BOUNDED_READ)
        .lean<{ ticketNumber: number }[]>(),
    ]);
    const numbers = [
      ...new Set([...tickets.map((ticket) => ticket.number), ...comments.map((comment) => comment.ticketNumber)]),
    ];
    return { numbers, truncated: tickets.length >= WORD_MATCH_LIMIT || comments.length >= WORD_MATCH_LIMIT };
  }
}
