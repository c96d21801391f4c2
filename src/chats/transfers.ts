import { ticketEvent } from '../events/ticket-events.js';
import { type Desk, type Refusal, refuse } from '../tickets/desk.js';
import { OfferMachine } from '../tickets/offers.js';
import { agentOrRefusal } from '../tickets/permissions.js';
import { isRefusal } from '../tickets/refusals.js';
import type { Actor, Ticket } from '../tickets/types.js';
import { availabilityOf, onlineAgentsOf } from './availability.js';
import type { Chat, SlackRef, Transfer, TransferStep, TransferTarget } from './types.js';

/**
 * A chat is never handed to a person who has not confirmed they can take it, and never dropped because
 * nobody could: a transfer is a request that moves nothing until accepted, and every refusal, decline
 * or expiry leaves the chat with the agent who asked.
 */
export type TransferRefusal = Refusal & {
  expired?: Transfer;
  /** Set when a group transfer found nobody online there: the agent may queue it for the next one who comes online. */
  queueable?: number;
};

/** How long a queued group transfer waits for someone to come online and accept before it lapses (the chat stays put). */
export const QUEUED_TRANSFER_MS = 12 * 60 * 60_000;

export function transferExpiryMs(desk: Desk): number {
  return desk.settings.transferExpirySeconds * 1000;
}

/** A transfer's step in the ticket's history; `note` carries the request's id, for whoever tells people of it. */
async function recordEvent(
  desk: Desk,
  transfer: Transfer,
  action: 'transfer_requested' | 'transfer_declined' | 'transfer_expired' | 'transfer_cancelled',
  actor: Actor,
  extra: { asked?: string[] } = {},
): Promise<Ticket | null> {
  const now = desk.clock();
  const changed = await desk.store.tickets.change(
    transfer.ticketNumber,
    {},
    {},
    ticketEvent(action, actor, now, {
      from: { agent: transfer.from },
      to: { ...transfer.to, ...extra },
      note: transfer.id,
    }),
    now,
  );
  desk.events.ticketChanged(transfer.ticketNumber);
  return changed;
}

export interface TransferRequestResult {
  ok: true;
  transfer: Transfer;
  chat: Chat;
  /** Who is asked: the agent, the group's online leads, or the group's online agents. */
  asked: string[];
  /** An earlier request found expired on the way (lazily): its requester is told. */
  expired: Transfer | null;
}

export async function requestTransfer(
  desk: Desk,
  request: { ticketNumber: number; from: string; to: TransferTarget },
  options: { queue?: boolean } = {},
): Promise<TransferRequestResult | TransferRefusal> {
  const allowed = agentOrRefusal(desk, request.from);
  if (!allowed.ok) return allowed;
  const yours = transferableChat(await desk.store.chats.get(request.ticketNumber), request.ticketNumber, request.from);
  if (!yours.ok) return yours;
  const chat = yours.chat;
  if (options.queue && request.to.kind !== 'group') return refuse('queue_only_groups');
  const asked = await whoIsAsked(desk, chat, request.from, request.to);
  if (!asked.ok && !(options.queue && asked.queueable !== undefined)) return asked;
  const queued = options.queue === true;

  const now = desk.clock();
  const opened = await transfers.open(desk, {
    ticketNumber: chat.ticketNumber,
    from: request.from,
    to: request.to,
    state: 'requested',
    step: 'requested',
    requestedAt: now,
    expiresAt: new Date(now.getTime() + (queued ? QUEUED_TRANSFER_MS : transferExpiryMs(desk))),
    answeredAt: null,
    answeredBy: null,
    offers: [],
    queued,
  });
  const { expired } = opened;
  if (!opened.opened) {
    const first = opened.waiting;
    return refuse('transfer_waiting', {
      number: chat.ticketNumber,
      to: first.to,
      from: first.from,
      requestedAt: first.requestedAt,
      expiresAt: first.expiresAt,
    });
  }
  const transfer = opened.offer;
  // Who is asked is decided now (who was online): the offers go to them.
  await recordEvent(
    desk,
    transfer,
    'transfer_requested',
    { kind: 'agent', id: request.from },
    { asked: asked.ok ? asked.people : [] },
  );
  return { ok: true, transfer, chat, asked: asked.ok ? asked.people : [], expired };
}

/**
 * Only a live chat's own agent hands it on: the rule behind the Transfer button, the transfer modal
 * and `/ticket transfer`, so each of them refuses in the same words.
 */
export function transferableChat(
  chat: Chat | null,
  ticketNumber: number,
  agent: string,
): { ok: true; chat: Chat } | Refusal {
  if (!chat) return refuse('no_such_chat', { number: ticketNumber });
  if (chat.state === 'ended') return refuse('chat_ended', { number: chat.ticketNumber, so: 'nothing to transfer' });
  if (chat.state !== 'live' || chat.agent !== agent)
    return refuse('chat_not_yours', { number: chat.ticketNumber, agent: chat.agent });
  return { ok: true, chat };
}

async function whoIsAsked(
  desk: Desk,
  chat: Chat,
  from: string,
  to: TransferTarget,
): Promise<{ ok: true; people: string[] } | TransferRefusal> {
  if (to.kind === 'agent') {
    if (to.id === from) return refuse('chat_already_yours');
    if (!desk.directory.agent(to.id)) return refuse('target_not_an_agent', { person: to.id });
    if (!desk.directory.takesChats(to.id)) return refuse('target_takes_no_chats', { person: to.id });
    const availability = await availabilityOf(desk, to.id);
    if (availability === 'offline') return refuse('target_offline', { person: to.id });
    return { ok: true, people: [to.id] };
  }
  const groupId = Number(to.id);
  const group = desk.directory.group(groupId);
  if (!group) return refuse('no_such_group', { groupId: to.id });
  if (to.kind === 'lead') {
    if (groupId !== chat.groupId) return refuse('lead_of_own_group', { groupId: chat.groupId });
    const leads = (await onlineAgentsOf(desk, groupId, { leadsOnly: true })).filter((lead) => lead !== from);
    if (leads.length === 0) return refuse('no_lead_available', { groupId });
    return { ok: true, people: leads };
  }
  const online = (await onlineAgentsOf(desk, groupId)).filter((agent) => agent !== from);
  if (online.length === 0) return { ...refuse('nobody_available', { groupId }), queueable: groupId };
  return { ok: true, people: online };
}

/** The transfer's rules on the confirm-first offer machine the ticket hand-over shares. */
const transfers = new OfferMachine<Transfer, { unexpiredAt: Date }>({
  store: (desk) => ({
    get: (id) => desk.store.chats.transfer(id),
    waitingOf: (ticketNumber) => desk.store.chats.openTransferOf(ticketNumber),
    open: (transfer) => desk.store.chats.requestTransfer(transfer),
    answer: (id, answer) => desk.store.chats.answerTransfer(id, answer),
    expired: (now, limit) => desk.store.chats.expiredTransfers(now, limit),
  }),
  recordExpired: async (desk, transfer) => {
    await recordEvent(desk, transfer, 'transfer_expired', { kind: 'system', id: 'transfer-expiry' });
  },
  alreadyAnswered: (transfer) => alreadyAnswered(transfer),
});

/**
 * Requests waiting for this person's answer (for the App Home): addressed to them, to the leads of
 * their groups when they lead one, or to one of their groups. Expired ones are left out.
 */
export async function transfersWaitingFor(desk: Desk, userId: string, limit = 20): Promise<Transfer[]> {
  const agent = desk.directory.agent(userId);
  if (!agent || !desk.directory.takesChats(userId)) return [];
  const waiting = await desk.store.chats.waitingTransfers(userId, agent.groups, limit);
  const now = desk.clock().getTime();
  return waiting.filter(
    (transfer) =>
      transfer.expiresAt.getTime() > now &&
      (transfer.to.kind !== 'lead' || desk.directory.isLeadOf(userId, Number(transfer.to.id))),
  );
}

/**
 * Queued group transfers this agent may take, offered when they come online: the queue waits for the
 * next agent of the group who is actually there.
 */
export async function queuedTransfersFor(desk: Desk, userId: string): Promise<Transfer[]> {
  return (await transfersWaitingFor(desk, userId)).filter(
    (transfer) => transfer.queued === true && transfer.to.kind === 'group',
  );
}

/** The jobs issue schedules this; each expired request's requesting agent is told by the caller. */
export async function expireTransfers(desk: Desk, now: Date, limit = 100): Promise<Transfer[]> {
  return transfers.expireDue(desk, now, limit);
}

export function offersOf(transfer: Transfer): SlackRef[] {
  return transfer.offers;
}

/** Where an offer of this request was posted: answered, every offer is updated to say so. */
export async function offerPosted(desk: Desk, transferId: string, offer: SlackRef): Promise<void> {
  await desk.store.chats.addOffer(transferId, offer);
}

export async function transferById(desk: Desk, transferId: string): Promise<Transfer | null> {
  return desk.store.chats.transfer(transferId);
}

function mayAnswer(desk: Desk, transfer: Transfer, chat: Chat, by: string): boolean {
  if (transfer.to.kind === 'agent') return by === transfer.to.id;
  if (transfer.to.kind === 'lead') return desk.directory.isLeadOf(by, chat.groupId);
  return desk.directory.agentsOf(Number(transfer.to.id)).some((agent) => agent.user === by);
}

/** Why a request can no longer be answered, from what it is now. */
function alreadyAnswered(transfer: Transfer): Refusal {
  return refuse('transfer_answered', {
    number: transfer.ticketNumber,
    state: transfer.state,
    by: transfer.answeredBy,
    from: transfer.from,
    expiresAt: transfer.expiresAt,
  });
}

async function answerable(
  desk: Desk,
  transferId: string,
  by: string,
): Promise<{ ok: true; transfer: Transfer; chat: Chat } | TransferRefusal> {
  const allowed = agentOrRefusal(desk, by);
  if (!allowed.ok) return allowed;
  const transfer = await desk.store.chats.transfer(transferId);
  if (!transfer) return refuse('no_such_transfer');
  const chat = (await desk.store.chats.get(transfer.ticketNumber))!;
  if (!mayAnswer(desk, transfer, chat, by)) return refuse('not_yours_to_answer', { to: transfer.to });
  const expired = await transfers.expireIfDue(desk, transfer);
  if (expired) return { ...alreadyAnswered(expired), expired };
  return { ok: true, transfer, chat };
}

export interface TransferAcceptedResult {
  ok: true;
  transfer: Transfer;
  chat: Chat;
  ticket: Ticket;
  /** The thread the chat was in before the move (a group transfer moves it to the new group's queue). */
  previousThread: SlackRef;
}

export async function acceptTransfer(
  desk: Desk,
  request: { transferId: string; by: string },
): Promise<TransferAcceptedResult | TransferRefusal> {
  if (desk.directory.agent(request.by) && !desk.directory.takesChats(request.by)) return refuse('takes_no_chats');
  const found = await answerable(desk, request.transferId, request.by);
  if (!found.ok) return found;
  const transfer = found.transfer;
  // A retry by the winner of an accept that stopped half-way finishes it.
  if (transfer.state === 'accepted' && transfer.answeredBy === request.by && transfer.step !== 'done') {
    return finishTransfer(desk, transfer, found.chat.thread);
  }
  if (transfer.state !== 'requested') return alreadyAnswered(transfer);
  if (transfer.queued && (await availabilityOf(desk, request.by)) !== 'online')
    return refuse('transfer_needs_online', { number: transfer.ticketNumber });
  const now = desk.clock();
  const won = await transfers.answer(desk, transfer.id, {
    state: 'accepted',
    by: request.by,
    at: now,
    unexpiredAt: now,
  });
  if (isRefusal(won)) return won;
  return finishTransfer(desk, won, found.chat.thread);
}

/**
 * The move after an accept, one recorded step at a time (chat, then ticket). Each step is safe to
 * repeat, so a process that dies half-way leaves a transfer that a retry, or the jobs issue's sweep
 * (`finishUnfinishedTransfers`), completes without doing a step twice.
 */
export async function finishTransfer(
  desk: Desk,
  transfer: Transfer,
  previousThread: SlackRef,
): Promise<TransferAcceptedResult> {
  const to = transfer.answeredBy!;
  const groupId = transfer.to.kind === 'group' ? Number(transfer.to.id) : null;
  let step = transfer.step;
  const reached = async (done: TransferStep) => {
    await desk.checkpoint?.({ workflow: 'transfer', step: done, ticket: transfer.ticketNumber });
  };
  if (step === 'accepted') {
    await reached('accepted');
    // Absolute values: setting them again after a crash changes nothing.
    // The group's queue-channel post becomes the thread; a DM offer (to someone who came online) never does.
    const offer = transfer.offers.find((ref) => !ref.channel.startsWith('D'));
    await desk.store.chats.change(
      transfer.ticketNumber,
      {},
      {
        agent: to,
        lastActivityAt: desk.clock(),
        ...(groupId !== null ? { groupId, ...(offer ? { thread: offer } : {}) } : {}),
      },
    );
    await desk.store.chats.advanceTransfer(transfer.id, 'accepted', 'chat-moved');
    step = 'chat-moved';
    await reached(step);
  }
  if (step === 'chat-moved') {
    const now = desk.clock();
    // Conditional on the old assignee: after a crash past this write, the retry finds it moved and writes no second event.
    await desk.store.tickets.change(
      transfer.ticketNumber,
      { assignee: transfer.from },
      { assignee: to, ...(groupId !== null ? { groupId } : {}) },
      // The thread it was in: a move to another group's queue updates the old message to say where it went.
      ticketEvent('transfer_accepted', { kind: 'agent', id: to }, now, {
        from: { assignee: transfer.from, thread: previousThread },
        to: { assignee: to, ...transfer.to },
        note: transfer.id,
      }),
      now,
    );
    await desk.store.chats.advanceTransfer(transfer.id, 'chat-moved', 'ticket-moved');
    step = 'ticket-moved';
    await reached(step);
  }
  if (step === 'ticket-moved') {
    await desk.store.chats.advanceTransfer(transfer.id, 'ticket-moved', 'done');
    await reached('done');
  }
  desk.events.ticketChanged(transfer.ticketNumber);
  const [finished, chat, ticket] = await Promise.all([
    desk.store.chats.transfer(transfer.id),
    desk.store.chats.get(transfer.ticketNumber),
    desk.store.tickets.get(transfer.ticketNumber),
  ]);
  return { ok: true, transfer: finished!, chat: chat!, ticket: ticket!, previousThread };
}

/** An accepted transfer younger than this is left to the process moving it; after, the job finishes it. */
export const TRANSFER_GRACE_MS = 30_000;

/** For the `finish-transfers` job: accepted transfers a dead process left half-way are finished. */
export async function finishUnfinishedTransfers(desk: Desk, limit = 100): Promise<TransferAcceptedResult[]> {
  const unfinished = await desk.store.chats.unfinishedTransfers(
    limit,
    new Date(desk.clock().getTime() - TRANSFER_GRACE_MS),
  );
  const results: TransferAcceptedResult[] = [];
  for (const transfer of unfinished) {
    const chat = await desk.store.chats.get(transfer.ticketNumber);
    results.push(await finishTransfer(desk, transfer, chat!.thread));
  }
  return results;
}

export async function declineTransfer(
  desk: Desk,
  request: { transferId: string; by: string },
): Promise<{ ok: true; transfer: Transfer } | TransferRefusal> {
  const found = await answerable(desk, request.transferId, request.by);
  if (!found.ok) return found;
  if (found.transfer.to.kind === 'group') {
    return refuse('group_transfer_not_declined', { to: found.transfer.to });
  }
  if (found.transfer.state !== 'requested') return alreadyAnswered(found.transfer);
  const declined = await transfers.answer(desk, found.transfer.id, {
    state: 'declined',
    by: request.by,
    at: desk.clock(),
  });
  if (isRefusal(declined)) return declined;
  await recordEvent(desk, declined, 'transfer_declined', { kind: 'agent', id: request.by });
  return { ok: true, transfer: declined };
}

/** The requesting agent (or a lead of the chat's group) takes the request back. */
export async function cancelTransfer(
  desk: Desk,
  request: { ticketNumber: number; by: string },
): Promise<{ ok: true; transfer: Transfer } | TransferRefusal> {
  const allowed = agentOrRefusal(desk, request.by);
  if (!allowed.ok) return allowed;
  const open = await desk.store.chats.openTransferOf(request.ticketNumber);
  if (!open) return refuse('no_transfer_waiting', { number: request.ticketNumber });
  const chat = (await desk.store.chats.get(request.ticketNumber))!;
  if (open.from !== request.by && !desk.directory.isLeadOf(request.by, chat.groupId)) {
    return refuse('cancel_not_allowed', { from: open.from, groupId: chat.groupId });
  }
  const expired = await transfers.expireIfDue(desk, open);
  if (expired) return { ...alreadyAnswered(expired), expired };
  const cancelled = await transfers.answer(desk, open.id, { state: 'cancelled', by: request.by, at: desk.clock() });
  if (isRefusal(cancelled)) return cancelled;
  await recordEvent(desk, cancelled, 'transfer_cancelled', { kind: 'agent', id: request.by });
  return { ok: true, transfer: cancelled };
}
