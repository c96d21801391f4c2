import { DAY_MS } from '../clock.js';
import { isChatReply } from '../store/tickets.js';
import type { Desk } from './desk.js';
import type { TicketEvent } from './types.js';

/**
 * Support figures for a window [from, to), computed from the event history alone, so any past week
 * can be recomputed and gives the same answer. FerretDB has no $avg/$push accumulators, so the store
 * reads bounded, indexed event ranges and the medians are computed here.
 */
export interface StatsWindow {
  from: Date;
  to: Date;
}

export interface StatsScope {
  /** Only what this agent did: their solves, their first replies, answers about their solves. */
  agent?: string;
  /** Only tickets of these groups (as they are now). */
  groupIds?: readonly number[];
}

export interface DeskStats {
  window: StatsWindow;
  /** Tickets solved in the window (a ticket solved twice counts once, at its last solve). */
  solved: number;
  good: number;
  bad: number;
  /** Solved tickets that needed exactly one public agent reply. */
  firstContactResolved: number;
  firstContactRate: number | null;
  /** Tickets whose first public reply fell in the window, and the median time from creation to it. */
  firstReplies: number;
  medianFirstReplyMs: number | null;
  medianResolutionMs: number | null;
  /** The window held more events than one read takes: the figures cover the earliest part only. */
  truncated: boolean;
}

/** Events read for one window; a busy desk's month is far below this. */
export const STATS_EVENT_LIMIT = 50_000;
// Large batches: FerretDB v1 scans the whole collection for every query (no filter pushdown), so fewer queries win there; MongoDB serves $in from the index either way.
const BATCH = 5_000;

export type Period = 'week' | 'month';

/** The last 7 or 30 days, up to and including this moment (a solve made just now counts). */
export function periodWindow(period: Period, now: Date): StatsWindow {
  const days = period === 'week' ? 7 : 30;
  const to = now.getTime() + 1;
  return { from: new Date(to - days * DAY_MS), to: new Date(to) };
}

export async function deskStats(desk: Desk, window: StatsWindow, scope: StatsScope = {}): Promise<DeskStats> {
  const events = await desk.store.tickets.eventsBetween(
    ['status_changed', 'replied', 'satisfaction_rated'],
    window.from,
    window.to,
    STATS_EVENT_LIMIT,
  );
  const inScopeGroup = await groupFilter(desk, events, scope.groupIds);
  const byAgent = (agent: string | undefined | null) => scope.agent === undefined || agent === scope.agent;

  const lastSolve = new Map<number, TicketEvent>();
  for (const event of events) {
    if (
      event.action === 'status_changed' &&
      statusOf(event.to) === 'solved' &&
      byAgent(event.actor.id) &&
      inScopeGroup(event.ticketNumber)
    ) {
      lastSolve.set(event.ticketNumber, event);
    }
  }
  // A first reply by the agent in the window is one of their replies in the window: only those tickets can count.
  const repliedInWindow = new Set(
    events
      .filter((e) => e.action === 'replied' && byAgent(e.actor.id) && inScopeGroup(e.ticketNumber))
      .map((e) => e.ticketNumber),
  );

  // A first reply or the creation may lie before the window: read those tickets' whole history of both.
  const numbers = [...new Set([...lastSolve.keys(), ...repliedInWindow])];
  const history = await historyOf(desk, numbers);

  const resolutionTimes: number[] = [];
  let firstContactResolved = 0;
  for (const [number, solve] of lastSolve) {
    const ticket = history.get(number);
    if (ticket?.createdAt) resolutionTimes.push(solve.at.getTime() - ticket.createdAt.getTime());
    if (contactsBefore(ticket?.replies ?? [], solve.at) === 1) firstContactResolved += 1;
  }

  const firstReplyTimes: number[] = [];
  for (const number of repliedInWindow) {
    const ticket = history.get(number);
    const first = ticket?.replies[0];
    if (!ticket?.createdAt || !first || !within(first.at, window) || !byAgent(first.actor.id)) continue;
    firstReplyTimes.push(first.at.getTime() - ticket.createdAt.getTime());
  }

  // One answer per solve counts, the latest: a changed answer replaces the earlier one.
  const answers = new Map<string, string>();
  for (const event of events) {
    if (event.action !== 'satisfaction_rated' || !inScopeGroup(event.ticketNumber)) continue;
    const to = (event.to ?? {}) as { rating?: string; solve?: number; agent?: string | null };
    if (!byAgent(to.agent)) continue;
    if (to.rating) answers.set(`${event.ticketNumber}:${to.solve ?? ''}`, to.rating);
  }
  const ratings = [...answers.values()];

  return {
    window,
    solved: lastSolve.size,
    good: ratings.filter((rating) => rating === 'good').length,
    bad: ratings.filter((rating) => rating === 'bad').length,
    firstContactResolved,
    firstContactRate: lastSolve.size === 0 ? null : firstContactResolved / lastSolve.size,
    firstReplies: firstReplyTimes.length,
    medianFirstReplyMs: median(firstReplyTimes),
    medianResolutionMs: median(resolutionTimes),
    truncated: events.length >= STATS_EVENT_LIMIT,
  };
}

/**
 * Public replies before `at`, as the support team counts contacts: a live chat is one contact however
 * many messages the agent sent in it, and an email sent during the chat is part of it.
 */
export function contactsBefore(replies: readonly TicketEvent[], at: Date): number {
  let chat = false;
  let others = 0;
  for (const reply of replies) {
    if (reply.at.getTime() > at.getTime()) continue;
    if (isChatReply(reply.to)) chat = true;
    else others += 1;
  }
  return others + (chat ? 1 : 0);
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function within(at: Date, window: StatsWindow): boolean {
  return at.getTime() >= window.from.getTime() && at.getTime() < window.to.getTime();
}

function statusOf(value: unknown): unknown {
  return typeof value === 'object' && value !== null ? (value as { status?: unknown }).status : undefined;
}

async function historyOf(
  desk: Desk,
  numbers: readonly number[],
): Promise<Map<number, { createdAt: Date | null; replies: TicketEvent[] }>> {
  const history = new Map<number, { createdAt: Date | null; replies: TicketEvent[] }>();
  for (let start = 0; start < numbers.length; start += BATCH) {
    const events = await desk.store.tickets.eventsOf(numbers.slice(start, start + BATCH), ['created', 'replied']);
    for (const event of events) {
      const entry = history.get(event.ticketNumber) ?? { createdAt: null, replies: [] };
      if (event.action === 'created') entry.createdAt ??= event.at;
      else entry.replies.push(event);
      history.set(event.ticketNumber, entry);
    }
  }
  return history;
}

async function groupFilter(
  desk: Desk,
  events: readonly TicketEvent[],
  groupIds: readonly number[] | undefined,
): Promise<(number: number) => boolean> {
  if (!groupIds) return () => true;
  const numbers = [...new Set(events.map((event) => event.ticketNumber))];
  const inGroups = new Set<number>();
  for (let start = 0; start < numbers.length; start += BATCH) {
    for (const ticket of await desk.store.tickets.getMany(numbers.slice(start, start + BATCH))) {
      if (groupIds.includes(ticket.groupId)) inGroups.add(ticket.number);
    }
  }
  return (number) => inGroups.has(number);
}
