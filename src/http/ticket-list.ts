import type { z } from 'zod';
import type { TicketFilter } from '../store/search.js';
import type { Desk } from '../tickets/desk.js';
import { parseTags } from '../tickets/editing.js';
import type { Refusal } from '../tickets/refusals.js';
import { decodeCursor, parseStatuses, type SearchCursor } from '../tickets/search.js';
import { slaState } from '../tickets/sla.js';
import type { Ticket } from '../tickets/types.js';
import type { TicketSummary, ticketListQuerySchema } from './api-schemas.js';

/** The REST ticket list and the CSV export: the query read into a filter, and a ticket as each shows it. */

export interface ListRequest {
  filter: TicketFilter;
  order: 'newest' | 'oldest';
  limit: number;
  after: SearchCursor | null;
}

/** The checked query as a filter, or the refusal and the parameter it is about. */
export function listRequest(
  query: z.output<typeof ticketListQuerySchema>,
): ListRequest | { refusal: Refusal; path: string } {
  // An API key is not a person: it finds words in what the requester can see, never in internal notes.
  const filter: TicketFilter = { commentKinds: ['public'] };
  if (query.status !== undefined) {
    const statuses = parseStatuses(query.status);
    if ('ok' in statuses) return { refusal: statuses, path: 'status' };
    filter.statuses = statuses;
  }
  if (query.groupId !== undefined) filter.groupIds = [query.groupId];
  if (query.assignee !== undefined) filter.assignee = query.assignee === 'none' ? null : query.assignee;
  if (query.tag !== undefined) {
    const tags = parseTags(query.tag);
    if (!tags.ok) return { refusal: tags, path: 'tag' };
    filter.tags = tags.tags;
  }
  if (query.requester !== undefined) filter.requesterEmail = query.requester;
  if (query.createdFrom !== undefined) filter.createdFrom = new Date(query.createdFrom);
  if (query.createdBefore !== undefined) filter.createdBefore = new Date(query.createdBefore);
  const words = (query.q ?? '').trim().split(/\s+/).filter(Boolean);
  if (words.length > 0) filter.words = words.slice(0, 10);
  let after: SearchCursor | null = null;
  if (query.cursor !== undefined) {
    const cursor = decodeCursor(query.cursor);
    if ('ok' in cursor) return { refusal: cursor, path: 'cursor' };
    after = cursor;
  }
  return { filter, order: query.order, limit: query.limit, after };
}

const iso = (date: Date | null | undefined) => (date ? new Date(date).toISOString() : null);

export function ticketSummary(desk: Desk, ticket: Ticket): TicketSummary {
  const sla = slaState(ticket, desk.clock(), desk.directory.workspace);
  return {
    number: ticket.number,
    subject: ticket.subject,
    status: ticket.status,
    priority: ticket.priority,
    group: { id: ticket.groupId, name: desk.directory.groupName(ticket.groupId) },
    // Slack user ids stay inside Slack: an agent is shown by the name in the workspace file.
    assignee: ticket.assignee ? { name: desk.directory.agent(ticket.assignee)?.name ?? 'Support' } : null,
    requester:
      ticket.requester.kind === 'email'
        ? { kind: 'email', email: ticket.requester.email, name: ticket.requester.name }
        : { kind: 'slack', name: ticket.requester.name ?? null },
    channel: ticket.channel,
    tags: ticket.tags ?? [],
    form: {
      rootCause: ticket.form.rootCause ?? null,
      category: ticket.form.category ?? null,
      subcategory: ticket.form.subcategory ?? null,
    },
    sla: { firstReply: sla.firstReply?.status ?? null, resolution: sla.resolution?.status ?? null },
    createdAt: iso(ticket.createdAt)!,
    updatedAt: iso(ticket.updatedAt)!,
    firstReplyAt: iso(ticket.firstReplyAt),
    solvedAt: iso(ticket.solvedAt),
    closedAt: iso(ticket.closedAt),
    mergedInto: ticket.mergedInto,
  };
}

export const CSV_COLUMNS = [
  'number',
  'created_at',
  'status',
  'priority',
  'group',
  'assignee',
  'requester_name',
  'requester_email',
  'channel',
  'subject',
  'tags',
  'root_cause',
  'category',
  'subcategory',
  'first_reply_at',
  'solved_at',
  'closed_at',
  'sla_first_reply',
  'sla_resolution',
  'merged_into',
] as const;

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break. Text a person typed
 * that a spreadsheet would run as a formula (=, +, -, @, tab, carriage return first) gets a leading
 * apostrophe, as OWASP's CSV-injection advice says, so opening the export never runs it.
 */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvRow(summary: TicketSummary): string {
  const requester = summary.requester;
  const cells: (string | number | null)[] = [
    summary.number,
    summary.createdAt,
    summary.status,
    summary.priority,
    summary.group.name,
    summary.assignee?.name ?? null,
    requester.name,
    requester.kind === 'email' ? requester.email : null,
    summary.channel,
    summary.subject,
    summary.tags.join(' '),
    summary.form.rootCause,
    summary.form.category,
    summary.form.subcategory,
    summary.firstReplyAt,
    summary.solvedAt,
    summary.closedAt,
    summary.sla.firstReply,
    summary.sla.resolution,
    summary.mergedInto,
  ];
  return `${cells.map(csvField).join(',')}\r\n`;
}
