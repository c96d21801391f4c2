import type { Desk } from '../tickets/desk.js';
import { type Refusal, refuse } from '../tickets/refusals.js';
import { addRequesterReply, type RequesterReplyResult } from '../tickets/requester-reply.js';
import { type Ticket, UNSOLVED_STATUSES } from '../tickets/types.js';
import type { Group } from '../workspace/schema.js';
import { type RequesterChatMessage, type RequesterChatResult, requesterWrote, sourceKeyOf } from './chat.js';
import type { SlackRef } from './types.js';

/** How many of a requester's open tickets the "which one?" question lists. */
export const WHICH_TICKET_MAX = 5;
/** A question nobody answers is forgotten after this long (the message with it stays in their DM). */
export const PARKED_MEMORY_MS = 7 * 24 * 60 * 60_000;

/**
 * What a requester's new message to the bot is about, decided before anything is filed:
 * - a live or waiting chat of theirs: it continues;
 * - open tickets of theirs: which one (or something new) is asked first, so a reply to a ticket does not
 *   become a new chat and the ticket answered does not auto-close for want of a reply;
 * - none: a new chat, in the group the workspace file names — or, when it offers topics, after the
 *   requester picked one.
 * A question parks the message until it is answered.
 */
export type DmOutcome =
  | ({ kind: 'chat' } & RequesterChatResult)
  | { kind: 'ask-ticket'; tickets: Ticket[]; key: string }
  | { kind: 'ask-topic'; topics: { label: string; group: number }[]; key: string };

export function parkedKeyOf(source: SlackRef): string {
  return `${source.channel}:${source.ts}`;
}

export async function requesterMessaged(desk: Desk, message: RequesterChatMessage): Promise<DmOutcome | Refusal> {
  if (message.via === 'intake-channel')
    return chatOutcome(
      await requesterWrote(desk, message, desk.directory.groupOfIntakeChannel(message.source.channel)!),
    );
  if (await desk.store.chats.openOf(message.requester))
    return chatOutcome(await requesterWrote(desk, message, chatGroup(desk)));
  const open = (await desk.store.tickets.ofRequester({ kind: 'slack', userId: message.requester }, 20)).filter(
    (ticket) => UNSOLVED_STATUSES.includes(ticket.status) && ticket.mergedInto === null,
  );
  if (open.length > 0) return park(desk, message, { kind: 'ask-ticket', tickets: open.slice(0, WHICH_TICKET_MAX) });
  const topics = desk.directory.workspace.chat.topics;
  if (topics.length > 0) return park(desk, message, { kind: 'ask-topic', topics });
  return chatOutcome(await requesterWrote(desk, message, chatGroup(desk)));
}

/** The requester said which ticket their parked message is about: it is added there as their reply. */
export async function messageIsAbout(
  desk: Desk,
  request: { key: string; requester: string; ticketNumber: number },
): Promise<{ ok: true; reply: RequesterReplyResult } | Refusal | null> {
  const parked = await desk.store.chats.unpark(request.key);
  if (!parked || parked.requester !== request.requester) return null;
  const ticket = await desk.store.tickets.get(request.ticketNumber);
  if (ticket?.requester.kind !== 'slack' || ticket.requester.userId !== request.requester)
    return refuse('not_your_ticket', { number: request.ticketNumber });
  const reply = await addRequesterReply(desk, {
    number: request.ticketNumber,
    text: parked.text,
    author: { kind: 'requester', id: request.requester },
    sourceKey: sourceKeyOf(parked.source),
  });
  return reply.ok ? { ok: true, reply } : reply;
}

/** The requester said their parked message is something new (and, with topics, what it is about): a chat starts. */
export async function messageIsNew(
  desk: Desk,
  request: { key: string; requester: string; topic?: number },
): Promise<DmOutcome | Refusal | null> {
  const parked = await desk.store.chats.unpark(request.key);
  if (!parked || parked.requester !== request.requester) return null;
  const message: RequesterChatMessage = {
    requester: parked.requester,
    requesterDm: parked.requesterDm,
    source: parked.source,
    text: parked.text,
    via: parked.via,
  };
  const topics = desk.directory.workspace.chat.topics;
  if (request.topic === undefined && topics.length > 0) return park(desk, message, { kind: 'ask-topic', topics });
  const topic = request.topic === undefined ? undefined : topics[request.topic];
  const group = topic ? desk.directory.group(topic.group) : chatGroup(desk);
  return chatOutcome(await requesterWrote(desk, message, group ?? chatGroup(desk)));
}

/** The requester replied in their thread of a ticket (its receipt in their DM): a comment on that ticket. */
export async function requesterRepliedInThread(
  desk: Desk,
  ticketNumber: number,
  message: RequesterChatMessage,
  withFiles = false,
): Promise<RequesterReplyResult | Refusal> {
  return addRequesterReply(desk, {
    number: ticketNumber,
    text: message.text,
    author: { kind: 'requester', id: message.requester },
    sourceKey: sourceKeyOf(message.source),
    withFiles,
  });
}

/** The group of a chat started by DM: the workspace file's `chat.defaultGroup` (required there when it has several groups). */
export function chatGroup(desk: Desk): Group {
  const configured = desk.directory.workspace.chat.defaultGroup;
  return (configured === undefined ? undefined : desk.directory.group(configured)) ?? desk.directory.groups()[0]!;
}

function chatOutcome(result: RequesterChatResult | Refusal): DmOutcome | Refusal {
  return result.ok ? { kind: 'chat', ...result } : result;
}

async function park<T extends { kind: 'ask-ticket' | 'ask-topic' }>(
  desk: Desk,
  message: RequesterChatMessage,
  outcome: T,
): Promise<T & { key: string }> {
  const key = parkedKeyOf(message.source);
  await desk.store.chats.park({
    key,
    requester: message.requester,
    requesterDm: message.requesterDm,
    text: message.text,
    source: message.source,
    via: message.via,
    parkedAt: desk.clock(),
  });
  return { ...outcome, key };
}
