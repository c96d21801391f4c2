import { movesFor, type TicketMove } from './allowed-moves.js';
import { type Desk, type Refusal, refuse } from './desk.js';
import { downloadPath, filesOfTicket, maySeeFiles } from './files.js';
import { agentOrRefusal, mayWorkIn } from './permissions.js';
import { type SlaState, slaState } from './sla.js';
import type { Ticket, TicketEvent } from './types.js';

export const QUEUE_PAGE = 20;

export interface QueueView {
  ok: true;
  groupIds: number[];
  tickets: Ticket[];
  /** All waiting, where `tickets` shows only the oldest page. */
  total: number;
}

/** The agent's views: unassigned tickets of their groups (or one group), oldest first. */
export async function agentQueue(desk: Desk, agentId: string, groupText?: string): Promise<QueueView | Refusal> {
  const allowed = agentOrRefusal(desk, agentId);
  if (!allowed.ok) return allowed;
  let groupIds = allowed.agent.groups;
  if (groupText?.trim()) {
    const group = desk.directory.findGroup(groupText);
    if (!group) return refuse('no_such_group_named', { typed: groupText.trim() });
    if (!mayWorkIn(desk, allowed.agent, group.id)) return refuse('not_your_group', { groupId: group.id });
    groupIds = [group.id];
  }
  const [tickets, total] = await Promise.all([
    desk.store.tickets.queue(groupIds, QUEUE_PAGE),
    desk.store.tickets.countQueue(groupIds),
  ]);
  return { ok: true, groupIds, tickets, total };
}

export interface WorkingView {
  ok: true;
  tickets: Ticket[];
}

/** `/ticket mine`: what the agent is working on, open first, then pending. */
export async function workingTickets(desk: Desk, agentId: string): Promise<WorkingView | Refusal> {
  const allowed = agentOrRefusal(desk, agentId);
  if (!allowed.ok) return allowed;
  const tickets = await desk.store.tickets.assignedTo(agentId, ['open', 'pending'], 50);
  tickets.sort((a, b) => (a.status === b.status ? 0 : a.status === 'open' ? -1 : 1));
  return { ok: true, tickets };
}

export interface TicketDetails {
  ok: true;
  ticket: Ticket;
  comments: Awaited<ReturnType<Desk['store']['tickets']['comments']>>;
  otherTickets: Ticket[];
}

/** A ticket with its last comments and the requester's other tickets, for the card. */
export async function ticketDetails(
  desk: Desk,
  number: number,
  viewerId: string,
  known?: KnownTicket,
): Promise<TicketDetails | Refusal> {
  const ticket = known?.ticket ?? (await desk.store.tickets.get(number));
  if (!ticket) return refuse('no_such_ticket', { number });
  const viewerIsAgent = desk.directory.agent(viewerId) !== undefined;
  const isRequester = ticket.requester.kind === 'slack' && ticket.requester.userId === viewerId;
  if (!viewerIsAgent && !isRequester) return refuse('not_your_ticket', { number });
  const [comments, otherTickets] = await Promise.all([
    desk.store.tickets.comments(number, { last: 5, ...(viewerIsAgent ? {} : { kinds: ['public'] as const }) }),
    !viewerIsAgent
      ? Promise.resolve([])
      : known
        ? Promise.resolve(known.requesterTickets.slice(0, 10))
        : desk.store.tickets.ofRequester(ticket.requester, 10, number),
  ]);
  return { ok: true, ticket, comments, otherTickets };
}

/** Everything the working card shows a viewer: the ticket, its context, and the moves this viewer may make now. */
export interface CardView {
  ok: true;
  ticket: Ticket;
  groupName: string;
  comments: TicketDetails['comments'];
  otherTickets: Ticket[];
  incidents: number[];
  undelivered: Awaited<ReturnType<Desk['store']['deliveries']['troubleOf']>>;
  followers: string[];
  /** Agents may open the requester panel. */
  requesterButton: boolean;
  moves: TicketMove[];
  /** Time left against the SLA targets (both clocks null when the priority has none). */
  sla: SlaState;
  /** The ticket's files this viewer may see, each with a way to open it minted for them. */
  files: CardFile[];
}

/** A file as a card lists it: what it is, who brought it when, and a link for this viewer (null: none they may use). */
export interface CardFile {
  id: string;
  commentId: string;
  name: string;
  size: number;
  contentType: string;
  addedBy: { kind: string; id: string };
  addedAt: Date;
  internal: boolean;
  link: string | null;
  inSlack: boolean;
}

/**
 * The files of a ticket for one viewer: Slack files by their permalink (Slack checks who may see
 * them); stored files by a download link signed for this viewer, only when they may open it.
 */
export async function filesForViewer(desk: Desk, ticket: Ticket, viewerId: string): Promise<CardFile[]> {
  const agent = desk.directory.agent(viewerId);
  const files = await filesOfTicket(desk, ticket.number, { publicOnly: !agent });
  const secret = desk.settings.fileLinkSecret;
  const mayDownload = secret !== undefined && maySeeFiles(agent, ticket);
  return files.map((file) => ({
    id: file.id,
    commentId: file.commentId,
    name: file.name,
    size: file.size,
    contentType: file.contentType,
    addedBy: file.addedBy,
    addedAt: file.addedAt,
    internal: file.visibility === 'internal',
    inSlack: file.slack !== null,
    link: file.slack
      ? file.slack.permalink || null
      : mayDownload
        ? `${desk.settings.publicUrl ?? ''}${downloadPath(secret!, file.id, viewerId, desk.clock())}`
        : null,
  }));
}

/** What the caller read a moment ago (a take's result): the card does not read it again. */
export interface KnownTicket {
  ticket: Ticket;
  /** The requester's other tickets, newest first. */
  requesterTickets: readonly Ticket[];
}

/** The one working card, whoever opens it and from wherever: its buttons are what this viewer may do now. */
export async function cardView(
  desk: Desk,
  number: number,
  viewerId: string,
  known?: KnownTicket,
): Promise<CardView | Refusal> {
  const isAgent = desk.directory.agent(viewerId) !== undefined;
  // Delivery trouble is read beside the ticket's details, not after them: one round trip fewer before the card is shown.
  const [details, undelivered] = await Promise.all([
    ticketDetails(desk, number, viewerId, known),
    isAgent ? desk.store.deliveries.troubleOf(number) : Promise.resolve([]),
  ]);
  if (!details.ok) return details;
  const ticket = details.ticket;
  const [incidents, followers, files] = await Promise.all([
    ticket.problem ? desk.store.links.incidentsOf(ticket.number) : Promise.resolve([]),
    isAgent && ticket.channel === 'chat' ? desk.store.chatDesk.followersOf(ticket.number) : Promise.resolve([]),
    filesForViewer(desk, ticket, viewerId),
  ]);
  return {
    ok: true,
    ticket,
    groupName: desk.directory.groupName(ticket.groupId),
    comments: details.comments,
    otherTickets: details.otherTickets,
    incidents: incidents.map((incident) => incident.number),
    undelivered,
    followers: followers.map((follower) => follower.user),
    requesterButton: isAgent,
    moves: movesFor(desk, ticket, viewerId),
    sla: slaState(ticket, desk.clock(), desk.directory.workspace),
    files,
  };
}

/** One page of a ticket's history, for agents (the requester sees the ticket, not the team's workings). */
export async function ticketHistory(
  desk: Desk,
  number: number,
  viewerId: string,
  page: number,
  pageSize: number,
): Promise<{ ok: true; events: TicketEvent[]; total: number; page: number } | Refusal> {
  if (!desk.directory.agent(viewerId)) return refuse('not_an_agent');
  if (!(await desk.store.tickets.get(number))) return refuse('no_such_ticket', { number });
  const safePage = Number.isInteger(page) && page >= 0 ? page : 0;
  const { events, total } = await desk.store.tickets.historyPage(number, safePage * pageSize, pageSize);
  return { ok: true, events, total, page: safePage };
}

/** A description or comment in full, for someone who may see the ticket (internal notes: agents only). */
export async function fullText(
  desk: Desk,
  what: string,
  viewerId: string,
): Promise<{ ok: true; ticketNumber: number; heading: string; text: string } | Refusal> {
  const [kind, id = ''] = what.split(/:(.*)/s);
  if (kind === 'description') {
    const details = await ticketDetails(desk, Number(id), viewerId);
    if (!details.ok) return details;
    return {
      ok: true,
      ticketNumber: details.ticket.number,
      heading: `The request #${details.ticket.number}, as written`,
      text: details.ticket.description,
    };
  }
  const comment = await desk.store.tickets.comment(id);
  if (!comment) return refuse('no_such_ticket', { number: 0 });
  const details = await ticketDetails(desk, comment.ticketNumber, viewerId);
  if (!details.ok) return details;
  if (comment.kind !== 'public' && !desk.directory.agent(viewerId))
    return refuse('not_your_ticket', { number: comment.ticketNumber });
  return {
    ok: true,
    ticketNumber: comment.ticketNumber,
    heading: `A comment on #${comment.ticketNumber}`,
    text: comment.text,
  };
}
