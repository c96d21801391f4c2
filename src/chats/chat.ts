import { MINUTE_MS } from '../clock.js';
import { ticketEvent } from '../events/ticket-events.js';
import { type Desk, type Refusal, refuse } from '../tickets/desk.js';
import { openTicket, SUBJECT_MAX } from '../tickets/intake.js';
import { agentOrRefusal, mayWork, outsideGroup } from '../tickets/permissions.js';
import { addRequesterReply } from '../tickets/requester-reply.js';
import type { Actor, Ticket } from '../tickets/types.js';
import type { Group } from '../workspace/schema.js';
import { transferableChat } from './transfers.js';
import type { Chat, SlackRef, Transfer } from './types.js';

/** A chat is active while a message went either way within this long; inactive (still connected) after. */
export const ACTIVE_WINDOW_MS = 3 * MINUTE_MS;

export type ChatActivity = 'waiting' | 'active' | 'inactive' | 'ended';

/** What the chat shows now; the jobs issue calls the Slack-side refresh that re-renders with it. */
export function chatActivity(chat: Pick<Chat, 'state' | 'lastActivityAt'>, now: Date): ChatActivity {
  if (chat.state === 'ended') return 'ended';
  if (chat.state === 'waiting') return 'waiting';
  return now.getTime() - chat.lastActivityAt.getTime() < ACTIVE_WINDOW_MS ? 'active' : 'inactive';
}

/**
 * A top-level message in an intake channel is a request when its author is not an agent: agents
 * talking there are helping, not asking. The group it goes to, or null when it is not a request.
 */
export function intakeRequestGroup(desk: Desk, channel: string, author: string): Group | null {
  const group = desk.directory.groupOfIntakeChannel(channel);
  if (!group || desk.directory.agent(author)) return null;
  return group;
}

export interface RequesterChatMessage {
  requester: string;
  /** The requester's DM with the bot, where the agent's side is relayed. */
  requesterDm: string;
  /** Where the requester wrote: their DM or an intake channel. */
  source: SlackRef;
  text: string;
  via: 'dm' | 'intake-channel';
}

export type RequesterChatResult =
  | { ok: true; started: true; chat: Chat; ticket: Ticket }
  | { ok: true; started: false; chat: Chat; ticket: Ticket; duplicate: boolean };

export function sourceKeyOf(ref: SlackRef): string {
  return `slack:${ref.channel}:${ref.ts}`;
}

/**
 * The requester wrote to the desk: added to their open chat, or the start of a new chat ticket. The
 * caller posts the Incoming chat and then calls `placeChat` with where it went.
 */
export async function requesterWrote(
  desk: Desk,
  message: RequesterChatMessage,
  group: Group,
): Promise<RequesterChatResult | Refusal> {
  const open = await desk.store.chats.openOf(message.requester);
  if (open) return addToChat(desk, open, message);
  const author: Actor = { kind: 'requester', id: message.requester };
  const text = message.text.trim() || '(a file)';
  const firstLine =
    text
      .split('\n')
      .find((line) => line.trim())
      ?.trim() ?? text;
  const opened = await openTicket(
    desk,
    {
      subject: firstLine.slice(0, SUBJECT_MAX),
      description: text,
      requester: { kind: 'slack', userId: message.requester },
      groupId: group.id,
    },
    {
      actor: author,
      channel: 'chat',
      source: { kind: message.via, channelId: message.source.channel, messageTs: message.source.ts },
    },
  );
  if (!opened.ok) return opened;
  const now = desk.clock();
  const chat = await desk.store.chats.open({
    ticketNumber: opened.ticket.number,
    requester: message.requester,
    requesterDm: message.requesterDm,
    agent: null,
    groupId: group.id,
    // Placed for real once the Incoming chat is posted; until then the ticket's own source stands in.
    thread: { channel: '', ts: '' },
    state: 'waiting',
    startedAt: now,
    lastActivityAt: now,
    lastRequesterAt: now,
    endedAt: null,
    shownActive: false,
  });
  if (!chat) {
    // Two first messages raced: the other opened the chat, so this ticket folds into it.
    const winner = (await desk.store.chats.openOf(message.requester))!;
    await desk.store.tickets.change(
      opened.ticket.number,
      {},
      { status: 'closed', closedAt: now, mergedInto: winner.ticketNumber },
      ticketEvent('merged_into', author, now, { to: { number: winner.ticketNumber }, note: 'chat already open' }),
      now,
    );
    desk.events.ticketChanged(opened.ticket.number);
    return addToChat(desk, winner, message);
  }
  const ticket = await desk.store.tickets.change(
    opened.ticket.number,
    {},
    {},
    ticketEvent('chat_started', author, now, { to: { groupId: group.id, via: message.via } }),
    now,
  );
  desk.events.ticketChanged(opened.ticket.number);
  return { ok: true, started: true, chat, ticket: ticket ?? opened.ticket };
}

async function addToChat(
  desk: Desk,
  chat: Chat,
  message: RequesterChatMessage,
): Promise<RequesterChatResult | Refusal> {
  const reply = await addRequesterReply(desk, {
    number: chat.ticketNumber,
    text: message.text.trim() || '(a file)',
    author: { kind: 'requester', id: message.requester },
    sourceKey: sourceKeyOf(message.source),
  });
  if (!reply.ok) return reply;
  if (!reply.duplicate) await desk.store.chats.touch(chat.ticketNumber, desk.clock(), 'requester');
  const current = (await desk.store.chats.get(chat.ticketNumber)) ?? chat;
  return { ok: true, started: false, chat: current, ticket: reply.ticket, duplicate: reply.duplicate };
}

/**
 * Live chats shown as active whose conversation went quiet: each is signalled once (the notifier marks
 * it shown inactive when it has re-rendered it), bounded per run.
 */
export async function chatsGoneQuiet(desk: Desk, limit = 100): Promise<number> {
  const quietSince = new Date(desk.clock().getTime() - ACTIVE_WINDOW_MS);
  const chats = await desk.store.chats.shownActiveButQuietSince(quietSince, limit);
  for (const chat of chats) desk.events.signal({ type: 'chat_went_quiet', chat });
  return chats.length;
}

/** The chat's message now shows it active (or not): the quiet-chats run does not signal it again. */
export async function chatShown(desk: Desk, chat: Chat, active: boolean): Promise<void> {
  if (chat.shownActive !== active) await desk.store.chats.markShown(chat.ticketNumber, active);
}

/** Where the Incoming chat was posted: its thread is the chat's agent side from now on. */
export async function placeChat(desk: Desk, ticketNumber: number, thread: SlackRef): Promise<Chat | null> {
  return desk.store.chats.change(ticketNumber, {}, { thread });
}

export interface AcceptChatResult {
  ok: true;
  chat: Chat;
  ticket: Ticket;
  alreadyYours: boolean;
}

/** First agent to accept gets the chat: one conditional update on "still waiting, nobody has it". */
export async function acceptChat(
  desk: Desk,
  request: { ticketNumber: number; agent: string },
): Promise<AcceptChatResult | Refusal> {
  const allowed = agentOrRefusal(desk, request.agent);
  if (!allowed.ok) return allowed;
  if (!desk.directory.takesChats(request.agent)) return refuse('takes_no_chats');
  const chat = await desk.store.chats.get(request.ticketNumber);
  if (!chat) return refuse('no_such_chat', { number: request.ticketNumber });
  const ticket = (await desk.store.tickets.get(request.ticketNumber))!;
  if (
    !mayWork(desk, allowed.agent, ticket) ||
    (!allowed.agent.groups.includes(chat.groupId) && allowed.agent.role !== 'admin')
  ) {
    return outsideGroup({ number: ticket.number, groupId: chat.groupId });
  }
  const now = desk.clock();
  const won = await desk.store.chats.change(
    request.ticketNumber,
    { state: ['waiting'], agent: null },
    { agent: request.agent, state: 'live', lastActivityAt: now },
  );
  if (!won) {
    const current = (await desk.store.chats.get(request.ticketNumber))!;
    if (current.agent === request.agent && current.state === 'live')
      return { ok: true, chat: current, ticket, alreadyYours: true };
    if (current.state === 'ended') return refuse('chat_ended', { number: request.ticketNumber });
    return refuse('chat_accepted_by', { number: request.ticketNumber, agent: current.agent });
  }
  // The chat's conditional update picked the winner; the ticket follows it whoever held it before.
  const changed = await desk.store.tickets.change(
    request.ticketNumber,
    {},
    { assignee: request.agent, status: ticket.status === 'new' ? 'open' : ticket.status },
    ticketEvent('chat_accepted', { kind: 'agent', id: request.agent }, now, {
      from: { assignee: ticket.assignee, status: ticket.status },
      to: { assignee: request.agent },
    }),
    now,
  );
  desk.events.ticketChanged(request.ticketNumber);
  return { ok: true, chat: won, ticket: changed ?? ticket, alreadyYours: false };
}

/**
 * The chat's agent hands it back to its group's queue: waiting again, nobody's, for the first agent of
 * the group who accepts it (Accept is the confirmation, as with any waiting chat). Conditional on the
 * chat still being live and theirs, so it races neither an end nor an accept of a transfer.
 */
export async function requeueChat(
  desk: Desk,
  request: { ticketNumber: number; by: string },
): Promise<{ ok: true; chat: Chat } | Refusal> {
  const allowed = agentOrRefusal(desk, request.by);
  if (!allowed.ok) return allowed;
  const yours = transferableChat(await desk.store.chats.get(request.ticketNumber), request.ticketNumber, request.by);
  if (!yours.ok) return yours;
  const open = await desk.store.chats.openTransferOf(request.ticketNumber);
  if (open && open.expiresAt.getTime() > desk.clock().getTime()) {
    return refuse('transfer_waiting', {
      number: request.ticketNumber,
      to: open.to,
      from: open.from,
      requestedAt: open.requestedAt,
      expiresAt: open.expiresAt,
    });
  }
  const now = desk.clock();
  const queued = await desk.store.chats.change(
    request.ticketNumber,
    { state: ['live'], agent: request.by },
    { state: 'waiting', agent: null, lastActivityAt: now },
  );
  if (!queued) return refuse('chat_changed', { number: request.ticketNumber });
  await desk.store.tickets.change(
    request.ticketNumber,
    {},
    { assignee: null },
    ticketEvent('chat_requeued', { kind: 'agent', id: request.by }, now, {
      from: { assignee: request.by },
      to: { groupId: queued.groupId },
    }),
    now,
  );
  desk.events.ticketChanged(request.ticketNumber);
  return { ok: true, chat: queued };
}

/** The agent ends the conversation; the ticket stays, to be solved like any other. */
export async function endChat(
  desk: Desk,
  request: { ticketNumber: number; by: string },
): Promise<{ ok: true; chat: Chat; cancelledTransfer: Transfer | null } | Refusal> {
  const allowed = agentOrRefusal(desk, request.by);
  if (!allowed.ok) return allowed;
  const chat = await desk.store.chats.get(request.ticketNumber);
  if (!chat) return refuse('no_such_chat', { number: request.ticketNumber });
  if (chat.state === 'ended') return refuse('chat_ended', { number: request.ticketNumber, so: 'already' });
  if (chat.agent !== request.by && !desk.directory.isLeadOf(request.by, chat.groupId)) {
    return refuse('chat_end_not_allowed', { number: chat.ticketNumber, agent: chat.agent, groupId: chat.groupId });
  }
  const closed = await closeChat(desk, chat, request.by, null);
  return closed ?? refuse('chat_changed', { number: request.ticketNumber });
}

/**
 * A chat whose ticket was solved ends with it (whoever solved it may: the solve was theirs to make),
 * and its requester is told once that it is solved and over. Nothing when it had ended already.
 */
export async function endChatOfSolvedTicket(
  desk: Desk,
  ticketNumber: number,
  solvedBy: string,
  options: { surveyFollows?: boolean } = {},
): Promise<void> {
  const chat = await desk.store.chats.get(ticketNumber);
  if (chat && chat.state !== 'ended') await closeChat(desk, chat, solvedBy, 'solved', options.surveyFollows === true);
}

/**
 * `surveyFollows`: the solve left its survey to this end (the requester hears the chat is over first),
 * so the chat_ended event says the survey is still to ask.
 */
async function closeChat(
  desk: Desk,
  chat: Chat,
  by: string,
  because: 'solved' | null,
  surveyFollows = false,
): Promise<{ ok: true; chat: Chat; cancelledTransfer: Transfer | null } | null> {
  const now = desk.clock();
  const ended = await desk.store.chats.change(
    chat.ticketNumber,
    { state: ['waiting', 'live'], agent: chat.agent },
    { state: 'ended', endedAt: now },
  );
  if (!ended) return null;
  const to = because ? { because, ...(surveyFollows ? { surveyFollows } : {}) } : null;
  await desk.store.tickets.change(
    chat.ticketNumber,
    {},
    {},
    ticketEvent('chat_ended', { kind: 'agent', id: by }, now, to ? { to } : {}),
    now,
  );
  // An ended chat is not handed to anyone: a request still waiting is cancelled with it.
  const open = await desk.store.chats.openTransferOf(chat.ticketNumber);
  const cancelled = open ? await desk.store.chats.answerTransfer(open.id, { state: 'cancelled', by, at: now }) : null;
  if (cancelled) {
    await desk.store.tickets.change(
      chat.ticketNumber,
      {},
      {},
      ticketEvent('transfer_cancelled', { kind: 'agent', id: by }, now, {
        from: { agent: cancelled.from },
        to: { ...cancelled.to, because: 'chat-ended' },
        note: cancelled.id,
      }),
      now,
    );
  }
  desk.events.ticketChanged(chat.ticketNumber);
  return { ok: true, chat: ended, cancelledTransfer: cancelled };
}
