import { MINUTE_MS } from '../clock.js';
import { type HandoffCancelledBecause, ticketEvent } from '../events/ticket-events.js';
import type { Agent } from '../workspace/schema.js';
import type { BulkMove, BulkMoveItem, Handoff } from './assignment-types.js';
import { type Desk, type Refusal, refuse } from './desk.js';
import { agentOrRefusal, noSuchTicket } from './permissions.js';
import { type Actor, type Ticket, UNSOLVED_STATUSES } from './types.js';

/**
 * Who has a ticket. A team lead (of the ticket's group) or an admin assigns, reassigns and releases;
 * the agent who has it releases it or hands it to a colleague, who must accept first (the same rule as
 * chat transfers: nothing moves until the other person says yes). Every move is one conditional write
 * on the assignee the mover saw, so a move racing a Take it gives one owner and a clear answer.
 */

export type { BulkMove, Handoff } from './assignment-types.js';

/** Admins everywhere; leads in the groups they lead. */
export function mayAssign(desk: Desk, userId: string, groupId: number): boolean {
  const agent = desk.directory.agent(userId);
  return agent?.role === 'admin' || desk.directory.isLeadOf(userId, groupId);
}

function asAgent(id: string): Actor {
  return { kind: 'agent', id };
}

/** Why a ticket cannot change hands at all: merged away, merging, closed or solved. */
function whyNotMovable(ticket: Ticket): Refusal | null {
  if (ticket.mergedInto !== null) return refuse('merged_into', { number: ticket.number, into: ticket.mergedInto });
  if (ticket.merge && ticket.merge.state !== 'done')
    return refuse('source_merging', { number: ticket.number, into: ticket.merge.into });
  if (ticket.status === 'closed') return refuse('closed_is_final', { number: ticket.number });
  if (ticket.status === 'solved') return refuse('not_assignable', { number: ticket.number, status: ticket.status });
  return null;
}

/**
 * A live chat changes hands only by a transfer, which moves the conversation too: assigning its
 * ticket would leave the requester talking to the old agent.
 */
async function liveChat(desk: Desk, ticket: Ticket): Promise<Refusal | null> {
  if (ticket.channel !== 'chat') return null;
  const chat = await desk.store.chats.get(ticket.number);
  return chat && chat.state !== 'ended' ? refuse('live_chat_moves_by_transfer', { number: ticket.number }) : null;
}

/** The colleague a ticket may go to: an agent of the ticket's group. */
export function assigneeFor(
  desk: Desk,
  ticket: Pick<Ticket, 'number' | 'groupId'>,
  userId: string,
): { ok: true; agent: Agent } | Refusal {
  const agent = desk.directory.agent(userId);
  if (!agent) return refuse('assignee_not_an_agent', { person: userId });
  if (!agent.groups.includes(ticket.groupId))
    return refuse('not_in_group', { number: ticket.number, person: userId, groupId: ticket.groupId });
  return { ok: true, agent };
}

/** A move lost its race: say what the ticket is now. */
async function whyNotMoved(desk: Desk, number: number): Promise<Refusal> {
  const current = await desk.store.tickets.get(number);
  if (!current) return noSuchTicket(number);
  return whyNotMovable(current) ?? refuse('assignment_changed', { number, agent: current.assignee });
}

export interface AssignResult {
  ok: true;
  kind: 'assigned' | 'released';
  ticket: Ticket;
  previous: string | null;
}

export interface HandoffRequestResult {
  ok: true;
  kind: 'handoff';
  handoff: Handoff;
  ticket: Ticket;
}

/**
 * "Give #N to Ben", whoever asks: a lead (or admin) assigns at once; the agent who has the ticket asks
 * Ben, and it moves when Ben accepts. `seenAssignee` is who had it when the asker looked (a form they
 * filled in): if that changed meanwhile, nothing moves.
 */
export async function assignOrHandOff(
  desk: Desk,
  request: { number: number; by: string; to: string; seenAssignee?: string | null },
): Promise<AssignResult | HandoffRequestResult | Refusal> {
  const allowed = agentOrRefusal(desk, request.by);
  if (!allowed.ok) return allowed;
  const ticket = await desk.store.tickets.get(request.number);
  if (!ticket) return noSuchTicket(request.number);
  if (mayAssign(desk, request.by, ticket.groupId)) return assignTicket(desk, request);
  if (ticket.assignee === request.by)
    return requestHandoff(desk, { number: request.number, from: request.by, to: request.to });
  if (ticket.assignee === null) return refuse('assign_not_allowed', { number: ticket.number, groupId: ticket.groupId });
  return refuse('handoff_not_yours', { number: ticket.number, agent: ticket.assignee });
}

/** A lead assigns or reassigns: the ticket is the new agent's at once, and they are told. */
export async function assignTicket(
  desk: Desk,
  request: { number: number; by: string; to: string; seenAssignee?: string | null },
): Promise<AssignResult | Refusal> {
  const allowed = agentOrRefusal(desk, request.by);
  if (!allowed.ok) return allowed;
  const ticket = await desk.store.tickets.get(request.number);
  if (!ticket) return noSuchTicket(request.number);
  if (!mayAssign(desk, request.by, ticket.groupId))
    return refuse('assign_not_allowed', { number: ticket.number, groupId: ticket.groupId });
  const unmovable = whyNotMovable(ticket) ?? (await liveChat(desk, ticket));
  if (unmovable) return unmovable;
  const target = assigneeFor(desk, ticket, request.to);
  if (!target.ok) return target;
  const seen = request.seenAssignee === undefined ? ticket.assignee : request.seenAssignee;
  if (seen !== ticket.assignee) return refuse('assignment_changed', { number: ticket.number, agent: ticket.assignee });
  if (ticket.assignee === request.to)
    return refuse('already_assigned_to', { number: ticket.number, agent: request.to });

  const now = desk.clock();
  // A new ticket someone is given is being worked: open, as Take it makes it.
  const status = ticket.status === 'new' ? 'open' : ticket.status;
  const changed = await desk.store.tickets.change(
    ticket.number,
    { assignee: seen, status: UNSOLVED_STATUSES, notMerged: true },
    { assignee: request.to, status },
    ticketEvent('assigned', asAgent(request.by), now, {
      from: { assignee: seen, status: ticket.status },
      to: { assignee: request.to, status },
    }),
    now,
  );
  if (!changed) return whyNotMoved(desk, ticket.number);
  await cancelWaitingHandoff(desk, ticket.number, request.by);
  desk.events.ticketChanged(ticket.number);
  return { ok: true, kind: 'assigned', ticket: changed, previous: seen };
}

/**
 * Back to the queue: by the agent who has it, or a lead of its group. A pending ticket stays pending
 * (its auto-close clock runs on); when the requester writes, it opens in the queue.
 */
export async function releaseTicket(
  desk: Desk,
  request: { number: number; by: string; seenAssignee?: string | null },
): Promise<AssignResult | Refusal> {
  const allowed = agentOrRefusal(desk, request.by);
  if (!allowed.ok) return allowed;
  const ticket = await desk.store.tickets.get(request.number);
  if (!ticket) return noSuchTicket(request.number);
  const unmovable = whyNotMovable(ticket) ?? (await liveChat(desk, ticket));
  if (unmovable) return unmovable;
  if (ticket.assignee === null) return refuse('not_assigned', { number: ticket.number });
  if (ticket.assignee !== request.by && !mayAssign(desk, request.by, ticket.groupId)) {
    return refuse('release_not_allowed', { number: ticket.number, groupId: ticket.groupId, agent: ticket.assignee });
  }
  const seen = request.seenAssignee === undefined ? ticket.assignee : request.seenAssignee;
  if (seen !== ticket.assignee) return refuse('assignment_changed', { number: ticket.number, agent: ticket.assignee });
  const now = desk.clock();
  const changed = await desk.store.tickets.change(
    ticket.number,
    { assignee: seen, status: UNSOLVED_STATUSES, notMerged: true },
    { assignee: null },
    ticketEvent('released', asAgent(request.by), now, { from: { assignee: seen }, to: { assignee: null } }),
    now,
  );
  if (!changed) return whyNotMoved(desk, ticket.number);
  await cancelWaitingHandoff(desk, ticket.number, request.by);
  desk.events.ticketChanged(ticket.number);
  return { ok: true, kind: 'released', ticket: changed, previous: seen };
}

// ─── Hand-overs between agents ────────────────────────────────────────────────────────────────

export function handoffExpiryMs(desk: Desk): number {
  return desk.directory.workspace.settings.handoffExpiryMinutes * MINUTE_MS;
}

/** Events of a hand-over change nothing an agent works from: recorded without bumping the version. */
async function recordHandoffEvent(
  desk: Desk,
  handoff: Handoff,
  action: 'handoff_requested' | 'handoff_declined' | 'handoff_expired' | 'handoff_cancelled',
  actor: Actor,
  extra: { because?: HandoffCancelledBecause; expiresAt?: Date } = {},
): Promise<void> {
  const now = desk.clock();
  await desk.store.tickets.record(handoff.ticketNumber, {}, {}, [
    ticketEvent(action, actor, now, {
      from: { assignee: handoff.from },
      to: { assignee: handoff.to, ...extra },
      note: handoff.id,
    }),
  ]);
  desk.events.ticketChanged(handoff.ticketNumber);
}

/** The agent who has a ticket asks a colleague of its group to take it; it stays theirs until the colleague accepts. */
export async function requestHandoff(
  desk: Desk,
  request: { number: number; from: string; to: string },
): Promise<HandoffRequestResult | Refusal> {
  const allowed = agentOrRefusal(desk, request.from);
  if (!allowed.ok) return allowed;
  const ticket = await desk.store.tickets.get(request.number);
  if (!ticket) return noSuchTicket(request.number);
  const unmovable = whyNotMovable(ticket) ?? (await liveChat(desk, ticket));
  if (unmovable) return unmovable;
  if (ticket.assignee !== request.from)
    return refuse('handoff_not_yours', { number: ticket.number, agent: ticket.assignee });
  if (request.to === request.from) return refuse('handoff_to_self');
  const target = assigneeFor(desk, ticket, request.to);
  if (!target.ok) return target;

  await expireIfDue(desk, await desk.store.assignments.waitingHandoffOf(ticket.number));
  const now = desk.clock();
  const handoff = await desk.store.assignments.requestHandoff({
    ticketNumber: ticket.number,
    from: request.from,
    to: request.to,
    state: 'requested',
    step: 'requested',
    requestedAt: now,
    expiresAt: new Date(now.getTime() + handoffExpiryMs(desk)),
    answeredAt: null,
    answeredBy: null,
    offers: [],
  });
  if (!handoff) {
    const waiting = (await desk.store.assignments.waitingHandoffOf(ticket.number))!;
    return refuse('handoff_waiting', { number: ticket.number, to: waiting.to, expiresAt: waiting.expiresAt });
  }
  await recordHandoffEvent(desk, handoff, 'handoff_requested', asAgent(request.from), { expiresAt: handoff.expiresAt });
  return { ok: true, kind: 'handoff', handoff, ticket };
}

function alreadyAnswered(handoff: Handoff): Refusal {
  return refuse('handoff_answered', {
    number: handoff.ticketNumber,
    state: handoff.state,
    by: handoff.answeredBy,
    from: handoff.from,
  });
}

/** Lazy expiry: a request found past its time is expired before anything else happens to it. */
async function expireIfDue(desk: Desk, handoff: Handoff | null): Promise<Handoff | null> {
  if (handoff?.state !== 'requested' || handoff.expiresAt.getTime() > desk.clock().getTime()) return null;
  const expired = await desk.store.assignments.answerHandoff(handoff.id, {
    state: 'expired',
    by: null,
    at: desk.clock(),
  });
  if (!expired) return null;
  await recordHandoffEvent(desk, expired, 'handoff_expired', { kind: 'system', id: 'handoff-expiry' });
  return expired;
}

export interface HandoffAcceptedResult {
  ok: true;
  handoff: Handoff;
  ticket: Ticket;
}

export async function acceptHandoff(
  desk: Desk,
  request: { handoffId: string; by: string },
): Promise<HandoffAcceptedResult | Refusal> {
  const allowed = agentOrRefusal(desk, request.by);
  if (!allowed.ok) return allowed;
  const handoff = await desk.store.assignments.handoff(request.handoffId);
  if (!handoff) return refuse('no_such_handoff');
  if (handoff.to !== request.by) return refuse('handoff_not_for_you', { to: handoff.to });
  // The winner's retry of an accept that stopped half-way finishes it.
  if (handoff.state === 'accepted' && handoff.step === 'accepted') return finishHandoff(desk, handoff);
  const expired = await expireIfDue(desk, handoff);
  if (expired) return alreadyAnswered(expired);
  if (handoff.state !== 'requested') return alreadyAnswered(handoff);

  const ticket = await desk.store.tickets.get(handoff.ticketNumber);
  if (!ticket || whyNotMovable(ticket) || ticket.assignee !== handoff.from) {
    const cancelled = await desk.store.assignments.answerHandoff(handoff.id, {
      state: 'cancelled',
      by: null,
      at: desk.clock(),
    });
    if (cancelled)
      await recordHandoffEvent(
        desk,
        cancelled,
        'handoff_cancelled',
        { kind: 'system', id: 'handoff' },
        { because: 'ticket-changed' },
      );
    if (!ticket) return noSuchTicket(handoff.ticketNumber);
    return whyNotMovable(ticket) ?? refuse('assignment_changed', { number: ticket.number, agent: ticket.assignee });
  }
  const won = await desk.store.assignments.answerHandoff(handoff.id, {
    state: 'accepted',
    by: request.by,
    at: desk.clock(),
    step: 'accepted',
  });
  if (!won) return alreadyAnswered((await desk.store.assignments.handoff(handoff.id))!);
  return finishHandoff(desk, won);
}

/**
 * The move after an accept. Conditional on the ticket still being the asker's: if it changed hands
 * meanwhile the hand-over is cancelled and says so. Safe to repeat (the retry after a crash, or the
 * expiry job finishing what a dead process left): a ticket already moved is recognised.
 */
export async function finishHandoff(desk: Desk, handoff: Handoff): Promise<HandoffAcceptedResult | Refusal> {
  const now = desk.clock();
  const before = await desk.store.tickets.get(handoff.ticketNumber);
  const status = before?.status === 'new' ? 'open' : before?.status;
  const moved = await desk.store.tickets.change(
    handoff.ticketNumber,
    { assignee: handoff.from, status: UNSOLVED_STATUSES, notMerged: true },
    { assignee: handoff.to, ...(status ? { status } : {}) },
    ticketEvent('assigned', asAgent(handoff.to), now, {
      from: { assignee: handoff.from },
      to: { assignee: handoff.to, via: 'handoff' },
      note: handoff.id,
    }),
    now,
  );
  const current = moved ?? (await desk.store.tickets.get(handoff.ticketNumber));
  if (moved || current?.assignee === handoff.to) {
    await desk.store.assignments.finishHandoffStep(handoff.id, 'accepted', 'done');
    desk.events.ticketChanged(handoff.ticketNumber);
    return { ok: true, handoff: { ...handoff, state: 'accepted', step: 'done' }, ticket: current! };
  }
  await desk.store.assignments.finishHandoffStep(handoff.id, 'cancelled', 'done');
  await recordHandoffEvent(
    desk,
    { ...handoff, state: 'cancelled' },
    'handoff_cancelled',
    { kind: 'system', id: 'handoff' },
    { because: 'ticket-changed' },
  );
  if (!current) return noSuchTicket(handoff.ticketNumber);
  return whyNotMovable(current) ?? refuse('assignment_changed', { number: current.number, agent: current.assignee });
}

export async function declineHandoff(
  desk: Desk,
  request: { handoffId: string; by: string },
): Promise<{ ok: true; handoff: Handoff } | Refusal> {
  const allowed = agentOrRefusal(desk, request.by);
  if (!allowed.ok) return allowed;
  const handoff = await desk.store.assignments.handoff(request.handoffId);
  if (!handoff) return refuse('no_such_handoff');
  if (handoff.to !== request.by) return refuse('handoff_not_for_you', { to: handoff.to });
  const expired = await expireIfDue(desk, handoff);
  if (expired) return alreadyAnswered(expired);
  const declined = await desk.store.assignments.answerHandoff(handoff.id, {
    state: 'declined',
    by: request.by,
    at: desk.clock(),
  });
  if (!declined) return alreadyAnswered((await desk.store.assignments.handoff(handoff.id))!);
  await recordHandoffEvent(desk, declined, 'handoff_declined', asAgent(request.by));
  return { ok: true, handoff: declined };
}

/** The asker (or a lead of the ticket's group) takes the request back. */
export async function cancelHandoff(
  desk: Desk,
  request: { handoffId: string; by: string },
): Promise<{ ok: true; handoff: Handoff } | Refusal> {
  const allowed = agentOrRefusal(desk, request.by);
  if (!allowed.ok) return allowed;
  const handoff = await desk.store.assignments.handoff(request.handoffId);
  if (!handoff) return refuse('no_such_handoff');
  const ticket = await desk.store.tickets.get(handoff.ticketNumber);
  const groupId = ticket?.groupId ?? 0;
  if (handoff.from !== request.by && !mayAssign(desk, request.by, groupId))
    return refuse('handoff_cancel_not_allowed', { from: handoff.from, groupId });
  const expired = await expireIfDue(desk, handoff);
  if (expired) return alreadyAnswered(expired);
  const cancelled = await desk.store.assignments.answerHandoff(handoff.id, {
    state: 'cancelled',
    by: request.by,
    at: desk.clock(),
  });
  if (!cancelled) return alreadyAnswered((await desk.store.assignments.handoff(handoff.id))!);
  await recordHandoffEvent(desk, cancelled, 'handoff_cancelled', asAgent(request.by));
  return { ok: true, handoff: cancelled };
}

/** A lead moved the ticket: a colleague's pending "take it?" no longer stands. */
async function cancelWaitingHandoff(desk: Desk, ticketNumber: number, by: string): Promise<void> {
  const waiting = await desk.store.assignments.waitingHandoffOf(ticketNumber);
  if (!waiting) return;
  const cancelled = await desk.store.assignments.answerHandoff(waiting.id, {
    state: 'cancelled',
    by,
    at: desk.clock(),
  });
  if (cancelled)
    await recordHandoffEvent(desk, cancelled, 'handoff_cancelled', asAgent(by), { because: 'ticket-moved' });
}

/** The job: expires unanswered requests, and finishes accepted ones a dead process left unmoved. */
export async function expireHandoffs(
  desk: Desk,
  now: Date,
  limit = 100,
): Promise<{ expired: number; finished: number }> {
  let expired = 0;
  for (const handoff of await desk.store.assignments.expiredHandoffs(now, limit)) {
    if (await expireIfDue(desk, handoff)) expired++;
  }
  let finished = 0;
  for (const handoff of await desk.store.assignments.unfinishedHandoffs(limit)) {
    await finishHandoff(desk, handoff);
    finished++;
  }
  return { expired, finished };
}

// ─── Bulk: an absent agent's tickets ─────────────────────────────────────────────────────────

/** One confirmation moves at most this many; a larger pile takes a second run (the confirmation says so). */
export const BULK_MOVE_MAX = 500;
/** A running hand-over nobody has advanced for this long was left by a dead process: the job finishes it. */
export const BULK_MOVE_ABANDONED_MS = 2 * MINUTE_MS;

export interface BulkMovePlan {
  ok: true;
  move: BulkMove;
  open: number;
  pending: number;
  /** Of those, going to the queue because the new agent is not in their group. */
  toQueue: number;
  /** Tickets of groups the lead does not lead: they stay where they are. */
  notYours: number;
  /** Live chats: they move by a transfer, so they stay with the agent. */
  liveChats: number;
  /** More than BULK_MOVE_MAX: the rest needs another run. */
  more: boolean;
}

/** Counts what a bulk hand-over would move, and records the plan for the lead to confirm. */
export async function planBulkMove(
  desk: Desk,
  request: { by: string; from: string; to: string | null },
): Promise<BulkMovePlan | Refusal> {
  const lead = agentOrRefusal(desk, request.by);
  if (!lead.ok) return lead;
  if (lead.agent.role !== 'lead' && lead.agent.role !== 'admin') return refuse('bulk_not_allowed');
  if (request.to === request.from) return refuse('bulk_same_agent', { agent: request.from });
  const target = request.to === null ? null : desk.directory.agent(request.to);
  if (request.to !== null && !target) return refuse('assignee_not_an_agent', { person: request.to });

  const held = await desk.store.tickets.oldestAssigned(request.from, UNSOLVED_STATUSES, BULK_MOVE_MAX + 1);
  const items: BulkMoveItem[] = [];
  let open = 0;
  let pending = 0;
  let toQueue = 0;
  let notYours = 0;
  let liveChats = 0;
  for (const ticket of held.slice(0, BULK_MOVE_MAX)) {
    if (ticket.mergedInto !== null || !mayAssign(desk, request.by, ticket.groupId)) {
      notYours++;
      continue;
    }
    if (await liveChat(desk, ticket)) {
      liveChats++;
      continue;
    }
    const to = target?.groups.includes(ticket.groupId) ? target.user : null;
    if (request.to !== null && to === null) toQueue++;
    if (ticket.status === 'pending') pending++;
    else open++;
    items.push({ number: ticket.number, to });
  }
  if (items.length === 0)
    return liveChats > 0
      ? refuse('live_chat_moves_by_transfer', { number: held.find((ticket) => ticket.channel === 'chat')!.number })
      : refuse('nothing_to_hand_over', { agent: request.from });
  const move = await desk.store.assignments.planBulkMove(
    { by: request.by, from: request.from, to: request.to, items },
    desk.clock(),
  );
  return { ok: true, move, open, pending, toQueue, notYours, liveChats, more: held.length > BULK_MOVE_MAX };
}

export interface BulkMoveOptions {
  /** Called after a ticket's move and before its progress is recorded: a test cuts the run here. */
  afterMove?: (position: number) => void | Promise<void>;
}

/** The lead confirmed: the plan runs, once. */
export async function confirmBulkMove(
  desk: Desk,
  request: { moveId: string; by: string },
  options: BulkMoveOptions = {},
): Promise<{ ok: true; move: BulkMove } | Refusal> {
  const planned = await desk.store.assignments.bulkMove(request.moveId);
  if (!planned || planned.by !== request.by) return refuse('no_such_bulk_move');
  const started = await desk.store.assignments.startBulkMove(planned.id, desk.clock());
  if (!started) return refuse('bulk_move_started');
  return { ok: true, move: await workBulkMove(desk, started, options) };
}

/**
 * Moves each planned ticket that is still the absent agent's, one conditional write each, recording
 * the position after each; a ticket someone took or solved meanwhile is left alone (skipped).
 */
async function workBulkMove(
  desk: Desk,
  move: BulkMove,
  options: BulkMoveOptions & { resumed?: boolean; keepGoing?: () => Promise<boolean> },
): Promise<BulkMove> {
  const actor = asAgent(move.by);
  for (let position = move.position; position < move.items.length; position++) {
    const item = move.items[position]!;
    const now = desk.clock();
    const changed = await desk.store.tickets.change(
      item.number,
      { assignee: move.from, status: UNSOLVED_STATUSES, notMerged: true },
      { assignee: item.to },
      item.to === null
        ? ticketEvent('released', actor, now, {
            from: { assignee: move.from },
            to: { assignee: null, via: 'bulk' },
            note: move.id,
          })
        : ticketEvent('assigned', actor, now, {
            from: { assignee: move.from },
            to: { assignee: item.to, via: 'bulk' },
            note: move.id,
          }),
      now,
    );
    // After a crash between the move and its progress write, the retry finds it moved already.
    const moved = changed !== null || (await desk.store.tickets.get(item.number))?.assignee === item.to;
    if (changed) {
      await cancelWaitingHandoff(desk, item.number, move.by);
      desk.events.ticketChanged(item.number);
    }
    await options.afterMove?.(position);
    await desk.store.assignments.bulkMoveProgress(move.id, position, moved ? 'moved' : 'skipped', desk.clock());
    if (options.keepGoing && position % 50 === 49 && !(await options.keepGoing()))
      return (await desk.store.assignments.bulkMove(move.id))!;
  }
  const done =
    (await desk.store.assignments.finishBulkMove(move.id, desk.clock())) ??
    (await desk.store.assignments.bulkMove(move.id))!;
  desk.events.signal({ type: 'bulk_move_finished', move: done, resumed: options.resumed === true });
  return done;
}

/** The job: hand-overs a dead process left running are finished; confirmations never given are forgotten after a day. */
export async function finishAbandonedBulkMoves(
  desk: Desk,
  now: Date,
  keepGoing?: () => Promise<boolean>,
): Promise<number> {
  await desk.store.assignments.forgetUnconfirmedBulkMoves(new Date(now.getTime() - 24 * 60 * MINUTE_MS));
  let finished = 0;
  for (const move of await desk.store.assignments.abandonedBulkMoves(
    new Date(now.getTime() - BULK_MOVE_ABANDONED_MS),
    10,
  )) {
    if (!(await desk.store.assignments.claimBulkMove(move.id, move.updatedAt, desk.clock()))) continue;
    await workBulkMove(desk, move, { resumed: true, ...(keepGoing ? { keepGoing } : {}) });
    finished++;
  }
  return finished;
}
