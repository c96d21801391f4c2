import type { Desk } from './desk.js';
import { slaState } from './sla.js';
import { STATS_EVENT_LIMIT, type StatsScope, type StatsWindow } from './stats.js';
import type { Ticket, TicketEvent } from './types.js';

/**
 * What `/ticket stats` adds to the figures: what the solved tickets were about (the form agents fill
 * in: root cause, category, sub-category), what requesters said in their satisfaction answers, and
 * how often the SLA targets were met, per group and per agent. From the event history and the
 * solved tickets, in bounded reads.
 */
export interface SlaTally {
  solved: number;
  firstReply: { met: number; total: number };
  resolution: { met: number; total: number };
}

export interface SatisfactionComment {
  ticketNumber: number;
  rating: string;
  comment: string;
  agent: string | null;
  at: Date;
}

export interface DeskReport {
  window: StatsWindow;
  /** Counts over the tickets solved in the window, most first. */
  rootCauses: [string, number][];
  categories: [string, number][];
  /** "Payments › Refund". */
  subcategories: [string, number][];
  /** Solved tickets the form was left empty on. */
  withoutForm: number;
  /** Answers with a comment, newest first. */
  comments: SatisfactionComment[];
  sla: { all: SlaTally; byGroup: [number, SlaTally][]; byAgent: [string, SlaTally][] } | null;
  truncated: boolean;
}

export const REPORT_COMMENTS_SHOWN = 10;
const BATCH = 5_000;

function emptyTally(): SlaTally {
  return { solved: 0, firstReply: { met: 0, total: 0 }, resolution: { met: 0, total: 0 } };
}

function counted(counts: Map<string, number>): [string, number][] {
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

function bump(counts: Map<string, number>, key: string | undefined): void {
  if (key) counts.set(key, (counts.get(key) ?? 0) + 1);
}

async function ticketsOf(desk: Desk, numbers: readonly number[]): Promise<Map<number, Ticket>> {
  const tickets = new Map<number, Ticket>();
  for (let start = 0; start < numbers.length; start += BATCH) {
    for (const ticket of await desk.store.tickets.getMany(numbers.slice(start, start + BATCH)))
      tickets.set(ticket.number, ticket);
  }
  return tickets;
}

export async function deskReport(desk: Desk, window: StatsWindow, scope: StatsScope = {}): Promise<DeskReport> {
  const events = await desk.store.tickets.eventsBetween(
    ['status_changed', 'satisfaction_rated'],
    window.from,
    window.to,
    STATS_EVENT_LIMIT,
  );
  const byAgent = (agent: unknown) => scope.agent === undefined || agent === scope.agent;
  const lastSolve = new Map<number, TicketEvent>();
  const answers = new Map<string, TicketEvent>();
  for (const event of events) {
    const to = (event.to ?? {}) as { status?: string; solve?: number; agent?: string | null };
    if (event.action === 'status_changed' && to.status === 'solved' && byAgent(event.actor.id))
      lastSolve.set(event.ticketNumber, event);
    if (event.action === 'satisfaction_rated' && byAgent(to.agent))
      answers.set(`${event.ticketNumber}:${to.solve ?? ''}`, event);
  }
  const tickets = await ticketsOf(desk, [
    ...new Set([...lastSolve.keys(), ...[...answers.values()].map((event) => event.ticketNumber)]),
  ]);
  const inScope = (number: number) => {
    const ticket = tickets.get(number);
    return ticket !== undefined && (!scope.groupIds || scope.groupIds.includes(ticket.groupId));
  };

  const rootCauses = new Map<string, number>();
  const categories = new Map<string, number>();
  const subcategories = new Map<string, number>();
  let withoutForm = 0;
  const workspace = desk.directory.workspace;
  const all = emptyTally();
  const groups = new Map<number, SlaTally>();
  const agents = new Map<string, SlaTally>();
  const now = desk.clock();
  for (const [number, solve] of lastSolve) {
    if (!inScope(number)) continue;
    const ticket = tickets.get(number)!;
    const form = ticket.form;
    if (!form.rootCause && !form.category) withoutForm++;
    bump(rootCauses, form.rootCause);
    bump(categories, form.category);
    if (form.category && form.subcategory) bump(subcategories, `${form.category} › ${form.subcategory}`);
    // Only tickets that stayed solved: a reopened one is measured when it is solved again.
    if (ticket.status !== 'solved' && ticket.status !== 'closed') continue;
    const state = slaState(ticket, now, workspace);
    if (!state.firstReply && !state.resolution) continue;
    const tallies = [all, groups.get(ticket.groupId) ?? emptyTally(), agents.get(solve.actor.id) ?? emptyTally()];
    groups.set(ticket.groupId, tallies[1]!);
    agents.set(solve.actor.id, tallies[2]!);
    for (const tally of tallies) {
      tally.solved++;
      if (state.firstReply) {
        tally.firstReply.total++;
        if (state.firstReply.status === 'met') tally.firstReply.met++;
      }
      if (state.resolution) {
        tally.resolution.total++;
        if (state.resolution.status === 'met') tally.resolution.met++;
      }
    }
  }

  const comments: SatisfactionComment[] = [...answers.values()]
    .filter((event) => inScope(event.ticketNumber) && typeof (event.to as { comment?: unknown }).comment === 'string')
    .map((event) => {
      const to = event.to as { rating: string; comment: string; agent?: string | null };
      return {
        ticketNumber: event.ticketNumber,
        rating: to.rating,
        comment: to.comment,
        agent: to.agent ?? null,
        at: event.at,
      };
    })
    .sort((a, b) => b.at.getTime() - a.at.getTime())
    .slice(0, REPORT_COMMENTS_SHOWN);

  return {
    window,
    rootCauses: counted(rootCauses),
    categories: counted(categories),
    subcategories: counted(subcategories),
    withoutForm,
    comments,
    sla: workspace.sla
      ? {
          all,
          byGroup: [...groups.entries()].sort((a, b) => a[0] - b[0]),
          byAgent: [...agents.entries()].sort((a, b) => b[1].solved - a[1].solved),
        }
      : null,
    truncated: events.length >= STATS_EVENT_LIMIT,
  };
}
