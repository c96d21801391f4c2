import { MINUTE_MS } from '../clock.js';
import { ticketEvent } from '../events/ticket-events.js';
import { asAgent, liveChat, mayAssign } from './assignment-rules.js';
import type { BulkMove, BulkMoveItem } from './assignment-types.js';
import { type Desk, type Refusal, refuse } from './desk.js';
import { cancelWaitingHandoff } from './hand-over.js';
import { agentOrRefusal } from './permissions.js';
import { UNSOLVED_STATUSES } from './types.js';

/** A lead's bulk hand-over: an absent agent's tickets to a colleague or the queue, in bounded, resumable runs. */

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
