import type { Desk, Refusal } from '../tickets/desk.js';
import { agentOrRefusal } from '../tickets/permissions.js';
import { transfersWaitingFor } from './transfers.js';

export const WAITING_LIST_MAX = 40;

/** A chat waiting for an agent, as plain data for `/ticket chats` and the agent's dashboard. */
export interface WaitingChat {
  ticketNumber: number;
  requester: string;
  subject: string;
  groupId: number;
  groupName: string;
  waitingSince: Date;
  waitedMs: number;
  /** new: nobody accepted it yet (Accept the chat); transfer: its agent asked the group to take it (Accept the transfer). */
  kind: 'new' | 'transfer';
  /** For a transfer: who asks, the request to accept, and whether it waits for someone to come online. */
  from?: string;
  transferId?: string;
  queued?: boolean;
}

/**
 * Chats waiting for an agent of this agent's groups, oldest first: new chats nobody accepted, and
 * chats their agent asked the group to take (queued or not). Bounded, like every list a person reads.
 */
export async function waitingChats(desk: Desk, agentId: string): Promise<{ ok: true; chats: WaitingChat[] } | Refusal> {
  const allowed = agentOrRefusal(desk, agentId);
  if (!allowed.ok) return allowed;
  // An agent who takes no chats has none waiting for them: the list would only tempt a refused Accept.
  if (!desk.directory.takesChats(agentId)) return { ok: true, chats: [] };
  const groups = allowed.agent.groups;
  const [fresh, transfers] = await Promise.all([
    desk.store.chatDesk.waitingChats(groups, WAITING_LIST_MAX),
    transfersWaitingFor(desk, agentId, WAITING_LIST_MAX),
  ]);
  const groupTransfers = transfers.filter((transfer) => transfer.to.kind === 'group' && transfer.from !== agentId);
  const tickets = new Map(
    (
      await desk.store.tickets.getMany([
        ...fresh.map((chat) => chat.ticketNumber),
        ...groupTransfers.map((t) => t.ticketNumber),
      ])
    ).map((ticket) => [ticket.number, ticket]),
  );
  const chats = new Map(
    (await Promise.all(groupTransfers.map((t) => desk.store.chats.get(t.ticketNumber)))).flatMap((chat) =>
      chat ? [[chat.ticketNumber, chat] as const] : [],
    ),
  );
  const now = desk.clock().getTime();
  const list: WaitingChat[] = [
    ...fresh.map(
      (chat): WaitingChat => ({
        ticketNumber: chat.ticketNumber,
        requester: chat.requester,
        subject: tickets.get(chat.ticketNumber)?.subject ?? '',
        groupId: chat.groupId,
        groupName: desk.directory.groupName(chat.groupId),
        waitingSince: chat.startedAt,
        waitedMs: now - chat.startedAt.getTime(),
        kind: 'new',
      }),
    ),
    ...groupTransfers.map((transfer): WaitingChat => {
      const groupId = Number(transfer.to.id);
      return {
        ticketNumber: transfer.ticketNumber,
        requester: chats.get(transfer.ticketNumber)?.requester ?? '',
        subject: tickets.get(transfer.ticketNumber)?.subject ?? '',
        groupId,
        groupName: desk.directory.groupName(groupId),
        waitingSince: transfer.requestedAt,
        waitedMs: now - transfer.requestedAt.getTime(),
        kind: 'transfer',
        from: transfer.from,
        transferId: transfer.id,
        queued: transfer.queued === true,
      };
    }),
  ];
  list.sort((a, b) => a.waitingSince.getTime() - b.waitingSince.getTime() || a.ticketNumber - b.ticketNumber);
  return { ok: true, chats: list.slice(0, WAITING_LIST_MAX) };
}
