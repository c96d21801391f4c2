import { mergeClaimSource } from '../store/tickets.js';
import { type Desk, type Refusal, refuse } from './desk.js';
import type { Actor, CommentKind, Ticket, TicketComment } from './types.js';
import { filesForViewer } from './views.js';

/** Entries (the request, then comments) on one page of the Conversation view. */
export const CONVERSATION_PAGE = 10;

/**
 * Where an entry of the conversation came in. A new door (email, files) adds its word here and its
 * label in blocks/conversation.ts; a comment that says its door itself (`via`) is taken at its word.
 */
export type CommentOrigin =
  | 'slack-form'
  | 'slack-message'
  | 'intake-channel'
  | 'slack-dm'
  | 'chat'
  | 'email'
  | 'rest'
  | 'reply-form'
  | 'merge'
  | 'escalation'
  | 'desk';

/** A file attached to an entry, as the Conversation lists it (filled by whoever keeps a comment's files). */
export interface ConversationFile {
  name: string;
  link?: string;
  size?: number;
  contentType?: string;
}

/** One thing said on the ticket, as the Conversation view shows it. */
export interface ConversationEntry {
  id: string;
  /** `request`: what the requester first wrote (the ticket's description). */
  kind: CommentKind | 'request';
  author: Actor;
  origin: CommentOrigin;
  /** Copied in by a merge: the ticket it was said on. */
  mergedFrom: number | null;
  at: Date;
  text: string;
  files: readonly ConversationFile[];
}

export interface ConversationPage {
  ok: true;
  ticket: Ticket;
  entries: ConversationEntry[];
  page: number;
  pages: number;
  /** Entries in all (the request included). */
  total: number;
  /** The viewer sees internal notes. */
  internal: boolean;
  /** Tickets merged into this one: their comments are among these, marked. */
  mergedIn: number[];
}

const KNOWN_VIA: ReadonlySet<string> = new Set<CommentOrigin>(['slack-dm', 'chat', 'email', 'rest', 'reply-form']);

/** Where a comment came in: its own word for it when it has one, else what its id and author say. */
export function commentOrigin(
  comment: Pick<TicketComment, 'id' | 'kind' | 'author'> & { via?: string },
  ticket: Pick<Ticket, 'channel'>,
): { origin: CommentOrigin; mergedFrom: number | null } {
  const merged = /^merged:(\d+):(.*)$/s.exec(comment.id);
  if (merged) return { origin: 'merge', mergedFrom: Number(merged[1]) };
  if (comment.via && KNOWN_VIA.has(comment.via)) return { origin: comment.via as CommentOrigin, mergedFrom: null };
  return { origin: originOfId(comment, ticket), mergedFrom: null };
}

function originOfId(
  comment: Pick<TicketComment, 'id' | 'kind' | 'author'>,
  ticket: Pick<Ticket, 'channel'>,
): CommentOrigin {
  const id = comment.id;
  if (comment.kind === 'chat-note' || id.startsWith('agent:') || id.startsWith('note:')) return 'chat';
  if (id.startsWith('escalated:')) return 'escalation';
  if (id.startsWith('reply:api:') || comment.author.kind === 'api') return 'rest';
  if (id.startsWith('reply:slack:')) return ticket.channel === 'chat' ? 'chat' : 'slack-dm';
  if (comment.author.kind === 'system') return 'desk';
  if (comment.author.kind === 'agent') return 'reply-form';
  // A requester known by an address, not a Slack id, wrote by email.
  if (comment.author.kind === 'requester' && !/^[UW][A-Z0-9]+$/.test(comment.author.id)) return 'email';
  return ticket.channel === 'chat' ? 'chat' : 'slack-dm';
}

/** Where the request itself came in. */
export function requestOrigin(ticket: Pick<Ticket, 'channel' | 'source'>): CommentOrigin {
  if (ticket.channel === 'chat') return 'chat';
  if (ticket.channel === 'email') return 'email';
  switch (ticket.source.kind) {
    case 'modal':
      return 'slack-form';
    case 'message-shortcut':
      return 'slack-message';
    case 'intake-channel':
      return 'intake-channel';
    case 'dm':
      return 'slack-dm';
    default:
      return 'rest';
  }
}

export function conversationEntry(comment: TicketComment, ticket: Pick<Ticket, 'channel'>): ConversationEntry {
  const { origin, mergedFrom } = commentOrigin(comment, ticket);
  return {
    id: comment.id,
    kind: comment.kind,
    author: comment.author,
    origin,
    mergedFrom,
    at: comment.createdAt,
    text: comment.text,
    files: [],
  };
}

function requestEntry(ticket: Ticket): ConversationEntry {
  const author: Actor =
    ticket.requester.kind === 'slack'
      ? { kind: 'requester', id: ticket.requester.userId }
      : { kind: 'requester', id: ticket.requester.email, name: ticket.requester.name };
  return {
    id: `request:${ticket.number}`,
    kind: 'request',
    author,
    origin: requestOrigin(ticket),
    mergedFrom: null,
    at: ticket.createdAt,
    text: ticket.description,
    files: [],
  };
}

/**
 * The whole ticket, a page at a time, oldest first: the request, then every comment, each with who
 * wrote it, where it came in and when. Agents see internal notes (marked as such); the requester
 * sees what was said to them. Each page is one bounded read, whatever the ticket's length.
 */
export async function ticketConversation(
  desk: Desk,
  number: number,
  viewerId: string,
  page: number,
): Promise<ConversationPage | Refusal> {
  const ticket = await desk.store.tickets.get(number);
  if (!ticket) return refuse('no_such_ticket', { number });
  const isAgent = desk.directory.agent(viewerId) !== undefined;
  const isRequester = ticket.requester.kind === 'slack' && ticket.requester.userId === viewerId;
  if (!isAgent && !isRequester) return refuse('not_your_ticket', { number });
  const wanted = Number.isInteger(page) && page >= 0 ? page : 0;
  const kinds = isAgent ? undefined : (['public'] as const);
  // Entry 0 is the request; comment i is entry i + 1.
  const first = wanted * CONVERSATION_PAGE;
  const read = await desk.store.tickets.commentsPage(number, {
    skip: Math.max(0, first - 1),
    limit: first === 0 ? CONVERSATION_PAGE - 1 : CONVERSATION_PAGE,
    ...(kinds ? { kinds } : {}),
  });
  const total = read.total + 1;
  const pages = Math.max(1, Math.ceil(total / CONVERSATION_PAGE));
  // A page past the end (the ticket lost comments to nothing, or a hand-made value): the last page instead.
  if (wanted >= pages) return ticketConversation(desk, number, viewerId, pages - 1);
  const entries = [
    ...(first === 0 ? [requestEntry(ticket)] : []),
    ...read.comments.map((comment) => conversationEntry(comment, ticket)),
  ];
  // Each entry's files, linked for this viewer (a Slack permalink, or a download link minted for them).
  const files = await filesForViewer(desk, ticket, viewerId);
  const withFiles = entries.map((entry) => {
    const commentId = entry.kind === 'request' ? `opening:${ticket.number}` : entry.id;
    const own = files.filter((file) => file.commentId === commentId);
    return own.length === 0
      ? entry
      : {
          ...entry,
          files: own.map((file) => ({
            name: file.name,
            size: file.size,
            contentType: file.contentType,
            ...(file.link ? { link: file.link } : {}),
          })),
        };
  });
  const mergedIn = Object.keys((ticket as Ticket & { mergedFrom?: Record<string, unknown> }).mergedFrom ?? {})
    .map(mergeClaimSource)
    .filter((source): source is number => source !== null);
  return { ok: true, ticket, entries: withFiles, page: wanted, pages, total, internal: isAgent, mergedIn };
}
