import { MY_LIVE_CHATS_MAX, type MyLiveChat } from '../chats/my-chats.js';
import type { Availability } from '../chats/types.js';
import { WAITING_LIST_MAX, type WaitingChat } from '../chats/waiting.js';
import type { HomeDocuments, HomeTicket, LiveChatEntry, PublishedMark, TransferEntry } from '../store/homes.js';
import type { Desk, Refusal } from '../tickets/desk.js';
import { SEARCH_QUERY_MAX, searchTickets } from '../tickets/search.js';
import { type DeskStats, periodWindow } from '../tickets/stats.js';
import type { Ticket } from '../tickets/types.js';
import { personAndGroupWeek } from '../tickets/week-figures.js';
import type { Agent } from '../workspace/schema.js';

/**
 * What a person's App Home shows, gathered in one place; blocks/home.ts lays it out. Read from the
 * Homes' read models (src/store/homes.ts), kept as events happen: an open costs three reads whatever
 * the size of the desk — the documents of the person, their groups and (a lead's) team in one, the
 * week's figures in one, availabilities in one — and a search its own.
 */
export { HOME_LIST_LIMIT, HOME_QUEUE_READ, HOME_WORK_READ } from '../store/homes.js';
export const HOME_TEAM_LIMIT = 30;
export const SEARCH_LIMIT = 10;
/** How many transfer requests a lead's Home lists (transfersWaitingFor's own bound). */
const HOME_TRANSFERS_MAX = 20;

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
  open: HomeTicket[];
  openCount: number;
  pending: HomeTicket[];
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

/** A Home and what names the state it was read from (see HomeStore.claimPublish). */
export interface HomeRead {
  home: HomeData;
  /** The sum of the versions of the documents read: it never goes down. Null for a guest (nothing read). */
  version: number | null;
  /** What this person was last published, when anything was. */
  published: PublishedMark | null;
}

export async function homeFor(desk: Desk, userId: string, options: { search?: string } = {}): Promise<HomeData> {
  return (await readHome(desk, userId, options)).home;
}

export async function readHome(desk: Desk, userId: string, options: { search?: string } = {}): Promise<HomeRead> {
  const agent = desk.directory.agent(userId);
  if (!agent)
    return { home: { role: 'guest', workspaceName: desk.directory.workspace.name }, version: null, published: null };
  const now = desk.clock();
  const isLead = agent.role === 'lead' || agent.role === 'admin';
  const team = isLead ? teamMembers(desk, agent) : [];
  const teamUsers = team.map((member) => member.user);
  const [documents, figures, states, search] = await Promise.all([
    desk.store.homes.read([userId, ...teamUsers], agent.groups),
    personAndGroupWeek(desk, userId, isLead ? agent.groups : null, periodWindow('week', now)),
    desk.store.chats.availabilities([userId, ...teamUsers]),
    options.search === undefined ? Promise.resolve(undefined) : searchOutcome(desk, userId, options.search),
  ]);
  const mine = documents.persons.get(userId)!;
  const takesChats = desk.directory.takesChats(userId);
  const home: AgentHome = {
    role: isLead ? 'lead' : 'agent',
    agent,
    availability: states.get(userId) ?? 'offline',
    takesChats,
    open: mine.tickets.open,
    openCount: mine.tickets.openCount,
    pending: mine.tickets.pending,
    pendingCount: mine.tickets.pendingCount,
    views: agent.groups.map((groupId) => {
      const queue = documents.groups.get(groupId)!.queue;
      return {
        groupId,
        name: desk.directory.groupName(groupId),
        waiting: queue.waiting,
        oldestSince: queue.oldestSince,
      };
    }),
    week: figures.agent,
    waitingChats: takesChats ? waitingChatsOf(desk, userId, agent, documents, now) : [],
    liveChats: liveChatsOf(mine.chats.live),
    ...(search ? { search } : {}),
  };
  const read = { version: documents.version, published: mine.published };
  if (!isLead) return { home, ...read };
  return {
    home: {
      ...home,
      team: team.map((member) => ({
        agent: member,
        availability: states.get(member.user) ?? 'offline',
        openTickets: documents.persons.get(member.user)?.tickets.openCount ?? 0,
      })),
      ...(figures.groups ? { groupWeek: figures.groups } : {}),
      transfers: takesChats
        ? transfersFor(desk, userId, agent, documents, now).map((transfer) => ({
            ticketNumber: transfer.ticketNumber,
            from: transfer.from,
            askedOf:
              transfer.to.kind === 'agent'
                ? 'you'
                : transfer.to.kind === 'lead'
                  ? 'a team lead'
                  : desk.directory.groupName(Number(transfer.to.id)),
          }))
        : [],
    },
    ...read,
  };
}

function teamMembers(desk: Desk, lead: Agent): Agent[] {
  return desk.directory.workspace.agents
    .filter((agent) => agent.groups.some((id) => lead.groups.includes(id)))
    .slice(0, HOME_TEAM_LIMIT);
}

/** The agent's live chats, most urgent first: the requester wrote last (longest waiting first), then the quiet ones. */
function liveChatsOf(entries: readonly LiveChatEntry[]): MyLiveChat[] {
  const list = entries.map((chat): MyLiveChat => {
    const requesterWroteAt = chat.lastRequesterAt ?? chat.startedAt;
    return {
      ticketNumber: chat.ticketNumber,
      requester: chat.requester,
      subject: chat.subject,
      requesterWroteAt,
      agentsTurn: requesterWroteAt.getTime() > (chat.lastAgentAt?.getTime() ?? 0),
    };
  });
  list.sort(
    (a, b) =>
      Number(b.agentsTurn) - Number(a.agentsTurn) ||
      a.requesterWroteAt.getTime() - b.requesterWroteAt.getTime() ||
      a.ticketNumber - b.ticketNumber,
  );
  return list.slice(0, MY_LIVE_CHATS_MAX);
}

/** Requests waiting for this person's answer (transfersWaitingFor's rule), from the documents read. */
function transfersFor(desk: Desk, userId: string, agent: Agent, documents: HomeDocuments, now: Date): TransferEntry[] {
  const asked = [
    ...documents.persons.get(userId)!.chats.transfers,
    ...agent.groups.flatMap((groupId) => documents.groups.get(groupId)!.chats.transfers),
  ];
  const seen = new Set<string>();
  return asked
    .filter((transfer) => {
      if (seen.has(transfer.id)) return false;
      seen.add(transfer.id);
      return (
        transfer.expiresAt.getTime() > now.getTime() &&
        (transfer.to.kind !== 'lead' || desk.directory.isLeadOf(userId, Number(transfer.to.id)))
      );
    })
    .sort((a, b) => a.requestedAt.getTime() - b.requestedAt.getTime() || a.id.localeCompare(b.id))
    .slice(0, HOME_TRANSFERS_MAX);
}

/** Chats waiting for an agent of this agent's groups, oldest first (waitingChats' rule), from the documents read. */
function waitingChatsOf(desk: Desk, userId: string, agent: Agent, documents: HomeDocuments, now: Date): WaitingChat[] {
  const fresh = agent.groups.flatMap((groupId) => documents.groups.get(groupId)!.chats.waiting);
  const groupTransfers = transfersFor(desk, userId, agent, documents, now).filter(
    (transfer) => transfer.to.kind === 'group' && transfer.from !== userId,
  );
  const list: WaitingChat[] = [
    ...fresh.map(
      (chat): WaitingChat => ({
        ticketNumber: chat.ticketNumber,
        requester: chat.requester,
        subject: chat.subject,
        groupId: chat.groupId,
        groupName: desk.directory.groupName(chat.groupId),
        waitingSince: chat.startedAt,
        waitedMs: now.getTime() - chat.startedAt.getTime(),
        kind: 'new',
      }),
    ),
    ...groupTransfers.map((transfer): WaitingChat => {
      const groupId = Number(transfer.to.id);
      return {
        ticketNumber: transfer.ticketNumber,
        requester: transfer.requester,
        subject: transfer.subject,
        groupId,
        groupName: desk.directory.groupName(groupId),
        waitingSince: transfer.requestedAt,
        waitedMs: now.getTime() - transfer.requestedAt.getTime(),
        kind: 'transfer',
        from: transfer.from,
        transferId: transfer.id,
        queued: transfer.queued,
      };
    }),
  ];
  list.sort((a, b) => a.waitingSince.getTime() - b.waitingSince.getTime() || a.ticketNumber - b.ticketNumber);
  return list.slice(0, WAITING_LIST_MAX);
}

async function searchOutcome(desk: Desk, userId: string, query: string): Promise<SearchOutcome> {
  const result = await searchTickets(desk, userId, query, { limit: SEARCH_LIMIT });
  return result.ok
    ? { query: result.query.text, tickets: result.tickets, more: result.next !== null }
    : { query: query.trim().slice(0, SEARCH_QUERY_MAX), tickets: [], refusal: result };
}
