import { nobodyAcceptedText, routingOfferBlocks, routingOfferText } from '../../../blocks/routing.js';
import { DAY_MS } from '../../clock.js';
import type { Subscriber, TicketHandlers } from '../../events/types.js';
import type { RoutingOffer } from '../../tickets/routing-types.js';
import type { Ticket } from '../../tickets/types.js';
import { cardView } from '../../tickets/views.js';
import { cardBlocks } from '../screens.js';
import type { NotifierContext } from './context.js';

/**
 * Routing, told (docs/routing.md): the agent offered a ticket gets a DM with its card and Accept /
 * Pass; the DM is updated for whatever ends the offer (accepted, passed, no answer, gone offline,
 * taken by someone else); the group's channel hears once when nobody accepted.
 */
export function routingNotifier(context: NotifierContext): Subscriber {
  const { desk, send } = context;

  async function card(offer: RoutingOffer, ticket: Ticket) {
    const view = await cardView(desk, ticket.number, offer.agent);
    return view.ok ? cardBlocks(desk, view) : [];
  }

  async function close(offerId: string, ticket: Ticket, outcome: string): Promise<void> {
    const offer = await desk.store.routing.get(offerId);
    if (!offer?.message) return;
    await send.update(
      'routing offer update',
      offer.message,
      `#${ticket.number}: ${outcome}`,
      routingOfferBlocks(offer, ticket, await card(offer, ticket), desk.clock(), outcome),
    );
  }

  const events: TicketHandlers = {
    async routing_offered({ ticket, event }) {
      const offer = await desk.store.routing.get(event.note);
      if (!offer || !(await desk.store.routing.claimTelling(offer.id))) return;
      const posted = await send.dm(
        'routing offer',
        offer.agent,
        routingOfferText(ticket),
        routingOfferBlocks(offer, ticket, await card(offer, ticket), desk.clock()),
      );
      if (posted) await desk.store.routing.setMessage(offer.id, posted);
    },
    async routing_passed({ ticket, event }) {
      const outcome = {
        pass: 'You passed: it was offered to the next agent.',
        timeout: 'No answer in time: it was offered to the next agent.',
        offline: 'You went offline: it was offered to the next agent.',
      }[event.to.because];
      await close(event.note, ticket, outcome);
    },
    async routing_cancelled({ ticket, event }) {
      const outcome = event.to.by
        ? `<@${event.to.by}> has it now: it is no longer offered to you.`
        : 'It no longer waits in the queue: it is no longer offered to you.';
      await close(event.note, ticket, outcome);
    },
    async taken({ ticket, event }) {
      if (event.note !== 'offer') return;
      const offer = await desk.store.routing.latestOf(ticket.number);
      if (offer?.agent === event.to.assignee) await close(offer.id, ticket, 'You accepted: it is yours.');
    },
    async routing_unanswered({ ticket, event }) {
      const group = desk.directory.group(event.to.groupId);
      if (!group || !(await desk.store.seen.firstTime(`routing-unanswered-told:${event.id}`, desk.clock(), DAY_MS)))
        return;
      await send.post('routing nobody accepted', {
        channel: group.alertChannel,
        text: nobodyAcceptedText(ticket, event.to.offered),
      });
    },
  };

  return { name: 'routing', events };
}
