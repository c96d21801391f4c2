import {
  assignedToYou,
  bulkMoveDone,
  bulkMoveReceived,
  handoffOffer,
  handoffOfferText,
  movedAwayFromYou,
} from '../../../blocks/assignment.js';
import type { Subscriber, TicketHandlers } from '../../events/types.js';
import type { Handoff } from '../../tickets/assignment-types.js';
import type { Ticket } from '../../tickets/types.js';
import { cardView } from '../../tickets/views.js';
import { cardBlocks } from '../screens.js';
import type { NotifierContext } from './context.js';

/**
 * Who has a ticket, told to the people it concerns: the agent who gets one from someone else hears in
 * a DM with its card; the agent a lead took it from hears where it went; a hand-over is an offer with
 * Accept/Decline in the colleague's DM, updated for everyone once answered, and its asker hears the
 * outcome. A bulk hand-over is told once, as a summary, instead of a DM per ticket.
 */
export function assignmentNotifier(context: NotifierContext): Subscriber {
  const { desk, send } = context;

  async function closeOffers(handoff: Handoff, ticket: Ticket, outcome: string): Promise<void> {
    const current = (await desk.store.assignments.handoff(handoff.id)) ?? handoff;
    for (const place of current.offers)
      await send.update('hand-over offer update', place, outcome, handoffOffer(current, ticket, outcome));
  }

  /** A hand-over's event names it by id in its note. */
  async function handoffOf(event: { note: string }): Promise<Handoff | null> {
    return desk.store.assignments.handoff(event.note);
  }

  /** The agent who got the ticket from someone else hears with its card; the one it was taken from hears where it went. */
  async function moved(ticket: Ticket, by: string, from: string | null, to: string | null): Promise<void> {
    if (to && to !== by) {
      const card = await cardView(desk, ticket.number, to);
      const notice = assignedToYou(ticket, by, card.ok ? cardBlocks(desk, card) : []);
      await send.dm('assigned notice', to, notice.text, notice.blocks);
    }
    if (from && from !== by && from !== to) await send.dm('moved away notice', from, movedAwayFromYou(ticket, by, to));
  }

  const events: TicketHandlers = {
    async assigned({ ticket, event }) {
      // A bulk hand-over is told once, when it finishes.
      if (event.to.via === 'bulk') return;
      if (event.to.via !== 'handoff') return moved(ticket, event.actor.id, event.from.assignee, event.to.assignee);
      const handoff = event.note ? await handoffOf({ note: event.note }) : null;
      if (!handoff) return;
      await closeOffers(handoff, ticket, `Accepted by <@${handoff.to}>: the ticket is theirs now.`);
      await send.dm(
        'hand-over accepted notice',
        handoff.from,
        `<@${handoff.to}> accepted #${ticket.number}: it is theirs now.`,
      );
    },
    async released({ ticket, event }) {
      if (event.to.via === 'bulk') return;
      await moved(ticket, event.actor.id, event.from.assignee, null);
    },
    async handoff_requested({ ticket, event }) {
      const handoff = await handoffOf(event);
      if (!handoff) return;
      const posted = await send.dm(
        'hand-over offer',
        handoff.to,
        handoffOfferText(handoff),
        handoffOffer(handoff, ticket),
      );
      if (posted) await desk.store.assignments.addHandoffOffer(handoff.id, posted);
    },
    async handoff_declined({ ticket, event }) {
      const handoff = await handoffOf(event);
      if (!handoff) return;
      await closeOffers(
        handoff,
        ticket,
        `Declined by <@${handoff.to}>; #${ticket.number} stayed with <@${handoff.from}>.`,
      );
      await send.dm(
        'hand-over declined notice',
        handoff.from,
        `<@${handoff.to}> declined #${ticket.number}: it stays with you.`,
      );
    },
    async handoff_expired({ ticket, event }) {
      const handoff = await handoffOf(event);
      if (!handoff) return;
      await closeOffers(handoff, ticket, `Expired with no answer; #${ticket.number} stayed with <@${handoff.from}>.`);
      await send.dm(
        'hand-over expired notice',
        handoff.from,
        `Your request for <@${handoff.to}> to take over #${ticket.number} expired with no answer: it stays with you.`,
      );
    },
    async handoff_cancelled({ ticket, event }) {
      const handoff = await handoffOf(event);
      if (!handoff) return;
      const why = event.to.because ? 'the ticket changed hands meanwhile' : `cancelled by <@${event.actor.id}>`;
      await closeOffers(handoff, ticket, `No longer asked: ${why}.`);
    },
  };

  return {
    name: 'assignments',
    events,
    signals: {
      async bulk_move_finished(signal) {
        const { move } = signal;
        if (move.to) {
          const wanted = move.items.filter((item) => item.to === move.to).map((item) => item.number);
          const theirs = (await desk.store.tickets.getMany(wanted))
            .filter((ticket) => ticket.assignee === move.to)
            .map((ticket) => ticket.number);
          if (theirs.length > 0) await send.dm('bulk hand-over notice', move.to, bulkMoveReceived(move, theirs));
        }
        // Finished by the job after its process died: the lead never heard the outcome.
        if (signal.resumed) await send.dm('bulk hand-over finished notice', move.by, bulkMoveDone(move));
      },
    },
  };
}
