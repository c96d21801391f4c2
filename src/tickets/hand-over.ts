import { MINUTE_MS } from '../clock.js';
import { type HandoffCancelledBecause, ticketEvent } from '../events/ticket-events.js';
import { asAgent, assigneeFor, liveChat, mayAssign, whyNotMovable } from './assignment-rules.js';
import type { Handoff, HandoffStep } from './assignment-types.js';
import { type Desk, type Refusal, refuse } from './desk.js';
import { OfferMachine } from './offers.js';
import { agentOrRefusal, noSuchTicket } from './permissions.js';
import { isRefusal } from './refusals.js';
import { type Actor, type Ticket, UNSOLVED_STATUSES } from './types.js';

/**
 * The agent who has a ticket hands it to a colleague, who must accept first (the same rule as chat
 * transfers: nothing moves until the other person says yes).
 */

export interface HandoffRequestResult {
  ok: true;
  kind: 'handoff';
  handoff: Handoff;
  ticket: Ticket;
}

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

  const now = desk.clock();
  const opened = await handoffs.open(desk, {
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
  if (!opened.opened) {
    const { waiting } = opened;
    return refuse('handoff_waiting', { number: ticket.number, to: waiting.to, expiresAt: waiting.expiresAt });
  }
  const handoff = opened.offer;
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

/** The hand-over's rules on the confirm-first offer machine the chat transfer shares. */
const handoffs = new OfferMachine<Handoff, { step: HandoffStep }>({
  store: (desk) => ({
    get: (id) => desk.store.assignments.handoff(id),
    waitingOf: (ticketNumber) => desk.store.assignments.waitingHandoffOf(ticketNumber),
    open: (handoff) => desk.store.assignments.requestHandoff(handoff),
    answer: (id, answer) => desk.store.assignments.answerHandoff(id, answer),
    expired: (now, limit) => desk.store.assignments.expiredHandoffs(now, limit),
  }),
  recordExpired: (desk, handoff) =>
    recordHandoffEvent(desk, handoff, 'handoff_expired', { kind: 'system', id: 'handoff-expiry' }),
  alreadyAnswered,
});

export interface HandoffAcceptedResult {
  ok: true;
  handoff: Handoff;
  ticket: Ticket;
}

/** The hand-over an agent answers or takes back: refused when they are no agent, or it is not there. */
async function handoffAsked(
  desk: Desk,
  request: { handoffId: string; by: string },
): Promise<{ ok: true; handoff: Handoff } | Refusal> {
  const allowed = agentOrRefusal(desk, request.by);
  if (!allowed.ok) return allowed;
  const handoff = await desk.store.assignments.handoff(request.handoffId);
  return handoff ? { ok: true, handoff } : refuse('no_such_handoff');
}

export async function acceptHandoff(
  desk: Desk,
  request: { handoffId: string; by: string },
): Promise<HandoffAcceptedResult | Refusal> {
  const found = await handoffAsked(desk, request);
  if (!found.ok) return found;
  const { handoff } = found;
  if (handoff.to !== request.by) return refuse('handoff_not_for_you', { to: handoff.to });
  // The winner's retry of an accept that stopped half-way finishes it.
  if (handoff.state === 'accepted' && handoff.step === 'accepted') return finishHandoff(desk, handoff);
  const expired = await handoffs.expireIfDue(desk, handoff);
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
  const won = await handoffs.answer(desk, handoff.id, {
    state: 'accepted',
    by: request.by,
    at: desk.clock(),
    step: 'accepted',
  });
  if (isRefusal(won)) return won;
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
  const found = await handoffAsked(desk, request);
  if (!found.ok) return found;
  const { handoff } = found;
  if (handoff.to !== request.by) return refuse('handoff_not_for_you', { to: handoff.to });
  const expired = await handoffs.expireIfDue(desk, handoff);
  if (expired) return alreadyAnswered(expired);
  const declined = await handoffs.answer(desk, handoff.id, { state: 'declined', by: request.by, at: desk.clock() });
  if (isRefusal(declined)) return declined;
  await recordHandoffEvent(desk, declined, 'handoff_declined', asAgent(request.by));
  return { ok: true, handoff: declined };
}

/** The asker (or a lead of the ticket's group) takes the request back. */
export async function cancelHandoff(
  desk: Desk,
  request: { handoffId: string; by: string },
): Promise<{ ok: true; handoff: Handoff } | Refusal> {
  const found = await handoffAsked(desk, request);
  if (!found.ok) return found;
  const { handoff } = found;
  const ticket = await desk.store.tickets.get(handoff.ticketNumber);
  const groupId = ticket?.groupId ?? 0;
  if (handoff.from !== request.by && !mayAssign(desk, request.by, groupId))
    return refuse('handoff_cancel_not_allowed', { from: handoff.from, groupId });
  const expired = await handoffs.expireIfDue(desk, handoff);
  if (expired) return alreadyAnswered(expired);
  const cancelled = await handoffs.answer(desk, handoff.id, { state: 'cancelled', by: request.by, at: desk.clock() });
  if (isRefusal(cancelled)) return cancelled;
  await recordHandoffEvent(desk, cancelled, 'handoff_cancelled', asAgent(request.by));
  return { ok: true, handoff: cancelled };
}

/** A lead moved the ticket: a colleague's pending "take it?" no longer stands. */
export async function cancelWaitingHandoff(desk: Desk, ticketNumber: number, by: string): Promise<void> {
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
  const expired = (await handoffs.expireDue(desk, now, limit)).length;
  let finished = 0;
  for (const handoff of await desk.store.assignments.unfinishedHandoffs(limit)) {
    await finishHandoff(desk, handoff);
    finished++;
  }
  return { expired, finished };
}
