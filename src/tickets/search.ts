import { DAY_MS, HOUR_MS } from '../clock.js';
import type { SearchCursor, SearchOrder, SearchPage, TicketFilter } from '../store/search.js';
import { type Desk, type Refusal, refuse } from './desk.js';
import { parseTags } from './editing.js';
import { agentNamed, personNamed } from './people.js';
import { TICKET_STATUSES, type Ticket, type TicketStatus, UNSOLVED_STATUSES } from './types.js';

export type { SearchCursor, SearchOrder, TicketFilter } from '../store/search.js';

/**
 * `/ticket search …` and the App Home's box. What a person types is read into a filter here and never
 * reaches the database as anything but plain values: words become escaped patterns or text-index
 * phrases, and a filter's value is checked against what it may be (a status, a group, an agent).
 *
 *   refund card              words, all of them, in the subject, description or one comment
 *   #1004                    that ticket
 *   dana@example.com         tickets of that email requester (old addresses too)
 *   status:open,pending  group:Billing  assignee:me|none|@ana  tag:refund  requester:@carla
 *   since:2026-10-01 | since:7d   order:oldest (newest first unless said)
 */
export const SEARCH_QUERY_MAX = 200;
export const SEARCH_WORDS_MAX = 10;
export const SEARCH_PAGE = 10;

export interface SearchQuery {
  /** As the person typed it, spaces tidied: shown back with the results. */
  text: string;
  /** A ticket number typed alone. */
  number?: number;
  filter: TicketFilter;
  order: SearchOrder;
}

const EMAIL = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;
const FILTER = /^(status|group|assignee|tag|since|requester|order|sort):(.+)$/i;

function parseSince(value: string, now: Date): Date | null {
  const ago = /^(\d{1,4})([hdw])$/i.exec(value);
  if (ago) {
    const unit = { h: HOUR_MS, d: DAY_MS, w: 7 * DAY_MS }[ago[2]!.toLowerCase() as 'h' | 'd' | 'w'];
    return new Date(now.getTime() - Number(ago[1]) * unit);
  }
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!day) return null;
  const date = new Date(Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3])));
  return date.getUTCDate() === Number(day[3]) ? date : null;
}

export function parseStatuses(value: string): readonly TicketStatus[] | Refusal {
  const statuses = new Set<TicketStatus>();
  for (const word of value.toLowerCase().split(',').filter(Boolean)) {
    if (word === 'unsolved') for (const status of UNSOLVED_STATUSES) statuses.add(status);
    else if ((TICKET_STATUSES as readonly string[]).includes(word)) statuses.add(word as TicketStatus);
    else return refuse('not_a_status', { typed: word });
  }
  return statuses.size > 0 ? [...statuses] : refuse('not_a_status', { typed: value });
}

export function parseOrder(value: string): SearchOrder | Refusal {
  const order = value.toLowerCase();
  return order === 'newest' || order === 'oldest' ? order : refuse('not_an_order', { typed: value });
}

/** Reads a search as typed; a filter it cannot read is refused with what was typed, never guessed. */
export function parseSearch(desk: Desk, viewer: string, typed: string): { ok: true; query: SearchQuery } | Refusal {
  const text = typed.trim().replace(/\s+/g, ' ');
  if (!text) return refuse('search_empty');
  if (text.length > SEARCH_QUERY_MAX) return refuse('search_too_long', { max: SEARCH_QUERY_MAX });
  const filter: TicketFilter = {};
  const words: string[] = [];
  let order: SearchOrder = 'newest';
  const tokens = text.split(' ');
  for (const token of tokens) {
    const match = FILTER.exec(token);
    if (!match) {
      if (EMAIL.test(token)) filter.requesterEmail = token;
      else words.push(token);
      continue;
    }
    const key = match[1]!.toLowerCase();
    const value = match[2]!;
    switch (key) {
      case 'status': {
        const statuses = parseStatuses(value);
        if ('ok' in statuses) return statuses;
        filter.statuses = statuses;
        break;
      }
      case 'group': {
        const group = desk.directory.findGroup(value);
        if (!group) return refuse('no_such_group_named', { typed: value });
        filter.groupIds = [group.id];
        break;
      }
      case 'assignee': {
        const lower = value.toLowerCase();
        if (lower === 'me') filter.assignee = viewer;
        else if (lower === 'none' || lower === 'nobody') filter.assignee = null;
        else {
          const agent = agentNamed(desk, value);
          if (!agent.ok) return agent;
          filter.assignee = agent.agent.user;
        }
        break;
      }
      case 'tag': {
        const tags = parseTags(value);
        if (!tags.ok) return tags;
        filter.tags = [...(filter.tags ?? []), ...tags.tags];
        break;
      }
      case 'since': {
        const since = parseSince(value, desk.clock());
        if (!since) return refuse('not_a_date', { typed: value });
        filter.createdFrom = since;
        break;
      }
      case 'requester': {
        if (EMAIL.test(value)) filter.requesterEmail = value;
        else {
          const person = personNamed(desk, value);
          if (!person.ok) return person;
          filter.requesterUserId = person.userId;
        }
        break;
      }
      default: {
        const chosen = parseOrder(value);
        if (typeof chosen !== 'string') return chosen;
        order = chosen;
      }
    }
  }
  if (words.length > SEARCH_WORDS_MAX) return refuse('search_too_many_words', { max: SEARCH_WORDS_MAX });
  const number = words.length === 1 && tokens.length === 1 ? /^#?(\d{1,9})$/.exec(words[0]!)?.[1] : undefined;
  if (words.length > 0) filter.words = words;
  return { ok: true, query: { text, ...(number ? { number: Number(number) } : {}), filter, order } };
}

/** The page marker a Next button or an API client carries: where the last page ended. */
export function encodeCursor(cursor: SearchCursor): string {
  return `${cursor.createdAt.getTime()}.${cursor.number}`;
}

export function decodeCursor(text: string): SearchCursor | Refusal {
  const match = /^(\d{1,15})\.(\d{1,9})$/.exec(text);
  if (!match) return refuse('not_a_cursor');
  return { createdAt: new Date(Number(match[1])), number: Number(match[2]) };
}

export interface SearchResult {
  ok: true;
  query: SearchQuery;
  tickets: Ticket[];
  /** Where the next page starts, when there is one. */
  next: string | null;
  truncated: boolean;
}

/** A page of tickets matching what an agent typed, in the order asked for. */
export async function searchTickets(
  desk: Desk,
  viewer: string,
  typed: string,
  options: { after?: string; limit?: number } = {},
): Promise<SearchResult | Refusal> {
  if (!desk.directory.agent(viewer)) return refuse('agents_only', { action: 'search tickets' });
  const parsed = parseSearch(desk, viewer, typed);
  if (!parsed.ok) return parsed;
  const { query } = parsed;
  const limit = options.limit ?? SEARCH_PAGE;
  if (query.number !== undefined && !options.after) {
    const ticket = await desk.store.tickets.get(query.number);
    if (ticket) return { ok: true, query, tickets: [ticket], next: null, truncated: false };
  }
  let after: SearchCursor | null = null;
  if (options.after) {
    const cursor = decodeCursor(options.after);
    if ('ok' in cursor) return cursor;
    after = cursor;
  }
  const page: SearchPage = await desk.store.search.find(query.filter, query.order, after, limit);
  return {
    ok: true,
    query,
    tickets: page.tickets,
    next: page.next ? encodeCursor(page.next) : null,
    truncated: page.truncated,
  };
}

/** `/ticket problems`: open problem tickets, oldest first. */
export async function openProblems(
  desk: Desk,
  viewer: string,
  limit = 20,
): Promise<{ ok: true; problems: Ticket[] } | Refusal> {
  if (!desk.directory.agent(viewer)) return refuse('not_an_agent');
  return { ok: true, problems: await desk.store.search.openProblems(UNSOLVED_STATUSES, limit) };
}
