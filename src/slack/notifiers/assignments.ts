import { assignedToYou, bulkMoveDone, bulkMoveReceived, handoffOffer, handoffOfferText, movedAwayFromYou } from '../../../blocks/assignment.js';
import type { Subscriber, TicketNotice } from '../../events/types.js';
import type { Handoff } from '../../tickets/assignment-types.js';
import type { Ticket } from '../../tickets/types.js';
import { cardView } from '../../tickets/views.js';
import { cardBlocks } from '../screens.js';
import { fields, text, type NotifierContext } from './context.js';

/**
 * Who has a ticket, told to the people it concerns: the agent who gets one from someone else hears in
 * a DM with its card; the agent a lead took it from hears where it went; a hand-over is an offer with
 * Accept/Decline in the colleague's DM, updated for everyone once answered, and its asker hears the
 * outcome. A bulk hand-over is told once, as a summary, instead of a DM per ticket.
 */
export function assignmentNotifier(context: NotifierContext): Subscriber {
  const { desk, send } = context;

  async function handoffOf(event: TicketNotice['event']): Promise<Handoff | null> {
    const id = event.note?.startsWith('handoff:') ? event.note.slice('handoff:'.length) : event.note;
    return id ? desk.store.assignments.handoff(id) : null;
  }

  async function closeOffers(handoff: Handoff, ticket: Ticket, outcome: string): Promise<void> {
    const current = (await desk.store.assignments.handoff(handoff.id)) ?? handoff;
    for (const place of current.offers) await send.update('hand-over offer update', place, outcome, handoffOffer(current, ticket, outcome));
  }

  async function moved({ ticket, event }: TicketNotice): Promise<void> {
    const by = event.actor.id;
    const to = text(fields(event.to).assignee) ?? null;
    const from = text(fields(event.from).assignee) ?? null;
    if (event.note?.startsWith('handoff:')) {
      const handoff = await handoffOf(event);
      if (!handoff) return;
      await closeOffers(handoff, ticket, `Accepted by <@${handoff.to}>: the ticket is theirs now.`);
      await send.dm('hand-over accepted notice', handoff.from, `<@${handoff.to}> accepted #${ticket.number}: it is theirs now.`);
      return;
    }
    // A bulk hand-over is told once, when it finishes.
    if (event.note?.startsWith('bulk:')) return;
    if (to && to !== by && event.action === 'assigned') {
      const card = await cardView(desk, ticket.number, to);
      const notice = assignedToYou(ticket, by, card.ok ? cardBlocks(desk, card) : []);
      await send.dm('assigned notice', to, notice.text, notice.blocks);
    }
    if (from && from !== by && from !== to) await send.dm('moved away notice', from, movedAwayFromYou(ticket, by, to));
  }

  async function handoffStep({ ticket, event }: TicketNotice): Promise<void> {
    const handoff = await handoffOf(event);
    if (!handoff) return;
    switch (event.action) {
      case 'handoff_requested': {
        const posted = await send.dm('hand-over offer', handoff.to, handoffOfferText(handoff), handoffOffer(handoff, ticket));
        if (posted) await desk.store.assignments.addHandoffOffer(handoff.id, posted);
        return;
      }
      case 'handoff_declined':
        await closeOffers(handoff, ticket, `Declined by <@${handoff.to}>; #${ticket.number} stayed with <@${handoff.from}>.`);
        await send.dm('hand-over declined notice', handoff.from, `<@${handoff.to}> declined #${ticket.number}: it stays with you.`);
        return;
      case 'handoff_expired':
        await closeOffers(handoff, ticket, `Expired with no answer; #${ticket.number} stayed with <@${handoff.from}>.`);
        await send.dm('hand-over expired notice', handoff.from, `Your request for <@${handoff.to}> to take over #${ticket.number} expired with no answer: it stays with you.`);
        return;
      default: {
        const because = fields(event.to).because;
        const why = because === 'ticket-changed' || because === 'ticket-moved' ? 'the ticket changed hands meanwhile' : `cancelled by <@${event.actor.id}>`;
        await closeOffers(handoff, ticket, `No longer asked: ${why}.`);
      }
    }
  }

  return {
    name: 'assignments',
    actions: ['assigned', 'released', 'handoff_requested', 'handoff_declined', 'handoff_expired', 'handoff_cancelled'],
    async ticket(notice) {
      if (notice.event.action === 'assigned' || notice.event.action === 'released') return moved(notice);
      return handoffStep(notice);
    },
    signals: ['bulk_move_finished'],
    async signal(signal) {
      if (signal.type !== 'bulk_move_finished') return;
      const { move } = signal;
      if (move.to) {
        const wanted = move.items.filter((item) => item.to === move.to).map((item) => item.number);
        const theirs = (await desk.store.tickets.getMany(wanted)).filter((ticket) => ticket.assignee === move.to).map((ticket) => ticket.number);
        if (theirs.length > 0) await send.dm('bulk hand-over notice', move.to, bulkMoveReceived(move, theirs));
      }
      // Finished by the job after its process died: the lead never heard the outcome.
      if (signal.resumed) await send.dm('bulk hand-over finished notice', move.by, bulkMoveDone(move));
    },
  };
}
