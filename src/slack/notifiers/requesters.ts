import { filerReceipt, requesterReceipt, takenNotice } from '../../../blocks/notices.js';
import type { Subscriber, TicketNotice } from '../../events/types.js';
import { closingNoteText } from '../../tickets/auto-close.js';
import { attemptDelivery, deliveryIdOf } from '../../tickets/deliveries.js';
import { releaseMergeNotice } from '../../tickets/merge.js';
import { fields, text, type NotifierContext } from './context.js';

/**
 * The requester's side of a ticket (a chat's requester hears from the chat notifier): a receipt when
 * it is filed (and the filer's, when someone filed it for them), who took it, every public reply,
 * the merge notice and the auto-close note. Replies go through the delivery queue the workflow filled
 * (a DM in Slack, the outbound webhook for email): tried now, retried by the delivery-retries job.
 */
export function requesterNotifier(context: NotifierContext): Subscriber {
  const { desk, send, senders } = context;

  async function deliver(id: string): Promise<void> {
    await attemptDelivery(desk, id, senders);
  }

  async function filed({ ticket, event }: TicketNotice): Promise<void> {
    if (ticket.channel === 'chat') return;
    // Filed from Slack by a person (the modal, a message shortcut): they get a receipt too.
    const filer = event.actor.kind === 'agent' ? event.actor.id : null;
    if (filer) await send.dm('filer receipt', filer, filerReceipt(ticket).text);
    if (ticket.requester.kind === 'slack' && ticket.requester.userId !== filer) {
      await send.dm('requester receipt', ticket.requester.userId, requesterReceipt(ticket).text);
    }
  }

  async function taken({ ticket, event }: TicketNotice): Promise<void> {
    const agent = text(fields(event.to).assignee);
    if (ticket.requester.kind !== 'slack' || !agent) return;
    await send.dm('requester taken notice', ticket.requester.userId, takenNotice(ticket, agent).text);
  }

  async function replied({ event }: TicketNotice): Promise<void> {
    const to = fields(event.to);
    const commentId = text(to.commentId);
    // A chat reply is relayed into the requester's DM as it is written, not delivered as a ticket reply.
    if (!commentId || to.via === 'chat') return;
    await deliver(deliveryIdOf(commentId));
  }

  async function closed({ ticket, event }: TicketNotice): Promise<void> {
    if (fields(event.to).status !== 'closed') return;
    // The merge notice was held until this close: now it may go (and the retry loop takes it if this attempt fails).
    const notice = await releaseMergeNotice(desk, ticket);
    if (notice) await deliver(notice);
  }

  async function autoClosed({ ticket }: TicketNotice): Promise<void> {
    // An email requester's copy of the note is the public comment; the webhook carries replies, not this.
    if (ticket.requester.kind !== 'slack') return;
    await send.dm(`note to the requester of #${ticket.number}`, ticket.requester.userId, closingNoteText(ticket, desk.settings.pendingCloseDays));
  }

  return {
    name: 'requester messages',
    actions: ['created', 'taken', 'replied', 'status_changed', 'auto_closed'],
    async ticket(notice) {
      switch (notice.event.action) {
        case 'created':
          return filed(notice);
        case 'taken':
          return taken(notice);
        case 'replied':
          return replied(notice);
        case 'status_changed':
          return closed(notice);
        default:
          return autoClosed(notice);
      }
    },
  };
}
