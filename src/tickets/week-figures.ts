import { DAY_MS } from '../clock.js';
import type { Subscriber } from '../events/types.js';
import type { WeekFigure, WeekFigures } from '../store/week-figures.js';
import type { Desk } from './desk.js';
import { contactsBefore, type DeskStats, median, type StatsWindow } from './stats.js';
import type { Ticket, TicketEvent } from './types.js';

/**
 * The App Home's "last 7 days", kept as events happen instead of computed from the history on every
 * publish (which scans the events on the embedded FerretDB). Each solve, first reply and survey
 * answer is written, as it is handed out, into its agent's and its group's document for the week it
 * happened in; a home reads the two weeks its window touches by `_id` and counts what falls inside.
 * The figures are those `deskStats` computes from the history (test/week-figures.test.ts holds them
 * to it), with one difference a lead may notice: a group's figures count a ticket in the group it
 * was in when the thing happened, where `/ticket stats` counts it in the group it is in now.
 */
export type FiguresScope = { agent: string } | { groupIds: readonly number[] };

/** The Monday (UTC, midnight) of the week `at` falls in. */
function mondayOf(at: Date): Date {
  const day = Math.floor(at.getTime() / DAY_MS);
  // 1 January 1970 was a Thursday: three days after a Monday.
  return new Date((day - ((day + 3) % 7)) * DAY_MS);
}

/** That Monday as YYYY-MM-DD: the documents' week key. */
export function weekOf(at: Date): string {
  return mondayOf(at).toISOString().slice(0, 10);
}

function agentWeek(agent: string, week: string): string {
  return `agent:${agent}:${week}`;
}

function groupWeek(groupId: number, week: string): string {
  return `group:${groupId}:${week}`;
}

/** The weeks a window touches, oldest first: two for a home's seven days, or one. */
function weeksOf(window: StatsWindow): string[] {
  const weeks: string[] = [];
  for (let monday = mondayOf(window.from).getTime(); monday < window.to.getTime(); monday += 7 * DAY_MS)
    weeks.push(weekOf(new Date(monday)));
  return weeks;
}

/**
 * Writes each figure as its event is handed out, before the notifiers run (a home published for the
 * same event reads it). An event handed out again writes the same entry again: nothing doubles.
 */
export function weekFiguresKeeper(desk: Desk): Subscriber {
  return {
    name: 'week figures',
    records: true,
    events: {
      async status_changed({ event, ticket }) {
        if (event.to.status !== 'solved') return;
        const contacts = await contactsAt(desk, ticket, event.at);
        await note(desk, ticket, event, {
          kind: 'solve',
          figure: {
            ticketNumber: ticket.number,
            at: event.at,
            resolutionMs: event.at.getTime() - ticket.createdAt.getTime(),
            contacts,
          },
        });
      },
      async replied({ event, ticket }) {
        // Only the ticket's first public reply: the store keeps its time on the ticket.
        if (ticket.firstReplyAt?.getTime() !== event.at.getTime()) return;
        await note(desk, ticket, event, {
          kind: 'firstReply',
          figure: { ticketNumber: ticket.number, at: event.at, ms: event.at.getTime() - ticket.createdAt.getTime() },
        });
      },
      async satisfaction_rated({ event, ticket }) {
        const { rating, solve, agent } = event.to;
        if (rating === null) return;
        await note(
          desk,
          ticket,
          event,
          { kind: 'rating', figure: { ticketNumber: ticket.number, solve, at: event.at, rating } },
          agent,
        );
      },
    },
  };
}

/** A figure goes into its week for the group and (a solve, a first reply: the agent who did it; a rating: the agent rated) the agent. */
async function note(
  desk: Desk,
  ticket: Ticket,
  event: TicketEvent,
  figure: WeekFigure,
  agent = event.actor.kind === 'agent' ? event.actor.id : null,
): Promise<void> {
  const week = weekOf(event.at);
  const documents = [groupWeek(ticket.groupId, week), ...(agent ? [agentWeek(agent, week)] : [])];
  await desk.store.weekFigures.note(documents, mondayOf(event.at), figure);
}

/**
 * The contacts before a solve: as the store counts them on the ticket, when nothing has changed it
 * since the solve (the solve is being handed out right after it was made); else, and for a ticket
 * filed before the store counted them, from the history — so a solve handed out late (after a crash,
 * when more replies may have come) still counts what came before it.
 */
async function contactsAt(desk: Desk, ticket: Ticket, at: Date): Promise<number> {
  if (ticket.contacts?.counted && ticket.updatedAt.getTime() <= at.getTime())
    return (ticket.contacts.replies ?? 0) + (ticket.contacts.chat ? 1 : 0);
  return contactsBefore(await desk.store.tickets.eventsOf([ticket.number], ['replied']), at);
}

/** Weeks the figures are kept for: the home reads the last two; the rest is a margin for a late redelivery. */
export const WEEK_FIGURES_KEPT_WEEKS = 5;

/** For the `forget-week-figures` job: at most `limit` documents of weeks older than those kept, per call. */
export async function forgetOldWeekFigures(desk: Desk, limit = 1000): Promise<number> {
  return desk.store.weekFigures.forgetWeeksBefore(
    new Date(mondayOf(desk.clock()).getTime() - (WEEK_FIGURES_KEPT_WEEKS - 1) * 7 * DAY_MS),
    limit,
  );
}

/** The figures of a window (at most a few weeks long) for one agent or some groups: a few reads by `_id`. */
export async function weekFiguresOf(desk: Desk, scope: FiguresScope, window: StatsWindow): Promise<DeskStats> {
  const weeks = weeksOf(window);
  const ids =
    'agent' in scope
      ? weeks.map((week) => agentWeek(scope.agent, week))
      : scope.groupIds.flatMap((groupId) => weeks.map((week) => groupWeek(groupId, week)));
  return statsOf(await desk.store.weekFigures.read(ids), window);
}

/** An agent's figures and (for a lead) their groups', from one read of the documents of both. */
export async function personAndGroupWeek(
  desk: Desk,
  agent: string,
  groupIds: readonly number[] | null,
  window: StatsWindow,
): Promise<{ agent: DeskStats; groups: DeskStats | null }> {
  const weeks = weeksOf(window);
  const agentIds = weeks.map((week) => agentWeek(agent, week));
  const groupIdsRead = (groupIds ?? []).flatMap((groupId) => weeks.map((week) => groupWeek(groupId, week)));
  const documents = await desk.store.weekFigures.readTogether([...agentIds, ...groupIdsRead]);
  const of = (ids: readonly string[]) => documents.filter((document) => ids.includes(document.id));
  return {
    agent: statsOf(of(agentIds), window),
    groups: groupIds === null ? null : statsOf(of(groupIdsRead), window),
  };
}

function statsOf(documents: readonly WeekFigures[], window: StatsWindow): DeskStats {
  const inWindow = (at: Date) => at.getTime() >= window.from.getTime() && at.getTime() < window.to.getTime();
  // A ticket solved twice counts once, at its last solve; one answer per survey, the latest.
  const solves = latestBy(
    documents.flatMap((document) => document.solves).filter((solve) => inWindow(solve.at)),
    (solve) => String(solve.ticketNumber),
  );
  const firstReplies = latestBy(
    documents.flatMap((document) => document.firstReplies).filter((reply) => inWindow(reply.at)),
    (reply) => String(reply.ticketNumber),
  );
  const ratings = latestBy(
    documents.flatMap((document) => document.ratings).filter((rating) => inWindow(rating.at)),
    (rating) => `${rating.ticketNumber}_${rating.solve}`,
  );
  const firstContactResolved = solves.filter((solve) => solve.contacts === 1).length;
  return {
    window,
    solved: solves.length,
    good: ratings.filter((rating) => rating.rating === 'good').length,
    bad: ratings.filter((rating) => rating.rating === 'bad').length,
    firstContactResolved,
    firstContactRate: solves.length === 0 ? null : firstContactResolved / solves.length,
    firstReplies: firstReplies.length,
    medianFirstReplyMs: median(firstReplies.map((reply) => reply.ms)),
    medianResolutionMs: median(solves.map((solve) => solve.resolutionMs)),
    truncated: false,
  };
}

function latestBy<T extends { at: Date }>(entries: readonly T[], key: (entry: T) => string): T[] {
  const latest = new Map<string, T>();
  for (const entry of entries) {
    const seen = latest.get(key(entry));
    if (!seen || seen.at.getTime() <= entry.at.getTime()) latest.set(key(entry), entry);
  }
  return [...latest.values()];
}
