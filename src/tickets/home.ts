import { availabilities, availabilityOf } from '../chats/availability.js';
import { type MyLiveChat, myLiveChats } from '../chats/my-chats.js';
import { transfersWaitingFor } from '../chats/transfers.js';
import type { Availability } from '../chats/types.js';
import { type WaitingChat, waitingChats } from '../chats/waiting.js';
import type { Agent } from '../workspace/schema.js';
import type { Desk, Refusal } from './desk.js';
import { SEARCH_QUERY_MAX, searchTickets } from './search.js';
import { type DeskStats, periodWindow } from './stats.js';
import type { Ticket } from './types.js';
import { weekFiguresOf } from './week-figures.js';

/** What a person's App Home shows, gathered in one place; blocks/home.ts lays it out. */
export const HOME_LIST_LIMIT = 10;
export const HOME_TEAM_LIMIT = 30;
/** How many of an agent's open and pending tickets one read takes for both home lists (openAndPending). */
export const HOME_WORK_READ = 200;
/** How many of a queue's tickets one read takes for its size and oldest wait on the home (groupViews). */
export const HOME_QUEUE_READ = 500;
export const SEARCH_LIMIT = 10;
export { SEARCH_QUERY_MAX };

export interface GroupView {
  groupId: number;
  name: string;
  waiting: number;
  oldestSince: Date | null;
}

export interface TeamMember {
  agent: Agent;
  availability: Availability;
  openTickets: number;
}

/** A waiting transfer request, as the lead's home lists it. */
export interface WaitingTransfer {
  ticketNumber: number;
  /** The agent asking. */
  from: string;
  /** Who was asked, as the lead reads it: you, a team lead, or a group. */
  askedOf: string;
}

export interface SearchOutcome {
  query: string;
  tickets: Ticket[];
  /** More than the home shows: `/ticket search` pages through them. */
  more?: boolean;
  refusal?: Refusal;
}

export interface AgentHome {
  role: 'agent' | 'lead';
  agent: Agent;
  availability: Availability;
  /** The workspace file's `chats` for this agent: false works tickets only. */
  takesChats: boolean;
  open: Ticket[];
  openCount: number;
  pending: Ticket[];
  pendingCount: number;
  views: GroupView[];
  week: DeskStats;
  search?: SearchOutcome;
  /** Live chats of their groups that nobody has yet, oldest first. */
  waitingChats: WaitingChat[];
  /** The agent's own live chats, most urgent first (their turn to answer first). */
  liveChats: MyLiveChat[];
  /** Leads only. */
  team?: TeamMember[];
  groupWeek?: DeskStats;
  /** Leads only: chat transfer requests only they (or a lead of the group) can answer. */
  transfers?: WaitingTransfer[];
}

export interface GuestHome {
  role: 'guest';
  workspaceName: string;
}

export type HomeData = AgentHome | GuestHome;

export async function homeFor(desk: Desk, userId: string, options: { search?: string } = {}): Promise<HomeData> {
  const agent = desk.directory.agent(userId);
  if (!agent) return { role: 'guest', workspaceName: desk.directory.workspace.name };
  const now = desk.clock();
  const isLead = agent.role === 'lead' || agent.role === 'admin';
  const week = periodWindow('week', now);
  const [availability, { open, openCount, pending, pendingCount }, views, weekStats, search, chats, liveChats] =
    await Promise.all([
      availabilityOf(desk, userId),
      openAndPending(desk, userId),
      groupViews(desk, agent.groups),
      weekFiguresOf(desk, { agent: userId }, week),
      options.search === undefined ? Promise.resolve(undefined) : searchOutcome(desk, userId, options.search),
      waitingChats(desk, userId),
      myLiveChats(desk, userId),
    ]);
  const home: AgentHome = {
    role: isLead ? 'lead' : 'agent',
    agent,
    availability,
    takesChats: desk.directory.takesChats(userId),
    open,
    openCount,
    pending,
    pendingCount,
    views,
    week: weekStats,
    waitingChats: chats.ok ? chats.chats : [],
    liveChats,
    ...(search ? { search } : {}),
  };
  if (!isLead) return home;
  const [team, groupWeek, transfers] = await Promise.all([
    teamOf(desk, agent),
    weekFiguresOf(desk, { groupIds: agent.groups }, week),
    transfersWaitingFor(desk, userId),
  ]);
  return {
    ...home,
    team,
    groupWeek,
    transfers: transfers.map((transfer) => ({
      ticketNumber: transfer.ticketNumber,
      from: transfer.from,
      askedOf:
        transfer.to.kind === 'agent'
          ? 'you'
          : transfer.to.kind === 'lead'
            ? 'a team lead'
            : desk.directory.groupName(Number(transfer.to.id)),
    })),
  };
}

/**
 * Both lists in one read of the agent's open and pending tickets, newest change first, when they have
 * fewer than HOME_WORK_READ of them (as agents do): the counts are then what was read. An agent with
 * more is listed and counted per status.
 */
async function openAndPending(
  desk: Desk,
  userId: string,
): Promise<{ open: Ticket[]; openCount: number; pending: Ticket[]; pendingCount: number }> {
  const both = await desk.store.tickets.assignedTo(userId, ['open', 'pending'], HOME_WORK_READ);
  if (both.length < HOME_WORK_READ) {
    const open = both.filter((ticket) => ticket.status === 'open');
    const pending = both.filter((ticket) => ticket.status === 'pending');
    return {
      open: open.slice(0, HOME_LIST_LIMIT),
      openCount: open.length,
      pending: pending.slice(0, HOME_LIST_LIMIT),
      pendingCount: pending.length,
    };
  }
  const [[open, openCount], [pending, pendingCount]] = await Promise.all([
    listedAndCounted(desk, userId, 'open'),
    listedAndCounted(desk, userId, 'pending'),
  ]);
  return { open, openCount, pending, pendingCount };
}

/** The agent's first tickets of a status, and how many there are: counted only when the list is full. */
async function listedAndCounted(desk: Desk, userId: string, status: 'open' | 'pending'): Promise<[Ticket[], number]> {
  const listed = await desk.store.tickets.assignedTo(userId, [status], HOME_LIST_LIMIT);
  return [
    listed,
    listed.length < HOME_LIST_LIMIT ? listed.length : await desk.store.tickets.countAssigned(userId, [status]),
  ];
}

async function groupViews(desk: Desk, groupIds: readonly number[]): Promise<GroupView[]> {
  return Promise.all(
    groupIds.map(async (groupId) => {
      // One read gives the count and the oldest wait of a queue shorter than HOME_QUEUE_READ; a longer one is counted apart.
      const filedAt = await desk.store.tickets.queueFiledAt([groupId], HOME_QUEUE_READ);
      const waiting =
        filedAt.length < HOME_QUEUE_READ ? filedAt.length : await desk.store.tickets.countQueue([groupId]);
      return { groupId, name: desk.directory.groupName(groupId), waiting, oldestSince: filedAt[0] ?? null };
    }),
  );
}

async function teamOf(desk: Desk, lead: Agent): Promise<TeamMember[]> {
  const members = desk.directory.workspace.agents
    .filter((agent) => agent.groups.some((id) => lead.groups.includes(id)))
    .slice(0, HOME_TEAM_LIMIT);
  const users = members.map((member) => member.user);
  // One read for the whole team: a count per member was a scan each on the embedded server.
  const [states, open] = await Promise.all([
    availabilities(desk, users),
    desk.store.tickets.countAssignedByAgent(users, ['open']),
  ]);
  return members.map((agent) => ({
    agent,
    availability: states.get(agent.user) ?? 'offline',
    openTickets: open.get(agent.user) ?? 0,
  }));
}

async function searchOutcome(desk: Desk, userId: string, query: string): Promise<SearchOutcome> {
  const result = await searchTickets(desk, userId, query, { limit: SEARCH_LIMIT });
  return result.ok
    ? { query: result.query.text, tickets: result.tickets, more: result.next !== null }
    : { query: query.trim().slice(0, SEARCH_QUERY_MAX), tickets: [], refusal: result };
}
