import type { Desk } from '../tickets/desk.js';

/** How many of an agent's live chats their Home lists (an agent holds a handful at once; the Home shares 100 blocks). */
export const MY_LIVE_CHATS_MAX = 10;

/** One of the agent's live chats, as their Home shows it. */
export interface MyLiveChat {
  ticketNumber: number;
  requester: string;
  subject: string;
  /** When the requester last wrote (the chat's start when no later message is known). */
  requesterWroteAt: Date;
  /** The requester wrote last: the agent owes the answer. */
  agentsTurn: boolean;
}

/**
 * The agent's live chats, most urgent first: those where the requester wrote last, longest waiting first,
 * then those waiting on the requester, longest quiet first.
 */
export async function myLiveChats(desk: Desk, agentId: string): Promise<MyLiveChat[]> {
  const chats = await desk.store.chats.ofAgent(agentId, 50);
  const tickets = new Map(
    (await desk.store.tickets.getMany(chats.map((chat) => chat.ticketNumber))).map((ticket) => [ticket.number, ticket]),
  );
  const list = chats.map((chat): MyLiveChat => {
    const requesterWroteAt = chat.lastRequesterAt ?? chat.startedAt;
    return {
      ticketNumber: chat.ticketNumber,
      requester: chat.requester,
      subject: tickets.get(chat.ticketNumber)?.subject ?? '',
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
