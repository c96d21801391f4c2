import type { Subscriber } from '../events/types.js';
import { closingNoteId, closingNoteText } from '../tickets/auto-close.js';
import { attemptDelivery, type DeliverySenders, queueClosingNoteDelivery } from '../tickets/deliveries.js';
import type { Desk } from '../tickets/desk.js';

/**
 * What email requesters are told besides replies (which the requester messages notifier queues): the
 * auto-close's note, as mail, once SMTP_URL is set. Without it nothing changes: the webhook carries
 * replies only, as before.
 */
export function emailNotifier(desk: Desk, senders: DeliverySenders): Subscriber {
  return {
    name: 'email',
    events: {
      async auto_closed({ ticket }) {
        if (!desk.settings.sendsMail || ticket.requester.kind !== 'email') return;
        const delivery = await queueClosingNoteDelivery(desk, ticket, {
          commentId: closingNoteId(ticket.number),
          text: closingNoteText(ticket, desk.settings.pendingCloseDays),
        });
        await attemptDelivery(desk, delivery.id, senders);
      },
    },
  };
}
