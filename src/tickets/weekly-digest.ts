import { DAY_MS } from '../clock.js';
import type { Desk } from './desk.js';
import { type Ticket, UNSOLVED_STATUSES } from './types.js';
import { offsetAt, wallClockAsUtc, wallClockAt } from './zoned-time.js';

/** How many history rows one digest reads at most: the week's reads stay bounded on a busy desk. */
const EVENT_LIMIT = 20_000;
const OLDEST_SHOWN = 5;

export interface AgentWeek {
  agent: string;
  name: string;
  solved: number;
  good: number;
  bad: number;
  /** Tickets assigned to them and not solved yet. */
  open: number;
  oldestOpen: Ticket | null;
}

export interface WeeklyDigest {
  lead: string;
  groupNames: string[];
  from: Date;
  until: Date;
  agents: AgentWeek[];
  /** Nobody has these yet; longest waiting first. */
  oldestWaiting: Ticket[];
  waitingCount: number;
}

/**
 * A lead's week: per agent of their groups, tickets solved and satisfaction answers (good/bad, read
 * from `satisfaction_rated` events and credited to the ticket's assignee), what they still have open,
 * and the oldest tickets nobody has taken. Counted here over bounded indexed reads, since FerretDB
 * has no $avg/$push accumulators.
 */
export async function weeklyDigest(desk: Desk, lead: string, from: Date, until: Date): Promise<WeeklyDigest | null> {
  const leadAgent = desk.directory.agent(lead);
  if (!leadAgent) return null;
  const groupIds = leadAgent.groups;
  const people = new Map(
    groupIds.flatMap((groupId) => desk.directory.agentsOf(groupId)).map((agent) => [agent.user, agent]),
  );
  const weeks = new Map<string, AgentWeek>(
    [...people.values()].map((agent) => [
      agent.user,
      { agent: agent.user, name: agent.name, solved: 0, good: 0, bad: 0, open: 0, oldestOpen: null },
    ]),
  );

  for (const event of await desk.store.tickets.eventsBetween(['status_changed'], from, until, EVENT_LIMIT)) {
    const week = weeks.get(event.actor.id);
    if (week && (event.to as { status?: unknown } | undefined)?.status === 'solved') week.solved++;
  }

  const ratings = await desk.store.tickets.eventsBetween(['satisfaction_rated'], from, until, EVENT_LIMIT);
  const assignees = new Map<number, string | null>();
  const rated = [...new Set(ratings.map((event) => event.ticketNumber))];
  for (let start = 0; start < rated.length; start += 500) {
    for (const ticket of await desk.store.tickets.getMany(rated.slice(start, start + 500)))
      assignees.set(ticket.number, ticket.assignee);
  }
  for (const event of ratings) {
    const week = weeks.get(assignees.get(event.ticketNumber) ?? '');
    const rating = (event.to as { rating?: unknown } | undefined)?.rating;
    if (week && rating === 'good') week.good++;
    if (week && rating === 'bad') week.bad++;
  }

  for (const week of weeks.values()) {
    week.open = await desk.store.tickets.countAssigned(week.agent, UNSOLVED_STATUSES);
    week.oldestOpen = (await desk.store.tickets.oldestAssigned(week.agent, UNSOLVED_STATUSES, 1))[0] ?? null;
  }

  return {
    lead,
    groupNames: groupIds.map((groupId) => desk.directory.groupName(groupId)),
    from,
    until,
    agents: [...weeks.values()].sort((a, b) => b.solved - a.solved || a.name.localeCompare(b.name)),
    oldestWaiting: await desk.store.tickets.oldestWaiting(groupIds, OLDEST_SHOWN),
    waitingCount: await desk.store.tickets.countQueue(groupIds),
  };
}

/** Leads and admins get the digest, each in their own time zone (the desk's when they have none). */
export function digestReaders(desk: Desk): { user: string; timeZone: string }[] {
  return desk.directory.workspace.agents
    .filter((agent) => agent.role === 'lead' || agent.role === 'admin')
    .map((agent) => ({ user: agent.user, timeZone: agent.timeZone ?? desk.settings.timeZone }));
}

/**
 * The latest Monday 09:00 in `timeZone` at or before `now`, as an instant, and that Monday's local
 * date (the digest's week). The zone's offset is read at the instant itself, so a DST change during
 * the week does not move the hour.
 */
export function lastMondayNine(now: Date, timeZone: string): { at: Date; week: string } {
  const local = wallClockAt(now.getTime(), timeZone);
  const daysSinceMonday = (local.weekday + 6) % 7;
  let mondayWall = Date.UTC(local.year, local.month - 1, local.day - daysSinceMonday, 9, 0, 0);
  if (mondayWall > wallClockAsUtc(now.getTime(), timeZone)) mondayWall -= 7 * DAY_MS;
  const guess = mondayWall - offsetAt(mondayWall, timeZone);
  const at = new Date(mondayWall - offsetAt(guess, timeZone));
  return { at, week: new Date(mondayWall).toISOString().slice(0, 10) };
}

/** The digest could not be sent: its marker goes, so the next tick tries again. */
export async function digestNotSent(desk: Desk, marker: string): Promise<void> {
  await desk.store.seen.forget(marker);
}
