import { transferOffer } from '../../../blocks/chat.js';
import { queuedTransfersFor, transferById } from '../../chats/transfers.js';
import type { Transfer } from '../../chats/types.js';
import type { Subscriber, TicketHandlers, TicketNoticeOf } from '../../events/types.js';
import { transferTargetText } from '../../tickets/refusals.js';
import type { Ticket } from '../../tickets/types.js';
import { slackWords } from '../words.js';
import type { NotifierContext } from './context.js';

/**
 * A chat moves only when someone accepts it, so a transfer is told as offers: to the agent asked (a
 * DM), to a group's online agents (its queue channel), or to each agent of the group who comes online
 * (a queued request). Once answered, every offer stops offering buttons and says what happened, and
 * the agent who asked hears the outcome.
 */
export function transferNotifier(context: NotifierContext): Subscriber {
  const { desk, outbox } = context;
  const words = slackWords(desk.directory);
  const agentName = (userId: string) => desk.directory.agent(userId)?.name ?? 'Support';

  async function lastLines(ticketNumber: number): Promise<string[]> {
    const comments = await desk.store.tickets.comments(ticketNumber, { last: 3, kinds: ['public'] });
    return comments.map(
      (comment) => `${comment.author.kind === 'agent' ? agentName(comment.author.id) : 'Requester'}: ${comment.text}`,
    );
  }

  async function offerBlocks(transfer: Transfer, ticket: Ticket, outcome?: string) {
    return transferOffer({
      transfer,
      ticket,
      targetText: transferTargetText(transfer.to, words),
      lastMessages: await lastLines(transfer.ticketNumber),
      ...(outcome ? { outcome } : {}),
    });
  }

  /** A transfer's event names it by id in its note. */
  async function transferOf(event: { note: string }): Promise<Transfer | null> {
    return transferById(desk, event.note);
  }

  async function offer({ ticket, event }: TicketNoticeOf<'transfer_requested'>, transfer: Transfer): Promise<void> {
    const { asked } = event.to;
    const blocks = await offerBlocks(transfer, ticket);
    const line = `<@${transfer.from}> asks ${transferTargetText(transfer.to, words)} to take chat #${transfer.ticketNumber}`;
    const after = { kind: 'offer-posted' as const, transferId: transfer.id };
    if (transfer.to.kind === 'group') {
      // Queued with nobody online, it still shows in the queue; each agent who comes online is also offered it in a DM.
      const group = desk.directory.group(Number(transfer.to.id));
      if (!group) return;
      const pinged = [line, ...asked.map((agent) => `<@${agent}>`)].join(' ');
      await outbox.post({
        id: `${event.id}:offer`,
        ticketNumber: ticket.number,
        purpose: 'transfer offer',
        place: { kind: 'channel', channel: group.queueChannel ?? group.alertChannel },
        text: pinged,
        blocks,
        after,
        actor: transfer.from,
      });
      return;
    }
    for (const person of asked) {
      await outbox.post({
        id: `${event.id}:offer:${person}`,
        ticketNumber: ticket.number,
        purpose: 'transfer offer',
        place: { kind: 'dm', userId: person },
        text: line,
        blocks,
        after,
        actor: transfer.from,
      });
    }
  }

  async function closeOffers(eventId: string, transfer: Transfer, ticket: Ticket, outcome: string): Promise<void> {
    const current = (await transferById(desk, transfer.id)) ?? transfer;
    const blocks = await offerBlocks(current, ticket, outcome);
    for (const [index, place] of current.offers.entries()) {
      await outbox.update({
        id: `${eventId}:offer-closed:${index}`,
        ticketNumber: ticket.number,
        purpose: 'transfer offer update',
        ref: place,
        text: outcome,
        blocks,
      });
    }
  }

  async function tellAsker(eventId: string, transfer: Transfer, text: string): Promise<void> {
    await outbox.post({
      id: `${eventId}:asker`,
      ticketNumber: transfer.ticketNumber,
      purpose: 'transfer outcome notice',
      place: { kind: 'dm', userId: transfer.from },
      text,
    });
  }

  const events: TicketHandlers = {
    async transfer_requested(notice) {
      const transfer = await transferOf(notice.event);
      if (transfer) await offer(notice, transfer);
    },
    async transfer_expired({ ticket, event }) {
      const transfer = await transferOf(event);
      if (!transfer) return;
      await closeOffers(
        event.id,
        transfer,
        ticket,
        `Expired with no answer; the chat stayed with <@${transfer.from}>.`,
      );
      await tellAsker(
        event.id,
        transfer,
        `Your transfer request for chat #${transfer.ticketNumber} to ${transferTargetText(transfer.to, words)} expired with no answer — the chat stays with you.`,
      );
    },
    async transfer_declined({ ticket, event }) {
      const transfer = await transferOf(event);
      if (!transfer) return;
      await closeOffers(
        event.id,
        transfer,
        ticket,
        `Declined by <@${event.actor.id}>; the chat stayed with <@${transfer.from}>.`,
      );
      await tellAsker(
        event.id,
        transfer,
        `<@${event.actor.id}> declined chat #${transfer.ticketNumber} — it stays with you.`,
      );
    },
    async transfer_cancelled({ ticket, event }) {
      const transfer = await transferOf(event);
      if (!transfer) return;
      await closeOffers(
        event.id,
        transfer,
        ticket,
        event.to.because === 'chat-ended' ? 'Cancelled: the chat ended.' : `Cancelled by <@${event.actor.id}>.`,
      );
    },
    async transfer_accepted({ ticket, event }) {
      const transfer = await transferOf(event);
      if (transfer) await closeOffers(event.id, transfer, ticket, `Accepted by <@${event.to.assignee}>.`);
    },
  };

  /** An agent came online: each queued transfer of their groups is offered to them in a DM (the first to accept gets it). */
  async function offerQueued(agent: string): Promise<void> {
    for (const transfer of await queuedTransfersFor(desk, agent)) {
      const ticket = await desk.store.tickets.get(transfer.ticketNumber);
      if (!ticket) continue;
      await outbox.post({
        id: `queued-offer:${transfer.id}:${agent}:${transfer.offers.length}`,
        ticketNumber: ticket.number,
        purpose: 'queued transfer offer',
        place: { kind: 'dm', userId: agent },
        text: `Chat #${transfer.ticketNumber} is waiting for an agent of ${transferTargetText(transfer.to, words)}: accept it?`,
        blocks: await offerBlocks(transfer, ticket),
        after: { kind: 'offer-posted', transferId: transfer.id },
      });
    }
  }

  return {
    name: 'transfers',
    events,
    signals: {
      async availability_changed(signal) {
        if (signal.availability === 'online') await offerQueued(signal.agent);
      },
    },
  };
}
